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
//! - [`holdout`]: the control group — [`HoldoutPercent`] (0–50 %, to the
//!   basis point) and [`held_out`], a fixed hash of (campaign, customer),
//!   with [`holdout_draw`] for the store.
//! - [`error`]: [`CampaignError`], with stable codes.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod error;
pub mod holdout;

pub use error::CampaignError;
pub use holdout::{HoldoutPercent, held_out, holdout_draw};
