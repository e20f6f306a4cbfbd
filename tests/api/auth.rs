//! Authentication (401) and the role → permission matrix (403): each refused
//! operation answers 403 and leaves the data as it was.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{PHONE, PHONE_NATIONAL, enc, key, new_customer, person};

#[tokio::test]
async fn no_key_is_401_unauthorized_with_www_authenticate() {
    let app = TestApp::spawn().await;
    new_customer(&app, person("Wang Fang", PHONE)).await;
    let a = app.call("GET", "/v1/customers", None, None).await.expect_problem(401, "unauthorized");
    assert_eq!(a.headers.get("www-authenticate").and_then(|v| v.to_str().ok()), Some("Bearer"));
    assert!(!a.text.contains("Wang Fang"));
    let created = app
        .call("POST", "/v1/customers", None, Some(&person("Zhang Wei", PHONE)))
        .await
        .expect_problem(401, "unauthorized");
    assert!(created.headers.get("www-authenticate").is_some());
    assert_eq!(app.count("customers"), 1);
}

#[tokio::test]
async fn a_wrong_key_is_401() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, person("Wang Fang", PHONE)).await;
    let wrong = format!("{}x", app.admin_token);
    for token in [wrong.as_str(), "clt_0000000000000000000000000000000000000000"] {
        let a = app
            .call("GET", &format!("/v1/customers/{id}"), Some(token), None)
            .await
            .expect_problem(401, "unauthorized");
        assert!(!a.text.contains("Wang Fang"));
    }
    let basic = app.send(
        app.request("GET", &format!("/v1/customers/{id}"))
            .header("Authorization", format!("Basic {}", app.admin_token)),
    );
    basic.await.expect_problem(401, "unauthorized");
}

#[tokio::test]
async fn health_and_ready_need_no_key_but_everything_else_does() {
    let app = TestApp::spawn().await;
    app.call("GET", "/health", None, None).await.expect(200);
    app.call("GET", "/ready", None, None).await.expect(200);
    for path in ["/v1/stores", "/v1/associates", "/v1/api-keys", "/v1/customers/duplicates"] {
        app.call("GET", path, None, None).await.expect_problem(401, "unauthorized");
    }
}

#[tokio::test]
async fn pos_cannot_search_customers() {
    let app = TestApp::spawn().await;
    new_customer(&app, person("Wang Fang", PHONE)).await;
    let pos = key(&app, Role::Pos, &[]);
    let a = app.call("GET", "/v1/customers?name=Wang", Some(&pos), None).await.expect_problem(403, "forbidden");
    assert!(!a.text.contains("Wang Fang"));
}

#[tokio::test]
async fn pos_can_look_up_members_but_not_enrol_them() {
    let app = TestApp::spawn().await;
    let pos = key(&app, Role::Pos, &[]);
    let created = app.admin("POST", "/v1/customers", Some(&person("Wang Fang", PHONE))).await.expect(201);
    let found =
        app.call("GET", &format!("/v1/customers/lookup?phone={PHONE_NATIONAL}"), Some(&pos), None).await.expect(200);
    assert_eq!(found.body["id"], created.body["id"]);
    app.call("POST", "/v1/customers", Some(&pos), Some(&person("Li Wei", "+8613900001111")))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("customers"), 1);
}

#[tokio::test]
async fn pos_cannot_read_the_organisation() {
    let app = TestApp::spawn().await;
    let pos = key(&app, Role::Pos, &[]);
    app.call("GET", "/v1/stores", Some(&pos), None).await.expect_problem(403, "forbidden");
    app.call("GET", "/v1/associates", Some(&pos), None).await.expect_problem(403, "forbidden");
}

#[tokio::test]
async fn pos_cannot_tag() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, person("Wang Fang", PHONE)).await;
    let pos = key(&app, Role::Pos, &[]);
    app.call("PUT", &format!("/v1/customers/{id}/tags/vip"), Some(&pos), None).await.expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_tags"), 0);
}

#[tokio::test]
async fn pos_cannot_untag() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "tags": ["vip"] })).await;
    let pos = key(&app, Role::Pos, &[]);
    app.call("DELETE", &format!("/v1/customers/{id}/tags/vip"), Some(&pos), None)
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_tags"), 1);
}

#[tokio::test]
async fn pos_cannot_read_or_write_the_timeline() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, person("Wang Fang", PHONE)).await;
    app.admin(
        "POST",
        &format!("/v1/customers/{id}/interactions"),
        Some(&json!({ "type": "note", "note": "private remark" })),
    )
    .await
    .expect(201);
    let pos = key(&app, Role::Pos, &[]);
    let read = app
        .call("GET", &format!("/v1/customers/{id}/timeline"), Some(&pos), None)
        .await
        .expect_problem(403, "forbidden");
    assert!(!read.text.contains("private remark"));
    app.call("POST", &format!("/v1/customers/{id}/interactions"), Some(&pos), Some(&json!({ "type": "visit" })))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("interactions"), 1);
}

#[tokio::test]
async fn pos_cannot_patch() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, person("Wang Fang", PHONE)).await;
    let pos = key(&app, Role::Pos, &[]);
    app.call("PATCH", &format!("/v1/customers/{id}"), Some(&pos), Some(&json!({ "name": "Changed" })))
        .await
        .expect_problem(403, "forbidden");
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(read.body["name"], "Wang Fang");
}

#[tokio::test]
async fn pos_cannot_merge_export_or_erase_or_list_duplicates() {
    let app = TestApp::spawn().await;
    let s = new_customer(&app, person("Wang Fang", PHONE)).await;
    let x = new_customer(&app, person("Wang Fang", PHONE_NATIONAL)).await;
    let pos = key(&app, Role::Pos, &[]);
    app.call("POST", &format!("/v1/customers/{s}/merge"), Some(&pos), Some(&json!({ "absorb": x })))
        .await
        .expect_problem(403, "forbidden");
    let export =
        app.call("GET", &format!("/v1/customers/{s}/export"), Some(&pos), None).await.expect_problem(403, "forbidden");
    assert!(!export.text.contains("Wang Fang"));
    app.call("DELETE", &format!("/v1/customers/{s}"), Some(&pos), None).await.expect_problem(403, "forbidden");
    app.call("GET", "/v1/customers/duplicates", Some(&pos), None).await.expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_merges"), 0);
    for id in [&s, &x] {
        let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
        assert_eq!(read.body["name"], "Wang Fang");
        assert_eq!(read.body["erased_at"], Value::Null);
    }
}

#[tokio::test]
async fn analyst_cannot_create_customers() {
    let app = TestApp::spawn().await;
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("POST", "/v1/customers", Some(&analyst), Some(&person("Wang Fang", PHONE)))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("customers"), 0);
    assert_eq!(app.count("member_numbers"), 0);
}

#[tokio::test]
async fn analyst_cannot_patch_customers() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, person("Wang Fang", PHONE)).await;
    let analyst = key(&app, Role::Analyst, &[]);
    let audits = app.count("audit_log");
    app.call("PATCH", &format!("/v1/customers/{id}"), Some(&analyst), Some(&json!({ "name": "Changed" })))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("audit_log"), audits);
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(read.body["name"], "Wang Fang");
}

#[tokio::test]
async fn analyst_cannot_look_up_record_consent_or_interactions() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, person("Wang Fang", PHONE)).await;
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE)), Some(&analyst), None)
        .await
        .expect_problem(403, "forbidden");
    app.call(
        "PUT",
        &format!("/v1/customers/{id}/consents/sms"),
        Some(&analyst),
        Some(&json!({ "granted": true, "source": "guess" })),
    )
    .await
    .expect_problem(403, "forbidden");
    app.call("POST", &format!("/v1/customers/{id}/interactions"), Some(&analyst), Some(&json!({ "type": "visit" })))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_consents"), 0);
    assert_eq!(app.count("interactions"), 0);
}

#[tokio::test]
async fn associate_cannot_merge_export_or_erase() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let s = new_customer(&app, json!({ "name": "Wang Fang", "phones": [PHONE], "home_store_id": store })).await;
    let x = new_customer(&app, json!({ "name": "Wang Fang", "phones": [PHONE], "home_store_id": store })).await;
    let associate = key(&app, Role::Associate, &[&store]);
    app.call("POST", &format!("/v1/customers/{s}/merge"), Some(&associate), Some(&json!({ "absorb": x })))
        .await
        .expect_problem(403, "forbidden");
    app.call("GET", &format!("/v1/customers/{s}/export"), Some(&associate), None)
        .await
        .expect_problem(403, "forbidden");
    app.call("DELETE", &format!("/v1/customers/{s}"), Some(&associate), None).await.expect_problem(403, "forbidden");
    assert_eq!(app.count("customer_merges"), 0);
    let read = app.admin("GET", &format!("/v1/customers/{x}"), None).await.expect(200);
    assert_eq!(read.body["erased_at"], Value::Null);
    let read = app.admin("GET", &format!("/v1/customers/{s}"), None).await.expect(200);
    assert_eq!(read.body["name"], "Wang Fang");
}

#[tokio::test]
async fn crm_manager_can_do_everything_but_keys() {
    let app = TestApp::spawn().await;
    let crm = key(&app, Role::CrmManager, &[]);
    app.call(
        "POST",
        "/v1/stores",
        Some(&crm),
        Some(&json!({ "code": "SH-IFC", "name": "IFC", "country": "CN", "time_zone": "Asia/Shanghai", "currency": "CNY" })),
    )
    .await
    .expect(201);
    let c = app.call("POST", "/v1/customers", Some(&crm), Some(&person("Wang Fang", PHONE))).await.expect(201);
    let id = c.body["id"].as_str().expect("id");
    app.call("GET", &format!("/v1/customers/{id}/export"), Some(&crm), None).await.expect(200);
    app.call("DELETE", &format!("/v1/customers/{id}"), Some(&crm), None).await.expect(200);
    app.call("GET", "/v1/api-keys", Some(&crm), None).await.expect_problem(403, "forbidden");
}
