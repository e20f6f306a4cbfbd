//! Configuration from the environment, with defaults that work on a
//! developer machine set up by `scripts/dev-db.sh`.

use std::time::Duration;

use clientele_app::dispatcher::{DispatcherConfig, SEND_TIMEOUT};
use clientele_app::webhook_guard::{WebhookDns, WebhookGuard};
use clientele_store::DbConfig;
use clientele_webhooks::{AllowList, RetryPolicy};

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
    /// `CLIENTELE_DISPATCH_INTERVAL_MS`: how often the webhook sender looks for work (default 1000 ms).
    pub dispatch_interval: Duration,
    /// `CLIENTELE_WEBHOOK_RETRY_BASE_MS`: the wait after a failed delivery; it doubles each time (default 10 s).
    pub webhook_retry_base: Duration,
    /// `CLIENTELE_WEBHOOK_MAX_ATTEMPTS`: attempts before a delivery is given up (default 8).
    pub webhook_max_attempts: u32,
    /// `CLIENTELE_JOB_INTERVAL_S`: how often the loyalty jobs run (expiry,
    /// lapsed redemptions); default 300 s, `0` turns them off in this instance.
    pub job_interval: Option<Duration>,
    /// `CLIENTELE_WEBHOOK_ALLOW_HOSTS`: internal hosts webhooks may be
    /// delivered to all the same (comma-separated host names, IP addresses,
    /// CIDR networks); empty by default.
    pub webhook_allow_hosts: AllowList,
    /// How webhook host names are resolved: the system resolver, or (tests)
    /// a fixed table.
    pub webhook_dns: WebhookDns,
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
        let positive = |name: &str, default: &str| -> anyhow::Result<u64> {
            match env_or(name, default).parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => Err(anyhow::anyhow!("{name} must be a whole number above 0")),
            }
        };
        let dispatch_interval = Duration::from_millis(positive("CLIENTELE_DISPATCH_INTERVAL_MS", "1000")?);
        let webhook_retry_base = Duration::from_millis(positive("CLIENTELE_WEBHOOK_RETRY_BASE_MS", "10000")?);
        let webhook_max_attempts = u32::try_from(positive("CLIENTELE_WEBHOOK_MAX_ATTEMPTS", "8")?)
            .map_err(|_| anyhow::anyhow!("CLIENTELE_WEBHOOK_MAX_ATTEMPTS is too large"))?;
        let job_interval = env_or("CLIENTELE_JOB_INTERVAL_S", "300")
            .parse::<u64>()
            .map_err(|e| anyhow::anyhow!("CLIENTELE_JOB_INTERVAL_S must be a number of seconds: {e}"))?;
        let webhook_allow_hosts = AllowList::parse(&env_or("CLIENTELE_WEBHOOK_ALLOW_HOSTS", ""))
            .map_err(|e| anyhow::anyhow!("CLIENTELE_WEBHOOK_ALLOW_HOSTS: {e}"))?;
        Ok(Config {
            webhook_allow_hosts,
            webhook_dns: WebhookDns::System,
            job_interval: (job_interval > 0).then(|| Duration::from_secs(job_interval)),
            database_url: env_or("DATABASE_URL", DEFAULT_DATABASE_URL),
            bind: env_or("CLIENTELE_BIND", DEFAULT_BIND),
            db_pool_size,
            workers,
            dispatch_interval,
            webhook_retry_base,
            webhook_max_attempts,
        })
    }

    /// A configuration for a given database, listening on a free loopback port (tests).
    /// The webhook sender, when a test starts it, looks for work every 50 ms and retries after 100 ms, 200 ms, …
    pub fn for_database(database_url: impl Into<String>) -> Config {
        Config {
            database_url: database_url.into(),
            bind: "127.0.0.1:0".into(),
            db_pool_size: 4,
            workers: Some(1),
            dispatch_interval: Duration::from_millis(50),
            webhook_retry_base: Duration::from_millis(100),
            webhook_max_attempts: 8,
            // Tests run the jobs themselves, as of the dates they choose.
            job_interval: None,
            webhook_allow_hosts: AllowList::default(),
            webhook_dns: WebhookDns::System,
        }
    }

    /// What webhook URLs may reach, and how their names are resolved.
    pub fn webhook_guard(&self) -> WebhookGuard {
        WebhookGuard { allow: self.webhook_allow_hosts.clone(), dns: self.webhook_dns.clone() }
    }

    /// The webhook sender's settings (`clientele_app::dispatcher`).
    pub fn dispatcher(&self) -> DispatcherConfig {
        DispatcherConfig {
            interval: self.dispatch_interval,
            retry: RetryPolicy {
                base: self.webhook_retry_base,
                max_attempts: self.webhook_max_attempts,
                ..RetryPolicy::default()
            },
            timeout: SEND_TIMEOUT,
            guard: self.webhook_guard(),
        }
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
