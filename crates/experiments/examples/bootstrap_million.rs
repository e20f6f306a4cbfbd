//! Times the results' statistics at a million customers: 800,000 treated
//! and 200,000 held out, `--share` of them spending (default 0.08), spend
//! log-normal. `cargo run --release -p clientele-experiments --example
//! bootstrap_million -- [--share 0.2] [--threads 2]`.
#![allow(clippy::unwrap_used)]

use std::time::Instant;

use clientele_experiments::{Assumptions, Bootstrap, Confidence, Group, RevenueSample, measure};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, LogNormal};

fn group(rng: &mut StdRng, customers: u64, share: f64) -> Group {
    let spend = LogNormal::new(600_f64.ln(), 0.9).unwrap();
    let mut values = Vec::new();
    for _ in 0..customers {
        if rng.random::<f64>() < share {
            values.push(spend.sample(rng));
        }
    }
    let responders = values.len() as u64;
    Group { responders, promoted_responders: None, revenue: RevenueSample::new(customers, values).unwrap() }
}

fn main() {
    let mut share = 0.08;
    let mut threads = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--share" => share = args.next().unwrap().parse().unwrap(),
            "--threads" => threads = args.next().unwrap().parse().unwrap(),
            other => panic!("unknown argument {other}"),
        }
    }
    let mut rng = StdRng::seed_from_u64(1);
    let treated = group(&mut rng, 800_000, share * 1.1);
    let control = group(&mut rng, 200_000, share);
    let a = Assumptions {
        confidence: Confidence::NINETY_FIVE,
        bootstrap: Bootstrap::with_seed(7).on_threads(threads),
        margin_rate: Some(0.6),
        cost: 100_000.0,
    };
    for _ in 0..3 {
        let t = Instant::now();
        let m = measure(&treated, &control, &a);
        println!(
            "share {share}, threads {threads}: {:.3} s (spenders {} + {}), bootstrap {:?}",
            t.elapsed().as_secs_f64(),
            treated.responders,
            control.responders,
            m.revenue_bootstrap
        );
    }
}
