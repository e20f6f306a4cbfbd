//! Clienteling, the pure part (issue #12): the periods a store and its
//! associates are measured over, the figures worked out from what the
//! store counts ([`counting`]), a customer's first two order days ([`FirstOrders`]), the
//! acquisition channels' figures ([`acquisition`]), and the associate's
//! worklist ([`worklist`]).
//!
//! # Invariant
//!
//! Pure: no database, no HTTP, no clock. Days are business days (a
//! store's day is its local day, as orders carry it).
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod acquisition;
pub mod counting;
pub mod figures;
pub mod first_orders;
pub mod period;
pub mod worklist;

pub use acquisition::{AcquisitionGroup, ChannelFigures, GroupCost, channel_figures};
pub use counting::{PeriodFacts, Sales, ThreePeriods};
pub use figures::{StoreCounts, StoreFigures};
pub use first_orders::FirstOrders;
pub use period::Period;
