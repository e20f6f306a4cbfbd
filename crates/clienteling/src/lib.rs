//! Clienteling, the pure part (issue #12): the periods a store and its
//! associates are measured over.
//!
//! # Invariant
//!
//! Pure: no database, no HTTP, no clock. Days are business days (a
//! store's day is its local day, as orders carry it).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod period;

pub use period::Period;
