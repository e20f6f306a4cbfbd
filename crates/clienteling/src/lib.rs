//! Clienteling, the pure part (issue #12): the periods a store and its
//! associates are measured over, the figures worked out from what the
//! store counts, and the associate's worklist ([`worklist`]).
//!
//! # Invariant
//!
//! Pure: no database, no HTTP, no clock. Days are business days (a
//! store's day is its local day, as orders carry it).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod figures;
pub mod period;
pub mod worklist;

pub use figures::{StoreCounts, StoreFigures};
pub use period::Period;
