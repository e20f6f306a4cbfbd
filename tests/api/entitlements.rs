//! Tier benefits as entitlements over HTTP (issue #13): counted per tier
//! and period in the programme's offer settings, drawn down at the till,
//! refused `entitlement_used_up` when none is left — also when tills draw
//! at once — and shown with the member's offers.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use futures_util::future::join_all;
use serde_json::json;

use crate::helpers::{id_of, key, two_stores};

#[tokio::test]
async fn two_cleanings_a_year_are_two_however_many_tills_ask_and_a_tier_without_the_gift_has_none() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let settings = json!({
        "entitlements": [
            { "benefit": "jewelry_cleaning", "period": "calendar_year", "per_tier": { "S1": 2, "S5": 4 }, "unit_cost": "120" },
            { "benefit": "birthday_gift", "period": "member_year", "per_tier": { "S2": 1, "S3": 1 } }
        ]
    });
    app.admin("PUT", "/v1/offers/settings", Some(&settings)).await.expect(200);
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let li = id_of(&app.customer(json!({ "name": "Li Na", "home_store_id": a })).await);
    let pos = key(&app, Role::Pos, &[&a]);
    let draw = |who: &str, benefit: &str, body: serde_json::Value| {
        let (pos, app, path) = (pos.clone(), &app, format!("/v1/customers/{who}/entitlements/{benefit}/uses"));
        async move { app.call("POST", &path, Some(&pos), Some(&body)).await }
    };

    let first = draw(&chen, "jewelry_cleaning", json!({ "store_id": a, "source": "pos", "external_id": "C-1" })).await;
    let first = first.expect(201).body;
    assert_eq!(
        (first["allowed"].as_u64(), first["used"].as_u64(), first["left"].as_u64()),
        (Some(2), Some(1), Some(1))
    );
    // The same draw again: the same, nothing more drawn.
    let again = draw(&chen, "jewelry_cleaning", json!({ "store_id": a, "source": "pos", "external_id": "C-1" })).await;
    assert_eq!(again.expect(200).body["left"], 1);
    let offers = app.call("GET", &format!("/v1/customers/{chen}/offers"), Some(&pos), None).await.expect(200).body;
    assert_eq!(offers["entitlements"][0]["benefit"], "jewelry_cleaning", "{offers}");
    assert_eq!(offers["entitlements"][0]["left"], 1);
    assert_eq!(
        (offers["entitlements"][1]["benefit"].as_str(), offers["entitlements"][1]["allowed"].as_u64()),
        (Some("birthday_gift"), Some(0))
    );
    draw(&chen, "jewelry_cleaning", json!({})).await.expect(201);
    let used_up = draw(&chen, "jewelry_cleaning", json!({})).await;
    assert_eq!(used_up.expect_problem(409, "entitlement_used_up").body["benefit"], "jewelry_cleaning");
    // S1 has no birthday gift; an unknown benefit; another store's key.
    draw(&chen, "birthday_gift", json!({})).await.expect_problem(409, "entitlement_used_up");
    draw(&chen, "spa_day", json!({})).await.expect_problem(404, "not_found");
    let milan = key(&app, Role::Pos, &[&b]);
    let path = format!("/v1/customers/{chen}/entitlements/jewelry_cleaning/uses");
    app.call("POST", &path, Some(&milan), Some(&json!({}))).await.expect_problem(404, "not_found");
    crate::helpers::assert_field(
        &draw(&li, "jewelry_cleaning", json!({ "store_id": b })).await,
        "store_id",
        "not_allowed",
    );

    // Ten tills at once for a member with two: two get one.
    let asks = (0..10).map(|_| draw(&li, "jewelry_cleaning", json!({ "store_id": a })));
    let answers = join_all(asks).await;
    let given = answers.iter().filter(|a| a.status == 201).count();
    let refused = answers.iter().filter(|a| a.status == 409 && a.body["code"] == "entitlement_used_up").count();
    assert_eq!((given, refused), (2, 8));
}
