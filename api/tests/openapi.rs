//! The OpenAPI document is generated from the handlers; this snapshot makes
//! every change of the API show up as a diff in review. After an intended
//! change: `INSTA_UPDATE=always cargo test -p clientele-api --test openapi`
//! (or `cargo insta review`), and commit the snapshot.

#[test]
fn openapi_document_matches_the_snapshot() {
    let doc = clientele_api::openapi();
    let json = serde_json::to_value(&doc).expect("the document serialises");
    insta::assert_json_snapshot!("openapi", json);
}

#[test]
fn every_operation_has_a_tag_and_a_documented_error() {
    let doc = serde_json::to_value(clientele_api::openapi()).expect("the document serialises");
    let paths = doc["paths"].as_object().expect("paths");
    let mut operations = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().expect("path item") {
            operations += 1;
            assert!(op["tags"].as_array().is_some_and(|t| !t.is_empty()), "{method} {path} has no tag");
            let responses = op["responses"].as_object().expect("responses");
            assert!(responses.keys().any(|k| k.starts_with('2')), "{method} {path} documents no success");
        }
    }
    assert_eq!(operations, 100, "every endpoint of the service is in the document");
}

#[test]
fn every_v1_operation_documents_the_problems_any_request_can_meet() {
    let doc = serde_json::to_value(clientele_api::openapi()).expect("the document serialises");
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let responses = op["responses"].as_object().expect("responses");
            let has = |s: &str| responses.contains_key(s);
            if path.starts_with("/v1/") {
                for s in ["401", "403", "422", "500", "503"] {
                    assert!(has(s), "{method} {path} does not document {s}");
                }
                assert!(responses["503"]["headers"]["Retry-After"].is_object(), "{method} {path}: 503 Retry-After");
            }
            if op["requestBody"].is_object() {
                for s in ["400", "413", "415", "422"] {
                    assert!(has(s), "{method} {path} takes a body but does not document {s}");
                }
            }
            if path.contains('{') {
                assert!(has("404"), "{method} {path} has a path parameter but does not document 404");
            }
            for (status, response) in responses {
                assert!(
                    response["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{method} {path} {status} has no description (OpenAPI requires one)"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    let content = response["content"].as_object().expect("content");
                    assert_eq!(
                        content.keys().collect::<Vec<_>>(),
                        ["application/problem+json"],
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
