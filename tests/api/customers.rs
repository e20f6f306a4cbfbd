//! POST /v1/customers (with Idempotency-Key), GET /v1/customers/{id}, PATCH.

use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{EMAIL, PHONE, PHONE_SPACED, assert_field, audit_of, id_of, new_customer};

fn full_customer(store: &str) -> Value {
    json!({
        "name": "  Lin   Yue ",
        "phones": [PHONE_SPACED, "+39 347 123 4567"],
        "email": "Lin.Yue@Example.com",
        "gender": "female",
        "birthday": "1988-03-14",
        "location": { "city": "Shanghai", "country": "cn" },
        "education": "master",
        "occupation": "Architect",
        "preferences": { "styles": ["minimal"], "hobbies": ["gardening", "likes films"] },
        "sizes": { "clothing": "IT 40", "shoe": "38.5" },
        "important_dates": [{ "kind": "anniversary", "date": "2015-06-20", "label": "wedding" }],
        "home_store_id": store,
        "acquisition": { "channel": "mall_walk_in", "cost": { "amount": "120.00", "currency": "CNY" } },
        "joined_on": "2020-01-02",
        "tags": ["vip"],
        "consents": [{ "channel": "sms", "granted": true, "source": "POS Shanghai IFC" }],
        "external_ids": [{ "system": "erp", "value": "C-000123" }]
    })
}

#[tokio::test]
async fn a_created_customer_is_normalised_and_read_back_the_same() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let created = app.admin("POST", "/v1/customers", Some(&full_customer(&store))).await.expect(201);
    let c = &created.body;
    let id = id_of(c);
    assert_eq!(
        created.headers.get("location").and_then(|v| v.to_str().ok()),
        Some(format!("/v1/customers/{id}").as_str())
    );
    assert_eq!(c["name"], "Lin Yue");
    assert_eq!(c["phones"], json!([PHONE, "+393471234567"]));
    assert_eq!(c["email"], EMAIL);
    assert_eq!(c["contact_masked"], false);
    assert_eq!(c["gender"], "female");
    assert_eq!(c["birthday"], "1988-03-14");
    assert_eq!(c["location"]["country"], "CN");
    assert_eq!(c["home_store_id"], store.as_str());
    assert_eq!(c["joined_on"], "2020-01-02");
    assert_eq!(c["tags"][0]["name"], "vip");
    assert_eq!(c["tags"][0]["kind"], "system");
    assert_eq!(c["consents"][0]["channel"], "sms");
    assert_eq!(c["consents"][0]["granted"], true);
    assert_eq!(c["external_ids"][0]["value"], "C-000123");
    assert_eq!(c["important_dates"][0]["relation"], "own");
    assert_eq!(c["important_dates"][0]["recurring"], true);
    let member_no = c["member_no"].as_str().expect("member_no");
    assert!(member_no.len() == 11 && member_no.starts_with('M'), "{member_no}");

    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    for field in [
        "member_no",
        "name",
        "phones",
        "email",
        "gender",
        "birthday",
        "location",
        "education",
        "occupation",
        "preferences",
        "sizes",
        "important_dates",
        "home_store_id",
        "acquisition",
        "joined_on",
        "external_ids",
    ] {
        assert_eq!(read.body[field], created.body[field], "{field}");
    }
    assert_eq!(app.count("customers"), 1);
    assert_eq!(app.count("phone_index"), 2);
}

#[tokio::test]
async fn the_create_answer_is_exactly_what_a_later_get_returns() {
    let app = TestApp::spawn().await;
    let created = app
        .customer(json!({
            "name": "Wang Fang",
            "tags": ["vip"],
            "consents": [{ "channel": "sms", "granted": true, "source": "POS" }]
        }))
        .await;
    let read = app.admin("GET", &format!("/v1/customers/{}", id_of(&created)), None).await.expect(200);
    for field in ["created_at", "updated_at", "tags", "consents"] {
        assert_eq!(read.body[field], created[field], "{field} as answered differs from {field} as stored");
    }
}

#[tokio::test]
async fn a_given_member_no_is_kept_and_a_taken_one_is_409() {
    let app = TestApp::spawn().await;
    let c = app.customer(json!({ "member_no": "legacy-0042" })).await;
    assert_eq!(c["member_no"], "LEGACY-0042");
    app.admin("POST", "/v1/customers", Some(&json!({ "member_no": "LEGACY-0042", "name": "Someone Else" })))
        .await
        .expect_problem(409, "member_no_taken");
    assert_eq!(app.count("customers"), 1);
}

#[tokio::test]
async fn a_taken_external_id_is_409_and_nothing_is_written() {
    let app = TestApp::spawn().await;
    app.customer(json!({ "external_ids": [{ "system": "erp", "value": "C-1" }] })).await;
    app.admin(
        "POST",
        "/v1/customers",
        Some(&json!({ "name": "Twin", "external_ids": [{ "system": "erp", "value": "C-1" }] })),
    )
    .await
    .expect_problem(409, "external_id_taken");
    assert_eq!(app.count("customers"), 1);
    assert_eq!(app.count("member_numbers"), 1);
}

async fn create_with_key(app: &TestApp, key: &str, body: &Value) -> clientele_tests::Answer {
    let req =
        app.request("POST", "/v1/customers").bearer_auth(&app.admin_token).header("Idempotency-Key", key).json(body);
    app.send(req).await
}

#[tokio::test]
async fn a_repeated_request_with_the_same_idempotency_key_returns_the_first_customer() {
    let app = TestApp::spawn().await;
    let body = json!({ "name": "Wang Fang", "phones": [PHONE] });
    let first = create_with_key(&app, "order-77-enrol", &body).await.expect(201);
    let second = create_with_key(&app, "order-77-enrol", &body).await.expect(200);
    assert_eq!(second.body["id"], first.body["id"]);
    assert_eq!(second.body["member_no"], first.body["member_no"]);
    assert_eq!(app.count("customers"), 1);
}

#[tokio::test]
async fn an_idempotency_key_reused_with_another_body_is_422_and_creates_nothing() {
    let app = TestApp::spawn().await;
    create_with_key(&app, "k-1", &json!({ "name": "Wang Fang" })).await.expect(201);
    create_with_key(&app, "k-1", &json!({ "name": "Zhang Wei" })).await.expect_problem(422, "idempotency_key_reused");
    assert_eq!(app.count("customers"), 1);
    let names = crate::helpers::rows(&app, "SELECT name FROM customers");
    assert_eq!(names, [json!({ "name": "Wang Fang" })]);
}

#[tokio::test]
async fn concurrent_retries_with_one_idempotency_key_create_one_customer() {
    let app = TestApp::spawn().await;
    let body = json!({ "name": "Wang Fang", "phones": [PHONE] });
    let (a, b) = tokio::join!(create_with_key(&app, "race", &body), create_with_key(&app, "race", &body));
    let mut statuses = [a.status, b.status];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 201], "{} / {}", a.text, b.text);
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(app.count("customers"), 1);
}

#[tokio::test]
async fn an_empty_idempotency_key_is_422_naming_the_header() {
    let app = TestApp::spawn().await;
    let a =
        create_with_key(&app, "   ", &json!({ "name": "Wang Fang" })).await.expect_problem(422, "validation_failed");
    assert_field(&a, "Idempotency-Key", "invalid_format");
    assert_eq!(app.count("customers"), 0);
}

#[tokio::test]
async fn patch_changes_a_field_clears_with_null_and_leaves_absent_fields() {
    let app = TestApp::spawn().await;
    let id =
        new_customer(&app, json!({ "name": "Wang Fang", "email": EMAIL, "gender": "female", "occupation": "Doctor" }))
            .await;
    let a = app
        .admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "name": "Wang Fang-Li", "email": null })))
        .await
        .expect(200);
    assert_eq!(a.body["name"], "Wang Fang-Li");
    assert_eq!(a.body["email"], Value::Null);
    assert_eq!(a.body["gender"], "female", "absent field left as is");
    assert_eq!(a.body["occupation"], "Doctor");
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(read.body["name"], "Wang Fang-Li");
    assert_eq!(read.body["email"], Value::Null);
    assert_eq!(read.body["gender"], "female");
    assert_eq!(app.count("email_index"), 0, "cleared e-mail leaves the index");
}

#[tokio::test]
async fn patch_writes_an_audit_entry_with_old_and_new_values() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "gender": "female" })).await;
    let before = audit_of(&app, &id).len();
    app.admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "name": "Wang Fang-Li" }))).await.expect(200);
    let audit = audit_of(&app, &id);
    assert_eq!(audit.len(), before + 1);
    let entry = audit.last().expect("an entry");
    assert_eq!(entry["action"], "update");
    assert_eq!(entry["role"], "admin");
    assert_eq!(entry["changes"]["name"], json!({ "old": "Wang Fang", "new": "Wang Fang-Li" }));
    assert!(entry["changes"].get("gender").is_none(), "unchanged fields are not in the diff: {entry}");
}

#[tokio::test]
async fn a_patch_naming_no_field_is_422_body() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({})))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "body", "required");
}

#[tokio::test]
async fn a_bad_patch_writes_nothing() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "phones": [PHONE] })).await;
    let audits = app.count("audit_log");
    let a = app
        .admin(
            "PATCH",
            &format!("/v1/customers/{id}"),
            Some(&json!({ "name": "Wang Li", "phones": ["12345"], "birthday": "2999-01-01" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "phones[0]", "invalid_phone");
    assert_field(&a, "birthday", "out_of_range");
    assert_eq!(app.count("audit_log"), audits);
    let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
    assert_eq!(read.body["name"], "Wang Fang");
    assert_eq!(read.body["phones"], json!([PHONE]));
}

#[tokio::test]
async fn patch_with_an_unknown_associate_is_422_associate_id() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "associate_id": uuid::Uuid::new_v4() })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "associate_id", "unknown_reference");
}

#[tokio::test]
async fn an_unknown_customer_id_is_404_not_found() {
    let app = TestApp::spawn().await;
    let path = format!("/v1/customers/{}", uuid::Uuid::new_v4());
    let audits = app.count("audit_log");
    app.admin("GET", &path, None).await.expect_problem(404, "not_found");
    app.admin("PATCH", &path, Some(&json!({ "name": "X" }))).await.expect_problem(404, "not_found");
    assert_eq!(app.count("audit_log"), audits);
}

#[tokio::test]
async fn a_customer_id_that_is_not_a_uuid_is_404() {
    let app = TestApp::spawn().await;
    app.admin("GET", "/v1/customers/12345", None).await.expect_problem(404, "not_found");
    app.admin("GET", "/v1/customers/not-a-uuid/timeline", None).await.expect_problem(404, "not_found");
}

#[tokio::test]
async fn patch_with_null_phones_clears_them_or_names_the_field() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "phones": [PHONE] })).await;
    let a =
        app.admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "name": "Wang Li", "phones": null }))).await;
    match a.status {
        200 => assert_eq!(a.body["phones"], json!([]), "null was ignored: {}", a.text),
        422 => assert!(a.error_fields().contains(&"phones".to_owned()), "{}", a.text),
        other => panic!("status {other}: {}", a.text),
    }
}

#[tokio::test]
async fn patch_with_an_empty_phone_list_clears_the_phones() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "phones": [PHONE] })).await;
    let a = app.admin("PATCH", &format!("/v1/customers/{id}"), Some(&json!({ "phones": [] }))).await.expect(200);
    assert_eq!(a.body["phones"], json!([]));
    assert_eq!(app.count("phone_index"), 0);
    app.admin("GET", &format!("/v1/customers/lookup?phone={}", crate::helpers::enc(PHONE)), None)
        .await
        .expect_problem(404, "not_found");
}
