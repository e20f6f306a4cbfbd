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
