//! Stores and associates: POST and GET /v1/stores, /v1/associates.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::json;

use crate::helpers::{assert_field, id_of, key, new_associate, two_stores};

#[tokio::test]
async fn a_created_store_is_returned_and_listed() {
    let app = TestApp::spawn().await;
    let body = json!({ "code": "SH-IFC", "name": "Shanghai IFC", "city": "Shanghai", "country": "cn",
        "time_zone": "Asia/Shanghai", "currency": "CNY" });
    let created = app.admin("POST", "/v1/stores", Some(&body)).await.expect(201);
    assert_eq!(created.body["code"], "SH-IFC");
    assert_eq!(created.body["country"], "CN", "country is normalised");
    assert_eq!(created.body["time_zone"], "Asia/Shanghai");
    assert_eq!(created.body["currency"], "CNY");
    let listed = app.admin("GET", "/v1/stores", None).await.expect(200);
    let stores = listed.body.as_array().expect("a list");
    assert_eq!(stores.len(), 1);
    assert_eq!(stores[0]["id"], created.body["id"]);
    assert_eq!(stores[0]["name"], "Shanghai IFC");
}

#[tokio::test]
async fn a_store_with_bad_country_zone_and_currency_names_each_field() {
    let app = TestApp::spawn().await;
    let body = json!({ "code": "X1", "name": "Bad", "country": "China",
        "time_zone": "Mars/Olympus", "currency": "yuan" });
    let a = app.admin("POST", "/v1/stores", Some(&body)).await.expect_problem(422, "validation_failed");
    let fields = a.error_fields();
    for f in ["country", "time_zone", "currency"] {
        assert!(fields.contains(&f.to_owned()), "{f} missing: {}", a.text);
    }
    assert_eq!(app.count("stores"), 0);
}

#[tokio::test]
async fn a_taken_store_code_is_409_store_code_taken() {
    let app = TestApp::spawn().await;
    app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let body = json!({ "code": "SH-IFC", "name": "Again", "country": "CN",
        "time_zone": "Asia/Shanghai", "currency": "CNY" });
    app.admin("POST", "/v1/stores", Some(&body)).await.expect_problem(409, "store_code_taken");
    assert_eq!(app.count("stores"), 1);
}

#[tokio::test]
async fn store_manager_cannot_create_stores() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let manager = key(&app, Role::StoreManager, &[&a]);
    let body = json!({ "code": "NEW-1", "name": "New", "country": "CN",
        "time_zone": "Asia/Shanghai", "currency": "CNY" });
    app.call("POST", "/v1/stores", Some(&manager), Some(&body)).await.expect_problem(403, "forbidden");
    assert_eq!(app.count("stores"), 2);
}

#[tokio::test]
async fn a_store_scoped_key_lists_only_its_stores() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let manager = key(&app, Role::StoreManager, &[&a]);
    let listed = app.call("GET", "/v1/stores", Some(&manager), None).await.expect(200);
    let ids: Vec<&str> = listed.body.as_array().expect("a list").iter().filter_map(|s| s["id"].as_str()).collect();
    assert_eq!(ids, [a.as_str()]);
}

#[tokio::test]
async fn a_created_associate_is_returned_and_listed_by_store_scope() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let created = app
        .admin("POST", "/v1/associates", Some(&json!({ "store_id": a, "code": "SH-0042", "name": "Li Na" })))
        .await
        .expect(201);
    assert_eq!(created.body["store_id"], a.as_str());
    assert_eq!(created.body["code"], "SH-0042");
    assert_eq!(created.body["name"], "Li Na");
    assert_eq!(created.body["active"], true);
    new_associate(&app, &b, "MI-0001").await;

    let all = app.admin("GET", "/v1/associates", None).await.expect(200);
    assert_eq!(all.body.as_array().map(Vec::len), Some(2));

    let manager = key(&app, Role::StoreManager, &[&a]);
    let own = app.call("GET", "/v1/associates", Some(&manager), None).await.expect(200);
    let own = own.body.as_array().expect("a list");
    assert_eq!(own.len(), 1);
    assert_eq!(own[0]["id"], id_of(&created.body).as_str());
}

#[tokio::test]
async fn an_associate_at_an_unknown_store_is_422_store_id() {
    let app = TestApp::spawn().await;
    let a = app
        .admin(
            "POST",
            "/v1/associates",
            Some(&json!({ "store_id": uuid::Uuid::new_v4(), "code": "X-1", "name": "Nobody" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "store_id", "unknown_reference");
    assert_eq!(app.count("associates"), 0);
}

#[tokio::test]
async fn a_taken_associate_code_is_409_associate_code_taken() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    new_associate(&app, &a, "SH-0042").await;
    app.admin("POST", "/v1/associates", Some(&json!({ "store_id": a, "code": "SH-0042", "name": "Other" })))
        .await
        .expect_problem(409, "associate_code_taken");
    assert_eq!(app.count("associates"), 1);
}

#[tokio::test]
async fn associate_cannot_create_associates() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let associate = key(&app, Role::Associate, &[&a]);
    app.call(
        "POST",
        "/v1/associates",
        Some(&associate),
        Some(&json!({ "store_id": a, "code": "SH-9", "name": "Self Made" })),
    )
    .await
    .expect_problem(403, "forbidden");
    assert_eq!(app.count("associates"), 0);
}
