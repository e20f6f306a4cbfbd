//! Bad input: each answers the right 4xx problem naming the field, never a
//! 500, and writes nothing.

use clientele_tests::{Answer, TestApp};
use serde_json::{Value, json};

use crate::helpers::assert_field;

/// Tables a refused customer creation must leave untouched.
const TABLES: [&str; 6] =
    ["customers", "member_numbers", "phone_index", "customer_tags", "idempotency_keys", "audit_log"];

fn counts(app: &TestApp) -> Vec<i64> {
    TABLES.iter().map(|t| app.count(t)).collect()
}

/// Posts a customer body, checks the answer is a 422 and nothing was written.
async fn refused(app: &TestApp, body: Value) -> Answer {
    let before = counts(app);
    let a = app.admin("POST", "/v1/customers", Some(&body)).await.expect_problem(422, "validation_failed");
    assert_eq!(counts(app), before, "something was written: {}", a.text);
    a
}

#[tokio::test]
async fn malformed_json_is_400_malformed_json() {
    let app = TestApp::spawn().await;
    let before = counts(&app);
    app.call_raw(
        "POST",
        "/v1/customers",
        Some(&app.admin_token),
        "application/json",
        br#"{"name": "Wang Fang","#.to_vec(),
    )
    .await
    .expect_problem(400, "malformed_json");
    app.call_raw(
        "POST",
        "/v1/customers",
        Some(&app.admin_token),
        "application/json",
        br#"{"name": "Wang Fang"} trailing"#.to_vec(),
    )
    .await
    .expect_problem(400, "malformed_json");
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn a_value_of_the_wrong_type_is_422_naming_the_field() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "name": "Wang Fang", "phones": "x" })).await;
    assert_field(&a, "phones", "invalid_type");
    let nested = refused(&app, json!({ "location": { "city": 42 } })).await;
    assert_field(&nested, "location.city", "invalid_type");
    let date = refused(&app, json!({ "birthday": "1990-13-45" })).await;
    assert_field(&date, "birthday", "invalid_type");
}

#[tokio::test]
async fn an_unknown_field_is_422_unknown_field_naming_it() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "name": "Wang Fang", "nickname": "Fangfang" })).await;
    let errors = a.body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{}", a.text);
    assert_eq!(errors[0]["code"], "unknown_field");
    assert_eq!(errors[0]["field"], "nickname", "{}", a.text);
}

#[tokio::test]
async fn an_unknown_nested_field_is_422_naming_its_path() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "location": { "city": "Milan", "planet": "Earth" } })).await;
    let errors = a.body["errors"].as_array().expect("errors");
    assert_eq!(errors[0]["code"], "unknown_field");
    assert_eq!(errors[0]["field"], "location.planet", "{}", a.text);
}

#[tokio::test]
async fn a_body_over_64_kib_is_413() {
    let app = TestApp::spawn().await;
    let before = counts(&app);
    let body = format!(r#"{{"name": "{}"}}"#, "a".repeat(65 * 1024));
    app.call_raw("POST", "/v1/customers", Some(&app.admin_token), "application/json", body.into_bytes())
        .await
        .expect_problem(413, "payload_too_large");
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn a_body_without_content_type_is_415() {
    let app = TestApp::spawn().await;
    let before = counts(&app);
    let req = app.request("POST", "/v1/customers").bearer_auth(&app.admin_token).body(r#"{"name": "Wang Fang"}"#);
    app.send(req).await.expect_problem(415, "unsupported_media_type");
    app.call_raw("POST", "/v1/customers", Some(&app.admin_token), "text/plain", br#"{"name": "Wang Fang"}"#.to_vec())
        .await
        .expect_problem(415, "unsupported_media_type");
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn a_bad_phone_is_422_phones_0_invalid_phone() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "name": "Wang Fang", "phones": ["12345"] })).await;
    assert_field(&a, "phones[0]", "invalid_phone");
    let second = refused(&app, json!({ "phones": ["13812345678", "+86 120 0000 0000"] })).await;
    assert_field(&second, "phones[1]", "invalid_phone");
}

#[tokio::test]
async fn a_bad_email_is_422_email() {
    let app = TestApp::spawn().await;
    for bad in ["wang@", "wang fang@example.com", "wang@example"] {
        let a = refused(&app, json!({ "email": bad })).await;
        assert_field(&a, "email", "invalid_email");
    }
}

#[tokio::test]
async fn a_birthday_in_the_future_is_422_birthday() {
    let app = TestApp::spawn().await;
    let tomorrow = (chrono::Utc::now() + chrono::Duration::days(2)).date_naive();
    let a = refused(&app, json!({ "birthday": tomorrow.to_string() })).await;
    assert_field(&a, "birthday", "out_of_range");
}

#[tokio::test]
async fn an_unknown_gender_is_422_gender() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "gender": "robot" })).await;
    assert_field(&a, "gender", "invalid_format");
}

#[tokio::test]
async fn an_unknown_home_store_is_422_home_store_id() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "home_store_id": uuid::Uuid::new_v4() })).await;
    assert_field(&a, "home_store_id", "unknown_reference");
    let b = refused(&app, json!({ "associate_id": uuid::Uuid::new_v4() })).await;
    assert_field(&b, "associate_id", "unknown_reference");
}

#[tokio::test]
async fn a_referral_to_an_unknown_member_is_422_acquisition_referrer_id() {
    let app = TestApp::spawn().await;
    let a =
        refused(&app, json!({ "acquisition": { "channel": "referral", "referrer_id": uuid::Uuid::new_v4() } })).await;
    assert_field(&a, "acquisition.referrer_id", "unknown_reference");
}

#[tokio::test]
async fn several_bad_fields_are_reported_together() {
    let app = TestApp::spawn().await;
    let a = refused(
        &app,
        json!({
            "name": "",
            "phones": ["12345", "+8613812345678"],
            "email": "nope",
            "gender": "robot",
            "birthday": "2999-01-01",
            "location": { "country": "Italy" },
            "tags": ["a/b"],
            "consents": [{ "channel": "fax", "granted": true, "source": "form" }],
            "acquisition": { "channel": "telepathy" }
        }),
    )
    .await;
    let mut fields = a.error_fields();
    fields.sort();
    assert_eq!(
        fields,
        [
            "acquisition.channel",
            "birthday",
            "consents[0].channel",
            "email",
            "gender",
            "location.country",
            "name",
            "phones[0]",
            "tags[0]"
        ],
        "{}",
        a.text
    );
}

#[tokio::test]
async fn a_joined_on_in_the_future_is_422_joined_on() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "joined_on": "2999-01-01" })).await;
    assert_field(&a, "joined_on", "out_of_range");
}

#[tokio::test]
async fn an_unknown_route_is_404_no_route() {
    let app = TestApp::spawn().await;
    app.admin("GET", "/v1/customerz", None).await.expect_problem(404, "no_route");
    app.call("GET", "/v2/anything", None, None).await.expect_problem(404, "no_route");
    app.admin("PUT", "/v1/stores", Some(&json!({}))).await.expect_problem(404, "no_route");
}

#[tokio::test]
async fn a_malformed_query_parameter_is_422_not_500() {
    let app = TestApp::spawn().await;
    let a = app.admin("GET", "/v1/customers/duplicates?limit=many", None).await;
    assert_eq!(a.status, 422, "{}", a.text);
    let b = app.admin("GET", "/v1/customers/duplicates?limit=0", None).await.expect_problem(422, "validation_failed");
    assert_field(&b, "limit", "out_of_range");
}

#[tokio::test]
async fn a_merge_body_without_absorb_is_422_absorb() {
    let app = TestApp::spawn().await;
    let id = crate::helpers::new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin("POST", &format!("/v1/customers/{id}/merge"), Some(&json!({ "absorb": "not-a-uuid" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "absorb", "invalid_type");
    let b = app
        .admin("POST", &format!("/v1/customers/{id}/merge"), Some(&json!({})))
        .await
        .expect_problem(422, "validation_failed");
    assert!(b.text.contains("absorb"), "{}", b.text);
    assert_eq!(app.count("customer_merges"), 0);
}

#[tokio::test]
async fn a_very_long_name_is_422_name_not_500() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "name": "N".repeat(500) })).await;
    assert!(a.error_fields().contains(&"name".to_owned()), "{}", a.text);
    let search = app
        .admin("GET", &format!("/v1/customers?name={}", "n".repeat(300)), None)
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&search, "name", "too_long");
}

#[tokio::test]
async fn nul_characters_in_text_are_refused_not_500() {
    let app = TestApp::spawn().await;
    let a = refused(&app, json!({ "name": "Wang\u{0}Fang" })).await;
    assert!(a.error_fields().contains(&"name".to_owned()), "{}", a.text);
    let search = app.admin("GET", "/v1/customers?name=Wang%00", None).await;
    assert!(search.status == 200 || search.status == 422, "status {}: {}", search.status, search.text);
}

#[tokio::test]
async fn the_same_phone_twice_in_one_request_is_kept_once_or_refused() {
    let app = TestApp::spawn().await;
    let before = counts(&app);
    let a = app.admin("POST", "/v1/customers", Some(&json!({ "phones": ["13812345678", "+86 138 1234 5678"] }))).await;
    match a.status {
        201 => assert_eq!(a.body["phones"], json!(["+8613812345678"]), "{}", a.text),
        422 => {
            assert!(a.error_fields().iter().any(|f| f.starts_with("phones")), "{}", a.text);
            assert_eq!(counts(&app), before);
        }
        other => panic!("status {other}: {}", a.text),
    }
}

#[tokio::test]
async fn an_acquisition_cost_too_large_to_store_is_422_not_500() {
    let app = TestApp::spawn().await;
    let before = counts(&app);
    let a = app
        .admin(
            "POST",
            "/v1/customers",
            Some(&json!({ "acquisition": { "channel": "event", "cost": { "amount": "1000000000000000", "currency": "CNY" } } })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert!(a.error_fields().iter().any(|f| f.starts_with("acquisition.cost")), "{}", a.text);
    assert_eq!(counts(&app), before);
}

#[tokio::test]
async fn an_acquisition_cost_is_stored_as_answered() {
    let app = TestApp::spawn().await;
    let a = app
        .admin(
            "POST",
            "/v1/customers",
            Some(&json!({ "acquisition": { "channel": "event", "cost": { "amount": "12.345", "currency": "CNY" } } })),
        )
        .await;
    match a.status {
        422 => assert!(a.error_fields().iter().any(|f| f.starts_with("acquisition.cost")), "{}", a.text),
        201 => {
            let id = a.body["id"].as_str().expect("id");
            let read = app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
            assert_eq!(
                read.body["acquisition"]["cost"], a.body["acquisition"]["cost"],
                "the cost answered is not the cost stored"
            );
        }
        other => panic!("status {other}: {}", a.text),
    }
}

#[tokio::test]
async fn a_nul_character_anywhere_in_a_request_is_422_naming_where() {
    let app = TestApp::spawn().await;
    for path in ["/v1/redemptions/r%00", "/v1/redemptions/r%00/confirm", "/v1/redemptions/r%00/cancel"] {
        let method = if path.ends_with("r%00") { "GET" } else { "POST" };
        let a = app.admin(method, path, None).await.expect_problem(422, "validation_failed");
        assert_eq!(a.error_fields(), vec!["id"], "{path}: {}", a.text);
    }
    let a = app.admin("GET", "/v1/customers?name=Wang%00&limit=5", None).await.expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), vec!["name"]);
    let hook = json!({ "url": "https://hooks.example.com/clientele", "events": ["*"], "description": "till\u{0}7" });
    let a = app.admin("POST", "/v1/webhooks", Some(&hook)).await.expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), vec!["description"]);
    let body = json!({ "name": "Wang\u{0}Fang", "tags": ["ok"], "preferences": { "styles": ["a\u{0}"] } });
    let a = app.admin("POST", "/v1/customers", Some(&body)).await.expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), vec!["name", "preferences.styles[0]"]);
    // An escaped backslash followed by "u0000" is ordinary text.
    let fine = app.admin("POST", "/v1/customers", Some(&json!({ "name": "Wang \\u0000 Fang" }))).await;
    assert_eq!(fine.status, 201, "{}", fine.text);
    assert_eq!(app.count("customers"), 1);
}
