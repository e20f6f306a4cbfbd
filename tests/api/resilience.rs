//! The service survives its database connections being cut, as a
//! PostgreSQL restart or failover does: no 500, and the next request works.

use clientele_tests::TestApp;
use diesel::RunQueryDsl;
use diesel::connection::SimpleConnection;
use futures_util::future::join_all;
use serde_json::json;

/// Terminates every backend of the test database but the one asking, as a
/// restart does to the service's pooled connections. Returns how many.
fn terminate_service_backends(app: &TestApp) -> i64 {
    let mut conn = app.db.connect();
    diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
          WHERE datname = current_database() AND pid <> pg_backend_pid()) t)",
    ))
    .get_result(&mut conn)
    .expect("terminate backends")
}

/// Fills the pool with several open connections by sending requests at once.
async fn warm_pool(app: &TestApp, customer: &str) {
    let path = format!("/v1/customers/{customer}");
    let calls = (0..12).map(|_| app.admin("GET", &path, None));
    for a in join_all(calls).await {
        a.expect(200);
    }
}

#[tokio::test]
async fn requests_after_the_connections_are_cut_are_answered_by_fresh_connections() {
    let app = TestApp::spawn().await;
    let created = app.customer(json!({ "name": "Lin Mei", "phones": ["13812345678"] })).await;
    let id = created["id"].as_str().expect("id").to_owned();
    for round in 0..4 {
        warm_pool(&app, &id).await;
        let cut = terminate_service_backends(&app);
        assert!(cut > 0, "round {round}: the service held no connection to cut");
        // The very next requests, reads and writes, meet dead pooled
        // connections: each must be served on a fresh one.
        app.admin("GET", &format!("/v1/customers/{id}"), None).await.expect(200);
        app.admin("PUT", &format!("/v1/customers/{id}/tags/round-{round}"), None).await.expect(200);
        app.admin("GET", "/v1/customers?limit=5", None).await.expect(200);
        app.call("GET", "/ready", None, None).await.expect(200);
    }
}

#[tokio::test]
async fn a_burst_while_connections_are_cut_gets_no_500() {
    let app = TestApp::spawn().await;
    let created = app.customer(json!({ "name": "Zhao Lei", "phones": ["13912345678"] })).await;
    let id = created["id"].as_str().expect("id").to_owned();
    let path = format!("/v1/customers/{id}");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let requests = (0..20).map(|_| app.admin("GET", &path, None)).collect::<Vec<_>>();
        let cutter = tokio::task::spawn_blocking({
            let url = app.db.url.clone();
            move || {
                let mut conn = diesel::Connection::establish(&url).map(|c: diesel::PgConnection| c);
                if let Ok(conn) = conn.as_mut() {
                    let _ = conn.batch_execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                         WHERE datname = current_database() AND pid <> pg_backend_pid()",
                    );
                }
            }
        });
        for a in join_all(requests).await {
            statuses.push(a.status);
            if a.status == 503 {
                assert_eq!(a.body["code"], "database_unavailable", "{}", a.text);
                assert!(a.headers.get("retry-after").is_some(), "503 without Retry-After");
            }
        }
        cutter.await.expect("cutter");
    }
    assert!(statuses.iter().all(|s| *s == 200 || *s == 503), "statuses: {statuses:?}");
    // Once the cutting stops, the service is whole again at once.
    app.admin("GET", &path, None).await.expect(200);
}
