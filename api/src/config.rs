//! Configuration from the environment, with defaults that work on a
//! developer machine set up by `scripts/dev-db.sh`.

use std::time::Duration;

use clientele_store::DbConfig;

/// The default database: the role and database `scripts/dev-db.sh` creates.
pub const DEFAULT_DATABASE_URL: &str = "postgres://clientele:clientele@127.0.0.1:5432/clientele";
/// The default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// How the service is configured.
#[derive(Debug, Clone)]
pub struct Config {
    /// `DATABASE_URL`.
    pub database_url: String,
    /// `CLIENTELE_BIND`: host:port to listen on (port 0 picks a free port).
    pub bind: String,
    /// `CLIENTELE_DB_POOL`: most database connections.
    pub db_pool_size: u32,
    /// `CLIENTELE_WORKERS`: HTTP worker threads (default: one per core).
    pub workers: Option<usize>,
}

fn env_or(name: &str, default: &str) -> String {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty()).unwrap_or_else(|| default.to_owned())
}

impl Config {
    /// Reads the environment.
    pub fn from_env() -> anyhow::Result<Config> {
        let db_pool_size = env_or("CLIENTELE_DB_POOL", "16")
            .parse::<u32>()
            .map_err(|e| anyhow::anyhow!("CLIENTELE_DB_POOL must be a number: {e}"))?;
        let workers = match std::env::var("CLIENTELE_WORKERS") {
            Ok(v) if !v.trim().is_empty() => {
                Some(v.parse::<usize>().map_err(|e| anyhow::anyhow!("CLIENTELE_WORKERS must be a number: {e}"))?)
            }
            _ => None,
        };
        Ok(Config {
            database_url: env_or("DATABASE_URL", DEFAULT_DATABASE_URL),
            bind: env_or("CLIENTELE_BIND", DEFAULT_BIND),
            db_pool_size,
            workers,
        })
    }

    /// A configuration for a given database, listening on a free loopback port (tests).
    pub fn for_database(database_url: impl Into<String>) -> Config {
        Config { database_url: database_url.into(), bind: "127.0.0.1:0".into(), db_pool_size: 4, workers: Some(1) }
    }

    /// The pool settings.
    pub fn db(&self) -> DbConfig {
        DbConfig {
            url: self.database_url.clone(),
            max_connections: self.db_pool_size,
            connect_timeout: Duration::from_secs(5),
        }
    }
}
