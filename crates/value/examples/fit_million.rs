//! Timing (prints, asserts nothing): fit BG/NBD and Gamma-Gamma on the
//! CDNOW sample, then on 1,000,000 synthetic customers drawn from the
//! CDNOW-fitted models in whole days (so triples repeat, as in real data).
//!
//! `cargo run --release -p clientele-value --example fit_million [-- --summary FILE]`
//!
//! With `--summary FILE` (columns as `reference/cdnow_summary.csv`: id, x,
//! tₓ, T, average spend) it fits that data too, timed the same way — e.g. the
//! CDNOW master data written by `reference/cdnow_master.py`.
#![allow(clippy::unwrap_used)]

use std::num::NonZeroUsize;
use std::time::Instant;

use clientele_value::{BgNbdFit, CompressedSummaries, CustomerSummary, GammaGammaFit, ValueError};

#[path = "../tests/support/simulate.rs"]
mod simulate;

/// The example is the caller of the fits: it lets them use the machine's
/// cores (the crate itself never asks).
fn threads() -> NonZeroUsize {
    std::thread::available_parallelism().unwrap_or(NonZeroUsize::MIN)
}

/// `clientele_value::fit_bgnbd` on [`threads`] threads.
fn fit_bgnbd(data: &[CustomerSummary]) -> Result<BgNbdFit, ValueError> {
    clientele_value::fit_bgnbd_starting_at(&CompressedSummaries::from_summaries(data), None, threads())
}

/// `clientele_value::fit_gamma_gamma` on [`threads`] threads.
fn fit_gamma_gamma(data: &[CustomerSummary]) -> Result<GammaGammaFit, ValueError> {
    clientele_value::fit_gamma_gamma_starting_at(data, None, threads())
}

fn cdnow() -> Vec<CustomerSummary> {
    parse_summary(include_str!("../reference/cdnow_summary.csv"))
}

fn parse_summary(csv: &str) -> Vec<CustomerSummary> {
    csv.lines()
        .skip(1)
        .map(|line| {
            let f: Vec<f64> = line.split(',').map(|v| v.parse().unwrap()).collect();
            CustomerSummary::new(f[1] as u32, f[2], f[3], f[4]).unwrap()
        })
        .collect()
}

/// Fits both models on `data`, best of 20 after a warm-up, and prints the
/// parameters and times. Gamma-Gamma is fitted on the repeat buyers who
/// spent something, as lifetimes' users (and the refresh job) do: the CDNOW
/// master data has a repeat buyer whose purchases were all $0.
fn fit_and_time(label: &str, data: &[CustomerSummary]) {
    let spenders: Vec<CustomerSummary> =
        data.iter().filter(|s| s.frequency() > 0 && s.monetary() > 0.0).copied().collect();
    let _ = (fit_bgnbd(data), fit_gamma_gamma(&spenders));
    let mut best = (f64::INFINITY, f64::INFINITY);
    for _ in 0..20 {
        let start = Instant::now();
        let bg = fit_bgnbd(data).unwrap();
        let middle = Instant::now();
        let gg = fit_gamma_gamma(&spenders).unwrap();
        let end = Instant::now();
        best.0 = best.0.min((middle - start).as_secs_f64());
        best.1 = best.1.min((end - middle).as_secs_f64());
        std::hint::black_box((bg, gg));
    }
    let bg = fit_bgnbd(data).unwrap();
    let gg = fit_gamma_gamma(&spenders).unwrap();
    let triples = CompressedSummaries::from_summaries(data).triples().len();
    println!("{label}: {} customers, {} distinct triples", data.len(), triples);
    println!(
        "  BG/NBD r={:.10} alpha={:.10} a={:.10} b={:.10} ll={:.6} ({} iterations)",
        bg.params.r(),
        bg.params.alpha(),
        bg.params.a(),
        bg.params.b(),
        bg.log_likelihood,
        bg.iterations
    );
    println!(
        "  Gamma-Gamma p={:.10} q={:.10} v={:.10} ll={:.6} ({} iterations)",
        gg.params.p(),
        gg.params.q(),
        gg.params.v(),
        gg.log_likelihood,
        gg.iterations
    );
    println!(
        "  fit time (best of 20): BG/NBD {:.3} ms, Gamma-Gamma {:.3} ms, total {:.3} ms",
        best.0 * 1e3,
        best.1 * 1e3,
        (best.0 + best.1) * 1e3
    );
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    fit_and_time("CDNOW sample", &cdnow());
    if let Some(path) = args.iter().position(|a| a == "--summary").and_then(|i| args.get(i + 1)) {
        let csv = std::fs::read_to_string(path).unwrap();
        fit_and_time(path, &parse_summary(&csv));
    }

    let start = Instant::now();
    let million = simulate::simulate(1_000_000, 2026, &simulate::CDNOW_IN_DAYS);
    let generated = start.elapsed();
    let start = Instant::now();
    let compressed = CompressedSummaries::from_summaries(&million);
    let compress_time = start.elapsed();
    let start = Instant::now();
    let bg = fit_bgnbd(&million).unwrap();
    let bg_time = start.elapsed();
    let start = Instant::now();
    let gg = fit_gamma_gamma(&million).unwrap();
    let gg_time = start.elapsed();
    println!(
        "1,000,000 synthetic customers (days; generated in {:.2} s): {} distinct triples, {} repeat buyers",
        generated.as_secs_f64(),
        compressed.triples().len(),
        compressed.repeat_buyers()
    );
    println!(
        "  BG/NBD r={:.4} alpha={:.4} (true 0.2426, {:.4}) a={:.4} b={:.4} (true 0.7929, 2.4258)",
        bg.params.r(),
        bg.params.alpha(),
        4.4135 * 7.0,
        bg.params.a(),
        bg.params.b()
    );
    println!(
        "  Gamma-Gamma p={:.4} q={:.4} v={:.4} (true 6.2488, 3.7446, 15.4477)",
        gg.params.p(),
        gg.params.q(),
        gg.params.v()
    );
    println!(
        "  compression alone {:.1} ms; BG/NBD fit (incl. compression) {:.1} ms; Gamma-Gamma fit {:.1} ms",
        compress_time.as_secs_f64() * 1e3,
        bg_time.as_secs_f64() * 1e3,
        gg_time.as_secs_f64() * 1e3
    );
}
