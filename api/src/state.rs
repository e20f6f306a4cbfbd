//! Shared application state: the database pool, and the way handlers reach it.

use clientele_app::webhook_guard::WebhookGuard;
use clientele_store::PgConnection;
use clientele_store::{AuthenticatedKey, Db, StoreError};

use crate::error::ApiError;

/// What every handler can reach. Stateless apart from the pool and a
/// short-lived cache of authenticated keys, so several instances can run
/// behind a load balancer.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
    pub keys: KeyCache,
    /// Where webhooks may be delivered (checked when one is registered).
    pub webhook_guard: WebhookGuard,
}

impl AppState {
    /// State over a pool, with an empty key cache and no internal webhook
    /// host allowed.
    pub fn new(db: Db) -> AppState {
        AppState { db, keys: KeyCache::default(), webhook_guard: WebhookGuard::default() }
    }
}

/// How long an authenticated key is trusted without asking the database
/// again. A key revoked through this instance stops working at once; on
/// other instances within this time.
pub const KEY_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);

type KeyEntries = std::collections::HashMap<[u8; 32], (AuthenticatedKey, std::time::Instant)>;

/// Keys authenticated recently, by the SHA-256 digest of their token (the
/// token itself is never kept).
#[derive(Debug, Clone, Default)]
pub struct KeyCache {
    entries: std::sync::Arc<std::sync::Mutex<KeyEntries>>,
}

impl KeyCache {
    /// The key for a digest, if it was authenticated less than the TTL ago.
    pub fn get(&self, digest: &[u8; 32]) -> Option<AuthenticatedKey> {
        let entries = self.entries.lock().ok()?;
        entries.get(digest).filter(|(_, at)| at.elapsed() < KEY_CACHE_TTL).map(|(key, _)| key.clone())
    }

    /// Remembers a key; drops expired entries when the cache grows.
    pub fn put(&self, digest: [u8; 32], key: AuthenticatedKey) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() > 10_000 {
                entries.retain(|_, (_, at)| at.elapsed() < KEY_CACHE_TTL);
            }
            entries.insert(digest, (key, std::time::Instant::now()));
        }
    }

    /// Forgets a key at once (after it was revoked).
    pub fn evict(&self, id: clientele_profiles::ApiKeyId) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|_, (key, _)| key.id != id);
        }
    }
}

impl AppState {
    /// Runs blocking store code on the blocking thread pool, inside the
    /// current tracing span (so its log lines carry the request id).
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut PgConnection) -> Result<T, StoreError> + Send + 'static,
        T: Send + 'static,
    {
        let db = self.db.clone();
        let span = tracing::Span::current();
        let result = actix_web::web::block(move || {
            let _entered = span.enter();
            let mut conn = db.conn()?;
            f(&mut conn)
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?;
        result.map_err(ApiError::from)
    }
}
