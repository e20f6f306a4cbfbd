//! Customer value: the BG/NBD model of repeat-purchase counts and the
//! Gamma-Gamma model of spend, fitted by maximum likelihood on per-customer
//! summaries (x repeat purchases, recency tₓ, age T, average spend m̄);
//! from them each customer's expected purchases over a horizon, probability
//! of being alive, expected average spend and CLV.
//!
//! # Invariant
//!
//! This crate is pure: no I/O, no clock, no random numbers, no hidden
//! state; the same input gives the same output bit for bit (compression
//! sorts, it does not hash), on any number of threads. How many threads a
//! fit may use is the caller's parameter (`fit_*_starting_at`; the short
//! forms use one): the crate never asks the machine. Times are numbers in one unit chosen by the
//! caller (days or weeks since the first purchase) — the store turns dates
//! into them. Money enters and leaves as `f64`: these are statistical
//! estimates, never amounts to book; convert at the boundary.
//!
//! Every value type holds only valid values: a [`CustomerSummary`] has
//! 0 ≤ tₓ ≤ T, T > 0 and tₓ = 0 when x = 0; fitted or constructed
//! parameters are finite and positive (Gamma-Gamma q > 1, so the mean spend
//! exists). A fit never returns NaN: degenerate input (no repeat buyers,
//! zero spend, too few customers, every parameter running off at once) is a
//! [`ValueError`] with a stable [`code`](ValueError::code).
//!
//! Parameters are searched in a box, e^−18 to e^18 each on the fitting
//! scale. Where the likelihood keeps rising towards a limit of the model —
//! everyone with the same dropout probability (the BG/NBD's Beta collapses:
//! a, b → ∞ at a fixed ratio), or the same spend — the parameter that runs
//! off is held on the edge, the others are fitted, and the fit names it in
//! `at_bound`. `lifetimes` stops with a ConvergenceError on such data (the
//! demo generator's, where a third of the members lapse); the predictions
//! from the edge are those of the limit model, to the box's precision.
//!
//! The formulas are those of Fader, Hardie & Lee (2005a, "Counting your
//! customers the easy way"; 2005b, "RFM and CLV") and agree with the
//! `lifetimes` Python package 0.11.3 on the CDNOW sample (see
//! `tests/reference.rs` and `reference/README.md`). The rules stated by
//! property tests (`tests/properties.rs`):
//! - P(alive) is in [0, 1], and is 1 exactly for customers with x = 0;
//! - expected purchases are ≥ 0, finite and non-decreasing in the horizon;
//! - expected spend lies between the customer's own average and the
//!   population mean; CLV is ≥ 0 and finite and grows with the margin;
//! - the likelihood of the compressed population equals the sum over the
//!   customers one by one, whatever their order.
//!
//! Pareto/NBD is not implemented.
//!
//! ```
//! use clientele_value::{BgNbdParams, ClvConfig, CustomerSummary, GammaGammaParams, TimeUnit, predict};
//!
//! # fn main() -> Result<(), clientele_value::ValueError> {
//! // Parameters fitted on the CDNOW sample (weeks).
//! let purchases = BgNbdParams::new(0.2426, 4.4135, 0.7929, 2.4258)?;
//! let spend = GammaGammaParams::new(6.2488, 3.7446, 15.4477)?;
//! // Two repeat purchases, the last 30.43 weeks after the first; observed
//! // for 38.86 weeks; 22.35 on average per repeat purchase.
//! let customer = CustomerSummary::new(2, 30.43, 38.86, 22.35)?;
//! let config = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Weeks)?;
//! let value = predict(&purchases, &spend, &customer, &config);
//! assert!((value.probability_alive - 0.7266).abs() < 1e-3);
//! assert!((value.clv - 36.28).abs() < 0.05);
//! # Ok(())
//! # }
//! ```
//!
//! # Map
//!
//! - [`summary`]: [`CustomerSummary`], [`CompressedSummaries`].
//! - [`bgnbd`]: [`BgNbdParams`] (likelihood, P(alive), expected
//!   purchases), [`fit_bgnbd`].
//! - [`gamma_gamma`]: [`GammaGammaParams`] (likelihood, expected spend),
//!   [`fit_gamma_gamma`].
//! - [`clv`]: [`ClvConfig`], [`customer_lifetime_value`], [`predict`], and
//!   [`Forecaster`] for many customers under one fit (the same figures,
//!   each expensive series summed once per distinct x and T).
//! - [`error`]: [`ValueError`], with stable codes.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod bgnbd;
pub mod clv;
pub mod error;
pub mod gamma_gamma;
mod optimize;
mod special;
pub mod summary;

pub use bgnbd::{BGNBD_MIN_CUSTOMERS, BgNbdFit, BgNbdParams, fit_bgnbd, fit_bgnbd_compressed, fit_bgnbd_starting_at};
pub use clv::{ClvConfig, CustomerValue, Forecaster, PurchaseForecast, TimeUnit, customer_lifetime_value, predict};
pub use error::{Model, ValueError};
pub use gamma_gamma::{
    GAMMA_GAMMA_MIN_REPEAT_BUYERS, GammaGammaFit, GammaGammaParams, fit_gamma_gamma, fit_gamma_gamma_starting_at,
};
pub use summary::{CompressedSummaries, CustomerSummary, WeightedTriple};
