//! [`AffinityError`]: why an input was refused, each with a stable
//! machine-readable code for the API's error table.

use chrono::NaiveDate;

/// Why something was refused. Nothing was computed: the caller's data is as
/// it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AffinityError {
    /// A window whose first day is after its last.
    #[error("a window must not end ({to}) before it starts ({from})")]
    WindowReversed {
        /// The first day given.
        from: NaiveDate,
        /// The last day given.
        to: NaiveDate,
    },
    /// A minimum of shared baskets of 0: every pair of items would be a rule.
    #[error("the minimum of shared baskets must be at least 1")]
    ZeroMinShared,
    /// More distinct items than fit in an [`ItemId`](crate::ItemId)
    /// (over 4,294,967,295).
    #[error("more than 4,294,967,295 distinct items")]
    TooManyItems,
    /// More baskets than the counts can hold (over 4,294,967,295).
    #[error("{0} baskets are too many to count in one run")]
    TooManyBaskets(usize),
    /// More item lines than one run can index (over 4,294,967,295 items in
    /// all baskets, once items too rare for any rule are dropped).
    #[error("{0} item lines are too many to count in one run")]
    TooManyLines(usize),
    /// Pair counts that cannot come from real baskets: a pair shared by
    /// more baskets than hold one of its items, or an item in more baskets
    /// than there are.
    #[error(
        "impossible counts: {shared} shared, {antecedent} and {consequent} baskets with each item, {baskets} baskets"
    )]
    ImpossibleCounts {
        /// Baskets with both items.
        shared: u32,
        /// Baskets with the antecedent.
        antecedent: u32,
        /// Baskets with the consequent.
        consequent: u32,
        /// Baskets in all.
        baskets: u32,
    },
    /// A rule from an item to itself.
    #[error("a rule must lead from one item to another, not to itself")]
    SelfRule,
    /// The same antecedent → consequent given twice in one set of rules.
    #[error("the same rule (antecedent → consequent) is given more than once")]
    DuplicateRule,
}

impl AffinityError {
    /// A stable machine-readable code (the API serves it as it is).
    pub fn code(&self) -> &'static str {
        match self {
            AffinityError::WindowReversed { .. } => "window_reversed",
            AffinityError::ZeroMinShared => "zero_min_shared",
            AffinityError::TooManyItems => "too_many_items",
            AffinityError::TooManyBaskets(_) => "too_many_baskets",
            AffinityError::TooManyLines(_) => "too_many_lines",
            AffinityError::ImpossibleCounts { .. } => "impossible_counts",
            AffinityError::SelfRule => "self_rule",
            AffinityError::DuplicateRule => "duplicate_rule",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_values() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let e = AffinityError::WindowReversed { from: day(9), to: day(2) };
        assert_eq!(e.code(), "window_reversed");
        assert_eq!(e.to_string(), "a window must not end (2026-10-02) before it starts (2026-10-09)");
        let e = AffinityError::ImpossibleCounts { shared: 5, antecedent: 4, consequent: 9, baskets: 10 };
        assert_eq!(e.code(), "impossible_counts");
        assert!(e.to_string().contains("5 shared, 4 and 9 baskets with each item, 10 baskets"));
        assert_eq!(AffinityError::ZeroMinShared.code(), "zero_min_shared");
        assert_eq!(AffinityError::TooManyBaskets(7).to_string(), "7 baskets are too many to count in one run");
    }
}
