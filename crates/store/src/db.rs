use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{ConnectionManager, Pool, PooledConnection};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};

use crate::error::StoreError;

/// The migrations under `crates/store/migrations`, compiled into the binary.
pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// A digest of the migration files, changing whenever any of them changes.
pub const MIGRATIONS_FINGERPRINT: &str = include_str!(concat!(env!("OUT_DIR"), "/migrations_fingerprint.txt"));

/// Advisory lock key held while migrating, so several instances (or test
/// processes) starting at once do not race each other.
const MIGRATION_LOCK: i64 = 0x636c_6965_6e74_0001;

/// A pooled PostgreSQL connection.
pub type Conn = PooledConnection<ConnectionManager<PgConnection>>;

/// Settings for the connection pool.
#[derive(Debug, Clone)]
pub struct DbConfig {
    /// `postgres://user:password@host:port/database`.
    pub url: String,
    /// Most connections the pool opens.
    pub max_connections: u32,
    /// How long a request waits for a free connection before failing.
    pub connect_timeout: Duration,
}

impl DbConfig {
    /// Defaults for a URL: 10 connections, 5 s wait.
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 10, connect_timeout: Duration::from_secs(5) }
    }
}

/// The connection pool. Cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager<PgConnection>>,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("state", &self.pool.state()).finish()
    }
}

impl Db {
    /// Opens the pool. Connections are made lazily, so this succeeds even if
    /// the database is down; [`Db::ping`] tells whether it is reachable.
    ///
    /// Every connection is checked (`SELECT 1`, one round trip of tens of
    /// microseconds on a local network) when it is taken from the pool: after
    /// a PostgreSQL restart or failover every idle connection is dead, and a
    /// dead one is then dropped and replaced by a fresh one before the
    /// request has sent anything, instead of failing the request.
    pub fn connect(config: &DbConfig) -> Result<Db, StoreError> {
        let manager = ConnectionManager::<PgConnection>::new(&config.url);
        let pool = Pool::builder()
            .max_size(config.max_connections)
            .min_idle(Some(0))
            .connection_timeout(config.connect_timeout)
            .test_on_check_out(true)
            .build_unchecked(manager);
        Ok(Db { pool })
    }

    /// A connection from the pool.
    pub fn conn(&self) -> Result<Conn, StoreError> {
        Ok(self.pool.get()?)
    }

    /// Runs `SELECT 1`: the readiness check.
    pub fn ping(&self) -> Result<(), StoreError> {
        let mut conn = self.conn()?;
        conn.batch_execute("SELECT 1")?;
        Ok(())
    }

    /// Applies pending migrations, holding an advisory lock while doing so.
    /// Returns the versions applied.
    pub fn migrate(&self) -> Result<Vec<String>, StoreError> {
        let mut conn = self.conn()?;
        run_migrations(&mut conn)
    }
}

/// Applies pending migrations on one connection under an advisory lock.
pub fn run_migrations(conn: &mut PgConnection) -> Result<Vec<String>, StoreError> {
    conn.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
    let result = conn
        .run_pending_migrations(MIGRATIONS)
        .map(|versions| versions.iter().map(ToString::to_string).collect())
        .map_err(|e| StoreError::Migration(e.to_string()));
    conn.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
    result
}

/// Gathers fresh planner statistics for the whole database (`ANALYZE`),
/// as every bulk load must end by doing: until autovacuum gets round to it,
/// a table filled in bulk looks empty or unchanged to the planner, which
/// then picks plans that scan every member's rows to find one member's.
/// The KPI tables and the orders are vacuumed first: the KPIs and the
/// daily next-best-product count read them by index-only scans, which
/// read the table too wherever a page is not yet marked all-visible, and a
/// bulk load leaves every page unmarked (autovacuum marks them in time;
/// 19 s for ten million orders). Call outside a transaction. Returns how
/// long it took.
pub fn analyze(conn: &mut PgConnection) -> Result<Duration, StoreError> {
    let started = std::time::Instant::now();
    conn.batch_execute("VACUUM sales_days, customer_first_orders, orders")?;
    conn.batch_execute("ANALYZE")?;
    Ok(started.elapsed())
}

/// Runs `f` only if this process gets the advisory lock `job` (session
/// level, released afterwards — also when `f` fails or panics): when several instances run the same
/// scheduled job, one does the work and the others skip it. Returns None
/// when another instance holds the lock.
pub fn with_job_lock<T>(
    conn: &mut PgConnection,
    job: i64,
    f: impl FnOnce(&mut PgConnection) -> Result<T, StoreError>,
) -> Result<Option<T>, StoreError> {
    use diesel::RunQueryDsl;
    let got: bool =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("pg_try_advisory_lock({job})")))
            .get_result(conn)?;
    if !got {
        return Ok(None);
    }
    // The lock belongs to the session, and the connection goes back to the
    // pool: it is released whether the job succeeds, fails or panics, or no
    // instance could run the job again until this connection closed.
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    let unlocked = conn.batch_execute(&format!("SELECT pg_advisory_unlock({job})"));
    match result {
        Ok(result) => {
            unlocked?;
            result.map(Some)
        }
        Err(panic) => std::panic::resume_unwind(panic),
    }
}
