//! The API keeps its contract on every operation the OpenAPI document
//! lists: authentication is decided before anything else about a request,
//! and every status an operation answers is one the document declares.

use clientele_profiles::{Role, StoreScope};
use clientele_tests::{Answer, TestApp};
use serde_json::{Value, json};

use crate::helpers::assert_field;

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
}

/// The statuses the document declares for an operation.
fn documented(op: &Value) -> Vec<String> {
    op["responses"].as_object().map(|r| r.keys().cloned().collect()).unwrap_or_default()
}

/// The names of an operation's parameters in `place` (`path`, `query`).
fn params(op: &Value, place: &str) -> Vec<String> {
    op["parameters"]
        .as_array()
        .map(|ps| {
            ps.iter().filter(|p| p["in"] == place).filter_map(|p| p["name"].as_str().map(str::to_owned)).collect()
        })
        .unwrap_or_default()
}

/// What is wrong with an answer, if anything: a status the operation does
/// not document, a server error, or a problem not sent as problem+json.
fn undocumented(op: &Value, what: &str, a: &Answer) -> Option<String> {
    let status = a.status.to_string();
    if !documented(op).contains(&status) {
        return Some(format!("{what} answered {status}, not in {:?}: {}", documented(op), a.text));
    }
    if a.status >= 500 {
        return Some(format!("{what} answered a server error: {}", a.text));
    }
    if a.status >= 400 && a.content_type != "application/problem+json" {
        return Some(format!("{what} answered {status} as {}: {}", a.content_type, a.text));
    }
    None
}

/// Calls every operation of the served document in the ways a client gets
/// wrong (no key, a key of a role without the permission, a bad body, a
/// bad path id, bad query parameters) and asserts that every answer's
/// status is one the document lists for that operation.
#[tokio::test]
async fn every_status_an_operation_answers_is_documented() {
    let app = TestApp::spawn().await;
    let admin = app.admin_token.clone();
    let analyst = app.key_direct(Role::Analyst, StoreScope::All, "analyst");
    let pos = app.key_direct(Role::Pos, StoreScope::All, "pos");
    let customer = app.customer(json!({"name": "Contract"})).await["id"].as_str().expect("id").to_owned();
    let mut calls = 0;
    let mut wrong = Vec::new();
    for (method, template, op) in operations(&app).await {
        if !template.starts_with("/v1/") {
            continue;
        }
        let with_body = !op["requestBody"].is_null();
        let real = fill(&template, &customer);
        let bad_id = fill(&template, "not-a-uuid");
        let unknown = fill(&template, &uuid::Uuid::new_v4().to_string());
        let mut cases: Vec<(String, Option<&str>, String)> = vec![
            (real.clone(), None, "{}".into()),
            (bad_id.clone(), Some(&admin), "{}".into()),
            (unknown.clone(), Some(&admin), r#"{"bogus": true}"#.into()),
            (real.clone(), Some(&admin), "[]".into()),
            (real.clone(), Some(&admin), "{not json".into()),
            (unknown.clone(), Some(&analyst), "{}".into()),
            (real.clone(), Some(&pos), "{}".into()),
        ];
        let query = params(&op, "query");
        if !query.is_empty() {
            let bad: Vec<String> = query.iter().map(|q| format!("{q}=x%20bad")).collect();
            cases.push((format!("{real}?{}", bad.join("&")), Some(&admin), "{}".into()));
            let twice: Vec<String> = query.iter().map(|q| format!("{q}=1&{q}=2")).collect();
            cases.push((format!("{real}?{}", twice.join("&")), Some(&admin), "{}".into()));
        }
        for (path, token, body) in cases {
            let a = send(&app, &method, &path, token, &body).await;
            wrong.extend(undocumented(&op, &format!("{method} {path} with body {body}"), &a));
            calls += 1;
        }
        if with_body {
            for content_type in [None, Some("application/json")] {
                let mut req = app.request(&method, &real).bearer_auth(&admin);
                if let Some(ct) = content_type {
                    req = req.header("content-type", ct);
                }
                let a = app.send(req).await;
                wrong.extend(undocumented(&op, &format!("{method} {real} without a body ({content_type:?})"), &a));
                calls += 1;
            }
        }
    }
    assert!(wrong.is_empty(), "{} of {calls} answers break the contract:\n{}", wrong.len(), wrong.join("\n"));
    assert!(calls > 300, "only {calls} calls were made");
}

/// Every operation that takes a JSON object refuses any other JSON at the
/// top level: serde would otherwise read `[]` as a struct with no fields.
#[tokio::test]
async fn a_body_that_is_not_a_json_object_is_refused_naming_the_body() {
    let app = TestApp::spawn().await;
    let customer = app.customer(json!({"name": "Shape"})).await["id"].as_str().expect("id").to_owned();
    let before = app.count("customers");
    let mut checked = 0;
    for (method, template, op) in operations(&app).await {
        if op["requestBody"].is_null() {
            continue;
        }
        let path = fill(&template, &customer);
        for body in ["[]", "[{}]", "[\"x\", 1]", "5", "\"text\"", "true", "null"] {
            let a = send(&app, &method, &path, Some(&app.admin_token), body).await;
            assert_eq!(a.status, 422, "{method} {path} with {body}: {}", a.text);
            assert_field(&a, "body", "invalid_type");
            checked += 1;
        }
    }
    assert!(checked > 50, "only {checked} operations with a body");
    assert_eq!(app.count("customers"), before, "a refused body created a customer");
}

#[tokio::test]
async fn a_patch_without_a_body_changes_nothing_and_says_why() {
    let app = TestApp::spawn().await;
    let customer = app.customer(json!({"name": "Unchanged"})).await["id"].as_str().expect("id").to_owned();
    let path = format!("/v1/customers/{customer}");
    let a = app.send(app.request("PATCH", &path).bearer_auth(&app.admin_token)).await;
    a.expect_problem(415, "unsupported_media_type");
    let a = app
        .send(app.request("PATCH", &path).bearer_auth(&app.admin_token).header("content-type", "application/json"))
        .await;
    let a = a.expect_problem(400, "malformed_json");
    assert!(a.body["detail"].as_str().is_some_and(|d| d.contains("empty")), "{}", a.text);
    let a = send(&app, "PATCH", &path, Some(&app.admin_token), " \n").await;
    a.expect_problem(400, "malformed_json");
    assert_eq!(app.admin("GET", &path, None).await.expect(200).body["name"], "Unchanged");
}

#[tokio::test]
async fn a_bad_query_parameter_is_named() {
    let app = TestApp::spawn().await;
    let a = app.admin("GET", "/v1/customers/duplicates?limit=abc", None).await.expect_problem(422, "validation_failed");
    assert_field(&a, "limit", "invalid_format");
    let a = app.admin("GET", "/v1/customers/duplicates?limit=5&limit=6", None).await.expect(422);
    assert_field(&a, "limit", "duplicate");
    let a = app.admin("GET", "/v1/customers?limit=1&limit=2", None).await.expect(422);
    assert_field(&a, "limit", "duplicate");
    app.admin("GET", "/v1/customers/duplicates?limit=5", None).await.expect(200);
}
