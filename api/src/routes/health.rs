use actix_web::{HttpResponse, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::state::AppState;

/// Health and readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct Status {
    /// `ok`.
    pub status: &'static str,
    pub version: &'static str,
}

/// Liveness: the process answers. No key needed.
#[utoipa::path(tag = "health", security(()), responses((status = 200, body = Status)))]
#[get("/health")]
pub async fn health() -> HttpResponse {
    HttpResponse::Ok().json(Status { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

/// Readiness: the database answers. No key needed.
#[utoipa::path(tag = "health", security(()), responses((status = 200, body = Status), (status = 503, body = crate::error::Problem)))]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    web::block(move || db.ping())
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?
        .map_err(|e| {
            tracing::warn!(error = %e, "database not ready");
            ApiError::Unavailable
        })?;
    Ok(HttpResponse::Ok().json(Status { status: "ok", version: env!("CARGO_PKG_VERSION") }))
}
