//! POST/GET/DELETE /v1/api-keys and the KeyGrant rules.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::json;

use crate::helpers::{PHONE, PHONE_NATIONAL, assert_field, key, two_stores};

#[tokio::test]
async fn a_created_key_works_at_once_and_is_listed_without_its_token() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let created = app
        .admin("POST", "/v1/api-keys", Some(&json!({ "name": "POS Shanghai IFC", "role": "pos", "store_ids": [a] })))
        .await
        .expect(201);
    let token = created.body["token"].as_str().expect("token shown once").to_owned();
    assert_eq!(created.body["key"]["role"], "pos");
    assert_eq!(created.body["key"]["store_ids"], json!([a]));
    assert_eq!(created.body["key"]["revoked_at"], serde_json::Value::Null);
    let prefix = created.body["key"]["prefix"].as_str().expect("prefix");
    assert!(token.starts_with(prefix), "{token} / {prefix}");

    app.admin("POST", "/v1/customers", Some(&json!({ "name": "Wang Fang", "phones": [PHONE], "home_store_id": a })))
        .await
        .expect(201);
    app.call("GET", &format!("/v1/customers/lookup?phone={PHONE_NATIONAL}"), Some(&token), None).await.expect(200);

    let listed = app.admin("GET", "/v1/api-keys", None).await.expect(200);
    assert!(
        listed
            .body
            .as_array()
            .expect("a list")
            .iter()
            .any(|k| k["id"] == created.body["key"]["id"] && k["name"] == "POS Shanghai IFC"),
        "{}",
        listed.text
    );
    assert!(!listed.text.contains(&token), "the token is never listed");
    let digests = crate::helpers::rows(&app, "SELECT encode(digest, 'hex') AS d FROM api_keys");
    assert!(!serde_json::to_string(&digests).expect("json").contains(&token));
}

#[tokio::test]
async fn a_revoked_key_gets_401_at_once() {
    let app = TestApp::spawn().await;
    let created =
        app.admin("POST", "/v1/api-keys", Some(&json!({ "name": "Analyst", "role": "analyst" }))).await.expect(201);
    let token = created.body["token"].as_str().expect("token").to_owned();
    let id = created.body["key"]["id"].as_str().expect("id").to_owned();
    app.call("GET", "/v1/customers", Some(&token), None).await.expect(200);
    let revoked = app.admin("DELETE", &format!("/v1/api-keys/{id}"), None).await.expect(200);
    assert!(revoked.body["revoked_at"].is_string(), "{}", revoked.text);
    app.call("GET", "/v1/customers", Some(&token), None).await.expect_problem(401, "unauthorized");
}

#[tokio::test]
async fn revoking_an_unknown_key_is_404() {
    let app = TestApp::spawn().await;
    app.admin("DELETE", &format!("/v1/api-keys/{}", uuid::Uuid::new_v4()), None).await.expect_problem(404, "not_found");
    app.admin("DELETE", "/v1/api-keys/nope", None).await.expect_problem(404, "not_found");
}

#[tokio::test]
async fn non_admin_roles_cannot_manage_keys() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let keys_before = app.count("api_keys");
    for (role, stores) in [
        (Role::CrmManager, vec![]),
        (Role::StoreManager, vec![a.as_str()]),
        (Role::Associate, vec![a.as_str()]),
        (Role::Pos, vec![]),
        (Role::Analyst, vec![]),
    ] {
        let token = key(&app, role, &stores);
        app.call("POST", "/v1/api-keys", Some(&token), Some(&json!({ "name": "sneaky", "role": "admin" })))
            .await
            .expect_problem(403, "forbidden");
        let list = app.call("GET", "/v1/api-keys", Some(&token), None).await.expect_problem(403, "forbidden");
        assert!(!list.text.contains("test admin"), "{role}: {}", list.text);
    }
    assert_eq!(app.count("api_keys"), keys_before + 5);
}

#[tokio::test]
async fn a_store_manager_key_without_stores_is_422_store_ids() {
    let app = TestApp::spawn().await;
    let before = app.count("api_keys");
    let a = app
        .admin("POST", "/v1/api-keys", Some(&json!({ "name": "Li Na", "role": "store_manager" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "store_ids", "required");
    let empty = app
        .admin("POST", "/v1/api-keys", Some(&json!({ "name": "Li Na", "role": "associate", "store_ids": [] })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&empty, "store_ids", "required");
    assert_eq!(app.count("api_keys"), before);
}

#[tokio::test]
async fn an_admin_key_with_stores_is_422_store_ids() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let before = app.count("api_keys");
    for role in ["admin", "crm_manager"] {
        let answer = app
            .admin("POST", "/v1/api-keys", Some(&json!({ "name": "Boss", "role": role, "store_ids": [a] })))
            .await
            .expect_problem(422, "validation_failed");
        assert_field(&answer, "store_ids", "not_allowed");
    }
    assert_eq!(app.count("api_keys"), before);
}

#[tokio::test]
async fn a_key_for_an_unknown_store_or_role_is_422() {
    let app = TestApp::spawn().await;
    let before = app.count("api_keys");
    let store = app
        .admin(
            "POST",
            "/v1/api-keys",
            Some(&json!({ "name": "Li Na", "role": "store_manager", "store_ids": [uuid::Uuid::new_v4()] })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&store, "store_ids", "unknown_reference");
    let role = app
        .admin("POST", "/v1/api-keys", Some(&json!({ "name": "Root", "role": "root" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&role, "role", "invalid_format");
    let name = app
        .admin("POST", "/v1/api-keys", Some(&json!({ "name": "   ", "role": "pos" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&name, "name", "required");
    assert_eq!(app.count("api_keys"), before);
}

#[tokio::test]
async fn a_key_name_with_a_nul_character_is_422_name_not_500() {
    let app = TestApp::spawn().await;
    let before = app.count("api_keys");
    let a = app
        .admin("POST", "/v1/api-keys", Some(&json!({ "name": "POS\u{0}IFC", "role": "pos" })))
        .await
        .expect_problem(422, "validation_failed");
    assert!(a.error_fields().contains(&"name".to_owned()), "{}", a.text);
    assert_eq!(app.count("api_keys"), before);
}

#[tokio::test]
async fn a_key_named_with_control_characters_is_refused_or_fully_usable() {
    let app = TestApp::spawn().await;
    let id = crate::helpers::new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let created =
        app.admin("POST", "/v1/api-keys", Some(&json!({ "name": "CRM\tteam\nShanghai", "role": "crm_manager" }))).await;
    match created.status {
        422 => assert!(created.error_fields().contains(&"name".to_owned()), "{}", created.text),
        201 => {
            let token = created.body["token"].as_str().expect("token");
            app.call("PUT", &format!("/v1/customers/{id}/tags/vip"), Some(token), None).await.expect(200);
            app.call(
                "POST",
                &format!("/v1/customers/{id}/interactions"),
                Some(token),
                Some(&json!({ "type": "visit" })),
            )
            .await
            .expect(201);
        }
        other => panic!("unexpected status {other}: {}", created.text),
    }
}
