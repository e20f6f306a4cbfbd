//! Clientele's application layer.
//!
//! Architecture invariant: this crate orchestrates — it calls the store and
//! the domain crates and decides what runs when — and knows neither HTTP
//! (no actix types: the api calls it) nor SQL (no query strings: the store
//! runs them). It is the one place that reads the clock ([`clock`]) and
//! the machine's parallelism, and passes both into the layers below.
//!
//! - [`jobs`]: the scheduled loyalty jobs and the daily segment refresh, and
//!   the loop that runs them until it is stopped;
//! - [`customers`]: merging a duplicate into its survivor, erasure;
//! - [`loyalty`]: redemptions, points granted or adjusted, the tier floor,
//!   a new programme, and the daily expiry and tier re-evaluation;
//! - [`orders`]: storing an order and awarding what it earns; returns;
//! - [`segments`]: the refresh of RFM segments and customer value;
//! - [`import`]: the CSV import of historical orders;
//! - [`demo`]: a demo brand's stores, members and orders.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod clock;
pub mod customers;
pub mod demo;
pub mod import;
pub mod jobs;
pub mod loyalty;
pub mod orders;
pub mod segments;

/// The threads this machine gives a computation (the segment refresh's
/// pure part): all its cores. Read here, passed down as a parameter.
pub fn machine_threads() -> std::num::NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN)
}
