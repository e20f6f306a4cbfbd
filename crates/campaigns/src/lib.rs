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
//! - [`audience`]: an audience is a rule tree (all / any / not) over one
//!   customer's facts ([`audience::AudienceFacts`]); rules are JSON data,
//!   validated with the path of every bad node, evaluated here, and
//!   compiled to SQL by the store (which must select the same customers).
//! - [`trigger`]: lifecycle triggers (dates, tier upgrade, expiring points,
//!   no purchase for N days, seasonal lapse, replenishment, after a
//!   purchase) and the occurrence each fires under, once.
//! - [`testing`]: random rules for property tests.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod audience;
pub mod testing;
pub mod trigger;
