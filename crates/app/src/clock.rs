//! The one place the service reads the clock.
//!
//! Times are truncated to microseconds, PostgreSQL's precision, so that what
//! an answer shows is exactly what is stored and what a later read returns.

use chrono::{DateTime, SubsecRound, Utc};

/// Now, at the precision the database keeps.
pub fn now() -> DateTime<Utc> {
    stored(Utc::now())
}

/// A time given by a client, at the precision the database keeps.
pub fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}
