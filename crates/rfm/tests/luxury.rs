//! The default RFM settings on populations shaped like a luxury house's
//! (issue: "Segments that mean something"): every one of the eleven
//! segments holds customers, and each customer's segment means what its
//! name says about their purchases.
//!
//! A generated client joins on a day of the last eight years (more of them
//! lately: the brand grows), buys at a rate of their own — most one to three
//! times a year, a long tail up to ten — spends around an amount of their
//! own, and half of them stop buying after a while (two years on average).
#![allow(clippy::unwrap_used)]

use std::num::NonZeroUsize;

use chrono::{Days, NaiveDate};
use clientele_kernel::random::SplitMix64;
use clientele_rfm::{PurchaseSummary, RfmSettings, Segment, SegmentMap, recency_days, segment_customers};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn as_of() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 30).unwrap()
}

/// An exponential draw with this mean.
fn exponential(rng: &mut SplitMix64, mean: f64) -> f64 {
    -mean * rng.next_f64_nonzero().ln()
}

/// One generated client's purchases, summarised for the settings.
fn client(rng: &mut SplitMix64, id: u32, window_start: NaiveDate) -> PurchaseSummary<u32> {
    let history_days = 8 * 365;
    // Younger clients are more numerous: the square pulls joins towards today.
    let age = (rng.next_f64().powi(2) * f64::from(history_days)) as u64;
    let joined = as_of() - Days::new(age);
    let per_year = match rng.below(10) {
        0..=5 => 0.3 + 1.2 * rng.next_f64(),
        6..=8 => 1.5 + 1.5 * rng.next_f64(),
        _ => 3.0 + 7.0 * rng.next_f64(),
    };
    let stops = if rng.chance(50) { joined + Days::new(exponential(rng, 730.0) as u64) } else { as_of() };
    let end = stops.min(as_of());
    let typical = Decimal::from(500 + rng.below(20) * 250);
    let mut day = joined;
    let mut summary = PurchaseSummary {
        customer: id,
        first_purchase: joined,
        last_purchase: joined,
        window_orders: 0,
        window_net: Decimal::ZERO,
        lifetime_orders: 0,
        lifetime_net: Decimal::ZERO,
    };
    while day <= end {
        let amount = typical * Decimal::from(50 + rng.below(100)) / Decimal::from(100);
        summary.last_purchase = day;
        summary.lifetime_orders += 1;
        summary.lifetime_net += amount;
        if day > window_start {
            summary.window_orders += 1;
            summary.window_net += amount;
        }
        day = day + Days::new(1 + exponential(rng, 365.0 / per_year) as u64);
    }
    summary
}

fn population(seed: u64, size: u32, window_start: NaiveDate) -> Vec<PurchaseSummary<u32>> {
    let mut rng = SplitMix64::new(seed);
    (0..size).map(|id| client(&mut rng, id, window_start)).collect()
}

/// What a client's segment says of their purchases, in words of the facts
/// R, F and M were scored on (`orders`, `net`: the window's for a client who
/// bought in it, the whole history's for the others) and of the median of
/// those nets over the population (M 4–5 is above it, M 1–2 not above it).
fn means_what_it_says(segment: Segment, p: &PurchaseSummary<u32>, settings: &RfmSettings, median: Decimal) -> bool {
    let days = recency_days(p.last_purchase, as_of()).unwrap();
    let since_first = recency_days(p.first_purchase, as_of()).unwrap();
    let in_window = p.last_purchase > settings.window_start(as_of()).unwrap();
    let (orders, net) = if in_window { (p.window_orders, p.window_net) } else { (p.lifetime_orders, p.lifetime_net) };
    let [_, r4, r3] = settings.recency_days();
    let new = since_first < settings.new_customer_days();
    let recent = days <= r4;
    let often = orders >= 5;
    let much = net > median;
    let little = net <= median;
    match segment {
        Segment::NewCustomers => new,
        Segment::Champions => !new && recent && often && much,
        Segment::LoyalCustomers => !new && days <= r3 && often,
        Segment::PotentialLoyalists => !new && recent && (2..=4).contains(&orders),
        Segment::Promising => !new && recent && orders == 1,
        Segment::NeedAttention => !new && days > r4 && days <= r3 && orders >= 2,
        Segment::AboutToSleep => !new && days > r4 && in_window && orders <= 4,
        Segment::AtRisk => !new && days > r3 && (orders >= 3 || much),
        Segment::CantLoseThem => !in_window && often && much,
        Segment::Hibernating => !in_window && (orders <= 2 || !much),
        Segment::Lost => !in_window && orders <= 2 && little && days > r3,
    }
}

fn median_scored_net(people: &[PurchaseSummary<u32>], window_start: NaiveDate) -> Decimal {
    let mut nets: Vec<Decimal> = people.iter().map(|p| p.scored_facts((), window_start).net_paid).collect();
    nets.sort();
    nets[nets.len() / 2]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Every segment holds customers, and every customer's segment means
    /// what its name says.
    #[test]
    fn on_a_luxury_population_every_segment_holds_customers_who_fit_its_name(seed in any::<u64>()) {
        let settings = RfmSettings::default();
        let start = settings.window_start(as_of()).unwrap();
        let people = population(seed, 4_000, start);
        let result =
            segment_customers(&people, as_of(), &settings, &SegmentMap::default(), NonZeroUsize::MIN).unwrap();
        let median = median_scored_net(&people, start);
        let mut counts = [0_usize; Segment::COUNT];
        for ((score, segment), p) in result.iter().zip(&people) {
            counts[segment.index()] += 1;
            prop_assert!(
                means_what_it_says(*segment, p, &settings, median),
                "{segment} for {p:?} scored {score} (median {median})"
            );
        }
        for segment in Segment::ALL {
            prop_assert!(counts[segment.index()] > 0, "{segment} is empty: {counts:?}");
        }
    }

    /// A lapsed client who bought often is never Lost, however long ago:
    /// the whole history speaks for them.
    #[test]
    fn a_lapsed_regular_is_never_lost(years_ago in 3_u64..10, orders in 8_u32..40, each in 500_i64..5_000) {
        let settings = RfmSettings::default();
        let start = settings.window_start(as_of()).unwrap();
        let mut people = population(7, 500, start);
        let last = as_of() - Days::new(years_ago * 365);
        people.push(PurchaseSummary {
            customer: 999_999,
            first_purchase: last - Days::new(3 * 365),
            last_purchase: last,
            window_orders: 0,
            window_net: Decimal::ZERO,
            lifetime_orders: orders,
            lifetime_net: Decimal::from(each) * Decimal::from(orders),
        });
        let result =
            segment_customers(&people, as_of(), &settings, &SegmentMap::default(), NonZeroUsize::MIN).unwrap();
        let (_, segment) = result.last().unwrap();
        // R 1 and F 5: Can't Lose Them, At Risk or Hibernating by how much
        // the eight-plus orders came to against the others' spend.
        prop_assert!(
            matches!(segment, Segment::CantLoseThem | Segment::AtRisk | Segment::Hibernating),
            "{segment}"
        );
        prop_assert_ne!(*segment, Segment::Lost);
    }

    /// The result does not depend on the order of the population.
    #[test]
    fn the_order_of_the_population_does_not_matter(seed in any::<u64>()) {
        let settings = RfmSettings::default();
        let start = settings.window_start(as_of()).unwrap();
        let people = population(seed, 300, start);
        let mut shuffled = people.clone();
        SplitMix64::new(seed ^ 1).shuffle(&mut shuffled);
        let map = SegmentMap::default();
        let a = segment_customers(&people, as_of(), &settings, &map, NonZeroUsize::MIN).unwrap();
        let b = segment_customers(&shuffled, as_of(), &settings, &map, NonZeroUsize::MIN).unwrap();
        let by_id = |people: &[PurchaseSummary<u32>], r: &[(clientele_rfm::RfmScore, Segment)]| {
            let mut v: Vec<_> = people.iter().map(|p| p.customer).zip(r.iter().copied()).collect();
            v.sort_by_key(|(c, _)| *c);
            v
        };
        prop_assert_eq!(by_id(&people, &a), by_id(&shuffled, &b));
    }
}
