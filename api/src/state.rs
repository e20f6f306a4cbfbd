//! Shared application state: the database pool, and the way handlers reach it.

use clientele_store::PgConnection;
use clientele_store::{Db, StoreError};

use crate::error::ApiError;

/// What every handler can reach. Stateless apart from the pool, so several
/// instances can run behind a load balancer.
#[derive(Debug, Clone)]
pub struct AppState {
    pub db: Db,
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
