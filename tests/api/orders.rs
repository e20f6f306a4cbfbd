//! Orders from the POS, the points and growth value they earn, returns,
//! exchange rates and the loyalty view (issue #3).

use clientele_profiles::Role;
use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{id_of, key, new_customer, person, rows};

fn order(external_id: &str, customer: Value, lines: Value, paid: &str) -> Value {
    json!({
        "source": "pos",
        "external_id": external_id,
        "customer": customer,
        "currency": "CNY",
        "lines": lines,
        "amount_paid": paid,
        "payment_method": "card",
    })
}

fn one_line(price: &str) -> Value {
    json!([{ "sku": "BAG-001", "name": "Le Sac", "category": "leather goods", "collection": "AW26", "quantity": 1, "unit_price": price }])
}

async fn loyalty(app: &TestApp, customer: &str) -> Value {
    app.admin("GET", &format!("/v1/customers/{customer}/loyalty"), None).await.expect(200).body
}

#[tokio::test]
async fn an_order_of_12345_67_earns_12345_points_and_growth_value() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let body = order("R-1", json!({ "id": customer }), one_line("12345.67"), "12345.67");
    let a = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    assert_eq!(a.body["points_earned"], 12_345);
    assert_eq!(a.body["growth_earned"], 12_345);
    assert_eq!(a.body["amount_paid_base"], "12345.67");
    assert_eq!(a.body["lines"][0]["points"], 12_345);
    let l = loyalty(&app, &customer).await;
    assert_eq!(l["points"], 12_345);
    assert_eq!(l["growth_value"], 12_345);
    assert_eq!(l["tier"], "S2", "12,345 growth value is above S2's 8,001");
    assert_eq!(l["next_tier"]["tier"], "S3");
    assert_eq!(l["next_tier"]["growth_needed"], 80_001 - 12_345);
}

#[tokio::test]
async fn a_member_found_by_phone_or_member_number_earns_too() {
    let app = TestApp::spawn().await;
    let c = app.customer(person("Li Na", "13900001111")).await;
    let member_no = c["member_no"].as_str().expect("member_no").to_owned();
    let by_phone = order("R-2", json!({ "phone": "139 0000 1111" }), one_line("100"), "100");
    app.admin("POST", "/v1/orders", Some(&by_phone)).await.expect(201);
    let by_no = order("R-3", json!({ "member_no": member_no }), one_line("50.99"), "50.99");
    app.admin("POST", "/v1/orders", Some(&by_no)).await.expect(201);
    assert_eq!(loyalty(&app, &id_of(&c)).await["points"], 150);
}

#[tokio::test]
async fn the_same_order_sent_twice_is_stored_once_and_awards_once() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let body = order("R-1", json!({ "id": customer }), one_line("1000"), "1000");
    let first = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    let second = app.admin("POST", "/v1/orders", Some(&body)).await.expect(200);
    assert_eq!(first.body["id"], second.body["id"]);
    assert_eq!(app.count("orders"), 1);
    assert_eq!(loyalty(&app, &customer).await["points"], 1000);
}

#[tokio::test]
async fn the_same_order_sent_100_times_at_once_is_stored_once() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let body = order("R-100", json!({ "id": customer }), one_line("888.88"), "888.88");
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (client, url, token, body) =
            (app.client.clone(), format!("{}/v1/orders", app.address), app.admin_token.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).bearer_auth(token).json(&body).send().await.expect("sent");
            let status = res.status().as_u16();
            let body: Value = res.json().await.expect("json");
            (status, body["id"].as_str().map(str::to_owned))
        }));
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut created = 0;
    for t in tasks {
        let (status, id) = t.await.expect("task");
        assert!(status == 201 || status == 200, "status {status}");
        created += usize::from(status == 201);
        ids.insert(id.expect("id"));
    }
    assert_eq!(created, 1, "exactly one request created the order");
    assert_eq!(ids.len(), 1, "every answer names the same order");
    assert_eq!(app.count("orders"), 1);
    assert_eq!(app.count("order_lines"), 1);
    let earn = rows(&app, "SELECT count(*) AS n FROM ledger WHERE kind = 'earn_order'");
    assert_eq!(earn[0]["n"], 1);
    assert_eq!(loyalty(&app, &customer).await["points"], 888);
}

#[tokio::test]
async fn a_partial_return_takes_back_exactly_that_lines_share() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let lines = json!([
        { "line_id": "1", "sku": "RTW-1", "quantity": 1, "unit_price": "10000.00" },
        { "line_id": "2", "sku": "JEW-9", "quantity": 1, "unit_price": "2345.67" }
    ]);
    let created = app
        .admin("POST", "/v1/orders", Some(&order("R-1", json!({ "id": customer }), lines, "12345.67")))
        .await
        .expect(201);
    let line2_points = created.body["lines"][1]["points"].as_i64().expect("points");
    let line2_growth = created.body["lines"][1]["growth"].as_i64().expect("growth");
    assert_eq!(line2_points + created.body["lines"][0]["points"].as_i64().expect("points"), 12_345);
    let id = id_of(&created.body);
    let ret = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "2", "quantity": 1 }] });
    let a = app.admin("POST", &format!("/v1/orders/{id}/returns"), Some(&ret)).await.expect(201);
    assert_eq!(a.body["order"]["returns"][0]["points_taken"], line2_points);
    assert_eq!(a.body["order"]["returns"][0]["growth_taken"], line2_growth);
    assert_eq!(a.body["order"]["lines"][1]["returned_quantity"], 1);
    let l = loyalty(&app, &customer).await;
    assert_eq!(l["points"], 12_345 - line2_points);
    assert_eq!(l["growth_value"], 12_345 - line2_growth);
    // The same return sent again changes nothing.
    app.admin("POST", &format!("/v1/orders/{id}/returns"), Some(&ret)).await.expect(200);
    assert_eq!(loyalty(&app, &customer).await["points"], 12_345 - line2_points);
}

#[tokio::test]
async fn earning_then_fully_returning_leaves_points_growth_and_tier_where_they_were() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let lines = json!([{ "sku": "RING-1", "quantity": 3, "unit_price": "3333.33" }]);
    let created = app
        .admin("POST", "/v1/orders", Some(&order("R-9", json!({ "id": customer }), lines, "9999.99")))
        .await
        .expect(201);
    assert_eq!(loyalty(&app, &customer).await["tier"], "S2");
    let id = id_of(&created.body);
    for (n, q) in [(1, 1), (2, 2)] {
        let ret =
            json!({ "source": "pos", "external_id": format!("RET-{n}"), "lines": [{ "line_id": "1", "quantity": q }] });
        app.admin("POST", &format!("/v1/orders/{id}/returns"), Some(&ret)).await.expect(201);
    }
    let l = loyalty(&app, &customer).await;
    assert_eq!(l["points"], 0);
    assert_eq!(l["growth_value"], 0);
    assert_eq!(l["tier"], "S1", "the upgrade that a returned order earned is undone");
}

#[tokio::test]
async fn a_return_beyond_what_was_bought_names_the_line_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let created = app
        .admin("POST", "/v1/orders", Some(&order("R-1", json!({ "id": customer }), one_line("100"), "100")))
        .await
        .expect(201);
    let ret = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "1", "quantity": 2 }] });
    let a = app.admin("POST", &format!("/v1/orders/{}/returns", id_of(&created.body)), Some(&ret)).await;
    a.expect_problem(422, "validation_failed");
    assert_eq!(app.count("order_returns"), 0);
    assert_eq!(loyalty(&app, &customer).await["points"], 100);
}

#[tokio::test]
async fn an_order_in_euro_needs_a_rate_for_its_date() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Giulia Rossi", "+39 347 123 4567")).await;
    let mut body = order("MI-1", json!({ "id": customer }), one_line("1000"), "1000");
    body["currency"] = json!("EUR");
    body["ordered_at"] = json!("2026-11-20T10:00:00Z");
    let a = app.admin("POST", "/v1/orders", Some(&body)).await.expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), vec!["currency"]);
    assert_eq!(app.count("orders"), 0);
    let rates = json!({ "rates": [{ "currency": "EUR", "valid_from": "2026-11-01", "rate": "7.8512" }] });
    app.admin("PUT", "/v1/fx-rates", Some(&rates)).await.expect(200);
    let a = app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    assert_eq!(a.body["fx_rate"], "7.8512");
    assert_eq!(a.body["amount_paid_base"], "7851.2");
    assert_eq!(a.body["points_earned"], 7851);
    let listed = app.admin("GET", "/v1/fx-rates?currency=EUR", None).await.expect(200);
    assert_eq!(listed.body[0]["base_currency"], "CNY");
}

#[tokio::test]
async fn an_anonymous_sale_is_stored_without_points() {
    let app = TestApp::spawn().await;
    let a = app.admin("POST", "/v1/orders", Some(&order("R-1", Value::Null, one_line("100"), "100"))).await.expect(201);
    assert_eq!(a.body["customer_id"], Value::Null);
    assert_eq!(a.body["points_earned"], 0);
    assert_eq!(app.count("ledger"), 0);
    let got = app.admin("GET", &format!("/v1/orders/{}", id_of(&a.body)), None).await.expect(200);
    assert_eq!(got.body["external_id"], "R-1");
}

#[tokio::test]
async fn products_are_learned_from_order_lines() {
    let app = TestApp::spawn().await;
    app.admin("POST", "/v1/orders", Some(&order("R-1", Value::Null, one_line("100"), "100"))).await.expect(201);
    let p = rows(&app, "SELECT sku, name, category, collection FROM products");
    assert_eq!(
        p,
        vec![json!({ "sku": "BAG-001", "name": "Le Sac", "category": "leather goods", "collection": "AW26" })]
    );
}

#[tokio::test]
async fn the_ledger_adds_up_to_the_balance() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let mut ids = Vec::new();
    for (n, price) in ["100.50", "2000", "333.33"].iter().enumerate() {
        let a = app
            .admin(
                "POST",
                "/v1/orders",
                Some(&order(&format!("R-{n}"), json!({ "id": customer }), one_line(price), price)),
            )
            .await;
        ids.push(id_of(&a.expect(201).body));
    }
    let ret = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "1", "quantity": 1 }] });
    app.admin("POST", &format!("/v1/orders/{}/returns", ids[1]), Some(&ret)).await.expect(201);
    let ledger = app.admin("GET", &format!("/v1/customers/{customer}/ledger?limit=2"), None).await.expect(200);
    let mut entries: Vec<Value> = ledger.body["items"].as_array().expect("items").clone();
    let mut cursor = ledger.body["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page =
            app.admin("GET", &format!("/v1/customers/{customer}/ledger?limit=2&cursor={c}"), None).await.expect(200);
        entries.extend(page.body["items"].as_array().expect("items").iter().cloned());
        cursor = page.body["next_cursor"].as_str().map(str::to_owned);
    }
    let points: i64 = entries.iter().map(|e| e["points"].as_i64().expect("points")).sum();
    let growth: i64 = entries.iter().map(|e| e["growth"].as_i64().expect("growth")).sum();
    let l = loyalty(&app, &customer).await;
    assert_eq!(points, l["points"].as_i64().expect("points"));
    assert_eq!(growth, l["growth_value"].as_i64().expect("growth"));
    assert_eq!(points, 100 + 333);
}

#[tokio::test]
async fn pos_keys_send_orders_and_analysts_cannot() {
    let app = TestApp::spawn().await;
    let pos = key(&app, Role::Pos, &[]);
    let analyst = key(&app, Role::Analyst, &[]);
    let body = order("R-1", Value::Null, one_line("100"), "100");
    app.call("POST", "/v1/orders", Some(&analyst), Some(&body)).await.expect_problem(403, "forbidden");
    assert_eq!(app.count("orders"), 0);
    app.call("POST", "/v1/orders", Some(&pos), Some(&body)).await.expect(201);
}

#[tokio::test]
async fn a_store_scoped_key_gets_404_for_another_stores_customers_orders() {
    let app = TestApp::spawn().await;
    let sh = app.store("SH", "CN", "Asia/Shanghai", "CNY").await;
    let bj = app.store("BJ", "CN", "Asia/Shanghai", "CNY").await;
    let mut body = person("Wang Fang", "13812345678");
    body["home_store_id"] = json!(bj);
    let customer = new_customer(&app, body).await;
    let created = app
        .admin("POST", "/v1/orders", Some(&order("R-1", json!({ "id": customer }), one_line("100"), "100")))
        .await
        .expect(201);
    let manager = key(&app, Role::StoreManager, &[&sh]);
    app.call("GET", &format!("/v1/orders/{}", id_of(&created.body)), Some(&manager), None)
        .await
        .expect_problem(404, "not_found");
    app.call("GET", &format!("/v1/customers/{customer}/orders"), Some(&manager), None)
        .await
        .expect_problem(404, "not_found");
    app.call("GET", &format!("/v1/customers/{customer}/loyalty"), Some(&manager), None)
        .await
        .expect_problem(404, "not_found");
}

#[tokio::test]
async fn bad_orders_name_their_fields_and_write_nothing() {
    let app = TestApp::spawn().await;
    let body = json!({
        "source": "pos", "external_id": "R 1", "currency": "EURO",
        "lines": [{ "sku": "X", "quantity": 0, "unit_price": "-1" }],
        "amount_paid": "10", "payment_method": "barter",
        "customer": { "member_no": "!!" }
    });
    let a = app.admin("POST", "/v1/orders", Some(&body)).await.expect_problem(422, "validation_failed");
    let fields = a.error_fields();
    for f in ["external_id", "currency", "payment_method", "customer.member_no"] {
        assert!(fields.contains(&f.to_owned()), "{f} missing in {fields:?}");
    }
    let unknown = order("R-1", json!({ "id": "00000000-0000-7000-8000-000000000001" }), one_line("1"), "1");
    let a = app.admin("POST", "/v1/orders", Some(&unknown)).await.expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), vec!["customer.id"]);
    assert_eq!(app.count("orders"), 0);
    assert_eq!(app.count("order_keys"), 0);
}

#[tokio::test]
async fn a_customers_orders_are_listed_newest_first() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    for (n, day) in ["2026-11-01", "2026-11-03", "2026-11-02"].iter().enumerate() {
        let mut body = order(&format!("R-{n}"), json!({ "id": customer }), one_line("10"), "10");
        body["ordered_at"] = json!(format!("{day}T10:00:00Z"));
        app.admin("POST", "/v1/orders", Some(&body)).await.expect(201);
    }
    let page = app.admin("GET", &format!("/v1/customers/{customer}/orders?limit=2"), None).await.expect(200);
    let ids: Vec<&str> =
        page.body["items"].as_array().expect("items").iter().map(|o| o["external_id"].as_str().expect("id")).collect();
    assert_eq!(ids, vec!["R-1", "R-2"]);
    let c = page.body["next_cursor"].as_str().expect("cursor");
    let rest = app.admin("GET", &format!("/v1/customers/{customer}/orders?cursor={c}"), None).await.expect(200);
    assert_eq!(rest.body["items"][0]["external_id"], "R-0");
    assert!(rest.body["next_cursor"].is_null());
}

#[tokio::test]
async fn another_order_under_a_used_external_id_is_409_order_conflict_showing_what_differs() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let first = order("R-1", json!({ "id": customer }), one_line("100"), "100");
    let created = app.admin("POST", "/v1/orders", Some(&first)).await.expect(201);
    // The same order again, amounts written differently: a replay.
    let same = order("R-1", json!({ "id": customer }), one_line("100.00"), "100.0");
    let again = app.admin("POST", "/v1/orders", Some(&same)).await.expect(200);
    assert_eq!(again.body["id"], created.body["id"]);
    // Another amount and other lines under the same key: refused, nothing written.
    let other = order("R-1", json!({ "id": customer }), one_line("250"), "250");
    let a = app.admin("POST", "/v1/orders", Some(&other)).await.expect_problem(409, "order_conflict");
    assert_eq!(a.body["order_id"], created.body["id"]);
    assert_eq!(a.body["differences"], json!(["amount_paid", "lines"]));
    assert_eq!(app.count("orders"), 1);
    assert_eq!(loyalty(&app, &customer).await["points"], 100);
}

#[tokio::test]
async fn a_page_of_orders_carries_each_orders_own_lines_and_returns() {
    let app = TestApp::spawn().await;
    let customer = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let mut ids = Vec::new();
    for (n, sku) in ["BAG-1", "RING-2", "SCARF-3"].iter().enumerate() {
        let lines = json!([{ "sku": sku, "quantity": 2, "unit_price": "100" }, { "sku": format!("{sku}-B"), "quantity": 1, "unit_price": "50" }]);
        let mut body = order(&format!("R-{n}"), json!({ "id": customer }), lines, "250");
        body["ordered_at"] = json!(format!("2026-11-0{}T10:00:00Z", n + 1));
        ids.push(id_of(&app.admin("POST", "/v1/orders", Some(&body)).await.expect(201).body));
    }
    let ret = json!({ "source": "pos", "external_id": "RET-1", "lines": [{ "line_id": "1", "quantity": 1 }] });
    app.admin("POST", &format!("/v1/orders/{}/returns", ids[1]), Some(&ret)).await.expect(201);
    let page = app.admin("GET", &format!("/v1/customers/{customer}/orders"), None).await.expect(200);
    let items = page.body["items"].as_array().expect("items");
    let skus: Vec<Vec<&str>> = items
        .iter()
        .map(|o| o["lines"].as_array().expect("lines").iter().map(|l| l["sku"].as_str().expect("sku")).collect())
        .collect();
    assert_eq!(skus, vec![vec!["SCARF-3", "SCARF-3-B"], vec!["RING-2", "RING-2-B"], vec!["BAG-1", "BAG-1-B"]]);
    let returns: Vec<usize> = items.iter().map(|o| o["returns"].as_array().map_or(0, Vec::len)).collect();
    assert_eq!(returns, vec![0, 1, 0], "{}", page.text);
}
