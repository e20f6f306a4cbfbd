//! RFM segments, transitions and customer value (issue #4, part 3).
//!
//! The main fixture: two stores (A in Shanghai, B in Beijing), five
//! customers in A whose purchases are chosen so that, as of 2026-06-30,
//! each dimension ranks them in a known order, and a twin of each in B with
//! exactly the same purchases. Twins tie, so quintiles over the ten
//! customers give the scores a population of five distinct customers would
//! (a tie group is never split):
//!
//! | customer | last purchase | orders in window | net paid | R F M | segment |
//! |---|---|---|---|---|---|
//! | new    | 2026-06-29 (1 day)    | 1 | 500   | 5 1 2 | new_customers |
//! | champ  | 2026-06-25 (5 days)   | 5 | 5000  | 4 5 5 | champions |
//! | loyal  | 2026-05-31 (30 days)  | 4 | 1800  | 3 4 4 | loyal_customers |
//! | risk   | 2026-03-02 (120 days) | 3 | 1200  | 2 3 3 | at_risk |
//! | lost   | 2025-09-01 (302 days) | 2 (history) | 200 | 1 2 1 | lost |
//!
//! under the settings of [`settings`]: a 9-month window (the lost
//! customer's last purchase is before it, so F and M are their whole
//! history's), quintiles for F and M.
//!
//! champ has a sixth order, returned in full (neither an order nor money);
//! loyal returned 200 of one order (net paid 1800). The new customer's
//! order was placed at 18:00 UTC on 28 June: 29 June in Shanghai.

use chrono::{NaiveDate, TimeZone, Utc};
use clientele_app::segments::{RefreshReport, RefreshRun};
use clientele_profiles::Role;
use clientele_rfm::{RfmSettings, Scale};
use clientele_segments::RefreshConfig;
use clientele_tests::{Answer, TestApp};
use serde_json::{Value, json};

use crate::helpers::{assert_field, enc, id_of, key, rows};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// Writes the snapshot of `as_of`, as `clientele refresh-segments` does,
/// reading with `readers` connections besides the first.
fn refresh_with(app: &TestApp, as_of: NaiveDate, readers: usize) -> RefreshReport {
    let mut conn = app.db.connect();
    let mut helpers: Vec<_> = (0..readers).map(|_| app.db.connect()).collect();
    let mut helpers: Vec<&mut clientele_store::PgConnection> = helpers.iter_mut().collect();
    let config = settings();
    let run = RefreshRun { as_of, config: &config, now: Utc::now(), threads: clientele_app::machine_threads() };
    clientele_app::segments::refresh_segments(&mut conn, &mut helpers, &run, &mut |_| {}).expect("refresh")
}

/// The settings the fixture was made for: scores relative to these ten
/// customers (quintiles on F and M), R by days (5 up to 1 day, 4 up to 5, 3
/// up to 30, 2 within the 9-month window, 1 before it), New Customers
/// within 2 days. The default settings' own rules are the rfm crate's
/// tests (`crates/rfm/tests/luxury.rs`); here the plumbing is checked.
fn settings() -> RefreshConfig {
    let rfm = RfmSettings::new(9, [1, 5, 30], Scale::Quintiles, Scale::Quintiles, 2).expect("valid settings");
    RefreshConfig::new(rfm, *RefreshConfig::default().clv()).expect("valid config")
}

/// The refresh of every test here reads in three ranges of customers at
/// once (ten customers: three, three and four), so every figure below is
/// also a check that the ranges add up to one read.
fn refresh(app: &TestApp, as_of: NaiveDate) -> RefreshReport {
    refresh_with(app, as_of, 2)
}

struct Fixture {
    store_a: String,
    store_b: String,
    /// Customer ids by name, in store A.
    a: Customers,
    /// Their twins in store B.
    b: Customers,
}

struct Customers {
    new: String,
    champ: String,
    loyal: String,
    risk: String,
    lost: String,
}

impl Customers {
    fn all(&self) -> [&str; 5] {
        [&self.new, &self.champ, &self.loyal, &self.risk, &self.lost]
    }
}

async fn post_order(app: &TestApp, store: &str, customer: &str, n: &str, at: &str, lines: Value, paid: &str) -> Value {
    let body = json!({
        "source": "pos",
        "external_id": n,
        "store_id": store,
        "customer": { "id": customer },
        "ordered_at": at,
        "currency": "CNY",
        "lines": lines,
        "amount_paid": paid,
        "payment_method": "card",
    });
    app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body
}

fn line(id: &str, category: &str, price: &str) -> Value {
    json!({ "line_id": id, "sku": format!("SKU-{}", category.replace(' ', "-")), "category": category, "quantity": 1, "unit_price": price })
}

async fn simple_order(app: &TestApp, store: &str, customer: &str, n: String, date: &str, paid: &str, category: &str) {
    post_order(app, store, customer, &n, &format!("{date}T04:00:00Z"), json!([line("1", category, paid)]), paid).await;
}

async fn return_lines(app: &TestApp, order: &Value, n: &str, at: &str, lines: &[&str]) {
    let body = json!({
        "source": "pos",
        "external_id": n,
        "returned_at": at,
        "lines": lines.iter().map(|l| json!({ "line_id": l, "quantity": 1 })).collect::<Vec<_>>(),
    });
    app.admin("POST", &format!("/v1/orders/{}/returns", id_of(order)), Some(&body)).await.expect(201);
}

/// The five customers of one store, with their purchases.
async fn five_customers(app: &TestApp, store: &str, tag: &str) -> Customers {
    let mut ids = Vec::new();
    for (name, gender, birthday) in [
        ("New", "male", "2005-01-01"),
        ("Champ", "female", "1990-05-01"),
        ("Loyal", "female", "1970-07-01"),
        ("Risk", "undisclosed", "1985-06-30"),
        ("Lost", "male", "1999-12-31"),
    ] {
        let c = app
            .customer(json!({ "name": format!("{name} {tag}"), "phones": [], "home_store_id": store, "gender": gender, "birthday": birthday }))
            .await;
        ids.push(id_of(&c));
    }
    let c = Customers {
        new: ids[0].clone(),
        champ: ids[1].clone(),
        loyal: ids[2].clone(),
        risk: ids[3].clone(),
        lost: ids[4].clone(),
    };
    let n = |s: &str| format!("{tag}-{s}");
    // New: one order, late on 28 June UTC = 29 June in Shanghai.
    post_order(app, store, &c.new, &n("new-1"), "2026-06-28T18:00:00Z", json!([line("1", "beauty", "500")]), "500")
        .await;
    // Champion: five orders of 1000, and a sixth returned in full.
    for (i, date) in ["2026-02-01", "2026-03-01", "2026-04-01", "2026-05-01", "2026-06-25"].iter().enumerate() {
        simple_order(app, store, &c.champ, n(&format!("champ-{i}")), date, "1000", "leather goods").await;
    }
    let returned = post_order(
        app,
        store,
        &c.champ,
        &n("champ-returned"),
        "2026-06-26T04:00:00Z",
        json!([line("1", "leather goods", "3000")]),
        "3000",
    )
    .await;
    return_lines(app, &returned, &n("champ-return"), "2026-06-27T04:00:00Z", &["1"]).await;
    // Loyal: four orders of 500; 200 of the last one returned.
    for (i, date) in ["2025-10-15", "2026-01-15", "2026-04-15"].iter().enumerate() {
        simple_order(app, store, &c.loyal, n(&format!("loyal-{i}")), date, "500", "ready-to-wear").await;
    }
    let last = post_order(
        app,
        store,
        &c.loyal,
        &n("loyal-3"),
        "2026-05-31T04:00:00Z",
        json!([line("1", "ready-to-wear", "300"), line("2", "accessories", "200")]),
        "500",
    )
    .await;
    return_lines(app, &last, &n("loyal-return"), "2026-06-05T04:00:00Z", &["2"]).await;
    // At risk: three orders of 400, the last on 2 March.
    for (i, date) in ["2025-10-01", "2025-12-01", "2026-03-02"].iter().enumerate() {
        simple_order(app, store, &c.risk, n(&format!("risk-{i}")), date, "400", "ready-to-wear").await;
    }
    // Lost: two orders of 100 of jewelry, the last on 1 September 2025.
    for (i, date) in ["2025-08-10", "2025-09-01"].iter().enumerate() {
        simple_order(app, store, &c.lost, n(&format!("lost-{i}")), date, "100", "jewelry").await;
    }
    c
}

async fn fixture(app: &TestApp) -> Fixture {
    let store_a = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let store_b = app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await;
    let a = five_customers(app, &store_a, "A").await;
    let b = five_customers(app, &store_b, "B").await;
    Fixture { store_a, store_b, a, b }
}

fn counts(summary: &Value) -> Vec<(String, u64)> {
    summary["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter(|s| s["customers"].as_u64().unwrap_or(0) > 0)
        .map(|s| (s["segment"].as_str().expect("code").to_owned(), s["customers"].as_u64().expect("count")))
        .collect()
}

fn pairs(list: &[(&str, u64)]) -> Vec<(String, u64)> {
    list.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Answer {
    app.call("GET", path, Some(token), None).await
}

#[tokio::test]
async fn known_customers_get_the_scores_and_segments_worked_out_by_hand() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let report = refresh(&app, day(2026, 6, 30));
    assert_eq!(report.customers, 10);
    assert!(!report.replaced);

    let s = app.admin("GET", "/v1/segments", None).await.expect(200).body;
    assert_eq!(s["as_of"], "2026-06-30");
    assert_eq!(s["customers"], 10);
    assert_eq!(s["revenue"], "17400.00", "2 × (500 + 5000 + 1800 + 1200 + 200): returns are netted");
    assert_eq!(
        counts(&s),
        pairs(&[("champions", 2), ("loyal_customers", 2), ("new_customers", 2), ("at_risk", 2), ("lost", 2)])
    );
    assert_eq!(s["segments"].as_array().expect("segments").len(), 11, "every segment is listed, empty ones too");
    let champions = &s["segments"][0];
    assert_eq!(champions["segment"], "champions");
    assert_eq!(champions["name"], "Champions");
    assert_eq!(champions["revenue"], "10000.00");
    assert_eq!(champions["share_of_revenue"], "0.5747");
    assert_eq!(s["run"]["rfm"]["window_months"], 9);

    let expected = [
        (&f.a.new, "512", "new_customers", 1, 1, "500.00", "2026-06-29"),
        (&f.a.champ, "455", "champions", 5, 5, "5000.00", "2026-06-25"),
        (&f.a.loyal, "344", "loyal_customers", 30, 4, "1800.00", "2026-05-31"),
        (&f.a.risk, "233", "at_risk", 120, 3, "1200.00", "2026-03-02"),
        (&f.b.lost, "121", "lost", 302, 2, "200.00", "2025-09-01"),
    ];
    for (id, rfm, segment, recency, frequency, monetary, last) in expected {
        let v = app.admin("GET", &format!("/v1/customers/{id}/value"), None).await.expect(200).body;
        let c = &v["current"];
        assert_eq!(c["rfm"], rfm, "{segment}: {v}");
        assert_eq!(c["segment"], segment, "{v}");
        assert_eq!(c["recency_days"], recency, "{v}");
        assert_eq!(c["frequency"], frequency, "{v}");
        assert_eq!(c["monetary"], monetary, "{v}");
        assert_eq!(c["last_purchase"], last, "{v}");
        assert_eq!(v["history"].as_array().expect("history").len(), 1);
        assert_eq!(v["history"][0]["segment"], segment);
    }
    // The value model's view of the champion: five purchase days after
    // returns, so four repeat purchases of 1000, the first on 1 February.
    let v = app.admin("GET", &format!("/v1/customers/{}/value", f.a.champ), None).await.expect(200).body;
    assert_eq!(v["current"]["repeat_purchases"], 4);
    assert_eq!(v["current"]["average_repeat_spend"], "1000.00");
    assert_eq!(v["current"]["first_purchase"], "2026-02-01");
    // The snapshot rows say the same as the API.
    let stored = rows(&app, "SELECT segment, count(*) AS n FROM segment_snapshots GROUP BY segment ORDER BY segment");
    assert_eq!(stored.len(), 5);
    assert!(stored.iter().all(|r| r["n"] == 2), "{stored:?}");
}

#[tokio::test]
async fn the_value_model_predicts_for_demo_data_and_the_top_customers_are_sorted_by_clv() {
    let app = TestApp::spawn().await;
    let now = Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).single().expect("now");
    {
        let mut conn = app.db.connect();
        let options =
            clientele_app::demo::DemoOptions { customers: 150, seed: 11, orders_per_customer: 4, progress: false };
        clientele_app::demo::load(&mut conn, &options, now).expect("demo data");
    }
    // Read on one connection, then on four at once: the same snapshot.
    let single = refresh_with(&app, day(2026, 11, 1), 0);
    let snapshot =
        || rows(&app, "SELECT customer_id, r, f, m, segment, monetary, clv, p_alive FROM segment_snapshots ORDER BY 1");
    let read_once = snapshot();
    let report = refresh_with(&app, day(2026, 11, 1), 3);
    assert_eq!(snapshot(), read_once, "four ranges read what one query reads");
    assert_eq!(
        (single.customers, single.bgnbd, single.gamma_gamma),
        (report.customers, report.bgnbd, report.gamma_gamma)
    );
    assert!(report.customers > 100, "{report}");
    assert!(report.model_error.is_none(), "the models fit the demo data: {report}");
    assert!(report.bgnbd.is_some() && report.gamma_gamma.is_some());

    let top = app.admin("GET", "/v1/analytics/top-customers?limit=20", None).await.expect(200).body;
    let items = top["items"].as_array().expect("items");
    assert_eq!(items.len(), 20);
    let clv: Vec<f64> =
        items.iter().map(|i| i["value"]["clv"].as_str().and_then(|c| c.parse().ok()).expect("a clv")).collect();
    assert!(clv.windows(2).all(|w| w[0] >= w[1]), "sorted by CLV: {clv:?}");
    assert!(clv.iter().all(|c| *c >= 0.0));
    for (rank, item) in items.iter().enumerate() {
        assert_eq!(item["rank"], rank + 1);
        let alive: f64 = item["value"]["probability_alive"].as_str().and_then(|p| p.parse().ok()).expect("p_alive");
        assert!((0.0..=1.0).contains(&alive), "{item}");
        assert!(!item["favourite_categories"].as_array().expect("categories").is_empty(), "{item}");
        assert!(!item["favourite_stores"].as_array().expect("stores").is_empty(), "{item}");
    }
    let s = app.admin("GET", "/v1/segments", None).await.expect(200).body;
    assert!(s["run"]["bgnbd"]["r"].as_f64().is_some(), "{s}");
    assert!(s["run"]["model_error"].is_null());
    let shares: f64 = s["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .map(|x| x["share_of_revenue"].as_str().and_then(|v| v.parse::<f64>().ok()).expect("share"))
        .sum();
    assert!((shares - 1.0).abs() < 0.002, "shares add up to 1: {shares}");
}

#[tokio::test]
async fn a_segments_customers_come_most_valuable_first_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    refresh(&app, day(2026, 6, 30));
    let first = app.admin("GET", "/v1/segments/champions/customers?limit=1", None).await.expect(200).body;
    assert_eq!(first["segment"], "champions");
    assert_eq!(first["items"].as_array().expect("items").len(), 1);
    let cursor = first["next_cursor"].as_str().expect("a second page").to_owned();
    let second = app
        .admin("GET", &format!("/v1/segments/champions/customers?limit=1&cursor={}", enc(&cursor)), None)
        .await
        .expect(200)
        .body;
    assert_eq!(second["items"].as_array().expect("items").len(), 1);
    assert!(second["next_cursor"].is_null());
    let mut seen = vec![first["items"][0]["customer_id"].clone(), second["items"][0]["customer_id"].clone()];
    // Twins have the same history, hence the same CLV: then by id.
    let mut expected = vec![json!(f.a.champ), json!(f.b.champ)];
    expected.sort_by_key(|v| v.as_str().map(str::to_owned));
    assert_eq!(seen, expected);
    seen.dedup();
    assert_eq!(seen.len(), 2);
    assert_eq!(first["items"][0]["value"]["rfm"], "455");
    // An empty segment is an empty list, not an error.
    let empty = app.admin("GET", "/v1/segments/hibernating/customers", None).await.expect(200).body;
    assert_eq!(empty["items"], json!([]));
}

#[tokio::test]
async fn transitions_between_two_refresh_dates_count_each_move_and_list_its_customers() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    // As of 31 March (eight customers had bought): worked out in the same way,
    // risk is 343 (loyal_customers), champ 314, loyal 212 and lost 211
    // (about_to_sleep: lost's purchases are still in the 9-month window); the
    // new customers had not bought yet.
    refresh(&app, day(2026, 3, 31));
    refresh(&app, day(2026, 6, 30));
    let risk_then =
        app.admin("GET", &format!("/v1/customers/{}/value?as_of=2026-03-31", f.a.risk), None).await.expect(200).body;
    assert_eq!(risk_then["current"]["rfm"], "343");
    assert_eq!(risk_then["history"].as_array().expect("history").len(), 1);
    let risk_now = app.admin("GET", &format!("/v1/customers/{}/value", f.a.risk), None).await.expect(200).body;
    let history: Vec<(String, String)> = risk_now["history"]
        .as_array()
        .expect("history")
        .iter()
        .map(|h| (h["as_of"].as_str().unwrap_or("").to_owned(), h["segment"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        history,
        [("2026-03-31".to_owned(), "loyal_customers".to_owned()), ("2026-06-30".to_owned(), "at_risk".to_owned())]
    );
    let new_then =
        app.admin("GET", &format!("/v1/customers/{}/value?as_of=2026-03-31", f.a.new), None).await.expect(200).body;
    assert!(new_then["current"].is_null(), "not a customer yet: {new_then}");

    let t = app.admin("GET", "/v1/segments/transitions?from=2026-03-31&to=2026-06-30", None).await.expect(200).body;
    assert_eq!(t["total"], 10);
    let cells: Vec<(Value, Value, u64)> = t["cells"]
        .as_array()
        .expect("cells")
        .iter()
        .map(|c| (c["from_segment"].clone(), c["to_segment"].clone(), c["customers"].as_u64().expect("n")))
        .collect();
    assert_eq!(
        cells,
        [
            (json!("loyal_customers"), json!("at_risk"), 2),
            (json!("about_to_sleep"), json!("champions"), 2),
            (json!("about_to_sleep"), json!("loyal_customers"), 2),
            (json!("about_to_sleep"), json!("lost"), 2),
            (Value::Null, json!("new_customers"), 2),
        ]
    );
    assert!(t["customers"].is_null());
    let cell = app
        .admin(
            "GET",
            "/v1/segments/transitions?from=2026-03-31&to=2026-06-30&from_segment=about_to_sleep&to_segment=champions",
            None,
        )
        .await
        .expect(200)
        .body;
    let mut expected = vec![f.a.champ.clone(), f.b.champ.clone()];
    expected.sort();
    let listed: Vec<String> = cell["customers"]["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["customer_id"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(listed, expected);
    let newcomers = app
        .admin(
            "GET",
            "/v1/segments/transitions?from=2026-03-31&to=2026-06-30&from_segment=none&to_segment=new_customers&limit=1",
            None,
        )
        .await
        .expect(200)
        .body;
    assert_eq!(newcomers["customers"]["items"].as_array().expect("items").len(), 1);
    let cursor = newcomers["customers"]["next_cursor"].as_str().expect("second page").to_owned();
    let rest = app
        .admin(
            "GET",
            &format!(
                "/v1/segments/transitions?from=2026-03-31&to=2026-06-30&from_segment=none&to_segment=new_customers&limit=1&cursor={}",
                enc(&cursor)
            ),
            None,
        )
        .await
        .expect(200)
        .body;
    let mut both = vec![
        newcomers["customers"]["items"][0]["customer_id"].as_str().unwrap_or("").to_owned(),
        rest["customers"]["items"][0]["customer_id"].as_str().unwrap_or("").to_owned(),
    ];
    both.sort();
    let mut expected = vec![f.a.new.clone(), f.b.new.clone()];
    expected.sort();
    assert_eq!(both, expected);
    assert!(rest["customers"]["next_cursor"].is_null());
}

#[tokio::test]
async fn a_store_scoped_key_sees_only_its_stores_customers_everywhere() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    refresh(&app, day(2026, 3, 31));
    refresh(&app, day(2026, 6, 30));
    for role in [Role::StoreManager, Role::Associate, Role::Analyst] {
        let token = key(&app, role, &[&f.store_b]);
        let s = get(&app, &token, "/v1/segments").await.expect(200).body;
        assert_eq!(s["customers"], 5, "{role}: {s}");
        assert_eq!(s["revenue"], "8700.00");
        assert_eq!(
            counts(&s),
            pairs(&[("champions", 1), ("loyal_customers", 1), ("new_customers", 1), ("at_risk", 1), ("lost", 1)])
        );
        let list = get(&app, &token, "/v1/segments/champions/customers").await.expect(200).body;
        let ids: Vec<&str> =
            list["items"].as_array().expect("items").iter().filter_map(|i| i["customer_id"].as_str()).collect();
        assert_eq!(ids, [f.b.champ.as_str()], "{role}");
        let t = get(
            &app,
            &token,
            "/v1/segments/transitions?from=2026-03-31&to=2026-06-30&from_segment=none&to_segment=new_customers",
        )
        .await
        .expect(200)
        .body;
        assert_eq!(t["total"], 5);
        let ids: Vec<&str> = t["customers"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["customer_id"].as_str())
            .collect();
        assert_eq!(ids, [f.b.new.as_str()]);
        for id in f.a.all() {
            get(&app, &token, &format!("/v1/customers/{id}/value")).await.expect_problem(404, "not_found");
        }
        get(&app, &token, &format!("/v1/customers/{}/value", f.b.loyal)).await.expect(200);
        let top = get(&app, &token, "/v1/analytics/top-customers?limit=1000").await.expect(200).body;
        let mut ids: Vec<String> = top["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|i| i["customer_id"].as_str().map(str::to_owned))
            .collect();
        ids.sort();
        let mut expected: Vec<String> = f.b.all().iter().map(|s| (*s).to_owned()).collect();
        expected.sort();
        assert_eq!(ids, expected, "{role}");
    }
    // A cut by the other store is simply empty for a scoped key.
    let token = key(&app, Role::StoreManager, &[&f.store_b]);
    let s = get(&app, &token, &format!("/v1/segments?store_id={}", f.store_a)).await.expect(200).body;
    assert_eq!(s["customers"], 0);
    // The till has no business here.
    let pos = key(&app, Role::Pos, &[]);
    get(&app, &pos, "/v1/segments").await.expect_problem(403, "forbidden");
    get(&app, &pos, "/v1/analytics/top-customers").await.expect_problem(403, "forbidden");
}

#[tokio::test]
async fn cuts_narrow_the_summary_to_matching_customers() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    refresh(&app, day(2026, 6, 30));
    let summary = |query: String| {
        let app = &app;
        async move { app.admin("GET", &format!("/v1/segments?{query}"), None).await.expect(200).body }
    };
    let s = summary(format!("store_id={}", f.store_a)).await;
    assert_eq!(s["customers"], 5);
    let s = summary("category=jewelry".into()).await;
    assert_eq!(counts(&s), pairs(&[("lost", 2)]));
    let s = summary("gender=female".into()).await;
    assert_eq!(counts(&s), pairs(&[("champions", 2), ("loyal_customers", 2)]));
    // Ages on 30 June 2026: new 21, champ 36, loyal 55, risk 41 (birthday that day), lost 26.
    let s = summary("age_band=35_44".into()).await;
    assert_eq!(counts(&s), pairs(&[("champions", 2), ("at_risk", 2)]));
    let s = summary("age_band=55_plus".into()).await;
    assert_eq!(counts(&s), pairs(&[("loyal_customers", 2)]));
    let s = summary("age_band=under_25&gender=male".into()).await;
    assert_eq!(counts(&s), pairs(&[("new_customers", 2)]));
    let s = summary("age_band=unknown".into()).await;
    assert_eq!(s["customers"], 0);
    // Nobody has reached S2 (8,001 growth value).
    assert_eq!(summary("tier=S1".into()).await["customers"], 10);
    assert_eq!(summary("tier=S2".into()).await["customers"], 0);
    let list = app
        .admin("GET", &format!("/v1/segments/lost/customers?category=jewelry&store_id={}", f.store_b), None)
        .await
        .expect(200)
        .body;
    let ids: Vec<&str> =
        list["items"].as_array().expect("items").iter().filter_map(|i| i["customer_id"].as_str()).collect();
    assert_eq!(ids, [f.b.lost.as_str()]);
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    let _ = fixture(&app).await;
    refresh(&app, day(2026, 6, 30));
    let cases: &[(&str, &str, &str)] = &[
        ("/v1/segments/vip/customers", "segment", "unknown_segment"),
        ("/v1/segments/champions/customers?limit=0", "limit", "out_of_range"),
        ("/v1/segments/champions/customers?cursor=nonsense", "cursor", "invalid_format"),
        ("/v1/segments?as_of=2026-13-01", "as_of", "invalid_format"),
        ("/v1/segments?store_id=shanghai", "store_id", "invalid_format"),
        ("/v1/segments?tier=S9", "tier", "invalid_format"),
        ("/v1/segments?gender=other", "gender", "invalid_format"),
        ("/v1/segments?age_band=teen", "age_band", "invalid_format"),
        ("/v1/segments?category=", "category", "required"),
        ("/v1/segments/transitions?to=2026-06-30", "from", "required"),
        ("/v1/segments/transitions?from=2026-06-30", "to", "required"),
        ("/v1/segments/transitions?from=yesterday&to=2026-06-30", "from", "invalid_format"),
        ("/v1/segments/transitions?from=2026-06-30&to=2026-03-31", "from", "out_of_range"),
        ("/v1/segments/transitions?from=2026-03-31&to=2026-06-30&from_segment=lost", "to_segment", "required"),
        (
            "/v1/segments/transitions?from=2026-03-31&to=2026-06-30&from_segment=vip&to_segment=lost",
            "from_segment",
            "unknown_segment",
        ),
        ("/v1/analytics/top-customers?limit=0", "limit", "out_of_range"),
        ("/v1/analytics/top-customers?limit=1001", "limit", "out_of_range"),
        ("/v1/analytics/top-customers?limit=ten", "limit", "out_of_range"),
        ("/v1/analytics/top-customers?as_of=30/06/2026", "as_of", "invalid_format"),
    ];
    for (path, field, code) in cases {
        let a = app.admin("GET", path, None).await.expect_problem(422, "validation_failed");
        assert_field(&a, field, code);
    }
    // Several bad fields are reported together.
    let a = app
        .admin("GET", "/v1/segments/vip/customers?limit=500&as_of=x", None)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), ["segment", "as_of", "limit"]);
    // The largest list there is.
    app.admin("GET", "/v1/analytics/top-customers?limit=1000", None).await.expect(200);
}

#[tokio::test]
async fn without_a_snapshot_the_answer_is_a_clear_404() {
    let app = TestApp::spawn().await;
    let customer = app.customer(json!({ "name": "Nobody Yet", "phones": [] })).await;
    for path in [
        "/v1/segments".to_owned(),
        "/v1/segments/champions/customers".to_owned(),
        "/v1/analytics/top-customers".to_owned(),
        format!("/v1/customers/{}/value", id_of(&customer)),
    ] {
        let a = app.admin("GET", &path, None).await.expect_problem(404, "snapshot_not_found");
        assert!(a.body["detail"].as_str().unwrap_or("").contains("refresh-segments"), "{}", a.text);
    }
    refresh(&app, day(2026, 6, 30));
    let a = app.admin("GET", "/v1/segments?as_of=2026-06-01", None).await.expect_problem(404, "snapshot_not_found");
    assert!(a.body["detail"].as_str().unwrap_or("").contains("2026-06-01"), "{}", a.text);
    app.admin("GET", "/v1/segments/transitions?from=2026-06-01&to=2026-06-30", None)
        .await
        .expect_problem(404, "snapshot_not_found");
    // A snapshot with nobody in it is an answer, not an error.
    let s = app.admin("GET", "/v1/segments", None).await.expect(200).body;
    assert_eq!(s["customers"], 0);
    let v = app.admin("GET", &format!("/v1/customers/{}/value", id_of(&customer)), None).await.expect(200).body;
    assert!(v["current"].is_null());
    app.admin("GET", &format!("/v1/customers/{}/value", uuid::Uuid::new_v4()), None)
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn refreshing_the_same_date_again_replaces_the_snapshot_with_the_same_rows() {
    let app = TestApp::spawn().await;
    let _ = fixture(&app).await;
    let snapshot = |app: &TestApp| {
        rows(
            app,
            "SELECT customer_id, as_of, r, f, m, segment, monetary, clv, p_alive FROM segment_snapshots ORDER BY customer_id, as_of",
        )
    };
    let first = refresh(&app, day(2026, 6, 30));
    let before = snapshot(&app);
    let second = refresh(&app, day(2026, 6, 30));
    assert!(!first.replaced);
    assert!(second.replaced);
    assert_eq!(snapshot(&app), before);
    assert_eq!(app.count("segment_snapshots"), 10);
    assert_eq!(app.count("segment_runs"), 1);

    // The scheduled job writes a date at most once, and skips it afterwards.
    let mut conn = app.db.connect();
    let now = Utc::now();
    let job = |conn: &mut clientele_store::PgConnection, as_of| {
        clientele_app::jobs::refresh_segments_if_due(conn, &mut [], as_of, now).expect("job")
    };
    let skipped = job(&mut conn, day(2026, 6, 30));
    assert!(skipped.is_none(), "that date has a snapshot");
    let ran = job(&mut conn, day(2026, 7, 31));
    assert_eq!(ran.map(|r| r.customers), Some(10));
    let again = job(&mut conn, day(2026, 7, 31));
    assert!(again.is_none());
    assert_eq!(app.count("segment_runs"), 2);
    assert_eq!(app.count("segment_snapshots"), 20);
}

#[tokio::test]
async fn when_nobody_bought_twice_the_rfm_part_is_kept_and_the_model_error_recorded() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    for i in 0..6 {
        let c =
            id_of(&app.customer(json!({ "name": format!("Once {i}"), "phones": [], "home_store_id": store })).await);
        simple_order(&app, &store, &c, format!("once-{i}"), &format!("2026-0{}-10", i + 1), "100", "beauty").await;
    }
    let report = refresh(&app, day(2026, 6, 30));
    assert_eq!(report.customers, 6);
    assert_eq!(report.model_error.as_ref().map(|e| e.code.as_str()), Some("value.no_repeat_buyers"));
    let s = app.admin("GET", "/v1/segments", None).await.expect(200).body;
    assert_eq!(s["customers"], 6);
    assert_eq!(s["run"]["model_error"]["code"], "value.no_repeat_buyers");
    assert!(s["run"]["bgnbd"].is_null());
    let top = app.admin("GET", "/v1/analytics/top-customers", None).await.expect(200).body;
    let items = top["items"].as_array().expect("items");
    assert_eq!(items.len(), 6);
    assert!(items.iter().all(|i| i["value"]["clv"].is_null() && i["value"]["segment"].is_string()));
}

#[tokio::test]
async fn customers_erased_or_merged_away_are_in_no_later_snapshot() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    refresh(&app, day(2026, 6, 30));
    app.admin("DELETE", &format!("/v1/customers/{}", f.a.lost), None).await.expect(200);
    app.admin("POST", &format!("/v1/customers/{}/merge", f.a.new), Some(&json!({ "absorb": f.b.new })))
        .await
        .expect(200);
    let report = refresh(&app, day(2026, 7, 31));
    assert_eq!(report.customers, 8, "{report}");
    let later = rows(&app, "SELECT customer_id::text AS id FROM segment_snapshots WHERE as_of = '2026-07-31'");
    let ids: Vec<&str> = later.iter().filter_map(|r| r["id"].as_str()).collect();
    assert!(!ids.contains(&f.a.lost.as_str()) && !ids.contains(&f.b.new.as_str()), "{ids:?}");
    assert!(ids.contains(&f.a.new.as_str()), "the survivor is in: {ids:?}");
    // The earlier snapshot is history and stays as it was.
    let earlier = rows(&app, "SELECT count(*) AS n FROM segment_snapshots WHERE as_of = '2026-06-30'");
    assert_eq!(earlier[0]["n"], 10);
}

/// The RFM settings (issue #17): read, refused with the field named,
/// previewed against the latest snapshot with nothing written, saved
/// (audited), and used by the next refresh. Only admin and crm_manager.
#[tokio::test]
async fn rfm_settings_are_read_previewed_saved_and_used_by_the_next_refresh() {
    let app = TestApp::spawn().await;
    let defaults = json!({"window_months": 24, "recency_days": [90, 180, 365],
        "frequency": {"thresholds": [2, 3, 5, 8]}, "monetary": "quintiles", "new_customer_days": 90});
    let got = app.admin("GET", "/v1/segments/config", None).await.expect(200).body;
    assert_eq!(got, json!({"version": 0, "config": defaults}));
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("GET", "/v1/segments/config", Some(&analyst), None).await.expect(403);
    app.call("POST", "/v1/segments/preview", Some(&analyst), Some(&defaults)).await.expect(403);
    app.admin("POST", "/v1/segments/preview", Some(&defaults)).await.expect(404);

    let f = fixture(&app).await;
    refresh(&app, day(2026, 6, 30));
    let snapshots = app.count("segment_snapshots");
    let audits = app.count("audit_log");

    // Under the defaults (R 5 up to 90 days, R 4 up to 180, R 3 up to 365; F
    // 1, 2, 3-4, 5-7, 8+ orders): loyal (30 days, 4 orders: R 5, F 3) and
    // risk (120 days, 3 orders: R 4, F 3) are potential loyalists; lost (302
    // days, 2 orders: R 3, F 2) needs attention — a luxury client who bought
    // twice and last ten months ago is not lost.
    let p = app.admin("POST", "/v1/segments/preview", Some(&defaults)).await.expect(200).body;
    assert_eq!(p["as_of"], "2026-06-30");
    assert_eq!(p["settings"], defaults);
    let sizes: Vec<(String, u64, u64)> = p["segments"]
        .as_array()
        .expect("segments")
        .iter()
        .filter(|s| s["now"].as_u64() != Some(0) || s["preview"].as_u64() != Some(0))
        .map(|s| {
            (
                s["segment"].as_str().unwrap_or("").to_owned(),
                s["now"].as_u64().unwrap_or(0),
                s["preview"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let size = |s: &str, now: u64, preview: u64| (s.to_owned(), now, preview);
    assert_eq!(
        sizes,
        [
            size("champions", 2, 2),
            size("loyal_customers", 2, 0),
            size("potential_loyalists", 0, 4),
            size("new_customers", 2, 2),
            size("need_attention", 0, 2),
            size("at_risk", 2, 0),
            size("lost", 2, 0),
        ]
    );
    let moves: Vec<(Value, Value, u64)> = p["moves"]
        .as_array()
        .expect("moves")
        .iter()
        .map(|c| (c["from_segment"].clone(), c["to_segment"].clone(), c["customers"].as_u64().expect("n")))
        .collect();
    assert_eq!(
        moves,
        [
            (json!("champions"), json!("champions"), 2),
            (json!("loyal_customers"), json!("potential_loyalists"), 2),
            (json!("new_customers"), json!("new_customers"), 2),
            (json!("at_risk"), json!("potential_loyalists"), 2),
            (json!("lost"), json!("need_attention"), 2),
        ]
    );
    assert_eq!(
        (app.count("segment_snapshots"), app.count("audit_log")),
        (snapshots, audits),
        "a preview writes nothing"
    );

    // Refusals name the setting; nothing is saved.
    for (body, field, code) in [
        (json!({"window_months": 0}), "window_months", "invalid_setting"),
        (json!({"recency_days": [90, 90, 365]}), "recency_days", "invalid_setting"),
        (json!({"window_months": 12}), "recency_days", "invalid_setting"),
        (json!({"frequency": {"thresholds": [1, 3, 5, 8]}}), "frequency", "invalid_setting"),
        (json!({"new_customer_days": 400}), "new_customer_days", "invalid_setting"),
    ] {
        let mut candidate = defaults.clone();
        for (k, v) in body.as_object().expect("object") {
            candidate[k] = v.clone();
        }
        for (method, path) in [("PUT", "/v1/segments/config"), ("POST", "/v1/segments/preview")] {
            let a = app.admin(method, path, Some(&candidate)).await;
            assert_eq!(a.status, 422, "{method} {path} {candidate}: {}", a.text);
            assert_field(&a, field, code);
        }
    }
    let mut descending = defaults.clone();
    descending["frequency"] = json!({"thresholds": [8, 5, 3, 2]});
    let a = app.admin("PUT", "/v1/segments/config", Some(&descending)).await.expect(422);
    assert_eq!(a.body["errors"][0]["field"], "frequency.thresholds", "{}", a.text);
    let mut unknown = defaults.clone();
    unknown["window_days"] = json!(365);
    app.admin("PUT", "/v1/segments/config", Some(&unknown)).await.expect(422);
    assert_eq!(app.count("audit_log"), audits);

    // Saved by a CRM manager (audited), then used by the next refresh.
    let crm = key(&app, Role::CrmManager, &[]);
    let audits = app.count("audit_log");
    let mut chosen = defaults.clone();
    chosen["window_months"] = json!(36);
    chosen["monetary"] = json!({"thresholds": ["500", "1000", "2000", "4000"]});
    let saved = app.call("PUT", "/v1/segments/config", Some(&crm), Some(&chosen)).await.expect(200).body;
    assert_eq!(saved, json!({"version": 1, "config": chosen}));
    assert_eq!(app.admin("GET", "/v1/segments/config", None).await.expect(200).body["version"], 1);
    assert_eq!(app.count("audit_log"), audits + 1);
    let mut conn = app.db.connect();
    let config = clientele_app::segments::refresh_config(&mut conn).expect("config");
    assert_eq!(config.rfm().window_months(), 36);
    let run = RefreshRun {
        as_of: day(2026, 7, 1),
        config: &config,
        now: Utc::now(),
        threads: clientele_app::machine_threads(),
    };
    clientele_app::segments::refresh_segments(&mut conn, &mut [], &run, &mut |_| {}).expect("refresh");
    let s = app.admin("GET", "/v1/segments?as_of=2026-07-01", None).await.expect(200).body;
    assert_eq!(s["run"]["rfm"], chosen);
    let champ = app.admin("GET", &format!("/v1/customers/{}/value", f.a.champ), None).await.expect(200).body;
    assert_eq!(champ["current"]["rfm"], "545", "R 5, five orders (F 4), 5000 paid (M 5 from 4000)");
}
