//! The KPIs (issue #12): a store's, every store's and an associate's, each
//! figure worked out again in the test from the sales it sends, as
//! docs/kpis.md defines it — the period and the same dates a year before;
//! the acquisition channels worked out from the customers it creates; and
//! the tables the KPIs read, against a recount of the orders.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{NaiveDate, TimeZone, Utc};
use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, person, rows};

struct Sale {
    who: Option<usize>,
    /// None: the e-shop (no store).
    store: Option<usize>,
    /// The associate credited (of store 0).
    by: Option<usize>,
    /// The store's local day.
    day: &'static str,
    /// Units, at 100 each.
    units: u32,
    /// Units returned, and the day of the return.
    returned: Option<(u32, &'static str)>,
    /// Sold at 01:30 local time: the UTC date is the day before.
    late: bool,
}

const fn sale(who: Option<usize>, store: usize, day: &'static str, units: u32) -> Sale {
    Sale { who, store: Some(store), by: None, day, units, returned: None, late: false }
}

const fn by(associate: usize, s: Sale) -> Sale {
    Sale { by: Some(associate), ..s }
}

const fn returned(units: u32, day: &'static str, s: Sale) -> Sale {
    Sale { returned: Some((units, day)), ..s }
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
    returned(2, "2026-03-09", by(1, sale(Some(5), 0, "2026-03-07", 2))),
    returned(1, "2026-03-03", by(0, sale(Some(6), 0, "2026-02-20", 3))),
    returned(1, "2025-03-04", sale(Some(7), 0, "2025-03-03", 2)),
    sale(Some(7), 0, "2024-03-30", 1),
    sale(Some(1), 0, "2024-03-12", 2),
];

/// A data set: the sales, and the customers merged away or erased after them.
struct Book<'a> {
    sales: &'a [Sale],
    gone: &'a [usize],
}

type Period<'a> = (&'a str, &'a str);

/// The figures over `period` of the sales `of` keeps (a store's, several
/// stores', an associate's), churn against `before`, from the book alone,
/// as f64 (money in units of 1).
fn expected_of(
    book: &Book<'_>,
    of: impl Fn(&Sale) -> bool,
    period: Period<'_>,
    before: Period<'_>,
) -> BTreeMap<&'static str, Option<f64>> {
    let within = |d: &str, p: Period<'_>| p.0 <= d && d <= p.1;
    let mine: Vec<&Sale> = book.sales.iter().filter(|s| of(s)).collect();
    let here: Vec<&Sale> = mine.iter().copied().filter(|s| within(s.day, period)).collect();
    let kept = |s: &&Sale| s.returned.is_none_or(|(n, _)| n < s.units);
    let gross: f64 = here.iter().map(|s| f64::from(s.units) * 100.0).sum();
    let members: f64 = here.iter().filter(|s| s.who.is_some()).map(|s| f64::from(s.units) * 100.0).sum();
    let refunds: f64 = mine
        .iter()
        .filter_map(|s| s.returned.filter(|(_, d)| within(d, period)).map(|(n, _)| f64::from(n) * 100.0))
        .sum();
    let units: u32 = here.iter().map(|s| s.units).sum();
    let people = |p: Period<'_>| -> BTreeSet<usize> {
        mine.iter()
            .copied()
            .filter(|s| within(s.day, p))
            .filter(kept)
            .filter_map(|s| s.who)
            .filter(|w| !book.gone.contains(w))
            .collect()
    };
    let (now, then) = (people(period), people(before));
    // First orders and repeats count every order of the customer, anywhere.
    let first = |w: usize| book.sales.iter().filter(|s| s.who == Some(w)).map(|s| s.day).min().unwrap_or("");
    let returning = now.iter().filter(|w| first(**w) < period.0).count();
    let new: Vec<usize> = now.iter().copied().filter(|w| first(*w) >= period.0).collect();
    let repeat = new
        .iter()
        .filter(|w| book.sales.iter().filter(|s| s.who == Some(**w) && s.day <= period.1).count() >= 2)
        .count();
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

/// [`expected_of`] for one store of [`SALES`].
fn expected(store: usize, period: Period<'_>, before: Period<'_>) -> BTreeMap<&'static str, Option<f64>> {
    expected_of(&Book { sales: SALES, gone: &[] }, |s| s.store == Some(store), period, before)
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

/// The ids of what the sales are made at, by and to.
struct Cast {
    stores: Vec<String>,
    associates: Vec<String>,
    customers: Vec<String>,
}

/// Sends the sales (and their returns) through the API.
async fn send(app: &TestApp, cast: &Cast, sales: &[Sale]) {
    for (n, s) in sales.iter().enumerate() {
        let at = if s.late {
            let day = NaiveDate::parse_from_str(s.day, "%Y-%m-%d").expect("a day").pred_opt().expect("a day before");
            format!("{day}T17:30:00Z")
        } else {
            format!("{}T04:00:00Z", s.day)
        };
        let body = json!({
            "source": "pos", "external_id": format!("K-{n}"), "store_id": s.store.map(|i| cast.stores[i].clone()),
            "channel": if s.store.is_some() { "store" } else { "eshop" },
            "customer": s.who.map(|w| json!({ "id": cast.customers[w] })),
            "ordered_at": at, "currency": "CNY",
            "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": s.units, "unit_price": "100" }],
            "amount_paid": format!("{}", s.units * 100), "payment_method": "card",
            "associate_id": s.by.map(|a| cast.associates[a].clone()),
        });
        let sold = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body;
        if let Some((units, day)) = s.returned {
            let ret = json!({ "source": "pos", "external_id": format!("KR-{n}"), "returned_at": format!("{day}T04:00:00Z"),
                              "lines": [{ "line_id": "1", "quantity": units }] });
            app.admin("POST", &format!("/v1/orders/{}/returns", id_of(&sold)), Some(&ret)).await.expect(201);
        }
    }
}

#[tokio::test]
async fn a_stores_kpis_are_what_its_sales_say_beside_the_year_before() {
    let app = TestApp::spawn().await;
    let stores = vec![
        app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await,
        app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await,
    ];
    let associates = vec![
        crate::helpers::new_associate(&app, &stores[0], "LIN").await,
        crate::helpers::new_associate(&app, &stores[0], "MEI").await,
    ];
    let mut customers = Vec::new();
    for i in 0..8 {
        customers.push(id_of(&app.customer(person(&format!("Client {i}"), &format!("1390000000{i}"))).await));
    }
    let cast = Cast { stores, associates, customers };
    send(&app, &cast, SALES).await;
    let (stores, associates) = (&cast.stores, &cast.associates);
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
    let book = Book { sales: SALES, gone: &[] };
    for (a, id) in associates.iter().enumerate() {
        let path = format!("/v1/analytics/associates/{id}/kpis?from=2026-03-01&to=2026-03-31");
        let theirs = app.call("GET", &path, Some(&manager), None).await.expect(200).body;
        assert_figures(&theirs["period"], &expected_of(&book, |s| s.by == Some(a), p, b), &format!("associate {a}"));
        assert_figures(
            &theirs["year_before"],
            &expected_of(&book, |s| s.by == Some(a), b, bb),
            &format!("associate {a}, 2025"),
        );
        assert!(theirs.get("acquisition").is_none(), "a customer does not record who acquired them");
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

/// Three stores: customers who buy at two of them, online first, across
/// the store's midnight, who return everything, are merged away (5, into
/// 9) or erased (6), anonymous sales, and two years of history.
const ALL_SALES: &[Sale] = &[
    sale(Some(0), 0, "2026-03-05", 1),
    sale(Some(0), 1, "2026-03-06", 2),
    sale(Some(0), 0, "2025-03-07", 1),
    sale(Some(1), 0, "2025-03-10", 1),
    sale(Some(1), 2, "2026-03-12", 1),
    Sale { store: None, ..sale(Some(2), 0, "2025-12-01", 1) },
    sale(Some(2), 1, "2026-03-15", 3),
    Sale { late: true, ..sale(Some(3), 0, "2026-03-01", 2) },
    sale(Some(3), 0, "2026-03-20", 1),
    returned(1, "2026-03-26", sale(Some(4), 1, "2026-03-25", 1)),
    sale(Some(4), 1, "2025-03-25", 2),
    sale(Some(5), 0, "2026-03-08", 2),
    sale(Some(5), 0, "2025-03-08", 1),
    sale(Some(6), 2, "2026-03-09", 1),
    sale(Some(6), 2, "2025-03-09", 1),
    sale(None, 2, "2026-03-10", 4),
    sale(Some(7), 2, "2024-03-11", 1),
    sale(Some(7), 1, "2025-03-11", 2),
    returned(1, "2026-03-04", sale(Some(8), 1, "2025-03-02", 3)),
    Sale { late: true, ..sale(Some(8), 0, "2025-03-01", 1) },
];

/// How a customer was acquired: (home store, channel, cost and its
/// currency, joined on).
type Acquired = (usize, Option<&'static str>, Option<(&'static str, &'static str)>, &'static str);

/// How each customer of [`ALL_SALES`] was acquired.
const ACQUIRED: &[Acquired] = &[
    (0, Some("referral"), Some(("100", "CNY")), "2026-03-02"),
    (0, Some("referral"), Some(("20", "EUR")), "2026-03-10"),
    (1, Some("mall_walk_in"), Some(("50", "CNY")), "2026-03-05"),
    (0, None, None, "2026-03-20"),
    (0, Some("online_campaign"), Some(("30", "USD")), "2026-03-12"),
    (0, Some("event"), Some(("60", "CNY")), "2026-03-03"),
    (2, Some("event"), Some(("70", "CNY")), "2026-03-15"),
    (2, Some("referral"), Some(("40", "CNY")), "2025-03-20"),
    (1, Some("online_campaign"), None, "2025-03-15"),
    (0, Some("referral"), Some(("10", "CNY")), "2024-01-01"),
];

/// EUR into CNY: (valid from, rate). No rate for USD.
const EUR_RATES: &[(&str, f64)] = &[("2026-03-01", 7.8), ("2026-03-15", 8.0)];

/// One channel as the test works it out: (customers, with cost, cost, with CLV, CLV total).
type Channel = (u64, u64, f64, u64, f64);

/// The channels of the customers `home` keeps who joined in `period`, with
/// the lifetime values `clv` (of the latest snapshot) by customer index.
fn expected_channels(
    home: impl Fn(usize) -> bool,
    period: Period<'_>,
    gone: &[usize],
    clv: &BTreeMap<usize, f64>,
) -> BTreeMap<String, Channel> {
    let mut channels: BTreeMap<String, Channel> = BTreeMap::new();
    for (i, (store, channel, cost, joined)) in ACQUIRED.iter().enumerate() {
        if !home(*store) || gone.contains(&i) || !(period.0 <= *joined && *joined <= period.1) {
            continue;
        }
        let c = channels.entry(channel.unwrap_or("unknown").to_owned()).or_default();
        c.0 += 1;
        let rate = match cost {
            Some((_, "CNY")) => Some(1.0),
            Some((_, "EUR")) => EUR_RATES.iter().rev().find(|(from, _)| from <= joined).map(|(_, r)| *r),
            _ => None,
        };
        if let (Some((amount, _)), Some(rate)) = (cost, rate) {
            c.1 += 1;
            c.2 += amount.parse::<f64>().expect("an amount") * rate;
        }
        if let Some(v) = clv.get(&i) {
            c.3 += 1;
            c.4 += v;
        }
    }
    channels
}

fn assert_channels(got: &Value, want: &BTreeMap<String, Channel>, label: &str) {
    let list = got.as_array().unwrap_or_else(|| panic!("{label}: a list of channels, got {got}"));
    let counts: Vec<u64> = list.iter().map(|c| c["customers"].as_u64().expect("customers")).collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{label}: most customers first: {counts:?}");
    let got: BTreeMap<String, &Value> =
        list.iter().map(|c| (c["channel"].as_str().expect("channel").to_owned(), c)).collect();
    assert_eq!(got.keys().collect::<Vec<_>>(), want.keys().collect::<Vec<_>>(), "{label}: the channels");
    for (name, (customers, with_cost, cost, with_clv, clv)) in want {
        let c = got[name];
        let ratio = |a: f64, b: u64| (b > 0).then(|| a / b as f64);
        let figures = [
            ("customers", Some(*customers as f64)),
            ("customers_with_cost", Some(*with_cost as f64)),
            ("cost", Some(*cost)),
            ("cost_per_customer", ratio(*cost, *with_cost)),
            ("customers_with_clv", Some(*with_clv as f64)),
            ("average_clv", ratio(*clv, *with_clv)),
        ];
        for (figure, want) in figures {
            match (value(&c[figure]), want) {
                (Some(g), Some(w)) => assert!((g - w).abs() <= 0.005, "{label} {name} {figure}: {g} against {w}"),
                (g, w) => assert_eq!(g, w, "{label} {name} {figure}"),
            }
        }
    }
}

/// Two snapshots; the earlier one's values must not be read. Returns the
/// latest lifetime values, by customer index, as the test set them.
fn snapshots(app: &TestApp, cast: &Cast) -> BTreeMap<usize, f64> {
    let mut conn = app.db.connect();
    let now = Utc.with_ymd_and_hms(2026, 4, 2, 12, 0, 0).single().expect("time");
    let config = clientele_segments::RefreshConfig::default();
    for as_of in ["2026-02-01", "2026-04-01"] {
        let as_of = NaiveDate::parse_from_str(as_of, "%Y-%m-%d").expect("a day");
        let run = clientele_app::segments::RefreshRun {
            as_of,
            config: &config,
            now,
            threads: clientele_app::machine_threads(),
        };
        clientele_app::segments::refresh_segments(&mut conn, &mut [], &run, &mut |_| {}).expect("refresh");
    }
    let set = |sql: String| {
        use diesel::RunQueryDsl;
        diesel::sql_query(sql).execute(&mut app.db.connect()).expect("set the lifetime values");
    };
    set("UPDATE segment_snapshots SET clv = 1 WHERE as_of = '2026-02-01'".to_owned());
    set("UPDATE segment_snapshots SET clv = NULL WHERE as_of = '2026-04-01'".to_owned());
    let mut clv = BTreeMap::new();
    for (i, id) in cast.customers.iter().enumerate() {
        // Customer 3 keeps no value; the others 1,000 + 250 × their index.
        let value = 1000.0 + 250.0 * i as f64;
        let stored =
            rows(app, &format!("SELECT 1 FROM segment_snapshots WHERE as_of = '2026-04-01' AND customer_id = '{id}'"));
        if i != 3 && !stored.is_empty() {
            set(format!(
                "UPDATE segment_snapshots SET clv = {value} WHERE as_of = '2026-04-01' AND customer_id = '{id}'"
            ));
            clv.insert(i, value);
        }
    }
    clv
}

/// Three stores with their customers acquired as [`ACQUIRED`] says, the
/// sales of [`ALL_SALES`], 5 merged into 9 and 6 erased afterwards.
async fn three_stores(app: &TestApp) -> Cast {
    let stores = vec![
        app.store("A-SH", "CN", "Asia/Shanghai", "CNY").await,
        app.store("B-BJ", "CN", "Asia/Shanghai", "CNY").await,
        app.store("C-CD", "CN", "Asia/Shanghai", "CNY").await,
    ];
    let rates: Vec<Value> = EUR_RATES
        .iter()
        .map(|(from, rate)| json!({ "currency": "EUR", "valid_from": from, "rate": format!("{rate}") }))
        .collect();
    app.admin("PUT", "/v1/fx-rates", Some(&json!({ "rates": rates }))).await.expect(200);
    let mut customers = Vec::new();
    for (i, (store, channel, cost, joined)) in ACQUIRED.iter().enumerate() {
        let mut body = person(&format!("Client {i}"), &format!("1380000000{i}"));
        body["home_store_id"] = json!(stores[*store]);
        body["joined_on"] = json!(joined);
        if let Some(channel) = channel {
            body["acquisition"] = json!({ "channel": channel,
                "cost": cost.map(|(amount, currency)| json!({ "amount": amount, "currency": currency })) });
        }
        customers.push(id_of(&app.customer(body).await));
    }
    let cast = Cast { stores, associates: Vec::new(), customers };
    send(app, &cast, ALL_SALES).await;
    let (survivor, absorbed) = (&cast.customers[9], &cast.customers[5]);
    app.admin("POST", &format!("/v1/customers/{survivor}/merge"), Some(&json!({ "absorb": absorbed })))
        .await
        .expect(200);
    app.admin("DELETE", &format!("/v1/customers/{}", cast.customers[6]), None).await.expect(200);
    cast
}

#[tokio::test]
async fn every_stores_kpis_and_their_total_are_what_the_sales_say_within_the_keys_stores() {
    let app = TestApp::spawn().await;
    let cast = three_stores(&app).await;
    let clv = snapshots(&app, &cast);
    assert!(clv.len() >= 5, "most customers have a value in the snapshot: {clv:?}");
    let book = Book { sales: ALL_SALES, gone: &[5, 6] };
    let gone: &[usize] = &[5];
    let (p, b, bb) = (("2026-03-01", "2026-03-31"), ("2025-03-01", "2025-03-31"), ("2024-03-01", "2024-03-31"));
    let query = "?from=2026-03-01&to=2026-03-31";

    let manager = key(&app, Role::StoreManager, &[&cast.stores[0], &cast.stores[1]]);
    let admin = key(&app, Role::Admin, &[]);
    for (who, token, seen) in [("admin", &admin, vec![0, 1, 2]), ("manager of A and B", &manager, vec![0, 1])] {
        let path = format!("/v1/analytics/stores/kpis{query}");
        let all = app.call("GET", &path, Some(token), None).await.expect(200).body;
        let entries = all["stores"].as_array().expect("stores");
        let ids: Vec<&str> = entries.iter().map(|e| e["id"].as_str().expect("id")).collect();
        let want: Vec<&str> = seen.iter().map(|i| cast.stores[*i].as_str()).collect();
        assert_eq!(ids, want, "{who}: one entry per store of the key's scope, by code");
        for (entry, i) in entries.iter().zip(&seen) {
            let label = format!("{who}, store {i}");
            assert_eq!(entry["code"], ["A-SH", "B-BJ", "C-CD"][*i], "{label}");
            assert_figures(&entry["period"], &expected_of(&book, |s| s.store == Some(*i), p, b), &label);
            assert_figures(&entry["year_before"], &expected_of(&book, |s| s.store == Some(*i), b, bb), &label);
            assert_channels(&entry["acquisition"]["period"], &expected_channels(|h| h == *i, p, gone, &clv), &label);
            let then = expected_channels(|h| h == *i, b, gone, &clv);
            assert_channels(&entry["acquisition"]["year_before"], &then, &label);
        }
        let mine = |s: &Sale| s.store.is_some_and(|i| seen.contains(&i));
        let total = &all["total"];
        assert_figures(&total["period"], &expected_of(&book, mine, p, b), &format!("{who}, total"));
        assert_figures(&total["year_before"], &expected_of(&book, mine, b, bb), &format!("{who}, total then"));
        let channels = expected_channels(|h| seen.contains(&h), p, gone, &clv);
        assert_channels(&total["acquisition"]["period"], &channels, &format!("{who}, total"));
    }
    let totals = app.admin("GET", &format!("/v1/analytics/stores/kpis{query}"), None).await.expect(200).body;
    let t = &totals["total"]["period"];
    let sum: u64 = totals["stores"]
        .as_array()
        .expect("stores")
        .iter()
        .map(|e| e["period"]["customers"].as_u64().unwrap_or(0))
        .sum();
    assert!(t["customers"].as_u64().expect("customers") < sum, "a customer of two stores counts once in the total");

    // A store's own answer says the same as its entry.
    let one = format!("/v1/analytics/stores/{}/kpis{query}", cast.stores[0]);
    let own = app.call("GET", &one, Some(&manager), None).await.expect(200).body;
    assert_figures(&own["period"], &expected_of(&book, |s| s.store == Some(0), p, b), "store A alone");
    assert_channels(&own["acquisition"]["period"], &expected_channels(|h| h == 0, p, gone, &clv), "store A alone");
    let other = format!("/v1/analytics/stores/{}/kpis{query}", cast.stores[2]);
    app.call("GET", &other, Some(&manager), None).await.expect(404);

    // Bad periods name the field; the POS may not read them.
    let all = "/v1/analytics/stores/kpis";
    for (q, field, code) in [
        ("?from=2026-02-30&to=2026-03-31", "from", "invalid_format"),
        ("?from=2026-03-01", "to", "required"),
        ("?from=2026-03-31&to=2026-03-01", "to", "out_of_range"),
        ("?from=2020-01-01&to=2026-03-01", "to", "out_of_range"),
    ] {
        assert_field(&app.call("GET", &format!("{all}{q}"), Some(&manager), None).await.expect(422), field, code);
    }
    app.call("GET", &format!("{all}{query}"), Some(&key(&app, Role::Pos, &[])), None).await.expect(403);
}

/// The KPI tables equal a recount of the orders and returns: written in
/// bulk (the demo's orders, as an import writes them) and one by one (the
/// API), with returns, anonymous and e-shop sales.
#[tokio::test]
async fn the_kpi_tables_are_a_recount_of_the_orders() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect();
    let now = Utc.with_ymd_and_hms(2026, 12, 1, 12, 0, 0).single().expect("time");
    let options = clientele_app::demo::DemoOptions { customers: 150, seed: 3, orders_per_customer: 4, progress: false };
    clientele_app::demo::load(&mut conn, &options, now).expect("demo");
    let stores: Vec<String> = rows(&app, "SELECT id FROM stores ORDER BY code")
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_owned())
        .collect();
    let customers: Vec<String> = rows(&app, "SELECT customer_id FROM customers ORDER BY member_no LIMIT 8")
        .iter()
        .map(|r| r["customer_id"].as_str().expect("id").to_owned())
        .collect();
    let associates: Vec<String> =
        rows(&app, &format!("SELECT id FROM associates WHERE store_id = '{}' ORDER BY code LIMIT 2", stores[0]))
            .iter()
            .map(|r| r["id"].as_str().expect("id").to_owned())
            .collect();
    send(&app, &Cast { stores, associates, customers }, SALES).await;
    let recount = "SELECT store_id, business_date, customer_id, associate_id, sum(orders)::int AS orders, \
            sum(kept)::int AS kept_orders, sum(gross) AS gross, sum(units)::bigint AS units, sum(refunds) AS refunds \
         FROM (SELECT o.store_id, o.business_date, o.customer_id, \
                      coalesce(o.associate_id, '00000000-0000-0000-0000-000000000000') AS associate_id, 1 AS orders, \
                      CASE WHEN EXISTS (SELECT 1 FROM order_lines l WHERE l.customer_id = o.customer_id \
                             AND l.order_id = o.order_id AND l.quantity > l.returned_quantity) THEN 1 ELSE 0 END AS kept, \
                      o.amount_paid_base AS gross, \
                      (SELECT sum(quantity) FROM order_lines l WHERE l.customer_id = o.customer_id AND l.order_id = o.order_id) AS units, \
                      0 AS refunds \
               FROM orders o WHERE o.store_id IS NOT NULL \
               UNION ALL \
               SELECT o.store_id, (r.returned_at AT TIME ZONE s.time_zone)::date, o.customer_id, \
                      coalesce(o.associate_id, '00000000-0000-0000-0000-000000000000'), 0, 0, 0, 0, r.amount_base \
               FROM order_returns r JOIN orders o ON o.customer_id = r.customer_id AND o.order_id = r.order_id \
               JOIN stores s ON s.id = o.store_id) f \
         GROUP BY 1, 2, 3, 4";
    let kept = "SELECT store_id, business_date, customer_id, associate_id, orders, kept_orders, gross, units, refunds FROM sales_days";
    let count = |sql: &str| rows(&app, sql).len();
    assert!(count(kept) > 500, "the demo's sales are in it");
    assert!(count("SELECT 1 FROM sales_days WHERE kept_orders < orders") > 0, "whole returns are in the data");
    assert_eq!(count(&format!("({kept}) EXCEPT ({recount})")), 0, "sales_days has no row the orders do not say");
    assert_eq!(count(&format!("({recount}) EXCEPT ({kept})")), 0, "sales_days has every row the orders say");
    let firsts = "SELECT customer_id, min(business_date) AS first_day, \
            (array_agg(business_date ORDER BY business_date))[2] AS second_day \
         FROM orders WHERE customer_id <> '00000000-0000-0000-0000-000000000000' GROUP BY customer_id";
    let stored = "SELECT customer_id, first_day, second_day FROM customer_first_orders";
    assert_eq!(count(&format!("({stored}) EXCEPT ({firsts})")), 0, "first orders: nothing the orders do not say");
    assert_eq!(count(&format!("({firsts}) EXCEPT ({stored})")), 0, "first orders: every customer's");
}
