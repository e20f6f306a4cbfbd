//! Sales credited to associates (issue #12): an order names who sold it,
//! by id or code, checked to work at the order's store; a resend naming
//! someone else is a conflict naming the field.

use clientele_tests::TestApp;
use serde_json::{Value, json};

use crate::helpers::{assert_field, id_of, new_associate};

fn sale(store: &str, id: &str, associate: Value) -> Value {
    let mut body = json!({
        "source": "pos", "external_id": id, "store_id": store, "ordered_at": "2026-03-01T04:00:00Z", "currency": "CNY",
        "lines": [{ "line_id": "1", "sku": "BAG-1", "quantity": 1, "unit_price": "1000" }],
        "amount_paid": "1000", "payment_method": "card"
    });
    for (k, v) in associate.as_object().expect("an object") {
        body[k] = v.clone();
    }
    body
}

#[tokio::test]
async fn an_order_is_credited_to_an_associate_of_its_store() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await,
        app.store("BJ-SKP", "CN", "Asia/Shanghai", "CNY").await,
    );
    let (lin, far) = (new_associate(&app, &a, "LIN").await, new_associate(&app, &b, "FAR").await);

    let sold = app
        .admin("POST", "/v1/orders", Some(&sale(&a, "R-1", json!({ "associate_code": " lin " }))))
        .await
        .expect(201)
        .body;
    assert_eq!(sold["associate_id"].as_str(), Some(lin.as_str()));
    let read = app.admin("GET", &format!("/v1/orders/{}", id_of(&sold)), None).await.expect(200).body;
    assert_eq!(read["associate_id"].as_str(), Some(lin.as_str()));
    let by_id =
        app.admin("POST", "/v1/orders", Some(&sale(&a, "R-2", json!({ "associate_id": lin })))).await.expect(201);
    assert_eq!(by_id.body["associate_id"].as_str(), Some(lin.as_str()));
    let none = app.admin("POST", "/v1/orders", Some(&sale(&a, "R-3", json!({})))).await.expect(201);
    assert!(none.body["associate_id"].is_null());

    let orders = app.count("orders");
    let elsewhere = app.admin("POST", "/v1/orders", Some(&sale(&a, "R-4", json!({ "associate_id": far })))).await;
    assert_field(&elsewhere.expect(422), "associate_id", "not_at_store");
    let unknown = app.admin("POST", "/v1/orders", Some(&sale(&a, "R-5", json!({ "associate_code": "NOBODY" })))).await;
    assert_field(&unknown.expect(422), "associate_code", "unknown_reference");
    let both = app
        .admin("POST", "/v1/orders", Some(&sale(&a, "R-6", json!({ "associate_id": lin, "associate_code": "LIN" }))))
        .await;
    assert_field(&both.expect(422), "associate_code", "not_allowed");
    let bad = app.admin("POST", "/v1/orders", Some(&sale(&a, "R-7", json!({ "associate_code": "L I N" })))).await;
    assert_field(&bad.expect(422), "associate_code", "invalid_format");
    assert_eq!(app.count("orders"), orders, "nothing written");

    // A resend names the same associate, or it is another sale.
    app.admin("POST", "/v1/orders", Some(&sale(&a, "R-1", json!({ "associate_code": "LIN" })))).await.expect(200);
    let other =
        app.admin("POST", "/v1/orders", Some(&sale(&a, "R-1", json!({ "associate_code": "FAR" })))).await.expect(409);
    assert_eq!(other.body["differences"], json!(["associate_code"]));
}
