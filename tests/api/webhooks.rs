//! Webhooks end to end: subscriptions, signed deliveries to a receiver the
//! test starts on loopback (allowed through `CLIENTELE_WEBHOOK_ALLOW_HOSTS`,
//! as internal addresses are refused otherwise), retries, the delivery log,
//! the refusal of internal addresses at registration and at delivery, and —
//! against the store directly — that two senders never claim one delivery.
//! A test that needs deliveries sent starts the sender beside the service
//! (`TestApp::spawn_with_dispatcher`); the others start the service alone.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use clientele_profiles::Role;
use clientele_store::{AttemptOutcome, AuditContext, DeliveryStatus, NewSubscription, StoreError, WebhookSecret};
use clientele_tests::{TestApp, TestDatabase, test_dns};
use clientele_webhooks::{AllowList, EventFilter, RetryPolicy, WebhookUrl};
use diesel::{Connection, PgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::Notify;

use crate::helpers::{assert_field, id_of, key, new_customer, person, rows};

/// How long a test waits for something the sender does in the background
/// before failing. Not a timing assertion: only a bound on waiting.
const DEADLINE: Duration = Duration::from_secs(20);

// ---- the receiver ----------------------------------------------------------------

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    /// Header names in lower case.
    headers: HashMap<String, String>,
    body: Vec<u8>,
    json: Value,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers.get(name).map(String::as_str).unwrap_or_else(|| panic!("no {name} header in {:?}", self.headers))
    }
    fn event_type(&self) -> &str {
        self.header("clientele-event")
    }
}

#[derive(Debug, Default)]
struct Shared {
    received: Mutex<Vec<Received>>,
    /// Statuses to answer, in order; then `then`.
    plan: Mutex<VecDeque<u16>>,
    then: u16,
    /// The body of a non-2xx answer (default "receiver says no").
    refusal_body: Option<String>,
    arrived: Notify,
}

/// A tiny HTTP/1.1 server on 127.0.0.1: records every request and answers
/// with the planned status (keep-alive supported, as the sender pools
/// connections).
#[derive(Debug, Clone)]
struct Receiver {
    url: String,
    shared: Arc<Shared>,
}

impl Receiver {
    /// Answers `plan` in order, then `then` to every further request.
    async fn start(plan: &[u16], then: u16) -> Receiver {
        Receiver::listen(Shared { plan: Mutex::new(plan.iter().copied().collect()), then, ..Shared::default() }).await
    }

    async fn listen(shared: Shared) -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the receiver");
        let port = listener.local_addr().expect("receiver address").port();
        let shared = Arc::new(shared);
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, accepting.clone()));
            }
        });
        Receiver { url: format!("http://127.0.0.1:{port}/hooks/clientele"), shared }
    }

    async fn ok() -> Receiver {
        Receiver::start(&[], 200).await
    }

    /// Answers every request with `status` and `body`.
    async fn answering(status: u16, body: &str) -> Receiver {
        Receiver::listen(Shared { then: status, refusal_body: Some(body.to_owned()), ..Shared::default() }).await
    }

    fn port(&self) -> u16 {
        self.url.trim_start_matches("http://127.0.0.1:").split('/').next().and_then(|p| p.parse().ok()).expect("port")
    }

    fn received(&self) -> Vec<Received> {
        self.shared.received.lock().expect("receiver lock").clone()
    }

    /// Waits until `done` holds for what was received (failing after [`DEADLINE`]).
    async fn wait_until(&self, what: &str, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            // Registered before looking, so an arrival in between still wakes us.
            let arrived = self.shared.arrived.notified();
            let received = self.received();
            if done(&received) {
                return received;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                panic!(
                    "the receiver never got {what}; it got: {:#?}",
                    received.iter().map(|r| &r.json).collect::<Vec<_>>()
                );
            }
        }
    }

    /// Waits until an event of each of `types` has arrived.
    async fn wait_for_types(&self, types: &[&str]) -> Vec<Received> {
        self.wait_until(&format!("{types:?}"), |r| types.iter().all(|t| r.iter().any(|x| x.event_type() == *t))).await
    }
}

async fn serve(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    loop {
        let mut line = String::new();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let mut headers = HashMap::new();
        loop {
            line.clear();
            if reader.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
            }
        }
        let length = headers.get("content-length").and_then(|v| v.parse::<usize>().ok()).unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).await.is_err() {
            return;
        }
        let status = shared.plan.lock().expect("plan lock").pop_front().unwrap_or(shared.then);
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        shared.received.lock().expect("receiver lock").push(Received { headers, body, json });
        shared.arrived.notify_waiters();
        let text = if (200..300).contains(&status) {
            "ok"
        } else {
            shared.refusal_body.as_deref().unwrap_or("receiver says no")
        };
        let response = format!(
            "HTTP/1.1 {status} Status\r\ncontent-type: text/plain\r\ncontent-length: {}\r\n\r\n{text}",
            text.len()
        );
        if write.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

// ---- helpers -----------------------------------------------------------------------

/// The service and the webhook sender, allowed to deliver to the test's
/// receivers on 127.0.0.1.
async fn app_for_loopback_receivers() -> TestApp {
    TestApp::spawn_with_dispatcher(|c| c.webhook_allow_hosts = AllowList::parse("127.0.0.1").expect("allow-list")).await
}

/// Subscribes `url` to `types` as admin; returns (id, secret).
async fn subscribe(app: &TestApp, url: &str, types: &[&str]) -> (String, String) {
    let a = app
        .admin("POST", "/v1/webhooks", Some(&json!({ "url": url, "event_types": types, "description": "test" })))
        .await
        .expect(201);
    let secret = a.body["secret"].as_str().expect("the secret is shown at creation").to_owned();
    (id_of(&a.body["webhook"]), secret)
}

fn order(external_id: &str, customer: &str, amount: &str) -> Value {
    json!({
        "source": "pos",
        "external_id": external_id,
        "customer": { "id": customer },
        "currency": "CNY",
        "lines": [{ "sku": "BAG-001", "name": "Le Sac", "quantity": 1, "unit_price": amount }],
        "amount_paid": amount,
        "payment_method": "card",
    })
}

/// Sends an order for a new member; returns (order id, customer id).
async fn send_order(app: &TestApp, external_id: &str, phone: &str) -> (String, String) {
    let customer = new_customer(app, person("Wang Fang", phone)).await;
    let a = app.admin("POST", "/v1/orders", Some(&order(external_id, &customer, "1000"))).await.expect(201);
    (id_of(&a.body), customer)
}

fn hex_decode(s: &str) -> Vec<u8> {
    assert!(
        s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "not lower-case hex: {s}"
    );
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex")).collect()
}

/// What a receiver does (docs/webhooks.md): recompute HMAC-SHA256 over
/// "{timestamp}.{body}" with the secret, compare in constant time, and
/// refuse timestamps more than 5 minutes away.
fn verify_signature(secret: &str, timestamp: &str, body: &[u8], signature: &str) -> Result<(), String> {
    let ts: i64 = timestamp.parse().map_err(|_| format!("bad timestamp {timestamp}"))?;
    if (Utc::now().timestamp() - ts).abs() > 300 {
        return Err(format!("timestamp {ts} is outside the 5-minute tolerance"));
    }
    let given = signature.strip_prefix("v1=").ok_or("no v1= signature")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).map_err(|e| e.to_string())?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&hex_decode(given)).map_err(|_| "signature mismatch".to_owned())
}

#[track_caller]
fn assert_signed(secret: &str, r: &Received) {
    let result = verify_signature(secret, r.header("clientele-timestamp"), &r.body, r.header("clientele-signature"));
    assert_eq!(result, Ok(()), "delivery {:?}", r.headers);
}

/// Polls the delivery log until `done` holds for its items (failing after [`DEADLINE`]).
async fn wait_for_log(app: &TestApp, webhook: &str, what: &str, done: impl Fn(&[Value]) -> bool) -> Vec<Value> {
    let deadline = tokio::time::Instant::now() + DEADLINE;
    loop {
        let a = app.admin("GET", &format!("/v1/webhooks/{webhook}/deliveries"), None).await.expect(200);
        let items = a.body["items"].as_array().cloned().expect("items");
        if done(&items) {
            return items;
        }
        assert!(tokio::time::Instant::now() < deadline, "the delivery log never showed {what}: {}", a.text);
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

// ---- the API -------------------------------------------------------------------------

#[tokio::test]
async fn an_order_reaches_the_subscriber_signed_as_order_ingested_and_points_changed() {
    let app = app_for_loopback_receivers().await;
    let receiver = Receiver::ok().await;
    let (webhook, secret) = subscribe(&app, &receiver.url, &["*"]).await;
    assert_eq!(secret.len(), 64, "32 random bytes, hex");
    let (order_id, customer) = send_order(&app, "R-1", "13812345678").await;

    let received = receiver.wait_for_types(&["order.ingested", "points.changed"]).await;
    for r in &received {
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.json["type"], r.event_type(), "the header names the body's type");
        assert!(r.json["id"].is_i64() && r.json["created_at"].is_string(), "{}", r.json);
        r.header("clientele-delivery").parse::<i64>().expect("the delivery id is a number");
        assert_signed(&secret, r);
    }
    let ingested = received.iter().find(|r| r.event_type() == "order.ingested").expect("order.ingested");
    assert_eq!(ingested.json["data"]["order_id"], order_id.as_str());
    assert_eq!(ingested.json["data"]["customer_id"], customer.as_str());
    assert_eq!(ingested.json["data"]["points_earned"], 1000);
    let points = received.iter().find(|r| r.event_type() == "points.changed").expect("points.changed");
    assert_eq!(points.json["data"]["customer_id"], customer.as_str());
    assert_eq!(points.json["data"]["points_delta"], 1000);

    // A receiver that checks signatures refuses a body that was changed on the way.
    let mut tampered = ingested.body.clone();
    tampered.extend_from_slice(b" ");
    let forged = verify_signature(
        &secret,
        ingested.header("clientele-timestamp"),
        &tampered,
        ingested.header("clientele-signature"),
    );
    assert_eq!(forged, Err("signature mismatch".to_owned()));
    assert!(verify_signature(&secret, "1000000000", &ingested.body, ingested.header("clientele-signature")).is_err());

    // The delivery log shows each delivery delivered at the first attempt,
    // under the id sent in Clientele-Delivery.
    let log = wait_for_log(&app, &webhook, "every delivery delivered", |items| {
        items.len() >= 2 && items.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    for r in [ingested, points] {
        let id: i64 = r.header("clientele-delivery").parse().expect("delivery id");
        let entry = log.iter().find(|d| d["id"] == id).unwrap_or_else(|| panic!("delivery {id} not in the log"));
        assert_eq!(entry["event_type"], r.event_type());
        assert_eq!(entry["event_id"], r.json["id"]);
        assert_eq!(entry["attempts"], 1);
        assert_eq!(entry["last_status_code"], 200);
        assert!(entry["delivered_at"].is_string() && entry["next_attempt_at"].is_null(), "{entry}");
    }
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_event_on_the_third_attempt() {
    let app = app_for_loopback_receivers().await;
    let receiver = Receiver::start(&[500, 500], 200).await;
    let (webhook, secret) = subscribe(&app, &receiver.url, &["order.ingested"]).await;
    send_order(&app, "R-1", "13812345678").await;

    let received = receiver.wait_until("three attempts", |r| r.len() >= 3).await;
    let log = wait_for_log(&app, &webhook, "a delivered delivery", |items| {
        items.len() == 1 && items[0]["status"] == "delivered"
    })
    .await;
    let entry = &log[0];
    assert_eq!(entry["attempts"], 3);
    assert_eq!(entry["last_status_code"], 200);
    let error = entry["last_error"].as_str().expect("the last error is kept");
    assert!(error.contains("500") && error.contains("receiver says no"), "{error}");
    assert!(entry["delivered_at"].is_string());

    assert_eq!(received.len(), 3, "nothing more is sent once delivered");
    for r in &received {
        assert_signed(&secret, r);
        assert_eq!(r.header("clientele-delivery"), received[0].header("clientele-delivery"), "one delivery, retried");
        assert_eq!(r.json["id"], received[0].json["id"], "the same event each time");
    }
}

#[tokio::test]
async fn a_subscription_to_one_event_type_gets_only_that_type() {
    let app = app_for_loopback_receivers().await;
    let witness = Receiver::ok().await;
    let only_points = Receiver::ok().await;
    subscribe(&app, &witness.url, &["*"]).await;
    let (webhook, _) = subscribe(&app, &only_points.url, &["points.changed"]).await;
    send_order(&app, "R-1", "13812345678").await;

    // Once the witness has both events, both were fanned out (to every
    // subscription at once) — so all that was meant for `only_points` exists.
    witness.wait_for_types(&["order.ingested", "points.changed"]).await;
    only_points.wait_for_types(&["points.changed"]).await;
    let log = wait_for_log(&app, &webhook, "a delivered delivery", |items| {
        !items.is_empty() && items.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    assert!(log.iter().all(|d| d["event_type"] == "points.changed"), "{log:?}");
    let types =
        rows(&app, &format!("SELECT DISTINCT event_type FROM webhook_deliveries WHERE subscription_id = '{webhook}'"));
    assert_eq!(types, [json!({ "event_type": "points.changed" })]);
    assert!(only_points.received().iter().all(|r| r.event_type() == "points.changed"));
}

#[tokio::test]
async fn a_deleted_subscription_gets_nothing_more() {
    let app = app_for_loopback_receivers().await;
    let witness = Receiver::ok().await;
    let failing = Receiver::start(&[], 503).await;
    subscribe(&app, &witness.url, &["*"]).await;
    let (webhook, _) = subscribe(&app, &failing.url, &["*"]).await;
    send_order(&app, "R-1", "13812345678").await;
    failing.wait_until("a first attempt", |r| !r.is_empty()).await;

    let a = app.admin("DELETE", &format!("/v1/webhooks/{webhook}"), None).await.expect(200);
    assert_eq!(a.body["active"], false);
    app.admin("DELETE", &format!("/v1/webhooks/{webhook}"), None).await.expect(200);
    let listed = app.admin("GET", "/v1/webhooks", None).await.expect(200);
    let entry = listed.body.as_array().expect("list").iter().find(|w| w["id"] == webhook.as_str()).cloned();
    assert_eq!(entry.expect("still listed")["active"], false);

    // What was still pending is cancelled, and stays so.
    let log = app.admin("GET", &format!("/v1/webhooks/{webhook}/deliveries"), None).await.expect(200);
    let items = log.body["items"].as_array().cloned().expect("items");
    assert!(!items.is_empty() && items.iter().all(|d| d["status"] == "cancelled"), "{}", log.text);
    let before = app.count(&format!("webhook_deliveries WHERE subscription_id = '{webhook}'"));

    // A later event reaches the witness but not the deleted subscription.
    let (second, _) = send_order(&app, "R-2", "13900001111").await;
    witness.wait_until("the second order", |r| r.iter().any(|x| x.json["data"]["order_id"] == second.as_str())).await;
    assert_eq!(app.count(&format!("webhook_deliveries WHERE subscription_id = '{webhook}'")), before);
    assert!(!failing.received().iter().any(|r| r.json["data"]["order_id"] == second.as_str()));
    let log = app.admin("GET", &format!("/v1/webhooks/{webhook}/deliveries"), None).await.expect(200);
    assert!(log.body["items"].as_array().expect("items").iter().all(|d| d["status"] == "cancelled"), "{}", log.text);
}

#[tokio::test]
async fn a_merge_is_delivered_as_customer_merged() {
    let app = app_for_loopback_receivers().await;
    let receiver = Receiver::ok().await;
    let (_, secret) = subscribe(&app, &receiver.url, &["customer.merged"]).await;
    let survivor = new_customer(&app, person("Wang Fang", "13812345678")).await;
    let absorbed = new_customer(&app, person("Fang Wang", "13900001111")).await;
    app.admin("POST", &format!("/v1/customers/{survivor}/merge"), Some(&json!({ "absorb": absorbed })))
        .await
        .expect(200);
    let received = receiver.wait_for_types(&["customer.merged"]).await;
    assert_eq!(received[0].json["data"]["survivor_id"], survivor.as_str());
    assert_eq!(received[0].json["data"]["absorbed_id"], absorbed.as_str());
    assert_signed(&secret, &received[0]);
}

#[tokio::test]
async fn only_admin_and_crm_manager_manage_webhooks() {
    let app = TestApp::spawn().await;
    let store = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let (webhook, _) = subscribe(&app, "https://hooks.example.com/in", &["tier.changed"]).await;
    let body = json!({ "url": "https://hooks.example.com/other", "event_types": ["*"] });
    for role in [Role::StoreManager, Role::Associate, Role::Pos, Role::Analyst] {
        let stores: &[&str] = if role.needs_store_scope() { &[&store] } else { &[] };
        let token = key(&app, role, stores);
        let t = Some(token.as_str());
        app.call("POST", "/v1/webhooks", t, Some(&body)).await.expect_problem(403, "forbidden");
        app.call("GET", "/v1/webhooks", t, None).await.expect_problem(403, "forbidden");
        app.call("GET", &format!("/v1/webhooks/{webhook}/deliveries"), t, None).await.expect_problem(403, "forbidden");
        app.call("DELETE", &format!("/v1/webhooks/{webhook}"), t, None).await.expect_problem(403, "forbidden");
    }
    assert_eq!(app.count("webhook_subscriptions"), 1);
    let crm = key(&app, Role::CrmManager, &[]);
    let a = app.call("POST", "/v1/webhooks", Some(&crm), Some(&body)).await.expect(201);
    assert_eq!(a.body["webhook"]["created_by"], "crm_manager key");
    let listed = app.call("GET", "/v1/webhooks", Some(&crm), None).await.expect(200);
    assert_eq!(listed.body.as_array().map(Vec::len), Some(2));
    assert!(!listed.text.contains("secret"), "the secret is shown only once: {}", listed.text);
    app.call("DELETE", &format!("/v1/webhooks/{webhook}"), Some(&crm), None).await.expect(200);
    app.call("POST", "/v1/webhooks", None, Some(&body)).await.expect_problem(401, "unauthorized");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    let app = TestApp::spawn().await;
    for url in ["not a url", "ftp://example.com/x", "http://", "example.com/hook", ""] {
        let a = app.admin("POST", "/v1/webhooks", Some(&json!({ "url": url, "event_types": ["*"] }))).await;
        let a = a.expect_problem(422, "validation_failed");
        assert_eq!(a.error_fields(), ["url"], "{url}: {}", a.text);
    }
    let a = app
        .admin("POST", "/v1/webhooks", Some(&json!({ "url": "ftp://x", "event_types": ["tier.changed", "nope"] })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "url", "invalid_url");
    assert_field(&a, "event_types[1]", "unknown_event_type");
    let a = app
        .admin("POST", "/v1/webhooks", Some(&json!({ "url": "https://example.com", "event_types": [] })))
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "event_types", "required");
    let a = app
        .admin(
            "POST",
            "/v1/webhooks",
            Some(&json!({ "url": "https://example.com", "event_types": ["*", "tier.changed"] })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "event_types", "not_allowed");
    let a = app
        .admin(
            "POST",
            "/v1/webhooks",
            Some(&json!({ "url": "https://example.com", "event_types": ["*"], "secret": "x" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_field(&a, "secret", "unknown_field");
    let a = app
        .admin(
            "POST",
            "/v1/webhooks",
            Some(&json!({ "url": "https://example.com", "event_types": ["*"], "description": "CDP\u{0}bridge" })),
        )
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), ["description"]);
    assert_field(&a, "description", "invalid_format");
    let a = app
        .admin("POST", "/v1/webhooks", Some(&json!({ "url": "https://example.com", "event_types": "*" })))
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), ["event_types"]);
    assert_eq!(app.count("webhook_subscriptions"), 0, "nothing was written");

    let unknown = uuid::Uuid::new_v4();
    app.admin("DELETE", &format!("/v1/webhooks/{unknown}"), None).await.expect_problem(404, "not_found");
    app.admin("GET", &format!("/v1/webhooks/{unknown}/deliveries"), None).await.expect_problem(404, "not_found");
    app.admin("DELETE", "/v1/webhooks/not-a-uuid", None).await.expect_problem(404, "not_found");
    let (webhook, _) = subscribe(&app, "https://example.com/in", &["*"]).await;
    let a = app
        .admin("GET", &format!("/v1/webhooks/{webhook}/deliveries?cursor=zzz"), None)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), ["cursor"]);
    let a = app
        .admin("GET", &format!("/v1/webhooks/{webhook}/deliveries?limit=0"), None)
        .await
        .expect_problem(422, "validation_failed");
    assert_eq!(a.error_fields(), ["limit"]);
}

// ---- where deliveries may go -------------------------------------------------------------

/// Subscribes `url` as admin and returns the answer.
async fn try_subscribe(app: &TestApp, url: &str) -> clientele_tests::Answer {
    app.admin("POST", "/v1/webhooks", Some(&json!({ "url": url, "event_types": ["*"] }))).await
}

#[tokio::test]
async fn internal_addresses_are_refused_at_registration() {
    let app = TestApp::spawn().await;
    for url in [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "http://127.0.0.1:8080/hook",
        "http://127.1/",
        "http://localhost:8080/hook",
        "http://LOCALHOST./",
        "http://[::1]:9000/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://[64:ff9b::7f00:1]/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::]/",
        "http://10.0.0.1/",
        "http://172.16.5.4/",
        "http://192.168.1.1/",
        "http://100.64.0.1/",
        "http://0.0.0.0/",
        "http://0/",
        "http://224.0.0.1/",
        "http://255.255.255.255/",
        "http://192.0.2.10/",
        "http://2130706433/",
        "http://0177.0.0.1/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://%31%32%37.0.0.1/",
        "https://metadata.example.com/",
        "https://internal.example.com/hook",
        "https://mixed.example.com/hook",
    ] {
        let a = try_subscribe(&app, url).await.expect_problem(422, "validation_failed");
        assert_eq!(a.error_fields(), ["url"], "{url}: {}", a.text);
        assert_field(&a, "url", "internal_address");
    }
    let a = try_subscribe(&app, "https://nowhere.example.net/hook").await.expect_problem(422, "validation_failed");
    assert_field(&a, "url", "unresolvable_host");
    assert_eq!(app.count("webhook_subscriptions"), 0, "nothing was written");
    // A public name and a public address are accepted.
    try_subscribe(&app, "https://hooks.example.com/in").await.expect(201);
    try_subscribe(&app, "http://93.184.215.14:8080/in").await.expect(201);
}

#[tokio::test]
async fn hosts_on_the_allow_list_may_be_internal() {
    let app = TestApp::spawn_with(|c| {
        c.webhook_allow_hosts =
            AllowList::parse("internal.example.com, localhost, 192.168.10.0/24").expect("allow-list");
    })
    .await;
    for allowed in ["https://internal.example.com/hook", "http://localhost:8080/hook", "http://192.168.10.5/hook"] {
        try_subscribe(&app, allowed).await.expect(201);
    }
    // Only what is listed: a listed name does not open its address to
    // other spellings, nor a listed network its neighbours.
    for refused in
        ["http://127.0.0.1:8080/hook", "http://192.168.11.5/", "http://169.254.169.254/", "https://mixed.example.com/"]
    {
        let a = try_subscribe(&app, refused).await.expect_problem(422, "validation_failed");
        assert_field(&a, "url", "internal_address");
    }
}

#[tokio::test]
async fn a_name_re_pointed_to_an_internal_address_is_refused_at_delivery() {
    let dns = test_dns();
    let app = TestApp::spawn_with_dispatcher(|c| {
        c.webhook_dns = dns.clone();
        c.webhook_allow_hosts = AllowList::parse("gateway.brand.internal").expect("allow-list");
    })
    .await;
    let localhost: std::net::IpAddr = "127.0.0.1".parse().expect("address");
    // The control: an allowed name that resolves to the receiver is delivered
    // to, through the same resolver.
    dns.set("gateway.brand.internal", vec![localhost]);
    let gateway = Receiver::ok().await;
    subscribe(&app, &format!("http://gateway.brand.internal:{}/in", gateway.port()), &["order.ingested"]).await;
    // Public when registered; pointed at loopback afterwards (DNS rebinding).
    let rebound = Receiver::ok().await;
    let (webhook, _) =
        subscribe(&app, &format!("http://rebind.example.com:{}/in", rebound.port()), &["order.ingested"]).await;
    dns.set("rebind.example.com", vec![localhost]);

    send_order(&app, "R-1", "13812345678").await;
    gateway.wait_for_types(&["order.ingested"]).await;
    let log = wait_for_log(&app, &webhook, "a refused attempt", |items| {
        items.len() == 1 && items[0]["attempts"].as_i64() >= Some(1)
    })
    .await;
    assert_eq!(log[0]["status"], "pending", "retried later, as the name may be pointed back");
    assert!(log[0]["last_status_code"].is_null());
    assert_eq!(
        log[0]["last_error"],
        "refused: rebind.example.com resolves to an internal address (127.0.0.1, loopback)"
    );
    assert!(rebound.received().is_empty(), "nothing reached the internal address");
}

#[tokio::test]
async fn a_subscription_stored_before_the_check_is_refused_at_delivery() {
    let app = TestApp::spawn_with_dispatcher(|_| {}).await;
    let receiver = Receiver::ok().await;
    // As a subscription registered before internal addresses were refused.
    let stored = NewSubscription {
        url: WebhookUrl::parse(&format!("http://0x7f.1:{}/in", receiver.port())).expect("url"),
        events: EventFilter::All,
        description: None,
        secret: WebhookSecret::new("ab".repeat(32)).expect("secret"),
    };
    let sub =
        clientele_app::webhooks::create_subscription(&mut app.db.connect(), stored, &AuditContext::system(Utc::now()))
            .expect("subscription");
    send_order(&app, "R-1", "13812345678").await;
    let log = wait_for_log(&app, &sub.id.to_string(), "a refused attempt", |items| {
        !items.is_empty() && items.iter().all(|d| d["attempts"].as_i64() >= Some(1))
    })
    .await;
    for entry in &log {
        assert_eq!(entry["last_error"], "refused: 127.0.0.1 is an internal address (loopback)", "{entry}");
    }
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn the_log_keeps_only_a_short_printable_excerpt_of_an_answer() {
    let app = app_for_loopback_receivers().await;
    let secret_page = format!("\u{1b}[2J{}", "aws_secret_access_key=AKIA… ".repeat(40));
    let receiver = Receiver::answering(500, &secret_page).await;
    let (webhook, _) = subscribe(&app, &receiver.url, &["order.ingested"]).await;
    send_order(&app, "R-1", "13812345678").await;
    let log = wait_for_log(&app, &webhook, "a failed attempt", |items| {
        items.len() == 1 && items[0]["attempts"].as_i64() >= Some(1)
    })
    .await;
    assert_eq!(log[0]["last_status_code"], 500);
    let error = log[0]["last_error"].as_str().expect("an error");
    let excerpt = error.strip_prefix("HTTP 500 Internal Server Error: ").unwrap_or_else(|| panic!("{error}"));
    assert!(excerpt.starts_with("?[2Jaws_secret_access_key"), "{excerpt}");
    assert!(excerpt.chars().count() <= 64 && excerpt.ends_with('…'), "cut to 64 characters: {excerpt}");
    assert!(!error.chars().any(char::is_control), "{error:?}");
}

#[tokio::test]
async fn the_delivery_log_pages_with_a_cursor() {
    let app = app_for_loopback_receivers().await;
    let receiver = Receiver::ok().await;
    let (webhook, _) = subscribe(&app, &receiver.url, &["order.ingested"]).await;
    for (i, phone) in ["13800000001", "13800000002", "13800000003"].iter().enumerate() {
        send_order(&app, &format!("R-{i}"), phone).await;
    }
    wait_for_log(&app, &webhook, "three deliveries", |items| items.len() == 3).await;
    let first = app.admin("GET", &format!("/v1/webhooks/{webhook}/deliveries?limit=2"), None).await.expect(200);
    let cursor = first.body["next_cursor"].as_str().expect("a next page").to_owned();
    let second =
        app.admin("GET", &format!("/v1/webhooks/{webhook}/deliveries?limit=2&cursor={cursor}"), None).await.expect(200);
    let ids: Vec<i64> = [&first, &second]
        .iter()
        .flat_map(|a| a.body["items"].as_array().cloned().unwrap_or_default())
        .map(|d| d["id"].as_i64().expect("id"))
        .collect();
    assert_eq!(ids.len(), 3);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    assert!(second.body["next_cursor"].is_null());
}

// ---- the store: several instances at once ----------------------------------------------

fn t(seconds: i64) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp(1_800_000_000 + seconds, 0).expect("a time")
}

/// A subscription to every event, created at `t(0)`; returns its id.
fn store_subscription(conn: &mut PgConnection) -> uuid::Uuid {
    let new = NewSubscription {
        url: WebhookUrl::parse("http://127.0.0.1:9/never-called").expect("url"),
        events: EventFilter::All,
        description: None,
        secret: WebhookSecret::new("ab".repeat(32)).expect("secret"),
    };
    clientele_app::webhooks::create_subscription(conn, new, &AuditContext::system(t(0))).expect("subscription").id
}

/// `n` outbox events emitted at `t(1)`.
fn emit(conn: &mut PgConnection, n: i32) {
    diesel::sql_query(
        "INSERT INTO outbox (event_type, payload, created_at)
         SELECT 'order.ingested', jsonb_build_object('n', g), $1 FROM generate_series(1, $2) g",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(t(1))
    .bind::<diesel::sql_types::Integer, _>(n)
    .execute(conn)
    .expect("emit");
}

#[test]
fn only_one_instance_fans_out_at_a_time() {
    let db = TestDatabase::create();
    let (mut a, mut b) = (db.connect(), db.connect());
    store_subscription(&mut a);
    a.transaction::<_, StoreError, _>(|a| {
        // `a` fans out (nothing yet) and, until its transaction ends, holds the lock.
        assert_eq!(clientele_store::fan_out(a, t(2), 100)?, 0);
        emit(&mut b, 3);
        assert_eq!(clientele_store::fan_out(&mut b, t(2), 100)?, 0, "b skips the round while a fans out");
        Ok(())
    })
    .expect("transaction");
    assert_eq!(clientele_store::fan_out(&mut b, t(2), 100).expect("fan out"), 3);
    assert_eq!(clientele_store::fan_out(&mut a, t(2), 100).expect("fan out"), 0, "each event is fanned out once");
    let mut c = db.connect();
    let n: i64 =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("(SELECT count(*) FROM webhook_deliveries)"))
            .get_result(&mut c)
            .expect("count");
    assert_eq!(n, 3);
}

#[test]
fn two_senders_never_claim_the_same_delivery() {
    let db = TestDatabase::create();
    let (mut a, mut b) = (db.connect(), db.connect());
    store_subscription(&mut a);
    emit(&mut a, 3);
    assert_eq!(clientele_store::fan_out(&mut a, t(2), 100).expect("fan out"), 3);
    a.transaction::<_, StoreError, _>(|a| {
        assert_eq!(clientele_store::claim_due(a, t(2), 10)?.len(), 3);
        // While `a` holds its claim uncommitted, `b` skips those rows.
        assert!(clientele_store::claim_due(&mut b, t(2), 10)?.is_empty());
        Ok(())
    })
    .expect("transaction");
    // Committed, the claim is a lease: not due again until it runs out…
    let lease = clientele_webhooks::CLAIM_LEASE_SECONDS;
    assert!(clientele_store::claim_due(&mut b, t(2), 10).expect("claim").is_empty());
    assert!(clientele_store::claim_due(&mut b, t(1 + lease), 10).expect("claim").is_empty());
    // …and then due again, had the sender died before recording (at least once).
    let again = clientele_store::claim_due(&mut b, t(3 + lease), 10).expect("claim");
    assert_eq!(again.len(), 3);
    assert!(again.iter().all(|d| d.attempt == 1), "no attempt was recorded");
}

#[test]
fn racing_senders_claim_disjoint_deliveries() {
    let db = TestDatabase::create();
    let mut setup = db.connect();
    store_subscription(&mut setup);
    emit(&mut setup, 300);
    assert_eq!(clientele_store::fan_out(&mut setup, t(2), 1000).expect("fan out"), 300);
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let mut conn = db.connect();
            std::thread::spawn(move || {
                let mut mine = Vec::new();
                loop {
                    let batch = clientele_store::claim_due(&mut conn, t(2), 7).expect("claim");
                    if batch.is_empty() {
                        return mine;
                    }
                    mine.extend(batch.into_iter().map(|d| d.id));
                }
            })
        })
        .collect();
    let mut all: Vec<i64> = senders.into_iter().flat_map(|s| s.join().expect("sender thread")).collect();
    let claimed = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), claimed, "a delivery was claimed twice");
    assert_eq!(claimed, 300, "every delivery was claimed");
}

#[test]
fn failed_attempts_are_retried_with_backoff_then_given_up() {
    let db = TestDatabase::create();
    let mut conn = db.connect();
    store_subscription(&mut conn);
    emit(&mut conn, 1);
    clientele_store::fan_out(&mut conn, t(2), 10).expect("fan out");
    let policy = RetryPolicy { base: Duration::from_secs(10), cap: Duration::from_secs(15), max_attempts: 3 };
    let fail = AttemptOutcome::Failed { status_code: Some(502), error: "HTTP 502".into() };
    let mut now = t(2);
    let mut statuses = Vec::new();
    let mut waits = Vec::new();
    for attempt in 1..=3 {
        let due = clientele_store::claim_due(&mut conn, now, 10).expect("claim");
        assert_eq!(due.iter().map(|d| d.attempt).collect::<Vec<_>>(), [attempt]);
        statuses.push(clientele_store::record_attempt(&mut conn, due[0].id, &fail, now, &policy).expect("record"));
        let next = next_attempt_of(&mut conn, due[0].id);
        if let Some(next) = next {
            waits.push((next - now).num_seconds());
            assert!(clientele_store::claim_due(&mut conn, next - TimeDelta::seconds(1), 10).expect("claim").is_empty());
            now = next;
        }
    }
    assert_eq!(waits, [10, 15], "10 s, then doubled but capped at 15 s");
    assert_eq!(statuses, [Some(DeliveryStatus::Pending), Some(DeliveryStatus::Pending), Some(DeliveryStatus::Failed)]);
    assert!(clientele_store::claim_due(&mut conn, t(100_000), 10).expect("claim").is_empty(), "given up");
}

/// The next attempt of a pending delivery, from the log.
fn next_attempt_of(conn: &mut PgConnection, id: i64) -> Option<DateTime<Utc>> {
    let sub: uuid::Uuid = diesel::select(diesel::dsl::sql::<diesel::sql_types::Uuid>(&format!(
        "(SELECT subscription_id FROM webhook_deliveries WHERE id = {id})"
    )))
    .get_result(conn)
    .expect("subscription");
    let (page, _) = clientele_store::deliveries(conn, sub, None, 10).expect("log");
    page.into_iter().find(|d| d.id == id).and_then(|d| d.next_attempt_at)
}
