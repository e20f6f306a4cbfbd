//! GET /v1/customers/{id}/export and DELETE /v1/customers/{id} (erasure), end to end.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{EMAIL, OTHER_PHONE, PHONE, PHONE_NATIONAL, audit_of, enc, id_of, key, rows};

/// A customer with everything personal filled in, a note on the timeline and
/// a patch in the audit log.
async fn rich_customer(app: &TestApp) -> Value {
    let c = app
        .customer(json!({
            "name": "Lin Yue",
            "phones": [PHONE],
            "email": EMAIL,
            "gender": "female",
            "birthday": "1988-03-14",
            "location": { "city": "Shanghai", "address": "1 Century Avenue" },
            "important_dates": [{ "kind": "anniversary", "date": "2015-06-20" }],
            "tags": ["vip"],
            "consents": [{ "channel": "sms", "granted": true, "source": "POS" }],
            "external_ids": [{ "system": "wechat_openid", "value": "o6_bmjrPTlm6_2sgVt7hMZOPfL2M" }]
        }))
        .await;
    let id = id_of(&c);
    app.admin(
        "POST",
        &format!("/v1/customers/{id}/interactions"),
        Some(&json!({ "type": "note", "at": "2025-01-01T10:00:00Z", "note": "her husband is called Bo" })),
    )
    .await
    .expect(201);
    app.admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "occupation": "Architect" }))).await.expect(200);
    c
}

#[tokio::test]
async fn export_holds_profile_member_numbers_timeline_and_audit() {
    let app = TestApp::spawn().await;
    let c = rich_customer(&app).await;
    let id = id_of(&c);
    let a = app.admin("GET", &format!("/v1/customers/{id}/export"), None).await.expect(200);
    assert!(
        a.headers
            .get("content-disposition")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains(&format!("customer-{id}.json"))),
        "{:?}",
        a.headers
    );
    let e = &a.body;
    assert_eq!(e["customer"]["id"], id.as_str());
    assert_eq!(e["customer"]["phones"], json!([PHONE]), "unmasked");
    assert_eq!(e["customer"]["email"], EMAIL);
    assert_eq!(e["member_numbers"], json!([c["member_no"]]));
    assert_eq!(e["timeline"][0]["note"], "her husband is called Bo");
    let actions: Vec<&str> =
        e["audit"].as_array().expect("audit").iter().filter_map(|x| x["action"].as_str()).collect();
    assert_eq!(actions, ["create", "record_interaction", "update"]);
    assert_eq!(e["merged_records"], json!([]));
}

#[tokio::test]
async fn export_after_a_merge_lists_both_member_numbers_and_the_merged_record() {
    let app = TestApp::spawn().await;
    let s = app.customer(json!({ "name": "Wang Fang", "phones": [PHONE] })).await;
    let x = app.customer(json!({ "name": "Wang Fang", "phones": [OTHER_PHONE] })).await;
    app.admin("POST", &format!("/v1/customers/{}/merge", id_of(&s)), Some(&json!({ "absorb": id_of(&x) })))
        .await
        .expect(200);
    let a = app.admin("GET", &format!("/v1/customers/{}/export", id_of(&s)), None).await.expect(200);
    let mut expected =
        vec![s["member_no"].as_str().expect("no").to_owned(), x["member_no"].as_str().expect("no").to_owned()];
    expected.sort();
    assert_eq!(a.body["member_numbers"], json!(expected));
    assert_eq!(a.body["merged_records"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn erasure_removes_personal_data_but_keeps_the_record() {
    let app = TestApp::spawn().await;
    let c = rich_customer(&app).await;
    let id = id_of(&c);
    let erased = app.admin("DELETE", &format!("/v1/customers/{id}"), None).await.expect(200);
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    for e in [&erased.body, &read.body] {
        assert_eq!(e["id"], id.as_str());
        assert!(e["erased_at"].is_string(), "{e}");
        assert_eq!(e["name"], Value::Null);
        assert_eq!(e["phones"], json!([]));
        assert_eq!(e["email"], Value::Null);
        assert_eq!(e["birthday"], Value::Null);
        assert_eq!(e["gender"], Value::Null);
        assert_eq!(e["location"]["address"], Value::Null);
        assert_eq!(e["tags"], json!([]));
        assert_eq!(e["consents"], json!([]));
        assert_eq!(e["important_dates"], json!([]));
        assert_eq!(e["external_ids"], json!([]));
        assert!(e["member_no"].as_str().is_some_and(|m| m.starts_with("ERASED-")), "{e}");
    }
    assert_eq!(app.count("customers"), 1, "the record stays for statistics");
    for table in
        ["phone_index", "email_index", "external_id_index", "customer_tags", "customer_consents", "important_dates"]
    {
        assert_eq!(app.count(table), 0, "{table} still holds data");
    }
}

#[tokio::test]
async fn an_erased_customer_cannot_be_found_by_old_phone_or_member_no() {
    let app = TestApp::spawn().await;
    let c = rich_customer(&app).await;
    let id = id_of(&c);
    app.admin("DELETE", &format!("/v1/customers/{id}"), None).await.expect(200);
    app.admin("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE_NATIONAL)), None)
        .await
        .expect_problem(404, "not_found");
    let old_no = c["member_no"].as_str().expect("member_no");
    app.admin("GET", &format!("/v1/customers/lookup?member_no={old_no}"), None).await.expect_problem(404, "not_found");
    let searched = app.admin("GET", "/v1/customers?name=Lin", None).await.expect(200);
    assert_eq!(searched.body["items"], json!([]));
}

#[tokio::test]
async fn erasure_removes_timeline_notes_and_redacts_the_audit_log() {
    let app = TestApp::spawn().await;
    let c = rich_customer(&app).await;
    let id = id_of(&c);
    app.admin("DELETE", &format!("/v1/customers/{id}"), None).await.expect(200);
    let timeline = app.admin("GET", &format!("/v1/customers/{id}/timeline"), None).await.expect(200);
    let items = timeline.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "the entry stays");
    assert_eq!(items[0]["note"], Value::Null);

    let audit = audit_of(&app, &id);
    let (last, earlier) = audit.split_last().expect("entries");
    assert_eq!(last["action"], "erase");
    assert!(!earlier.is_empty());
    for entry in earlier {
        assert_eq!(entry["changes"], json!({ "redacted": true }), "{entry}");
        assert!(entry["action"].is_string(), "who did what is kept");
    }
    let everything = rows(&app, "SELECT changes::text AS c FROM audit_log");
    let text = serde_json::to_string(&everything).expect("json");
    for secret in ["Lin Yue", PHONE_NATIONAL, EMAIL, "husband", "Century"] {
        assert!(!text.contains(secret), "{secret} left in the audit log");
    }
}

#[tokio::test]
async fn erasing_twice_is_not_an_error_and_answers_the_same_record() {
    let app = TestApp::spawn().await;
    let c = rich_customer(&app).await;
    let id = id_of(&c);
    let first = app.admin("DELETE", &format!("/v1/customers/{id}"), None).await.expect(200);
    let second = app.admin("DELETE", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(first.body["erased_at"], second.body["erased_at"]);
    assert_eq!(first.body["member_no"], second.body["member_no"]);
}

#[tokio::test]
async fn an_erased_customer_cannot_be_changed() {
    let app = TestApp::spawn().await;
    let c = rich_customer(&app).await;
    let id = id_of(&c);
    app.admin("DELETE", &format!("/v1/customers/{id}"), None).await.expect(200);
    let audits = app.count("audit_log");
    app.admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "name": "Back Again" })))
        .await
        .expect_problem(409, "customer_erased");
    app.admin("POST", &format!("/v1/customers/{id}/interactions"), Some(&json!({ "type": "visit" })))
        .await
        .expect_problem(409, "customer_erased");
    app.admin("PUT", &format!("/v1/customers/{id}/tags/vip"), None).await.expect_problem(409, "customer_erased");
    assert_eq!(app.count("audit_log"), audits);
    assert_eq!(app.count("customer_tags"), 0);
}

#[tokio::test]
async fn erasing_a_merge_survivor_leaves_no_personal_data_of_the_absorbed_record() {
    let app = TestApp::spawn().await;
    let s = app.customer(json!({ "name": "Wang Fang", "phones": [PHONE] })).await;
    let x = app
        .customer(json!({ "name": "Wang Fang", "phones": [OTHER_PHONE], "email": EMAIL, "occupation": "Violinist" }))
        .await;
    app.admin("POST", &format!("/v1/customers/{}/merge", id_of(&s)), Some(&json!({ "absorb": id_of(&x) })))
        .await
        .expect(200);
    app.admin("DELETE", &format!("/v1/customers/{}", id_of(&s)), None).await.expect(200);
    let everywhere = [
        rows(&app, "SELECT changes::text AS v FROM audit_log"),
        rows(&app, "SELECT absorbed_snapshot::text AS v FROM customer_merges"),
        rows(&app, "SELECT row_to_json(c)::text AS v FROM customers c"),
    ];
    for (place, found) in ["audit_log", "customer_merges", "customers"].iter().zip(&everywhere) {
        let text = serde_json::to_string(found).expect("json");
        for secret in ["Wang Fang", "13998765432", EMAIL, "Violinist"] {
            assert!(
                !text.contains(secret),
                "{secret} survives in {place} the erasure of the person it belongs to: {text}"
            );
        }
    }
}

#[tokio::test]
async fn store_manager_cannot_export_or_erase() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let id =
        crate::helpers::new_customer(&app, json!({ "name": "Wang Fang", "phones": [PHONE], "home_store_id": store }))
            .await;
    let manager = key(&app, Role::StoreManager, &[&store]);
    let export = app
        .call("GET", &format!("/v1/customers/{id}/export"), Some(&manager), None)
        .await
        .expect_problem(403, "forbidden");
    assert!(!export.text.contains(PHONE_NATIONAL));
    app.call("DELETE", &format!("/v1/customers/{id}"), Some(&manager), None).await.expect_problem(403, "forbidden");
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(read.body["name"], "Wang Fang");
    assert_eq!(read.body["erased_at"], Value::Null);
}
