//! A store's KPIs (issue #12), each worked out again in the test from the
//! sales it sends, as docs/kpis.md defines it: the period and the same
//! dates a year before.

use std::collections::{BTreeMap, BTreeSet};

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, person};

struct Sale {
    who: Option<usize>,
    store: usize,
    /// The associate credited (of store 0).
    by: Option<usize>,
    day: &'static str,
    /// Units, at 100 each.
    units: u32,
    /// Units returned, and the day of the return.
    returned: Option<(u32, &'static str)>,
}

const fn sale(who: Option<usize>, store: usize, day: &'static str, units: u32) -> Sale {
    Sale { who, store, by: None, day, units, returned: None }
}

const fn by(associate: usize, s: Sale) -> Sale {
    Sale { by: Some(associate), ..s }
}

const SALES: &[Sale] = &[
    by(0, sale(Some(0), 0, "2024-03-05", 1)),
    by(0, sale(Some(0), 0, "2025-03-05", 2)),
    by(1, sale(Some(0), 0, "2026-03-05", 3)),
    by(0, sale(Some(1), 0, "2025-03-10", 1)),
    sale(Some(2), 1, "2023-01-10", 1),
    by(0, sale(Some(2), 0, "2026-03-11", 4)),
    by(0, sale(Some(3), 0, "2026-03-02", 1)),
    sale(Some(3), 1, "2026-03-20", 2),
    sale(Some(4), 0, "2026-03-25", 1),
    sale(None, 0, "2026-03-15", 5),
    sale(None, 0, "2025-03-15", 2),
    Sale { who: Some(5), store: 0, by: Some(1), day: "2026-03-07", units: 2, returned: Some((2, "2026-03-09")) },
    Sale { who: Some(6), store: 0, by: Some(0), day: "2026-02-20", units: 3, returned: Some((1, "2026-03-03")) },
    Sale { who: Some(7), store: 0, by: None, day: "2025-03-03", units: 2, returned: Some((1, "2025-03-04")) },
    sale(Some(7), 0, "2024-03-30", 1),
    sale(Some(1), 0, "2024-03-12", 2),
];

/// The figures of `store` over `period`, churn against `before`, from
/// `SALES`, as f64 (money in units of 1).
fn expected(store: usize, period: (&str, &str), before: (&str, &str)) -> BTreeMap<&'static str, Option<f64>> {
    expected_of(|s| s.store == store, period, before)
}

/// [`expected`] over the sales `of` keeps (a store's, an associate's).
fn expected_of(
    of: impl Fn(&Sale) -> bool,
    period: (&str, &str),
    before: (&str, &str),
) -> BTreeMap<&'static str, Option<f64>> {
    let within = |d: &str, p: (&str, &str)| p.0 <= d && d <= p.1;
    let here: Vec<&Sale> = SALES.iter().filter(|s| of(s) && within(s.day, period)).collect();
    let kept = |s: &&Sale| s.returned.is_none_or(|(n, _)| n < s.units);
    let gross: f64 = here.iter().map(|s| f64::from(s.units) * 100.0).sum();
    let members: f64 = here.iter().filter(|s| s.who.is_some()).map(|s| f64::from(s.units) * 100.0).sum();
    let refunds: f64 = SALES
        .iter()
        .filter(|s| of(s))
        .filter_map(|s| s.returned.filter(|(_, d)| within(d, period)).map(|(n, _)| f64::from(n) * 100.0))
        .sum();
    let units: u32 = here.iter().map(|s| s.units).sum();
    let people = |p: (&str, &str)| -> BTreeSet<usize> {
        SALES.iter().filter(|s| of(s) && within(s.day, p)).filter(kept).filter_map(|s| s.who).collect()
    };
    let (now, then) = (people(period), people(before));
    let first = |w: usize| SALES.iter().filter(|s| s.who == Some(w)).map(|s| s.day).min().unwrap_or("");
    let returning = now.iter().filter(|w| first(**w) < period.0).count();
    let new: Vec<usize> = now.iter().copied().filter(|w| first(*w) >= period.0).collect();
    let repeat =
        new.iter().filter(|w| SALES.iter().filter(|s| s.who == Some(**w) && s.day <= period.1).count() >= 2).count();
    let lapsed = then.difference(&now).count();
    let ratio = |a: f64, b: f64| (b != 0.0).then(|| a / b);
    let n = |x: usize| x as f64;
    BTreeMap::from([
        ("sales", Some(gross - refunds)),
        ("gross_sales", Some(gross)),
        ("refunds", Some(refunds)),
        ("members_share", ratio(members, gross)),
        ("orders", Some(n(here.len()))),
        ("average_ticket", ratio(gross, n(here.len()))),
        ("units_per_ticket", ratio(f64::from(units), n(here.len()))),
        ("return_rate", ratio(refunds, gross)),
        ("customers", Some(n(now.len()))),
        ("returning_customer_rate", ratio(n(returning), n(now.len()))),
        ("new_customers", Some(n(new.len()))),
        ("new_customer_repeat_rate", ratio(n(repeat), n(new.len()))),
        ("churn", ratio(n(lapsed), n(then.len()))),
    ])
}

fn value(v: &Value) -> Option<f64> {
    match v {
        Value::Null => None,
        Value::Number(n) => n.as_f64(),
        Value::String(s) => Some(s.parse().expect("a decimal")),
        other => panic!("not a figure: {other}"),
    }
}

fn assert_figures(got: &Value, want: &BTreeMap<&'static str, Option<f64>>, label: &str) {
    for (name, want) in want {
        let got = value(&got[*name]);
        match (got, want) {
            // Ratios are rounded to 4 decimals, money and per-ticket figures to 2.
            (Some(g), Some(w)) => assert!((g - w).abs() <= 0.005, "{label} {name}: {g} against {w}"),
            (g, w) => assert_eq!(g, *w, "{label} {name}"),
        }
    }
}

#[tokio::test]
async fn a_stores_kpis_are_what_its_sales_say_beside_the_year_before() {
    let app = TestApp::spawn().await;
    let stores = [
        app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await,
        app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await,
    ];
    let associates = [
        crate::helpers::new_associate(&app, &stores[0], "LIN").await,
        crate::helpers::new_associate(&app, &stores[0], "MEI").await,
    ];
    let mut customers = Vec::new();
    for i in 0..8 {
        customers.push(id_of(&app.customer(person(&format!("Client {i}"), &format!("1390000000{i}"))).await));
    }
    for (n, s) in SALES.iter().enumerate() {
        let body = json!({
            "source": "pos", "external_id": format!("K-{n}"), "store_id": stores[s.store],
            "customer": s.who.map(|w| json!({ "id": customers[w] })),
            "ordered_at": format!("{}T04:00:00Z", s.day), "currency": "CNY",
            "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": s.units, "unit_price": "100" }],
            "amount_paid": format!("{}", s.units * 100), "payment_method": "card",
            "associate_id": s.by.map(|a| associates[a].clone()),
        });
        let sold = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body;
        if let Some((units, day)) = s.returned {
            let ret = json!({ "source": "pos", "external_id": format!("KR-{n}"), "returned_at": format!("{day}T04:00:00Z"),
                              "lines": [{ "line_id": "1", "quantity": units }] });
            app.admin("POST", &format!("/v1/orders/{}/returns", id_of(&sold)), Some(&ret)).await.expect(201);
        }
    }
    let manager = key(&app, Role::StoreManager, &[&stores[0]]);
    let path = format!("/v1/analytics/stores/{}/kpis", stores[0]);
    let kpis =
        app.call("GET", &format!("{path}?from=2026-03-01&to=2026-03-31"), Some(&manager), None).await.expect(200).body;
    let (p, b, bb) = (("2026-03-01", "2026-03-31"), ("2025-03-01", "2025-03-31"), ("2024-03-01", "2024-03-31"));
    let now = expected(0, p, b);
    assert_eq!(now["customers"], Some(4.0), "the data set covers what it should");
    assert_figures(&kpis["period"], &now, "2026-03");
    assert_figures(&kpis["year_before"], &expected(0, b, bb), "2025-03");

    // The lapsed list counts what churn counts.
    let lapsed = app
        .call(
            "GET",
            &format!("/v1/analytics/stores/{}/lapsed?from=2026-03-01&to=2026-03-31", stores[0]),
            Some(&manager),
            None,
        )
        .await;
    let listed = lapsed.expect(200).body["items"].as_array().map_or(0, Vec::len) as f64;
    let churn = value(&kpis["period"]["churn"]).expect("churn");
    let before = expected(0, b, bb)["customers"].expect("customers then");
    assert!((churn - listed / before).abs() <= 0.00005, "{churn} against {listed}/{before}");

    // An associate's: the same figures over the sales credited to them.
    for (a, id) in associates.iter().enumerate() {
        let path = format!("/v1/analytics/associates/{id}/kpis?from=2026-03-01&to=2026-03-31");
        let theirs = app.call("GET", &path, Some(&manager), None).await.expect(200).body;
        assert_figures(&theirs["period"], &expected_of(|s| s.by == Some(a), p, b), &format!("associate {a}"));
        assert_figures(
            &theirs["year_before"],
            &expected_of(|s| s.by == Some(a), b, bb),
            &format!("associate {a}, 2025"),
        );
    }
    let elsewhere = crate::helpers::new_associate(&app, &stores[1], "FAR").await;
    let far = format!("/v1/analytics/associates/{elsewhere}/kpis?from=2026-03-01&to=2026-03-31");
    app.call("GET", &far, Some(&manager), None).await.expect(404);

    // An empty period; bad periods; another store; the POS.
    let empty =
        app.call("GET", &format!("{path}?from=2020-01-01&to=2020-01-31"), Some(&manager), None).await.expect(200).body;
    assert_eq!((empty["period"]["orders"].as_u64(), empty["period"]["average_ticket"].is_null()), (Some(0), true));
    let bad = app.call("GET", &format!("{path}?from=2026-03-31&to=2026-03-01"), Some(&manager), None).await;
    assert_field(&bad.expect(422), "to", "out_of_range");
    assert_field(
        &app.call("GET", &format!("{path}?to=2026-03-01"), Some(&manager), None).await.expect(422),
        "from",
        "required",
    );
    let theirs = format!("/v1/analytics/stores/{}/kpis?from=2026-03-01&to=2026-03-31", stores[1]);
    app.call("GET", &theirs, Some(&manager), None).await.expect(404);
    app.call("GET", &format!("{path}?from=2026-03-01&to=2026-03-31"), Some(&key(&app, Role::Pos, &[])), None)
        .await
        .expect(403);
}
