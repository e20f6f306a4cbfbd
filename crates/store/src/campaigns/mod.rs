//! Campaigns in PostgreSQL. So far: an audience rule compiled to SQL
//! ([`select_audience`]), and the facts the pure evaluator reads
//! ([`audience_facts`]) — two independent readings of the same rule that a
//! property test holds equal.

mod audience;
mod facts;

pub use audience::{count_audience, select_audience};
pub use facts::audience_facts;
