//! The webhook sender: a loop that, every `interval`, fans new outbox
//! events out into deliveries, claims the deliveries that are due, POSTs
//! each one signed, and records the outcome. `clientele serve` runs it
//! beside the HTTP server and the jobs' loop, until it is stopped.
//!
//! Every instance of the service runs one. They cooperate through the
//! database: fan-out runs under an advisory lock (one instance at a time),
//! and claiming uses `FOR UPDATE SKIP LOCKED` with a lease, so two instances
//! never send the same delivery at the same time (see `clientele_store`'s
//! `webhooks` module). Delivery is at least once: a receiver deduplicates on
//! the event `id` or the `Clientele-Delivery` header. docs/webhooks.md
//! describes the wire format for receivers.
//!
//! Every attempt re-checks where it goes: an IP literal against the address
//! rule, a name by resolving it through [`WebhookGuard`] (the client's
//! resolver), which refuses it if any address is internal — so the sender
//! connects only to addresses it checked, even if the name was re-pointed
//! since registration. Proxies from the environment are not used, since
//! a proxy would resolve the name itself.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clientele_store::{AttemptOutcome, Db, DueDelivery, PgConnection, StoreError};
use clientele_webhooks::{CLAIM_LEASE_SECONDS, RetryPolicy};
use hmac::{Hmac, Mac};
use serde::Serialize;
use serde_json::Value;
use sha2::Sha256;
use tokio::task::JoinSet;

use crate::webhook_guard::{WebhookGuard, refusal_in};

/// How long one POST may take, connection included.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(5);
/// Deliveries claimed (and sent concurrently) at a time. With the timeout,
/// a batch takes at most ~5 s: well inside the claim lease
/// ([`CLAIM_LEASE_SECONDS`], 60 s; checked below), so no other instance
/// claims a delivery while this one is still sending it.
const CLAIM_BATCH: u32 = 32;
const _: () =
    assert!(SEND_TIMEOUT.as_secs() * 2 < CLAIM_LEASE_SECONDS as u64, "a batch must end well inside its lease");
/// Outbox events fanned out per statement, and statements per round.
const FAN_OUT_BATCH: u32 = 500;
const FAN_OUT_ROUNDS: usize = 10;
/// The most of a failing receiver's answer read: enough for the excerpt
/// kept in the delivery log (`clientele_webhooks::answer_excerpt`).
const ERROR_BODY_BYTES: usize = 4 * clientele_webhooks::ANSWER_EXCERPT_CHARS;

/// The sender's settings (the service builds them from its configuration).
#[derive(Debug, Clone)]
pub struct DispatcherConfig {
    /// How often it looks for work.
    pub interval: Duration,
    /// When to retry and when to give up.
    pub retry: RetryPolicy,
    /// How long one POST may take ([`SEND_TIMEOUT`] in the service).
    pub timeout: Duration,
    /// Which addresses deliveries may reach, and the resolver.
    pub guard: WebhookGuard,
}

/// The sender, ready to run: the pool, its settings and the HTTP client it
/// sends with (built once, so a client that cannot be built fails the start,
/// not a round).
#[derive(Debug)]
pub struct Dispatcher {
    db: Db,
    client: reqwest::Client,
    config: DispatcherConfig,
}

impl Dispatcher {
    /// Builds the HTTP client: no redirects, no proxy, names resolved
    /// through the guard.
    pub fn new(db: Db, config: DispatcherConfig) -> anyhow::Result<Dispatcher> {
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Clientele-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(config.guard.clone())
            .no_proxy()
            .build()?;
        Ok(Dispatcher { db, client, config })
    }

    /// Runs a round every `interval`, the first at once, until the future
    /// is dropped (`serve` stops it with the HTTP server). A round that
    /// fails is logged and tried again at the next.
    pub async fn run_until_stopped(self) {
        let mut ticker = tokio::time::interval(self.config.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(e) = round(&self.db, &self.client, &self.config).await {
                tracing::warn!(error = ?e, "webhook dispatch round failed; trying again next round");
            }
        }
    }
}

/// Runs blocking store code on the blocking thread pool.
async fn blocking<T, F>(db: &Db, f: F) -> anyhow::Result<T>
where
    F: FnOnce(&mut PgConnection) -> Result<T, StoreError> + Send + 'static,
    T: Send + 'static,
{
    let db = db.clone();
    let result = tokio::task::spawn_blocking(move || {
        let mut conn = db.conn()?;
        f(&mut conn)
    })
    .await?;
    Ok(result?)
}

/// One round: fan out, then claim and send until nothing is due.
async fn round(db: &Db, client: &reqwest::Client, config: &DispatcherConfig) -> anyhow::Result<()> {
    let fanned = blocking(db, |conn| {
        let mut total = 0;
        for _ in 0..FAN_OUT_ROUNDS {
            let n = clientele_store::fan_out(conn, crate::clock::now(), FAN_OUT_BATCH)?;
            total += n;
            if n < FAN_OUT_BATCH as usize {
                break;
            }
        }
        Ok(total)
    })
    .await?;
    if fanned > 0 {
        tracing::debug!(events = fanned, "outbox events fanned out");
    }
    loop {
        let due = blocking(db, |conn| clientele_store::claim_due(conn, crate::clock::now(), CLAIM_BATCH)).await?;
        let full = due.len() >= CLAIM_BATCH as usize;
        if due.is_empty() {
            return Ok(());
        }
        let mut sends = JoinSet::new();
        for delivery in due {
            let client = client.clone();
            let guard = config.guard.clone();
            sends.spawn(async move {
                let started = Instant::now();
                let outcome = send(&client, &guard, &delivery).await;
                (delivery, outcome, started.elapsed())
            });
        }
        // Outcomes are recorded one at a time as they come, so the sender
        // holds at most one database connection.
        while let Some(joined) = sends.join_next().await {
            let (delivery, outcome, latency) = joined?;
            log_attempt(&delivery, &outcome, latency);
            let (id, policy) = (delivery.id, config.retry);
            let recorded = blocking(db, move |conn| {
                clientele_store::record_attempt(conn, id, &outcome, crate::clock::now(), &policy)
            })
            .await;
            if let Err(e) = recorded {
                // The claim's lease runs out and the delivery is sent again.
                tracing::warn!(delivery_id = id, error = ?e, "could not record a webhook attempt");
            }
        }
        if !full {
            return Ok(());
        }
    }
}

fn log_attempt(delivery: &DueDelivery, outcome: &AttemptOutcome, latency: Duration) {
    let latency_ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
    match outcome {
        AttemptOutcome::Delivered { status_code } => tracing::info!(
            delivery_id = delivery.id,
            subscription_id = %delivery.subscription_id,
            event_type = %delivery.event_type,
            attempt = delivery.attempt,
            status = status_code,
            latency_ms,
            "webhook delivered"
        ),
        AttemptOutcome::Failed { status_code, error } => tracing::warn!(
            delivery_id = delivery.id,
            subscription_id = %delivery.subscription_id,
            event_type = %delivery.event_type,
            attempt = delivery.attempt,
            status = status_code,
            latency_ms,
            error = %error,
            "webhook attempt failed"
        ),
    }
}

/// The body of every delivery.
#[derive(Debug, Serialize)]
struct EventBody<'a> {
    /// The event's id (the outbox id): the same in every delivery and retry of it.
    id: i64,
    #[serde(rename = "type")]
    type_: &'a str,
    created_at: DateTime<Utc>,
    data: &'a Value,
}

/// `v1=` and the hex HMAC-SHA256 of `"{timestamp}.{body}"` keyed with the
/// subscription's secret (its UTF-8 bytes).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|e| anyhow::anyhow!("webhook secret unusable as an HMAC key: {e}"))?;
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Ok(format!("v1={}", hex(&mac.finalize().into_bytes())))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// One attempt: check the destination, POST the signed event and classify
/// the answer.
async fn send(client: &reqwest::Client, guard: &WebhookGuard, delivery: &DueDelivery) -> AttemptOutcome {
    let failed = |error: String| AttemptOutcome::Failed { status_code: None, error };
    // An IP literal is not resolved, so it is checked here; a name is
    // checked by the client's resolver, on the addresses it connects to.
    let url = match clientele_webhooks::WebhookUrl::parse(&delivery.url) {
        Ok(url) => url,
        Err(e) => return failed(format!("refused: the URL is not accepted any more: {e}")),
    };
    if let Some(Err(refusal)) = clientele_webhooks::check_url_literal(&url, &guard.allow) {
        return failed(refusal.to_string());
    }
    let body = EventBody {
        id: delivery.event_id,
        type_: &delivery.event_type,
        created_at: delivery.event_created_at,
        data: &delivery.payload,
    };
    let body = match serde_json::to_vec(&body) {
        Ok(b) => b,
        Err(e) => return failed(format!("could not serialise the event: {e}")),
    };
    let timestamp = crate::clock::now().timestamp();
    let signature = match signature(delivery.secret.expose(), timestamp, &body) {
        Ok(s) => s,
        Err(e) => return failed(e.to_string()),
    };
    let request = client
        .post(&delivery.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header("Clientele-Event", &delivery.event_type)
        .header("Clientele-Delivery", delivery.id.to_string())
        .header("Clientele-Timestamp", timestamp.to_string())
        .header("Clientele-Signature", signature)
        .body(body);
    match request.send().await {
        Ok(response) if response.status().is_success() => {
            AttemptOutcome::Delivered { status_code: response.status().as_u16() }
        }
        Ok(mut response) => {
            let status = response.status();
            let mut snippet = Vec::new();
            while snippet.len() < ERROR_BODY_BYTES {
                match response.chunk().await {
                    Ok(Some(chunk)) => snippet.extend_from_slice(&chunk),
                    _ => break,
                }
            }
            let excerpt = clientele_webhooks::answer_excerpt(&snippet);
            let error = if excerpt.is_empty() { format!("HTTP {status}") } else { format!("HTTP {status}: {excerpt}") };
            AttemptOutcome::Failed { status_code: Some(status.as_u16()), error }
        }
        Err(e) => match refusal_in(&e) {
            Some(refusal) => failed(refusal.to_string()),
            None => failed(clientele_webhooks::log_error(&error_chain(&e))),
        },
    }
}

/// An error and its causes, on one line.
fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_timestamp_dot_body() {
        // Computed independently: printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac secret
        let sig = signature("secret", 1_700_000_000, br#"{"a":1}"#).map_err(|e| e.to_string());
        assert_eq!(sig.as_deref(), Ok("v1=49f24e537407743fa4a0242bb63b94b9a47ee99cbbe071ccd8a22550ae411686"));
    }

    #[test]
    fn hex_is_lower_case() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
    }
}
