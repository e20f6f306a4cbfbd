//! Follow-ups over HTTP (issue #12): made for the client's associate, done
//! with what came of it, closed for good, on the timeline and in the audit
//! log; bad input named; another store's key sees nothing.

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::json;

use crate::helpers::{assert_field, id_of, key, new_associate};

#[tokio::test]
async fn a_follow_up_is_made_for_the_clients_associate_done_and_closed_for_good() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let other = app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await;
    let lin = new_associate(&app, &store, "LIN").await;
    let customer = id_of(
        &app.customer(
            json!({ "name": "Wang Fang", "phones": ["13812345678"], "home_store_id": store, "associate_id": lin }),
        )
        .await,
    );
    let associate = key(&app, Role::Associate, &[&store]);
    let path = format!("/v1/customers/{customer}/follow-ups");

    let made = app
        .call(
            "POST",
            &path,
            Some(&associate),
            Some(&json!({ "due_on": "2026-12-10", "reason": "Thank her for the bag" })),
        )
        .await
        .expect(201)
        .body;
    assert_eq!((made["status"].as_str(), made["associate_id"].as_str()), (Some("open"), Some(lin.as_str())));
    assert_eq!((made["store_id"].as_str(), made["closed_at"].as_str()), (Some(store.as_str()), None));
    let id = id_of(&made);

    let bad = app
        .call(
            "PATCH",
            &format!("{path}/{id}"),
            Some(&associate),
            Some(&json!({ "outcome": "Loved it", "channel": "fax" })),
        )
        .await
        .expect(422);
    assert_field(&bad, "channel", "invalid_format");
    let bad =
        app.call("PATCH", &format!("{path}/{id}"), Some(&associate), Some(&json!({ "outcome": "Loved it" }))).await;
    assert_field(&bad.expect(422), "outcome", "not_allowed");
    let done = json!({ "status": "done", "outcome": "Loves it; wants the matching wallet", "channel": "wechat" });
    let closed = app.call("PATCH", &format!("{path}/{id}"), Some(&associate), Some(&done)).await.expect(200).body;
    assert_eq!((closed["status"].as_str(), closed["channel"].as_str()), (Some("done"), Some("wechat")));
    assert!(closed["closed_at"].is_string());
    let again =
        app.call("PATCH", &format!("{path}/{id}"), Some(&associate), Some(&json!({ "status": "cancelled" }))).await;
    let again = again.expect(409).body;
    assert_eq!((again["code"].as_str(), again["status"].as_str()), (Some("follow_up_closed"), Some("done")));

    // On the timeline: made, then done with the outcome as its note.
    let timeline = app.call("GET", &format!("/v1/customers/{customer}/timeline"), Some(&associate), None).await;
    let items = timeline.expect(200).body["items"].as_array().cloned().expect("items");
    let steps: Vec<(String, String)> = items
        .iter()
        .filter(|i| i["type"] == "follow_up")
        .map(|i| (i["follow_up_status"].as_str().unwrap_or("").to_owned(), i["note"].as_str().unwrap_or("").to_owned()))
        .collect();
    assert_eq!(
        steps,
        [
            ("done".to_owned(), "Loves it; wants the matching wallet".to_owned()),
            ("open".to_owned(), "Thank her for the bag".to_owned())
        ]
    );
    assert_eq!(app.count(&format!("audit_log WHERE entity = 'follow_up' AND entity_id = '{id}'")), 2);

    // The open ones only; bad input named.
    let second = json!({ "due_on": "2026-12-20", "reason": "Alteration ready", "associate_id": lin });
    app.call("POST", &path, Some(&associate), Some(&second)).await.expect(201);
    let open = app.call("GET", &format!("{path}?status=open"), Some(&associate), None).await.expect(200).body;
    assert_eq!(open["items"].as_array().map(Vec::len), Some(1));
    let all = app.call("GET", &path, Some(&associate), None).await.expect(200).body;
    assert_eq!(all["items"].as_array().map(Vec::len), Some(2));
    assert_field(
        &app.call("GET", &format!("{path}?status=late"), Some(&associate), None).await.expect(422),
        "status",
        "invalid_value",
    );
    let bad = app.call("POST", &path, Some(&associate), Some(&json!({ "due_on": "2026-13-01", "reason": "x" }))).await;
    assert_eq!(bad.expect(422).body["code"], "validation_failed");
    let bad = app.call("POST", &path, Some(&associate), Some(&json!({ "due_on": "2026-12-01", "reason": "  " }))).await;
    assert_field(&bad.expect(422), "reason", "required");
    let stranger = json!({ "due_on": "2026-12-01", "reason": "x", "associate_id": uuid::Uuid::nil() });
    assert_field(
        &app.call("POST", &path, Some(&associate), Some(&stranger)).await.expect(422),
        "associate_id",
        "unknown_reference",
    );

    // Another store's key, analysts, the POS.
    let theirs = key(&app, Role::StoreManager, &[&other]);
    app.call("GET", &path, Some(&theirs), None).await.expect(404);
    app.call("POST", &path, Some(&theirs), Some(&second)).await.expect(404);
    app.call("PATCH", &format!("{path}/{id}"), Some(&theirs), Some(&json!({ "status": "cancelled" })))
        .await
        .expect(404);
    let analyst = key(&app, Role::Analyst, &[]);
    app.call("GET", &path, Some(&analyst), None).await.expect(200);
    app.call("POST", &path, Some(&analyst), Some(&second)).await.expect(403);
    app.call("GET", &path, Some(&key(&app, Role::Pos, &[])), None).await.expect(403);
    app.call("PATCH", &format!("{path}/{}", uuid::Uuid::nil()), Some(&associate), Some(&json!({}))).await.expect(404);
}

#[tokio::test]
async fn a_client_book_is_handed_over_with_its_open_follow_ups() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let other = app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await;
    let (lin, mei, far) = (
        new_associate(&app, &store, "LIN").await,
        new_associate(&app, &store, "MEI").await,
        new_associate(&app, &other, "FAR").await,
    );
    let mut clients = Vec::new();
    for (n, home) in [(0, &store), (1, &store), (2, &store), (3, &other)] {
        let body = json!({ "name": format!("Client {n}"), "phones": [format!("1381234567{n}")], "home_store_id": home, "associate_id": lin });
        clients.push(id_of(&app.customer(body).await));
    }
    let crm = key(&app, Role::CrmManager, &[]);
    for (i, c) in clients.iter().enumerate() {
        let f = json!({ "due_on": "2026-12-10", "reason": format!("Call {i}") });
        app.call("POST", &format!("/v1/customers/{c}/follow-ups"), Some(&crm), Some(&f)).await.expect(201);
    }
    let manager = key(&app, Role::StoreManager, &[&store]);
    let path = format!("/v1/associates/{lin}/handover");
    // One listed client: only that one moves.
    let one = app.call("POST", &path, Some(&manager), Some(&json!({ "to": mei, "customers": [clients[0]] }))).await;
    let one = one.expect(200).body;
    assert_eq!((one["customers"].clone(), one["follow_ups"].as_u64()), (json!([clients[0]]), Some(1)));
    // A client of another store, or no longer Lin's, is named; nothing moves.
    let bad = json!({ "to": mei, "customers": [clients[1], clients[3], clients[0]] });
    let refused = app.call("POST", &path, Some(&manager), Some(&bad)).await.expect(422);
    assert_field(&refused, "customers[1]", "not_a_client");
    assert_field(&refused, "customers[2]", "not_a_client");
    assert_eq!(app.count(&format!("customers WHERE associate_id = '{lin}'")), 3);
    // The rest of the book in the manager's store; the other store's client stays.
    let rest = app.call("POST", &path, Some(&manager), Some(&json!({ "to": mei }))).await.expect(200).body;
    assert_eq!((rest["customers"].as_array().map(Vec::len), rest["follow_ups"].as_u64()), (Some(2), Some(2)));
    assert_eq!(app.count(&format!("customers WHERE associate_id = '{mei}'")), 3);
    assert_eq!(app.count(&format!("follow_ups WHERE associate_id = '{mei}' AND status = 'open'")), 3);
    assert_eq!(app.count(&format!("customers WHERE associate_id = '{lin}'")), 1);
    assert_eq!(app.count("audit_log WHERE action = 'hand_over'"), 3);
    // Across stores, to oneself, by those who may not.
    let across =
        app.call("POST", &format!("/v1/associates/{mei}/handover"), Some(&manager), Some(&json!({ "to": far }))).await;
    assert_field(&across.expect(422), "to", "unknown_reference");
    let theirs =
        app.call("POST", &format!("/v1/associates/{far}/handover"), Some(&manager), Some(&json!({ "to": mei }))).await;
    theirs.expect(404);
    let same =
        app.call("POST", &format!("/v1/associates/{mei}/handover"), Some(&manager), Some(&json!({ "to": mei }))).await;
    assert_field(&same.expect(422), "to", "invalid_value");
    let associate = key(&app, Role::Associate, &[&store]);
    app.call("POST", &path, Some(&associate), Some(&json!({ "to": mei }))).await.expect(403);
    app.call("POST", "/v1/associates/nope/handover", Some(&crm), Some(&json!({ "to": mei }))).await.expect(404);
}

#[tokio::test]
async fn the_thank_you_rule_makes_one_follow_up_per_large_purchase() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let lin = new_associate(&app, &store, "LIN").await;
    let customer =
        id_of(&app.customer(json!({ "name": "Wang Fang", "phones": ["13812345678"], "associate_id": lin })).await);
    let settings = app.admin("GET", "/v1/clienteling/settings", None).await.expect(200).body;
    assert_eq!(
        (settings["version"].as_i64(), settings["config"].clone()),
        (Some(0), json!({ "thank_you": null, "recent_contact_days": 14 }))
    );
    let bad = json!({ "thank_you": { "min_amount": "0", "after_days": 3 } });
    app.admin("PUT", "/v1/clienteling/settings", Some(&bad)).await.expect(422);
    app.call("GET", "/v1/clienteling/settings", Some(&key(&app, Role::Analyst, &[])), None).await.expect(403);
    let rule = json!({ "thank_you": { "min_amount": "5000", "after_days": 3 } });
    assert_eq!(app.admin("PUT", "/v1/clienteling/settings", Some(&rule)).await.expect(200).body["version"], 1);

    let now = chrono::Utc::now();
    let order = |id: &str, days_ago: i64, amount: &str| {
        json!({
            "source": "pos", "external_id": id, "customer": { "id": customer },
            "ordered_at": (now - chrono::TimeDelta::days(days_ago)).to_rfc3339(), "currency": "CNY",
            "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": 1, "unit_price": amount }],
            "amount_paid": amount, "payment_method": "card"
        })
    };
    for (id, days_ago, amount) in
        [("BIG", 4, "12345.50"), ("SMALL", 4, "100"), ("TODAY", 0, "9000"), ("RETURNED", 5, "8000")]
    {
        let sold = app.admin("POST", "/v1/orders", Some(&order(id, days_ago, amount))).await.expect(201).body;
        if id == "RETURNED" {
            let ret = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "1", "quantity": 1 }] });
            app.admin("POST", &format!("/v1/orders/{}/returns", id_of(&sold)), Some(&ret)).await.expect(201);
        }
    }
    let mut conn = app.db.connect();
    assert_eq!(clientele_app::follow_ups::thank_you_follow_ups(&mut conn, now).expect("job"), Some(1));
    assert_eq!(
        clientele_app::follow_ups::thank_you_follow_ups(&mut conn, now).expect("job"),
        Some(0),
        "once per order"
    );
    let listed = app.admin("GET", &format!("/v1/customers/{customer}/follow-ups"), None).await.expect(200).body;
    let items = listed["items"].as_array().cloned().expect("items");
    assert_eq!(items.len(), 1);
    let due = (now - chrono::TimeDelta::days(4)).date_naive() + chrono::Days::new(3);
    assert_eq!(
        (items[0]["associate_id"].as_str(), items[0]["due_on"].as_str()),
        (Some(lin.as_str()), Some(due.to_string().as_str()))
    );
    assert!(
        items[0]["reason"].as_str().is_some_and(|r| r.starts_with("Thank-you call: 12345.50 CNY") && r.contains("BIG")),
        "{}",
        items[0]
    );
    assert_eq!(app.count(&format!("interactions WHERE customer_id = '{customer}' AND kind = 'follow_up'")), 1);
}
