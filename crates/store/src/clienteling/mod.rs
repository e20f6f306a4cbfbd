//! Clienteling in PostgreSQL (issue #12): the store manager's lapsed list
//! and the store's figures.

mod kpis;
mod lapsed;

pub use kpis::{associate_counts, store_counts};
pub use lapsed::{LapsedClient, lapsed_clients};
