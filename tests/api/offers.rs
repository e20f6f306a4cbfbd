//! Coupons over HTTP (issue #13): defined and issued by the CRM team,
//! checked at the till against a basket — applied with the discount per
//! line, or refused with a stable reason; the programme's ceiling holds;
//! codes are typed in any case and with any separators; another store's
//! customer is not found; bad input is a 422 naming the field.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, two_stores};

fn coupon(name: &str, kind: Value) -> Value {
    json!({
        "name": name, "kind": kind,
        "valid_from": "2026-06-01T00:00:00Z", "valid_to": "2026-07-01T00:00:00Z",
    })
}

fn basket(codes: &[&str], customer: Option<&str>, at: &str) -> Value {
    json!({
        "codes": codes, "customer_id": customer, "at": at,
        "lines": [
            { "line_id": "1", "sku": "BAG-1", "category": "bags", "quantity": 1, "unit_price": "12000" },
            { "line_id": "2", "sku": "SCARF-1", "category": "scarves", "quantity": 2, "unit_price": "1000" }
        ]
    })
}

const JUNE: &str = "2026-06-15T07:00:00Z";

fn outcome(v: &Value, i: usize) -> (String, String) {
    let c = &v["codes"][i];
    (c["status"].as_str().unwrap_or("").to_owned(), c["reason"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn a_personal_code_applies_at_the_till_for_its_owner_only() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let li = id_of(&app.customer(json!({ "name": "Li Na", "home_store_id": a })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let mut bags = coupon("15 % off bags", json!({ "percent": "15" }));
    bags["min_spend"] = json!("5000");
    bags["eligibility"] = json!({ "categories": ["bags"] });
    let made = app.call("POST", "/v1/coupons", Some(&crm), Some(&bags)).await.expect(201).body;
    let id = made["id"].as_str().expect("id").to_owned();
    assert_eq!(made["definition"]["kind"]["percent"], "15");
    let issued = app
        .call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&json!({ "customers": [chen] })))
        .await
        .expect(201)
        .body;
    let code = issued["items"][0]["code"].as_str().expect("code").to_owned();
    assert_eq!(issued["items"][0]["customer_id"], chen.as_str());
    assert_eq!(issued["items"][0]["state"], "issued");
    // Issuing again keeps the customer's code.
    let again = app
        .call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&json!({ "customers": [chen] })))
        .await
        .expect(201)
        .body;
    assert_eq!(again["items"][0]["code"], code.as_str());

    let pos = key(&app, Role::Pos, &[&a]);
    // Typed as a person types it: lower case, spaces instead of hyphens.
    let typed = code.to_lowercase().replace('-', " ");
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&[&typed], Some(&chen), JUNE))).await;
    let v = v.expect(200).body;
    assert_eq!(outcome(&v, 0), ("applied".to_owned(), String::new()), "{v}");
    assert_eq!(v["applicable"], true);
    assert_eq!(v["total_discount"], "1800.00");
    assert_eq!(v["lines"][0]["discount"], "1800.00");
    assert_eq!(v["lines"][1]["discount"], "0.00");
    assert_eq!(v["codes"][0]["coupon_id"], id.as_str());

    // Someone else's code, an anonymous buyer, a code that is no code.
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&[&code], Some(&li), JUNE))).await;
    assert_eq!(outcome(&v.expect(200).body, 0).1, "coupon_not_yours");
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&[&code], None, JUNE))).await;
    assert_eq!(outcome(&v.expect(200).body, 0).1, "coupon_not_yours");
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&["NOPE-NOPE"], None, JUNE))).await;
    let v = v.expect(200).body;
    assert_eq!(outcome(&v, 0).1, "coupon_unknown");
    assert_eq!(v["applicable"], false);
    // Out of its window.
    let july = "2026-07-01T00:00:00Z";
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&[&code], Some(&chen), july))).await;
    assert_eq!(outcome(&v.expect(200).body, 0).1, "coupon_expired");
    // Below the minimum spend on bags.
    let mut small = basket(&[&code], Some(&chen), JUNE);
    small["lines"][0]["unit_price"] = json!("4000");
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&small)).await;
    assert_eq!(outcome(&v.expect(200).body, 0).1, "coupon_min_spend");
    // No bag in the basket.
    let mut scarves = basket(&[&code], Some(&chen), JUNE);
    scarves["lines"] = json!([scarves["lines"][1].clone()]);
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&scarves)).await;
    assert_eq!(outcome(&v.expect(200).body, 0).1, "coupon_not_applicable");
}

#[tokio::test]
async fn a_shared_code_is_the_brands_own_text_and_the_ceiling_holds_on_every_line() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let crm = key(&app, Role::CrmManager, &[]);
    let half = app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon("Half off", json!({ "percent": "50" })))).await;
    let id = id_of(&half.expect(201).body);
    let body = json!({ "shared": { "code": "WELCOME-10" } });
    let issued = app.call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&body)).await.expect(201).body;
    assert_eq!(issued["items"][0]["code"], "WELCOME-10");
    assert!(issued["items"][0]["customer_id"].is_null());
    // The same text again (in another spelling) is taken.
    let again = json!({ "shared": { "code": "welcome 10" } });
    app.call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&again))
        .await
        .expect_problem(409, "coupon_code_taken");
    // A random shared code.
    let random = app
        .call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&json!({ "shared": {} })))
        .await
        .expect(201)
        .body;
    assert_eq!(random["items"][0]["canonical"].as_str().map(str::len), Some(12));

    // 50 % off, but the programme's ceiling is 20 % of each line.
    let associate = key(&app, Role::Associate, &[&a]);
    let v = app.call("POST", "/v1/coupons/validate", Some(&associate), Some(&basket(&["welcome10"], None, JUNE))).await;
    let v = v.expect(200).body;
    assert_eq!(outcome(&v, 0).0, "applied", "{v}");
    assert_eq!(v["lines"][0]["discount"], "2400.00");
    assert_eq!(v["lines"][1]["discount"], "400.00");
    assert_eq!(v["total_discount"], "2800.00");
    assert_eq!(v["codes"][0]["applied"]["capped"], true);
    assert_eq!(v["codes"][0]["applied"]["cut_by_ceiling"], "4200.00");

    // A lower ceiling for the programme applies at the next validation.
    let ten = json!({ "discount_ceiling": "10" });
    let saved = app.call("PUT", "/v1/offers/settings", Some(&crm), Some(&ten)).await.expect(200).body;
    assert_eq!((saved["version"].as_i64(), saved["config"]["release_on_return"].as_bool()), (Some(1), Some(true)));
    let v = app.call("POST", "/v1/coupons/validate", Some(&associate), Some(&basket(&["welcome10"], None, JUNE))).await;
    assert_eq!(v.expect(200).body["total_discount"], "1400.00");
    let absurd = json!({ "discount_ceiling": "120" });
    let refused = app.call("PUT", "/v1/offers/settings", Some(&crm), Some(&absurd)).await.expect(422);
    assert_field(&refused, "discount_ceiling", "invalid_type");
    let store_manager = key(&app, Role::StoreManager, &[&a]);
    app.call("GET", "/v1/offers/settings", Some(&store_manager), None).await.expect_problem(403, "forbidden");

    let codes = app.call("GET", &format!("/v1/coupons/{id}/codes?limit=1"), Some(&crm), None).await.expect(200).body;
    assert_eq!(codes["items"].as_array().map(Vec::len), Some(1));
    let after = codes["next_after"].as_str().expect("a next page");
    let rest = app.call("GET", &format!("/v1/coupons/{id}/codes?after={after}"), Some(&crm), None).await;
    assert_eq!(rest.expect(200).body["items"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn coupons_are_the_crm_teams_and_the_till_sees_only_its_stores_customers() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let theirs = id_of(&app.customer(json!({ "name": "Rossi", "home_store_id": b })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let id = id_of(
        &app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon("10", json!({ "percent": "10" }))))
            .await
            .expect(201)
            .body,
    );
    for (role, stores) in [(Role::StoreManager, vec![a.as_str()]), (Role::Pos, vec![]), (Role::Analyst, vec![])] {
        let k = key(&app, role, &stores);
        app.call("POST", "/v1/coupons", Some(&k), Some(&coupon("x", json!({ "percent": "10" }))))
            .await
            .expect_problem(403, "forbidden");
        app.call("GET", &format!("/v1/coupons/{id}"), Some(&k), None).await.expect_problem(403, "forbidden");
    }
    let pos = key(&app, Role::Pos, &[&a]);
    app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&["ANY-CODE"], Some(&theirs), JUNE)))
        .await
        .expect_problem(404, "not_found");
    // Issuing to a customer who does not exist is refused by field.
    let body = json!({ "customers": [theirs, "00000000-0000-0000-0000-000000000001"] });
    let refused = app.call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&body)).await;
    assert_field(&refused.expect(422), "customers[1]", "unknown_reference");
    app.call("GET", "/v1/coupons/00000000-0000-0000-0000-000000000001", Some(&crm), None)
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn bad_coupons_and_baskets_are_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let crm = key(&app, Role::CrmManager, &[]);
    let post = |body: Value| {
        let (app, crm) = (&app, &crm);
        async move { app.call("POST", "/v1/coupons", Some(crm), Some(&body)).await.expect(422) }
    };
    assert_field(&post(coupon("both", json!({ "percent": "10", "fixed_amount": "5" }))).await, "kind", "invalid_value");
    assert_field(&post(coupon("zero", json!({ "percent": "0" }))).await, "kind.percent", "out_of_range");
    let mut backwards = coupon("backwards", json!({ "fixed_amount": "500" }));
    backwards["valid_to"] = json!("2026-05-01T00:00:00Z");
    assert_field(&post(backwards).await, "valid_to", "out_of_range");
    let mut tier = coupon("tier", json!({ "percent": "10" }));
    tier["eligibility"] = json!({ "tiers": ["S9"] });
    assert_field(&post(tier).await, "eligibility.tiers[0]", "invalid_format");
    let mut campaign = coupon("campaign", json!({ "percent": "10" }));
    campaign["campaign_id"] = json!("00000000-0000-0000-0000-000000000001");
    assert_field(&post(campaign).await, "campaign_id", "unknown_reference");
    assert_field(&post(coupon("", json!({ "percent": "10" }))).await, "name", "required");

    let pos = key(&app, Role::Pos, &[]);
    let mut negative = basket(&["ANY-CODE"], None, JUNE);
    negative["lines"][1]["unit_price"] = json!("-1");
    let refused = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&negative)).await.expect(422);
    assert_field(&refused, "lines[1].unit_price", "out_of_range");
    let none = basket(&[], None, JUNE);
    let refused = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&none)).await.expect(422);
    assert_field(&refused, "codes", "invalid_length");
}

#[tokio::test]
async fn a_brands_codes_are_imported_from_csv_once_each_with_every_refusal_by_line() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await;
    let li = app.customer(json!({ "name": "Li Na", "home_store_id": a })).await;
    let (chen_no, li_id) = (chen["member_no"].as_str().expect("member_no").to_owned(), id_of(&li));
    let crm = key(&app, Role::CrmManager, &[]);
    let card = id_of(
        &app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon("Card", json!({ "percent": "10" }))))
            .await
            .expect(201)
            .body,
    );
    let other = id_of(
        &app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon("Other", json!({ "percent": "5" }))))
            .await
            .expect(201)
            .body,
    );
    let body = json!({ "shared": { "code": "TAKEN-1" } });
    app.call("POST", &format!("/v1/coupons/{other}/codes"), Some(&crm), Some(&body)).await.expect(201);

    let csv = format!(
        "code,member_no,customer_id\n\
         card-0001,{chen_no},\n\
         CARD 0002,,{li_id}\n\
         SPRING26,,\n\
         taken-1,,\n\
         no!,,\n\
         CARD-0003,M-NOBODY,\n\
         CARD-0004,{chen_no},{li_id}\n\
         CARD-0005,{chen_no},\n"
    );
    let ctx = clientele_store::AuditContext::system(chrono::Utc::now());
    let card_id: uuid::Uuid = card.parse().expect("uuid");
    let run = |csv: String| {
        let mut conn = app.db.connect();
        clientele_app::coupon_import::import_coupon_codes(&mut conn, card_id, (csv.as_bytes(), None), false, &ctx)
            .expect("import")
    };
    let first = run(csv.clone());
    assert_eq!((first.rows, first.issued, first.already_present), (8, 3, 0), "{first:?}");
    let refused: Vec<(u64, &str)> = first.errors.iter().map(|e| (e.line, e.field.as_str())).collect();
    assert_eq!(refused, [(5, "code"), (6, "code"), (7, "member_no"), (8, "member_no"), (9, "member_no")]);
    // Again: nothing new, the same refusals.
    let second = run(csv);
    assert_eq!((second.issued, second.already_present, second.errors.len()), (0, 3, 5), "{second:?}");

    let codes = app.call("GET", &format!("/v1/coupons/{card}/codes"), Some(&crm), None).await.expect(200).body;
    let shown: Vec<(&str, Option<&str>)> = codes["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| (c["code"].as_str().unwrap_or(""), c["customer_id"].as_str()))
        .collect();
    assert_eq!(shown.len(), 3);
    assert!(shown.contains(&("card-0001", Some(id_of(&chen).as_str()))), "{shown:?}");
    assert!(shown.contains(&("CARD 0002", Some(li_id.as_str()))), "{shown:?}");
    assert!(shown.contains(&("SPRING26", None)), "{shown:?}");
    // The imported personal code works at the till for its owner.
    let pos = key(&app, Role::Pos, &[&a]);
    let v = app
        .call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&["CARD-0001"], Some(&id_of(&chen)), JUNE)))
        .await;
    assert_eq!(outcome(&v.expect(200).body, 0).0, "applied");
}

#[tokio::test]
async fn the_till_shows_a_members_usable_coupons_soonest_to_end_first() {
    let app = TestApp::spawn().await;
    let (a, b) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let rossi = id_of(&app.customer(json!({ "name": "Rossi", "home_store_id": b })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let define = |name: &str, valid_to: &str, tiers: Value| {
        let mut c = coupon(name, json!({ "percent": "10" }));
        c["valid_from"] = json!("2020-01-01T00:00:00Z");
        c["valid_to"] = json!(valid_to);
        c["eligibility"] = json!({ "tiers": tiers });
        c
    };
    for (name, valid_to, tiers) in [
        ("Later", "2100-01-01T00:00:00Z", json!([])),
        ("Sooner", "2099-01-01T00:00:00Z", json!([])),
        ("Ended", "2021-01-01T00:00:00Z", json!([])),
        ("Top tier only", "2100-01-01T00:00:00Z", json!(["S6"])),
    ] {
        let id = id_of(
            &app.call("POST", "/v1/coupons", Some(&crm), Some(&define(name, valid_to, tiers))).await.expect(201).body,
        );
        let body = json!({ "customers": [chen] });
        app.call("POST", &format!("/v1/coupons/{id}/codes"), Some(&crm), Some(&body)).await.expect(201);
    }
    let pos = key(&app, Role::Pos, &[&a]);
    let offers = app.call("GET", &format!("/v1/customers/{chen}/offers"), Some(&pos), None).await.expect(200).body;
    let shown: Vec<&str> =
        offers["coupons"].as_array().expect("coupons").iter().filter_map(|c| c["name"].as_str()).collect();
    assert_eq!(shown, ["Sooner", "Later"], "{offers}");
    assert_eq!(offers["coupons"][0]["uses_left"], 1);
    assert_eq!(offers["coupons"][0]["valid_to"], "2099-01-01T00:00:00Z");
    // Another store's customer, and an analyst (not at the till).
    app.call("GET", &format!("/v1/customers/{rossi}/offers"), Some(&pos), None).await.expect_problem(404, "not_found");
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("GET", &format!("/v1/customers/{chen}/offers"), Some(&analyst), None)
        .await
        .expect_problem(403, "forbidden");
}

#[tokio::test]
async fn a_voided_code_applies_no_more_and_is_voided_once() {
    let app = TestApp::spawn().await;
    let (a, _) = two_stores(&app).await;
    let chen = id_of(&app.customer(json!({ "name": "Chen Jie", "home_store_id": a })).await);
    let crm = key(&app, Role::CrmManager, &[]);
    let mut made = Vec::new();
    for name in ["Ten", "Other"] {
        let body = app.call("POST", "/v1/coupons", Some(&crm), Some(&coupon(name, json!({ "percent": "10" })))).await;
        made.push(id_of(&body.expect(201).body));
    }
    let body = json!({ "customers": [chen] });
    let issued = app.call("POST", &format!("/v1/coupons/{}/codes", made[0]), Some(&crm), Some(&body)).await;
    let code = issued.expect(201).body["items"][0]["code"].as_str().expect("code").to_owned();
    let void = |coupon: &str, code: &str| format!("/v1/coupons/{coupon}/codes/{}/void", code.to_lowercase());

    let associate = key(&app, Role::Associate, &[&a]);
    app.call("POST", &void(&made[0], &code), Some(&associate), None).await.expect_problem(403, "forbidden");
    app.call("POST", &void(&made[1], &code), Some(&crm), None).await.expect_problem(404, "not_found");
    let voided = app.call("POST", &void(&made[0], &code), Some(&crm), None).await.expect(200).body;
    assert_eq!(voided["state"], "void");
    let again = app.call("POST", &void(&made[0], &code), Some(&crm), None).await.expect_problem(409, "coupon_state");
    assert_eq!(again.body["state"], "void");

    let pos = key(&app, Role::Pos, &[&a]);
    let v = app.call("POST", "/v1/coupons/validate", Some(&pos), Some(&basket(&[&code], Some(&chen), JUNE))).await;
    assert_eq!(outcome(&v.expect(200).body, 0).1, "coupon_void");
}
