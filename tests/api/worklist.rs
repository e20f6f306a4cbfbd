//! The associate's worklist over HTTP (issue #12): the clients to reach on
//! a day, most valuable first, each with the reasons in words and what to
//! know of them; a client reached lately only for their follow-ups; a
//! follow-up done leaves the list; another store's key sees nothing.

use chrono::{Datelike, NaiveDate, Utc};
use clientele_profiles::Role;
use clientele_tests::TestApp;
use diesel::RunQueryDsl;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, key, new_associate};

/// The worklist's day: today (UTC) — the service takes days within a year
/// of today.
fn day() -> NaiveDate {
    Utc::now().date_naive()
}

/// `days` after the day (before it when negative).
fn on(days: i64) -> NaiveDate {
    day() + chrono::Duration::days(days)
}

/// A birthday `days` after the day, born in 1992 (a leap year: any day is
/// a birthday).
fn born(days: i64) -> String {
    let d = on(days);
    format!("1992-{:02}-{:02}", d.month(), d.day())
}

fn short(d: NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

async fn client(app: &TestApp, store: &str, associate: &str, name: &str, extra: Value) -> String {
    let mut body = json!({ "name": name, "home_store_id": store, "associate_id": associate });
    for (k, v) in extra.as_object().expect("an object") {
        body[k] = v.clone();
    }
    id_of(&app.customer(body).await)
}

/// Two segment runs (33 and 3 days before the day) and each client's rows:
/// (customer, segment before, segment now, M score now, CLV now).
fn snapshots(app: &TestApp, rows: &[(&str, &str, &str, i16, &str)]) {
    let mut conn = app.db.connect();
    let (before, latest) = (on(-33), on(-3));
    diesel::sql_query(format!(
        "INSERT INTO segment_runs (as_of, config, customers, created_at, duration_ms) VALUES \
         ('{before}', '{{}}', 0, now(), 1), ('{latest}', '{{}}', 0, now(), 1)"
    ))
    .execute(&mut conn)
    .expect("runs");
    for as_of in [before, latest] {
        diesel::sql_query(format!(
            "CREATE TABLE segment_snapshots_d{} PARTITION OF segment_snapshots FOR VALUES IN (DATE '{as_of}')",
            as_of.format("%Y%m%d")
        ))
        .execute(&mut conn)
        .expect("partition");
    }
    for (customer, was, now, m, clv) in rows {
        for (as_of, segment, clv) in [(before, was, "1000"), (latest, now, clv)] {
            diesel::sql_query(format!(
                "INSERT INTO segment_snapshots (customer_id, as_of, recency_days, frequency, monetary, r, f, m, \
                   segment, first_purchase, last_purchase, repeat_purchases, average_repeat_spend, clv) \
                 VALUES ('{customer}', '{as_of}', 30, 3, 9000, 3, 3, {m}, '{segment}', '{}', '{}', 2, 3000, {clv})",
                on(-700),
                on(-60)
            ))
            .execute(&mut conn)
            .expect("snapshot");
        }
    }
}

fn texts(item: &Value) -> Vec<String> {
    item["reasons"].as_array().expect("reasons").iter().map(|r| r["text"].as_str().unwrap_or("").to_owned()).collect()
}

fn names(list: &Value) -> Vec<String> {
    list["items"].as_array().expect("items").iter().map(|i| i["name"].as_str().unwrap_or("").to_owned()).collect()
}

#[tokio::test]
async fn the_worklist_puts_forward_the_clients_to_reach_most_valuable_first_with_reasons_in_words() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let other = app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await;
    let lin = new_associate(&app, &store, "LIN").await;
    let mei = new_associate(&app, &store, "MEI").await;
    let far = new_associate(&app, &other, "FAR").await;
    let birthday = json!({
        "birthday": born(5),
        "preferences": { "categories": ["bags"], "colours": ["black"] },
        "sizes": { "clothing": "IT 40" },
        "consents": [{ "channel": "wechat", "granted": true, "source": "store" }],
    });
    let wang = client(&app, &store, &lin, "Wang Fang", birthday).await;
    let li = client(&app, &store, &lin, "Li Na", json!({})).await;
    let zhao = client(&app, &store, &lin, "Zhao Min", json!({})).await;
    let chen = client(&app, &store, &lin, "Chen Jie", json!({ "birthday": born(2) })).await;
    let _quiet = client(&app, &store, &lin, "Sun Yue", json!({ "birthday": born(100) })).await;
    let _theirs = client(&app, &store, &mei, "Xu Lan", json!({ "birthday": born(1) })).await;
    snapshots(
        &app,
        &[
            (&wang, "champions", "champions", 5, "5000"),
            (&li, "loyal_customers", "at_risk", 5, "20000"),
            (&chen, "champions", "champions", 5, "9000"),
        ],
    );
    let sale = json!({
        "source": "pos", "external_id": "R-1", "store_id": store, "customer": { "id": wang },
        "ordered_at": format!("{}T04:00:00Z", on(-60)), "currency": "CNY", "payment_method": "card", "amount_paid": "3000",
        "lines": [
            { "line_id": "1", "sku": "BAG-1", "name": "Tote", "category": "bags", "quantity": 1, "unit_price": "2500" },
            { "line_id": "2", "sku": "SCARF-1", "name": "Silk scarf", "category": "scarves", "quantity": 1, "unit_price": "500" }
        ]
    });
    app.admin("POST", "/v1/orders", Some(&sale)).await.expect(201);
    let call = json!({ "type": "call", "at": format!("{}T10:00:00Z", on(-3)), "direction": "outbound" });
    app.admin("POST", &format!("/v1/customers/{chen}/interactions"), Some(&call)).await.expect(201);
    let associate = key(&app, Role::Associate, &[&store]);
    let due = json!({ "due_on": on(-1), "reason": "Call about the alteration" });
    let follow_up =
        app.call("POST", &format!("/v1/customers/{zhao}/follow-ups"), Some(&associate), Some(&due)).await.expect(201);
    let chen_due = json!({ "due_on": day(), "reason": "Her order has arrived" });
    app.call("POST", &format!("/v1/customers/{chen}/follow-ups"), Some(&associate), Some(&chen_due)).await.expect(201);

    let path = format!("/v1/associates/{lin}/worklist?date={}", day());
    let list = app.call("GET", &path, Some(&associate), None).await.expect(200).body;
    assert_eq!(
        (list["associate_id"].as_str(), list["date"].as_str()),
        (Some(lin.as_str()), Some(day().to_string().as_str()))
    );
    // By lifetime value; Chen was called three days ago, so only her
    // follow-up puts her forward; Zhao, unscored, last; Sun and Mei's
    // client not at all.
    assert_eq!(names(&list), ["Li Na", "Chen Jie", "Wang Fang", "Zhao Min"]);
    let items = list["items"].as_array().expect("items");
    assert_eq!(texts(&items[0]), ["Top client moved from Loyal Customers into At Risk since the last snapshot"]);
    assert_eq!(items[0]["reasons"][0]["type"], "lapsing");
    assert_eq!(texts(&items[1]), ["Follow-up due today: Her order has arrived"]);
    assert_eq!(
        (items[1]["last_contact"].as_str(), items[1]["days_since_contact"].as_i64()),
        (Some(on(-3).to_string().as_str()), Some(3))
    );
    let wang_item = &items[2];
    assert_eq!(texts(wang_item), [format!("Birthday in 5 days, on {}", short(on(5)))]);
    assert_eq!(wang_item["clv"], "5000.00");
    assert_eq!(wang_item["preferences"]["categories"], json!(["bags"]));
    assert_eq!(wang_item["sizes"]["clothing"], "IT 40");
    assert_eq!(wang_item["consented_channels"], json!(["wechat"]));
    assert_eq!(wang_item["favourite_categories"], json!(["bags", "scarves"]));
    let bought: Vec<&str> =
        wang_item["last_purchases"].as_array().expect("lines").iter().filter_map(|l| l["sku"].as_str()).collect();
    assert_eq!(bought.len(), 2);
    assert!(wang_item["last_contact"].is_null());
    assert_eq!(texts(&items[3]), [format!("Follow-up overdue since {}: Call about the alteration", short(on(-1)))]);
    assert_eq!(items[3]["reasons"][0]["detail"]["follow_up"].as_str(), Some(id_of(&follow_up.body).as_str()));

    // Done, the follow-up leaves the list, and Zhao counts as reached.
    let done = json!({ "status": "done", "outcome": "Picked up on Friday", "channel": "phone" });
    let change = format!("/v1/customers/{zhao}/follow-ups/{}", id_of(&follow_up.body));
    app.call("PATCH", &change, Some(&associate), Some(&done)).await.expect(200);
    let list = app.call("GET", &format!("{path}&limit=2"), Some(&associate), None).await.expect(200).body;
    assert_eq!(names(&list), ["Li Na", "Chen Jie"]);
    let all = app.call("GET", &path, Some(&associate), None).await.expect(200).body;
    assert!(!names(&all).contains(&"Zhao Min".to_owned()));

    // The day is built once: one build for Lin on that day.
    assert_eq!(app.count(&format!("worklist_builds WHERE associate_id = '{lin}' AND as_of = '{}'", day())), 1);

    // Handed over, Wang is on Mei's list from its next read, and off Lin's.
    let manager = key(&app, Role::StoreManager, &[&store]);
    let meis = format!("/v1/associates/{mei}/worklist?date={}", day());
    assert_eq!(names(&app.call("GET", &meis, Some(&manager), None).await.expect(200).body), ["Xu Lan"]);
    let handover = json!({ "to": mei, "customers": [wang] });
    app.call("POST", &format!("/v1/associates/{lin}/handover"), Some(&manager), Some(&handover)).await.expect(200);
    let theirs_now = app.call("GET", &meis, Some(&manager), None).await.expect(200).body;
    assert_eq!(names(&theirs_now), ["Wang Fang", "Xu Lan"]);
    assert!(
        !names(&app.call("GET", &path, Some(&manager), None).await.expect(200).body).contains(&"Wang Fang".to_owned())
    );

    // Scope, roles and bad input.
    let theirs = key(&app, Role::StoreManager, &[&other]);
    app.call("GET", &path, Some(&theirs), None).await.expect(404);
    app.call("GET", &format!("/v1/associates/{far}/worklist"), Some(&associate), None).await.expect(404);
    app.call("GET", &format!("/v1/associates/{far}/worklist"), Some(&theirs), None).await.expect(200);
    app.call("GET", &path, Some(&key(&app, Role::Analyst, &[])), None).await.expect(403);
    app.call("GET", &path, Some(&key(&app, Role::Pos, &[])), None).await.expect(403);
    app.call("GET", &format!("/v1/associates/{}/worklist", uuid::Uuid::nil()), Some(&associate), None)
        .await
        .expect(404);
    app.call("GET", "/v1/associates/not-an-id/worklist", Some(&associate), None).await.expect(404);
    let bad = app.call("GET", &format!("/v1/associates/{lin}/worklist?date=2026-02-30"), Some(&associate), None).await;
    assert_field(&bad.expect(422), "date", "invalid_format");
    let far_off = format!("/v1/associates/{lin}/worklist?date={}", on(400));
    assert_field(&app.call("GET", &far_off, Some(&associate), None).await.expect(422), "date", "out_of_range");
    let bad = app.call("GET", &format!("{path}&limit=0"), Some(&associate), None).await;
    assert_field(&bad.expect(422), "limit", "out_of_range");
    // An associate's own key: their list and figures, not a colleague's.
    let own = json!({ "name": "Lin (own)", "role": "associate", "store_ids": [store], "associate_id": lin });
    let created = app.admin("POST", "/v1/api-keys", Some(&own)).await.expect(201).body;
    assert_eq!(created["key"]["associate_id"].as_str(), Some(lin.as_str()));
    let lins = created["token"].as_str().expect("token").to_owned();
    app.call("GET", &path, Some(&lins), None).await.expect(200);
    app.call("GET", &format!("/v1/associates/{mei}/worklist"), Some(&lins), None).await.expect(404);
    let kpis = |who: &str| format!("/v1/analytics/associates/{who}/kpis?from={}&to={}", on(-60), day());
    app.call("GET", &kpis(&lin), Some(&lins), None).await.expect(200);
    app.call("GET", &kpis(&mei), Some(&lins), None).await.expect(404);
    let manager_own = json!({ "name": "x", "role": "store_manager", "store_ids": [store], "associate_id": lin });
    assert_field(
        &app.admin("POST", "/v1/api-keys", Some(&manager_own)).await.expect(422),
        "associate_id",
        "not_allowed",
    );
    let elsewhere = json!({ "name": "x", "role": "associate", "store_ids": [store], "associate_id": far });
    assert_field(
        &app.admin("POST", "/v1/api-keys", Some(&elsewhere)).await.expect(422),
        "associate_id",
        "unknown_reference",
    );

    // Today in the store, when no day is asked.
    let today = app.call("GET", &format!("/v1/associates/{lin}/worklist"), Some(&associate), None).await.expect(200);
    assert!(today.body["date"].is_string());
}

#[tokio::test]
async fn the_recent_contact_window_is_a_programme_setting() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let lin = new_associate(&app, &store, "LIN").await;
    let chen = client(&app, &store, &lin, "Chen Jie", json!({ "birthday": born(2) })).await;
    let call = json!({ "type": "call", "at": format!("{}T10:00:00Z", on(-9)), "direction": "outbound" });
    app.admin("POST", &format!("/v1/customers/{chen}/interactions"), Some(&call)).await.expect(201);
    let path = format!("/v1/associates/{lin}/worklist?date={}", day());
    // Called 9 days before: within the default 14 days.
    assert!(names(&app.admin("GET", &path, None).await.expect(200).body).is_empty());
    let crm = key(&app, Role::CrmManager, &[]);
    let week = json!({ "thank_you": null, "recent_contact_days": 7 });
    let saved = app.call("PUT", "/v1/clienteling/settings", Some(&crm), Some(&week)).await.expect(200).body;
    assert_eq!(saved["config"]["recent_contact_days"], 7);
    let list = app.admin("GET", &path, None).await.expect(200).body;
    assert_eq!(names(&list), ["Chen Jie"]);
    assert_eq!(list["items"][0]["days_since_contact"], 9);
    let absurd = json!({ "thank_you": null, "recent_contact_days": 5000 });
    let bad = app.call("PUT", "/v1/clienteling/settings", Some(&crm), Some(&absurd)).await.expect(422);
    assert_field(&bad, "recent_contact_days", "invalid_type");
}

#[tokio::test]
async fn of_many_follow_ups_due_the_most_valuable_clients_are_put_forward_with_all_theirs() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let lin = new_associate(&app, &store, "LIN").await;
    let associate = key(&app, Role::Associate, &[&store]);
    // 25 clients with two follow-ups each (more than a page of the read):
    // 20 valued 100..2000 in the latest snapshot, 5 never valued.
    let mut valued = Vec::new();
    let mut rows = Vec::new();
    for i in 1..=25 {
        let name = format!("Client {i:02}");
        let id = client(&app, &store, &lin, &name, json!({})).await;
        for (n, due) in [(1, on(-2)), (2, day())] {
            let body = json!({ "due_on": due, "reason": format!("Call {n}") });
            app.call("POST", &format!("/v1/customers/{id}/follow-ups"), Some(&associate), Some(&body))
                .await
                .expect(201);
        }
        if i <= 20 {
            valued.push((i * 100, name));
            rows.push((id, (i * 100).to_string()));
        }
    }
    let rows: Vec<(&str, &str, &str, i16, &str)> =
        rows.iter().map(|(id, clv)| (id.as_str(), "need_attention", "need_attention", 2, clv.as_str())).collect();
    snapshots(&app, &rows);
    valued.sort_by_key(|v| std::cmp::Reverse(v.0));
    let top: Vec<String> = valued.iter().map(|(_, n)| n.clone()).collect();

    let path = |limit: usize| format!("/v1/associates/{lin}/worklist?date={}&limit={limit}", day());
    let list = app.call("GET", &path(12), Some(&associate), None).await.expect(200).body;
    assert_eq!(names(&list), top[..12]);
    for item in list["items"].as_array().expect("items") {
        assert_eq!(texts(item).len(), 2, "both follow-ups of {}", item["name"]);
    }
    // Past the valued clients: the unvalued ones come last.
    let list = app.call("GET", &path(23), Some(&associate), None).await.expect(200).body;
    let all = names(&list);
    assert_eq!(all.len(), 23);
    assert_eq!(all[..20], top[..]);
    assert!(all[20..].iter().all(|n| n.as_str() > "Client 20"), "{all:?}");
    assert!(list["items"].as_array().expect("items").iter().all(|i| texts(i).len() == 2));

    // The most valuable merged away: the next one takes the place.
    let survivor = client(&app, &store, &lin, "Survivor", json!({})).await;
    let absorbed = &rows[19].0;
    app.admin("POST", &format!("/v1/customers/{survivor}/merge"), Some(&json!({ "absorb": absorbed })))
        .await
        .expect(200);
    let list = app.call("GET", &path(12), Some(&associate), None).await.expect(200).body;
    assert_eq!(names(&list), top[1..13]);
}
