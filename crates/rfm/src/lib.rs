//! RFM segmentation: recency, frequency and monetary scores 1–5 from
//! per-customer facts, by quintiles of the population or by configured
//! thresholds; a segment map that puts every score combination in exactly
//! one of eleven named segments; snapshots, and who moved between segments
//! from one snapshot to the next.
//!
//! # Invariant
//!
//! This crate is pure: it knows nothing of databases, HTTP, async or the
//! clock, draws no random numbers and keeps no hidden state. The date a
//! population is scored as of is a parameter, as is how many threads
//! scoring may use (it never asks the machine), and the population is passed
//! in whole as facts ([`CustomerFacts`]: last purchase, orders and net paid
//! in the window, aggregated by the store). Every value type can only hold
//! a valid value ([`Score`] is 1..=5, a [`SegmentMap`] is total and reaches
//! every segment, [`Thresholds`] ascend, a [`Snapshot`] has each customer
//! once), and deserialising goes through the same checks.
//!
//! The rules it guarantees (each stated by a property test in
//! `tests/properties.rs`):
//! - every score is in 1..=5;
//! - a strictly more recent purchase never gets a lower R, strictly more
//!   orders never a lower F, strictly more paid never a lower M;
//! - equal facts get equal scores, and the result does not depend on the
//!   order of the input;
//! - quintile groups are the population's fifths, moved only by ties: each
//!   group is within T − 1 of its ideal size, T the largest tie group
//!   (see [`scoring`] for the exact rule);
//! - the default segment map assigns each of the 125 combinations to
//!   exactly one segment and reaches all eleven (checked at compile time and
//!   by tests);
//! - in a transition matrix every customer of either snapshot is in exactly
//!   one cell.
//!
//! ```
//! use std::num::NonZeroUsize;
//!
//! use chrono::NaiveDate;
//! use clientele_rfm::{
//!     CustomerFacts, RfmError, Scale, ScoringMethod, Segment, SegmentMap, Thresholds, score_population, transitions,
//! };
//! use rust_decimal::Decimal;
//!
//! # fn main() -> Result<(), RfmError> {
//! let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap();
//! let fact = |customer: u64, last_purchase, orders, paid| CustomerFacts {
//!     customer,
//!     last_purchase,
//!     orders,
//!     net_paid: Decimal::new(paid, 0),
//! };
//! let facts = vec![
//!     fact(1, day(5, 28), 9, 48_000),
//!     fact(2, day(5, 30), 1, 900),
//!     fact(3, day(1, 3), 6, 31_000),
//!     fact(4, day(3, 15), 2, 2_500),
//!     fact(5, day(2, 1), 1, 300),
//! ];
//!
//! // Recency by fixed days, frequency and monetary relative to the population.
//! let method = ScoringMethod::new(
//!     Scale::Thresholds(Thresholds::new([30, 60, 120, 240])?),
//!     Scale::Quintiles,
//!     Scale::Quintiles,
//! )?;
//! let map = SegmentMap::default();
//! let may = score_population(&facts, day(5, 31), &method, &map, NonZeroUsize::MIN)?;
//! let champion = may.get(&1).map(|e| (e.score.to_string(), e.segment));
//! assert_eq!(champion, Some(("555".to_owned(), Segment::Champions)));
//! assert_eq!(may.get(&2).map(|e| e.segment), Some(Segment::NewCustomers));
//! assert_eq!(may.get(&3).map(|e| e.segment.display_name()), Some("At Risk"));
//! assert_eq!(may.get(&4).map(|e| e.score.to_string()), Some("333".to_owned()));
//!
//! // A month later nobody bought: everybody's recency dropped.
//! let june = score_population(&facts, day(6, 30), &method, &map, NonZeroUsize::MIN)?;
//! let moves = transitions(&may, &june)?;
//! assert_eq!(moves.customers(Some(Segment::NewCustomers), Some(Segment::Promising)), [2]);
//! assert_eq!(moves.total(), 5);
//! # Ok(())
//! # }
//! ```
//!
//! # Map
//!
//! - [`scoring`]: [`CustomerFacts`], [`ScoringMethod`] ([`Scale`] per
//!   dimension: quintiles or [`Thresholds`]), [`score_customers`].
//! - [`score`]: [`Score`] and [`RfmScore`].
//! - [`segment`]: [`Segment`], [`SegmentMap`] built from [`SegmentRule`]s,
//!   and the default map.
//! - [`settings`]: [`RfmSettings`], the programme's rules (window, bands,
//!   New Customers, lapsed clients scored on their whole history) and
//!   [`segment_customers`], which applies them to a population.
//! - [`snapshot`]: [`Snapshot`] and [`score_population`].
//! - [`transitions`](mod@transitions): [`TransitionMatrix`] and
//!   [`transitions()`].
//! - [`error`]: [`RfmError`], with stable codes.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod error;
pub mod score;
pub mod scoring;
pub mod segment;
pub mod settings;
pub mod snapshot;
pub mod transitions;

pub use error::{RfmError, SegmentConflict, SegmentMapProblems};
pub use score::{RfmScore, Score};
pub use scoring::{CustomerFacts, Scale, ScoringMethod, Thresholds, recency_days, score_customers};
pub use segment::{ScoreRange, Segment, SegmentMap, SegmentRule};
pub use settings::{PurchaseSummary, RfmSettings, segment_customers};
pub use snapshot::{Snapshot, SnapshotEntry, score_population};
pub use transitions::{TransitionCell, TransitionMatrix, transitions};
