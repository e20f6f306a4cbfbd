//! Clienteling, the pure part (issue #12): the periods a store and its
//! associates are measured over, and the figures worked out from what the
//! store counts.
//!
//! # Invariant
//!
//! Pure: no database, no HTTP, no clock. Days are business days (a
//! store's day is its local day, as orders carry it).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod figures;
pub mod period;

pub use figures::{StoreCounts, StoreFigures};
pub use period::Period;
