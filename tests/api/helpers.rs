//! Small helpers shared by the API tests: keys per role, query encoding, and
//! reading the test database directly to check what was (not) written.

use clientele_kernel::StoreId;
use clientele_profiles::{Role, StoreScope};
use clientele_tests::{Answer, TestApp};
use diesel::RunQueryDsl;
use serde_json::{Value, json};

/// A Chinese mobile in E.164, and how people type it.
pub const PHONE: &str = "+8613812345678";
pub const PHONE_SPACED: &str = "138 1234 5678";
pub const PHONE_NATIONAL: &str = "13812345678";
pub const OTHER_PHONE: &str = "+8613998765432";
pub const EMAIL: &str = "lin.yue@example.com";

/// A key of `role`, limited to `stores` (all stores when empty).
pub fn key(app: &TestApp, role: Role, stores: &[&str]) -> String {
    let scope = if stores.is_empty() {
        StoreScope::All
    } else {
        StoreScope::Stores(stores.iter().map(|s| StoreId::from_uuid(s.parse().expect("store id is a uuid"))).collect())
    };
    app.key_direct(role, scope, &format!("{role} key"))
}

/// Percent-encodes a query parameter value.
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// The `id` member of a JSON body.
pub fn id_of(v: &Value) -> String {
    v["id"].as_str().expect("body has an id").to_owned()
}

/// A customer body with a name and one phone.
pub fn person(name: &str, phone: &str) -> Value {
    json!({ "name": name, "phones": [phone] })
}

/// Creates a customer as admin and returns its id.
pub async fn new_customer(app: &TestApp, body: Value) -> String {
    id_of(&app.customer(body).await)
}

/// Runs a query in the test database and returns its rows as JSON objects.
pub fn rows(app: &TestApp, query: &str) -> Vec<Value> {
    let mut conn = app.db.connect();
    let text: String = diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>(&format!(
        "(SELECT coalesce(json_agg(q), '[]'::json)::text FROM ({query}) q)"
    )))
    .get_result(&mut conn)
    .expect("query the test database");
    match serde_json::from_str(&text).expect("rows as json") {
        Value::Array(rows) => rows,
        other => panic!("not an array: {other}"),
    }
}

/// The audit entries about one customer, oldest first.
pub fn audit_of(app: &TestApp, customer: &str) -> Vec<Value> {
    rows(
        app,
        &format!(
            "SELECT action, entity, entity_id, key_name, role, request_id, changes \
             FROM audit_log WHERE customer_id = '{customer}' ORDER BY id"
        ),
    )
}

/// Asserts that a validation problem names `field` with `code`.
#[track_caller]
pub fn assert_field(a: &Answer, field: &str, code: &str) {
    let errors = a.body["errors"].as_array().cloned().unwrap_or_default();
    assert!(
        errors.iter().any(|e| e["field"] == field && e["code"] == code),
        "expected field {field} with code {code}; body: {}",
        a.text
    );
}

/// Two stores, "A" and "B", returned as (a, b).
pub async fn two_stores(app: &TestApp) -> (String, String) {
    let a = app.store("SH-IFC", "CN", "Asia/Shanghai", "CNY").await;
    let b = app.store("MI-MON", "IT", "Europe/Rome", "EUR").await;
    (a, b)
}

/// Creates an associate at `store` as admin; returns its id.
pub async fn new_associate(app: &TestApp, store: &str, code: &str) -> String {
    let a = app
        .admin(
            "POST",
            "/v1/associates",
            Some(&json!({ "store_id": store, "code": code, "name": format!("Associate {code}") })),
        )
        .await
        .expect(201);
    id_of(&a.body)
}

/// A reader that fails after `left` bytes: an import reading it stops there
/// as a killed process would — the batches committed stay, the one in
/// flight is rolled back with its transaction.
pub struct DiesAfter<'a> {
    pub data: &'a [u8],
    pub left: usize,
}

impl std::io::Read for DiesAfter<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::other("killed"));
        }
        let n = buf.len().min(self.left).min(self.data.len());
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        self.left -= n;
        Ok(n)
    }
}
