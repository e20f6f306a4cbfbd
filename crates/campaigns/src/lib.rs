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
//! - [`caps`]: frequency caps across campaigns — [`CapRule`] (default 2 in
//!   7 days per channel) and [`allocate`], which decides which
//!   [`Candidate`]s are sent, by priority, given each customer's
//!   [`SentMessage`]s.
//! - [`quiet_hours`]: [`QuietHours`] (default 21:00–09:00 local time) and
//!   [`next_send_time`], daylight saving time included.
//! - [`error`]: [`CampaignError`], with stable codes.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod caps;
pub mod error;
pub mod holdout;
pub mod quiet_hours;

pub use caps::{Candidate, CapDecision, CapRule, SentMessage, allocate};
pub use error::CampaignError;
pub use holdout::{HoldoutPercent, held_out, holdout_draw};
pub use quiet_hours::{QuietHours, next_send_time};
