//! PUT/DELETE /v1/customers/{id}/tags/{tag}, PUT /v1/customers/{id}/consents/{channel}.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, audit_of, key, new_customer, rows, two_stores};

fn tag_names(c: &Value) -> Vec<String> {
    c["tags"].as_array().expect("tags").iter().map(|t| t["name"].as_str().expect("name").to_owned()).collect()
}

#[tokio::test]
async fn put_tag_sets_a_system_tag_and_delete_removes_it() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let set = app.admin("PUT", &format!("/v1/customers/{id}/tags/vip"), None).await.expect(200);
    assert_eq!(tag_names(&set.body), ["vip"]);
    assert_eq!(set.body["tags"][0]["kind"], "system");
    assert_eq!(set.body["tags"][0]["set_by"], "test admin");
    assert_eq!(app.count("customer_tags"), 1);
    assert_eq!(audit_of(&app, &id).last().expect("entry")["action"], "tag");

    let removed = app.admin("DELETE", &format!("/v1/customers/{id}/tags/vip"), None).await.expect(200);
    assert_eq!(tag_names(&removed.body), Vec::<String>::new());
    assert_eq!(app.count("customer_tags"), 0);
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(read.body["tags"], json!([]));
}

#[tokio::test]
async fn removing_a_tag_the_customer_does_not_have_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "tags": ["vip"] })).await;
    let audits = app.count("audit_log");
    let a = app.admin("DELETE", &format!("/v1/customers/{id}/tags/golf"), None).await.expect(200);
    assert_eq!(tag_names(&a.body), ["vip"]);
    assert_eq!(app.count("audit_log"), audits);
}

#[tokio::test]
async fn a_bad_tag_kind_is_422_kind() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin("PUT", &format!("/v1/customers/{id}/tags/vip?kind=secret"), None)
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "kind", "invalid_format");
    assert_eq!(app.count("customer_tags"), 0);
}

#[tokio::test]
async fn an_associate_sets_a_personal_tag_by_default() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "home_store_id": a })).await;
    let associate = key(&app, Role::Associate, &[&a]);
    let set =
        app.call("PUT", &format!("/v1/customers/{id}/tags/likes-films"), Some(&associate), None).await.expect(200);
    assert_eq!(set.body["tags"][0]["name"], "likes-films");
    assert_eq!(set.body["tags"][0]["kind"], "personal");
}

#[tokio::test]
async fn associate_cannot_set_a_system_tag() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "home_store_id": a })).await;
    let associate = key(&app, Role::Associate, &[&a]);
    app.call("PUT", &format!("/v1/customers/{id}/tags/vip?kind=system"), Some(&associate), None)
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_tags"), 0);
}

fn consent(granted: bool, at: &str) -> Value {
    json!({ "granted": granted, "source": "POS Shanghai IFC", "at": at })
}

#[tokio::test]
async fn a_newer_consent_decision_replaces_the_standing_one() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let path = format!("/v1/customers/{id}/consents/sms");
    let granted = app.admin("PUT", &path, Some(&consent(true, "2025-01-01T10:00:00Z"))).await.expect(200);
    assert_eq!(granted.body["consents"][0]["channel"], "sms");
    assert_eq!(granted.body["consents"][0]["granted"], true);
    let withdrawn = app.admin("PUT", &path, Some(&consent(false, "2025-02-01T10:00:00Z"))).await.expect(200);
    assert_eq!(withdrawn.body["consents"][0]["granted"], false);
    assert_eq!(
        rows(&app, "SELECT channel, granted FROM customer_consents"),
        [json!({ "channel": "sms", "granted": false })]
    );
}

#[tokio::test]
async fn an_older_consent_decision_changes_nothing() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let path = format!("/v1/customers/{id}/consents/email");
    app.admin("PUT", &path, Some(&consent(true, "2025-03-01T10:00:00Z"))).await.expect(200);
    let audits = app.count("audit_log");
    let stale = app.admin("PUT", &path, Some(&consent(false, "2025-01-01T10:00:00Z"))).await.expect(200);
    assert_eq!(stale.body["consents"][0]["granted"], true);
    assert_eq!(stale.body["consents"][0]["at"], "2025-03-01T10:00:00Z");
    assert_eq!(app.count("audit_log"), audits, "nothing audited");
    assert_eq!(rows(&app, "SELECT granted FROM customer_consents"), [json!({ "granted": true })]);
}

#[tokio::test]
async fn a_consent_for_an_unknown_channel_or_in_the_future_is_422() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin(
            "PUT",
            &format!("/v1/customers/{id}/consents/pigeon"),
            Some(&json!({ "granted": true, "source": "POS" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "channel", "invalid_format");
    let b = app
        .admin("PUT", &format!("/v1/customers/{id}/consents/sms"), Some(&consent(true, "2999-01-01T00:00:00Z")))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&b, "at", "out_of_range");
    assert_eq!(app.count("customer_consents"), 0);
}

#[tokio::test]
async fn pos_cannot_record_consent() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "phones": [crate::helpers::PHONE] })).await;
    let pos = key(&app, Role::Pos, &[]);
    app.call(
        "PUT",
        &format!("/v1/customers/{id}/consents/wechat"),
        Some(&pos),
        Some(&json!({ "granted": true, "source": "till" })),
    )
    .await
    .expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_consents"), 0);
}
