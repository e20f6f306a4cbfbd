//! The rewards catalogue over HTTP (issue #13): a reward with little stock
//! taken by many members at once never goes below zero; a redemption
//! rides the points' reserve → confirm path and waits to be collected at
//! the store; every refusal has its stable code.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, rows, two_stores};

fn reward(name: &str, stock: Option<u32>, limit: Option<u32>) -> Value {
    json!({
        "kind": "service", "name": name, "points_cost": 2000, "unit_cost": "80",
        "stock": stock, "per_member_limit": limit,
        "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z",
    })
}

/// A member of store `store` with `points` points (an activity grant).
async fn member(app: &TestApp, store: &str, name: &str, points: i64) -> String {
    let id = id_of(&app.customer(json!({ "name": name, "home_store_id": store })).await);
    if points > 0 {
        let grant =
            json!({ "kind": "activity", "activity_id": "welcome", "points": points, "events": 1, "reason": "welcome" });
        app.admin("POST", &format!("/v1/customers/{id}/points"), Some(&grant)).await.expect(200);
    }
    id
}

async fn points_of(app: &TestApp, customer: &str) -> i64 {
    let loyalty = app.admin("GET", &format!("/v1/customers/{customer}/loyalty"), None).await.expect(200).body;
    loyalty["points"].as_i64().expect("points")
}

#[tokio::test]
async fn of_twenty_members_asking_at_once_for_five_cleanings_five_get_one_and_stock_never_goes_below_zero() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let crm = key(&app, Role::CrmManager, &[]);
    let made = app.call("POST", "/v1/rewards", Some(&crm), Some(&reward("Jewelry cleaning", Some(5), Some(1)))).await;
    let id = id_of(&made.expect(201).body);
    let mut members = Vec::new();
    for i in 0..20 {
        members.push(member(&app, &a, &format!("Member {i}"), 3_000).await);
    }
    let pos = key(&app, Role::Pos, &[&a]);
    let asks = members.iter().map(|m| {
        let body = json!({ "customer_id": m, "store_id": a });
        let (pos, app, path) = (pos.clone(), &app, format!("/v1/rewards/{id}/redemptions"));
        async move { app.call("POST", &path, Some(&pos), Some(&body)).await }
    });
    let answers = join_all(asks).await;
    let got = answers.iter().filter(|a| a.status == 201).count();
    let out = answers.iter().filter(|a| a.status == 409 && a.body["code"] == "reward_out_of_stock").count();
    assert_eq!((got, out), (5, 15));
    let listed = app.call("GET", &format!("/v1/rewards/{id}"), Some(&pos), None).await.expect(200).body;
    assert_eq!(listed["stock_left"], 0);
    assert_eq!(rows(&app, "SELECT 1 FROM reward_redemptions WHERE state = 'held'").len(), 5);

    // The first confirms and collects; the second cancels: its unit is back.
    let taken: Vec<&Value> = answers.iter().filter(|a| a.status == 201).map(|a| &a.body).collect();
    let (first, second) = (taken[0], taken[1]);
    assert_eq!((first["state"].as_str(), first["points"].as_i64()), (Some("held"), Some(2_000)));
    assert!(first["hold_until"].is_string());
    let redemption = first["redemption_id"].as_str().expect("redemption id");
    let customer = first["customer_id"].as_str().expect("customer");
    let collect = format!("/v1/reward-redemptions/{redemption}/collect");
    app.call("POST", &collect, Some(&pos), None).await.expect_problem(409, "reward_state");
    app.call("POST", &format!("/v1/redemptions/{redemption}/confirm"), Some(&pos), None).await.expect(200);
    assert_eq!(points_of(&app, customer).await, 1_000);
    let associate = key(&app, Role::Associate, &[&a]);
    let collected = app.call("POST", &collect, Some(&associate), None).await.expect(200).body;
    assert_eq!(collected["state"], "collected");
    app.call("POST", &collect, Some(&pos), None).await.expect_problem(409, "reward_state");
    let cancel = format!("/v1/redemptions/{}/cancel", second["redemption_id"].as_str().expect("id"));
    app.call("POST", &cancel, Some(&pos), None).await.expect(200);
    let listed = app.call("GET", &format!("/v1/rewards/{id}"), Some(&pos), None).await.expect(200).body;
    assert_eq!(listed["stock_left"], 1);
    let states = rows(&app, "SELECT state, count(*)::int AS n FROM reward_redemptions GROUP BY state ORDER BY state");
    assert_eq!(
        states,
        [
            json!({"state": "cancelled", "n": 1}),
            json!({"state": "collected", "n": 1}),
            json!({"state": "held", "n": 3})
        ]
    );

    // A confirmed reward not yet collected is cancelled: points and unit back.
    let third = taken[2];
    let (third_id, third_customer) =
        (third["redemption_id"].as_str().expect("id"), third["customer_id"].as_str().expect("c"));
    let cancel_third = format!("/v1/reward-redemptions/{third_id}/cancel");
    app.call("POST", &cancel_third, Some(&pos), None).await.expect_problem(409, "reward_state");
    app.call("POST", &format!("/v1/redemptions/{third_id}/confirm"), Some(&pos), None).await.expect(200);
    assert_eq!(points_of(&app, third_customer).await, 1_000);
    let cancelled = app.call("POST", &cancel_third, Some(&pos), None).await.expect(200).body;
    assert_eq!(cancelled["state"], "cancelled");
    assert_eq!(points_of(&app, third_customer).await, 3_000);
    app.call("POST", &cancel_third, Some(&pos), None).await.expect_problem(409, "reward_state");
    app.call("POST", &format!("/v1/reward-redemptions/{redemption}/cancel"), Some(&pos), None)
        .await
        .expect_problem(409, "reward_state");
    let listed = app.call("GET", &format!("/v1/rewards/{id}"), Some(&pos), None).await.expect(200).body;
    assert_eq!(listed["stock_left"], 2);

    // One per member: the one who collected is refused, though one is left.
    let again = json!({ "customer_id": customer, "store_id": a });
    let refused = app.call("POST", &format!("/v1/rewards/{id}/redemptions"), Some(&pos), Some(&again)).await;
    refused.expect_problem(409, "reward_limit_reached");
}

#[tokio::test]
async fn every_refusal_has_its_code_a_retry_is_made_once_and_bad_input_names_the_field() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let crm = key(&app, Role::CrmManager, &[]);
    let post = |body: Value| {
        let (crm, app) = (crm.clone(), &app);
        async move { id_of(&app.call("POST", "/v1/rewards", Some(&crm), Some(&body)).await.expect(201).body) }
    };
    let scarf = post(reward("Silk scarf", None, None)).await;
    let mut top = reward("Private viewing", Some(10), None);
    top["tiers"] = json!(["S5", "S6"]);
    let viewing = post(top).await;
    let mut ended = reward("Summer candle", None, None);
    ended["valid_to"] = json!("2026-09-01T00:00:00Z");
    let candle = post(ended).await;

    let rich = member(&app, &a, "Chen Jie", 5_000).await;
    let poor = member(&app, &a, "Li Na", 1_999).await;
    let pos = key(&app, Role::Pos, &[&a]);
    let ask = |reward: &str, body: Value| {
        let (pos, app, path) = (pos.clone(), &app, format!("/v1/rewards/{reward}/redemptions"));
        async move { app.call("POST", &path, Some(&pos), Some(&body)).await }
    };
    ask(&viewing, json!({ "customer_id": rich })).await.expect_problem(409, "reward_tier");
    ask(&candle, json!({ "customer_id": rich })).await.expect_problem(409, "reward_not_available");
    ask(&scarf, json!({ "customer_id": poor })).await.expect_problem(409, "reward_insufficient_points");
    assert!(rows(&app, "SELECT 1 FROM redemptions").is_empty(), "nothing held");
    // What the till shows: the scarf for the member who can afford it only.
    let offers = |who: String| {
        let (pos, app) = (pos.clone(), &app);
        async move { app.call("GET", &format!("/v1/customers/{who}/offers"), Some(&pos), None).await.expect(200).body }
    };
    let shown = offers(rich.clone()).await;
    assert_eq!(shown["rewards"].as_array().map(Vec::len), Some(1), "{shown}");
    assert_eq!(shown["rewards"][0]["id"], scarf.as_str());
    assert_eq!(offers(poor.clone()).await["rewards"], json!([]));

    // A retry under the same key is the same redemption.
    let keyed = json!({ "customer_id": rich, "store_id": a, "source": "pos", "external_id": "T-1" });
    let first = ask(&scarf, keyed.clone()).await.expect(201).body;
    let again = ask(&scarf, keyed).await.expect(200).body;
    assert_eq!(first["redemption_id"], again["redemption_id"]);
    assert_eq!(rows(&app, "SELECT 1 FROM reward_redemptions").len(), 1);

    // Another store's customer, another store to collect at, bad input.
    let milan = member(&app, &b, "Giulia Rossi", 5_000).await;
    ask(&scarf, json!({ "customer_id": milan })).await.expect_problem(404, "not_found");
    assert_field(&ask(&scarf, json!({ "customer_id": rich, "store_id": b })).await, "store_id", "not_allowed");
    assert_field(&ask(&scarf, json!({ "customer_id": rich, "hold_minutes": 0 })).await, "hold_minutes", "out_of_range");
    ask("0193a000-0000-7000-8000-000000000000", json!({ "customer_id": rich })).await.expect_problem(404, "not_found");
    let mut bad = reward("", Some(1), None);
    bad["points_cost"] = json!(0);
    bad["kind"] = json!("voucher");
    let refused = app.call("POST", "/v1/rewards", Some(&crm), Some(&bad)).await;
    assert_field(&refused, "kind", "invalid_format");
    let mut zero = reward("Zero", None, None);
    zero["points_cost"] = json!(0);
    assert_field(&app.call("POST", "/v1/rewards", Some(&crm), Some(&zero)).await, "points_cost", "out_of_range");
    app.call("POST", "/v1/rewards", Some(&pos), Some(&reward("x", None, None))).await.expect_problem(403, "forbidden");
}

#[tokio::test]
async fn a_reward_whose_hold_lapses_gives_its_unit_back_when_the_job_releases_it() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let crm = key(&app, Role::CrmManager, &[]);
    let made = app.call("POST", "/v1/rewards", Some(&crm), Some(&reward("Candle", Some(1), None))).await;
    let id = id_of(&made.expect(201).body);
    let chen = member(&app, &a, "Chen Jie", 3_000).await;
    let pos = key(&app, Role::Pos, &[&a]);
    let body = json!({ "customer_id": chen, "hold_minutes": 1 });
    let held = app.call("POST", &format!("/v1/rewards/{id}/redemptions"), Some(&pos), Some(&body)).await.expect(201);
    assert_eq!(held.body["state"], "held");
    let li = member(&app, &a, "Li Na", 3_000).await;
    let other = json!({ "customer_id": li });
    let path = format!("/v1/rewards/{id}/redemptions");
    app.call("POST", &path, Some(&pos), Some(&other)).await.expect_problem(409, "reward_out_of_stock");

    // The job, two minutes later: the hold lapses, the points and the unit come back.
    let later = chrono::Utc::now() + chrono::Duration::minutes(2);
    let released = clientele_app::loyalty::expire_lapsed_reservations(&mut app.db.connect(), later, 100).expect("job");
    assert_eq!(released, 1);
    assert_eq!(rows(&app, "SELECT state FROM reward_redemptions")[0]["state"], "cancelled");
    assert_eq!(points_of(&app, &chen).await, 3_000);
    app.call("POST", &path, Some(&pos), Some(&other)).await.expect(201);
}
