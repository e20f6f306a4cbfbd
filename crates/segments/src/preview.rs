//! [`preview`]: what candidate RFM settings would do to a snapshot — each
//! segment's size now and under the candidate, and who would move where —
//! with nothing written.

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::hash::Hash;
use std::num::NonZeroUsize;

use chrono::NaiveDate;
use clientele_rfm::{PurchaseSummary, RfmError, RfmSettings, Segment, SegmentMap, segment_customers};

use crate::{PurchaseFacts, SegmentsError};

/// How many customers move from one segment to another (None: not in that
/// side's snapshot).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreviewCell {
    pub from: Option<Segment>,
    pub to: Option<Segment>,
    pub customers: usize,
}

/// A preview's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    pub as_of: NaiveDate,
    /// Customers per segment in the stored snapshot, in the order of
    /// [`Segment::ALL`].
    pub current: [(Segment, usize); Segment::COUNT],
    /// Customers per segment under the candidate settings.
    pub candidate: [(Segment, usize); Segment::COUNT],
    /// The non-empty cells of the matrix stored → candidate, ordered by
    /// (from, to) with None last.
    pub cells: Vec<PreviewCell>,
}

/// Scores `facts` (the population as of `as_of`, as the refresh reads it)
/// under `settings` and the default segment map, and compares each
/// customer's segment with `current` (the stored snapshot of `as_of`).
pub fn preview<K: Hash + Eq + fmt::Debug>(
    facts: Vec<PurchaseFacts<K>>,
    as_of: NaiveDate,
    settings: &RfmSettings,
    current: Vec<(K, Segment)>,
    threads: NonZeroUsize,
) -> Result<Preview, SegmentsError> {
    if u32::try_from(facts.len()).is_err() {
        return Err(RfmError::PopulationTooLarge(facts.len()).into());
    }
    let mut keys = Vec::with_capacity(facts.len());
    let summaries: Vec<PurchaseSummary<u32>> = facts
        .into_iter()
        .map(|f| {
            // Keyed by position (fits u32: checked above).
            let summary = f.summary(keys.len() as u32);
            keys.push(f.customer);
            summary
        })
        .collect();
    let scored = segment_customers(&summaries, as_of, settings, &SegmentMap::default(), threads)?;
    let mut before: HashMap<K, Segment> = current.into_iter().collect();
    let mut current_counts = Segment::ALL.map(|s| (s, 0_usize));
    for segment in before.values() {
        current_counts[segment.index()].1 += 1;
    }
    let mut candidate_counts = Segment::ALL.map(|s| (s, 0_usize));
    // Keyed by index so that None sorts after every segment.
    let index = |s: Option<Segment>| s.map_or(Segment::COUNT, Segment::index);
    let mut moves: BTreeMap<(usize, usize), PreviewCell> = BTreeMap::new();
    let mut count = |from: Option<Segment>, to: Option<Segment>| {
        moves.entry((index(from), index(to))).or_insert(PreviewCell { from, to, customers: 0 }).customers += 1;
    };
    for (key, (_, segment)) in keys.into_iter().zip(scored) {
        candidate_counts[segment.index()].1 += 1;
        count(before.remove(&key), Some(segment));
    }
    for (_, segment) in before {
        count(Some(segment), None);
    }
    Ok(Preview { as_of, current: current_counts, candidate: candidate_counts, cells: moves.into_values().collect() })
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn facts(customer: &'static str, first: NaiveDate, last: NaiveDate, orders: u32) -> PurchaseFacts<&'static str> {
        PurchaseFacts {
            customer,
            first_day: first,
            last_day: last,
            purchase_days: orders,
            window_orders: orders,
            window_net: Decimal::from(orders * 1000),
            total_orders: orders,
            total_net: Decimal::from(orders * 1000),
            first_day_net: Decimal::from(1000),
        }
    }

    #[test]
    fn a_preview_counts_both_sides_and_every_move() {
        let as_of = day(2026, 6, 30);
        let population = vec![
            facts("new", day(2026, 6, 1), day(2026, 6, 1), 1),
            facts("old", day(2024, 1, 1), day(2026, 6, 1), 1),
            facts("gone", day(2020, 1, 1), day(2021, 1, 1), 1),
        ];
        let current = vec![
            ("new", Segment::NewCustomers),
            ("old", Segment::NewCustomers),
            ("gone", Segment::Lost),
            ("erased", Segment::Champions),
        ];
        let p = preview(population, as_of, &RfmSettings::default(), current, NonZeroUsize::MIN).unwrap();
        assert_eq!(p.current[Segment::NewCustomers.index()].1, 2);
        assert_eq!(p.candidate[Segment::NewCustomers.index()].1, 1);
        assert_eq!(p.candidate[Segment::Promising.index()].1, 1);
        let cells: Vec<_> = p.cells.iter().map(|c| (c.from, c.to, c.customers)).collect();
        assert_eq!(
            cells,
            [
                (Some(Segment::Champions), None, 1),
                (Some(Segment::NewCustomers), Some(Segment::NewCustomers), 1),
                (Some(Segment::NewCustomers), Some(Segment::Promising), 1),
                (Some(Segment::Lost), Some(Segment::Lost), 1),
            ]
        );
        assert_eq!(p.cells.iter().map(|c| c.customers).sum::<usize>(), 4);
    }
}
