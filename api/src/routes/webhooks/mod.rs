//! Webhook subscriptions and their delivery log (admin, crm_manager).

use actix_web::{HttpResponse, delete, get, post, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use clientele_profiles::{FieldErrors, Permission};
use clientele_store::{Delivery, EventFilter, NewSubscription, Subscription, WebhookSecret};
use clientele_webhooks::WebhookUrl;
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::shared::parse_limit;
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

/// A new subscription.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where to POST events: an absolute `http` or `https` URL whose host is
    /// a public address, or a name that resolves only to public addresses
    /// (internal ones are refused with `internal_address` unless the operator
    /// allows the host; a name that does not resolve is `unresolvable_host`).
    pub url: String,
    /// Event types to receive (`order.ingested`, `order.returned`,
    /// `points.changed`, `points.expiring`, `tier.changed`,
    /// `customer.merged`), or `["*"]` for every event.
    pub event_types: Vec<String>,
    /// What it is for (at most 500 characters).
    pub description: Option<String>,
}

impl CreateWebhookRequest {
    /// The subscription to store, every bad field reported at once.
    fn into_domain(self, secret: WebhookSecret) -> Result<NewSubscription, FieldErrors> {
        let mut e = FieldErrors::new();
        let url = e.check("url", WebhookUrl::parse(&self.url));
        let events = match EventFilter::parse(&self.event_types) {
            Ok(f) => Some(f),
            Err(errors) => {
                for (index, err) in errors {
                    let field = index.map_or_else(|| "event_types".to_owned(), |i| format!("event_types[{i}]"));
                    e.push(field, err);
                }
                None
            }
        };
        let description = e.check("description", clientele_webhooks::parse_description(self.description.as_deref()));
        match (url, events, description) {
            (Some(url), Some(events), Some(description)) => Ok(NewSubscription { url, events, description, secret }),
            _ => Err(e),
        }
    }
}

/// A subscription (never its secret, which is shown once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookView {
    pub id: Uuid,
    pub url: String,
    /// Event types received, or `["*"]`.
    pub event_types: Vec<String>,
    /// False once deleted.
    pub active: bool,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The name of the API key that created it.
    pub created_by: Option<String>,
}

impl WebhookView {
    fn new(s: &Subscription) -> Self {
        WebhookView {
            id: s.id,
            url: s.url.clone(),
            event_types: s.event_types.clone(),
            active: s.active,
            description: s.description.clone(),
            created_at: s.created_at,
            created_by: s.created_by.clone(),
        }
    }
}

/// A subscription just created, with its signing secret: store it now, it is
/// not shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedWebhook {
    pub webhook: WebhookView,
    /// The HMAC-SHA256 key for `Clientele-Signature` (64 hex characters; the
    /// key is this text's bytes). See docs/webhooks.md.
    pub secret: String,
}

/// One delivery of one event to one subscription.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryView {
    /// Also sent as the `Clientele-Delivery` header.
    pub id: i64,
    /// The event's id: the `id` in the body sent.
    pub event_id: i64,
    pub event_type: String,
    /// `pending`, `delivered`, `failed` (every attempt failed) or `cancelled`
    /// (the subscription was deleted first).
    pub status: String,
    /// Attempts made so far.
    pub attempts: i32,
    /// The HTTP status of the latest answer, if there was one.
    pub last_status_code: Option<i32>,
    /// The error of the latest failed attempt (kept after a later success):
    /// `HTTP <status>` and at most 64 printable characters of the answer, a
    /// connection error, or `refused: …` when the host resolved to an
    /// internal address.
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl DeliveryView {
    fn new(d: &Delivery) -> Self {
        DeliveryView {
            id: d.id,
            event_id: d.event_id,
            event_type: d.event_type.clone(),
            status: d.status.as_str().to_owned(),
            attempts: d.attempts,
            last_status_code: d.last_status_code,
            // Bounded again as shown: rows written before the excerpt was bounded.
            last_error: d.last_error.as_deref().map(clientele_webhooks::log_error),
            next_attempt_at: d.next_attempt_at,
            delivered_at: d.delivered_at,
            created_at: d.created_at,
        }
    }
}

/// A page of deliveries, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryList {
    pub items: Vec<DeliveryView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Paging through the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryQuery {
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

fn webhook_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse::<Uuid>().map_err(|_| ApiError::NotFound("webhook"))
}

fn webhook_error(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("webhook"),
        other => other,
    }
}

fn parse_cursor(raw: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::field("cursor", "invalid_format", "not a cursor returned by this endpoint");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    text.strip_prefix("w:").and_then(|n| n.parse::<i64>().ok()).ok_or_else(bad)
}

/// 32 random bytes from the operating system's source, hex-encoded.
fn new_secret() -> Result<WebhookSecret, ApiError> {
    let bytes: [u8; 32] = rand::rng().random();
    WebhookSecret::new(crate::dispatcher::hex(&bytes)).map_err(|e| ApiError::Internal(anyhow::anyhow!("secret: {e}")))
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
    let sub = state.run(move |conn| clientele_store::create_subscription(conn, new, &audit)).await?;
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
        .run(move |conn| clientele_store::deactivate_subscription(conn, id, &audit))
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
    Ok(HttpResponse::Ok().json(DeliveryList {
        items: items.iter().map(DeliveryView::new).collect(),
        next_cursor: next.map(|n| URL_SAFE_NO_PAD.encode(format!("w:{n}"))),
    }))
}
