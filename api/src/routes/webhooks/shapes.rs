//! The webhooks' shapes: a subscription, its delivery log, and their paging.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use clientele_kernel::FieldErrors;
use clientele_store::{Delivery, NewSubscription, Subscription, WebhookSecret};
use clientele_webhooks::{EventFilter, WebhookUrl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

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
    pub fn into_domain(self, secret: WebhookSecret) -> Result<NewSubscription, FieldErrors> {
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
    pub fn new(s: &Subscription) -> Self {
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
    pub fn new(d: &Delivery) -> Self {
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

impl DeliveryList {
    /// A page of deliveries; `next` is the delivery the next page starts after.
    pub fn new(items: &[Delivery], next: Option<i64>) -> Self {
        DeliveryList {
            items: items.iter().map(DeliveryView::new).collect(),
            next_cursor: next.map(|n| URL_SAFE_NO_PAD.encode(format!("w:{n}"))),
        }
    }
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

/// Decodes a delivery-log cursor.
pub fn parse_cursor(raw: &str) -> Result<i64, ApiError> {
    let bad = || ApiError::field("cursor", "invalid_format", "not a cursor returned by this endpoint");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?).map_err(|_| bad())?;
    text.strip_prefix("w:").and_then(|n| n.parse::<i64>().ok()).ok_or_else(bad)
}
