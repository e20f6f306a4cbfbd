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
//! ```
//! use chrono::{TimeZone as _, Utc};
//! use clientele_campaigns::{
//!     CapDecision, CapRule, Candidate, HoldoutPercent, QuietHours, allocate, held_out, minimum_detectable_uplift,
//!     next_send_time,
//! };
//! use clientele_kernel::TimeZone;
//! use clientele_profiles::Channel;
//! use uuid::Uuid;
//!
//! let (win_back, birthday, client) = (Uuid::from_u128(1), Uuid::from_u128(2), Uuid::from_u128(3));
//!
//! // The control group: the same answer on every run.
//! let twenty = HoldoutPercent::from_f64(20.0).unwrap();
//! assert_eq!(held_out(win_back, client, twenty), held_out(win_back, client, twenty));
//!
//! // 22:00 in Shanghai is quiet: the message waits for 09:00 there.
//! let shanghai = TimeZone::parse("Asia/Shanghai").unwrap();
//! let due = next_send_time(Utc.with_ymd_and_hms(2026, 6, 1, 14, 0, 0).unwrap(), shanghai, &QuietHours::default());
//! assert_eq!(due, Utc.with_ymd_and_hms(2026, 6, 2, 1, 0, 0).unwrap());
//!
//! // Two campaigns want the same WeChat slot; one message a week: the
//! // birthday greeting has the higher priority.
//! let want = |campaign, priority| Candidate { campaign, priority, channel: Channel::Wechat, customer: client, due };
//! let cap = CapRule::new(1, 7).unwrap();
//! let decisions = allocate(&[want(win_back, 1), want(birthday, 5)], |_| &[], &cap, due);
//! assert_eq!(decisions, [CapDecision::Capped, CapDecision::Send { at: due }]);
//!
//! // 20,000 messaged and 5,000 held out detect a 0.98-point uplift on a 5 % base rate.
//! let uplift = minimum_detectable_uplift(0.05, 20_000, 5_000).unwrap();
//! assert!((0.0098..0.0099).contains(&uplift));
//! ```
//!
//! # Map
//!
//! - [`audience`]: an audience is a rule tree (all / any / not) over one
//!   customer's facts ([`audience::AudienceFacts`]); rules are JSON data,
//!   validated with the path of every bad node, evaluated here, and
//!   compiled to SQL by the store (which must select the same customers).
//! - [`campaign`]: [`CampaignSpec`] — audience, schedule (once or on a
//!   trigger), channel, action (a message or an associate's task), control
//!   group, priority, cost and budget — read from JSON with paths.
//! - [`dry_run`](mod@dry_run): [`dry_run()`] — audience, held out, left
//!   after consent, after the cap and within the budget, expected cost and
//!   the minimum detectable uplift — nothing written.
//! - [`trigger`]: lifecycle triggers (dates, tier upgrade, expiring points,
//!   no purchase for N days, seasonal lapse, replenishment, after a
//!   purchase) and the occurrence each fires under, once.
//! - [`holdout`]: the control group — [`HoldoutPercent`] (0–50 %, to the
//!   basis point) and [`held_out`], a fixed hash of (campaign, customer),
//!   with [`holdout_draw`] for the store.
//! - [`caps`]: frequency caps across campaigns — [`CapRule`] (default 2 in
//!   7 days per channel) and [`allocate`], which decides which
//!   [`Candidate`]s are sent, by priority, given each customer's
//!   [`SentMessage`]s.
//! - [`quiet_hours`]: [`QuietHours`] (default 21:00–09:00 local time) and
//!   [`next_send_time`], daylight saving time included.
//! - the dry run's [`minimum_detectable_uplift`] (95 % confidence, 80 %
//!   power) is `clientele_experiments`', the statistics the campaign's
//!   results are measured with.
//! - [`settings`]: [`CampaignSettings`], the programme's cap and quiet hours.
//! - [`error`]: [`CampaignError`], with stable codes.
//! - [`testing`]: random rules for property tests.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod audience;
pub mod campaign;
pub mod caps;
pub mod delivery;
pub mod dry_run;
pub mod error;
pub mod holdout;
pub mod quiet_hours;
pub mod settings;
pub mod testing;
pub mod trigger;

pub use campaign::{Action, CampaignSpec, Promoted, Schedule};
pub use caps::{Candidate, CapDecision, CapRule, SentMessage, allocate};
pub use clientele_experiments::minimum_detectable_uplift;
pub use delivery::{Decision, Outcome, Plan, Round, Target, plan};
pub use dry_run::{DryRun, Reach, dry_run};
pub use error::CampaignError;
pub use holdout::{HoldoutPercent, held_out, holdout_draw};
pub use quiet_hours::{QuietHours, next_send_time};
pub use settings::{CampaignSettings, MarginRate};
