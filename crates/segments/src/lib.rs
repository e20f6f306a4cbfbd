//! The pure part of the segment refresh: from every customer's purchase
//! facts as of a date to the lines of that date's snapshot — RFM scores and
//! segment, the value models' view of the customer's history, and their
//! predictions — with the segment counts and the fitted models.
//!
//! # Invariant
//!
//! This crate is pure: it knows nothing of databases, HTTP, async or the
//! clock, and never asks the machine how many cores it has. The as-of date
//! and the threads it may use are parameters; the population comes in
//! whole as [`PurchaseFacts`] (aggregated by the store, keyed by whatever
//! the caller likes) and goes out as [`CustomerSnapshot`] lines. How a
//! snapshot is stored, and which customers are left out of it, is the
//! store's business. Scoring and segmenting are `clientele_rfm`'s, fitting
//! and predicting `clientele_value`'s; this crate puts them together.
//!
//! # The path
//!
//! 1. Each customer's [`History`] (in days): x = purchase days − 1, tₓ from
//!    the first to the last purchase day, T from the first purchase day to
//!    the as-of date, and the average net of the repeat purchase days.
//! 2. R, F and M and the segment by the programme's RFM settings
//!    (`clientele_rfm::RfmSettings`: R by days, R 1 = no purchase in the
//!    window; F and M over the window, or over the whole history for R 1;
//!    New Customers by the first purchase date) and the default segment map.
//! 3. BG/NBD on every history with T > 0 and Gamma-Gamma on the repeat
//!    buyers who kept something ([`fit`]), each started at the previous
//!    run's fit ([`PreviousFit`]).
//! 4. Every customer's predictions, rounded for storage ([`predict_all`]).
//!
//! The rules stated by property tests (`tests/properties.rs`):
//! - a history's x is the number of distinct purchase days − 1, its
//!   0 ≤ tₓ ≤ T, T ≥ 0 (no summary when T = 0), and its average spend comes
//!   from the repeat purchase days only;
//! - a refresh gives one line per customer, in the order of the input, with
//!   the segment the map gives its score, and counts that add up;
//! - the lines and models are the same whatever the number of threads, and
//!   (to the fits' tolerance for Gamma-Gamma) whatever the order of the input;
//! - predictions exist exactly for the customers with T > 0 once BG/NBD is
//!   fitted, with P(alive) in [0, 1].
//!
//! # Map
//!
//! - [`config`]: the settings, [`RefreshConfig`].
//! - [`history`]: [`PurchaseFacts`] and [`History`].
//! - [`models`]: [`PreviousFit`], [`fit`], [`Models`], [`ModelError`].
//! - [`predict`]: [`predict_all`] and [`Prediction`].
//! - [`preview`](mod@preview): [`preview()`], what candidate RFM settings
//!   would do to a snapshot, nothing written.
//! - [`refresh`](mod@refresh): [`refresh()`], [`RefreshInput`], [`Refreshed`], [`CustomerSnapshot`].
//! - [`error`]: the one error type, [`SegmentsError`].
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod config;
pub mod error;
pub mod history;
pub mod models;
pub mod predict;
pub mod preview;
pub mod refresh;

pub use config::RefreshConfig;
pub use error::SegmentsError;
pub use history::{History, PurchaseFacts};
pub use models::{ModelError, Models, PreviousFit, fit};
pub use predict::{Prediction, predict_all};
pub use preview::{Preview, PreviewCell, preview};
pub use refresh::{CustomerSnapshot, RefreshInput, Refreshed, Stage, refresh};
