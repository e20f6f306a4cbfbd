//! From per-customer facts to R, F and M scores: by quintiles of the
//! population or by configured thresholds, chosen per dimension.
//!
//! # Quintiles
//!
//! On each dimension a customer's score is
//!
//! ```text
//! score = 1 + floor(5 × worse / n)
//! ```
//!
//! where `n` is the size of the population and `worse` the number of
//! customers strictly worse on that dimension (for recency: more days since
//! the last purchase; for frequency: fewer orders; for monetary: less paid).
//! Equivalently: sort the population from worst to best and cut it at the
//! positions ⌈n/5⌉, ⌈2n/5⌉, ⌈3n/5⌉, ⌈4n/5⌉; a group of equal customers (a
//! *tie group*) is never split, it goes wholly into the quintile where its
//! first (worst-placed) member falls. Hence:
//!
//! - equal values always get equal scores, and the result depends only on
//!   the multiset of values, never on the order of the input;
//! - a strictly better value never gets a lower score;
//! - the worst value of the population always scores 1 (one-time buyers are
//!   F 1 however many there are; a population where everybody is equal on a
//!   dimension scores 1 on it: nobody is better than anybody);
//! - with no ties every quintile holds ⌊n/5⌋ or ⌈n/5⌉ customers; in general
//!   quintile k (0-based) holds its ideal share ⌈(k+1)n/5⌉ − ⌈kn/5⌉ give or
//!   take at most T − 1 customers, where T is the size of the largest tie
//!   group, so two quintiles differ by at most 2T − 1. Heavy ties can leave
//!   quintiles empty (if 60% bought once, F jumps from 1 to 4): configure
//!   thresholds for such a dimension.
//!
//! # Thresholds
//!
//! Four strictly ascending cut points per dimension ([`Thresholds`]):
//!
//! - recency, in days since the last purchase, cut points are the *most*
//!   days that still score 5, 4, 3 and 2: `[30, 90, 180, 365]` gives R 5 up
//!   to 30 days, R 4 up to 90, …, R 1 beyond 365;
//! - frequency and monetary cut points are the *least* value that scores 2,
//!   3, 4 and 5: `[2, 3, 5, 8]` orders gives F 1 for 0–1 orders, F 2 for 2,
//!   …, F 5 from 8. The first frequency cut point must be at least 1, or F 1
//!   could never be reached.
//!
//! # Cost
//!
//! No allocation per customer. Recency and frequency quintiles are a
//! counting sort over the span of days or orders (linear); monetary
//! quintiles one sort of `(amount, index)` pairs, as `i128`s at a common
//! scale whenever the amounts fit (always, for money). A few tens of bytes
//! per customer in all.

use std::cmp::Ordering;
use std::fmt;
use std::num::NonZeroUsize;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::RfmError;
use crate::score::{RfmScore, Score};

/// What the scoring knows of one customer, as the store aggregates it from
/// orders over the scoring window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerFacts<K> {
    /// The customer (the store uses its id).
    pub customer: K,
    /// The date of the customer's last purchase. It may lie before the
    /// window; it must not lie after the as-of date.
    pub last_purchase: NaiveDate,
    /// The number of orders in the window (0 if none).
    pub orders: u32,
    /// The amount paid net of returns in the window, in the base currency;
    /// may be zero or negative.
    pub net_paid: Decimal,
}

/// Four strictly ascending cut points of one dimension (their meaning per
/// dimension is given in the [module documentation](self)). Serialised as
/// the array of four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "[T; 4]", into = "[T; 4]")]
#[serde(bound(serialize = "T: Serialize + Copy", deserialize = "T: Deserialize<'de> + Ord + fmt::Display"))]
pub struct Thresholds<T>([T; 4]);

impl<T: Ord + fmt::Display> Thresholds<T> {
    /// Checks that the cut points are strictly ascending (code
    /// `invalid_thresholds`).
    pub fn new(cuts: [T; 4]) -> Result<Thresholds<T>, RfmError> {
        if cuts.windows(2).all(|w| w[0] < w[1]) {
            Ok(Thresholds(cuts))
        } else {
            let shown: Vec<String> = cuts.iter().map(ToString::to_string).collect();
            Err(RfmError::InvalidThresholds(format!("cut points must be strictly ascending, got {}", shown.join(", "))))
        }
    }
}

impl Thresholds<u32> {
    /// The default frequency bands of [`RfmSettings`](crate::RfmSettings):
    /// F 1 one order, F 2 two, F 3 three or four, F 4 five to seven, F 5
    /// eight or more.
    pub const DEFAULT_FREQUENCY: Thresholds<u32> = Thresholds([2, 3, 5, 8]);
}

impl<T> Thresholds<T> {
    /// The cut points, ascending.
    pub fn cuts(&self) -> &[T; 4] {
        &self.0
    }
}

impl<T: Ord + fmt::Display> TryFrom<[T; 4]> for Thresholds<T> {
    type Error = RfmError;

    fn try_from(cuts: [T; 4]) -> Result<Thresholds<T>, RfmError> {
        Thresholds::new(cuts)
    }
}

impl<T> From<Thresholds<T>> for [T; 4] {
    fn from(t: Thresholds<T>) -> [T; 4] {
        t.0
    }
}

/// How one dimension is scored. Serialised as `"quintiles"` or
/// `{"thresholds": [..4 cut points..]}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[serde(bound(serialize = "T: Serialize + Copy", deserialize = "T: Deserialize<'de> + Ord + fmt::Display"))]
pub enum Scale<T> {
    /// Relative to the population scored together.
    #[default]
    Quintiles,
    /// Against fixed cut points.
    Thresholds(Thresholds<T>),
}

/// How each of the three dimensions is scored. Serialised as
/// `{"recency": …, "frequency": …, "monetary": …}`, each a [`Scale`];
/// deserialising goes through [`ScoringMethod::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "ScoringMethodParts", into = "ScoringMethodParts")]
pub struct ScoringMethod {
    recency: Scale<u32>,
    frequency: Scale<u32>,
    monetary: Scale<Decimal>,
}

/// The fields of a [`ScoringMethod`], unchecked (for serde).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScoringMethodParts {
    recency: Scale<u32>,
    frequency: Scale<u32>,
    monetary: Scale<Decimal>,
}

impl ScoringMethod {
    /// Quintiles on all three dimensions (also the `Default`).
    pub const QUINTILES: ScoringMethod =
        ScoringMethod { recency: Scale::Quintiles, frequency: Scale::Quintiles, monetary: Scale::Quintiles };

    /// A method per dimension: recency thresholds in days since the last
    /// purchase (the most days scoring 5, 4, 3, 2), frequency thresholds in
    /// orders and monetary thresholds in the base currency (the least value
    /// scoring 2, 3, 4, 5). Refuses a first frequency cut point of 0, which
    /// would leave F 1 unreachable (code `invalid_thresholds`).
    pub fn new(
        recency: Scale<u32>,
        frequency: Scale<u32>,
        monetary: Scale<Decimal>,
    ) -> Result<ScoringMethod, RfmError> {
        if let Scale::Thresholds(t) = frequency
            && t.cuts()[0] == 0
        {
            return Err(RfmError::InvalidThresholds(
                "the first frequency cut point must be at least 1 order, or no customer could score F 1".into(),
            ));
        }
        Ok(ScoringMethod { recency, frequency, monetary })
    }

    /// How recency is scored (thresholds in days).
    pub fn recency(&self) -> &Scale<u32> {
        &self.recency
    }

    /// How frequency is scored (thresholds in orders).
    pub fn frequency(&self) -> &Scale<u32> {
        &self.frequency
    }

    /// How monetary value is scored (thresholds in the base currency).
    pub fn monetary(&self) -> &Scale<Decimal> {
        &self.monetary
    }
}

impl TryFrom<ScoringMethodParts> for ScoringMethod {
    type Error = RfmError;

    fn try_from(p: ScoringMethodParts) -> Result<ScoringMethod, RfmError> {
        ScoringMethod::new(p.recency, p.frequency, p.monetary)
    }
}

impl From<ScoringMethod> for ScoringMethodParts {
    fn from(m: ScoringMethod) -> ScoringMethodParts {
        ScoringMethodParts { recency: m.recency, frequency: m.frequency, monetary: m.monetary }
    }
}

/// Days from `last_purchase` to `as_of` (0 if the same day), or `None` if
/// the purchase is after `as_of`.
pub fn recency_days(last_purchase: NaiveDate, as_of: NaiveDate) -> Option<u32> {
    let days = i64::from(as_of.num_days_from_ce()) - i64::from(last_purchase.num_days_from_ce());
    // Two NaiveDates are less than 2^32 days apart, so this never saturates.
    if days < 0 { None } else { Some(u32::try_from(days).unwrap_or(u32::MAX)) }
}

/// Scores every customer, in the order of `facts` (the result has one
/// score per fact, at the same position). Quintile dimensions are ranked
/// over the whole slice, which is the population.
///
/// Refuses a last purchase after `as_of` ([`RfmError::PurchaseAfterAsOf`]:
/// the facts were aggregated for another date) and a population of more
/// than `u32::MAX` customers. Duplicate customers are not looked for here
/// (see [`score_population`](crate::score_population)). An empty
/// population gives an empty result.
///
/// `threads` is how many threads the caller lets it use (two at most are
/// used, from [`PARALLEL_FROM`] customers on); the scores are the same
/// whatever it is.
pub fn score_customers<K: fmt::Debug + Sync>(
    facts: &[CustomerFacts<K>],
    as_of: NaiveDate,
    method: &ScoringMethod,
    threads: NonZeroUsize,
) -> Result<Vec<RfmScore>, RfmError> {
    if u32::try_from(facts.len()).is_err() {
        return Err(RfmError::PopulationTooLarge(facts.len()));
    }
    let mut days = Vec::with_capacity(facts.len());
    for fact in facts {
        match recency_days(fact.last_purchase, as_of) {
            Some(d) => days.push(d),
            None => {
                return Err(RfmError::PurchaseAfterAsOf {
                    customer: format!("{:?}", fact.customer),
                    last_purchase: fact.last_purchase,
                    as_of,
                });
            }
        }
    }
    let recency_and_frequency = || {
        let r: Vec<Score> = match method.recency() {
            // Fewer days is better: rank on the complement.
            Scale::Quintiles => quintiles_of_u32(days.iter().map(|d| u32::MAX - d)),
            Scale::Thresholds(t) => days.iter().map(|d| Score::from_steps(4 - steps_at_most(t, d))).collect(),
        };
        let f: Vec<Score> = match method.frequency() {
            Scale::Quintiles => quintiles_of_u32(facts.iter().map(|fact| fact.orders)),
            Scale::Thresholds(t) => {
                facts.iter().map(|fact| Score::from_steps(steps_at_least(t, &fact.orders))).collect()
            }
        };
        (r, f)
    };
    let monetary = || match method.monetary() {
        Scale::Quintiles => monetary_quintiles(facts),
        Scale::Thresholds(t) => facts.iter().map(|fact| Score::from_steps(steps_at_least(t, &fact.net_paid))).collect(),
    };
    let ((r, f), m) = both(facts.len(), threads, recency_and_frequency, monetary);
    Ok(r.into_iter().zip(f).zip(m).map(|((r, f), m)| RfmScore::new(r, f, m)).collect())
}

/// Below this many customers the two halves of the work run one after the
/// other: a thread costs more than it saves.
pub const PARALLEL_FROM: usize = 50_000;

/// Runs `a` and `b`, on two threads when there are at least
/// [`PARALLEL_FROM`] customers and the caller allows a second thread. The
/// results do not depend on which way they ran.
pub(crate) fn both<A: Send, B: Send>(
    customers: usize,
    threads: NonZeroUsize,
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    if customers < PARALLEL_FROM || threads.get() < 2 {
        return (a(), b());
    }
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let first = a();
        match other.join() {
            Ok(second) => (first, second),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// How many cut points `value` reaches (is at least).
fn steps_at_least<T: Ord>(t: &Thresholds<T>, value: &T) -> usize {
    t.cuts().iter().filter(|cut| value >= *cut).count()
}

/// How many cut points `value` exceeds.
fn steps_at_most<T: Ord>(t: &Thresholds<T>, value: &T) -> usize {
    t.cuts().iter().filter(|cut| value > *cut).count()
}

/// The score of the customer at sorted position `worse` (the number of
/// customers strictly worse) in a population of `n`.
fn quintile_at(worse: usize, n: usize) -> Score {
    // 5 × worse < 5n fits u128 for any usize.
    let fifth = 5 * worse as u128 / n as u128;
    Score::from_steps(usize::try_from(fifth).unwrap_or(4))
}

/// Quintile scores of whole numbers (higher is better), in input order.
///
/// When the values span no more than `max(n, 65,536)` consecutive numbers
/// (days, order counts: always, in practice) this is a counting sort: the
/// customers worse than a value are the counts of the values below it, in
/// O(n + span) and without sorting. Otherwise the `(value, index)` pairs
/// are sorted. Both give `1 + ⌊5 × worse / n⌋`.
fn quintiles_of_u32(values: impl ExactSizeIterator<Item = u32> + Clone) -> Vec<Score> {
    let n = values.len();
    let (Some(min), Some(max)) = (values.clone().min(), values.clone().max()) else {
        return Vec::new();
    };
    let span = usize::try_from(max - min).ok().and_then(|s| s.checked_add(1)).unwrap_or(usize::MAX);
    if span > n.max(1 << 16) {
        // Indices fit u32: checked by the caller.
        return quintiles_of_pairs(values.zip(0_u32..).collect(), n, u32::cmp);
    }
    let mut counts = vec![0_usize; span];
    for v in values.clone() {
        counts[(v - min) as usize] += 1;
    }
    let mut worse = 0;
    let score_of: Vec<Score> = counts
        .iter()
        .map(|count| {
            let score = quintile_at(worse, n);
            worse += count;
            score
        })
        .collect();
    values.map(|v| score_of[(v - min) as usize]).collect()
}

/// Quintile scores from `(value, input index)` pairs, with `cmp` the order
/// of values (higher is better).
fn quintiles_of_pairs<T: Copy>(mut pairs: Vec<(T, u32)>, n: usize, cmp: impl Fn(&T, &T) -> Ordering) -> Vec<Score> {
    pairs.sort_unstable_by(|a, b| cmp(&a.0, &b.0));
    let mut scores = vec![Score::MIN; n];
    let mut start = 0;
    while start < n {
        let value = pairs[start].0;
        let mut end = start + 1;
        while end < n && cmp(&pairs[end].0, &value) == Ordering::Equal {
            end += 1;
        }
        let score = quintile_at(start, n);
        for &(_, index) in &pairs[start..end] {
            scores[index as usize] = score;
        }
        start = end;
    }
    scores
}

/// Monetary quintiles. When every amount can be written with the largest
/// scale in use as an `i64` (always, for real money) the amounts are
/// ranked as those integers, which sorts several times faster than
/// `Decimal`; otherwise as `Decimal`s. Both orders are the numeric order,
/// so the scores are the same.
fn monetary_quintiles<K>(facts: &[CustomerFacts<K>]) -> Vec<Score> {
    let n = facts.len();
    let scale = facts.iter().map(|f| f.net_paid.scale()).max().unwrap_or(0);
    // Pairs of 16 bytes sort about twice as fast as pairs of 32.
    let mut pairs: Vec<(i64, u32)> = Vec::with_capacity(n);
    for (fact, index) in facts.iter().zip(0_u32..) {
        let up = scale - fact.net_paid.scale();
        match 10_i128
            .checked_pow(up)
            .and_then(|factor| fact.net_paid.mantissa().checked_mul(factor))
            .and_then(|units| i64::try_from(units).ok())
        {
            Some(units) => pairs.push((units, index)),
            None => {
                return quintiles_of_pairs(
                    facts.iter().zip(0_u32..).map(|(f, i)| (f.net_paid, i)).collect(),
                    n,
                    Decimal::cmp,
                );
            }
        }
    }
    quintiles_of_pairs(pairs, n, i64::cmp)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONE: NonZeroUsize = NonZeroUsize::MIN;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, d).unwrap()
    }

    fn facts(rows: &[(u32, u32, i64)]) -> Vec<CustomerFacts<usize>> {
        rows.iter()
            .enumerate()
            .map(|(i, &(d, orders, cents))| CustomerFacts {
                customer: i,
                last_purchase: day(d),
                orders,
                net_paid: Decimal::new(cents, 2),
            })
            .collect()
    }

    fn scores_of(values: &[u32]) -> Vec<u8> {
        quintiles_of_u32(values.iter().copied()).into_iter().map(Score::get).collect()
    }

    #[test]
    fn quintiles_without_ties_cut_into_fifths() {
        assert_eq!(scores_of(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
        // Input order does not matter.
        assert_eq!(scores_of(&[10, 1, 9, 2, 8, 3, 7, 4, 6, 5]), [5, 1, 5, 1, 4, 2, 4, 2, 3, 3]);
        // n = 7: cuts at ⌈7/5⌉=2, ⌈14/5⌉=3, ⌈21/5⌉=5, ⌈28/5⌉=6 → sizes 2, 1, 2, 1, 1.
        assert_eq!(scores_of(&[1, 2, 3, 4, 5, 6, 7]), [1, 1, 2, 3, 3, 4, 5]);
        // Fewer than five customers: some scores stay empty, the best is not always 5.
        assert_eq!(scores_of(&[1, 2, 3]), [1, 2, 4]);
        assert_eq!(scores_of(&[42]), [1]);
        assert_eq!(scores_of(&[]), Vec::<u8>::new());
    }

    #[test]
    fn counting_and_sorting_give_the_same_scores() {
        // The same ranking, once within a narrow span (counted) and once
        // spread far apart (sorted).
        let mut rng = clientele_kernel::random::SplitMix64::new(7);
        let narrow: Vec<u32> = (0..500).map(|_| rng.below(40) as u32).collect();
        let wide: Vec<u32> = narrow.iter().map(|v| v * 100_000_000).collect();
        assert_eq!(scores_of(&narrow), scores_of(&wide));
        assert_eq!(scores_of(&[0, u32::MAX, 5]), [1, 4, 2]);
    }

    #[test]
    fn an_all_equal_population_scores_one() {
        assert_eq!(scores_of(&[7; 6]), [1; 6]);
    }

    #[test]
    fn heavy_ties_are_never_split() {
        // 6 of 10 bought once: all F 1; the 2-order pair starts at position 6 → 1 + ⌊30/10⌋ = 4.
        assert_eq!(scores_of(&[1, 1, 1, 1, 1, 1, 2, 2, 3, 9]), [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]);
        // A tie group straddling a cut goes where its first member falls.
        assert_eq!(scores_of(&[1, 2, 2, 2, 3, 4, 5, 6, 7, 8]), [1, 1, 1, 1, 3, 3, 4, 4, 5, 5]);
        // Ties at the top.
        assert_eq!(scores_of(&[1, 2, 3, 4, 5, 9, 9, 9, 9, 9]), [1, 1, 2, 2, 3, 3, 3, 3, 3, 3]);
    }

    #[test]
    fn recency_prefers_fewer_days_and_refuses_the_future() {
        let as_of = day(31);
        let rows = facts(&[(31, 1, 100), (30, 1, 100), (20, 1, 100), (10, 1, 100), (1, 1, 100)]);
        let r: Vec<u8> = score_customers(&rows, as_of, &ScoringMethod::QUINTILES, ONE)
            .unwrap()
            .iter()
            .map(|s| s.r().get())
            .collect();
        assert_eq!(r, [5, 4, 3, 2, 1]);
        let e = score_customers(&facts(&[(31, 1, 1)]), day(30), &ScoringMethod::QUINTILES, ONE).unwrap_err();
        assert_eq!(e.code(), "purchase_after_as_of");
        assert_eq!(e.to_string(), "customer 0: last purchase 2026-01-31 is after the as-of date 2026-01-30");
        assert_eq!(recency_days(day(30), day(30)), Some(0));
        assert_eq!(recency_days(day(1), day(30)), Some(29));
        assert_eq!(recency_days(day(2), day(1)), None);
        assert_eq!(recency_days(NaiveDate::MIN, NaiveDate::MAX).map(|d| d > 100_000_000), Some(true));
    }

    #[test]
    fn monetary_ties_across_scales_and_negative_amounts() {
        let rows = vec![
            CustomerFacts { customer: 0, last_purchase: day(1), orders: 1, net_paid: Decimal::new(100, 0) },
            CustomerFacts { customer: 1, last_purchase: day(1), orders: 1, net_paid: Decimal::new(10000, 2) },
            CustomerFacts { customer: 2, last_purchase: day(1), orders: 1, net_paid: Decimal::new(-5, 1) },
            CustomerFacts { customer: 3, last_purchase: day(1), orders: 1, net_paid: Decimal::ZERO },
            CustomerFacts { customer: 4, last_purchase: day(1), orders: 1, net_paid: Decimal::new(1000001, 4) },
        ];
        let m: Vec<u8> = monetary_quintiles(&rows).into_iter().map(Score::get).collect();
        assert_eq!(m, [3, 3, 1, 2, 5]);
        // Amounts too large for a common i128 scale fall back to Decimal order.
        let mut huge = rows.clone();
        huge[4].net_paid = Decimal::MAX;
        huge[2].net_paid = Decimal::new(-1, 28);
        let m: Vec<u8> = monetary_quintiles(&huge).into_iter().map(Score::get).collect();
        assert_eq!(m, [3, 3, 1, 2, 5]);
    }

    #[test]
    fn thresholds_score_each_dimension_on_its_own_scale() {
        let method = ScoringMethod::new(
            Scale::Thresholds(Thresholds::new([30, 90, 180, 365]).unwrap()),
            Scale::Thresholds(Thresholds::new([2, 3, 5, 8]).unwrap()),
            Scale::Thresholds(
                Thresholds::new([Decimal::ZERO, Decimal::new(1000, 0), Decimal::new(5000, 0), Decimal::new(20000, 0)])
                    .unwrap(),
            ),
        )
        .unwrap();
        let as_of = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        let ago = |d: u64| as_of - chrono::Days::new(d);
        let rows: Vec<CustomerFacts<u8>> = [
            (0, 8, Decimal::new(20000, 0)),
            (30, 7, Decimal::new(19999, 0)),
            (31, 5, Decimal::new(5000, 0)),
            (90, 3, Decimal::new(1000, 0)),
            (91, 2, Decimal::ZERO),
            (365, 1, Decimal::new(-1, 2)),
            (366, 0, Decimal::new(-500, 0)),
        ]
        .into_iter()
        .zip(0..)
        .map(|((d, orders, net_paid), customer)| CustomerFacts { customer, last_purchase: ago(d), orders, net_paid })
        .collect();
        let got: Vec<String> =
            score_customers(&rows, as_of, &method, ONE).unwrap().iter().map(|s| s.to_string()).collect();
        assert_eq!(got, ["555", "544", "444", "433", "322", "211", "111"]);
    }

    #[test]
    fn thresholds_are_checked() {
        assert_eq!(Thresholds::new([1, 2, 2, 3]).unwrap_err().code(), "invalid_thresholds");
        assert!(Thresholds::new([4, 3, 2, 1]).unwrap_err().to_string().contains("4, 3, 2, 1"));
        let zero_first = Scale::Thresholds(Thresholds::new([0, 1, 2, 3]).unwrap());
        let e = ScoringMethod::new(Scale::Quintiles, zero_first, Scale::Quintiles).unwrap_err();
        assert_eq!(e.code(), "invalid_thresholds");
        // Recency may start at 0 days (bought on the as-of date).
        let today = Scale::Thresholds(Thresholds::new([0, 1, 2, 3]).unwrap());
        assert!(ScoringMethod::new(today, Scale::Quintiles, Scale::Quintiles).is_ok());
    }

    #[test]
    fn methods_serialise_and_are_checked_on_the_way_in() {
        let json = r#"{"recency":{"thresholds":[30,90,180,365]},"frequency":"quintiles","monetary":{"thresholds":["0","1000.50","5000","20000"]}}"#;
        let method: ScoringMethod = serde_json::from_str(json).unwrap();
        assert_eq!(method.frequency(), &Scale::Quintiles);
        assert_eq!(serde_json::to_string(&method).unwrap(), json);
        assert_eq!(ScoringMethod::default(), ScoringMethod::QUINTILES);
        let bad = r#"{"recency":{"thresholds":[30,30,180,365]},"frequency":"quintiles","monetary":"quintiles"}"#;
        assert!(serde_json::from_str::<ScoringMethod>(bad).unwrap_err().to_string().contains("strictly ascending"));
        let bad = r#"{"recency":"quintiles","frequency":{"thresholds":[0,1,2,3]},"monetary":"quintiles"}"#;
        assert!(serde_json::from_str::<ScoringMethod>(bad).unwrap_err().to_string().contains("at least 1"));
    }

    #[test]
    fn an_empty_population_scores_nobody() {
        let none: Vec<CustomerFacts<u8>> = Vec::new();
        assert_eq!(score_customers(&none, day(1), &ScoringMethod::QUINTILES, ONE).unwrap(), Vec::new());
    }
}
