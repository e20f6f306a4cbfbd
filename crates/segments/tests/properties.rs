//! The rules of the segment refresh, stated as properties: histories from
//! purchase days, one line per customer with the segment its score maps
//! to, predictions only where time was observed, and results that depend
//! neither on the order of the input nor on the number of threads.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::num::NonZeroUsize;

use chrono::{Days, NaiveDate};
use clientele_kernel::random::SplitMix64;
use clientele_rfm::{Segment, SegmentMap};
use clientele_segments::{
    CustomerSnapshot, History, PreviousFit, PurchaseFacts, RefreshConfig, RefreshInput, Refreshed, SegmentsError,
    Stage, refresh,
};
use clientele_value::{CompressedSummaries, CustomerSummary};
use proptest::prelude::*;
use rust_decimal::Decimal;

const ONE: NonZeroUsize = NonZeroUsize::MIN;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

fn days_before(days: u32) -> NaiveDate {
    as_of() - Days::new(u64::from(days))
}

/// One purchase: days before the as-of date, orders that day, net paid
/// that day in cents.
type Purchase = (u32, u32, i64);

/// The facts of a customer who made `purchases`, aggregated the way the
/// store's query does (per day, then per customer), independently of the
/// crate: the oracle the histories are checked against.
fn aggregate(customer: u32, purchases: &[Purchase], window_start: NaiveDate) -> PurchaseFacts<u32> {
    let mut by_day: BTreeMap<NaiveDate, (u32, i64)> = BTreeMap::new();
    for &(before, orders, cents) in purchases {
        let day = by_day.entry(days_before(before)).or_default();
        day.0 += orders;
        day.1 += cents;
    }
    let (first_day, first) = by_day.first_key_value().map(|(d, v)| (*d, *v)).unwrap();
    let in_window = by_day.iter().filter(|(d, _)| **d > window_start);
    PurchaseFacts {
        customer,
        first_day,
        last_day: *by_day.last_key_value().unwrap().0,
        purchase_days: by_day.len() as u32,
        window_orders: in_window.clone().map(|(_, v)| v.0).sum(),
        window_net: Decimal::new(in_window.map(|(_, v)| v.1).sum(), 2),
        total_orders: by_day.values().map(|v| v.0).sum(),
        total_net: Decimal::new(by_day.values().map(|v| v.1).sum(), 2),
        first_day_net: Decimal::new(first.1, 2),
    }
}

fn purchases() -> impl Strategy<Value = Vec<Purchase>> {
    prop::collection::vec((0_u32..1000, 1_u32..4, 0_i64..500_000), 1..8)
}

fn population() -> impl Strategy<Value = Vec<PurchaseFacts<u32>>> {
    prop::collection::vec(purchases(), 0..40).prop_map(|customers| {
        let window_start = RefreshConfig::default().window_start(as_of()).unwrap();
        customers.iter().zip(0_u32..).map(|(p, c)| aggregate(c, p, window_start)).collect()
    })
}

fn input<K>(facts: Vec<PurchaseFacts<K>>, threads: NonZeroUsize) -> RefreshInput<K> {
    RefreshInput { facts, as_of: as_of(), config: RefreshConfig::default(), previous: PreviousFit::default(), threads }
}

fn run<K: std::fmt::Debug + Clone>(facts: Vec<PurchaseFacts<K>>, threads: NonZeroUsize) -> Refreshed<K> {
    refresh(input(facts, threads), &mut |_| {}).unwrap()
}

/// How closely two Gamma-Gamma fits of the same customers in another order
/// agree (see `the_order_of_the_input_does_not_change_the_lines`).
const GAMMA_GAMMA_TOLERANCE: f64 = 1e-3;

/// Equal to within `relative` of the larger, or `absolute`.
fn close(a: f64, b: f64, relative: f64, absolute: f64) -> bool {
    (a - b).abs() <= relative * a.abs().max(b.abs()) + absolute
}

fn close_decimals(a: Option<Decimal>, b: Option<Decimal>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => close(a.try_into().unwrap(), b.try_into().unwrap(), GAMMA_GAMMA_TOLERANCE, 0.011),
        (a, b) => a == b,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// x is the distinct purchase days less one; 0 ≤ tₓ ≤ T; T ≥ 0, with no
    /// summary exactly when T = 0; and the average spend is the mean of
    /// the repeat days' nets (the first day's never counts).
    #[test]
    fn a_history_is_the_repeat_purchase_days(p in purchases(), first_day_cents in 0_i64..1_000_000) {
        let facts = aggregate(7, &p, days_before(365));
        let history = History::of(&facts, as_of()).unwrap();
        let mut days: Vec<u32> = p.iter().map(|q| q.0).collect();
        days.sort_unstable();
        days.dedup();
        prop_assert_eq!(history.repeat_purchases() as usize, days.len() - 1);
        prop_assert_eq!(history.first_purchase(), facts.first_day);
        let age = (as_of() - facts.first_day).num_days();
        prop_assert!(age >= 0);
        match history.summary() {
            None => prop_assert_eq!(age, 0),
            Some(s) => {
                prop_assert_eq!(s.frequency(), history.repeat_purchases());
                prop_assert_eq!(s.age(), age as f64);
                prop_assert_eq!(s.recency(), (facts.last_day - facts.first_day).num_days() as f64);
                prop_assert!(0.0 <= s.recency() && s.recency() <= s.age());
            }
        }
        // The mean of the repeat days, from the purchases themselves.
        let first = *days.last().unwrap();
        let repeat_cents: i64 = p.iter().filter(|q| q.0 != first).map(|q| q.2).sum();
        let expected = if days.len() > 1 {
            (Decimal::new(repeat_cents, 2) / Decimal::from(days.len() - 1)).round_dp(2)
        } else {
            Decimal::ZERO
        };
        prop_assert_eq!(history.average_repeat_spend(), expected);
        // Whatever was paid on the first day.
        let mut other = facts.clone();
        other.total_net += Decimal::new(first_day_cents, 2) - facts.first_day_net;
        other.first_day_net = Decimal::new(first_day_cents, 2);
        prop_assert_eq!(History::of(&other, as_of()).unwrap(), history);
    }

    /// One line per customer in the order of the input, each with its
    /// facts, its history and the segment its score maps to; the counts
    /// are those of the lines; every stage is heard of, in order.
    #[test]
    fn a_refresh_gives_every_customer_one_line_in_its_segment(facts in population()) {
        let mut stages = Vec::new();
        let refreshed = refresh(input(facts.clone(), ONE), &mut |s| stages.push(s)).unwrap();
        let n = facts.len();
        prop_assert_eq!(stages, vec![Stage::Summarised(n), Stage::Scored(n), Stage::Fitted, Stage::Valued(n)]);
        prop_assert_eq!(refreshed.len(), n);
        prop_assert_eq!(refreshed.as_of(), as_of());
        let map = SegmentMap::default();
        let config = RefreshConfig::default();
        let mut counts = Segment::ALL.map(|s| (s, 0_usize));
        for (line, fact) in refreshed.lines().zip(&facts) {
            let history = History::of(fact, as_of()).unwrap();
            prop_assert_eq!(line.customer, fact.customer);
            prop_assert_eq!(i64::from(line.recency_days), (as_of() - fact.last_day).num_days());
            // F and M are the window's, or the whole history's without a purchase in it.
            let in_window = fact.last_day > config.window_start(as_of()).unwrap();
            let (orders, net) =
                if in_window { (fact.window_orders, fact.window_net) } else { (fact.total_orders, fact.total_net) };
            prop_assert_eq!(line.frequency, orders);
            prop_assert_eq!(line.monetary, net.round_dp(2));
            prop_assert_eq!(line.segment, config.rfm().segment(&map, line.score, fact.first_day, as_of()));
            if line.segment == Segment::NewCustomers {
                prop_assert!((as_of() - fact.first_day).num_days() < i64::from(config.rfm().new_customer_days()));
            }
            prop_assert_eq!((line.first_purchase, line.last_purchase), (fact.first_day, fact.last_day));
            prop_assert_eq!(line.repeat_purchases, history.repeat_purchases());
            prop_assert_eq!(line.average_repeat_spend, history.average_repeat_spend());
            counts[line.segment.index()].1 += 1;
        }
        prop_assert_eq!(refreshed.segment_counts(), counts);
        prop_assert_eq!(counts.iter().map(|c| c.1).sum::<usize>(), n);
        prop_assert_eq!(refreshed.line(n), None);
    }

    /// Predictions only with a fitted BG/NBD and time observed (T > 0);
    /// then P(alive) is in [0, 1] and expected purchases are not negative.
    /// Without a fitted model, the reason is given.
    #[test]
    fn predictions_are_made_where_time_was_observed(facts in population()) {
        let refreshed = run(facts.clone(), ONE);
        let models = refreshed.models();
        prop_assert_eq!(models.bgnbd.is_none() || models.gamma_gamma.is_none(), models.error.is_some());
        for (line, fact) in refreshed.lines().zip(&facts) {
            let p = line.prediction;
            if models.bgnbd.is_none() || fact.first_day == as_of() {
                prop_assert_eq!(p, Default::default());
                continue;
            }
            let alive = p.p_alive.unwrap();
            prop_assert!(Decimal::ZERO <= alive && alive <= Decimal::ONE, "{}", alive);
            prop_assert!(p.expected_purchases.unwrap() >= Decimal::ZERO);
            prop_assert_eq!(p.expected_spend.is_some(), models.gamma_gamma.is_some());
            prop_assert_eq!(p.clv.is_some(), models.gamma_gamma.is_some());
        }
    }

    /// The same customers in another order get the same lines: exactly,
    /// but for what depends on the Gamma-Gamma fit, which scales the spend
    /// by its sum taken in input order and so agrees only to the fit's
    /// tolerance. On these small populations the fit is often held on the
    /// edge of the box, where the likelihood is nearly flat: the population
    /// mean spend, expected spend and CLV then agree to 1e-3 (the parameters
    /// themselves may lie anywhere along a ridge of equal likelihood).
    #[test]
    fn the_order_of_the_input_does_not_change_the_lines(
        (facts, shuffled) in population().prop_flat_map(|f| (Just(f.clone()), Just(f).prop_shuffle()))
    ) {
        let a = run(facts, ONE);
        let b = run(shuffled, ONE);
        let by_customer = |r: &Refreshed<u32>| -> BTreeMap<u32, CustomerSnapshot<u32>> {
            r.lines().map(|l| (l.customer, l)).collect()
        };
        let (a_lines, b_lines) = (by_customer(&a), by_customer(&b));
        prop_assert_eq!(a.segment_counts(), b.segment_counts());
        prop_assert_eq!(a.models().bgnbd, b.models().bgnbd);
        prop_assert_eq!(&a.models().error, &b.models().error);
        match (a.models().gamma_gamma, b.models().gamma_gamma) {
            (Some(x), Some(y)) => prop_assert!(
                close(x.population_mean_spend(), y.population_mean_spend(), GAMMA_GAMMA_TOLERANCE, 0.0),
                "{:?} vs {:?}", x, y
            ),
            (x, y) => prop_assert_eq!(x, y),
        }
        for (customer, x) in &a_lines {
            let y = &b_lines[customer];
            let (px, py) = (x.prediction, y.prediction);
            prop_assert_eq!(
                CustomerSnapshot { prediction: Default::default(), ..x.clone() },
                CustomerSnapshot { prediction: Default::default(), ..y.clone() }
            );
            prop_assert_eq!((px.expected_purchases, px.p_alive), (py.expected_purchases, py.p_alive));
            prop_assert!(close_decimals(px.expected_spend, py.expected_spend), "{:?} vs {:?}", px, py);
            prop_assert!(close_decimals(px.clv, py.clv), "{:?} vs {:?}", px, py);
        }
    }

    /// A customer whose facts contradict each other stops the refresh,
    /// named; nothing is made of the rest.
    #[test]
    fn contradictory_facts_are_refused(mut facts in population(), at in any::<prop::sample::Index>(), fault in 0_u8..3) {
        prop_assume!(!facts.is_empty());
        let i = at.index(facts.len());
        let bad = &mut facts[i];
        let customer = bad.customer;
        match fault {
            0 => bad.last_day = as_of() + Days::new(1),
            1 => bad.purchase_days = 0,
            _ => bad.purchase_days = (bad.last_day - bad.first_day).num_days() as u32 + 2,
        }
        match refresh(input(facts, ONE), &mut |_| {}) {
            Err(SegmentsError::InvalidFacts { customer: named, .. }) => prop_assert_eq!(named, customer.to_string()),
            other => prop_assert!(false, "{:?}", other.map(|r| r.len())),
        }
    }
}

/// `n` customers who first bought up to three years ago, on up to eight
/// days, spending anything up to 5,000.00 a day.
fn large_population(n: u32) -> Vec<PurchaseFacts<u32>> {
    let mut rng = SplitMix64::new(2026);
    (0..n)
        .map(|customer| {
            let age = 8 + rng.below(1000) as u32;
            let days = 1 + rng.below(8) as u32;
            let window_orders = rng.below(days.into()) as u32;
            let span = if days == 1 { 0 } else { days - 1 + rng.below(u64::from(age - days + 2)) as u32 };
            let first_day_net = Decimal::new(1 + rng.below(500_000) as i64, 2);
            let total_net = first_day_net + Decimal::new(rng.below(500_000 * u64::from(days - 1) + 1) as i64, 2);
            PurchaseFacts {
                customer,
                first_day: days_before(age),
                last_day: days_before(age - span),
                purchase_days: days,
                window_orders,
                window_net: Decimal::new(rng.below(1_000_000) as i64, 2),
                total_orders: days + window_orders,
                total_net,
                first_day_net,
            }
        })
        .collect()
}

/// Large enough for every part to go parallel — scoring (from
/// `clientele_rfm::scoring::PARALLEL_FROM` customers), the fits' sums (more
/// than 32,768 distinct summaries) and predicting — the result is the same,
/// bit for bit, on one thread and on three.
#[test]
fn the_threads_do_not_change_the_result() {
    let facts = large_population(60_000);
    assert!(facts.len() >= clientele_rfm::scoring::PARALLEL_FROM);
    assert!(facts.len() >= clientele_segments::predict::PARALLEL_FROM);
    let summaries: Vec<CustomerSummary> =
        facts.iter().filter_map(|f| History::of(f, as_of()).unwrap().summary()).collect();
    assert!(CompressedSummaries::from_summaries(&summaries).triples().len() > 1 << 15);
    assert!(summaries.iter().filter(|s| s.frequency() > 0).count() > 1 << 15);

    let one = run(facts.clone(), ONE);
    assert!(one.models().bgnbd.is_some() && one.models().gamma_gamma.is_some(), "{:?}", one.models());
    let three = run(facts, NonZeroUsize::new(3).unwrap());
    assert_eq!(one, three);
}
