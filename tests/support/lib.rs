//! Test support: the real service on a free port against a fresh PostgreSQL
//! database per test.
//!
//! The first test process to need it migrates a template database (named
//! after a fingerprint of the migrations) under an advisory lock; every test
//! then gets `CREATE DATABASE … TEMPLATE` of it, which takes milliseconds,
//! and drops it when the test ends. Tests therefore run in parallel, in one
//! process or many (nextest).

use std::net::IpAddr;
use std::sync::OnceLock;

use clientele_api::{Application, Config};
use clientele_app::dispatcher::Dispatcher;
use clientele_app::webhook_guard::{HostTable, WebhookDns};
use clientele_profiles::{KeyGrant, Role, StoreScope};
use clientele_store::{AuditContext, NewApiKey};
use diesel::connection::SimpleConnection;
use diesel::{Connection, PgConnection};
use serde_json::Value;

/// The database the tests connect to for administration (creating and
/// dropping test databases). Its role needs CREATEDB.
///
/// Tests talk to PostgreSQL without TLS unless the URL asks for it: libpq's
/// OpenSSL clean-up at process exit can crash a test process whose server
/// threads still hold TLS connections (seen as a rare SIGSEGV under load).
pub fn admin_url() -> String {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| clientele_api::config::DEFAULT_DATABASE_URL.to_owned());
    if url.contains("sslmode=") {
        url
    } else if url.contains('?') {
        format!("{url}&sslmode=disable")
    } else {
        format!("{url}?sslmode=disable")
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end).unwrap_or(base.len());
    let mut out = format!("{}/{}", &base[..path_start], db);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

const TEMPLATE_LOCK: i64 = 0x636c_6965_6e74_0002;

fn template_name() -> String {
    format!("clientele_tpl_{}", clientele_store::MIGRATIONS_FINGERPRINT.trim())
}

/// Makes sure the migrated template exists (once per process; the advisory
/// lock makes it once across processes too).
fn ensure_template() -> String {
    static TEMPLATE: OnceLock<String> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let name = template_name();
            let admin = admin_url();
            let mut conn = PgConnection::establish(&admin).unwrap_or_else(|e| panic!("cannot connect to {admin}: {e}"));
            conn.batch_execute(&format!("SELECT pg_advisory_lock({TEMPLATE_LOCK})")).expect("lock");
            let exists: bool = diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
            )))
            .get_result(&mut conn)
            .expect("query pg_database");
            if !exists {
                let building = format!("{name}_building");
                conn.batch_execute(&format!("DROP DATABASE IF EXISTS {building}")).expect("drop stale template");
                conn.batch_execute(&format!("CREATE DATABASE {building}")).expect("create template");
                {
                    let mut tpl =
                        PgConnection::establish(&with_database(&admin, &building)).expect("connect to template");
                    clientele_store::run_migrations(&mut tpl).expect("migrate template");
                }
                conn.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).expect("publish template");
            }
            conn.batch_execute(&format!("SELECT pg_advisory_unlock({TEMPLATE_LOCK})")).expect("unlock");
            name
        })
        .clone()
}

/// A fresh database, copied from the template, dropped on drop.
#[derive(Debug)]
pub struct TestDatabase {
    pub name: String,
    pub url: String,
}

impl TestDatabase {
    pub fn create() -> TestDatabase {
        let template = ensure_template();
        let name = format!("clientele_test_{}", uuid::Uuid::new_v4().simple());
        let admin = admin_url();
        let mut conn = PgConnection::establish(&admin).expect("connect admin");
        conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")).expect("create test database");
        TestDatabase { url: with_database(&admin, &name), name }
    }

    /// A direct connection, for checking what was (not) written.
    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect test database")
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Ok(mut conn) = PgConnection::establish(&admin_url()) {
            let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name));
        }
    }
}

/// The running service, its database, an admin token and an HTTP client.
#[derive(Debug)]
pub struct TestApp {
    pub address: String,
    pub admin_token: String,
    pub client: reqwest::Client,
    pub db: TestDatabase,
}

/// An HTTP answer, read whole.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: reqwest::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Answer {
    /// Asserts the status, showing the body if it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Answer {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        self
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn expect_problem(self, status: u16, code: &str) -> Answer {
        assert_eq!(self.status, status, "unexpected status; body: {}", self.text);
        assert_eq!(self.content_type, "application/problem+json", "body: {}", self.text);
        assert_eq!(self.body["code"], code, "body: {}", self.text);
        assert_eq!(self.body["status"], status, "body: {}", self.text);
        assert!(self.body["request_id"].as_str().is_some_and(|s| !s.is_empty()), "no request id: {}", self.text);
        self
    }

    /// The fields named in a validation problem.
    pub fn error_fields(&self) -> Vec<String> {
        self.body["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }
}

impl TestApp {
    /// Starts the service on a free port against a fresh database. Nothing
    /// runs beside it: no scheduled jobs (tests run them as of the dates
    /// they choose) and no webhook sender (see [`TestApp::spawn_with_dispatcher`]).
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// Starts the service with the test configuration changed by `configure`
    /// first (e.g. `CLIENTELE_WEBHOOK_ALLOW_HOSTS`). Webhook host names
    /// resolve through [`test_dns`], never the network.
    pub async fn spawn_with(configure: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::start(configure).await.0
    }

    /// Starts the service as [`TestApp::spawn_with`] does, and the webhook
    /// sender beside it, as `clientele serve` does: for the tests that need
    /// deliveries sent (it looks for work every 50 ms).
    pub async fn spawn_with_dispatcher(configure: impl FnOnce(&mut Config)) -> TestApp {
        let (test_app, config, pool) = TestApp::start(configure).await;
        let dispatcher = Dispatcher::new(pool, config.dispatcher()).expect("build the webhook sender");
        tokio::spawn(dispatcher.run_until_stopped());
        test_app
    }

    /// Starts the server; returns it, its configuration and its pool.
    async fn start(configure: impl FnOnce(&mut Config)) -> (TestApp, Config, clientele_store::Db) {
        let db = TestDatabase::create();
        let mut config = Config::for_database(db.url.clone());
        config.webhook_dns = test_dns();
        configure(&mut config);
        let app = Application::build(&config).await.expect("build application");
        let address = format!("http://127.0.0.1:{}", app.port());
        let pool = app.db().clone();
        tokio::spawn(app.run_until_stopped());
        let mut test_app = TestApp { address, admin_token: String::new(), client: reqwest::Client::new(), db };
        test_app.admin_token = test_app.key_direct(Role::Admin, StoreScope::All, "test admin");
        (test_app, config, pool)
    }

    /// Creates a key straight in the database (bypassing the API) and returns its token.
    pub fn key_direct(&self, role: Role, scope: StoreScope, name: &str) -> String {
        let generated = clientele_api::keygen::generate();
        let mut conn = self.db.connect();
        let grant = KeyGrant::new(role, scope).expect("valid grant");
        clientele_app::keys::create_api_key(
            &mut conn,
            NewApiKey { name: name.to_owned(), grant, digest: generated.digest, prefix: generated.prefix.clone() },
            &AuditContext::system(chrono_now()),
        )
        .expect("create key");
        generated.token
    }

    /// Sends a request. `token` None sends no Authorization header.
    pub async fn call(&self, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self.client.request(method, format!("{}{}", self.address, path));
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        Self::read(req.send().await.expect("request sent")).await
    }

    /// Sends a raw body with a content type.
    pub async fn call_raw(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        let mut req = self
            .client
            .request(method, format!("{}{}", self.address, path))
            .header("content-type", content_type)
            .body(body);
        if let Some(token) = token {
            req = req.bearer_auth(token);
        }
        Self::read(req.send().await.expect("request sent")).await
    }

    /// Sends a request built by the test (for custom headers, or a body
    /// without a content type) and reads the answer.
    pub async fn send(&self, req: reqwest::RequestBuilder) -> Answer {
        Self::read(req.send().await.expect("request sent")).await
    }

    /// A request to `path` on the service, to finish with headers and a body
    /// and pass to [`TestApp::send`].
    pub fn request(&self, method: &str, path: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("method");
        self.client.request(method, format!("{}{}", self.address, path))
    }

    async fn read(res: reqwest::Response) -> Answer {
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let content_type = headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let text = res.text().await.expect("body read");
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer { status, content_type, headers, body, text }
    }

    /// As admin.
    pub async fn admin(&self, method: &str, path: &str, body: Option<&Value>) -> Answer {
        self.call(method, path, Some(&self.admin_token.clone()), body).await
    }

    /// Creates a store as admin; returns its id.
    pub async fn store(&self, code: &str, country: &str, tz: &str, currency: &str) -> String {
        let body = serde_json::json!({ "code": code, "name": format!("Store {code}"), "city": "City", "country": country, "time_zone": tz, "currency": currency });
        let a = self.admin("POST", "/v1/stores", Some(&body)).await.expect(201);
        a.body["id"].as_str().expect("store id").to_owned()
    }

    /// Creates a customer as admin; returns the body.
    pub async fn customer(&self, body: Value) -> Value {
        self.admin("POST", "/v1/customers", Some(&body)).await.expect(201).body
    }

    /// Counts rows of a table in the test database.
    pub fn count(&self, table: &str) -> i64 {
        let mut conn = self.db.connect();
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(&format!("(SELECT count(*) FROM {table})")))
            .get_result(&mut conn)
            .expect("count")
    }
}

/// Webhook host names as the tests see them, without the network:
/// `example.com` and its `hooks.`, `crm-bridge.` and `rebind.` subdomains
/// resolve to a public address (93.184.215.14), `localhost` to 127.0.0.1
/// and ::1, `internal.example.com` to 10.0.0.5, `metadata.example.com` to
/// 169.254.169.254 and `mixed.example.com` to a public and a loopback address.
/// Any other name does not resolve. Change it with `WebhookDns::set`.
pub fn test_dns() -> WebhookDns {
    let ip = |s: &str| s.parse::<IpAddr>().expect("an address");
    let public = ip("93.184.215.14");
    let mut table = HostTable::new();
    for name in ["example.com", "hooks.example.com", "crm-bridge.example.com", "rebind.example.com"] {
        table.insert(name.to_owned(), vec![public]);
    }
    table.insert("localhost".to_owned(), vec![ip("127.0.0.1"), ip("::1")]);
    table.insert("internal.example.com".to_owned(), vec![ip("10.0.0.5")]);
    table.insert("metadata.example.com".to_owned(), vec![ip("169.254.169.254")]);
    table.insert("mixed.example.com".to_owned(), vec![public, ip("127.0.0.1")]);
    WebhookDns::fixed(table)
}

fn chrono_now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

use diesel::RunQueryDsl;
