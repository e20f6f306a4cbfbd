//! GET /v1/customers (search, cursor pagination) and GET /v1/customers/lookup.

use std::collections::BTreeSet;

use clientele_tests::{Answer, TestApp};
use serde_json::json;

use crate::helpers::{
    OTHER_PHONE, PHONE, PHONE_NATIONAL, PHONE_SPACED, assert_field, enc, new_associate, new_customer, person,
    two_stores,
};

fn ids(a: &Answer) -> Vec<String> {
    a.body["items"].as_array().expect("items").iter().map(|c| c["id"].as_str().expect("id").to_owned()).collect()
}

#[tokio::test]
async fn search_by_part_of_the_name_ignores_case() {
    let app = TestApp::spawn().await;
    let wang = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    new_customer(&app, json!({ "name": "Zhang Wei" })).await;
    let a = app.admin("GET", "/v1/customers?name=FANG", None).await.expect(200);
    assert_eq!(ids(&a), [wang]);
}

#[tokio::test]
async fn search_by_phone_accepts_any_format() {
    let app = TestApp::spawn().await;
    let wang = new_customer(&app, person("Wang Fang", PHONE)).await;
    new_customer(&app, person("Zhang Wei", OTHER_PHONE)).await;
    for typed in [PHONE_SPACED, PHONE_NATIONAL, PHONE, "0086 138-1234-5678"] {
        let a = app.admin("GET", &format!("/v1/customers?phone={}", enc(typed)), None).await.expect(200);
        assert_eq!(ids(&a), [wang.as_str()], "phone typed as {typed:?}");
    }
}

#[tokio::test]
async fn search_by_member_no_tag_store_and_associate() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let assoc = new_associate(&app, &a, "SH-0042").await;
    let first =
        app.customer(json!({ "name": "Wang Fang", "home_store_id": a, "associate_id": assoc, "tags": ["vip"] })).await;
    let second = new_customer(&app, json!({ "name": "Zhang Wei", "home_store_id": b })).await;
    let first_id = first["id"].as_str().expect("id").to_owned();
    let member_no = first["member_no"].as_str().expect("member_no");

    let by = |q: String| {
        let app = &app;
        async move { app.admin("GET", &format!("/v1/customers?{q}"), None).await.expect(200) }
    };
    assert_eq!(ids(&by(format!("member_no={member_no}")).await), [first_id.as_str()]);
    assert_eq!(ids(&by("tag=vip".into()).await), [first_id.as_str()]);
    assert_eq!(ids(&by(format!("store_id={a}")).await), [first_id.as_str()]);
    assert_eq!(ids(&by(format!("store_id={b}")).await), [second.as_str()]);
    assert_eq!(ids(&by(format!("associate_id={assoc}")).await), [first_id.as_str()]);
    assert_eq!(ids(&by(format!("store_id={b}&tag=vip")).await), Vec::<String>::new(), "all filters must match");
}

#[tokio::test]
async fn search_pages_through_every_customer_once_with_a_cursor() {
    let app = TestApp::spawn().await;
    let mut created = Vec::new();
    for i in 0..5 {
        created.push(new_customer(&app, json!({ "name": format!("Client {i}") })).await);
    }
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut path = "/v1/customers?limit=2".to_owned();
    loop {
        let a = app.admin("GET", &path, None).await.expect(200);
        pages += 1;
        let page = ids(&a);
        assert!(page.len() <= 2, "page too long: {}", a.text);
        seen.extend(page);
        match a.body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/v1/customers?limit=2&cursor={}", enc(cursor)),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created, "every customer once, oldest first");
    let unique: BTreeSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 5);
}

#[tokio::test]
async fn a_bad_cursor_is_422_cursor() {
    let app = TestApp::spawn().await;
    let a = app.admin("GET", "/v1/customers?cursor=not-a-cursor", None).await.expect_problem(422, "validation_failed");
    assert_field(&a, "cursor", "invalid_format");
}

#[tokio::test]
async fn limit_zero_and_limit_too_large_are_422_limit() {
    let app = TestApp::spawn().await;
    for limit in ["0", "201", "-1", "ten"] {
        let a = app
            .admin("GET", &format!("/v1/customers?limit={limit}"), None)
            .await
            .expect_problem(422, "validation_failed");
        assert_field(&a, "limit", "out_of_range");
    }
}

#[tokio::test]
async fn bad_search_filters_are_reported_together() {
    let app = TestApp::spawn().await;
    let a = app
        .admin("GET", "/v1/customers?phone=12345&store_id=nope&associate_id=nope", None)
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "phone", "invalid_phone");
    assert_field(&a, "store_id", "invalid_format");
    assert_field(&a, "associate_id", "invalid_format");
}

#[tokio::test]
async fn lookup_by_phone_in_any_format_finds_the_one_customer() {
    let app = TestApp::spawn().await;
    let wang = new_customer(&app, person("Wang Fang", PHONE)).await;
    new_customer(&app, person("Zhang Wei", OTHER_PHONE)).await;
    let a = app.admin("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE_SPACED)), None).await.expect(200);
    assert_eq!(a.body["id"], wang.as_str());
}

#[tokio::test]
async fn lookup_by_member_no_finds_the_customer() {
    let app = TestApp::spawn().await;
    let c = app.customer(json!({ "name": "Wang Fang" })).await;
    let member_no = c["member_no"].as_str().expect("member_no");
    let a = app
        .admin("GET", &format!("/v1/customers/lookup?member_no={}", member_no.to_lowercase()), None)
        .await
        .expect(200);
    assert_eq!(a.body["id"], c["id"]);
}

#[tokio::test]
async fn lookup_of_an_unknown_phone_is_404() {
    let app = TestApp::spawn().await;
    new_customer(&app, person("Wang Fang", PHONE)).await;
    app.admin("GET", &format!("/v1/customers/lookup?phone={}", enc(OTHER_PHONE)), None)
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn lookup_of_a_phone_two_customers_share_is_409_ambiguous_phone() {
    let app = TestApp::spawn().await;
    let a = new_customer(&app, person("Wang Fang", PHONE)).await;
    let b = new_customer(&app, person("Fang Wang", PHONE_NATIONAL)).await;
    let answer = app
        .admin("GET", &format!("/v1/customers/lookup?phone={}", enc(PHONE)), None)
        .await
        .expect_problem(409, "ambiguous_phone");
    let mut listed: Vec<String> = answer.body["customer_ids"]
        .as_array()
        .expect("customer_ids")
        .iter()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    listed.sort();
    let mut expected = vec![a, b];
    expected.sort();
    assert_eq!(listed, expected);
}

#[tokio::test]
async fn lookup_with_neither_or_both_parameters_is_422() {
    let app = TestApp::spawn().await;
    let c = app.customer(person("Wang Fang", PHONE)).await;
    let member_no = c["member_no"].as_str().expect("member_no");
    let none = app.admin("GET", "/v1/customers/lookup", None).await.expect_problem(422, "validation_failed");
    assert_field(&none, "phone", "required");
    app.admin("GET", &format!("/v1/customers/lookup?phone={}&member_no={member_no}", enc(PHONE)), None)
        .await
        .expect_problem(422, "validation_failed");
}

#[tokio::test]
async fn lookup_with_a_malformed_phone_is_422_phone() {
    let app = TestApp::spawn().await;
    let a = app.admin("GET", "/v1/customers/lookup?phone=12345", None).await.expect_problem(422, "validation_failed");
    assert_field(&a, "phone", "invalid_phone");
}
