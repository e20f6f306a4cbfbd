//! Gifts with purchase over HTTP (issue #13): a beauty sample given to the
//! orders whose beauty lines reach the minimum spend after every discount,
//! shown on the order for the associate to hand over.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, rows, two_stores};

fn order(external_id: &str, store: &str, customer: Option<&str>, beauty: &str, discount: &str, paid: &str) -> Value {
    json!({
        "source": "pos", "external_id": external_id, "store_id": store,
        "customer": customer.map(|c| json!({ "id": c })),
        "currency": "CNY", "payment_method": "card", "amount_paid": paid,
        "lines": [
            { "line_id": "1", "sku": "BT-CREAM", "category": "beauty", "quantity": 1, "unit_price": beauty, "discount": discount },
            { "line_id": "2", "sku": "SCARF-1", "category": "scarves", "quantity": 1, "unit_price": "2000" }
        ]
    })
}

#[tokio::test]
async fn a_beauty_sample_goes_with_the_orders_that_spend_enough_on_beauty_after_discounts() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let sample = json!({
        "name": "Serum sample from 1,000 of beauty", "sku": "BT-SERUM-5ML", "gift_name": "Serum 5 ml",
        "unit_cost": "35", "quantity": 2, "min_spend": "1000", "eligibility": { "categories": ["beauty"] },
        "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z",
    });
    let made = app.call("POST", "/v1/gift-offers", Some(&crm), Some(&sample)).await.expect(201).body;
    let pos = key(&app, Role::Pos, &[&a]);
    // The till sees the sample before the order: BEAUTY200 leaves 1,000 of beauty.
    let shared = json!({ "name": "200 off beauty", "kind": { "fixed_amount": "200" },
        "eligibility": { "categories": ["beauty"] }, "valid_from": "2026-01-01T00:00:00Z", "valid_to": "2100-01-01T00:00:00Z" });
    let coupon = id_of(&app.call("POST", "/v1/coupons", Some(&crm), Some(&shared)).await.expect(201).body);
    let code = json!({ "shared": { "code": "BEAUTY200" } });
    app.call("POST", &format!("/v1/coupons/{coupon}/codes"), Some(&crm), Some(&code)).await.expect(201);
    let basket = |price: &str| {
        json!({ "codes": ["BEAUTY200"], "lines": [
        { "line_id": "1", "sku": "BT-CREAM", "category": "beauty", "quantity": 1, "unit_price": price }] })
    };
    let checked = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket("1200"))).await.expect(200).body;
    assert_eq!(checked["gifts"][0]["sku"], "BT-SERUM-5ML", "{checked}");
    let checked = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket("1199"))).await.expect(200).body;
    assert_eq!(checked["gifts"], json!([]), "999 after the coupon: {checked}");

    let given =
        app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-1", &a, Some(&chen), "1200", "0", "3200"))).await;
    let given = given.expect(201).body;
    assert_eq!(
        given["gifts"],
        json!([{ "gift_offer_id": made["id"], "sku": "BT-SERUM-5ML", "name": "Serum 5 ml", "quantity": 2 }])
    );
    // A resend shows what was given, and gives nothing more.
    let again =
        app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-1", &a, Some(&chen), "1200", "0", "3200"))).await;
    assert_eq!(again.expect(200).body["gifts"][0]["quantity"], 2);
    assert_eq!(rows(&app, "SELECT 1 FROM order_gifts").len(), 1);
    // Marked down below 1,000 of beauty: no sample. A walk-in who spends enough: a sample.
    let marked =
        app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-2", &a, Some(&chen), "1200", "201", "2999"))).await;
    assert_eq!(marked.expect(201).body["gifts"], json!([]));
    let walk_in = app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-3", &a, None, "1000", "0", "3000"))).await;
    assert_eq!(walk_in.expect(201).body["gifts"][0]["sku"], "BT-SERUM-5ML");
    let cost = rows(&app, "SELECT sum(quantity * unit_cost)::text AS cost FROM order_gifts");
    assert_eq!(cost[0]["cost"], "140.00", "two orders, two samples each at 35");

    // Bad definitions name the field; the till may not define one.
    let mut bad = sample.clone();
    bad["gift_name"] = json!("");
    bad["quantity"] = json!(0);
    let refused = app.call("POST", "/v1/gift-offers", Some(&crm), Some(&bad)).await;
    assert_field(&refused, "gift_name", "required");
    assert_field(&refused, "quantity", "out_of_range");
    app.call("POST", "/v1/gift-offers", Some(&pos), Some(&sample)).await.expect_problem(403, "forbidden");
    let listed = app.call("GET", "/v1/gift-offers", Some(&crm), None).await.expect(200).body;
    assert_eq!(listed["items"][0]["id"], made["id"]);
}

#[tokio::test]
async fn the_dry_run_costs_the_campaigns_coupon_gift_and_points_offer_at_the_redemption_rate_given() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let campaign = json!({
        "name": "Autumn thank you", "audience": {"tier": ["S1", "S2", "S3", "S4", "S5", "S6"]},
        "schedule": {"once": {}}, "channel": "wechat", "action": {"message": {"template": "thanks"}},
    });
    let id = id_of(&app.call("POST", "/v1/campaigns", Some(&crm), Some(&campaign)).await.expect(201).body);
    let window = ("2026-01-01T00:00:00Z", "2100-01-01T00:00:00Z");
    let coupon = json!({ "name": "500 off", "campaign_id": id, "kind": { "fixed_amount": "500" }, "valid_from": window.0, "valid_to": window.1 });
    app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon)).await.expect(201);
    let gift = json!({ "name": "Two samples", "campaign_id": id, "sku": "BT-SERUM-5ML", "gift_name": "Serum 5 ml",
        "unit_cost": "35", "quantity": 2, "valid_from": window.0, "valid_to": window.1 });
    app.call("POST", "/v1/gift-offers", Some(&crm), Some(&gift)).await.expect(201);
    let bonus = json!({ "name": "1,000 points", "campaign_id": id, "kind": { "bonus": 1000 }, "valid_from": window.0, "valid_to": window.1 });
    app.call("POST", "/v1/points-offers", Some(&crm), Some(&bonus)).await.expect(201);

    let path = format!("/v1/campaigns/{id}/dry-run");
    let run = app.call("POST", &path, Some(&crm), Some(&json!({ "redemption_rate": 0.5 }))).await.expect(200).body;
    let cost = &run["offer_cost"];
    let redemptions = run["to_contact"].as_u64().expect("to_contact") / 2;
    assert!(redemptions > 0, "{run}");
    let offers = cost["offers"].as_array().expect("offers");
    let kinds: Vec<&str> = offers.iter().filter_map(|o| o["kind"].as_str()).collect();
    assert_eq!(kinds, ["coupon", "points_offer", "gift_offer"]);
    assert!(offers.iter().all(|o| o["expected_redemptions"].as_u64() == Some(redemptions)));
    let dec = |v: &Value| v.as_str().and_then(|s| s.parse::<rust_decimal::Decimal>().ok()).expect("a decimal");
    // The coupon: 500, or less when the average spend or the 20 % ceiling is lower.
    let coupon_unit = dec(&offers[0]["unit_cost"]);
    let spend = dec(&cost["average_spend"]);
    assert!(coupon_unit > rust_decimal::Decimal::ZERO && coupon_unit <= rust_decimal::Decimal::from(500), "{cost}");
    assert!(coupon_unit <= spend * rust_decimal::Decimal::new(2, 1), "{cost}");
    // The programme sets no value per point: the points offer costs nothing here.
    assert!(cost["cost_per_point"].is_null());
    assert_eq!(offers[1]["unit_cost"], "0");
    assert_eq!(offers[2]["unit_cost"], "70");
    let total: rust_decimal::Decimal = offers.iter().map(|o| dec(&o["expected_cost"])).sum();
    assert_eq!(dec(&cost["total"]), total);
    assert_eq!(dec(&offers[2]["expected_cost"]), rust_decimal::Decimal::from(70 * redemptions));
    let bad = app.call("POST", &path, Some(&crm), Some(&json!({ "redemption_rate": 1.5 }))).await;
    assert_field(&bad, "redemption_rate", "out_of_range");
}
