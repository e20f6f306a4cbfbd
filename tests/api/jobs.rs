//! Scheduled jobs take a session advisory lock on a pooled connection: it
//! must be released however the job ends, or no instance could run the job
//! again while that connection lives in the pool.

use clientele_store::{StoreError, with_job_lock};
use clientele_tests::TestDatabase;
use diesel::RunQueryDsl;

const JOB: i64 = 0x7465_7374_6a6f_6201;

fn free_elsewhere(db: &TestDatabase) -> bool {
    let mut other = db.connect();
    let got: bool =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("pg_try_advisory_lock({JOB})")))
            .get_result(&mut other)
            .expect("try lock");
    if got {
        // Given back at once: a closing connection releases its locks only
        // when its backend has gone, which may be after the next check.
        let _: bool =
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("pg_advisory_unlock({JOB})")))
                .get_result(&mut other)
                .expect("unlock");
    }
    got
}

#[test]
fn a_job_lock_is_released_when_the_job_succeeds_fails_or_panics() {
    let db = TestDatabase::create();
    let mut conn = db.connect();
    assert_eq!(with_job_lock(&mut conn, JOB, |_| Ok(7)).expect("ran"), Some(7));
    assert!(free_elsewhere(&db), "held after success");
    let failed = with_job_lock(&mut conn, JOB, |_| Err::<(), _>(StoreError::NotFound));
    assert!(matches!(failed, Err(StoreError::NotFound)));
    assert!(free_elsewhere(&db), "held after failure");
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = with_job_lock(&mut conn, JOB, |_| -> Result<(), StoreError> { panic!("job panicked") });
    }));
    assert!(panicked.is_err());
    assert!(free_elsewhere(&db), "held after a panic");
}

/// A programme saved without the re-evaluation that should follow (the
/// background task failed, or the service stopped first): the next loyalty
/// job run re-evaluates every member under it, once.
#[tokio::test]
async fn a_re_evaluation_that_did_not_happen_after_a_programme_change_is_done_by_the_job() {
    let app = clientele_tests::TestApp::spawn().await;
    let customer = crate::helpers::new_customer(&app, crate::helpers::person("Wang Fang", "13812345678")).await;
    let order = serde_json::json!({
        "source": "pos", "external_id": "R-1", "customer": { "id": customer }, "currency": "CNY",
        "lines": [{ "sku": "BAG-001", "quantity": 1, "unit_price": "5000" }], "amount_paid": "5000", "payment_method": "card",
    });
    app.admin("POST", "/v1/orders", Some(&order)).await.expect(201);
    let tier = |a: clientele_tests::Answer| a.body["tier"].as_str().unwrap_or_default().to_owned();
    let loyalty = format!("/v1/customers/{customer}/loyalty");
    assert_eq!(tier(app.admin("GET", &loyalty, None).await.expect(200)), "S1");
    // S2 from 4,001 instead of 8,001, saved straight into the store.
    let mut config = app.admin("GET", "/v1/loyalty/program", None).await.expect(200).body["config"].clone();
    config["tiers"][1]["min_growth"] = serde_json::json!(4001);
    let config: clientele_loyalty::ProgramConfig = serde_json::from_value(config).expect("a valid programme");
    let mut conn = app.db.connect();
    let now = chrono::Utc::now();
    clientele_app::loyalty::save_program(&mut conn, &config, &clientele_store::AuditContext::system(now))
        .expect("save");
    assert_eq!(tier(app.admin("GET", &loyalty, None).await.expect(200)), "S1", "nothing re-evaluated yet");
    let report = clientele_app::jobs::run_once(&mut conn, now.date_naive(), now).expect("job");
    assert_eq!(report.tiers_reevaluated, Some(1), "{report}");
    assert_eq!(tier(app.admin("GET", &loyalty, None).await.expect(200)), "S2");
    let again = clientele_app::jobs::run_once(&mut conn, now.date_naive(), now).expect("job");
    assert_eq!(again.tiers_reevaluated, None, "done once: {again}");
}
