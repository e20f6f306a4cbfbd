//! Campaigns over HTTP (issue #11, so far): defining one (a bad rule is 422
//! naming the path of the bad node), reading, changing a draft, who may do
//! what — a store manager's campaign reaches only their stores — and the
//! dry run, whose figures add up and agree with the audience the store
//! selects, with nothing written.

use chrono::Utc;
use clientele_app::demo::DemoOptions;
use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, key};

fn winback(name: &str) -> Value {
    json!({
        "name": name,
        "audience": {"any": [{"segment": ["at_risk", "cant_lose_them", "about_to_sleep"]}, {"days_since_last_purchase": {"min": 120}}]},
        "schedule": {"once": {"at": null}},
        "channel": "wechat",
        "action": {"message": {"template": "winback_q4"}},
        "holdout_percent": 20,
        "priority": 60,
        "cost_per_message": "0.40",
        "budget": "2",
    })
}

/// Demo customers as of today, with a snapshot of yesterday.
pub(crate) fn demo(app: &TestApp) {
    let mut conn = app.db.connect();
    let now = Utc::now();
    let options = DemoOptions { customers: 200, seed: 5, orders_per_customer: 4, progress: false };
    clientele_app::demo::load(&mut conn, &options, now).expect("demo");
    let config = clientele_segments::RefreshConfig::default();
    let as_of = now.date_naive().pred_opt().expect("yesterday");
    let run =
        clientele_app::segments::RefreshRun { as_of, config: &config, now, threads: clientele_app::machine_threads() };
    clientele_app::segments::refresh_segments(&mut conn, &mut [], &run, &mut |_| {}).expect("refresh");
}

#[tokio::test]
async fn a_campaign_is_defined_read_changed_while_a_draft_and_refused_naming_the_bad_node() {
    let app = TestApp::spawn().await;
    let crm = key(&app, Role::CrmManager, &[]);
    let mut bad = winback("Bad");
    bad["audience"] = json!({"all": [{"tier": ["S4", "S9"]}, {"bought": {"category": "beauty"}}]});
    bad["channel"] = json!("fax");
    let a = app.call("POST", "/v1/campaigns", Some(&crm), Some(&bad)).await.expect(422);
    assert_field(&a, "audience.all[0].tier[1]", "invalid_format");
    assert_field(&a, "audience.all[1].bought.within_days", "invalid_type");
    assert_field(&a, "channel", "invalid_format");
    assert_eq!(app.count("campaigns"), 0);

    let created = app.call("POST", "/v1/campaigns", Some(&crm), Some(&winback("Win back"))).await.expect(201).body;
    assert_eq!(created["status"], "draft");
    assert_eq!(created["stores"], Value::Null);
    assert_eq!(created["definition"]["holdout_percent"], 20);
    let id = created["id"].as_str().expect("id").to_owned();
    let path = format!("/v1/campaigns/{id}");
    let analyst = key(&app, Role::Analyst, &[]);
    assert_eq!(app.call("GET", &path, Some(&analyst), None).await.expect(200).body["name"], "Win back");
    app.call("POST", "/v1/campaigns", Some(&analyst), Some(&winback("No"))).await.expect(403);
    let pos = key(&app, Role::Pos, &[]);
    app.call("GET", "/v1/campaigns", Some(&pos), None).await.expect(403);

    let changed = app.call("PATCH", &path, Some(&crm), Some(&json!({"name": "Win back Q4", "priority": 70}))).await;
    let changed = changed.expect(200).body;
    assert_eq!((changed["name"].as_str(), changed["definition"]["priority"].as_i64()), (Some("Win back Q4"), Some(70)));
    let a = app.call("PATCH", &path, Some(&crm), Some(&json!({"holdout_percent": 75}))).await.expect(422);
    assert_field(&a, "holdout_percent", "out_of_range");
    // Reading writes nothing.
    let audits = app.count("audit_log");
    let list = app.call("GET", "/v1/campaigns?limit=1", Some(&crm), None).await.expect(200).body;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(list["next_cursor"].is_null());
    assert_eq!(app.count("audit_log"), audits);
    app.call("GET", "/v1/campaigns/not-a-uuid", Some(&crm), None).await.expect(404);
}

#[tokio::test]
async fn a_store_managers_campaign_reaches_only_their_stores_and_the_dry_run_adds_up() {
    let app = TestApp::spawn().await;
    demo(&app);
    let mut conn = app.db.connect();
    let stores = clientele_store::list_stores(&mut conn).expect("stores");
    let (mine, other) = (stores[0].id.as_uuid().to_string(), stores[1].id.as_uuid().to_string());
    let manager = key(&app, Role::StoreManager, &[&mine]);
    let created = app.call("POST", "/v1/campaigns", Some(&manager), Some(&winback("My store"))).await.expect(201).body;
    assert_eq!(created["stores"], json!([mine]));
    let id = created["id"].as_str().expect("id").to_owned();
    let other_manager = key(&app, Role::StoreManager, &[&other]);
    app.call("GET", &format!("/v1/campaigns/{id}"), Some(&other_manager), None).await.expect(404);
    let theirs = app.call("GET", "/v1/campaigns", Some(&other_manager), None).await.expect(200).body;
    assert_eq!(theirs["items"], json!([]));

    let crm = key(&app, Role::CrmManager, &[]);
    let everyone = app.call("POST", "/v1/campaigns", Some(&crm), Some(&winback("All stores"))).await.expect(201).body;
    let everyone_id = everyone["id"].as_str().expect("id").to_owned();
    let writes = (app.count("campaign_contacts"), app.count("audit_log"));
    let body = json!({"base_rate": 0.08});
    let all = app.call("POST", &format!("/v1/campaigns/{everyone_id}/dry-run"), Some(&crm), Some(&body)).await;
    let all = all.expect(200).body;
    let mine_only = app.call("POST", &format!("/v1/campaigns/{id}/dry-run"), Some(&manager), Some(&json!({}))).await;
    let mine_only = mine_only.expect(200).body;
    assert_eq!((app.count("campaign_contacts"), app.count("audit_log")), writes, "a dry run writes nothing");
    for d in [&all, &mine_only] {
        let n = |k: &str| d[k].as_u64().expect(k);
        assert_eq!(
            n("held_out") + n("without_consent") + n("capped") + n("over_budget") + n("to_contact"),
            n("audience"),
            "{d}"
        );
        // A budget of 2.00 at 0.40 a message pays for five.
        assert!(n("to_contact") <= 5, "{d}");
        assert_eq!(d["messages_per_channel"]["wechat"], d["to_contact"]);
    }
    assert!(all["audience"].as_u64() > mine_only["audience"].as_u64(), "{all} / {mine_only}");
    assert_eq!(all["base_rate"], 0.08);
    // The audience is the store's selection: all stores, and one store.
    let spec = clientele_campaigns::CampaignSpec::from_json(&winback("x")).expect("spec");
    let today = Utc::now().date_naive();
    let count =
        |scope| clientele_store::campaigns::count_audience(&mut app.db.connect(), &spec.audience, today, &scope);
    assert_eq!(all["audience"].as_u64(), Some(count(clientele_profiles::StoreScope::All).expect("count")));
    let one = clientele_profiles::StoreScope::Stores([stores[0].id].into());
    assert_eq!(mine_only["audience"].as_u64(), Some(count(one).expect("count")));
    let a =
        app.call("POST", &format!("/v1/campaigns/{id}/dry-run"), Some(&manager), Some(&json!({"base_rate": 2}))).await;
    assert_field(&a.expect(422), "base_rate", "out_of_range");
    // The audience a target uplift needs, split as this launch would.
    let target = json!({"base_rate": 0.08, "target_uplift": 0.5});
    let d = app.call("POST", &format!("/v1/campaigns/{everyone_id}/dry-run"), Some(&crm), Some(&target)).await;
    let d = d.expect(200).body;
    let (held, contacts) = (d["held_out"].as_u64().expect("held"), d["to_contact"].as_u64().expect("to contact"));
    match &d["audience_needed"] {
        Value::Null => assert!(held == 0 || contacts == 0, "{d}"),
        needed => {
            let (t, c) = (needed["treated"].as_u64().expect("t"), needed["control"].as_u64().expect("c"));
            let share = held as f64 / (held + contacts) as f64;
            assert_eq!(clientele_experiments::required_audience(0.08, 0.5, share), Some((t, c)));
            assert_eq!(needed["enough"], contacts >= t && held >= c);
        }
    }
    let a = app
        .call("POST", &format!("/v1/campaigns/{id}/dry-run"), Some(&manager), Some(&json!({"target_uplift": 0.95})))
        .await;
    assert_field(&a.expect(422), "target_uplift", "out_of_range");
}

/// The programme's campaign settings: read (the defaults), refused naming
/// the part, saved (audited), and applied by the dry run's cap.
#[tokio::test]
async fn the_campaign_settings_are_saved_and_the_dry_run_applies_their_cap() {
    use diesel::RunQueryDsl;
    let app = TestApp::spawn().await;
    demo(&app);
    let defaults =
        json!({"cap": {"max_messages": 2, "window_days": 7}, "quiet_hours": {"start": "21:00:00", "end": "09:00:00"}});
    let got = app.admin("GET", "/v1/campaigns/settings", None).await.expect(200).body;
    assert_eq!(got, json!({"version": 0, "config": defaults}));
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("GET", "/v1/campaigns/settings", Some(&analyst), None).await.expect(403);
    let mut bad = defaults.clone();
    bad["cap"]["max_messages"] = json!(0);
    let a = app.admin("PUT", "/v1/campaigns/settings", Some(&bad)).await.expect(422);
    assert!(a.error_fields().iter().any(|f| f.starts_with("cap")), "{}", a.text);

    let crm = key(&app, Role::CrmManager, &[]);
    let mut campaign = winback("Capped");
    campaign["budget"] = Value::Null;
    let id = app.call("POST", "/v1/campaigns", Some(&crm), Some(&campaign)).await.expect(201).body["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Every customer was sent one WeChat message yesterday.
    diesel::sql_query(format!(
        "INSERT INTO campaign_contacts (campaign_id, customer_id, occurrence, outcome, channel, at) \
         SELECT '{id}', customer_id, 'once', 'sent', 'wechat', now() - interval '1 day' FROM customers"
    ))
    .execute(&mut app.db.connect())
    .expect("contacts");
    let path = format!("/v1/campaigns/{id}/dry-run");
    let two = app.call("POST", &path, Some(&crm), Some(&json!({}))).await.expect(200).body;
    assert_eq!(two["capped"], 0, "one message of two: {two}");
    let audits = app.count("audit_log");
    let mut one = defaults.clone();
    one["cap"]["max_messages"] = json!(1);
    let saved = app.call("PUT", "/v1/campaigns/settings", Some(&crm), Some(&one)).await.expect(200).body;
    assert_eq!(saved, json!({"version": 1, "config": one}));
    assert_eq!(app.count("audit_log"), audits + 1);
    let capped = app.call("POST", &path, Some(&crm), Some(&json!({}))).await.expect(200).body;
    let n = |k: &str| capped[k].as_u64().expect(k);
    assert_eq!(n("to_contact"), 0, "{capped}");
    assert_eq!(n("capped"), n("audience") - n("held_out") - n("without_consent"), "{capped}");
    assert!(n("capped") > 0, "{capped}");
    // The audience lists what was sent to each customer.
    let page = app.call("GET", &format!("/v1/campaigns/{id}/audience?limit=5"), Some(&crm), None).await.expect(200);
    let first = &page.body["items"][0]["contacts"][0];
    assert_eq!((first["outcome"].as_str(), first["channel"].as_str()), (Some("sent"), Some("wechat")), "{}", page.text);
}
