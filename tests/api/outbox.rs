//! The data of every event type, exactly as it is written to the outbox and
//! sent to subscribers (docs/webhooks.md, "Event types"): every key and the
//! JSON type of every value, and the member each outbox row is about.
//! Receivers parse these bodies: a change here is a change of the wire format.

use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{id_of, new_customer, person, rows};

/// The events of one type, oldest first: the member of the outbox row and the data.
fn events(app: &TestApp, event_type: &str) -> Vec<(Value, Value)> {
    let query = format!("SELECT customer_id, payload FROM outbox WHERE event_type = '{event_type}' ORDER BY id");
    rows(app, &query).into_iter().map(|r| (r["customer_id"].clone(), r["payload"].clone())).collect()
}

/// An order sold on 1 March 2026 (UTC: no store).
async fn order(app: &TestApp, customer: Option<&str>, external_id: &str, amount: &str) -> Value {
    let body = json!({
        "source": "pos", "external_id": external_id, "customer": customer.map(|c| json!({ "id": c })),
        "ordered_at": "2026-03-01T10:00:00Z",
        "currency": "CNY", "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": 1, "unit_price": amount }],
        "amount_paid": amount, "payment_method": "card"
    });
    app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body
}

/// A return of the whole order, now or at `returned_at`.
async fn return_all(app: &TestApp, order: &str, returned_at: Option<&str>) -> Value {
    let body = json!({ "source": "pos", "external_id": format!("RET-{order}"), "returned_at": returned_at,
                       "lines": [{ "line_id": "1", "quantity": 1 }] });
    app.admin("POST", &format!("/v1/orders/{order}/returns"), Some(&body)).await.expect(201).body
}

#[tokio::test]
async fn customer_created_names_the_member_and_the_home_store() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let at_store =
        app.customer(json!({ "name": "Wang Fang", "phones": ["13812345678"], "home_store_id": store })).await;
    let without = app.customer(person("Li Na", "13912345678")).await;
    let (a, b) = (id_of(&at_store), id_of(&without));
    assert_eq!(
        events(&app, "customer.created"),
        [
            (json!(a), json!({ "customer_id": a, "member_no": at_store["member_no"], "home_store_id": store })),
            (json!(b), json!({ "customer_id": b, "member_no": without["member_no"], "home_store_id": null })),
        ]
    );
}

#[tokio::test]
async fn an_order_and_its_return_tell_the_order_the_points_and_the_tier() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let sold = order(&app, Some(&customer), "R-1", "12345.50").await;
    let anonymous = order(&app, None, "R-2", "99.90").await;
    let (sold_id, anonymous_id) = (id_of(&sold), id_of(&anonymous));
    let returned = return_all(&app, &sold_id, Some("2026-03-05T10:00:00Z")).await;
    let return_id = returned["return_id"].as_str().expect("return id");

    assert_eq!(
        events(&app, "order.ingested"),
        [
            (
                json!(customer),
                json!({ "order_id": sold_id, "customer_id": customer, "source": "pos", "external_id": "R-1",
                        "amount_paid_base": "12345.5", "points_earned": 12345 })
            ),
            (
                Value::Null,
                json!({ "order_id": anonymous_id, "customer_id": null, "source": "pos", "external_id": "R-2",
                        "amount_paid_base": "99.9", "points_earned": 0 })
            ),
        ]
    );
    assert_eq!(
        events(&app, "order.returned"),
        [(
            json!(customer),
            json!({ "order_id": sold_id, "return_id": return_id, "points_taken": 12345, "points_owed": 0,
                    "points_not_taken": 0, "growth_taken": 12345, "refund_deduction": null })
        )]
    );
    assert_eq!(
        events(&app, "points.changed"),
        [
            (
                json!(customer),
                json!({ "customer_id": customer, "points_delta": 12345, "growth_delta": 12345, "balance": 12345,
                        "points_owed": 0, "growth_value": 12345 })
            ),
            (
                json!(customer),
                json!({ "customer_id": customer, "points_delta": -12345, "growth_delta": -12345, "balance": 0,
                        "points_owed": 0, "growth_value": 0 })
            ),
        ]
    );
    assert_eq!(
        events(&app, "tier.changed"),
        [
            (
                json!(customer),
                json!({ "customer_id": customer,
                        "change": { "from": "S1", "to": "S2", "reason": "growth_earned", "on": "2026-03-01" } })
            ),
            (
                json!(customer),
                json!({ "customer_id": customer,
                        "change": { "from": "S2", "to": "S1", "reason": "growth_taken_back", "on": "2026-03-05" } })
            ),
        ]
    );
}

#[tokio::test]
async fn a_return_deducted_from_the_refund_reports_the_points_and_their_value() {
    let app = TestApp::spawn().await;
    let mut config = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body["config"].clone();
    config["return_shortfall"] = json!("deduct_from_refund");
    config["redemption_value_per_point"] = json!("0.05");
    app.admin("PUT", "/v1/loyalty/program", Some(&config)).await.expect(202);
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let sold = id_of(&order(&app, Some(&customer), "R-1", "1000").await);
    let redeem = json!({ "customer_id": customer, "points": 600, "reason": "silk scarf" });
    let redemption = id_of(&app.admin("POST", "/v1/redemptions", Some(&redeem)).await.expect(201).body);
    app.admin("POST", &format!("/v1/redemptions/{redemption}/confirm"), None).await.expect(200);
    let returned = return_all(&app, &sold, None).await;
    let return_id = returned["return_id"].as_str().expect("return id");
    assert_eq!(
        events(&app, "order.returned"),
        [(
            json!(customer),
            json!({ "order_id": sold, "return_id": return_id, "points_taken": 400, "points_owed": 0,
                    "points_not_taken": 600, "growth_taken": 1000,
                    "refund_deduction": { "points": 600, "value": "30" } })
        )]
    );
}

#[tokio::test]
async fn a_merge_names_the_survivor_the_absorbed_record_and_its_member_number() {
    let app = TestApp::spawn().await;
    let survivor = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let absorbed = app.customer(person("Fang Wang", "13900001111")).await;
    let absorbed_id = id_of(&absorbed);
    app.admin("POST", &format!("/v1/customers/{survivor}/merge"), Some(&json!({ "absorb": absorbed_id })))
        .await
        .expect(200);
    assert_eq!(
        events(&app, "customer.merged"),
        [(
            json!(survivor),
            json!({ "survivor_id": survivor, "absorbed_id": absorbed_id, "absorbed_member_no": absorbed["member_no"] })
        )]
    );
}

#[tokio::test]
async fn points_expiring_names_the_points_and_their_date() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let body = json!({
        "source": "pos", "external_id": "OLD-1", "customer": { "id": customer }, "currency": "CNY",
        "ordered_at": "2024-06-01T10:00:00Z",
        "lines": [{ "sku": "BAG-1", "quantity": 1, "unit_price": "400" }], "amount_paid": "400", "payment_method": "card"
    });
    app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
    let report = clientele_app::jobs::run_once(&mut app.db.connect(), as_of, chrono::Utc::now()).expect("job runs");
    assert_eq!(report.expiry_notices, 1);
    assert_eq!(
        events(&app, "points.expiring"),
        [(json!(customer), json!({ "customer_id": customer, "points": 400, "expires_on": "2026-12-31" }))]
    );
}
