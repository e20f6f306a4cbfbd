//! Scores a synthetic population and prints how long each step takes (a
//! benchmark: it prints figures, it asserts nothing).
//!
//! ```text
//! cargo run --release -p clientele-rfm --example score_million [customers] [--csv DIR]
//! ```
//!
//! With `--csv DIR` it also writes the population (`facts.csv`), the default
//! segment map (`map.csv`) and its own result (`ours.csv`) for
//! `crates/rfm/reference/rfm_pandas.py`, which does the same scoring with
//! pandas, times it and checks that every customer got the same scores and
//! segment.
//!
//! Customers get 128-bit keys (a stand-in for UUIDs), a last purchase in
//! the past three years, a geometric number of orders (most buy once) and
//! an amount in cents, a few of them negative after returns. The numbers
//! come from a fixed-seed generator, so every run scores the same
//! population.

use std::io::Write;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use clientele_kernel::random::SplitMix64;
use clientele_rfm::{
    CustomerFacts, Scale, ScoringMethod, SegmentMap, Thresholds, score_customers, score_population, transitions,
};
use rust_decimal::Decimal;

fn population(n: usize, as_of: NaiveDate, seed: u64) -> Vec<CustomerFacts<u128>> {
    let mut rng = SplitMix64::new(seed);
    (0..n)
        .map(|_| {
            let customer = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
            let last_purchase = as_of - Days::new(rng.below(3 * 365));
            let orders = 1 + rng.next_u64().trailing_zeros().min(40);
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

/// Writes the inputs and our result for the pandas comparison.
fn write_csv(
    dir: &str,
    as_of: NaiveDate,
    facts: &[CustomerFacts<u128>],
    map: &SegmentMap,
    ours: &clientele_rfm::Snapshot<u128>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(format!("{dir}/as_of.txt"), as_of.to_string())?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/facts.csv"))?);
    writeln!(f, "customer,last_purchase,orders,net_paid")?;
    for c in facts {
        writeln!(f, "{:032x},{},{},{}", c.customer, c.last_purchase, c.orders, c.net_paid)?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/map.csv"))?);
    writeln!(f, "cell,r,f,m,segment")?;
    for score in clientele_rfm::RfmScore::all() {
        let (r, fr, m) = (score.r().get(), score.f().get(), score.m().get());
        writeln!(f, "{},{r},{fr},{m},{}", score.index(), map.segment(score).code())?;
    }
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/ours.csv"))?);
    writeln!(f, "customer,r,f,m,segment")?;
    for e in ours.entries() {
        let s = e.score;
        writeln!(f, "{:032x},{},{},{},{}", e.customer, s.r().get(), s.f().get(), s.m().get(), e.segment.code())?;
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let csv = args.iter().position(|a| a == "--csv").and_then(|i| args.get(i + 1)).cloned();
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let as_of = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap_or_default();
    let facts = population(n, as_of, 42);
    let map = SegmentMap::default();
    // The example is the caller: it lets the scoring use the machine's cores.
    let threads = std::thread::available_parallelism().unwrap_or(std::num::NonZeroUsize::MIN);
    let thresholds = ScoringMethod::new(
        Scale::Thresholds(Thresholds::new([30, 90, 180, 365])?),
        Scale::Thresholds(Thresholds::new([2, 3, 5, 8])?),
        Scale::Thresholds(Thresholds::new([1_000, 5_000, 20_000, 100_000].map(Decimal::from))?),
    )?;
    println!("{n} customers");
    timed("score_customers, quintiles (scores in input order)", || {
        score_customers(&facts, as_of, &ScoringMethod::QUINTILES, threads)
    })?;
    timed("score_customers, thresholds", || score_customers(&facts, as_of, &thresholds, threads))?;
    let may = timed("score_population, quintiles (+ segments, sort by key)", || {
        score_population(&facts, as_of, &ScoringMethod::QUINTILES, &map, threads)
    })?;
    let later = as_of + Days::new(31);
    let june = timed("score_population a month later", || {
        score_population(&facts, later, &ScoringMethod::QUINTILES, &map, threads)
    })?;
    let moves = timed("transitions between the two", || transitions(&may, &june))?;
    println!("{} customers in the matrix, {} non-empty cells", moves.total(), moves.cells().count());
    for (segment, count) in may.segment_counts() {
        println!("  {:<20} {count:>8}", segment.display_name());
    }
    if let Some(dir) = csv {
        write_csv(&dir, as_of, &facts, &map, &may)?;
        println!("wrote {dir}/facts.csv, map.csv, ours.csv");
    }
    Ok(())
}
