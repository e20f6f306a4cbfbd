//! The rules of RFM scoring, segment maps and transitions, stated as
//! properties (SPEC §5). Populations are small (up to 80 customers) and
//! drawn from narrow ranges so that ties are common.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::num::NonZeroUsize;

use chrono::{Days, NaiveDate};
use clientele_rfm::{
    CustomerFacts, RfmError, RfmScore, Scale, Score, ScoreRange, ScoringMethod, Segment, SegmentMap, SegmentRule,
    Snapshot, SnapshotEntry, Thresholds, recency_days, score_customers, score_population, transitions,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

// ---------------------------------------------------------------- helpers

/// Scoring does not depend on the threads it may use; these tests use one.
const ONE: NonZeroUsize = NonZeroUsize::MIN;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

/// One customer's facts before a key is attached: days since the last
/// purchase, orders, net paid.
type Raw = (u32, u32, Decimal);

fn population(raws: &[Raw]) -> Vec<CustomerFacts<u32>> {
    raws.iter()
        .zip(0_u32..)
        .map(|(&(days, orders, net_paid), customer)| CustomerFacts {
            customer,
            last_purchase: as_of() - Days::new(u64::from(days)),
            orders,
            net_paid,
        })
        .collect()
}

fn scores(facts: &[CustomerFacts<u32>], method: &ScoringMethod) -> Vec<RfmScore> {
    score_customers(facts, as_of(), method, ONE).unwrap()
}

/// Each dimension's score, by a getter.
const DIMENSIONS: [fn(&RfmScore) -> Score; 3] = [|s| s.r(), |s| s.f(), |s| s.m()];

/// The reference definition of a quintile score: 1 + ⌊5 × worse / n⌋,
/// counted naively. `better(a, b)` is true if `a` is strictly better.
fn reference_quintiles<T>(values: &[T], better: impl Fn(&T, &T) -> bool) -> Vec<u8> {
    let n = values.len();
    values
        .iter()
        .map(|v| {
            let worse = values.iter().filter(|w| better(v, w)).count();
            u8::try_from(1 + 5 * worse / n).unwrap()
        })
        .collect()
}

// ------------------------------------------------------------ generators

/// Net paid: small amounts (many ties), large ones, negatives after
/// returns, written with scale 2 or 4 (100.00 and 100.0000 are equal).
fn net_paid() -> impl Strategy<Value = Decimal> {
    let cents = prop_oneof![
        3 => -500_i64..2_000,
        2 => (0_i64..50).prop_map(|c| c * 10_000),
        1 => -10_000_000_i64..1_000_000_000,
    ];
    (cents, any::<bool>()).prop_map(|(c, wide)| if wide { Decimal::new(c * 100, 4) } else { Decimal::new(c, 2) })
}

fn raw() -> impl Strategy<Value = Raw> {
    let days = prop_oneof![3 => 0_u32..20, 1 => 0_u32..3_000];
    let orders = prop_oneof![3 => 0_u32..5, 1 => 0_u32..200];
    (days, orders, net_paid())
}

fn raws() -> impl Strategy<Value = Vec<Raw>> {
    prop::collection::vec(raw(), 0..80)
}

fn ascending<T: Ord + Copy + std::fmt::Debug>(values: impl Strategy<Value = T>) -> impl Strategy<Value = [T; 4]> {
    prop::collection::btree_set(values, 4).prop_map(|set| {
        let v: Vec<T> = set.into_iter().collect();
        [v[0], v[1], v[2], v[3]]
    })
}

/// Quintiles or thresholds, chosen per dimension.
fn method() -> impl Strategy<Value = ScoringMethod> {
    let recency = prop_oneof![
        Just(Scale::Quintiles),
        ascending(0_u32..400).prop_map(|c| Scale::Thresholds(Thresholds::new(c).unwrap())),
    ];
    let frequency = prop_oneof![
        Just(Scale::Quintiles),
        ascending(1_u32..30).prop_map(|c| Scale::Thresholds(Thresholds::new(c).unwrap())),
    ];
    let monetary = prop_oneof![
        Just(Scale::Quintiles),
        ascending(-1_000_i64..100_000)
            .prop_map(|c| Scale::Thresholds(Thresholds::new(c.map(|x| Decimal::new(x, 1))).unwrap())),
    ];
    (recency, frequency, monetary).prop_map(|(r, f, m)| ScoringMethod::new(r, f, m).unwrap())
}

// -------------------------------------------------------------- scoring

proptest! {
    /// Every score is in 1..=5, one per customer, by any method.
    #[test]
    fn scores_stay_in_one_to_five(raws in raws(), method in method()) {
        let facts = population(&raws);
        let got = scores(&facts, &method);
        prop_assert_eq!(got.len(), facts.len());
        for s in got {
            for dim in DIMENSIONS {
                prop_assert!((1..=5).contains(&dim(&s).get()));
            }
        }
    }

    /// Within one population: a strictly more recent purchase never gets a
    /// lower R, strictly more orders never a lower F, strictly more paid
    /// never a lower M — by quintiles and by thresholds.
    #[test]
    fn strictly_better_is_never_scored_lower(raws in raws(), method in method()) {
        let facts = population(&raws);
        let got = scores(&facts, &method);
        for (a, sa) in facts.iter().zip(&got) {
            for (b, sb) in facts.iter().zip(&got) {
                if a.last_purchase > b.last_purchase {
                    prop_assert!(sa.r() >= sb.r(), "R: {:?} {} vs {:?} {}", a, sa, b, sb);
                }
                if a.orders > b.orders {
                    prop_assert!(sa.f() >= sb.f(), "F: {:?} {} vs {:?} {}", a, sa, b, sb);
                }
                if a.net_paid > b.net_paid {
                    prop_assert!(sa.m() >= sb.m(), "M: {:?} {} vs {:?} {}", a, sa, b, sb);
                }
            }
        }
    }

    /// A customer who improves on a dimension (a later purchase, more
    /// orders, more paid), everyone else unchanged, is not scored lower on
    /// it.
    #[test]
    fn improving_never_lowers_ones_own_score(
        raws in raws().prop_filter("someone to improve", |r| !r.is_empty()),
        pick in any::<prop::sample::Index>(),
        step in 1_u32..50,
        method in method(),
    ) {
        let who = pick.index(raws.len());
        let before = scores(&population(&raws), &method)[who];
        let mut better = raws.clone();
        better[who].0 = better[who].0.saturating_sub(step);
        better[who].1 += step;
        better[who].2 += Decimal::from(step);
        let after = scores(&population(&better), &method)[who];
        prop_assert!(after.r() >= before.r() && after.f() >= before.f() && after.m() >= before.m(),
            "{} became {}", before, after);
    }

    /// Shuffling the input changes nothing: the same snapshot, so every
    /// customer keeps their scores and segment.
    #[test]
    fn permuting_the_input_changes_nothing(
        (facts, shuffled) in raws().prop_flat_map(|r| {
            let facts = population(&r);
            (Just(facts.clone()), Just(facts).prop_shuffle())
        }),
        method in method(),
    ) {
        let map = SegmentMap::default();
        let a = score_population(&facts, as_of(), &method, &map, ONE).unwrap();
        let b = score_population(&shuffled, as_of(), &method, &map, ONE).unwrap();
        prop_assert_eq!(a, b);
    }

    /// Customers with equal facts get equal scores, even when one amount is
    /// written with another scale (100.00 and 100.0000).
    #[test]
    fn equal_facts_get_equal_scores(
        raws in raws().prop_filter("someone to copy", |r| !r.is_empty()),
        copies in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>()), 1..10),
        method in method(),
    ) {
        let mut all = raws.clone();
        for (pick, rescale) in &copies {
            let mut copy = raws[pick.index(raws.len())];
            if *rescale {
                copy.2.rescale(6);
            }
            all.push(copy);
        }
        let facts = population(&all);
        let got = scores(&facts, &method);
        for (a, sa) in facts.iter().zip(&got) {
            for (b, sb) in facts.iter().zip(&got) {
                if (a.last_purchase, a.orders, a.net_paid) == (b.last_purchase, b.orders, b.net_paid) {
                    prop_assert_eq!(sa, sb);
                }
            }
        }
    }

    /// Quintile scores are exactly 1 + ⌊5 × (customers strictly worse) / n⌋
    /// on each dimension, counted naively.
    #[test]
    fn quintiles_follow_the_stated_rule(raws in raws()) {
        let facts = population(&raws);
        let got = scores(&facts, &ScoringMethod::QUINTILES);
        let days: Vec<u32> = facts.iter().map(|f| recency_days(f.last_purchase, as_of()).unwrap()).collect();
        let orders: Vec<u32> = facts.iter().map(|f| f.orders).collect();
        let paid: Vec<Decimal> = facts.iter().map(|f| f.net_paid).collect();
        let expected = [
            reference_quintiles(&days, |a, b| a < b),
            reference_quintiles(&orders, |a, b| a > b),
            reference_quintiles(&paid, |a, b| a > b),
        ];
        for (dim, want) in DIMENSIONS.iter().zip(expected) {
            let have: Vec<u8> = got.iter().map(|s| dim(s).get()).collect();
            prop_assert_eq!(have, want);
        }
    }

    /// Quintile group sizes. With n customers, T the size of the largest
    /// tie group on a dimension and ideal(k) = ⌈(k+1)n/5⌉ − ⌈kn/5⌉ (which is
    /// ⌊n/5⌋ or ⌈n/5⌉): every group k of that dimension holds ideal(k) ± at
    /// most T − 1 customers; so any two groups differ by at most 2T − 1, and
    /// by at most 1 when there are no ties.
    #[test]
    fn quintile_groups_differ_only_by_ties(raws in raws()) {
        let facts = population(&raws);
        let n = facts.len();
        let got = scores(&facts, &ScoringMethod::QUINTILES);
        let keys: [Vec<String>; 3] = [
            facts.iter().map(|f| f.last_purchase.to_string()).collect(),
            facts.iter().map(|f| f.orders.to_string()).collect(),
            facts.iter().map(|f| f.net_paid.normalize().to_string()).collect(),
        ];
        for (dim, values) in DIMENSIONS.iter().zip(keys) {
            let mut ties: BTreeMap<&str, usize> = BTreeMap::new();
            for v in &values {
                *ties.entry(v.as_str()).or_default() += 1;
            }
            let t = ties.values().copied().max().unwrap_or(1);
            let mut sizes = [0_usize; 5];
            for s in &got {
                sizes[usize::from(dim(s).get()) - 1] += 1;
            }
            for (k, size) in sizes.iter().enumerate() {
                let ideal = ((k + 1) * n).div_ceil(5) - (k * n).div_ceil(5);
                prop_assert!(size.abs_diff(ideal) < t, "group {}: {} vs ideal {} (T = {}): {:?}", k + 1, size, ideal, t, sizes);
            }
            let spread = sizes.iter().max().unwrap() - sizes.iter().min().unwrap();
            prop_assert!(spread < 2 * t, "{:?} with T = {}", sizes, t);
        }
    }

    /// With all values distinct, the quintiles are the fifths: sizes ⌊n/5⌋
    /// or ⌈n/5⌉, worst fifth scoring 1.
    #[test]
    fn distinct_values_cut_into_even_fifths(
        values in (0_usize..120).prop_flat_map(|n| Just((0..n).map(|i| u32::try_from(i).unwrap()).collect::<Vec<_>>()).prop_shuffle()),
    ) {
        let raws: Vec<Raw> = values.iter().map(|&v| (v, v, Decimal::from(v))).collect();
        let got = scores(&population(&raws), &ScoringMethod::QUINTILES);
        let n = values.len();
        for dim in DIMENSIONS {
            let mut sizes = [0_usize; 5];
            for s in &got {
                sizes[usize::from(dim(s).get()) - 1] += 1;
            }
            prop_assert!(sizes.iter().all(|&s| s == n / 5 || s == n.div_ceil(5)), "{:?} for n = {}", sizes, n);
        }
    }

    /// Thresholds score each customer by the cut points alone, whatever
    /// else is in the population.
    #[test]
    fn thresholds_ignore_the_rest_of_the_population(
        raws in raws().prop_filter("someone", |r| !r.is_empty()),
        r in ascending(0_u32..400),
        f in ascending(1_u32..30),
        m in ascending(-1_000_i64..100_000),
    ) {
        let method = ScoringMethod::new(
            Scale::Thresholds(Thresholds::new(r).unwrap()),
            Scale::Thresholds(Thresholds::new(f).unwrap()),
            Scale::Thresholds(Thresholds::new(m.map(|x| Decimal::new(x, 1))).unwrap()),
        ).unwrap();
        let facts = population(&raws);
        let together = scores(&facts, &method);
        for (fact, score) in facts.iter().zip(together) {
            let alone = scores(std::slice::from_ref(fact), &method)[0];
            prop_assert_eq!(alone, score);
            let days = recency_days(fact.last_purchase, as_of()).unwrap();
            let want_r = 5 - r.iter().filter(|c| days > **c).count();
            let want_f = 1 + f.iter().filter(|c| fact.orders >= **c).count();
            let want_m = 1 + m.iter().filter(|c| fact.net_paid >= Decimal::new(**c, 1)).count();
            prop_assert_eq!(
                (usize::from(score.r().get()), usize::from(score.f().get()), usize::from(score.m().get())),
                (want_r, want_f, want_m)
            );
        }
    }
}

#[test]
fn a_purchase_after_the_as_of_date_is_refused() {
    let mut facts = population(&[(3, 1, Decimal::ONE), (0, 1, Decimal::ONE)]);
    facts[1].last_purchase = as_of() + Days::new(1);
    let e = score_customers(&facts, as_of(), &ScoringMethod::QUINTILES, ONE).unwrap_err();
    assert_eq!(e.code(), "purchase_after_as_of");
    assert!(matches!(e, RfmError::PurchaseAfterAsOf { ref customer, .. } if customer == "1"));
}

// ---------------------------------------------------------- segment maps

#[test]
fn the_default_map_is_total_and_reaches_every_segment() {
    let map = SegmentMap::default();
    let mut reached: BTreeMap<Segment, usize> = BTreeMap::new();
    for score in RfmScore::all() {
        // Exactly one rule's box holds each combination, and the map says that rule's segment.
        let holders: Vec<&SegmentRule> = map.rules().iter().filter(|r| r.matches(score)).collect();
        assert_eq!(holders.len(), 1, "{score}");
        assert_eq!(map.segment(score), holders[0].segment, "{score}");
        *reached.entry(map.segment(score)).or_default() += 1;
    }
    assert_eq!(reached.keys().copied().collect::<Vec<_>>(), Segment::ALL);
    assert_eq!(reached.values().sum::<usize>(), 125);
}

/// One rule per combination, each to a random segment.
fn cell_rules() -> impl Strategy<Value = Vec<SegmentRule>> {
    prop::collection::vec(prop::sample::select(Segment::ALL.to_vec()), 125).prop_map(|segments| {
        RfmScore::all()
            .zip(segments)
            .map(|(s, segment)| SegmentRule {
                segment,
                recency: ScoreRange::exactly(s.r()),
                frequency: ScoreRange::exactly(s.f()),
                monetary: ScoreRange::exactly(s.m()),
            })
            .collect()
    })
}

proptest! {
    /// A map is accepted exactly when it is total, unambiguous and reaches
    /// every segment; when it is, it says what its rules say, and when it is
    /// not, the error names every unassigned combination and unreachable
    /// segment.
    #[test]
    fn a_map_is_accepted_only_if_total_and_every_segment_is_reachable(
        rules in cell_rules(),
        drop in prop::collection::btree_set(0_usize..125, 0..3),
    ) {
        let kept: Vec<SegmentRule> =
            rules.iter().enumerate().filter(|(i, _)| !drop.contains(i)).map(|(_, r)| *r).collect();
        let used: BTreeSet<Segment> = kept.iter().map(|r| r.segment).collect();
        match SegmentMap::new(kept.clone()) {
            Ok(map) => {
                prop_assert!(drop.is_empty() && used.len() == Segment::COUNT);
                for (score, rule) in RfmScore::all().zip(&rules) {
                    prop_assert_eq!(map.segment(score), rule.segment);
                }
            }
            Err(RfmError::InvalidSegmentMap(problems)) => {
                let unassigned: Vec<usize> = problems.unassigned.iter().map(|s| s.index()).collect();
                prop_assert_eq!(unassigned, drop.iter().copied().collect::<Vec<_>>());
                let unreachable: BTreeSet<Segment> = problems.unreachable.iter().copied().collect();
                prop_assert_eq!(unreachable, Segment::ALL.into_iter().filter(|s| !used.contains(s)).collect());
                prop_assert!(problems.conflicts.is_empty());
            }
            Err(e) => prop_assert!(false, "unexpected {e}"),
        }
    }

    /// Shuffling the rules of a valid map gives the same assignment.
    #[test]
    fn rule_order_never_matters(rules in Just(SegmentMap::default().rules().to_vec()).prop_shuffle()) {
        let map = SegmentMap::new(rules).unwrap();
        for s in RfmScore::all() {
            prop_assert_eq!(map.segment(s), SegmentMap::default().segment(s));
        }
    }
}

// ------------------------------------------------------------ transitions

fn snapshot_of(as_of: NaiveDate, rows: &BTreeMap<u16, (RfmScore, Segment)>) -> Snapshot<u16> {
    let entries =
        rows.iter().map(|(&customer, &(score, segment))| SnapshotEntry { customer, score, segment }).collect();
    Snapshot::new(as_of, entries).unwrap()
}

fn snapshot_rows() -> impl Strategy<Value = BTreeMap<u16, (RfmScore, Segment)>> {
    prop::collection::btree_map(
        0_u16..120,
        ((0_usize..125).prop_map(RfmScore::from_index), prop::sample::select(Segment::ALL.to_vec())),
        0..80,
    )
}

proptest! {
    /// Every customer of either snapshot is in exactly one cell — the one
    /// of their segment before and after, absent where they are missing —
    /// and the counts add up to the number of customers in both together.
    #[test]
    fn every_customer_is_in_exactly_one_cell(before in snapshot_rows(), after in snapshot_rows()) {
        let from = snapshot_of(as_of(), &before);
        let to = snapshot_of(as_of() + Days::new(30), &after);
        let matrix = transitions(&from, &to).unwrap();
        let everyone: BTreeSet<u16> = before.keys().chain(after.keys()).copied().collect();
        prop_assert_eq!(matrix.total(), everyone.len());
        let mut seen: BTreeMap<u16, (Option<Segment>, Option<Segment>)> = BTreeMap::new();
        let mut counted = 0;
        for cell in matrix.cells() {
            prop_assert!(cell.from.is_some() || cell.to.is_some());
            prop_assert_eq!(matrix.count(cell.from, cell.to), cell.customers.len());
            prop_assert!(cell.customers.windows(2).all(|w| w[0] < w[1]), "sorted");
            counted += cell.customers.len();
            for c in cell.customers {
                prop_assert!(seen.insert(*c, (cell.from, cell.to)).is_none(), "customer {} twice", c);
            }
        }
        prop_assert_eq!(counted, everyone.len());
        for c in everyone {
            let want = (before.get(&c).map(|x| x.1), after.get(&c).map(|x| x.1));
            prop_assert_eq!(seen.get(&c).copied(), Some(want));
        }
        let sides = || Segment::ALL.into_iter().map(Some).chain([None]);
        prop_assert_eq!(sides().map(|s| matrix.from_total(s)).sum::<usize>(), matrix.total());
        for s in Segment::ALL {
            prop_assert_eq!(matrix.from_total(Some(s)), before.values().filter(|x| x.1 == s).count());
            prop_assert_eq!(matrix.to_total(Some(s)), after.values().filter(|x| x.1 == s).count());
        }
        prop_assert_eq!(matrix.from_total(None), after.keys().filter(|c| !before.contains_key(c)).count());
        prop_assert_eq!(matrix.to_total(None), before.keys().filter(|c| !after.contains_key(c)).count());
    }

    /// Scoring the same facts twice and comparing: nobody moves.
    #[test]
    fn the_same_population_twice_stays_on_the_diagonal(raws in raws(), method in method()) {
        let facts = population(&raws);
        let snap = score_population(&facts, as_of(), &method, &SegmentMap::default(), ONE).unwrap();
        let matrix = transitions(&snap, &snap).unwrap();
        prop_assert_eq!(matrix.total(), facts.len());
        for cell in matrix.cells() {
            prop_assert_eq!(cell.from, cell.to);
        }
    }
}
