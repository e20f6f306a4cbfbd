//! Orders that carry coupon codes (issue #13): the code is checked and
//! used in the order's transaction, its discount lands on the lines, a
//! resend uses nothing again, a refused code stores nothing, a full return
//! gives the code back, and of orders racing for one single-use code
//! exactly one gets it.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use futures_util::future::join_all;
use serde_json::{Value, json};

use crate::helpers::{id_of, key, rows, two_stores};

/// A coupon valid from 2026 to 2100 (orders are placed "now").
fn coupon(name: &str, kind: Value) -> Value {
    json!({ "name": name, "kind": kind, "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z" })
}

/// A 12,000 bag and two 1,000 scarves at store `store`, paid `paid`.
fn order(external_id: &str, store: &str, customer: Option<&str>, codes: &[&str], paid: &str) -> Value {
    json!({
        "source": "pos", "external_id": external_id, "store_id": store,
        "customer": customer.map(|c| json!({ "id": c })),
        "currency": "CNY", "payment_method": "card", "amount_paid": paid,
        "coupon_codes": codes,
        "lines": [
            { "line_id": "1", "sku": "BAG-1", "category": "bags", "quantity": 1, "unit_price": "12000" },
            { "line_id": "2", "sku": "SCARF-1", "category": "scarves", "quantity": 2, "unit_price": "1000" }
        ]
    })
}

/// Defines a coupon and issues it: personal codes to `customers`, or one
/// shared code when there are none. Returns the coupon id and the codes.
async fn issue(app: &TestApp, definition: &Value, customers: &[&str]) -> (String, Vec<String>) {
    let crm = key(app, Role::CrmManager, &[]);
    let id = id_of(&app.call("POST", "/v1/coupons", Some(&crm), Some(definition)).await.expect(201).body);
    let body = if customers.is_empty() { json!({ "shared": {} }) } else { json!({ "customers": customers }) };
    let issued = app.call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&body)).await.expect(201).body;
    let codes = issued["items"].as_array().expect("items").iter().map(|c| c["code"].as_str().expect("code").to_owned());
    (id, codes.collect())
}

fn uses_of(app: &TestApp, code: &str) -> (i64, String) {
    let row = &rows(app, &format!("SELECT uses::bigint AS uses, state FROM coupon_codes WHERE shown_as = '{code}'"))[0];
    (row["uses"].as_i64().expect("uses"), row["state"].as_str().expect("state").to_owned())
}

#[tokio::test]
async fn a_code_on_an_order_is_used_once_its_discount_on_the_lines_and_a_full_return_gives_it_back() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let mut bags = coupon("15 % off bags", json!({ "percent": "15" }));
    bags["eligibility"] = json!({ "categories": ["bags"] });
    let (coupon_id, codes) = issue(&app, &bags, &[&chen]).await;
    let code = &codes[0];
    let pos = key(&app, Role::Pos, &[&a]);

    // Typed as a person types it; paid 14,000 − 1,800.
    let typed = code.to_lowercase().replace('-', " ");
    let body = order("R-1", &a, Some(&chen), &[&typed], "12200");
    let created = app.call("POST", "/v1/orders", Some(&pos), Some(&body)).await.expect(201).body;
    assert_eq!(created["coupon_codes"][0]["code"], code.as_str(), "{created}");
    assert_eq!(created["coupon_codes"][0]["coupon_id"], coupon_id.as_str());
    assert_eq!(created["coupon_codes"][0]["discount"], "1800");
    assert_eq!(
        (&created["lines"][0]["discount"], &created["lines"][0]["coupon_discount"]),
        (&json!("1800"), &json!("1800"))
    );
    assert_eq!(created["lines"][0]["paid"], "10200");
    assert_eq!(created["lines"][1]["coupon_discount"], "0");
    assert_eq!(created["points_earned"], 12_200);
    assert_eq!(uses_of(&app, code), (1, "redeemed".to_owned()));

    // The same order again: the stored order, the code not used twice.
    let again = app.call("POST", "/v1/orders", Some(&pos), Some(&body)).await.expect(200).body;
    assert_eq!(again["id"], created["id"]);
    assert_eq!(again["coupon_codes"][0]["code"], code.as_str());
    assert_eq!(uses_of(&app, code), (1, "redeemed".to_owned()));
    // Under the same receipt without the code: another order, refused.
    let without = order("R-1", &a, Some(&chen), &[], "12200");
    let conflict = app.call("POST", "/v1/orders", Some(&pos), Some(&without)).await;
    assert_eq!(conflict.expect_problem(409, "order_conflict").body["differences"], json!(["coupon_codes"]));

    // Used: a second order with it is refused whole and stores nothing.
    let second =
        app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-2", &a, Some(&chen), &[code], "12200"))).await;
    let problem = second.expect_problem(409, "coupon_refused").body;
    assert_eq!(problem["coupons"], json!([{ "code": code, "reason": "coupon_used" }]), "{problem}");
    assert!(rows(&app, "SELECT 1 FROM order_keys WHERE external_id = 'R-2'").is_empty());

    // A partial return keeps it used; returning the rest gives it back.
    let id = id_of(&created);
    let first = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "2", "quantity": 2 }] });
    let returned = app.call("POST", &format!("/v1/orders/{id}/returns"), Some(&pos), Some(&first)).await.expect(201);
    assert!(returned.body["order"]["coupon_codes"][0]["released_at"].is_null());
    assert_eq!(uses_of(&app, code), (1, "redeemed".to_owned()));
    let rest = json!({ "source": "pos", "external_id": "RET-2", "lines": [{ "line_id": "1", "quantity": 1 }] });
    let returned = app.call("POST", &format!("/v1/orders/{id}/returns"), Some(&pos), Some(&rest)).await.expect(201);
    assert!(returned.body["order"]["coupon_codes"][0]["released_at"].is_string(), "{}", returned.body);
    assert_eq!(uses_of(&app, code), (0, "issued".to_owned()));
    let offers = app.call("GET", &format!("/v1/customers/{chen}/offers"), Some(&pos), None).await.expect(200).body;
    assert_eq!(offers["coupons"][0]["code"], code.as_str(), "{offers}");
    // And it is used again by the next order.
    app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-3", &a, Some(&chen), &[code], "12200")))
        .await
        .expect(201);
    assert_eq!(uses_of(&app, code), (1, "redeemed".to_owned()));
}

#[tokio::test]
async fn an_order_that_did_not_charge_the_coupon_or_cannot_carry_it_is_refused_and_uses_nothing() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let (_, codes) = issue(&app, &coupon("500 off", json!({ "fixed_amount": "500" })), &[&chen]).await;
    let code = codes[0].as_str();
    let app = &app;
    let admin = |body: Value| async move { app.admin("POST", "/v1/orders", Some(&body)).await };

    // Paid in full: the till did not take the coupon off.
    let a1 = admin(order("R-1", &a, Some(&chen), &[code], "14000")).await;
    crate::helpers::assert_field(&a1, "amount_paid", "out_of_range");
    // In another currency than the programme's.
    let mut euros = order("R-2", &b, Some(&chen), &[code], "13500");
    euros["currency"] = json!("EUR");
    crate::helpers::assert_field(&admin(euros).await, "coupon_codes", "not_allowed");
    // A price in fractions of a cent.
    let mut fractions = order("R-3", &a, Some(&chen), &[code], "13500");
    fractions["lines"][1]["unit_price"] = json!("1000.005");
    crate::helpers::assert_field(&admin(fractions).await, "lines[1].unit_price", "out_of_range");
    // Eleven codes; an empty code.
    let many = vec![code; 11];
    crate::helpers::assert_field(
        &admin(order("R-4", &a, Some(&chen), &many, "13500")).await,
        "coupon_codes",
        "too_long",
    );
    crate::helpers::assert_field(
        &admin(order("R-5", &a, Some(&chen), &[""], "13500")).await,
        "coupon_codes[0]",
        "required",
    );
    // Unknown, someone else's (an anonymous buyer), twice in one order.
    let refused = admin(order("R-6", &a, None, &["NOPE-NOPE", code], "13500")).await;
    let reasons = refused.expect_problem(409, "coupon_refused").body["coupons"].clone();
    assert_eq!(
        reasons,
        json!([{ "code": "NOPE-NOPE", "reason": "coupon_unknown" }, { "code": code, "reason": "coupon_not_yours" }])
    );
    let twice = admin(order("R-7", &a, Some(&chen), &[code, code], "13000")).await;
    assert_eq!(
        twice.expect_problem(409, "coupon_refused").body["coupons"],
        json!([{ "code": code, "reason": "coupon_used" }])
    );

    assert!(rows(app, "SELECT 1 FROM orders").is_empty(), "nothing stored");
    assert_eq!(uses_of(app, code), (0, "issued".to_owned()));
    // Sent right, it goes through.
    admin(order("R-8", &a, Some(&chen), &[code], "13500")).await.expect(201);
}

#[tokio::test]
async fn of_fifty_orders_racing_for_one_single_use_code_exactly_one_gets_it() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let (_, personal) = issue(&app, &coupon("10 % off", json!({ "percent": "10" })), &[&chen]).await;
    let mut three = coupon("Launch: 300 off, first three", json!({ "fixed_amount": "300" }));
    three["max_uses"] = json!(3);
    let (_, shared) = issue(&app, &three, &[]).await;
    let pos = key(&app, Role::Pos, &[&a]);

    let personal_orders = (0..50).map(|i| {
        let body = order(&format!("P-{i}"), &a, Some(&chen), &[&personal[0]], "12600");
        let pos = pos.clone();
        let app = &app;
        async move { app.call("POST", "/v1/orders", Some(&pos), Some(&body)).await }
    });
    let shared_orders = (0..50).map(|i| {
        let body = order(&format!("S-{i}"), &a, None, &[&shared[0]], "13700");
        let pos = pos.clone();
        let app = &app;
        async move { app.call("POST", "/v1/orders", Some(&pos), Some(&body)).await }
    });
    let (personal_answers, shared_answers) =
        futures_util::future::join(join_all(personal_orders), join_all(shared_orders)).await;
    let count = |answers: &[clientele_tests::Answer], reason: &str| {
        let stored = answers.iter().filter(|a| a.status == 201).count();
        let refused = answers
            .iter()
            .filter(|a| {
                a.status == 409 && a.body["code"] == "coupon_refused" && a.body["coupons"][0]["reason"] == reason
            })
            .count();
        (stored, refused)
    };
    assert_eq!(count(&personal_answers, "coupon_used"), (1, 49));
    assert_eq!(count(&shared_answers, "coupon_limit_reached"), (3, 47));
    assert_eq!(uses_of(&app, &personal[0]), (1, "redeemed".to_owned()));
    assert_eq!(uses_of(&app, &shared[0]), (3, "issued".to_owned()));
    assert_eq!(rows(&app, "SELECT 1 FROM orders").len(), 4);
    assert_eq!(rows(&app, "SELECT 1 FROM coupon_uses").len(), 4);
}
