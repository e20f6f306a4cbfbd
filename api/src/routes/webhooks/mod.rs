//! Webhook subscriptions and their delivery log (admin, crm_manager).

pub(crate) mod shapes;

use actix_web::{HttpResponse, delete, get, post, web};
use clientele_profiles::Permission;
use clientele_store::WebhookSecret;
use rand::Rng;
use uuid::Uuid;

use self::shapes::{CreateWebhookRequest, CreatedWebhook, DeliveryList, DeliveryQuery, WebhookView, parse_cursor};
use super::shared::parse_limit;
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

fn webhook_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse::<Uuid>().map_err(|_| ApiError::NotFound("webhook"))
}

fn webhook_error(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("webhook"),
        other => other,
    }
}

/// 32 random bytes from the operating system's source, hex-encoded.
fn new_secret() -> Result<WebhookSecret, ApiError> {
    let bytes: [u8; 32] = rand::rng().random();
    WebhookSecret::new(clientele_app::dispatcher::hex(&bytes))
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("secret: {e}")))
}

/// Subscribes a URL to events. The answer holds the signing secret, once.
#[utoipa::path(tag = "webhooks", request_body = CreateWebhookRequest,
    responses((status = 201, body = CreatedWebhook), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/webhooks")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageWebhooks)?;
    let secret = new_secret()?;
    let shown = secret.expose().to_owned();
    let new = body.value.into_domain(secret)?;
    state.webhook_guard.check_registration(&new.url).await.map_err(|e| ApiError::field("url", e.code, e.message))?;
    let audit = caller.audit();
    let sub = state.run(move |conn| clientele_app::webhooks::create_subscription(conn, new, &audit)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/webhooks/{}", sub.id)))
        .json(CreatedWebhook { webhook: WebhookView::new(&sub), secret: shown }))
}

/// Lists subscriptions, newest first, deleted ones included.
#[utoipa::path(tag = "webhooks", responses((status = 200, body = [WebhookView]), (status = 403, body = Problem)))]
#[get("/v1/webhooks")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageWebhooks)?;
    let subs = state.run(clientele_store::list_subscriptions).await?;
    Ok(HttpResponse::Ok().json(subs.iter().map(WebhookView::new).collect::<Vec<_>>()))
}

/// Deletes a subscription: nothing more is sent to it and its pending
/// deliveries are cancelled. Its delivery log stays readable.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path)),
    responses((status = 200, body = WebhookView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[delete("/v1/webhooks/{id}")]
pub async fn delete(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageWebhooks)?;
    let id = webhook_id(&path)?;
    let audit = caller.audit();
    let sub = state
        .run(move |conn| clientele_app::webhooks::deactivate_subscription(conn, id, &audit))
        .await
        .map_err(webhook_error)?;
    Ok(HttpResponse::Ok().json(WebhookView::new(&sub)))
}

/// A subscription's delivery log, newest first: status, attempts, the
/// latest answer or error, and the next attempt.
#[utoipa::path(tag = "webhooks", params(("id" = Uuid, Path), DeliveryQuery),
    responses((status = 200, body = DeliveryList), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/webhooks/{id}/deliveries")]
pub async fn deliveries(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageWebhooks)?;
    let id = webhook_id(&path)?;
    let before = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())?;
    let (items, next) =
        state.run(move |conn| clientele_store::deliveries(conn, id, before, limit)).await.map_err(webhook_error)?;
    Ok(HttpResponse::Ok().json(DeliveryList::new(&items, next)))
}
