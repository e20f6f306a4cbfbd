//! A campaign's measured results (issue #14) against PostgreSQL: every
//! figure of `GET /v1/campaigns/{id}/results` recomputed here from the raw
//! contacts, orders and returns — each customer's group and first contact,
//! the orders placed in the window, the returns made before it closed —
//! with the interval formulas written out again (Wilson, Newcombe), not
//! taken from the crate.

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, Utc};
use clientele_profiles::Role;
use clientele_tests::TestApp;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{assert_field, key, rows};

fn execute(app: &TestApp, sql: &str) {
    diesel::sql_query(sql).execute(&mut app.db.connect()).expect(sql);
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().expect("a number"),
        other => other.as_f64().unwrap_or_else(|| panic!("not a number: {other}")),
    }
}

fn close(what: &str, got: f64, want: f64) {
    assert!((got - want).abs() <= 1e-9 * want.abs().max(1.0), "{what}: got {got}, want {want}");
}

/// Wilson's interval, written out again.
fn wilson(x: f64, n: f64) -> (f64, f64, f64) {
    let z = 1.959_963_984_540_054_f64;
    let p = x / n;
    let centre = (p + z * z / (2.0 * n)) / (1.0 + z * z / n);
    let half = z / (1.0 + z * z / n) * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    (p, if x == 0.0 { 0.0 } else { centre - half }, if x == n { 1.0 } else { centre + half })
}

/// One customer as the test sees them.
#[derive(Default, Debug)]
struct Seen {
    control: bool,
    at: Option<DateTime<Utc>>,
    ordered: bool,
    promoted: bool,
    revenue: f64,
}

/// Every assigned customer's group, window and spending, from raw rows.
fn recompute(app: &TestApp, campaign: &str, window: TimeDelta) -> HashMap<String, Seen> {
    recompute_promoting(app, campaign, window, "lower(category) = 'bags'")
}

/// [`recompute`], with the promoted lines those matching `promoted` (SQL).
fn recompute_promoting(app: &TestApp, campaign: &str, window: TimeDelta, promoted: &str) -> HashMap<String, Seen> {
    let mut seen: HashMap<String, Seen> = HashMap::new();
    for r in rows(
        app,
        &format!("SELECT customer_id::text AS c, outcome, at FROM campaign_contacts WHERE campaign_id = '{campaign}'"),
    ) {
        let at: DateTime<Utc> = serde_json::from_value(r["at"].clone()).expect("at");
        let s = seen.entry(r["c"].as_str().expect("c").to_owned()).or_default();
        s.control = r["outcome"] == "held_out";
        s.at = Some(s.at.map_or(at, |t| t.min(at)));
    }
    let orders = rows(
        app,
        "SELECT customer_id::text AS c, order_id::text AS o, ordered_at, amount_paid_base::text AS paid FROM orders",
    );
    let returns = rows(app, "SELECT order_id::text AS o, returned_at, amount_base::text AS amount FROM order_returns");
    let bags = rows(app, &format!("SELECT DISTINCT order_id::text AS o FROM order_lines WHERE {promoted}"));
    for o in orders {
        let Some(s) = seen.get_mut(o["c"].as_str().expect("c")) else { continue };
        let at = s.at.expect("first contact");
        let ordered: DateTime<Utc> = serde_json::from_value(o["ordered_at"].clone()).expect("ordered_at");
        if ordered < at || ordered >= at + window {
            continue;
        }
        s.ordered = true;
        s.promoted |= bags.iter().any(|b| b["o"] == o["o"]);
        s.revenue += num(&o["paid"]);
        for r in returns.iter().filter(|r| r["o"] == o["o"]) {
            let returned: DateTime<Utc> = serde_json::from_value(r["returned_at"].clone()).expect("returned_at");
            if returned < at + window {
                s.revenue -= num(&r["amount"]);
            }
        }
    }
    seen
}

/// Checks each group's counts, revenue and response rate (who
/// `responded`), and the uplift's Newcombe interval, against the raw
/// figures; the two rates.
fn check_response(r: &Value, seen: &HashMap<String, Seen>, responded: impl Fn(&Seen) -> bool) -> (f64, f64) {
    let mut rates = Vec::new();
    for (group, control) in [("treated", false), ("control", true)] {
        let mine: Vec<&Seen> = seen.values().filter(|s| s.control == control).collect();
        let n = mine.len() as f64;
        let responders = mine.iter().filter(|s| responded(s)).count() as f64;
        let g = &r[group];
        assert_eq!(g["customers"].as_f64(), Some(n), "{group}");
        assert_eq!(g["responders"].as_f64(), Some(responders), "{group}");
        assert_eq!(g["buyers"].as_f64(), Some(mine.iter().filter(|s| s.ordered).count() as f64), "{group}");
        close(&format!("{group} revenue"), num(&g["revenue"]), mine.iter().map(|s| s.revenue).sum());
        let (p, low, high) = wilson(responders, n);
        close(&format!("{group} rate"), num(&g["response_rate"]["value"]), p);
        close(&format!("{group} low"), num(&g["response_rate"]["low"]), low);
        close(&format!("{group} high"), num(&g["response_rate"]["high"]), high);
        rates.push((p, low, high));
    }
    // Newcombe's interval from the two Wilson intervals.
    let ((p1, l1, u1), (p0, l0, u0)) = (rates[0], rates[1]);
    let d = &r["uplift"]["response"]["difference"];
    close("difference", num(&d["value"]), p1 - p0);
    close("difference low", num(&d["low"]), p1 - p0 - ((p1 - l1).powi(2) + (u0 - p0).powi(2)).sqrt());
    close("difference high", num(&d["high"]), p1 - p0 + ((u1 - p1).powi(2) + (p0 - l0).powi(2)).sqrt());
    (p1, p0)
}

fn order(external: &str, store: &str, customer: &str, at: DateTime<Utc>, category: &str, price: &str) -> Value {
    json!({
        "source": "pos", "external_id": external, "store_id": store, "customer": { "id": customer },
        "ordered_at": at.to_rfc3339(), "currency": "CNY", "payment_method": "card", "amount_paid": price,
        "lines": [{ "line_id": "1", "sku": format!("{category}-1"), "category": category, "quantity": 1, "unit_price": price }]
    })
}

#[tokio::test]
async fn every_figure_of_the_results_is_recomputed_from_the_raw_orders() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let body = json!({
        "name": "Bags for the autumn", "audience": {"consent": "sms"}, "schedule": {"once": {"at": null}},
        "channel": "sms", "action": {"message": {"template": "bags"}}, "holdout_percent": 50,
        "cost_per_message": "0.10", "promoted": {"categories": ["Bags"]},
    });
    let id = app.call("POST", "/v1/campaigns", Some(&crm), Some(&body)).await.expect(201).body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let path = format!("/v1/campaigns/{id}");
    // Before the launch: nobody in either group, nothing to measure yet.
    let draft = app.call("GET", &format!("{path}/results"), Some(&crm), None).await.expect(200).body;
    assert_eq!((draft["treated"]["customers"].as_u64(), draft["control_group"].as_bool()), (Some(0), Some(false)));
    assert_eq!(draft["uplift"], Value::Null);

    app.call("POST", &format!("{path}/launch"), Some(&crm), None).await.expect(200);
    crate::campaign_delivery::run_job(&app);
    // The campaign ran 45 days ago: its 30-day windows are closed.
    execute(&app, &format!("UPDATE campaign_contacts SET at = at - interval '45 days' WHERE campaign_id = '{id}'"));
    let contacts = rows(
        &app,
        &format!(
            "SELECT customer_id::text AS c, outcome, min(at) AS at FROM campaign_contacts WHERE campaign_id = '{id}' GROUP BY 1, 2 ORDER BY 1"
        ),
    );
    let store = rows(&app, "SELECT id::text AS id FROM stores ORDER BY id LIMIT 1")[0]["id"]
        .as_str()
        .expect("store")
        .to_owned();
    let pos = key(&app, Role::Pos, &[]);
    // Orders in and out of the windows, some of bags, and returns made
    // before and after a window closed.
    for (i, c) in contacts.iter().enumerate().filter(|(i, _)| i % 3 != 2) {
        let at: DateTime<Utc> = serde_json::from_value(c["at"].clone()).expect("at");
        let customer = c["c"].as_str().expect("c");
        let (days, category) = match i % 6 {
            0 => (2, "bags"),
            1 => (10, "shoes"),
            3 => (40, "bags"),
            _ => (29, "beauty"),
        };
        let price = format!("{}", 500 + 37 * i);
        let made = app
            .call(
                "POST",
                "/v1/orders",
                Some(&pos),
                Some(&order(&format!("R-{i}"), &store, customer, at + TimeDelta::days(days), category, &price)),
            )
            .await;
        let made = made.expect(201).body;
        if i % 4 == 0 {
            let placed = at + TimeDelta::days(days);
            let when =
                (placed + TimeDelta::days(if i % 8 == 0 { 3 } else { 18 })).min(Utc::now() - TimeDelta::minutes(1));
            let ret = json!({ "source": "pos", "external_id": format!("RET-{i}"), "returned_at": when.to_rfc3339(), "lines": [{ "line_id": "1", "quantity": 1 }] });
            app.call(
                "POST",
                &format!("/v1/orders/{}/returns", made["id"].as_str().expect("id")),
                Some(&pos),
                Some(&ret),
            )
            .await
            .expect(201);
        }
    }
    let settings = app.call("GET", "/v1/campaigns/settings", Some(&crm), None).await.expect(200).body;
    let mut config = settings["config"].clone();
    config["margin_rate"] = json!("0.6");
    app.call("PUT", "/v1/campaigns/settings", Some(&crm), Some(&config)).await.expect(200);

    let r = app.call("GET", &format!("{path}/results?window_days=30"), Some(&crm), None).await.expect(200).body;
    let seen = recompute(&app, &id, TimeDelta::days(30));
    assert_eq!(r["provisional"], false, "{r}");
    assert_eq!(r["control_group"], true);
    check_response(&r, &seen, |s| s.ordered);
    // The cost: the messages sent at 0.10; ROI from it and the margin.
    let sent = app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = 'sent'"));
    close("messages", num(&r["cost"]["messages"]), sent as f64 * 0.10);
    close("total", num(&r["cost"]["total"]), sent as f64 * 0.10);
    let incremental = num(&r["uplift"]["incremental_revenue"]["value"]);
    let treated = r["treated"]["customers"].as_f64().expect("treated");
    let per_customer = |control: bool| {
        let mine: Vec<&Seen> = seen.values().filter(|s| s.control == control).collect();
        mine.iter().map(|s| s.revenue).sum::<f64>() / mine.len() as f64
    };
    assert!(
        (incremental - (per_customer(false) - per_customer(true)) * treated).abs() < 0.01 * treated.max(1.0),
        "{r}"
    );
    // The incremental revenue shown is to the cent: ROI from it is within
    // 0.6 × half a cent of the cost.
    let (roi, cost) = (num(&r["uplift"]["roi"]["value"]), sent as f64 * 0.10);
    assert!((roi - (0.6 * incremental - cost) / cost).abs() <= 0.6 * 0.005 / cost + 1e-9, "roi {roi}");

    // The promoted products: who bought bags in their window.
    let promoted = app.call("GET", &format!("{path}/results?metric=promoted"), Some(&crm), None).await.expect(200).body;
    for (group, control) in [("treated", false), ("control", true)] {
        let want = seen.values().filter(|s| s.control == control && s.promoted).count() as u64;
        assert_eq!(promoted[group]["responders"].as_u64(), Some(want), "{group}");
    }
    // Cut by tier: the cuts add up to the whole.
    let by_tier = app.call("GET", &format!("{path}/results?by=tier"), Some(&crm), None).await.expect(200).body;
    let cuts = by_tier["cuts"].as_array().expect("cuts");
    assert!(!cuts.is_empty());
    let sum = |g: &str, f: &str| cuts.iter().map(|c| c[g][f].as_u64().expect("count")).sum::<u64>();
    assert_eq!(sum("treated", "customers"), r["treated"]["customers"].as_u64().expect("n"));
    assert_eq!(sum("control", "buyers"), r["control"]["buyers"].as_u64().expect("n"));

    // The same request twice: the same figures, bootstrap included.
    let again = app.call("GET", &format!("{path}/results?window_days=30"), Some(&crm), None).await.expect(200).body;
    assert_eq!(again["uplift"], r["uplift"]);

    // Bad parameters name themselves; another store's manager sees nothing.
    for (q, field) in [
        ("window_days=0", "window_days"),
        ("window_days=x", "window_days"),
        ("metric=clicks", "metric"),
        ("by=city", "by"),
    ] {
        let a = app.call("GET", &format!("{path}/results?{q}"), Some(&crm), None).await.expect(422);
        assert_field(&a, field, a.body["errors"][0]["code"].as_str().expect("code"));
    }
    let manager = key(&app, Role::StoreManager, &[&store]);
    app.call("GET", &format!("{path}/results"), Some(&manager), None).await.expect(404);
    app.call("GET", &format!("{path}/results"), Some(&pos), None).await.expect(403);
    app.call("GET", "/v1/campaigns/00000000-0000-0000-0000-000000000000/results", Some(&crm), None).await.expect(404);
}

#[tokio::test]
async fn without_a_control_group_the_response_is_shown_and_no_uplift_claimed() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let body = json!({
        "name": "Everyone", "audience": {"consent": "sms"}, "schedule": {"once": {"at": null}},
        "channel": "sms", "action": {"message": {"template": "hi"}},
    });
    let id = app.call("POST", "/v1/campaigns", Some(&crm), Some(&body)).await.expect(201).body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&crm), None).await.expect(200);
    crate::campaign_delivery::run_job(&app);
    let r = app.call("GET", &format!("/v1/campaigns/{id}/results"), Some(&crm), None).await.expect(200).body;
    assert!(r["treated"]["customers"].as_u64().expect("n") > 0);
    assert_eq!(
        (r["control"].clone(), r["uplift"].clone(), r["control_group"].clone()),
        (Value::Null, Value::Null, json!(false))
    );
    assert!(r["notes"][0].as_str().expect("note").contains("no uplift can be measured"), "{r}");
    assert_eq!(r["provisional"], true, "the window is open");
    let a = app.call("GET", &format!("/v1/campaigns/{id}/results?metric=promoted"), Some(&crm), None).await.expect(422);
    assert_field(&a, "metric", "nothing_promoted");
}

#[tokio::test]
async fn a_campaigns_control_group_gets_none_of_its_offers_and_its_cost_counts_what_was_given() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let body = json!({
        "name": "Serum samples", "audience": {"consent": "sms"}, "schedule": {"once": {"at": null}},
        "channel": "sms", "action": {"message": {"template": "serum"}}, "holdout_percent": 50,
        "promoted": {"skus": ["BT-SERUM-50ML"]},
    });
    let id = app.call("POST", "/v1/campaigns", Some(&crm), Some(&body)).await.expect(201).body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let window = ("2026-01-01T00:00:00Z", "2100-01-01T00:00:00Z");
    let gift = json!({ "name": "Two samples", "campaign_id": id, "sku": "BT-SERUM-5ML", "gift_name": "Serum 5 ml",
        "unit_cost": "35", "quantity": 2, "valid_from": window.0, "valid_to": window.1 });
    app.call("POST", "/v1/gift-offers", Some(&crm), Some(&gift)).await.expect(201);
    let bonus = json!({ "name": "500 points", "campaign_id": id, "kind": { "bonus": 500 }, "valid_from": window.0, "valid_to": window.1 });
    app.call("POST", "/v1/points-offers", Some(&crm), Some(&bonus)).await.expect(201);
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&crm), None).await.expect(200);
    crate::campaign_delivery::run_job(&app);
    let one = |outcome: &str| {
        rows(&app, &format!("SELECT customer_id::text AS c FROM campaign_contacts WHERE campaign_id = '{id}' AND outcome = '{outcome}' ORDER BY customer_id LIMIT 1"))[0]["c"]
            .as_str()
            .expect("customer")
            .to_owned()
    };
    let (held, sent) = (one("held_out"), one("sent"));
    let store = rows(&app, "SELECT id::text AS id FROM stores ORDER BY id LIMIT 1")[0]["id"]
        .as_str()
        .expect("store")
        .to_owned();
    let pos = key(&app, Role::Pos, &[]);
    let now = Utc::now();
    let mut given = HashMap::new();
    for (n, customer) in [&held, &sent].into_iter().enumerate() {
        let body = order(&format!("S-{n}"), &store, customer, now, "beauty", "1200");
        let made = app.call("POST", "/v1/orders", Some(&pos), Some(&body)).await.expect(201).body;
        given.insert(customer.clone(), made);
    }
    assert_eq!(given[&held]["gifts"], json!([]), "the control group gets no sample");
    assert_eq!(given[&sent]["gifts"].as_array().map(Vec::len), Some(1));
    let offer_points = |c: &str| {
        app.count(&format!(
            "ledger WHERE customer_id = '{c}' AND kind = 'earn_activity' AND source->>'id' = 'campaign {id}'"
        ))
    };
    assert_eq!((offer_points(&held), offer_points(&sent)), (0, 1));

    let r = app.call("GET", &format!("/v1/campaigns/{id}/results"), Some(&crm), None).await.expect(200).body;
    assert_eq!(r["cost"]["gifts"], "70.00", "{r}");
    assert_eq!(r["cost"]["offer_points"], 500);
}

#[tokio::test]
async fn the_scorecard_shows_each_campaign_as_its_results_do_and_a_trigger_per_month() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let once = json!({
        "name": "Once", "audience": {"consent": "sms"}, "schedule": {"once": {"at": null}},
        "channel": "sms", "action": {"message": {"template": "once"}}, "holdout_percent": 30, "cost_per_message": "0.20",
    });
    let trigger = json!({
        "name": "Lapsing", "audience": {"consent": "email"}, "schedule": {"trigger": {"no_purchase_for": {"days": 30}}},
        "channel": "email", "action": {"message": {"template": "lapsing"}}, "holdout_percent": 30,
    });
    let mut ids = Vec::new();
    for body in [&once, &trigger] {
        let id = app.call("POST", "/v1/campaigns", Some(&crm), Some(body)).await.expect(201).body["id"]
            .as_str()
            .expect("id")
            .to_owned();
        app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&crm), None).await.expect(200);
        ids.push(id);
    }
    crate::campaign_delivery::run_job(&app);
    // Half the trigger's contacts a month earlier: two months of it.
    execute(
        &app,
        &format!(
            "UPDATE campaign_contacts SET at = at - interval '1 month' WHERE campaign_id = '{0}' AND customer_id IN (SELECT customer_id FROM campaign_contacts WHERE campaign_id = '{0}' ORDER BY customer_id LIMIT (SELECT count(*) / 2 FROM campaign_contacts WHERE campaign_id = '{0}'))",
            ids[1]
        ),
    );
    let total =
        app.count(&format!("(SELECT DISTINCT customer_id FROM campaign_contacts WHERE campaign_id = '{}') t", ids[1]));
    // Messages wait out the quiet hours: they may go tomorrow.
    let to = Utc::now().date_naive() + TimeDelta::days(2);
    let from = to - TimeDelta::days(64);
    let card = app
        .call("GET", &format!("/v1/analytics/campaigns?from={from}&to={to}&sort=audience"), Some(&crm), None)
        .await
        .expect(200)
        .body;
    let rows = card["campaigns"].as_array().expect("rows");
    let of = |id: &str| rows.iter().filter(|r| r["campaign_id"] == id).collect::<Vec<_>>();
    let (once_rows, trigger_rows) = (of(&ids[0]), of(&ids[1]));
    assert_eq!(once_rows.len(), 1, "{card}");
    assert!(trigger_rows.len() >= 2, "{card}");
    assert!(trigger_rows.iter().all(|r| r["schedule"] == "trigger" && r["month"].is_string()));
    assert_eq!(trigger_rows.iter().map(|r| r["audience"].as_i64().expect("n")).sum::<i64>(), total);
    let audiences: Vec<i64> = rows.iter().map(|r| r["audience"].as_i64().expect("n")).collect();
    assert!(audiences.windows(2).all(|w| w[0] >= w[1]), "sorted by audience: {audiences:?}");
    // The one-off row is the campaign's results.
    let r = app.call("GET", &format!("/v1/campaigns/{}/results", ids[0]), Some(&crm), None).await.expect(200).body;
    let row = once_rows[0];
    assert_eq!(
        row["audience"].as_u64(),
        Some(r["treated"]["customers"].as_u64().expect("n") + r["control"]["customers"].as_u64().expect("n"))
    );
    assert_eq!((&row["held_out"], &row["cost"]), (&r["control"]["customers"], &r["cost"]["total"]));
    assert_eq!(row["incremental_revenue"], r["uplift"]["incremental_revenue"]);
    assert_eq!(row["response_uplift"], r["uplift"]["response"]["difference"]);

    for (q, field) in [
        ("from=2026-01-02&to=2026-01-01", "to"),
        ("to=2026-01-01", "from"),
        ("from=2026-01-01&to=2026-02-01&sort=name", "sort"),
    ] {
        let a = app.call("GET", &format!("/v1/analytics/campaigns?{q}"), Some(&crm), None).await.expect(422);
        assert_eq!(a.body["errors"][0]["field"], field, "{q}");
    }
}

/// The seed's experiment (issue #14, item 5): the demo's serum samples to a
/// random half of the beauty buyers 75 days ago; after 60 days the results
/// show the serum's repurchase in each group and the uplift, every figure
/// recomputed here from the raw orders.
#[tokio::test]
async fn the_seeds_sample_experiment_shows_the_repurchase_per_group_and_the_uplift() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let now = Utc::now();
    let ctx = clientele_store::AuditContext::system(now);
    let made = clientele_app::demo::experiment(&mut app.db.connect(), &ctx, now, 5).expect("experiment");
    assert!(made.treated > 0 && made.held_out > 0 && made.orders > 0, "{made:?}");
    let crm = key(&app, Role::CrmManager, &[]);
    let id = made.campaign.to_string();
    let r = app
        .call("GET", &format!("/v1/campaigns/{id}/results?window_days=60&metric=promoted"), Some(&crm), None)
        .await
        .expect(200)
        .body;
    assert_eq!((r["provisional"].as_bool(), r["control_group"].as_bool()), (Some(false), Some(true)), "{r}");
    let seen = recompute_promoting(&app, &id, TimeDelta::days(60), "sku = 'BT-SERUM-50ML'");
    let (p1, p0) = check_response(&r, &seen, |s| s.promoted);
    // The z-test, written out again.
    let (n1, n0) = (r["treated"]["customers"].as_f64().expect("n"), r["control"]["customers"].as_f64().expect("n"));
    let pooled = (p1 * n1 + p0 * n0) / (n1 + n0);
    let z = (p1 - p0) / (pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0)).sqrt();
    let p_value = r["uplift"]["response"]["p_value"].as_f64().expect("p");
    assert!((p_value - 2.0 * (1.0 - normal_cdf(z.abs()))).abs() < 1e-6, "p {p_value}, z {z}");
    // Only the treated got samples: two at 35 with each of their serum orders.
    let treated_orders = seen.values().filter(|s| !s.control && s.promoted).count() as f64;
    let sent = app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = 'sent'")) as f64;
    close("gifts", num(&r["cost"]["gifts"]), 70.0 * treated_orders);
    close("cost", num(&r["cost"]["total"]), 70.0 * treated_orders + 0.35 * sent);
    let given_to_control = app.count(&format!(
        "order_gifts g JOIN campaign_contacts x ON x.customer_id = g.customer_id AND x.campaign_id = '{id}' AND x.outcome = 'held_out'"
    ));
    assert_eq!(given_to_control, 0);
}

/// Φ by the Abramowitz–Stegun 7.1.26 erf (error below 1.5e-7): an
/// independent check of the p-value.
fn normal_cdf(x: f64) -> f64 {
    let t = 1.0 / (1.0 + 0.327_591_1 * x.abs() / std::f64::consts::SQRT_2);
    let poly =
        t * (0.254_829_592 + t * (-0.284_496_736 + t * (1.421_413_741 + t * (-1.453_152_027 + t * 1.061_405_429))));
    let erf = 1.0 - poly * (-(x * x) / 2.0).exp();
    if x >= 0.0 { 0.5 * (1.0 + erf) } else { 0.5 * (1.0 - erf) }
}
