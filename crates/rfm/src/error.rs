//! [`RfmError`]: why a value, a configuration or a scoring run was refused,
//! each with a stable machine-readable code for the API's error table.

use std::fmt;

use chrono::NaiveDate;

use crate::score::RfmScore;
use crate::segment::Segment;

/// Why something was refused. Nothing was computed: the caller's data is as
/// it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RfmError {
    /// A score outside 1..=5.
    #[error("a score must be between 1 and 5, got {0}")]
    InvalidScore(u8),
    /// A score range whose minimum is above its maximum.
    #[error("a score range must not end ({max}) before it starts ({min})")]
    InvalidScoreRange {
        /// The lower end given.
        min: u8,
        /// The upper end given.
        max: u8,
    },
    /// A segment code that is not one of the eleven.
    #[error("unknown segment {0:?}; must be one of: {list}", list = Segment::codes_joined())]
    UnknownSegment(String),
    /// Threshold cut points that are not strictly ascending, or that leave a
    /// score unreachable.
    #[error("invalid thresholds: {0}")]
    InvalidThresholds(String),
    /// An RFM setting out of its range; `field` names it (`window_months`,
    /// `recency_days`, `frequency`, `monetary`, `new_customer_days`).
    #[error("{field}: {reason}")]
    InvalidSetting {
        /// The setting refused.
        field: &'static str,
        /// Why, in words.
        reason: String,
    },
    /// The window of the as-of date would start before the calendar does.
    #[error("no scoring window ends on {as_of}")]
    NoWindow {
        /// The date scored as of.
        as_of: NaiveDate,
    },
    /// A customer's first purchase is after their last.
    #[error("customer {customer}: the first purchase is after the last")]
    FirstAfterLast {
        /// The customer (its key, as `Debug` shows it).
        customer: String,
    },
    /// A segment map that leaves a score combination unassigned, assigns one
    /// to two segments, or never assigns some segment.
    #[error("invalid segment map: {0}")]
    InvalidSegmentMap(SegmentMapProblems),
    /// A customer's last purchase is after the date the population is scored
    /// as of: the facts and the date do not belong together.
    #[error("customer {customer}: last purchase {last_purchase} is after the as-of date {as_of}")]
    PurchaseAfterAsOf {
        /// The customer (its key, as `Debug` shows it).
        customer: String,
        /// Their last purchase date.
        last_purchase: NaiveDate,
        /// The date scored as of.
        as_of: NaiveDate,
    },
    /// The same customer appears more than once in a population or snapshot.
    #[error("customer {0} appears more than once")]
    DuplicateCustomer(String),
    /// More customers than the engine ranks in one run (over 4,294,967,295).
    #[error("a population of {0} customers is too large to rank in one run")]
    PopulationTooLarge(usize),
    /// Transitions were asked from a snapshot to an earlier one.
    #[error("the snapshot of {from} is later than the snapshot of {to}; pass the earlier one first")]
    SnapshotsOutOfOrder {
        /// The `from` snapshot's date.
        from: NaiveDate,
        /// The `to` snapshot's date.
        to: NaiveDate,
    },
}

impl RfmError {
    /// A stable machine-readable code (the API serves it as it is).
    pub fn code(&self) -> &'static str {
        match self {
            RfmError::InvalidScore(_) => "invalid_score",
            RfmError::InvalidScoreRange { .. } => "invalid_score_range",
            RfmError::UnknownSegment(_) => "unknown_segment",
            RfmError::InvalidThresholds(_) => "invalid_thresholds",
            RfmError::InvalidSegmentMap(_) => "invalid_segment_map",
            RfmError::InvalidSetting { .. } => "invalid_setting",
            RfmError::NoWindow { .. } => "no_window",
            RfmError::FirstAfterLast { .. } => "first_after_last",
            RfmError::PurchaseAfterAsOf { .. } => "purchase_after_as_of",
            RfmError::DuplicateCustomer(_) => "duplicate_customer",
            RfmError::PopulationTooLarge(_) => "population_too_large",
            RfmError::SnapshotsOutOfOrder { .. } => "snapshots_out_of_order",
        }
    }
}

/// Two or more segments claim the same score combination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentConflict {
    /// The combination.
    pub score: RfmScore,
    /// The segments that claim it, in the order of their rules.
    pub segments: Vec<Segment>,
}

/// Everything wrong with a segment map, so that one answer lists it all.
/// At least one list is non-empty.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SegmentMapProblems {
    /// Combinations no rule assigns, in (r, f, m) order.
    pub unassigned: Vec<RfmScore>,
    /// Combinations that rules for different segments both claim.
    pub conflicts: Vec<SegmentConflict>,
    /// Segments that no combination is assigned to.
    pub unreachable: Vec<Segment>,
}

impl SegmentMapProblems {
    /// True when there is nothing to report.
    pub fn is_empty(&self) -> bool {
        self.unassigned.is_empty() && self.conflicts.is_empty() && self.unreachable.is_empty()
    }
}

/// At most this many items of a list are spelled out in a message.
const SHOWN: usize = 10;

fn write_list<T>(f: &mut fmt::Formatter<'_>, items: &[T], each: impl Fn(&T) -> String) -> fmt::Result {
    let shown: Vec<String> = items.iter().take(SHOWN).map(each).collect();
    f.write_str(&shown.join(", "))?;
    if items.len() > SHOWN { write!(f, ", … ({} in all)", items.len()) } else { Ok(()) }
}

impl fmt::Display for SegmentMapProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut separate = |f: &mut fmt::Formatter<'_>| {
            let sep = if first { "" } else { "; " };
            first = false;
            f.write_str(sep)
        };
        if !self.unassigned.is_empty() {
            separate(f)?;
            f.write_str("combinations assigned to no segment (r f m): ")?;
            write_list(f, &self.unassigned, RfmScore::to_string)?;
        }
        if !self.conflicts.is_empty() {
            separate(f)?;
            f.write_str("combinations assigned to more than one segment: ")?;
            write_list(f, &self.conflicts, |c| {
                let names: Vec<&str> = c.segments.iter().map(|s| s.code()).collect();
                format!("{} ({})", c.score, names.join(" and "))
            })?;
        }
        if !self.unreachable.is_empty() {
            separate(f)?;
            f.write_str("segments no combination is assigned to: ")?;
            write_list(f, &self.unreachable, |s| s.code().to_owned())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::score::Score;

    #[test]
    fn codes_are_stable_and_messages_name_the_values() {
        let e = RfmError::InvalidScore(7);
        assert_eq!(e.code(), "invalid_score");
        assert_eq!(e.to_string(), "a score must be between 1 and 5, got 7");
        let as_of = NaiveDate::from_ymd_opt(2026, 5, 1).unwrap();
        let e = RfmError::PurchaseAfterAsOf {
            customer: "42".into(),
            last_purchase: NaiveDate::from_ymd_opt(2026, 5, 2).unwrap(),
            as_of,
        };
        assert_eq!(e.code(), "purchase_after_as_of");
        assert_eq!(e.to_string(), "customer 42: last purchase 2026-05-02 is after the as-of date 2026-05-01");
        let e = RfmError::UnknownSegment("vip".into());
        assert_eq!(e.code(), "unknown_segment");
        assert!(e.to_string().contains("cant_lose_them"));
    }

    #[test]
    fn map_problems_list_everything_and_cut_long_lists() {
        let one = Score::new(1).unwrap();
        let five = Score::new(5).unwrap();
        let problems = SegmentMapProblems {
            unassigned: vec![RfmScore::new(one, one, one); 12],
            conflicts: vec![SegmentConflict {
                score: RfmScore::new(five, five, five),
                segments: vec![Segment::Champions, Segment::LoyalCustomers],
            }],
            unreachable: vec![Segment::Promising],
        };
        let text = RfmError::InvalidSegmentMap(problems.clone()).to_string();
        assert!(text.contains("111, 111"), "{text}");
        assert!(text.contains("(12 in all)"), "{text}");
        assert!(text.contains("555 (champions and loyal_customers)"), "{text}");
        assert!(text.contains("segments no combination is assigned to: promising"), "{text}");
        assert!(!problems.is_empty());
        assert!(SegmentMapProblems::default().is_empty());
    }
}
