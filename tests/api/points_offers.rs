//! Points offers over HTTP (issue #13): a multiplier week and a bonus,
//! defined by the CRM team, earned by members' orders in their window on
//! qualifying lines — recorded on their own ledger entry with the campaign
//! as source, no growth value — and taken back exactly by returns.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, rows, two_stores};

fn order(external_id: &str, store: &str, customer: Option<&str>, at: &str) -> Value {
    json!({
        "source": "pos", "external_id": external_id, "store_id": store, "ordered_at": at,
        "customer": customer.map(|c| json!({ "id": c })),
        "currency": "CNY", "payment_method": "card", "amount_paid": "14000",
        "lines": [
            { "line_id": "1", "sku": "BAG-1", "category": "bags", "quantity": 3, "unit_price": "4000" },
            { "line_id": "2", "sku": "SCARF-1", "category": "scarves", "quantity": 2, "unit_price": "1000" }
        ]
    })
}

const IN_THE_WEEK: &str = "2026-11-03T10:00:00Z";

#[tokio::test]
async fn a_double_points_week_on_bags_earns_its_points_on_their_own_entry_and_returns_take_them_back_exactly() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let campaign = json!({
        "name": "Double points on bags", "audience": {"tier": ["S1", "S2", "S3", "S4", "S5", "S6"]}, "schedule": {"once": {}},
        "channel": "sms", "action": {"message": {"template": "double_points"}},
    });
    let campaign_id = id_of(&app.call("POST", "/v1/campaigns", Some(&crm), Some(&campaign)).await.expect(201).body);
    let week = json!({
        "name": "Double points week on bags", "campaign_id": campaign_id,
        "kind": { "multiplier": "2" }, "eligibility": { "categories": ["bags"] },
        "valid_from": "2026-11-02T00:00:00Z", "valid_to": "2026-11-09T00:00:00Z",
    });
    let made = app.call("POST", "/v1/points-offers", Some(&crm), Some(&week)).await.expect(201).body;
    assert_eq!(made["ledger_source"], format!("campaign {campaign_id}"));
    let listed = app.call("GET", "/v1/points-offers?active_at=2026-11-05T00:00:00Z", Some(&crm), None).await;
    assert_eq!(listed.expect(200).body["items"][0]["id"], made["id"]);

    // 12,000 of bags and 2,000 of scarves: 14,000 points, and 12,000 more.
    let pos = key(&app, Role::Pos, &[&a]);
    let created = app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-1", &a, Some(&chen), IN_THE_WEEK))).await;
    let created = created.expect(201).body;
    assert_eq!((created["points_earned"].as_i64(), created["growth_earned"].as_i64()), (Some(26_000), Some(14_000)));
    assert_eq!(
        (created["lines"][0]["points"].as_i64(), created["lines"][1]["points"].as_i64()),
        (Some(24_000), Some(2_000))
    );
    let entries = rows(
        &app,
        &format!(
            "SELECT kind, points::bigint AS points, growth::bigint AS growth, source_kind, source->>'id' AS source_id FROM ledger WHERE customer_id = '{chen}' ORDER BY entry_no"
        ),
    );
    assert_eq!(entries.len(), 2, "{entries:?}");
    assert_eq!(
        (&entries[0]["kind"], &entries[0]["points"], &entries[0]["growth"]),
        (&json!("earn_order"), &json!(14_000), &json!(14_000))
    );
    assert_eq!(
        (&entries[1]["kind"], &entries[1]["points"], &entries[1]["growth"]),
        (&json!("earn_activity"), &json!(12_000), &json!(0))
    );
    assert_eq!(entries[1]["source_kind"], "activity");
    assert_eq!(entries[1]["source_id"], format!("campaign {campaign_id}"));

    // One bag of three back: a third of its 12,000 and a third of the 12,000 the week gave.
    let id = id_of(&created);
    let one = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "1", "quantity": 1 }] });
    let back = app.call("POST", &format!("/v1/orders/{id}/returns"), Some(&pos), Some(&one)).await.expect(201).body;
    assert_eq!(back["order"]["returns"][0]["points_taken"], 8_000);
    assert_eq!(back["order"]["returns"][0]["growth_taken"], 4_000);
    let rest = json!({ "source": "pos", "external_id": "RET-2", "lines": [{ "line_id": "1", "quantity": 2 }, { "line_id": "2", "quantity": 2 }] });
    app.call("POST", &format!("/v1/orders/{id}/returns"), Some(&pos), Some(&rest)).await.expect(201);
    let loyalty = app.admin("GET", &format!("/v1/customers/{chen}/loyalty"), None).await.expect(200).body;
    assert_eq!((loyalty["points"].as_i64(), loyalty["growth_value"].as_i64()), (Some(0), Some(0)), "all taken back");

    // Outside the week, or an anonymous buyer: nothing more.
    let after =
        app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-2", &a, Some(&chen), "2026-11-09T00:00:00Z"))).await;
    assert_eq!(after.expect(201).body["points_earned"], 14_000);
    let walk_in = app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-3", &a, None, IN_THE_WEEK))).await;
    assert_eq!(walk_in.expect(201).body["points_earned"], 0);
}

#[tokio::test]
async fn a_bonus_needs_its_minimum_spend_and_tier_and_bad_offers_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let bonus = json!({
        "name": "500 points from 10,000", "kind": { "bonus": 500 }, "min_spend": "10000",
        "valid_from": "2026-11-01T00:00:00Z", "valid_to": "2026-12-01T00:00:00Z",
    });
    app.call("POST", "/v1/points-offers", Some(&crm), Some(&bonus)).await.expect(201);
    let mut top_only = bonus.clone();
    top_only["name"] = json!("S6 only");
    top_only["eligibility"] = json!({ "tiers": ["S6"] });
    app.call("POST", "/v1/points-offers", Some(&crm), Some(&top_only)).await.expect(201);

    let pos = key(&app, Role::Pos, &[&a]);
    let created = app.call("POST", "/v1/orders", Some(&pos), Some(&order("R-1", &a, Some(&chen), IN_THE_WEEK))).await;
    let body = created.expect(201).body;
    // 14,000 + the bonus split 12,000 : 2,000 (S1: not the S6 offer).
    assert_eq!(body["points_earned"], 14_500);
    assert_eq!((body["lines"][0]["points"].as_i64(), body["lines"][1]["points"].as_i64()), (Some(12_429), Some(2_071)));
    let mut small = order("R-2", &a, Some(&chen), IN_THE_WEEK);
    small["lines"] =
        json!([{ "line_id": "1", "sku": "BAG-1", "category": "bags", "quantity": 1, "unit_price": "9999" }]);
    small["amount_paid"] = json!("9999");
    assert_eq!(app.call("POST", "/v1/orders", Some(&pos), Some(&small)).await.expect(201).body["points_earned"], 9_999);

    // Bad definitions, and the till may not define one.
    let call = |body: Value| {
        let crm = crm.clone();
        let app = &app;
        async move { app.call("POST", "/v1/points-offers", Some(&crm), Some(&body)).await }
    };
    let mut both = bonus.clone();
    both["kind"] = json!({ "bonus": 5, "multiplier": "2" });
    assert_field(&call(both).await, "kind", "invalid_value");
    let mut zero = bonus.clone();
    zero["kind"] = json!({ "bonus": 0 });
    assert_field(&call(zero).await, "kind.bonus", "out_of_range");
    let mut backwards = bonus.clone();
    backwards["valid_to"] = json!("2026-10-01T00:00:00Z");
    assert_field(&call(backwards).await, "valid_to", "out_of_range");
    let mut unknown = bonus.clone();
    unknown["campaign_id"] = json!("0193a000-0000-7000-8000-000000000000");
    assert_field(&call(unknown).await, "campaign_id", "unknown_reference");
    app.call("POST", "/v1/points-offers", Some(&pos), Some(&bonus)).await.expect_problem(403, "forbidden");
    app.call("GET", "/v1/points-offers/nope", Some(&crm), None).await.expect_problem(404, "not_found");
}
