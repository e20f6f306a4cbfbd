//! POST /v1/customers/{id}/interactions and GET /v1/customers/{id}/timeline.

use std::collections::BTreeSet;

use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, enc, new_associate, new_customer};

async fn record(app: &TestApp, id: &str, body: Value) -> Value {
    app.admin("POST", &format!("/v1/customers/{id}/interactions"), Some(&body)).await.expect(201).body
}

#[tokio::test]
async fn every_interaction_type_is_recorded_with_its_own_fields() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let assoc = new_associate(&app, &store, "SH-0042").await;
    let id = new_customer(&app, json!({ "name": "Wang Fang", "home_store_id": store })).await;

    let visit = record(
        &app,
        &id,
        json!({ "type": "visit", "at": "2025-05-01T10:00:00Z", "store_id": store, "associate_id": assoc, "note": "tried the new bag" }),
    )
    .await;
    assert_eq!(visit["type"], "visit");
    assert_eq!(visit["store_id"], store.as_str());
    assert_eq!(visit["associate_id"], assoc.as_str());
    assert_eq!(visit["note"], "tried the new bag");
    assert_eq!(visit["recorded_by"], "test admin");

    let call =
        record(&app, &id, json!({ "type": "call", "at": "2025-05-02T10:00:00Z", "direction": "outbound" })).await;
    assert_eq!(call["direction"], "outbound");

    let message = record(
        &app,
        &id,
        json!({ "type": "message", "at": "2025-05-03T10:00:00Z", "channel": "wechat", "direction": "inbound" }),
    )
    .await;
    assert_eq!(message["channel"], "wechat");
    assert_eq!(message["direction"], "inbound");

    let appointment = record(
        &app,
        &id,
        json!({ "type": "appointment", "at": "2025-05-04T10:00:00Z", "scheduled_for": "2025-06-01T15:00:00Z" }),
    )
    .await;
    assert_eq!(appointment["scheduled_for"], "2025-06-01T15:00:00Z");
    assert_eq!(appointment["appointment_status"], "scheduled");

    let note =
        record(&app, &id, json!({ "type": "note", "at": "2025-05-05T10:00:00Z", "note": "prefers mornings" })).await;
    assert_eq!(note["type"], "note");
    assert!(note.get("direction").is_none(), "{note}");

    let complaint = record(
        &app,
        &id,
        json!({ "type": "complaint", "at": "2025-05-06T10:00:00Z", "status": "resolved",
            "resolved_at": "2025-05-06T12:30:00Z", "note": "scratched clasp" }),
    )
    .await;
    assert_eq!(complaint["status"], "resolved");
    assert_eq!(complaint["resolved_at"], "2025-05-06T12:30:00Z");
    assert_eq!(complaint["resolution_minutes"], 150);

    let service = record(&app, &id, json!({ "type": "service_request", "at": "2025-05-07T10:00:00Z" })).await;
    assert_eq!(service["status"], "open");
    assert!(service.get("resolution_minutes").is_none(), "{service}");

    let satisfaction = record(
        &app,
        &id,
        json!({ "type": "survey", "at": "2025-05-08T10:00:00Z", "survey_scale": "satisfaction", "score": 5 }),
    )
    .await;
    assert_eq!(satisfaction["survey_scale"], "satisfaction");
    assert_eq!(satisfaction["score"], 5);

    let nps =
        record(&app, &id, json!({ "type": "survey", "at": "2025-05-09T10:00:00Z", "survey_scale": "nps", "score": 0 }))
            .await;
    assert_eq!(nps["survey_scale"], "nps");
    assert_eq!(nps["score"], 0);

    let timeline = app.admin("GET", &format!("/v1/customers/{id}/timeline"), None).await.expect(200);
    let kinds: Vec<&str> =
        timeline.body["items"].as_array().expect("items").iter().filter_map(|i| i["type"].as_str()).collect();
    assert_eq!(
        kinds,
        ["survey", "survey", "service_request", "complaint", "note", "appointment", "message", "call", "visit"],
        "newest first"
    );
    assert_eq!(timeline.body["items"][3]["resolution_minutes"], 150);
    assert_eq!(app.count("interactions"), 9);
}

#[tokio::test]
async fn the_timeline_pages_newest_first_with_a_cursor() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let mut ats = Vec::new();
    for day in 1..=5 {
        let at = format!("2025-04-0{day}T09:00:00Z");
        record(&app, &id, json!({ "type": "visit", "at": at })).await;
        ats.push(at);
    }
    ats.reverse();
    let mut seen = Vec::new();
    let mut ids = BTreeSet::new();
    let mut path = format!("/v1/customers/{id}/timeline?limit=2");
    let mut pages = 0;
    loop {
        let a = app.admin("GET", &path, None).await.expect(200);
        pages += 1;
        for item in a.body["items"].as_array().expect("items") {
            seen.push(item["at"].as_str().expect("at").to_owned());
            ids.insert(item["id"].as_str().expect("id").to_owned());
        }
        match a.body["next_cursor"].as_str() {
            Some(c) => path = format!("/v1/customers/{id}/timeline?limit=2&cursor={}", enc(c)),
            None => break,
        }
        assert!(pages < 10, "pagination does not end");
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ats);
    assert_eq!(ids.len(), 5);
}

#[tokio::test]
async fn a_bad_timeline_cursor_is_422_cursor() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin("GET", &format!("/v1/customers/{id}/timeline?cursor=Yzpub3Q"), None)
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "cursor", "invalid_format");
}

#[tokio::test]
async fn a_survey_score_outside_its_scale_is_422_score() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    for (scale, score) in [("satisfaction", 0), ("satisfaction", 6), ("nps", 11)] {
        let a = app
            .admin(
                "POST",
                &format!("/v1/customers/{id}/interactions"),
                Some(&json!({ "type": "survey", "survey_scale": scale, "score": score })),
            )
            .await
            .expect_problem(422, "validation_failed");
        assert!(a.error_fields().contains(&"score".to_owned()), "{scale} {score}: {}", a.text);
    }
    assert_eq!(app.count("interactions"), 0);
}

#[tokio::test]
async fn a_resolved_complaint_without_resolved_at_is_422_resolved_at() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin(
            "POST",
            &format!("/v1/customers/{id}/interactions"),
            Some(&json!({ "type": "complaint", "status": "resolved" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "resolved_at", "required");
    assert_eq!(app.count("interactions"), 0);
}

#[tokio::test]
async fn an_interaction_missing_its_type_fields_names_each() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let message = app
        .admin("POST", &format!("/v1/customers/{id}/interactions"), Some(&json!({ "type": "message" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&message, "channel", "required");
    assert_field(&message, "direction", "required");
    let unknown = app
        .admin("POST", &format!("/v1/customers/{id}/interactions"), Some(&json!({ "type": "telepathy" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&unknown, "type", "invalid_format");
    let future = app
        .admin(
            "POST",
            &format!("/v1/customers/{id}/interactions"),
            Some(&json!({ "type": "visit", "at": "2999-01-01T00:00:00Z" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&future, "at", "out_of_range");
    assert_eq!(app.count("interactions"), 0);
}

#[tokio::test]
async fn an_interaction_at_an_unknown_store_is_422_store_id() {
    let app = TestApp::spawn().await;
    let id = new_customer(&app, json!({ "name": "Wang Fang" })).await;
    let a = app
        .admin(
            "POST",
            &format!("/v1/customers/{id}/interactions"),
            Some(&json!({ "type": "visit", "store_id": uuid::Uuid::new_v4() })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "store_id", "unknown_reference");
    assert_eq!(app.count("interactions"), 0);
}

#[tokio::test]
async fn an_interaction_for_an_unknown_customer_is_404() {
    let app = TestApp::spawn().await;
    app.admin(
        "POST",
        &format!("/v1/customers/{}/interactions", uuid::Uuid::new_v4()),
        Some(&json!({ "type": "visit" })),
    )
    .await
    .expect_problem(404, "not_found");
    app.admin("GET", &format!("/v1/customers/{}/timeline", uuid::Uuid::new_v4()), None)
        .await
        .expect_problem(404, "not_found");
    assert_eq!(app.count("interactions"), 0);
}
