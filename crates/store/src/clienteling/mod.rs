//! Clienteling in PostgreSQL (issue #12): the store manager's lapsed list.

mod lapsed;

pub use lapsed::{LapsedClient, lapsed_clients};
