//! A return of goods whose points were already redeemed, under each of the
//! programme's return-after-redemption policies (`return_shortfall`), and
//! the base currency that is fixed once orders exist (issue #9, item 12 and
//! the return-after-redemption policy).

use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{id_of, new_customer, person, rows};

async fn set_program(app: &TestApp, edit: impl Fn(&mut Value)) -> Value {
    let mut config = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body["config"].clone();
    edit(&mut config);
    app.admin("PUT", "/v1/loyalty/program", Some(&config)).await.expect(202).body
}

async fn buy(app: &TestApp, customer: &str, external_id: &str, amount: &str) -> String {
    let body = json!({
        "source": "pos", "external_id": external_id, "customer": { "id": customer }, "currency": "CNY",
        "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": 1, "unit_price": amount }],
        "amount_paid": amount, "payment_method": "card"
    });
    id_of(&app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body)
}

async fn redeem(app: &TestApp, customer: &str, points: i64) {
    let body = json!({ "customer_id": customer, "points": points, "reason": "silk scarf" });
    let id = id_of(&app.admin("POST", "/v1/redemptions", Some(&body)).await.expect(201).body);
    app.admin("POST", &format!("/v1/redemptions/{id}/confirm"), None).await.expect(200);
}

async fn return_all(app: &TestApp, order: &str, status: u16) -> Value {
    let body =
        json!({ "source": "pos", "external_id": format!("RET-{order}"), "lines": [{ "line_id": "1", "quantity": 1 }] });
    app.admin("POST", &format!("/v1/orders/{order}/returns"), Some(&body)).await.expect(status).body
}

async fn loyalty(app: &TestApp, customer: &str) -> Value {
    app.admin("GET", &format!("/v1/customers/{customer}/loyalty"), None).await.expect(200).body
}

fn ledger_sum(app: &TestApp, customer: &str) -> i64 {
    let sum = rows(
        app,
        &format!("SELECT coalesce(sum(points), 0)::bigint AS s FROM ledger WHERE customer_id = '{customer}'"),
    );
    sum[0]["s"].as_i64().expect("sum")
}

fn try_redeem(customer: &str, points: i64) -> Value {
    json!({ "customer_id": customer, "points": points, "reason": "gift" })
}

/// Buy for 1,000 (1,000 points), redeem 600, return the goods.
async fn buy_redeem_return(app: &TestApp) -> (String, Value) {
    let customer = new_customer(app, person("Wang Fang", "13812345678")).await;
    let order = buy(app, &customer, "R-1", "1000").await;
    redeem(app, &customer, 600).await;
    let answer = return_all(app, &order, 201).await;
    (customer, answer)
}

#[tokio::test]
async fn by_default_the_return_leaves_a_debt_that_blocks_redemption_until_the_next_order_repays_it() {
    let app = TestApp::spawn().await;
    let program = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body;
    assert_eq!(program["config"]["return_shortfall"], "negative_balance");
    let (customer, answer) = buy_redeem_return(&app).await;
    let returned = &answer["order"]["returns"][0];
    assert_eq!(returned["points_taken"], 1000, "{answer}");
    assert_eq!(returned["points_owed"], 600);
    assert_eq!(returned["points_not_taken"], 0);
    assert_eq!(returned["refund_deduction"], Value::Null);
    assert_eq!(answer["refund_deduction"], Value::Null);
    let l = loyalty(&app, &customer).await;
    assert_eq!(
        (l["points"].as_i64(), l["points_owed"].as_i64(), l["points_available"].as_i64()),
        (Some(-600), Some(600), Some(0))
    );
    assert_eq!(ledger_sum(&app, &customer), -600, "the balance is the sum of the ledger");
    let changed = rows(&app, "SELECT payload FROM outbox WHERE event_type = 'points.changed' ORDER BY id DESC LIMIT 1");
    assert_eq!(changed[0]["payload"]["balance"], -600, "{changed:?}");
    assert_eq!(changed[0]["payload"]["points_owed"], 600);

    app.admin("POST", "/v1/redemptions", Some(&try_redeem(&customer, 1))).await.expect_problem(409, "points_in_debt");

    // The next order repays the debt first: 800 earned, 200 left to spend.
    buy(&app, &customer, "R-2", "800").await;
    let l = loyalty(&app, &customer).await;
    assert_eq!(
        (l["points"].as_i64(), l["points_owed"].as_i64(), l["points_available"].as_i64()),
        (Some(200), Some(0), Some(200))
    );
    assert_eq!(ledger_sum(&app, &customer), 200);
    app.admin("POST", "/v1/redemptions", Some(&try_redeem(&customer, 201)))
        .await
        .expect_problem(409, "insufficient_points");
    app.admin("POST", "/v1/redemptions", Some(&try_redeem(&customer, 200))).await.expect(201);
}

#[tokio::test]
async fn capped_at_zero_the_return_takes_what_is_left_and_records_the_rest() {
    let app = TestApp::spawn().await;
    let saved = set_program(&app, |c| c["return_shortfall"] = json!("cap_at_zero")).await;
    assert_eq!(saved["config"]["return_shortfall"], "cap_at_zero");
    let (customer, answer) = buy_redeem_return(&app).await;
    let returned = &answer["order"]["returns"][0];
    assert_eq!(returned["points_taken"], 400, "{answer}");
    assert_eq!(returned["points_not_taken"], 600);
    assert_eq!(returned["points_owed"], 0);
    assert_eq!(answer["refund_deduction"], Value::Null);
    let l = loyalty(&app, &customer).await;
    assert_eq!((l["points"].as_i64(), l["points_owed"].as_i64()), (Some(0), Some(0)));
    app.admin("POST", "/v1/redemptions", Some(&try_redeem(&customer, 1)))
        .await
        .expect_problem(409, "insufficient_points");
    buy(&app, &customer, "R-2", "800").await;
    assert_eq!(loyalty(&app, &customer).await["points"], 800);
    assert_eq!(ledger_sum(&app, &customer), 800);
}

#[tokio::test]
async fn deducted_from_the_refund_the_answer_reports_the_redeemed_points_and_their_value() {
    let app = TestApp::spawn().await;
    set_program(&app, |c| {
        c["return_shortfall"] = json!("deduct_from_refund");
        c["redemption_value_per_point"] = json!("0.05");
    })
    .await;
    let (customer, answer) = buy_redeem_return(&app).await;
    let expected = json!({ "points": 600, "value": "30", "currency": "CNY" });
    assert_eq!(answer["refund_deduction"], expected, "{answer}");
    assert_eq!(answer["order"]["returns"][0]["refund_deduction"], expected);
    assert_eq!(answer["order"]["returns"][0]["points_not_taken"], 600);
    let event = rows(&app, "SELECT payload FROM outbox WHERE event_type = 'order.returned'");
    assert_eq!(event[0]["payload"]["refund_deduction"]["points"], 600, "{event:?}");
    // The same return sent again answers the same deduction, and takes nothing more.
    let order = answer["order"]["id"].as_str().expect("order id").to_owned();
    let again = return_all(&app, &order, 200).await;
    assert_eq!(again["refund_deduction"], expected);
    let l = loyalty(&app, &customer).await;
    assert_eq!((l["points"].as_i64(), l["points_owed"].as_i64()), (Some(0), Some(0)));
    buy(&app, &customer, "R-2", "800").await;
    assert_eq!(loyalty(&app, &customer).await["points"], 800);

    // Without a value per point, only the points are reported.
    set_program(&app, |c| c["redemption_value_per_point"] = Value::Null).await;
    let other = new_customer(&app, person("Li Na", "13912345678")).await;
    let order = buy(&app, &other, "R-3", "100").await;
    redeem(&app, &other, 100).await;
    let answer = return_all(&app, &order, 201).await;
    assert_eq!(answer["refund_deduction"], json!({ "points": 100, "value": null, "currency": "CNY" }));
}

#[tokio::test]
async fn the_base_currency_is_fixed_once_orders_exist() {
    let app = TestApp::spawn().await;
    // No order yet: the base currency may still change, and back.
    set_program(&app, |c| c["base_currency"] = json!("USD")).await;
    set_program(&app, |c| c["base_currency"] = json!("CNY")).await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    buy(&app, &customer, "R-1", "1000").await;
    let mut config = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body["config"].clone();
    let version = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body["version"].clone();
    config["base_currency"] = json!("USD");
    let refused =
        app.admin("PUT", "/v1/loyalty/program", Some(&config)).await.expect_problem(409, "base_currency_locked");
    let detail = refused.body["detail"].as_str().expect("detail");
    assert!(detail.contains("fixed once orders exist"), "{detail}");
    let now = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body;
    assert_eq!(now["config"]["base_currency"], "CNY");
    assert_eq!(now["version"], version, "nothing was saved");
    // Anything else may still change.
    set_program(&app, |c| c["return_shortfall"] = json!("cap_at_zero")).await;
}
