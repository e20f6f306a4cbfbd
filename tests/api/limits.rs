//! Absurd amounts, quantities, dates and codes are refused with 422 naming
//! the field, never a 500 or a silent change (issue #9, items 2, 3, 8-10),
//! and the limits are programme settings.

use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{new_customer, person};

fn order(external_id: &str, customer: &str, lines: Value, paid: &str) -> Value {
    json!({
        "source": "pos",
        "external_id": external_id,
        "customer": { "id": customer },
        "currency": "CNY",
        "lines": lines,
        "amount_paid": paid,
        "payment_method": "card",
    })
}

fn line(quantity: u64, price: &str) -> Value {
    json!([{ "sku": "RING-01", "quantity": quantity, "unit_price": price }])
}

#[track_caller]
fn assert_refused(a: &clientele_tests::Answer, field: &str) {
    assert_eq!(a.status, 422, "{}", a.text);
    assert!(a.error_fields().iter().any(|f| f == field), "expected {field}: {}", a.text);
}

#[tokio::test]
async fn amounts_that_overflow_or_no_brand_reaches_are_422_and_write_nothing() {
    let app = TestApp::spawn().await;
    let c = new_customer(&app, person("Gao Yan", "13812345678")).await;
    // The line that panicked the worker.
    let a =
        app.admin("POST", "/v1/orders", Some(&order("R-1", &c, line(1, "100000000000000"), "100000000000000"))).await;
    assert_refused(&a, "lines[0].unit_price");
    // The one that crashed the database.
    let a = app.admin("POST", "/v1/orders", Some(&order("R-2", &c, line(1, "1000000000000"), "1000000000000"))).await;
    assert_refused(&a, "lines[0].unit_price");
    // A million at a million: 10^12 points and the top tier before.
    let a = app.admin("POST", "/v1/orders", Some(&order("R-3", &c, line(1_000_000, "1000000"), "1000000000000"))).await;
    assert_refused(&a, "lines[0].quantity");
    assert_refused(&a, "lines[0].unit_price");
    // A quantity beyond u32 is refused by type, not wrapped.
    let a = app.admin("POST", "/v1/orders", Some(&order("R-4", &c, line(1 << 33, "1"), "1"))).await;
    assert_refused(&a, "lines[0].quantity");
    assert_eq!(app.count("orders"), 0);
    let l = app.admin("GET", &format!("/v1/customers/{c}/loyalty"), None).await.expect(200).body;
    assert_eq!(l["points"], 0);
}

#[tokio::test]
async fn decimals_beyond_the_currency_and_out_of_range_counts_are_refused_not_changed() {
    let app = TestApp::spawn().await;
    let c = new_customer(&app, person("Gao Yan", "13812345678")).await;
    let a = app.admin("POST", "/v1/orders", Some(&order("R-1", &c, line(1, "200"), "100.001"))).await;
    assert_refused(&a, "amount_paid");
    let mut body = order("R-2", &c, line(1, "200"), "100");
    body["points_redeemed"] = json!(9_223_372_036_854_775_808_u64);
    assert_refused(&app.admin("POST", "/v1/orders", Some(&body)).await, "points_redeemed");
    let mut body = order("R-3", &c, line(1, "200"), "100");
    body["currency"] = json!("JPY");
    body["amount_paid"] = json!("100.5");
    assert_refused(&app.admin("POST", "/v1/orders", Some(&body)).await, "amount_paid");
    assert_eq!(app.count("orders"), 0);
}

#[tokio::test]
async fn the_limits_are_programme_settings() {
    let app = TestApp::spawn().await;
    let c = new_customer(&app, person("Gao Yan", "13812345678")).await;
    let mut program = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body["config"].clone();
    assert_eq!(program["limits"]["max_quantity_per_line"], 10_000, "{program}");
    program["limits"]["max_quantity_per_line"] = json!(5);
    program["limits"]["max_order_amount"] = json!("50000");
    program["limits"]["max_points_per_grant"] = json!(1000);
    program["limits"]["earliest_order_date"] = json!("2020-01-01");
    app.admin("PUT", "/v1/loyalty/program", Some(&program)).await.expect(202);
    let a = app.admin("POST", "/v1/orders", Some(&order("R-1", &c, line(6, "10"), "60"))).await;
    assert_refused(&a, "lines[0].quantity");
    let a = app.admin("POST", "/v1/orders", Some(&order("R-2", &c, line(1, "60000"), "60000"))).await;
    assert_refused(&a, "amount_paid");
    let mut old = order("R-3", &c, line(1, "10"), "10");
    old["ordered_at"] = json!("0001-01-01T00:00:00Z");
    assert_refused(&app.admin("POST", "/v1/orders", Some(&old)).await, "ordered_at");
    old["ordered_at"] = json!("2019-12-31T12:00:00Z");
    assert_refused(&app.admin("POST", "/v1/orders", Some(&old)).await, "ordered_at");
    // An hour ahead of the clock, beyond the default 5 minutes; allowed once the limit is 2 hours.
    old["ordered_at"] = json!((chrono::Utc::now() + chrono::TimeDelta::hours(1)).to_rfc3339());
    assert_refused(&app.admin("POST", "/v1/orders", Some(&old)).await, "ordered_at");
    program["limits"]["max_minutes_ahead"] = json!(120);
    app.admin("PUT", "/v1/loyalty/program", Some(&program)).await.expect(202);
    app.admin("POST", "/v1/orders", Some(&old)).await.expect(201);
    app.admin("POST", "/v1/orders", Some(&order("R-4", &c, line(5, "10"), "50"))).await.expect(201);
    let grant =
        json!({ "kind": "activity", "activity_id": "launch-aw26", "points": 600, "events": 2, "reason": "launch" });
    assert_refused(&app.admin("POST", &format!("/v1/customers/{c}/points"), Some(&grant)).await, "points");
    let adjust = json!({ "kind": "adjustment", "points": i64::MIN, "reason": "typo" });
    assert_refused(&app.admin("POST", &format!("/v1/customers/{c}/points"), Some(&adjust)).await, "points");
    let adjust = json!({ "kind": "adjustment", "points": 1001, "reason": "typo" });
    assert_refused(&app.admin("POST", &format!("/v1/customers/{c}/points"), Some(&adjust)).await, "points");
    let bad = json!({ "max_quantity_per_line": 0 });
    program["limits"] = bad;
    let a = app.admin("PUT", "/v1/loyalty/program", Some(&program)).await;
    assert_eq!(a.status, 422, "{}", a.text);
}

#[tokio::test]
async fn codes_outside_the_iso_lists_are_refused() {
    let app = TestApp::spawn().await;
    let store = json!({ "code": "XX1", "name": "Nowhere", "city": "City", "country": "XX", "time_zone": "Asia/Shanghai", "currency": "CNY" });
    assert_refused(&app.admin("POST", "/v1/stores", Some(&store)).await, "country");
    let rates = json!([{ "currency": "XQZ", "valid_from": "2026-01-01", "rate": "1.5" }]);
    let a = app.admin("PUT", "/v1/fx-rates", Some(&json!({ "rates": rates }))).await;
    assert_eq!(a.status, 422, "{}", a.text);
    assert!(a.text.contains("invalid_currency"), "{}", a.text);
}

#[tokio::test]
async fn a_return_dated_before_its_order_is_refused() {
    let app = TestApp::spawn().await;
    let c = new_customer(&app, person("Gao Yan", "13812345678")).await;
    let mut body = order("R-1", &c, line(1, "100"), "100");
    body["ordered_at"] = json!("2026-11-20T10:00:00Z");
    let created = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    let id = created.body["id"].as_str().expect("order id").to_owned();
    let ret = json!({ "source": "pos", "external_id": "RET-1", "returned_at": "2026-11-19T10:00:00Z",
                      "lines": [{ "line_id": "1", "quantity": 1 }] });
    assert_refused(&app.admin("POST", &format!("/v1/orders/{id}/returns"), Some(&ret)).await, "returned_at");
    assert_eq!(app.count("order_returns"), 0);
}
