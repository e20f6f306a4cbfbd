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
