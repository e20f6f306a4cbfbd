//! Campaigns, the pure part (issue #11).
//!
//! # Invariant
//!
//! This crate is pure: it knows nothing of databases, HTTP, async or the
//! clock. Today's date and the time of a send are parameters; a customer
//! comes in as facts, aggregated by the store. Which customers a campaign
//! reaches, who is held out, what the caps let through and when a trigger
//! fires are functions of those inputs only, so the same inputs give the
//! same campaign on every instance and every re-run.
//!
//! # Map
//!
#![cfg_attr(test, allow(clippy::unwrap_used))]
