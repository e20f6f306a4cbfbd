//! A [`Snapshot`]: every customer's scores and segment as of one date, and
//! [`score_population`], which makes one from facts.

use std::fmt;
use std::num::NonZeroUsize;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::RfmError;
use crate::score::RfmScore;
use crate::scoring::{CustomerFacts, ScoringMethod, score_customers};
use crate::segment::{Segment, SegmentMap};

/// One customer's line in a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotEntry<K> {
    /// The customer.
    pub customer: K,
    /// Their scores.
    pub score: RfmScore,
    /// Their segment under the map used when the snapshot was taken.
    pub segment: Segment,
}

/// Every customer's scores and segment as of one date: entries sorted by
/// customer, each customer once. Segments are kept as they were assigned,
/// so a snapshot loaded back from storage still says what it said even if
/// the segment map has changed since. Serialised as
/// `{"as_of": "2026-05-31", "entries": [...]}`; deserialising sorts and
/// checks again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SnapshotParts<K>")]
#[serde(bound(serialize = "K: Serialize", deserialize = "K: Deserialize<'de> + Ord + fmt::Debug"))]
pub struct Snapshot<K> {
    as_of: NaiveDate,
    entries: Vec<SnapshotEntry<K>>,
}

/// The fields of a [`Snapshot`], unchecked (for serde).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SnapshotParts<K> {
    as_of: NaiveDate,
    entries: Vec<SnapshotEntry<K>>,
}

impl<K: Ord + fmt::Debug> TryFrom<SnapshotParts<K>> for Snapshot<K> {
    type Error = RfmError;

    fn try_from(parts: SnapshotParts<K>) -> Result<Snapshot<K>, RfmError> {
        Snapshot::new(parts.as_of, parts.entries)
    }
}

impl<K: Ord + fmt::Debug> Snapshot<K> {
    /// A snapshot of these entries, in any order (the store loading one it
    /// kept). Refuses a customer that appears twice
    /// ([`RfmError::DuplicateCustomer`]).
    pub fn new(as_of: NaiveDate, mut entries: Vec<SnapshotEntry<K>>) -> Result<Snapshot<K>, RfmError> {
        entries.sort_unstable_by(|a, b| a.customer.cmp(&b.customer));
        if let Some(pair) = entries.windows(2).find(|pair| pair[0].customer == pair[1].customer) {
            return Err(RfmError::DuplicateCustomer(format!("{:?}", pair[0].customer)));
        }
        Ok(Snapshot { as_of, entries })
    }
}

impl<K: Ord> Snapshot<K> {
    /// The date the snapshot is as of.
    pub fn as_of(&self) -> NaiveDate {
        self.as_of
    }

    /// The entries, sorted by customer.
    pub fn entries(&self) -> &[SnapshotEntry<K>] {
        &self.entries
    }

    /// The entries, by value, sorted by customer.
    pub fn into_entries(self) -> Vec<SnapshotEntry<K>> {
        self.entries
    }

    /// The number of customers.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True if there is no customer.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// A customer's entry (binary search).
    pub fn get(&self, customer: &K) -> Option<&SnapshotEntry<K>> {
        self.entries.binary_search_by(|e| e.customer.cmp(customer)).ok().map(|i| &self.entries[i])
    }

    /// How many customers are in each segment, in the order of
    /// [`Segment::ALL`] (empty segments included).
    pub fn segment_counts(&self) -> [(Segment, usize); Segment::COUNT] {
        let mut counts = Segment::ALL.map(|s| (s, 0));
        for entry in &self.entries {
            counts[entry.segment.index()].1 += 1;
        }
        counts
    }
}

/// Scores a population as of a date and maps each customer to a segment.
/// `facts` is the whole population (quintiles are taken over it), in any
/// order: the snapshot is the same for any permutation of the same facts.
///
/// Refuses a last purchase after `as_of` ([`RfmError::PurchaseAfterAsOf`])
/// and a customer that appears twice ([`RfmError::DuplicateCustomer`]).
/// An empty population gives an empty snapshot. `threads` as for
/// [`score_customers`]: the snapshot does not depend on it.
pub fn score_population<K: Ord + Clone + fmt::Debug + Send + Sync>(
    facts: &[CustomerFacts<K>],
    as_of: NaiveDate,
    method: &ScoringMethod,
    map: &SegmentMap,
    threads: NonZeroUsize,
) -> Result<Snapshot<K>, RfmError> {
    // The customers are put in order beside the scoring (sorting the keys
    // themselves: an indirect sort through indexes misses the cache).
    let (scores, keyed) = crate::scoring::both(
        facts.len(),
        threads,
        || score_customers(facts, as_of, method, threads),
        || {
            let mut keyed: Vec<(K, u32)> = facts.iter().map(|f| f.customer.clone()).zip(0_u32..).collect();
            keyed.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            keyed
        },
    );
    let scores = scores?;
    let entries = keyed
        .into_iter()
        .map(|(customer, i)| {
            let score = scores[i as usize];
            SnapshotEntry { customer, score, segment: map.segment(score) }
        })
        .collect();
    Snapshot::new(as_of, entries)
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    const ONE: NonZeroUsize = NonZeroUsize::MIN;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 3, d).unwrap()
    }

    fn fact(customer: &str, d: u32, orders: u32, paid: i64) -> CustomerFacts<String> {
        CustomerFacts { customer: customer.into(), last_purchase: day(d), orders, net_paid: Decimal::new(paid, 0) }
    }

    #[test]
    fn a_population_is_scored_mapped_and_sorted_by_customer() {
        let facts = vec![
            fact("e", 1, 1, 10),
            fact("a", 30, 9, 9000),
            fact("d", 5, 2, 50),
            fact("b", 29, 7, 7000),
            fact("c", 20, 3, 300),
        ];
        let snap = score_population(&facts, day(31), &ScoringMethod::QUINTILES, &SegmentMap::default(), ONE).unwrap();
        assert_eq!(snap.as_of(), day(31));
        assert_eq!(snap.len(), 5);
        let rows: Vec<String> =
            snap.entries().iter().map(|e| format!("{} {} {}", e.customer, e.score, e.segment)).collect();
        assert_eq!(
            rows,
            ["a 555 champions", "b 444 champions", "c 333 need_attention", "d 222 about_to_sleep", "e 111 lost"]
        );
        assert_eq!(snap.get(&"c".to_owned()).unwrap().segment, Segment::NeedAttention);
        assert!(snap.get(&"x".to_owned()).is_none());
        let counts = snap.segment_counts();
        assert_eq!(counts[0], (Segment::Champions, 2));
        assert_eq!(counts.iter().map(|c| c.1).sum::<usize>(), 5);
    }

    #[test]
    fn duplicates_are_refused() {
        let facts = vec![fact("a", 1, 1, 10), fact("b", 1, 1, 10), fact("a", 2, 1, 10)];
        let e = score_population(&facts, day(31), &ScoringMethod::QUINTILES, &SegmentMap::default(), ONE).unwrap_err();
        assert_eq!(e.code(), "duplicate_customer");
        assert_eq!(e.to_string(), "customer \"a\" appears more than once");
    }

    #[test]
    fn an_empty_population_gives_an_empty_snapshot() {
        let snap =
            score_population::<u64>(&[], day(1), &ScoringMethod::QUINTILES, &SegmentMap::default(), ONE).unwrap();
        assert!(snap.is_empty());
        assert!(snap.segment_counts().iter().all(|c| c.1 == 0));
    }

    #[test]
    fn snapshots_round_trip_through_json_and_are_checked() {
        let facts = vec![fact("b", 1, 1, 10), fact("a", 30, 4, 400)];
        let snap = score_population(&facts, day(31), &ScoringMethod::QUINTILES, &SegmentMap::default(), ONE).unwrap();
        let json = serde_json::to_string(&snap).unwrap();
        assert!(json.starts_with(r#"{"as_of":"2026-03-31","entries":[{"customer":"a","score":{"r":"#), "{json}");
        assert_eq!(serde_json::from_str::<Snapshot<String>>(&json).unwrap(), snap);
        let dup = r#"{"as_of":"2026-03-31","entries":[
            {"customer":"a","score":{"r":1,"f":1,"m":1},"segment":"lost"},
            {"customer":"a","score":{"r":1,"f":1,"m":1},"segment":"lost"}]}"#;
        assert!(serde_json::from_str::<Snapshot<String>>(dup).unwrap_err().to_string().contains("more than once"));
    }

    /// Above the size where scoring runs on two threads, the snapshot is
    /// the same on one thread or two and for any order of the input, and it
    /// agrees with the scores computed one customer at a time from the rule.
    #[test]
    fn large_populations_score_the_same_in_parallel() {
        let n = 60_000_u32;
        let facts: Vec<CustomerFacts<u32>> = (0..n)
            .map(|i| {
                let mix = i.wrapping_mul(2_654_435_761);
                CustomerFacts {
                    customer: mix,
                    last_purchase: day(1 + mix % 28),
                    orders: 1 + (mix >> 8) % 7,
                    net_paid: Decimal::new(i64::from((mix >> 4) % 90_000), 2),
                }
            })
            .collect();
        let map = SegmentMap::default();
        let as_of = day(28);
        let two = NonZeroUsize::new(2).unwrap();
        assert!(facts.len() >= crate::scoring::PARALLEL_FROM);
        let a = score_population(&facts, as_of, &ScoringMethod::QUINTILES, &map, two).unwrap();
        assert_eq!(a, score_population(&facts, as_of, &ScoringMethod::QUINTILES, &map, ONE).unwrap());
        let reversed: Vec<_> = facts.iter().rev().cloned().collect();
        assert_eq!(a, score_population(&reversed, as_of, &ScoringMethod::QUINTILES, &map, two).unwrap());
        let mut paid: Vec<Decimal> = facts.iter().map(|f| f.net_paid).collect();
        paid.sort();
        for f in facts.iter().step_by(997) {
            let worse = paid.partition_point(|p| *p < f.net_paid);
            let expected = 1 + 5 * worse / facts.len();
            assert_eq!(usize::from(a.get(&f.customer).unwrap().score.m().get()), expected);
        }
    }
}
