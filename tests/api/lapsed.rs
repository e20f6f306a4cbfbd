//! The store manager's lapsed list (issue #12), set against a list worked
//! out in the test from the orders it sends: bought at the store in the
//! comparison period (an order counts unless wholly returned; worth what
//! was paid less what was refunded), not at the store in the period;
//! anonymous sales and other stores' clients left out; by spend, paged.

use std::collections::BTreeMap;

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, person};

struct Sale {
    who: Option<usize>,
    store: usize,
    day: &'static str,
    amount: &'static str,
    /// Units of the one line returned (of 2).
    returned: u32,
}

const SALES: &[Sale] = &[
    Sale { who: Some(0), store: 0, day: "2025-03-10", amount: "1000", returned: 0 },
    Sale { who: Some(1), store: 0, day: "2025-03-05", amount: "500", returned: 0 },
    Sale { who: Some(1), store: 0, day: "2026-03-15", amount: "700", returned: 0 },
    Sale { who: Some(2), store: 0, day: "2025-03-20", amount: "3000", returned: 0 },
    Sale { who: Some(2), store: 1, day: "2026-03-10", amount: "100", returned: 0 },
    Sale { who: Some(3), store: 0, day: "2025-03-12", amount: "800", returned: 2 },
    Sale { who: Some(4), store: 0, day: "2025-03-01", amount: "2000", returned: 1 },
    Sale { who: Some(4), store: 0, day: "2025-03-31", amount: "400", returned: 0 },
    Sale { who: Some(5), store: 1, day: "2025-03-11", amount: "900", returned: 0 },
    Sale { who: None, store: 0, day: "2025-03-11", amount: "5000", returned: 0 },
    Sale { who: Some(6), store: 0, day: "2025-02-28", amount: "9000", returned: 0 },
    Sale { who: Some(7), store: 0, day: "2026-03-02", amount: "50", returned: 2 },
    Sale { who: Some(7), store: 0, day: "2025-03-02", amount: "60", returned: 0 },
];

/// The list as the issue defines it, from `SALES`: (customer index, orders,
/// net spend in cents), most spent first.
fn expected(store: usize, period: (&str, &str), compare: (&str, &str)) -> Vec<(usize, i64, i64)> {
    let counts = |s: &Sale| s.returned < 2;
    let cents = |s: &Sale| {
        let paid: i64 = s.amount.parse::<i64>().expect("amount") * 100;
        paid - paid * i64::from(s.returned) / 2
    };
    let in_period = |d: &str, p: (&str, &str)| p.0 <= d && d <= p.1;
    let mut before: BTreeMap<usize, (i64, i64)> = BTreeMap::new();
    for s in SALES.iter().filter(|s| s.store == store && counts(s) && in_period(s.day, compare)) {
        if let Some(who) = s.who {
            let e = before.entry(who).or_default();
            e.0 += 1;
            e.1 += cents(s);
        }
    }
    let bought_now = |who: usize| {
        SALES.iter().any(|s| s.who == Some(who) && s.store == store && counts(s) && in_period(s.day, period))
    };
    let mut list: Vec<(usize, i64, i64)> =
        before.into_iter().filter(|(w, _)| !bought_now(*w)).map(|(w, (n, c))| (w, n, c)).collect();
    list.sort_by_key(|(_, _, c)| std::cmp::Reverse(*c));
    list
}

async fn sell(app: &TestApp, n: usize, s: &Sale, stores: &[String], customers: &[String]) {
    let unit = format!("{}.00", s.amount.parse::<i64>().expect("amount") / 2);
    let body = json!({
        "source": "pos", "external_id": format!("S-{n}"), "store_id": stores[s.store],
        "customer": s.who.map(|w| json!({ "id": customers[w] })),
        "ordered_at": format!("{}T04:00:00Z", s.day), "currency": "CNY",
        "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": 2, "unit_price": unit }],
        "amount_paid": format!("{}.00", s.amount), "payment_method": "card"
    });
    let sold = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body;
    if s.returned > 0 {
        let ret = json!({ "source": "pos", "external_id": format!("R-{n}"), "returned_at": format!("{}T05:00:00Z", s.day),
                          "lines": [{ "line_id": "1", "quantity": s.returned }] });
        app.admin("POST", &format!("/v1/orders/{}/returns", id_of(&sold)), Some(&ret)).await.expect(201);
    }
}

fn cents(v: &Value) -> i64 {
    let s = v.as_str().expect("a decimal string");
    (s.parse::<f64>().expect("decimal") * 100.0).round() as i64
}

#[tokio::test]
async fn the_lapsed_list_is_who_bought_here_then_and_not_now() {
    let app = TestApp::spawn().await;
    let stores = vec![
        app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await,
        app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await,
    ];
    let mut customers = Vec::new();
    for i in 0..8 {
        customers.push(id_of(&app.customer(person(&format!("Client {i}"), &format!("1381234560{i}"))).await));
    }
    for (n, s) in SALES.iter().enumerate() {
        sell(&app, n, s, &stores, &customers).await;
    }
    let manager = key(&app, Role::StoreManager, &[&stores[0]]);
    let path = format!("/v1/analytics/stores/{}/lapsed", stores[0]);
    let page = app.call("GET", &format!("{path}?from=2026-03-01&to=2026-03-31"), Some(&manager), None).await;
    let page = page.expect(200).body;
    assert_eq!((page["compare_from"].as_str(), page["compare_to"].as_str()), (Some("2025-03-01"), Some("2025-03-31")));
    let got: Vec<(String, i64, i64)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["customer_id"].as_str().unwrap_or("").to_owned(),
                i["orders_before"].as_i64().unwrap_or(-1),
                cents(&i["spent_before"]),
            )
        })
        .collect();
    let want: Vec<(String, i64, i64)> = expected(0, ("2026-03-01", "2026-03-31"), ("2025-03-01", "2025-03-31"))
        .into_iter()
        .map(|(w, n, c)| (customers[w].clone(), n, c))
        .collect();
    assert_eq!(got, want);
    assert!(!want.is_empty());
    let first = &page["items"][0];
    assert_eq!(first["customer_id"].as_str(), Some(customers[2].as_str()));
    assert_eq!(
        (first["last_purchase_here"].as_str(), first["last_purchase"].as_str()),
        (Some("2025-03-20"), Some("2026-03-10"))
    );

    // Another comparison period, a page at a time.
    let wide = "from=2026-03-01&to=2026-03-31&compare_from=2025-02-01&compare_to=2025-03-31";
    let want = expected(0, ("2026-03-01", "2026-03-31"), ("2025-02-01", "2025-03-31"));
    let mut got = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}?{wide}&limit=1&cursor={c}"),
            None => format!("{path}?{wide}&limit=1"),
        };
        let page = app.call("GET", &url, Some(&manager), None).await.expect(200).body;
        got.extend(
            page["items"].as_array().expect("items").iter().map(|i| i["customer_id"].as_str().unwrap_or("").to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(got, want.iter().map(|(w, _, _)| customers[*w].clone()).collect::<Vec<_>>());

    // Bad periods are named; another store is 404; the POS has no access.
    let bad = app.call("GET", &format!("{path}?from=2026-03-31&to=2026-03-01"), Some(&manager), None).await;
    assert_field(&bad.expect(422), "to", "out_of_range");
    let bad = app.call("GET", &format!("{path}?from=2026-03-01"), Some(&manager), None).await;
    assert_field(&bad.expect(422), "to", "required");
    let bad = app
        .call("GET", &format!("{path}?from=2026-02-30&to=2026-03-31&compare_from=2025-03-01"), Some(&manager), None)
        .await;
    let bad = bad.expect(422);
    assert_field(&bad, "from", "invalid_format");
    assert_field(&bad, "compare_to", "required");
    let theirs = format!("/v1/analytics/stores/{}/lapsed?from=2026-03-01&to=2026-03-31", stores[1]);
    app.call("GET", &theirs, Some(&manager), None).await.expect(404);
    app.call(
        "GET",
        &format!("/v1/analytics/stores/{}/lapsed?from=2026-03-01&to=2026-03-31", uuid::Uuid::nil()),
        Some(&app.admin_token.clone()),
        None,
    )
    .await
    .expect(404);
    app.call("GET", &format!("{path}?from=2026-03-01&to=2026-03-31"), Some(&key(&app, Role::Pos, &[])), None)
        .await
        .expect(403);
}
