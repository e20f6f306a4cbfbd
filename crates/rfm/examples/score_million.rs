//! Scores a synthetic population and prints how long each step takes (a
//! benchmark: it prints figures, it asserts nothing).
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-rfm cargo run --release -p clientele-rfm --example score_million [customers]
//! ```
//!
//! Customers get 128-bit keys (a stand-in for UUIDs), a last purchase in
//! the past three years, a geometric number of orders (most buy once) and
//! an amount in cents, a few of them negative after returns. The numbers
//! come from a fixed-seed generator, so every run scores the same
//! population.

use std::time::Instant;

use chrono::{Days, NaiveDate};
use clientele_rfm::{
    CustomerFacts, RfmError, Scale, ScoringMethod, SegmentMap, Thresholds, score_customers, score_population,
    transitions,
};
use rust_decimal::Decimal;

/// SplitMix64: a tiny deterministic generator, enough for test data.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn population(n: usize, as_of: NaiveDate, seed: u64) -> Vec<CustomerFacts<u128>> {
    let mut rng = SplitMix(seed);
    (0..n)
        .map(|_| {
            let customer = (u128::from(rng.next()) << 64) | u128::from(rng.next());
            let last_purchase = as_of - Days::new(rng.below(3 * 365));
            let orders = 1 + rng.next().trailing_zeros().min(40);
            let mut cents = i64::from(orders) * i64::try_from(5_000 + rng.below(500_000)).unwrap_or(0);
            if rng.below(50) == 0 {
                cents = -cents / 10;
            }
            CustomerFacts { customer, last_purchase, orders, net_paid: Decimal::new(cents, 2) }
        })
        .collect()
}

fn timed<T>(label: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    println!("{label:<52} {:>9.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    out
}

fn main() -> Result<(), RfmError> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
    let facts = population(n, as_of, 42);
    let map = SegmentMap::default();
    let thresholds = ScoringMethod::new(
        Scale::Thresholds(Thresholds::new([30, 90, 180, 365])?),
        Scale::Thresholds(Thresholds::new([2, 3, 5, 8])?),
        Scale::Thresholds(Thresholds::new([1_000, 5_000, 20_000, 100_000].map(Decimal::from))?),
    )?;
    println!("{n} customers");
    timed("score_customers, quintiles (scores in input order)", || {
        score_customers(&facts, as_of, &ScoringMethod::QUINTILES)
    })?;
    timed("score_customers, thresholds", || score_customers(&facts, as_of, &thresholds))?;
    let may = timed("score_population, quintiles (+ segments, sort by key)", || {
        score_population(&facts, as_of, &ScoringMethod::QUINTILES, &map)
    })?;
    let later = as_of + Days::new(31);
    let june =
        timed("score_population a month later", || score_population(&facts, later, &ScoringMethod::QUINTILES, &map))?;
    let moves = timed("transitions between the two", || transitions(&may, &june))?;
    println!("{} customers in the matrix, {} non-empty cells", moves.total(), moves.cells().count());
    for (segment, count) in may.segment_counts() {
        println!("  {:<20} {count:>8}", segment.display_name());
    }
    Ok(())
}
