//! Every problem answer is application/problem+json and carries the request
//! id of the X-Request-Id header.

use clientele_profiles::Role;
use clientele_tests::{Answer, TestApp};
use serde_json::json;

use crate::helpers::{key, new_customer};

#[track_caller]
fn assert_request_id_matches(a: &Answer) {
    let header = a.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("an X-Request-Id header");
    assert!(!header.is_empty());
    assert_eq!(a.body["request_id"], header, "status {}: {}", a.status, a.text);
    assert_eq!(a.content_type, "application/problem+json", "{}", a.text);
    assert_eq!(a.body["status"], a.status, "{}", a.text);
    let code = a.body["code"].as_str().expect("a code");
    assert_eq!(a.body["type"], format!("urn:clientele:problem:{code}"));
    assert!(a.body["title"].is_string() && a.body["detail"].is_string());
}

#[tokio::test]
async fn every_problem_body_has_the_request_id_of_its_header() {
    let app = TestApp::spawn().await;
    let s = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let x = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    app.admin("POST", &format!("/v1/customers/{s}/merge"), Some(&json!({ "absorb": x }))).await.expect(200);
    let pos = key(&app, Role::Pos, &[]);
    let token = app.admin_token.clone();
    let answers = [
        app.call("GET", "/v1/customers", None, None).await,
        app.call("GET", "/v1/customers", Some(&pos), None).await,
        app.admin("GET", &format!("/v1/customers/{}", uuid::Uuid::new_v4()), None)
            .await,
        app.admin("GET", "/v1/nowhere", None).await,
        app.admin("GET", &format!("/v1/customers/{x}"), None).await,
        app.admin("POST", "/v1/customers", Some(&json!({ "phones": ["1"] })))
            .await,
        app.call_raw(
            "POST",
            "/v1/customers",
            Some(&token),
            "application/json",
            b"{".to_vec(),
        )
        .await,
        app.call_raw(
            "POST",
            "/v1/customers",
            Some(&token),
            "text/plain",
            b"{}".to_vec(),
        )
        .await,
        app.call_raw(
            "POST",
            "/v1/customers",
            Some(&token),
            "application/json",
            vec![b' '; 70 * 1024],
        )
        .await,
        app.admin(
            "POST",
            "/v1/stores",
            Some(&json!({ "code": "X-1", "name": "X", "country": "China", "time_zone": "Asia/Shanghai", "currency": "CNY" })),
        )
        .await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [401, 403, 404, 404, 410, 422, 400, 415, 413, 422], "{answers:#?}");
    for a in &answers {
        assert_request_id_matches(a);
    }
}

#[tokio::test]
async fn a_sane_incoming_request_id_is_kept_and_echoed() {
    let app = TestApp::spawn().await;
    let req = app
        .request("GET", "/v1/customers/not-a-uuid")
        .bearer_auth(&app.admin_token)
        .header("X-Request-Id", "pos-till-7_0042");
    let a = app.send(req).await.expect_problem(404, "not_found");
    assert_eq!(a.headers.get("x-request-id").and_then(|v| v.to_str().ok()), Some("pos-till-7_0042"));
    assert_eq!(a.body["request_id"], "pos-till-7_0042");
}

#[tokio::test]
async fn an_insane_incoming_request_id_is_replaced() {
    let app = TestApp::spawn().await;
    let req = app
        .request("GET", "/v1/nowhere")
        .bearer_auth(&app.admin_token)
        .header("X-Request-Id", "<script>alert(1)</script>");
    let a = app.send(req).await.expect_problem(404, "no_route");
    let header = a.headers.get("x-request-id").and_then(|v| v.to_str().ok()).expect("header");
    assert!(!header.contains('<'), "{header}");
    assert_eq!(a.body["request_id"], header);
}

#[tokio::test]
async fn the_request_id_is_written_to_the_audit_log() {
    let app = TestApp::spawn().await;
    let req = app
        .request("POST", "/v1/customers")
        .bearer_auth(&app.admin_token)
        .header("X-Request-Id", "enrol-0001")
        .json(&json!({ "name": "Wang Fang" }));
    let a = app.send(req).await.expect(201);
    let id = a.body["id"].as_str().expect("id");
    let audit = crate::helpers::audit_of(&app, id);
    assert_eq!(audit[0]["request_id"], "enrol-0001");
    assert_eq!(audit[0]["action"], "create");
}
