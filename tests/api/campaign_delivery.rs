//! Campaigns launched and delivered against PostgreSQL: a launch reaches
//! the audience once however often the job runs, holds the control group
//! out (on the timeline, with the time they would have been contacted),
//! sends `campaign.message` events only to customers with consent at send
//! time, stops before the budget would be passed, fires a trigger once per
//! occurrence, and 50 campaigns launched at once never break the cap.

use chrono::{Days, TimeDelta, Utc};
use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, key};

fn broad(name: &str, channel: &str) -> Value {
    json!({
        "name": name,
        "audience": {"consent": channel},
        "schedule": {"once": {"at": null}},
        "channel": channel,
        "action": {"message": {"template": "hello"}},
        "holdout_percent": 20,
        "cost_per_message": "0.10",
    })
}

async fn create(app: &TestApp, token: &str, body: &Value) -> String {
    let created = app.call("POST", "/v1/campaigns", Some(token), Some(body)).await.expect(201).body;
    created["id"].as_str().expect("id").to_owned()
}

/// Runs the campaign job at `now` until this instance gets its lock (a
/// launch's own round may hold it).
fn plan_at(app: &TestApp, now: chrono::DateTime<Utc>) {
    let mut conn = app.db.connect();
    while !clientele_app::campaigns::plan_campaigns(&mut conn, now).expect("plan").ran {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// A round now, the delivery of everything scheduled up to a day on
/// (whatever the quiet hours), and a round that finishes what went.
pub(crate) fn run_job(app: &TestApp) {
    plan_at(app, Utc::now());
    let mut conn = app.db.connect();
    clientele_app::campaigns::deliver_due(&mut conn, Utc::now() + TimeDelta::days(1)).expect("deliver");
    plan_at(app, Utc::now());
}

#[tokio::test]
async fn a_launch_reaches_its_audience_once_holds_the_control_group_out_and_sends_with_consent() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let id = create(&app, &crm, &broad("Hello", "sms")).await;
    let path = format!("/v1/campaigns/{id}");
    let launched = app.call("POST", &format!("{path}/launch"), Some(&crm), None).await.expect(200).body;
    assert_eq!(launched["status"], "running");
    let again = app.call("POST", &format!("{path}/launch"), Some(&crm), None).await.expect(409);
    assert_eq!(
        (again.body["code"].as_str(), again.body["status"].as_str()),
        (Some("campaign_status"), Some("running"))
    );
    run_job(&app);

    let of =
        |outcome: &str| app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = '{outcome}'"));
    let consented = app.count("customer_consents k JOIN customers c USING (customer_id) WHERE k.channel = 'sms' AND k.granted AND c.merged_into IS NULL AND c.erased_at IS NULL");
    let (sent, held) = (of("sent"), of("held_out"));
    assert!(sent > 0 && held > 0, "sent {sent}, held out {held}");
    assert_eq!(sent + held + of("capped") + of("no_consent"), consented, "everyone in the audience decided once");
    assert_eq!(of("scheduled"), 0, "everything due was delivered");
    assert_eq!(app.count("campaign_contacts x WHERE outcome = 'sent' AND NOT EXISTS (SELECT 1 FROM customer_consents k WHERE k.customer_id = x.customer_id AND k.channel = 'sms' AND k.granted)"), 0);
    assert_eq!(app.count("outbox WHERE event_type = 'campaign.message'"), sent);
    assert_eq!(
        app.count(&format!(
            "interactions WHERE kind = 'campaign' AND detail->>'step' = 'message' AND detail->>'campaign' = '{id}'"
        )),
        sent
    );
    assert_eq!(
        app.count(&format!(
            "interactions WHERE kind = 'campaign' AND detail->>'step' = 'held_out' AND detail->>'campaign' = '{id}'"
        )),
        held
    );
    let c = app.call("GET", &path, Some(&crm), None).await.expect(200).body;
    assert_eq!(c["status"], "finished");
    let spent = c["spent"].as_str().map(|s| s.parse::<f64>().expect("spent")).expect("spent");
    assert!((spent - sent as f64 * 0.10).abs() < 1e-9, "spent {spent} for {sent}");
    assert_eq!(
        app.count(&format!("audit_log WHERE entity = 'campaign' AND entity_id = '{id}' AND action = 'launch'")),
        1
    );

    // The job again, and again: nothing twice.
    let (contacts, events) = (app.count("campaign_contacts"), app.count("outbox"));
    run_job(&app);
    run_job(&app);
    assert_eq!((app.count("campaign_contacts"), app.count("outbox")), (contacts, events));

    // The messages, a page at a time, and by outcome.
    let analyst = key(&app, Role::Analyst, &[]);
    let page = app.call("GET", &format!("{path}/messages?limit=5&outcome=held_out"), Some(&analyst), None).await;
    let page = page.expect(200).body;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(5.min(held as usize)));
    assert!(
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|m| m["outcome"] == "held_out" && m["occurrence"] == "once")
    );
    let mut seen = 0;
    let mut cursor: Option<String> = None;
    loop {
        let url = match &cursor {
            Some(c) => format!("{path}/messages?limit=50&cursor={c}"),
            None => format!("{path}/messages?limit=50"),
        };
        let page = app.call("GET", &url, Some(&analyst), None).await.expect(200).body;
        seen += page["items"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen as i64, app.count(&format!("campaign_contacts WHERE campaign_id = '{id}'")));
    let bad = app.call("GET", &format!("{path}/messages?outcome=opened"), Some(&analyst), None).await.expect(422);
    assert_field(&bad, "outcome", "invalid_value");
    app.call("GET", &format!("{path}/messages?cursor=zzz"), Some(&analyst), None).await.expect(422);
    app.call("POST", &format!("{path}/pause"), Some(&analyst), None).await.expect(403);
    let pos = key(&app, Role::Pos, &[]);
    app.call("GET", &format!("{path}/messages"), Some(&pos), None).await.expect(403);

    // The event carries what the sender needs.
    let mut conn = app.db.connect();
    use diesel::RunQueryDsl;
    let payload: Value = diesel::select(diesel::dsl::sql::<diesel::sql_types::Jsonb>(
        "(SELECT payload FROM outbox WHERE event_type = 'campaign.message' ORDER BY id LIMIT 1)",
    ))
    .get_result(&mut conn)
    .expect("payload");
    assert_eq!((payload["channel"].as_str(), payload["template"].as_str()), (Some("sms"), Some("hello")));
    assert_eq!(payload["campaign_id"], json!(id));
    assert!(payload["contact"].as_str().is_some_and(|p| p.starts_with('+')), "{payload}");
    assert!(payload["variables"]["tier"].as_str().is_some_and(|t| t.starts_with('S')), "{payload}");
}

#[tokio::test]
async fn a_message_never_goes_without_consent_at_send_time_and_a_pause_holds_messages_back() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let at = Utc::now() + TimeDelta::hours(1);
    let id = create(
        &app,
        &crm,
        &json!({
            "name": "Email", "audience": {"consent": "email"}, "schedule": {"once": {"at": at.to_rfc3339()}},
            "channel": "email", "action": {"message": {"template": "news"}}, "cost_per_message": "1",
        }),
    )
    .await;
    let path = format!("/v1/campaigns/{id}");
    app.call("POST", &format!("{path}/launch"), Some(&crm), None).await.expect(200);
    // The launch's own round finds the time not come; a round two hours on
    // schedules the messages.
    plan_at(&app, at + TimeDelta::hours(1));
    let of =
        |outcome: &str| app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = '{outcome}'"));
    let scheduled = of("scheduled");
    assert!(scheduled >= 2, "{scheduled}");
    assert_eq!(of("sent"), 0);
    // Half of them withdraw their consent before the messages go.
    let mut conn = app.db.connect();
    use diesel::RunQueryDsl;
    let withdrawn = diesel::sql_query(format!(
        "UPDATE customer_consents SET granted = false WHERE channel = 'email' AND customer_id IN \
         (SELECT customer_id FROM campaign_contacts WHERE campaign_id = '{id}' ORDER BY customer_id LIMIT {})",
        scheduled / 2
    ))
    .execute(&mut conn)
    .expect("withdraw") as i64;
    // Paused, nothing goes.
    app.call("POST", &format!("{path}/pause"), Some(&crm), None).await.expect(200);
    let later = Utc::now() + TimeDelta::days(2);
    clientele_app::campaigns::deliver_due(&mut conn, later).expect("deliver");
    assert_eq!((of("scheduled"), app.count("outbox WHERE event_type = 'campaign.message'")), (scheduled, 0));
    app.call("POST", &format!("{path}/pause"), Some(&crm), None).await.expect(409);
    app.call("POST", &format!("{path}/resume"), Some(&crm), None).await.expect(200);
    clientele_app::campaigns::deliver_due(&mut conn, later).expect("deliver");
    assert_eq!((of("no_consent"), of("sent"), of("scheduled")), (withdrawn, scheduled - withdrawn, 0));
    assert_eq!(
        app.count("campaign_contacts x WHERE outcome = 'sent' AND NOT EXISTS (SELECT 1 FROM customer_consents k WHERE k.customer_id = x.customer_id AND k.channel = x.channel AND k.granted)"),
        0
    );
    assert_eq!(app.count("outbox WHERE event_type = 'campaign.message'"), scheduled - withdrawn);
    let c = app.call("GET", &path, Some(&crm), None).await.expect(200).body;
    let spent = c["spent"].as_str().map(|s| s.parse::<f64>().expect("spent")).expect("spent");
    assert!(
        (spent - (scheduled - withdrawn) as f64).abs() < 1e-9,
        "the cost of what did not go is given back: {spent}"
    );
    assert_eq!(
        app.count(&format!("audit_log WHERE entity_id = '{id}' AND action IN ('launch', 'pause', 'resume')")),
        3
    );
}

#[tokio::test]
async fn the_budget_stops_a_campaign_before_it_is_passed_and_says_so() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let mut body = broad("Small budget", "sms");
    body["cost_per_message"] = json!("0.30");
    body["budget"] = json!("1.00");
    let id = create(&app, &crm, &body).await;
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&crm), None).await.expect(200);
    run_job(&app);
    let c = app.call("GET", &format!("/v1/campaigns/{id}"), Some(&crm), None).await.expect(200).body;
    assert_eq!(c["status"], "budget_exhausted");
    assert_eq!(c["spent"], "0.90");
    assert_eq!(app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = 'sent'")), 3);
    assert!(app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = 'over_budget'")) > 0);
    assert_eq!(app.count(&format!("audit_log WHERE entity_id = '{id}' AND action = 'budget_stop'")), 1);
    let resumed = app.call("POST", &format!("/v1/campaigns/{id}/resume"), Some(&crm), None).await.expect(409);
    assert_eq!(resumed.body["status"], "budget_exhausted");
}

#[tokio::test]
async fn a_trigger_fires_once_per_occurrence_however_often_the_job_runs() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    // Twenty clients whose birthday is in three days.
    let soon = Utc::now().date_naive().checked_add_days(Days::new(3)).expect("date");
    let mut conn = app.db.connect();
    use diesel::RunQueryDsl;
    diesel::sql_query(format!(
        "UPDATE customers SET birthday = make_date(1990, {}, {}) WHERE customer_id IN \
         (SELECT customer_id FROM customers ORDER BY customer_id LIMIT 20)",
        chrono::Datelike::month(&soon),
        chrono::Datelike::day(&soon).min(28)
    ))
    .execute(&mut conn)
    .expect("birthdays");
    let id = create(
        &app,
        &crm,
        &json!({
            "name": "Birthday", "audience": {"not": {"tag": "no_contact"}},
            "schedule": {"trigger": {"important_date": {"kinds": ["birthday"], "days_before": 7}}},
            "channel": "wechat", "action": {"associate_task": {"note": "Birthday call", "due_in_days": 2}},
        }),
    )
    .await;
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&crm), None).await.expect(200);
    run_job(&app);
    let tasks = app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = 'task'"));
    assert!(tasks >= 19, "{tasks}");
    assert_eq!(app.count(&format!("follow_ups WHERE campaign_id = '{id}' AND status = 'open'")), tasks);
    assert_eq!(
        app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND occurrence NOT LIKE 'birthday:%'")),
        0
    );
    for _ in 0..3 {
        run_job(&app);
    }
    assert_eq!(app.count(&format!("campaign_contacts WHERE campaign_id = '{id}'")), tasks);
    assert_eq!(app.count(&format!("follow_ups WHERE campaign_id = '{id}'")), tasks);
    let c = app.call("GET", &format!("/v1/campaigns/{id}"), Some(&crm), None).await.expect(200).body;
    assert_eq!(c["status"], "running", "a trigger runs on");
}

#[tokio::test]
async fn fifty_campaigns_launched_at_once_never_break_the_cap() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let crm = key(&app, Role::CrmManager, &[]);
    let mut ids = Vec::new();
    for n in 0..50 {
        let mut body = broad(&format!("Campaign {n}"), ["sms", "wechat"][n % 2]);
        body["priority"] = json!((n * 37) % 101);
        body["holdout_percent"] = json!(n % 3 * 10);
        ids.push(create(&app, &crm, &body).await);
    }
    let launches = ids.iter().map(|id| {
        let path = format!("/v1/campaigns/{id}/launch");
        let (app, crm) = (&app, &crm);
        async move { app.call("POST", &path, Some(crm), None).await.expect(200) }
    });
    futures_util::future::join_all(launches).await;
    run_job(&app);
    let finished = app.count("campaigns WHERE status = 'finished'");
    assert_eq!(finished, 50);
    // Everything went within a day: no customer may have more than the
    // cap's 2 on a channel.
    assert_eq!(
        app.count("(SELECT customer_id, channel FROM campaign_contacts WHERE outcome IN ('scheduled', 'sent') GROUP BY 1, 2 HAVING count(*) > 2) o"),
        0
    );
    assert!(app.count("campaign_contacts WHERE outcome = 'capped'") > 0);
    assert!(app.count("campaign_contacts WHERE outcome = 'sent'") > 0);
}

#[tokio::test]
async fn the_demo_runs_its_campaigns_and_gives_associates_their_worklists() {
    let app = TestApp::spawn().await;
    let mut conn = app.db.connect();
    let now = Utc::now();
    let options =
        clientele_app::demo::DemoOptions { customers: 300, seed: 11, orders_per_customer: 5, progress: false };
    clientele_app::demo::load(&mut conn, &options, now).expect("demo");
    // The demo's in-store sales at a client's home store are credited to
    // the client's associate, who works there.
    let credited = app.count("orders o WHERE o.associate_id IS NOT NULL");
    assert!(credited > 0);
    assert_eq!(
        app.count("orders o JOIN associates a ON a.id = o.associate_id WHERE a.store_id IS DISTINCT FROM o.store_id"),
        0
    );
    let ctx = clientele_store::AuditContext::system(now);
    let report = clientele_app::demo::campaigns(&mut conn, &ctx, now).expect("campaigns");
    assert_eq!(report.campaigns, 4);
    assert_eq!(app.count("campaigns WHERE status IN ('running', 'finished')"), 4);
    let winback = "(SELECT id FROM campaigns WHERE name LIKE 'Win-back%')";
    // The control group is the campaign's (random) id's draw: each contact
    // is held out exactly when the rule says so (whether any is, among a
    // few hundred customers, is chance).
    let contacts = crate::helpers::rows(
        &app,
        &format!("SELECT campaign_id, customer_id, outcome FROM campaign_contacts WHERE campaign_id = {winback}"),
    );
    assert!(!contacts.is_empty());
    let twenty = clientele_campaigns::HoldoutPercent::try_from(20.0).expect("20 %");
    for c in &contacts {
        let id = |k: &str| c[k].as_str().and_then(|s| s.parse::<uuid::Uuid>().ok()).expect("a uuid");
        let held = clientele_campaigns::held_out(id("campaign_id"), id("customer_id"), twenty);
        assert_eq!(c["outcome"] == "held_out", held, "{c}");
    }
    assert!(contacts.iter().any(|c| c["outcome"] == "scheduled" || c["outcome"] == "sent"));
    assert!(app.count("campaign_contacts WHERE outcome IN ('scheduled', 'sent')") > report.scheduled as i64 / 2);

    // Thank-you calls, next-best-product and the worklists, as the demo
    // command makes them.
    let calls = clientele_app::demo::thank_you_calls(&mut conn, &ctx, now).expect("thank-you calls");
    assert_eq!(app.count("follow_ups WHERE campaign_id IS NULL"), calls as i64);
    let counted = clientele_app::suggestions::refresh_affinity(&mut conn, now.date_naive(), now, 2).expect("affinity");
    assert!(counted.rules > 0, "{counted:?}");
    let built = clientele_app::worklist::build_all(&mut conn, now).expect("worklists");
    assert!(built.entries > 0 && built.clients == 300, "{built:?}");
    let busiest = "(SELECT associate_id FROM worklist_entries GROUP BY associate_id ORDER BY count(*) DESC, associate_id LIMIT 1)";
    let rows = crate::helpers::rows(&app, &format!("SELECT id FROM associates WHERE id = {busiest}"));
    let associate = rows[0]["id"].as_str().expect("an associate").to_owned();
    let list = app.admin("GET", &format!("/v1/associates/{associate}/worklist?limit=100"), None).await.expect(200).body;
    let items = list["items"].as_array().expect("items");
    assert!(!items.is_empty());
    assert!(items.iter().all(|i| i["reasons"].as_array().is_some_and(|r| !r.is_empty())));
    assert!(items.iter().any(|i| i["next_best"].is_object()), "some client has a next-best product");

    // The coupons, as the demo command makes them: the top members see
    // theirs at the till, and anyone may use the shared beauty code.
    let made = clientele_app::demo::coupons(&mut conn, &ctx, now).expect("coupons");
    assert_eq!((made.coupons, made.codes, made.orders), (2, 201, 32), "{made:?}");
    // The double points week: members' orders in it earned its points.
    assert!(app.count("ledger WHERE kind = 'earn_activity' AND source->>'id' LIKE 'points offer %'") > 0);
    // 20 members used theirs on a bag, 12 buyers the shared code.
    assert_eq!(app.count("coupon_codes WHERE state = 'redeemed' AND customer_id IS NOT NULL"), 20);
    assert_eq!(app.count("coupon_codes WHERE code = 'BEAUTY200' AND uses = 12"), 1);
    assert_eq!(app.count("order_lines WHERE coupon_discount = 1200 AND paid = 10800"), 20);
    assert_eq!(app.count("order_lines WHERE coupon_discount = 200 AND paid = 1100"), 12);
    // Their 1,100 of beauty got the gift with purchase; the bags did not.
    assert_eq!(app.count("order_gifts WHERE sku = 'BT-SERUM-5ML' AND quantity = 2"), 12);
    let unused = "SELECT customer_id FROM coupon_codes WHERE customer_id IS NOT NULL AND state = 'issued' LIMIT 1";
    let rows = crate::helpers::rows(&app, unused);
    let member = rows[0]["customer_id"].as_str().expect("a member with a code").to_owned();
    let offers = app.admin("GET", &format!("/v1/customers/{member}/offers"), None).await.expect(200).body;
    assert_eq!(offers["coupons"][0]["name"], "Top clients: 10 % off leather goods", "{offers}");
    let basket = json!({
        "codes": ["beauty-200"], "customer_id": null,
        "lines": [{ "line_id": "1", "sku": "BT-1", "category": "beauty", "quantity": 3, "unit_price": "420" }]
    });
    // The rewards catalogue: top members took rewards and some collected them.
    let catalogue = clientele_app::demo::rewards(&mut conn, &ctx, now).expect("rewards");
    assert_eq!(catalogue.rewards, 3);
    assert!(catalogue.redeemed >= 3, "{catalogue:?}");
    assert_eq!(catalogue.collected, 3);
    assert_eq!(app.count("reward_redemptions WHERE state IN ('to_collect', 'collected')"), catalogue.redeemed as i64);
    let confirmed = "redemptions r JOIN reward_redemptions w USING (redemption_id) WHERE r.state = 'confirmed'";
    assert_eq!(app.count(confirmed), catalogue.redeemed as i64, "their points spent");
    // Tier benefits: cleanings drawn for the top members whose tier has them.
    let cleanings = clientele_app::demo::entitlements(&mut conn, &ctx).expect("entitlements");
    assert_eq!(app.count("entitlement_uses WHERE benefit = 'jewelry_cleaning'"), cleanings as i64);
    assert!(cleanings > 0);
    let checked = app.admin("POST", "/v1/coupons/validate", Some(&basket)).await.expect(200).body;
    assert_eq!(
        (checked["codes"][0]["status"].as_str(), checked["total_discount"].as_str()),
        (Some("applied"), Some("200.00"))
    );
}

#[tokio::test]
async fn a_tier_upgrade_fires_once_from_the_tier_changed_event() {
    let app = TestApp::spawn().await;
    let customer = crate::helpers::new_customer(&app, crate::helpers::person("Wang Fang", "13812345678")).await;
    let crm = key(&app, Role::CrmManager, &[]);
    let id = create(
        &app,
        &crm,
        &json!({
            "name": "Welcome to S2", "audience": {"tier": ["S2", "S3", "S4", "S5", "S6"]},
            "schedule": {"trigger": {"tier_upgrade": {}}},
            "channel": "phone", "action": {"associate_task": {"note": "Welcome call", "due_in_days": 3}},
        }),
    )
    .await;
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&crm), None).await.expect(200);
    run_job(&app);
    assert_eq!(app.count(&format!("campaign_contacts WHERE campaign_id = '{id}'")), 0, "no upgrade yet");
    let today = Utc::now().date_naive();
    let order = json!({
        "source": "pos", "external_id": "UP-1", "customer": {"id": customer},
        "ordered_at": Utc::now().to_rfc3339(), "currency": "CNY",
        "lines": [{"line_id": "1", "sku": "BAG-1", "quantity": 1, "unit_price": "12345.50"}],
        "amount_paid": "12345.50", "payment_method": "card"
    });
    app.admin("POST", "/v1/orders", Some(&order)).await.expect(201);
    assert_eq!(app.count("outbox WHERE event_type = 'tier.changed'"), 1);
    for _ in 0..3 {
        run_job(&app);
    }
    let occurrence = format!("tier:S2:{today}");
    assert_eq!(
        app.count(&format!("campaign_contacts WHERE campaign_id = '{id}' AND outcome = 'task' AND occurrence = '{occurrence}' AND customer_id = '{customer}'")),
        1
    );
    assert_eq!(
        app.count(&format!(
            "follow_ups WHERE campaign_id = '{id}' AND reason = 'Welcome call' AND due_on = '{}'",
            today + Days::new(3)
        )),
        1
    );
    let listed = app.admin("GET", &format!("/v1/customers/{customer}/follow-ups?status=open"), None).await;
    let listed = listed.expect(200).body;
    assert_eq!(
        (listed["items"][0]["campaign_id"].as_str(), listed["items"][0]["reason"].as_str()),
        (Some(id.as_str()), Some("Welcome call"))
    );
    let timeline = app.admin("GET", &format!("/v1/customers/{customer}/timeline"), None).await.expect(200).body;
    let entry = timeline["items"].as_array().expect("items").iter().find(|i| i["type"] == "campaign").cloned();
    let entry = entry.expect("a campaign entry on the timeline");
    assert_eq!((entry["campaign_id"].as_str(), entry["campaign_step"].as_str()), (Some(id.as_str()), Some("task")));
}

#[tokio::test]
async fn a_store_managers_launch_reaches_only_their_stores_customers() {
    let app = TestApp::spawn().await;
    crate::campaigns::demo(&app);
    let mut conn = app.db.connect();
    let stores = clientele_store::list_stores(&mut conn).expect("stores");
    let (mine, other) = (stores[0].id.as_uuid().to_string(), stores[1].id.as_uuid().to_string());
    let manager = key(&app, Role::StoreManager, &[&mine]);
    let mut body = broad("My clients", "sms");
    body["holdout_percent"] = json!(0);
    let id = create(&app, &manager, &body).await;
    let other_manager = key(&app, Role::StoreManager, &[&other]);
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&other_manager), None).await.expect(404);
    app.call("GET", &format!("/v1/campaigns/{id}/messages"), Some(&other_manager), None).await.expect(404);
    app.call("POST", &format!("/v1/campaigns/{id}/launch"), Some(&manager), None).await.expect(200);
    run_job(&app);
    let reached = app.count(&format!("campaign_contacts WHERE campaign_id = '{id}'"));
    assert!(reached > 0);
    assert_eq!(
        app.count(&format!("campaign_contacts x JOIN customers c USING (customer_id) WHERE x.campaign_id = '{id}' AND c.home_store_id IS DISTINCT FROM '{mine}'")),
        0
    );
    let page = app.call("GET", &format!("/v1/campaigns/{id}/messages?limit=200"), Some(&manager), None).await;
    assert_eq!(page.expect(200).body["items"].as_array().map(Vec::len), Some(reached.min(200) as usize));
}
