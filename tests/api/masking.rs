//! Phone and e-mail masked for pos and analyst, in full for the others.

use clientele_profiles::Role;
use clientele_tests::{Answer, TestApp};
use serde_json::json;

use crate::helpers::{EMAIL, PHONE, PHONE_NATIONAL, enc, key};

struct Fixture {
    app: TestApp,
    store: String,
    id: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let c = app.customer(json!({ "name": "Lin Yue", "phones": [PHONE], "email": EMAIL, "home_store_id": store })).await;
    let id = c["id"].as_str().expect("id").to_owned();
    Fixture { app, store, id }
}

#[track_caller]
fn assert_masked(a: &Answer) {
    assert_eq!(a.body["contact_masked"], true, "{}", a.text);
    assert_eq!(a.body["phones"], json!(["+86138****5678"]), "{}", a.text);
    assert_eq!(a.body["email"], "l***@example.com", "{}", a.text);
    for secret in [PHONE_NATIONAL, "12345678", "lin.yue"] {
        assert!(!a.text.contains(secret), "{secret} in {}", a.text);
    }
}

#[track_caller]
fn assert_unmasked(a: &Answer) {
    assert_eq!(a.body["contact_masked"], false, "{}", a.text);
    assert_eq!(a.body["phones"], json!([PHONE]));
    assert_eq!(a.body["email"], EMAIL);
}

#[tokio::test]
async fn pos_sees_phone_and_email_masked() {
    let f = fixture().await;
    let pos = key(&f.app, Role::Pos, &[]);
    let read = f.app.call("GET", &format!("/v1/customers/{}", f.id), Some(&pos), None).await.expect(200);
    assert_masked(&read);
    let found =
        f.app.call("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE)), Some(&pos), None).await.expect(200);
    assert_masked(&found);
}

#[tokio::test]
async fn analyst_sees_phone_and_email_masked_in_reads_and_searches() {
    let f = fixture().await;
    let analyst = key(&f.app, Role::Analyst, &[]);
    let read = f.app.call("GET", &format!("/v1/customers/{}", f.id), Some(&analyst), None).await.expect(200);
    assert_masked(&read);
    let searched =
        f.app.call("GET", &format!("/v1/customers?phone={}", enc(PHONE)), Some(&analyst), None).await.expect(200);
    assert_eq!(searched.body["items"][0]["contact_masked"], true);
    assert_eq!(searched.body["items"][0]["phones"], json!(["+86138****5678"]));
    assert!(!searched.text.contains(PHONE_NATIONAL), "{}", searched.text);
    assert!(!searched.text.contains("lin.yue"), "{}", searched.text);
}

#[tokio::test]
async fn admin_and_crm_manager_see_contact_details_in_full() {
    let f = fixture().await;
    let crm = key(&f.app, Role::CrmManager, &[]);
    for token in [f.app.admin_token.clone(), crm] {
        let read = f.app.call("GET", &format!("/v1/customers/{}", f.id), Some(&token), None).await.expect(200);
        assert_unmasked(&read);
    }
}

#[tokio::test]
async fn store_manager_and_associate_see_their_customers_contact_details_in_full() {
    let f = fixture().await;
    for role in [Role::StoreManager, Role::Associate] {
        let token = key(&f.app, role, &[&f.store]);
        let read = f.app.call("GET", &format!("/v1/customers/{}", f.id), Some(&token), None).await.expect(200);
        assert_unmasked(&read);
        let searched = f.app.call("GET", "/v1/customers", Some(&token), None).await.expect(200);
        assert_eq!(searched.body["items"][0]["phones"], json!([PHONE]), "{role}");
    }
}
