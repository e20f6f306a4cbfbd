//! [`SegmentsError`], the one error type of this crate.

use chrono::NaiveDate;
use clientele_rfm::RfmError;
use clientele_value::ValueError;

/// Why a refresh (or its configuration) was refused. A value model that
/// cannot be fitted is not one of these: the refresh goes on without it and
/// says why in [`Models::error`](crate::Models::error).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentsError {
    /// Histories are summarised in days, so CLV must be too.
    #[error("the CLV time unit must be days")]
    ClvNotInDays,
    /// The window reaches back before the first representable date.
    #[error("no window before {as_of}")]
    NoWindow { as_of: NaiveDate },
    /// A customer's facts contradict each other or the as-of date (named
    /// by the customer's key, as `{:?}` prints it).
    #[error("purchase facts of {customer}: {reason}")]
    InvalidFacts { customer: String, reason: &'static str },
    /// The value models' view of a customer could not be made.
    #[error("value summary of {customer}: {source}")]
    Summary { customer: String, source: ValueError },
    /// RFM scoring refused the population.
    #[error(transparent)]
    Rfm(#[from] RfmError),
}
