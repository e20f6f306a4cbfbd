//! Clientele's application layer.
//!
//! Architecture invariant: this crate orchestrates — it calls the store and
//! the domain crates and decides what runs when — and knows neither the
//! HTTP service (no actix types, no request or response shapes: the api
//! calls it) nor SQL (no query strings: the store runs them). Its one use
//! of HTTP is as a client: the webhook sender POSTs events out. It is the
//! one place that reads the clock ([`clock`]) and the machine's
//! parallelism, and passes both into the layers below.
//!
//! - [`jobs`]: the scheduled loyalty jobs and the daily segment refresh, and
//!   the loop that runs them until it is stopped;
//! - [`customers`]: creating a customer (once per idempotency key), a
//!   patch, tags, consents, merging a duplicate into its survivor, erasure;
//! - [`timeline`]: an entry of a customer's timeline recorded;
//! - [`loyalty`]: redemptions, points granted or adjusted, the tier floor,
//!   a new programme, and the daily expiry and tier re-evaluation;
//! - [`orders`]: storing an order and awarding what it earns; returns;
//!   exchange rates;
//! - [`org`]: stores and sales associates created;
//! - [`keys`]: API keys created and revoked;
//! - [`webhooks`]: webhook subscriptions created and deactivated;
//! - [`segments`]: the refresh of RFM segments and customer value, and the
//!   preview of RFM settings;
//! - [`settings`]: the RFM and campaign settings saved, audited;
//! - [`dispatcher`]: the webhook sender, a loop that runs until it is
//!   stopped: fans outbox events out into deliveries, sends them signed,
//!   records each outcome;
//! - [`webhook_guard`]: the DNS side of the webhook address rule — the
//!   lookups the api makes when a subscription is registered, and the
//!   resolver the sender connects through;
//! - [`campaigns`]: campaigns defined (audited), a draft changed, and the
//!   dry run (in progress: launching, triggers and delivery come next);
//! - [`bulk`]: many orders or many new customers in one transaction each
//!   (the import and the demo), with the rules of the single-order path;
//! - [`import`]: the CSV import of historical orders;
//! - [`demo`]: a demo brand's stores, members and orders.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bulk;
pub mod campaigns;
pub mod clienteling;
pub mod clock;
pub mod coupon_import;
pub mod customers;
pub mod demo;
pub mod dispatcher;
pub mod entitlements;
pub mod follow_ups;
pub mod gifts;
pub mod go_live;
pub mod import;
pub mod jobs;
pub mod keys;
pub mod loyalty;
pub mod offers;
pub(crate) mod order_coupons;
pub mod orders;
pub mod org;
pub mod points_offers;
pub mod rewards;
pub mod segments;
pub mod settings;
pub mod suggestions;
pub mod timeline;
pub mod webhook_guard;
pub mod webhooks;
pub mod worklist;

/// The threads this machine gives a computation (the segment refresh's
/// pure part): all its cores. Read here, passed down as a parameter.
pub fn machine_threads() -> std::num::NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN)
}
