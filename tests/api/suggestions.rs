//! Next-best-product over HTTP (issue #12): the daily count of co-purchase
//! affinity, and a client's suggestions — never what they own and kept, a
//! returned item not owned — with lifts the test works out again from the
//! sales it sends; bad input named; another store's key sees nothing.

use chrono::{Days, Utc};
use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key};

fn line(id: &str, sku: &str, name: &str, category: &str) -> Value {
    json!({ "line_id": id, "sku": sku, "name": name, "category": category, "quantity": 1, "unit_price": "300" })
}

fn eye_shadow(id: &str) -> Value {
    line(id, "EYE-1", "Eye shadow", "eyes")
}

fn mascara(id: &str) -> Value {
    line(id, "MAS-1", "Mascara", "lashes")
}

fn lipstick(id: &str) -> Value {
    line(id, "LIP-1", "Lipstick", "lips")
}

#[tokio::test]
async fn suggestions_come_from_what_others_bought_with_what_the_client_kept() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let other = app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await;
    let bought_on = Utc::now().date_naive().checked_sub_days(Days::new(30)).expect("a day");
    let at = format!("{bought_on}T04:00:00Z");
    // Six clients bought eye shadow with mascara, three eye shadow alone,
    // three lipstick alone; the last bought both and returned the mascara.
    let baskets: Vec<Vec<Value>> = (0..6)
        .map(|_| vec![eye_shadow("1"), mascara("2")])
        .chain((0..3).map(|_| vec![eye_shadow("1")]))
        .chain((0..3).map(|_| vec![lipstick("1")]))
        .chain([vec![eye_shadow("1"), mascara("2")]])
        .collect();
    let mut clients = Vec::new();
    for (i, lines) in baskets.iter().enumerate() {
        let c = id_of(&app.customer(json!({ "name": format!("Client {i}"), "home_store_id": store })).await);
        let total = 300 * lines.len();
        let sale = json!({
            "source": "pos", "external_id": format!("R-{i}"), "store_id": store, "customer": { "id": c },
            "ordered_at": at, "currency": "CNY", "payment_method": "card", "amount_paid": total.to_string(),
            "lines": lines,
        });
        let sold = app.admin("POST", "/v1/orders", Some(&sale)).await.expect(201).body;
        clients.push((c, id_of(&sold)));
    }
    let (returner, order) = clients.last().cloned().expect("a client");
    let ret = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "2", "quantity": 1 }] });
    app.admin("POST", &format!("/v1/orders/{order}/returns"), Some(&ret)).await.expect(201);
    let mut conn = app.db.connect();
    let now = Utc::now();
    let report = clientele_app::suggestions::refresh_affinity(&mut conn, now.date_naive(), now, 2).expect("count");
    assert_eq!((report.orders, report.customers), (13, 13));

    // Worked out again: 13 baskets (the returned mascara is not counted),
    // eye shadow in 10, mascara in 6, both in 6.
    let (n, shadow, lashes, both) = (13.0, 10.0, 6.0, 6.0);
    let lift = both * n / (shadow * lashes);
    let crm = key(&app, Role::CrmManager, &[]);
    let (alone, _) = &clients[6];
    let path = format!("/v1/customers/{alone}/suggestions");
    let list = app.call("GET", &path, Some(&crm), None).await.expect(200).body;
    let items = list["items"].as_array().expect("items");
    let picked: Vec<(&str, &str)> =
        items.iter().map(|s| (s["level"].as_str().unwrap_or(""), s["item"].as_str().unwrap_or(""))).collect();
    assert_eq!(picked, [("category", "lashes"), ("product", "MAS-1")]);
    let mas = &items[1];
    assert!((mas["lift"].as_f64().expect("lift") - lift).abs() < 1e-12, "lift {} against {lift}", mas["lift"]);
    assert!((mas["confidence"].as_f64().expect("confidence") - both / shadow).abs() < 1e-12);
    assert_eq!((mas["shared"].as_u64(), mas["because"].as_str()), (Some(6), Some("EYE-1")));
    let day = bought_on.format("%-d %b");
    assert_eq!(
        mas["reason"].as_str(),
        Some(format!("bought Eye shadow on {day} → Mascara: bought together 1.3× more often than by chance").as_str())
    );

    // Owned and kept: nothing to add. Returned: suggested again.
    let (owner, _) = &clients[0];
    let owns = app.call("GET", &format!("/v1/customers/{owner}/suggestions"), Some(&crm), None).await.expect(200);
    assert_eq!(owns.body["items"], json!([]));
    let back = app.call("GET", &format!("/v1/customers/{returner}/suggestions?limit=1"), Some(&crm), None).await;
    let back = back.expect(200).body;
    assert_eq!(back["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(back["items"][0]["item"], "lashes");
    let by_order = app.call("GET", &format!("{path}?basis=order"), Some(&crm), None).await.expect(200).body;
    assert_eq!(by_order["items"].as_array().map(Vec::len), Some(2));

    // Bad input, scope, roles.
    assert_field(
        &app.call("GET", &format!("{path}?limit=0"), Some(&crm), None).await.expect(422),
        "limit",
        "out_of_range",
    );
    assert_field(
        &app.call("GET", &format!("{path}?basis=week"), Some(&crm), None).await.expect(422),
        "basis",
        "invalid_value",
    );
    app.call("GET", &path, Some(&key(&app, Role::StoreManager, &[&other])), None).await.expect(404);
    app.call("GET", &path, Some(&key(&app, Role::Associate, &[&store])), None).await.expect(200);
    app.call("GET", &format!("/v1/customers/{}/suggestions", uuid::Uuid::nil()), Some(&crm), None).await.expect(404);
}
