//! Store scope: a store-scoped key does not see another store's customers
//! (404, never 403, so it cannot even learn they exist) and cannot create
//! customers outside its stores.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{OTHER_PHONE, PHONE, assert_field, enc, key, new_customer};

/// Stores A and B, a customer of B, and a store manager key of A.
struct Fixture {
    app: TestApp,
    store_a: String,
    store_b: String,
    theirs: String,
    manager: String,
}

async fn fixture() -> Fixture {
    let app = TestApp::spawn().await;
    let (store_a, store_b) = crate::helpers::two_stores(&app).await;
    let theirs = new_customer(
        &app,
        json!({ "name": "Giulia Rossi", "phones": [PHONE], "home_store_id": store_b, "tags": ["vip"] }),
    )
    .await;
    let manager = key(&app, Role::StoreManager, &[&store_a]);
    Fixture { app, store_a, store_b, theirs, manager }
}

#[track_caller]
fn assert_hidden(a: clientele_tests::Answer) {
    let a = a.expect_problem(404, "not_found");
    assert!(!a.text.contains("Giulia"), "{}", a.text);
}

#[tokio::test]
async fn store_scoped_key_gets_404_for_another_stores_customer() {
    let f = fixture().await;
    assert_hidden(f.app.call("GET", &format!("/v1/customers/{}", f.theirs), Some(&f.manager), None).await);
}

#[tokio::test]
async fn store_scoped_key_cannot_patch_another_stores_customer() {
    let f = fixture().await;
    let audits = f.app.count("audit_log");
    assert_hidden(
        f.app
            .call(
                "PATCH",
                &format!("/v1/customers/{}", f.theirs),
                Some(&f.manager),
                Some(&json!({ "name": "Hijacked" })),
            )
            .await,
    );
    assert_eq!(f.app.count("audit_log"), audits);
    let read = f.app.admin("GET", &format!("/v1/customers/{}", f.theirs), None).await.expect(200);
    assert_eq!(read.body["name"], "Giulia Rossi");
}

#[tokio::test]
async fn store_scoped_key_cannot_tag_or_untag_another_stores_customer() {
    let f = fixture().await;
    assert_hidden(f.app.call("PUT", &format!("/v1/customers/{}/tags/spam", f.theirs), Some(&f.manager), None).await);
    assert_hidden(f.app.call("DELETE", &format!("/v1/customers/{}/tags/vip", f.theirs), Some(&f.manager), None).await);
    assert_eq!(crate::helpers::rows(&f.app, "SELECT name FROM customer_tags"), [json!({ "name": "vip" })]);
}

#[tokio::test]
async fn store_scoped_key_cannot_record_consent_for_another_stores_customer() {
    let f = fixture().await;
    assert_hidden(
        f.app
            .call(
                "PUT",
                &format!("/v1/customers/{}/consents/sms", f.theirs),
                Some(&f.manager),
                Some(&json!({ "granted": true, "source": "forged" })),
            )
            .await,
    );
    assert_eq!(f.app.count("customer_consents"), 0);
}

#[tokio::test]
async fn store_scoped_key_cannot_touch_another_stores_timeline() {
    let f = fixture().await;
    f.app
        .admin(
            "POST",
            &format!("/v1/customers/{}/interactions", f.theirs),
            Some(&json!({ "type": "note", "note": "Milan secret" })),
        )
        .await
        .expect(201);
    assert_hidden(
        f.app
            .call(
                "POST",
                &format!("/v1/customers/{}/interactions", f.theirs),
                Some(&f.manager),
                Some(&json!({ "type": "visit" })),
            )
            .await,
    );
    let timeline = f
        .app
        .call("GET", &format!("/v1/customers/{}/timeline", f.theirs), Some(&f.manager), None)
        .await
        .expect_problem(404, "not_found");
    assert!(!timeline.text.contains("Milan secret"));
    assert_eq!(f.app.count("interactions"), 1);
}

#[tokio::test]
async fn store_scoped_search_and_lookup_never_return_another_stores_customer() {
    let f = fixture().await;
    let ours =
        new_customer(&f.app, json!({ "name": "Giulia Bianchi", "phones": [OTHER_PHONE], "home_store_id": f.store_a }))
            .await;
    let associate = key(&f.app, Role::Associate, &[&f.store_a]);
    for token in [&f.manager, &associate] {
        for query in [
            "".to_owned(),
            "?name=Giulia".to_owned(),
            format!("?phone={}", enc(PHONE)),
            "?tag=vip".to_owned(),
            format!("?store_id={}", f.store_b),
        ] {
            let a = f.app.call("GET", &format!("/v1/customers{query}"), Some(token), None).await.expect(200);
            let ids: Vec<&str> =
                a.body["items"].as_array().expect("items").iter().filter_map(|c| c["id"].as_str()).collect();
            assert!(!ids.contains(&f.theirs.as_str()), "{query}: {}", a.text);
            assert!(!a.text.contains("Rossi"), "{query}: {}", a.text);
            if query.is_empty() || query == "?name=Giulia" {
                assert_eq!(ids, [ours.as_str()], "{query}");
            }
        }
        f.app
            .call("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE)), Some(token), None)
            .await
            .expect_problem(404, "not_found");
    }
}

#[tokio::test]
async fn store_scoped_lookup_by_member_no_of_another_store_is_404() {
    let f = fixture().await;
    let theirs: Value = f.app.admin("GET", &format!("/v1/customers/{}", f.theirs), None).await.expect(200).body;
    let no = theirs["member_no"].as_str().expect("member_no");
    assert_hidden(f.app.call("GET", &format!("/v1/customers/lookup?member_no={no}"), Some(&f.manager), None).await);
}

#[tokio::test]
async fn a_scoped_key_cannot_create_a_customer_in_another_store() {
    let f = fixture().await;
    let before = f.app.count("customers");
    let a = f
        .app
        .call("POST", "/v1/customers", Some(&f.manager), Some(&json!({ "name": "Marco", "home_store_id": f.store_b })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "home_store_id", "not_allowed");
    assert_eq!(f.app.count("customers"), before);
}

#[tokio::test]
async fn a_single_store_keys_new_customer_defaults_to_its_store() {
    let f = fixture().await;
    let created =
        f.app.call("POST", "/v1/customers", Some(&f.manager), Some(&json!({ "name": "Marco" }))).await.expect(201);
    assert_eq!(created.body["home_store_id"], f.store_a.as_str());
    f.app
        .call("GET", &format!("/v1/customers/{}", created.body["id"].as_str().expect("id")), Some(&f.manager), None)
        .await
        .expect(200);
}

#[tokio::test]
async fn a_multi_store_key_must_name_the_home_store() {
    let f = fixture().await;
    let associate = key(&f.app, Role::Associate, &[&f.store_a, &f.store_b]);
    let a = f
        .app
        .call("POST", "/v1/customers", Some(&associate), Some(&json!({ "name": "Marco" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "home_store_id", "required");
    f.app
        .call("POST", "/v1/customers", Some(&associate), Some(&json!({ "name": "Marco", "home_store_id": f.store_b })))
        .await
        .expect(201);
}

#[tokio::test]
async fn a_scoped_key_cannot_move_its_customer_to_another_store() {
    let f = fixture().await;
    let ours = new_customer(&f.app, json!({ "name": "Marco", "home_store_id": f.store_a })).await;
    let a = f
        .app
        .call("PATCH", &format!("/v1/customers/{ours}"), Some(&f.manager), Some(&json!({ "home_store_id": f.store_b })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "home_store_id", "not_allowed");
    let read = f.app.admin("GET", &format!("/v1/customers/{ours}"), None).await.expect(200);
    assert_eq!(read.body["home_store_id"], f.store_a.as_str());
}

/// A store manager of A cannot point their own customer at B's associate or
/// record a visit at B: B's things are as unknown to them as things that do
/// not exist (422 `unknown_reference`, the same answer as a made-up id).
#[tokio::test]
async fn a_scoped_key_cannot_point_its_records_at_another_stores_things() {
    let f = fixture().await;
    let mine =
        new_customer(&f.app, json!({ "name": "Li Na", "phones": [OTHER_PHONE], "home_store_id": f.store_a })).await;
    let associate =
        |store: &str, code: &str| json!({ "store_id": store, "code": code, "name": format!("Associate {code}") });
    let b_associate =
        f.app.admin("POST", "/v1/associates", Some(&associate(&f.store_b, "B-01"))).await.expect(201).body;
    let a_associate =
        f.app.admin("POST", "/v1/associates", Some(&associate(&f.store_a, "A-01"))).await.expect(201).body;
    let b_associate = b_associate["id"].as_str().expect("id").to_owned();
    let a_associate = a_associate["id"].as_str().expect("id").to_owned();
    let path = format!("/v1/customers/{mine}");
    let theirs = f.app.call("PATCH", &path, Some(&f.manager), Some(&json!({ "associate_id": b_associate }))).await;
    assert_field(&theirs, "associate_id", "unknown_reference");
    let made_up = json!({ "associate_id": "00000000-0000-7000-8000-000000000000" });
    let unknown = f.app.call("PATCH", &path, Some(&f.manager), Some(&made_up)).await;
    let shape = |a: &clientele_tests::Answer| {
        (a.status, a.body["errors"][0]["field"].clone(), a.body["errors"][0]["code"].clone())
    };
    assert_eq!(shape(&theirs), shape(&unknown), "the answers must not tell them apart");
    f.app.call("PATCH", &path, Some(&f.manager), Some(&json!({ "associate_id": a_associate }))).await.expect(200);
    // A new customer cannot be given B's associate either.
    let new = json!({ "name": "Zhou Xun", "home_store_id": f.store_a, "associate_id": b_associate });
    assert_field(
        &f.app.call("POST", "/v1/customers", Some(&f.manager), Some(&new)).await,
        "associate_id",
        "unknown_reference",
    );
    // A visit at B.
    let visit = json!({ "type": "visit", "at": "2026-11-01T10:00:00Z", "store_id": f.store_b, "note": "came by" });
    let a = f.app.call("POST", &format!("{path}/interactions"), Some(&f.manager), Some(&visit)).await;
    assert_field(&a, "store_id", "unknown_reference");
    let visit = json!({ "type": "visit", "at": "2026-11-01T10:00:00Z", "store_id": f.store_a, "note": "came by" });
    f.app.call("POST", &format!("{path}/interactions"), Some(&f.manager), Some(&visit)).await.expect(201);
    // An admin set B's associate; the manager may still edit other fields.
    f.app.admin("PATCH", &path, Some(&json!({ "associate_id": b_associate }))).await.expect(200);
    f.app.call("PATCH", &path, Some(&f.manager), Some(&json!({ "occupation": "architect" }))).await.expect(200);
}
