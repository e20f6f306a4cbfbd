//! Scores and segments a synthetic luxury clientele under the programme's
//! RFM settings ([`segment_customers`]) and prints how long it takes and how
//! many customers each segment holds (a benchmark: it prints figures, it
//! asserts nothing).
//!
//! ```text
//! cargo run --release -p clientele-rfm --example score_million -- [customers] [--csv DIR]
//!     [--settings FILE] [--as-of YYYY-MM-DD]
//! ```
//!
//! `customers` defaults to 1,000,000; the settings to
//! [`RfmSettings::default()`] (`--settings` reads others as JSON, in the
//! form `settings.json` is written in); the as-of date to 2026-06-30. The
//! segment map is [`SegmentMap::default()`].
//!
//! With `--csv DIR` it also writes, for `crates/rfm/reference/rfm_pandas.py`
//! (which applies the same documented rules with pandas, times it and checks
//! that every customer got the same R, F, M and segment):
//! - `facts.csv`: customer, first_purchase, last_purchase, window_orders,
//!   window_net, lifetime_orders, lifetime_net;
//! - `settings.json`: the [`RfmSettings`] scored by (serde);
//! - `map.csv`: the segment map, one line per cell (cell, r, f, m, segment);
//! - `as_of.txt`: the as-of date;
//! - `ours.csv`: our result, customer, r, f, m, segment.
//!
//! The population is shaped like a luxury house's (as in
//! `crates/rfm/tests/luxury.rs`): a client joins on a day of the last eight
//! years, more of them lately (about one in six within the last 90 days);
//! buys at a rate of their own, most one to three times a year, a long tail
//! up to ten; spends around an amount of their own; and half of them stop
//! buying after a while (two years on average). A few orders are returned in
//! part (the net is what was kept) and a few in full (they do not count, as
//! in the store's aggregate). Customers get 128-bit keys (a stand-in for
//! UUIDs); amounts are in cents. The numbers come from a fixed-seed
//! generator, so every run scores the same population.

use std::io::Write;
use std::num::NonZeroUsize;
use std::time::Instant;

use chrono::{Days, NaiveDate};
use clientele_kernel::random::SplitMix64;
use clientele_rfm::{PurchaseSummary, RfmScore, RfmSettings, Segment, SegmentMap, segment_customers};
use rust_decimal::Decimal;

/// Days of history a client can have.
const HISTORY_DAYS: u64 = 8 * 365;

/// An exponential draw with this mean.
fn exponential(rng: &mut SplitMix64, mean: f64) -> f64 {
    -mean * rng.next_f64_nonzero().ln()
}

/// One generated client's purchases as of `as_of`, summarised for the
/// settings (the window is the days after `window_start`); `None` if every
/// order was returned in full.
fn client(rng: &mut SplitMix64, as_of: NaiveDate, window_start: NaiveDate) -> Option<PurchaseSummary<u128>> {
    let customer = (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64());
    // Younger clients are more numerous: the square pulls joins towards today.
    let age = (rng.next_f64().powi(2) * HISTORY_DAYS as f64) as u64;
    let joined = as_of - Days::new(age);
    let per_year = match rng.below(10) {
        0..=5 => 0.3 + 1.2 * rng.next_f64(),
        6..=8 => 1.5 + 1.5 * rng.next_f64(),
        _ => 3.0 + 7.0 * rng.next_f64(),
    };
    let stops = if rng.chance(50) { joined + Days::new(exponential(rng, 730.0) as u64) } else { as_of };
    let end = stops.min(as_of);
    // Cents: 500 to 5,250 in the base currency.
    let typical = 50_000 + rng.below(20) as i64 * 25_000;
    let mut summary: Option<PurchaseSummary<u128>> = None;
    let mut day = joined;
    while day <= end {
        let paid = typical * (50 + rng.below(100) as i64) / 100;
        let kept = match rng.below(100) {
            // Returned in full: the order does not count.
            0..=1 => None,
            // Returned in part: 10 % to 90 % of it.
            2..=5 => Some(paid - paid * (10 + rng.below(81) as i64) / 100),
            _ => Some(paid),
        };
        if let Some(cents) = kept {
            let amount = Decimal::new(cents, 2);
            let s = summary.get_or_insert(PurchaseSummary {
                customer,
                first_purchase: day,
                last_purchase: day,
                window_orders: 0,
                window_net: Decimal::ZERO,
                lifetime_orders: 0,
                lifetime_net: Decimal::ZERO,
            });
            s.last_purchase = day;
            s.lifetime_orders += 1;
            s.lifetime_net += amount;
            if day > window_start {
                s.window_orders += 1;
                s.window_net += amount;
            }
        }
        day = day + Days::new(1 + exponential(rng, 365.0 / per_year) as u64);
    }
    summary
}

/// `n` clients with at least one purchase each, from `seed`.
fn population(n: usize, as_of: NaiveDate, window_start: NaiveDate, seed: u64) -> Vec<PurchaseSummary<u128>> {
    let mut rng = SplitMix64::new(seed);
    let mut people = Vec::with_capacity(n);
    while people.len() < n {
        if let Some(p) = client(&mut rng, as_of, window_start) {
            people.push(p);
        }
    }
    people
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
    settings: &RfmSettings,
    people: &[PurchaseSummary<u128>],
    map: &SegmentMap,
    ours: &[(RfmScore, Segment)],
) -> Result<(), Box<dyn std::error::Error>> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(format!("{dir}/as_of.txt"), as_of.to_string())?;
    std::fs::write(format!("{dir}/settings.json"), serde_json::to_string_pretty(settings)?)?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/facts.csv"))?);
    writeln!(f, "customer,first_purchase,last_purchase,window_orders,window_net,lifetime_orders,lifetime_net")?;
    for p in people {
        writeln!(
            f,
            "{:032x},{},{},{},{},{},{}",
            p.customer,
            p.first_purchase,
            p.last_purchase,
            p.window_orders,
            p.window_net,
            p.lifetime_orders,
            p.lifetime_net
        )?;
    }
    f.flush()?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/map.csv"))?);
    writeln!(f, "cell,r,f,m,segment")?;
    for score in RfmScore::all() {
        let (r, fr, m) = (score.r().get(), score.f().get(), score.m().get());
        writeln!(f, "{},{r},{fr},{m},{}", score.index(), map.segment(score).code())?;
    }
    f.flush()?;
    let mut f = std::io::BufWriter::new(std::fs::File::create(format!("{dir}/ours.csv"))?);
    writeln!(f, "customer,r,f,m,segment")?;
    for (p, (s, segment)) in people.iter().zip(ours) {
        writeln!(f, "{:032x},{},{},{},{}", p.customer, s.r().get(), s.f().get(), s.m().get(), segment.code())?;
    }
    f.flush()?;
    Ok(())
}

/// The value after `flag` on the command line, if any.
fn option<'a>(args: &'a [String], flag: &str) -> Option<&'a str> {
    args.iter().position(|a| a == flag).and_then(|i| args.get(i + 1)).map(String::as_str)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let csv = option(&args, "--csv");
    let n: usize = args.first().and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let as_of = match option(&args, "--as-of") {
        Some(date) => date.parse::<NaiveDate>()?,
        None => NaiveDate::from_ymd_opt(2026, 6, 30).ok_or("2026-06-30 is a date")?,
    };
    let settings: RfmSettings = match option(&args, "--settings") {
        Some(path) => serde_json::from_str(&std::fs::read_to_string(path)?)?,
        None => RfmSettings::default(),
    };
    let window_start = settings.window_start(as_of).ok_or("no window before the calendar's start")?;
    let people = timed("generating the population", || population(n, as_of, window_start, 42));
    let map = SegmentMap::default();
    // The example is the caller: it lets the scoring use the machine's cores.
    let threads = std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN);
    println!(
        "{n} customers as of {as_of}, window after {window_start}; settings {}",
        serde_json::to_string(&settings)?
    );
    timed("segment_customers, one thread", || segment_customers(&people, as_of, &settings, &map, NonZeroUsize::MIN))?;
    let ours = timed(&format!("segment_customers, up to {threads} threads"), || {
        segment_customers(&people, as_of, &settings, &map, threads)
    })?;
    let mut counts = [0_usize; Segment::COUNT];
    for (_, segment) in &ours {
        counts[segment.index()] += 1;
    }
    for segment in Segment::ALL {
        println!("  {:<20} {:>8}", segment.display_name(), counts[segment.index()]);
    }
    if let Some(dir) = csv {
        write_csv(dir, as_of, &settings, &people, &map, &ours)?;
        println!("wrote {dir}/facts.csv, settings.json, map.csv, as_of.txt, ours.csv");
    }
    Ok(())
}
