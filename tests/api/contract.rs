//! The API keeps its contract on every operation the OpenAPI document
//! lists: authentication is decided before anything else about a request,
//! and every status an operation answers is one the document declares.

use clientele_tests::{Answer, TestApp};
use serde_json::{Value, json};

/// Every (method, path template, operation) of the served document.
async fn operations(app: &TestApp) -> Vec<(String, String, Value)> {
    let doc = app.call("GET", "/openapi.json", None, None).await.expect(200).body;
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            out.push((method.to_uppercase(), path.clone(), op.clone()));
        }
    }
    assert!(out.len() > 40, "the document lists {} operations", out.len());
    out
}

/// The template with every `{param}` replaced.
fn fill(path: &str, value: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let end = rest[start..].find('}').map(|e| start + e + 1).unwrap_or(rest.len());
        out.push_str(value);
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

async fn send(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: &str) -> Answer {
    let mut req = app.request(method, path).header("content-type", "application/json");
    if !matches!(method, "GET" | "DELETE") {
        req = req.body(body.to_owned());
    }
    if let Some(token) = token {
        req = req.bearer_auth(token);
    }
    app.send(req).await
}

#[tokio::test]
async fn without_a_valid_key_every_operation_is_401_whatever_the_body() {
    let app = TestApp::spawn().await;
    let revoked = app.key_direct(clientele_profiles::Role::Admin, clientele_profiles::StoreScope::All, "to revoke");
    let keys = app.admin("GET", "/v1/api-keys", None).await.expect(200).body;
    let revoked_id = keys
        .as_array()
        .and_then(|a| a.iter().find(|k| k["name"] == "to revoke"))
        .and_then(|k| k["id"].as_str())
        .expect("the key to revoke")
        .to_owned();
    app.admin("DELETE", &format!("/v1/api-keys/{revoked_id}"), None).await.expect(200);
    for (method, template, op) in operations(&app).await {
        let public =
            op["security"].as_array().is_some_and(|s| s.iter().any(|r| r.as_object().is_some_and(|o| o.is_empty())));
        if public || !template.starts_with("/v1/") {
            continue;
        }
        let path = fill(&template, "not-a-uuid");
        for token in [None, Some("clt_0000000000000000000000000000000000000000"), Some(revoked.as_str())] {
            let a = send(&app, &method, &path, token, r#"{"bogus": true, "name": 5}"#).await;
            assert_eq!(a.status, 401, "{method} {path} with {token:?}: {}", a.text);
            assert_eq!(a.body["code"], "unauthorized", "{method} {path}");
        }
    }
    let _ = json!(null);
}
