//! Webhooks: subscriptions, the fan-out of outbox events into deliveries, and
//! the delivery log.
//!
//! Events are written to `outbox` in the transaction of the change they
//! describe (see `loyalty::emit`). Delivering them is two steps, each safe
//! with several instances of the service running at once:
//!
//! 1. [`fan_out`] turns new outbox rows into one `webhook_deliveries` row per
//!    matching active subscription. It runs under a transaction-scoped
//!    advisory lock, so only one instance fans out at a time; the others skip
//!    the round.
//! 2. [`claim_due`] takes pending deliveries whose time has come with
//!    `FOR UPDATE SKIP LOCKED` and, in the same statement, pushes their
//!    `next_attempt_at` forward by a lease ([`CLAIM_LEASE_SECONDS`]). Two
//!    instances therefore never claim the same delivery; one that crashes
//!    mid-send leaves it to be claimed again once the lease runs out
//!    (delivery is at least once). [`record_attempt`] then writes the outcome
//!    and the time of the next attempt ([`RetryPolicy`]).
//!
//! The subscription's secret is stored as it is, not as a digest: the sender
//! needs it to sign every delivery (HMAC-SHA256), which a digest would not
//! allow. It is never listed or logged after creation.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use clientele_profiles::InvalidValue;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Int4, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::error::StoreError;
use crate::schema::{webhook_deliveries, webhook_subscriptions};

/// Every event type the service emits, in the order they are documented
/// (docs/webhooks.md). A subscription names some of them, or `*` for all.
pub const EVENT_TYPES: &[&str] = &[
    "customer.created",
    "order.ingested",
    "order.returned",
    "points.changed",
    "points.expiring",
    "tier.changed",
    "customer.merged",
];

/// The wildcard event type: every event, present and future.
pub const ALL_EVENTS: &str = "*";

/// How long a claimed delivery is reserved for the instance that claimed it
/// before another may claim it again. Must exceed the time a batch of sends
/// can take (the sender's timeout is 5 s and it sends a batch concurrently).
pub const CLAIM_LEASE_SECONDS: i64 = 60;

/// Advisory lock key held (for one transaction) by the instance fanning out.
const FAN_OUT_LOCK: i64 = 0x636c_6965_6e74_7768;

/// Longest URL accepted.
const MAX_URL_LEN: usize = 2048;
/// Longest description accepted.
const MAX_DESCRIPTION_CHARS: usize = 500;
/// Longest error message kept per delivery.
const MAX_ERROR_CHARS: usize = 500;

/// A subscription's endpoint: an absolute `http` or `https` URL with a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// Checks the scheme (`http` or `https`), that there is a host, that a
    /// port (if any) is a number, and that there are no spaces or control
    /// characters.
    pub fn parse(raw: &str) -> Result<WebhookUrl, InvalidValue> {
        let bad = |why: &str| InvalidValue::new("invalid_url", format!("{why}: give an absolute http(s) URL"));
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(InvalidValue::new("required", "give the URL to deliver events to"));
        }
        if raw.len() > MAX_URL_LEN {
            return Err(InvalidValue::new("too_long", format!("a URL has at most {MAX_URL_LEN} characters")));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad("the URL contains spaces or control characters"));
        }
        let (scheme, rest) = raw.split_once("://").ok_or_else(|| bad("no scheme"))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(bad("the scheme must be http or https"));
        }
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = if let Some(v6) = host_port.strip_prefix('[') {
            let (host, after) = v6.split_once(']').ok_or_else(|| bad("unclosed IPv6 address"))?;
            (host, after.strip_prefix(':'))
        } else {
            match host_port.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (host_port, None),
            }
        };
        if host.is_empty() {
            return Err(bad("no host"));
        }
        if let Some(port) = port
            && (port.is_empty() || port.parse::<u16>().is_err())
        {
            return Err(bad("the port is not a number from 0 to 65535"));
        }
        Ok(WebhookUrl(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which events a subscription receives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Every event (`*`).
    All,
    /// These event types (each one of [`EVENT_TYPES`]; at least one).
    Only(BTreeSet<String>),
}

impl EventFilter {
    /// Parses a list of event types: each must be known, or the list is `["*"]`.
    /// Errors name the offending element by its index.
    pub fn parse(types: &[String]) -> Result<EventFilter, Vec<(Option<usize>, InvalidValue)>> {
        if types.is_empty() {
            return Err(vec![(None, InvalidValue::new("required", "name at least one event type, or \"*\""))]);
        }
        if types.iter().any(|t| t == ALL_EVENTS) {
            if types.len() > 1 {
                return Err(vec![(
                    None,
                    InvalidValue::new("not_allowed", "\"*\" cannot be combined with other types"),
                )]);
            }
            return Ok(EventFilter::All);
        }
        let mut errors = Vec::new();
        let mut set = BTreeSet::new();
        for (i, t) in types.iter().enumerate() {
            if !EVENT_TYPES.contains(&t.as_str()) {
                let known = EVENT_TYPES.join(", ");
                errors.push((Some(i), InvalidValue::new("unknown_event_type", format!("not one of {known}, or *"))));
            } else if !set.insert(t.clone()) {
                errors.push((Some(i), InvalidValue::new("duplicate", format!("{t} is listed twice"))));
            }
        }
        if errors.is_empty() { Ok(EventFilter::Only(set)) } else { Err(errors) }
    }

    /// As stored in `event_types`.
    fn to_column(&self) -> Vec<String> {
        match self {
            EventFilter::All => vec![ALL_EVENTS.to_owned()],
            EventFilter::Only(set) => set.iter().cloned().collect(),
        }
    }
}

/// A subscription's signing secret. Its `Debug` does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

impl WebhookSecret {
    /// A secret generated by the caller from a secure random source (the API
    /// uses 32 random bytes, hex-encoded). At least 32 characters.
    pub fn new(secret: String) -> Result<WebhookSecret, InvalidValue> {
        if secret.len() < 32 {
            return Err(InvalidValue::new("too_short", "a webhook secret has at least 32 characters"));
        }
        Ok(WebhookSecret(secret))
    }

    /// The secret itself: the HMAC key (its UTF-8 bytes).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A subscription to create.
#[derive(Debug, Clone)]
pub struct NewSubscription {
    pub url: WebhookUrl,
    pub events: EventFilter,
    pub description: Option<String>,
    pub secret: WebhookSecret,
}

/// A subscription as listed (never with its secret).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Subscription {
    pub id: Uuid,
    pub url: String,
    /// Event types, or `["*"]`.
    pub event_types: Vec<String>,
    /// False once deleted: nothing more is delivered to it.
    pub active: bool,
    pub description: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_subscriptions)]
struct SubscriptionRow {
    id: Uuid,
    url: String,
    event_types: Vec<String>,
    active: bool,
    description: Option<String>,
    created_at: DateTime<Utc>,
    created_by: Option<String>,
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Subscription {
            id: r.id,
            url: r.url,
            event_types: r.event_types,
            active: r.active,
            description: r.description,
            created_at: r.created_at,
            created_by: r.created_by,
        }
    }
}

/// Checks a description: at most 500 characters; blank is none.
pub fn parse_description(raw: Option<&str>) -> Result<Option<String>, InvalidValue> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => {
            Err(InvalidValue::new("too_long", format!("at most {MAX_DESCRIPTION_CHARS} characters")))
        }
        Some(d) => Ok(Some(d.to_owned())),
    }
}

/// Stores a new subscription. It receives the events emitted from its
/// creation on.
pub fn create_subscription(
    conn: &mut PgConnection,
    new: NewSubscription,
    ctx: &AuditContext,
) -> Result<Subscription, StoreError> {
    let id = Uuid::now_v7();
    conn.transaction(|conn| {
        let row: SubscriptionRow = diesel::insert_into(webhook_subscriptions::table)
            .values((
                webhook_subscriptions::id.eq(id),
                webhook_subscriptions::url.eq(new.url.as_str()),
                webhook_subscriptions::secret.eq(new.secret.expose()),
                webhook_subscriptions::event_types.eq(new.events.to_column()),
                webhook_subscriptions::active.eq(true),
                webhook_subscriptions::description.eq(&new.description),
                webhook_subscriptions::created_at.eq(ctx.at),
                webhook_subscriptions::created_by.eq(ctx.key_name.clone()),
            ))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)?;
        let sub = Subscription::from(row);
        // The secret stays out of the audit log.
        audit::record(conn, ctx, "create", "webhook_subscription", &id.to_string(), None, json!({ "new": sub }))?;
        Ok(sub)
    })
}

/// Every subscription, newest first, deleted ones included.
pub fn list_subscriptions(conn: &mut PgConnection) -> Result<Vec<Subscription>, StoreError> {
    Ok(webhook_subscriptions::table
        .order(webhook_subscriptions::id.desc())
        .select(SubscriptionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(Subscription::from)
        .collect())
}

/// Deactivates a subscription: its pending deliveries are cancelled and no
/// new event is fanned out to it. The row and its delivery log stay.
/// Deactivating twice is not an error.
pub fn deactivate_subscription(
    conn: &mut PgConnection,
    id: Uuid,
    ctx: &AuditContext,
) -> Result<Subscription, StoreError> {
    conn.transaction(|conn| {
        let row: SubscriptionRow = webhook_subscriptions::table
            .find(id)
            .select(SubscriptionRow::as_select())
            .for_update()
            .first(conn)
            .optional()?
            .ok_or(StoreError::NotFound)?;
        if !row.active {
            return Ok(row.into());
        }
        let row: SubscriptionRow = diesel::update(webhook_subscriptions::table.find(id))
            .set(webhook_subscriptions::active.eq(false))
            .returning(SubscriptionRow::as_returning())
            .get_result(conn)?;
        let cancelled = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::subscription_id.eq(id))
                .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str())),
        )
        .set(webhook_deliveries::status.eq(DeliveryStatus::Cancelled.as_str()))
        .execute(conn)?;
        audit::record(
            conn,
            ctx,
            "deactivate",
            "webhook_subscription",
            &id.to_string(),
            None,
            json!({ "active": { "old": true, "new": false }, "cancelled_deliveries": cancelled }),
        )?;
        Ok(row.into())
    })
}

/// Turns up to `limit` outbox events not yet fanned out (oldest first) into
/// deliveries, one per active subscription whose event types match and that
/// existed when the event was emitted, and marks them fanned out. Returns how
/// many events were handled: 0 also when another instance holds the lock.
pub fn fan_out(conn: &mut PgConnection, now: DateTime<Utc>, limit: u32) -> Result<usize, StoreError> {
    conn.transaction(|conn| {
        let locked: bool = diesel::select(diesel::dsl::sql::<Bool>(&format!("pg_try_advisory_xact_lock({FAN_OUT_LOCK})")))
            .get_result(conn)?;
        if !locked {
            return Ok(0);
        }
        // One statement: the batch, the deliveries (a retried fan-out of the
        // same event adds nothing), and the mark.
        let handled = diesel::sql_query(
            "WITH batch AS (
                SELECT id, event_type, created_at FROM outbox
                WHERE fanned_out_at IS NULL
                ORDER BY id
                LIMIT $2
            ), deliveries AS (
                INSERT INTO webhook_deliveries (subscription_id, outbox_id, event_type, status, attempts, next_attempt_at, created_at)
                SELECT s.id, b.id, b.event_type, 'pending', 0, $1, $1
                FROM batch b
                JOIN webhook_subscriptions s
                  ON s.active
                 AND s.created_at <= b.created_at
                 AND (b.event_type = ANY (s.event_types) OR '*' = ANY (s.event_types))
                ON CONFLICT (subscription_id, outbox_id) DO NOTHING
            )
            UPDATE outbox SET fanned_out_at = $1 FROM batch WHERE outbox.id = batch.id",
        )
        .bind::<Timestamptz, _>(now)
        .bind::<BigInt, _>(i64::from(limit.max(1)))
        .execute(conn)?;
        Ok(handled)
    })
}

/// A delivery claimed for sending: what to send where.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    pub id: i64,
    pub subscription_id: Uuid,
    pub url: String,
    pub secret: WebhookSecret,
    pub event_type: String,
    /// The outbox id: the event's id, the same in every delivery of it.
    pub event_id: i64,
    pub event_created_at: DateTime<Utc>,
    pub payload: Value,
    /// The number of this attempt (1 for the first).
    pub attempt: i32,
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = SqlUuid)]
    subscription_id: Uuid,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = BigInt)]
    event_id: i64,
    #[diesel(sql_type = Timestamptz)]
    event_created_at: DateTime<Utc>,
    #[diesel(sql_type = Jsonb)]
    payload: Value,
    #[diesel(sql_type = Int4)]
    attempts: i32,
}

/// Claims up to `limit` pending deliveries due at `now` (oldest due first)
/// for [`CLAIM_LEASE_SECONDS`]: rows another instance is claiming are
/// skipped, and a claimed row is not due again until the lease runs out or
/// [`record_attempt`] sets its next attempt. Deliveries of deactivated
/// subscriptions are never claimed.
pub fn claim_due(conn: &mut PgConnection, now: DateTime<Utc>, limit: u32) -> Result<Vec<DueDelivery>, StoreError> {
    let lease_until = now + TimeDelta::seconds(CLAIM_LEASE_SECONDS);
    let rows: Vec<DueRow> = diesel::sql_query(
        "WITH due AS (
            SELECT d.id FROM webhook_deliveries d
            JOIN webhook_subscriptions s ON s.id = d.subscription_id
            WHERE d.status = 'pending' AND d.next_attempt_at <= $1 AND s.active
            ORDER BY d.next_attempt_at, d.id
            LIMIT $3
            FOR UPDATE OF d SKIP LOCKED
        )
        UPDATE webhook_deliveries d SET next_attempt_at = $2
        FROM due, webhook_subscriptions s, outbox o
        WHERE d.id = due.id AND s.id = d.subscription_id AND o.id = d.outbox_id
        RETURNING d.id, d.subscription_id, s.url, s.secret, d.event_type, o.id AS event_id,
                  o.created_at AS event_created_at, o.payload, d.attempts",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(lease_until)
    .bind::<BigInt, _>(i64::from(limit.max(1)))
    .load(conn)?;
    let mut due: Vec<DueDelivery> = rows
        .into_iter()
        .map(|r| DueDelivery {
            id: r.id,
            subscription_id: r.subscription_id,
            url: r.url,
            secret: WebhookSecret(r.secret),
            event_type: r.event_type,
            event_id: r.event_id,
            event_created_at: r.event_created_at,
            payload: r.payload,
            attempt: r.attempts + 1,
        })
        .collect();
    due.sort_by_key(|d| d.id);
    Ok(due)
}

/// When to try again, and when to give up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles after each one.
    pub base: std::time::Duration,
    /// The longest wait between two attempts.
    pub cap: std::time::Duration,
    /// After this many failed attempts the delivery is `failed` for good.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 10 s, doubling, at most 1 h apart, 8 attempts (about 21 minutes in all).
    fn default() -> Self {
        RetryPolicy {
            base: std::time::Duration::from_secs(10),
            cap: std::time::Duration::from_secs(3600),
            max_attempts: 8,
        }
    }
}

impl RetryPolicy {
    /// The wait after `failed_attempts` (≥ 1) failures: base × 2^(n−1), capped.
    pub fn delay_after(&self, failed_attempts: u32) -> std::time::Duration {
        let doublings = failed_attempts.saturating_sub(1).min(31);
        self.base.saturating_mul(1u32 << doublings).min(self.cap)
    }

    /// True when a delivery that has failed `failed_attempts` times is given up.
    pub fn gives_up_after(&self, failed_attempts: u32) -> bool {
        failed_attempts >= self.max_attempts.max(1)
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// The receiver answered 2xx.
    Delivered { status_code: u16 },
    /// Any other answer, or none (timeout, refused connection, …).
    Failed { status_code: Option<u16>, error: String },
}

/// A delivery's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Waiting for its first or next attempt.
    Pending,
    /// A receiver answered 2xx.
    Delivered,
    /// Every attempt failed; no more will be made.
    Failed,
    /// The subscription was deleted before it was delivered.
    Cancelled,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> Result<DeliveryStatus, StoreError> {
        Ok(match s {
            "pending" => DeliveryStatus::Pending,
            "delivered" => DeliveryStatus::Delivered,
            "failed" => DeliveryStatus::Failed,
            "cancelled" => DeliveryStatus::Cancelled,
            other => return Err(StoreError::Corrupt(format!("webhook_deliveries.status: {other}"))),
        })
    }
}

fn truncate_chars(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// Records the outcome of an attempt at `now`. A success marks the delivery
/// delivered; a failure counts the attempt, keeps the status code and error,
/// and schedules the next attempt after [`RetryPolicy::delay_after`], or
/// marks it failed once [`RetryPolicy::gives_up_after`]. A delivery that is
/// no longer pending (its subscription was deleted meanwhile) is left as it
/// is. Returns its status afterwards, None if there is no such delivery.
pub fn record_attempt(
    conn: &mut PgConnection,
    id: i64,
    outcome: &AttemptOutcome,
    now: DateTime<Utc>,
    policy: &RetryPolicy,
) -> Result<Option<DeliveryStatus>, StoreError> {
    conn.transaction(|conn| {
        let row: Option<(String, i32)> = webhook_deliveries::table
            .find(id)
            .select((webhook_deliveries::status, webhook_deliveries::attempts))
            .for_update()
            .first(conn)
            .optional()?;
        let Some((status, attempts)) = row else { return Ok(None) };
        let status = DeliveryStatus::parse(&status)?;
        if status != DeliveryStatus::Pending {
            return Ok(Some(status));
        }
        let attempts = attempts.saturating_add(1);
        let target = webhook_deliveries::table.find(id);
        let new_status = match outcome {
            AttemptOutcome::Delivered { status_code } => {
                diesel::update(target)
                    .set((
                        webhook_deliveries::status.eq(DeliveryStatus::Delivered.as_str()),
                        webhook_deliveries::attempts.eq(attempts),
                        webhook_deliveries::last_status_code.eq(Some(i32::from(*status_code))),
                        webhook_deliveries::delivered_at.eq(Some(now)),
                    ))
                    .execute(conn)?;
                DeliveryStatus::Delivered
            }
            AttemptOutcome::Failed { status_code, error } => {
                let failed = u32::try_from(attempts).unwrap_or(u32::MAX);
                let status =
                    if policy.gives_up_after(failed) { DeliveryStatus::Failed } else { DeliveryStatus::Pending };
                let wait = TimeDelta::from_std(policy.delay_after(failed)).unwrap_or(TimeDelta::hours(1));
                diesel::update(target)
                    .set((
                        webhook_deliveries::status.eq(status.as_str()),
                        webhook_deliveries::attempts.eq(attempts),
                        webhook_deliveries::last_status_code.eq(status_code.map(i32::from)),
                        webhook_deliveries::last_error.eq(Some(truncate_chars(error, MAX_ERROR_CHARS))),
                        webhook_deliveries::next_attempt_at.eq(now + wait),
                    ))
                    .execute(conn)?;
                status
            }
        };
        Ok(Some(new_status))
    })
}

/// One delivery in the log.
#[derive(Debug, Clone)]
pub struct Delivery {
    pub id: i64,
    pub subscription_id: Uuid,
    /// The outbox id of the event (the `id` in the body sent).
    pub event_id: i64,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    /// The error of the most recent failed attempt (kept after a later success).
    pub last_error: Option<String>,
    /// When the next attempt is due (pending deliveries only).
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: i64,
    subscription_id: Uuid,
    outbox_id: i64,
    event_type: String,
    status: String,
    attempts: i32,
    next_attempt_at: DateTime<Utc>,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    delivered_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl DeliveryRow {
    fn into_delivery(self) -> Result<Delivery, StoreError> {
        let status = DeliveryStatus::parse(&self.status)?;
        Ok(Delivery {
            id: self.id,
            subscription_id: self.subscription_id,
            event_id: self.outbox_id,
            event_type: self.event_type,
            status,
            attempts: self.attempts,
            last_status_code: self.last_status_code,
            last_error: self.last_error,
            next_attempt_at: (status == DeliveryStatus::Pending).then_some(self.next_attempt_at),
            delivered_at: self.delivered_at,
            created_at: self.created_at,
        })
    }
}

/// A subscription's deliveries, newest first, `limit` (1..=200) at a time
/// after the cursor (a delivery id). Returns the page and the cursor of the
/// next one. Not found if the subscription does not exist.
pub fn deliveries(
    conn: &mut PgConnection,
    subscription: Uuid,
    before: Option<i64>,
    limit: u32,
) -> Result<(Vec<Delivery>, Option<i64>), StoreError> {
    let exists: bool =
        diesel::select(diesel::dsl::exists(webhook_subscriptions::table.find(subscription))).get_result(conn)?;
    if !exists {
        return Err(StoreError::NotFound);
    }
    let limit = i64::from(limit.clamp(1, 200));
    let mut query = webhook_deliveries::table
        .filter(webhook_deliveries::subscription_id.eq(subscription))
        .order(webhook_deliveries::id.desc())
        .limit(limit + 1)
        .select(DeliveryRow::as_select())
        .into_boxed();
    if let Some(b) = before {
        query = query.filter(webhook_deliveries::id.lt(b));
    }
    let mut rows: Vec<DeliveryRow> = query.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| r.id) } else { None };
    let page = rows.into_iter().map(DeliveryRow::into_delivery).collect::<Result<Vec<_>, _>>()?;
    Ok((page, next))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn urls() {
        for ok in [
            "http://127.0.0.1:8080/hook",
            "https://hooks.example.com",
            "HTTPS://example.com/a?b=c#d",
            "http://[::1]:9000/x",
            "https://user:pw@example.com/x",
        ] {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "example.com/hook",
            "ftp://example.com",
            "http://",
            "http:///path",
            "http://exa mple.com",
            "http://example.com:port/",
            "http://example.com:99999/",
            "http://[::1/x",
            "javascript:alert(1)",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_filters() {
        let s = |v: &[&str]| v.iter().map(|t| (*t).to_owned()).collect::<Vec<_>>();
        assert_eq!(EventFilter::parse(&s(&["*"])), Ok(EventFilter::All));
        assert!(
            matches!(EventFilter::parse(&s(&["tier.changed", "points.changed"])), Ok(EventFilter::Only(t)) if t.len() == 2)
        );
        assert!(EventFilter::parse(&[]).is_err());
        assert!(EventFilter::parse(&s(&["*", "tier.changed"])).is_err());
        let errors = EventFilter::parse(&s(&["tier.changed", "nope", "tier.changed"])).err().unwrap_or_default();
        assert_eq!(
            errors.iter().map(|(i, e)| (*i, e.code)).collect::<Vec<_>>(),
            [(Some(1), "unknown_event_type"), (Some(2), "duplicate")]
        );
    }

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let p = RetryPolicy { base: Duration::from_secs(10), cap: Duration::from_secs(100), max_attempts: 8 };
        let waits: Vec<u64> = (1..=6).map(|n| p.delay_after(n).as_secs()).collect();
        assert_eq!(waits, [10, 20, 40, 80, 100, 100]);
        assert_eq!(p.delay_after(u32::MAX), Duration::from_secs(100), "no overflow");
        assert!(!p.gives_up_after(7));
        assert!(p.gives_up_after(8));
    }

    #[test]
    fn the_default_schedule() {
        let p = RetryPolicy::default();
        let total: u64 = (1..p.max_attempts).map(|n| p.delay_after(n).as_secs()).sum();
        assert_eq!(total, 10 + 20 + 40 + 80 + 160 + 320 + 640);
    }

    #[test]
    fn secrets_do_not_show_in_debug() {
        let s = WebhookSecret::new("0123456789abcdef0123456789abcdef".into()).map_err(|e| e.to_string());
        assert_eq!(format!("{s:?}"), "Ok(WebhookSecret(***))");
        assert!(WebhookSecret::new("short".into()).is_err());
    }

    #[test]
    fn errors_are_truncated_on_a_character_boundary() {
        assert_eq!(truncate_chars("héllo", 2), "hé…");
        assert_eq!(truncate_chars("abc", 3), "abc");
    }
}
