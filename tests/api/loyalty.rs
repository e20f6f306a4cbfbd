//! Redemptions, activity points, manual adjustments, tier floors, the
//! programme, and the scheduled jobs (issue #3).

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{id_of, key, new_customer, person, rows};

async fn member_with_points(app: &TestApp, amount: &str) -> String {
    let customer = new_customer(app, person("Wang Fang", "13812345678")).await;
    let body = json!({
        "source": "pos", "external_id": format!("R-{amount}"), "customer": { "id": customer }, "currency": "CNY",
        "lines": [{ "sku": "BAG-1", "quantity": 1, "unit_price": amount }], "amount_paid": amount, "payment_method": "card"
    });
    app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    customer
}

async fn loyalty(app: &TestApp, customer: &str) -> Value {
    app.admin("GET", &format!("/v1/customers/{customer}/loyalty"), None).await.expect(200).body
}

fn redemption(customer: &str, points: i64) -> Value {
    json!({ "customer_id": customer, "points": points, "reason": "silk scarf" })
}

#[tokio::test]
async fn fifty_simultaneous_redemptions_never_overdraw() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "1000").await;
    let pos = key(&app, Role::Pos, &[]);
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let (client, url, token, body) =
            (app.client.clone(), format!("{}/v1/redemptions", app.address), pos.clone(), redemption(&customer, 100));
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).bearer_auth(token).json(&body).send().await.expect("sent");
            let status = res.status().as_u16();
            let body: Value = res.json().await.expect("json");
            (status, body)
        }));
    }
    let mut held = Vec::new();
    for t in tasks {
        let (status, body) = t.await.expect("task");
        match status {
            201 => held.push(body["id"].as_str().expect("id").to_owned()),
            409 => assert_eq!(body["code"], "insufficient_points", "{body}"),
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    assert_eq!(held.len(), 10, "1,000 points cover exactly ten redemptions of 100");
    let l = loyalty(&app, &customer).await;
    assert_eq!(l["points_available"], 0);
    assert_eq!(l["points_held"], 1000);
    for id in &held {
        app.call("POST", &format!("/v1/redemptions/{id}/confirm"), Some(&pos), None).await.expect(200);
    }
    let l = loyalty(&app, &customer).await;
    assert_eq!(l["points"], 0);
    assert_eq!(l["growth_value"], 1000, "redemption never moves growth value");
    let sums = rows(
        &app,
        &format!(
            "SELECT sum(points)::bigint AS p, sum(growth)::bigint AS g FROM ledger WHERE customer_id = '{customer}'"
        ),
    );
    assert_eq!(sums[0]["p"], 0, "the ledger adds up to the balance");
    assert_eq!(sums[0]["g"], 1000);
    let balances = rows(&app, "SELECT points_balance, points_held FROM loyalty_accounts");
    assert_eq!(balances, vec![json!({ "points_balance": 0, "points_held": 0 })]);
}

#[tokio::test]
async fn a_cancelled_redemption_gives_the_points_back_and_cannot_be_confirmed() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "500").await;
    let r = app.admin("POST", "/v1/redemptions", Some(&redemption(&customer, 200))).await.expect(201);
    let id = id_of(&r.body);
    assert_eq!(r.body["state"], "held");
    assert_eq!(loyalty(&app, &customer).await["points_available"], 300);
    let c = app.admin("POST", &format!("/v1/redemptions/{id}/cancel"), None).await.expect(200);
    assert_eq!(c.body["state"], "cancelled");
    assert_eq!(loyalty(&app, &customer).await["points_available"], 500);
    app.admin("POST", &format!("/v1/redemptions/{id}/confirm"), None).await.expect_problem(409, "illegal_transition");
    let got = app.admin("GET", &format!("/v1/redemptions/{id}"), None).await.expect(200);
    assert_eq!(got.body["state"], "cancelled");
}

#[tokio::test]
async fn a_retried_reservation_with_the_same_key_is_made_once() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "500").await;
    let mut body = redemption(&customer, 100);
    body["source"] = json!("pos");
    body["external_id"] = json!("PAY-1");
    let a = app.admin("POST", "/v1/redemptions", Some(&body)).await.expect(201);
    let b = app.admin("POST", "/v1/redemptions", Some(&body)).await.expect(200);
    assert_eq!(a.body["id"], b.body["id"]);
    assert_eq!(loyalty(&app, &customer).await["points_held"], 100);
}

#[tokio::test]
async fn redeeming_more_than_the_balance_is_refused() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "99").await;
    app.admin("POST", "/v1/redemptions", Some(&redemption(&customer, 100)))
        .await
        .expect_problem(409, "insufficient_points");
    app.admin("POST", "/v1/redemptions", Some(&redemption(&customer, 0)))
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(app.count("redemptions"), 0);
}

#[tokio::test]
async fn analysts_cannot_redeem_and_pos_cannot_adjust_points() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "500").await;
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("POST", "/v1/redemptions", Some(&analyst), Some(&redemption(&customer, 10)))
        .await
        .expect_problem(403, "forbidden");
    let pos = key(&app, Role::Pos, &[]);
    let grant = json!({ "kind": "adjustment", "points": 100, "reason": "goodwill" });
    app.call("POST", &format!("/v1/customers/{customer}/points"), Some(&pos), Some(&grant))
        .await
        .expect_problem(403, "forbidden");
    assert_eq!(loyalty(&app, &customer).await["points"], 500);
}

#[tokio::test]
async fn activity_points_add_points_and_growth_and_a_manual_debit_cannot_overdraw() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "100").await;
    let grant = json!({ "kind": "activity", "activity_id": "salon-2026-11", "points": 250, "events": 2, "reason": "private salon" });
    let a = app.admin("POST", &format!("/v1/customers/{customer}/points"), Some(&grant)).await.expect(200);
    assert_eq!(a.body["points"], 600);
    assert_eq!(a.body["growth_value"], 600);
    let debit = json!({ "kind": "adjustment", "points": -601, "reason": "correction" });
    app.admin("POST", &format!("/v1/customers/{customer}/points"), Some(&debit))
        .await
        .expect_problem(409, "insufficient_points");
    let debit = json!({ "kind": "adjustment", "points": -100, "reason": "duplicate grant" });
    let a = app.admin("POST", &format!("/v1/customers/{customer}/points"), Some(&debit)).await.expect(200);
    assert_eq!(a.body["points"], 500);
    assert_eq!(a.body["growth_value"], 600, "a points correction leaves growth value alone");
    let entries = rows(&app, "SELECT kind, actor, reason FROM ledger WHERE kind = 'adjust_manual'");
    assert_eq!(entries[0]["reason"], "duplicate grant");
}

#[tokio::test]
async fn a_manual_tier_floor_lifts_the_tier_until_its_date_and_is_recorded() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "100").await;
    let floor = json!({ "tier": "S4", "until": "2099-12-31", "reason": "VIP gesture for the bridal order" });
    let a = app.admin("PUT", &format!("/v1/customers/{customer}/tier-floor"), Some(&floor)).await.expect(200);
    assert_eq!(a.body["tier"], "S4");
    assert_eq!(a.body["tier_floor"]["tier"], "S4");
    let entry = rows(&app, "SELECT kind, reason, actor FROM ledger WHERE kind = 'tier_floor_set'");
    let reason = entry[0]["reason"].as_str().expect("reason");
    assert!(reason.contains("S4 until 2099-12-31") && reason.contains("VIP gesture for the bridal order"), "{reason}");
    assert_eq!(entry[0]["actor"], "test admin");
    let past = json!({ "tier": "S4", "until": "2001-01-01", "reason": "late" });
    app.admin("PUT", &format!("/v1/customers/{customer}/tier-floor"), Some(&past))
        .await
        .expect_problem(422, "floor_ends_in_the_past");
    let a = app.admin("DELETE", &format!("/v1/customers/{customer}/tier-floor"), None).await.expect(200);
    assert_eq!(a.body["tier"], "S1");
    let changes = rows(&app, "SELECT count(*) AS n FROM outbox WHERE event_type = 'tier.changed'");
    assert_eq!(changes[0]["n"], 2);
}

#[tokio::test]
async fn changing_the_tier_table_re_evaluates_members() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "12345").await;
    assert_eq!(loyalty(&app, &customer).await["tier"], "S2");
    let program = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body;
    let mut config = program["config"].clone();
    for rule in config["tiers"].as_array_mut().expect("tiers") {
        let min = rule["min_growth"].as_i64().expect("min_growth");
        rule["min_growth"] = json!(min * 2);
    }
    let a = app.admin("PUT", "/v1/loyalty/program", Some(&config)).await.expect(202);
    assert_eq!(a.body["version"], program["version"].as_i64().expect("version") + 1);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        if loyalty(&app, &customer).await["tier"] == "S1" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the re-evaluation never ran");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mut bad = config.clone();
    bad["tiers"][1]["min_growth"] = json!(0);
    app.admin("PUT", "/v1/loyalty/program", Some(&bad)).await.expect_problem(422, "validation_failed");
}

#[tokio::test]
async fn the_expiry_job_expires_old_lots_and_leaves_growth_value() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    for (n, (day, amount)) in [("2023-03-01", "700"), ("2026-03-01", "300")].iter().enumerate() {
        let body = json!({
            "source": "pos", "external_id": format!("OLD-{n}"), "customer": { "id": customer }, "currency": "CNY",
            "ordered_at": format!("{day}T10:00:00Z"),
            "lines": [{ "sku": "BAG-1", "quantity": 1, "unit_price": amount }], "amount_paid": amount, "payment_method": "card"
        });
        app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    }
    let before = loyalty(&app, &customer).await;
    assert_eq!(before["points"], 1000);
    let mut conn = app.db.connect();
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 11, 23).expect("date");
    let now = chrono::Utc::now();
    let report = clientele_app::jobs::run_once(&mut conn, as_of, now).expect("job runs");
    assert_eq!(report.points_expired, 700, "points earned in 2023 were usable through 2025-12-31");
    let again = clientele_app::jobs::run_once(&mut conn, as_of, now).expect("job runs");
    assert_eq!(again.points_expired, 0, "running twice expires nothing more");
    let after = loyalty(&app, &customer).await;
    assert_eq!(after["points"], 300);
    assert_eq!(after["growth_value"], 1000, "expiry never touches growth value");
    let sums = rows(&app, "SELECT sum(points)::bigint AS p FROM ledger");
    assert_eq!(sums[0]["p"], 300);
}

#[tokio::test]
async fn the_job_releases_reservations_whose_hold_lapsed() {
    let app = TestApp::spawn().await;
    let customer = member_with_points(&app, "500").await;
    let mut body = redemption(&customer, 200);
    body["hold_minutes"] = json!(1);
    let id = id_of(&app.admin("POST", "/v1/redemptions", Some(&body)).await.expect(201).body);
    let mut conn = app.db.connect();
    let later = chrono::Utc::now() + chrono::Duration::minutes(2);
    let report = clientele_app::jobs::run_once(&mut conn, later.date_naive(), later).expect("job runs");
    assert_eq!(report.reservations_released, 1);
    let r = app.admin("GET", &format!("/v1/redemptions/{id}"), None).await.expect(200);
    assert_eq!(r.body["state"], "expired");
    assert_eq!(loyalty(&app, &customer).await["points_available"], 500);
}

#[tokio::test]
async fn members_are_told_once_before_their_points_expire() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let body = json!({
        "source": "pos", "external_id": "OLD-1", "customer": { "id": customer }, "currency": "CNY",
        "ordered_at": "2024-06-01T10:00:00Z",
        "lines": [{ "sku": "BAG-1", "quantity": 1, "unit_price": "400" }], "amount_paid": "400", "payment_method": "card"
    });
    app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    let mut conn = app.db.connect();
    let run = |date: (i32, u32, u32), conn: &mut diesel::PgConnection| {
        let as_of = chrono::NaiveDate::from_ymd_opt(date.0, date.1, date.2).expect("date");
        clientele_app::jobs::run_once(conn, as_of, chrono::Utc::now()).expect("job runs")
    };
    assert_eq!(run((2026, 11, 1), &mut conn).expiry_notices, 0, "2026-12-31 is more than 30 days away");
    assert_eq!(run((2026, 12, 5), &mut conn).expiry_notices, 1);
    assert_eq!(run((2026, 12, 6), &mut conn).expiry_notices, 0, "told once");
    let events = rows(&app, "SELECT payload FROM outbox WHERE event_type = 'points.expiring'");
    assert_eq!(events[0]["payload"]["points"], 400);
    assert_eq!(events[0]["payload"]["expires_on"], "2026-12-31");
}
