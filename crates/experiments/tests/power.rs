//! The dry run's minimum detectable uplift, stated as properties (issue #11,
//! item 5): it solves its equation, it never grows when either group grows,
//! and it shrinks like 1/√n.
#![allow(clippy::unwrap_used)]

use clientele_experiments::minimum_detectable_uplift;
use clientele_experiments::power::{Z_80, Z_975};
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

const K: f64 = Z_975 + Z_80;

/// Rounding slack: the answer is a handful of floating-point operations.
const SLACK: f64 = 1e-12;

/// None (nothing detectable) as an infinitely large uplift, for comparing.
fn mde(base_rate: f64, treated: u64, control: u64) -> f64 {
    minimum_detectable_uplift(base_rate, treated, control).unwrap_or(f64::INFINITY)
}

fn base_rate() -> impl Strategy<Value = f64> {
    prop_oneof![0.0001_f64..0.9999, 0.001_f64..0.1, Just(0.5)]
}

fn group() -> impl Strategy<Value = u64> {
    prop_oneof![1_u64..100, 100_u64..100_000, 100_000_u64..100_000_000]
}

// ------------------------------------------------------------- properties

proptest! {
    /// At the answer the test has exactly 80 % power: δ / sd(δ) = k, with
    /// the standard deviation under H1. The treated rate stays a rate. And
    /// there is no answer exactly when a treated rate of 100 % is still
    /// within k standard deviations: 1 − p₀ < k·√(p₀q₀/n_c) (the treated
    /// group's variance is 0 at 100 %).
    #[test]
    fn the_answer_solves_the_equation(p0 in base_rate(), treated in group(), control in group()) {
        let at_most = K * (p0 * (1.0 - p0) / control as f64).sqrt();
        match minimum_detectable_uplift(p0, treated, control) {
            Some(delta) => {
                let p1 = p0 + delta;
                prop_assert!(delta > 0.0 && p1 <= 1.0);
                let sd = (p1 * (1.0 - p1) / treated as f64 + p0 * (1.0 - p0) / control as f64).sqrt();
                prop_assert!((delta / sd / K - 1.0).abs() < 1e-9, "δ/sd = {}", delta / sd);
                prop_assert!(1.0 - p0 >= at_most * (1.0 - 1e-9));
            }
            None => prop_assert!(1.0 - p0 < at_most * (1.0 + 1e-9), "{} ≥ {at_most}", 1.0 - p0),
        }
    }

    /// More customers held out never raise the MDE (up to rounding); nor do
    /// more treated. Nothing detectable counts as an infinite MDE.
    #[test]
    fn more_customers_never_raise_the_mde(
        p0 in base_rate(),
        treated in group(),
        control in group(),
        more in 1_u64..1_000_000,
    ) {
        let base = mde(p0, treated, control);
        let more_control = mde(p0, treated, control + more);
        let more_treated = mde(p0, treated + more, control);
        prop_assert!(more_control <= base * (1.0 + SLACK), "{more_control} > {base}");
        prop_assert!(more_treated <= base * (1.0 + SLACK), "{more_treated} > {base}");
    }

    /// It shrinks like 1/√n: it is k·σ₀, σ₀ = √(p₀q₀(1/n_t + 1/n_c)) (the
    /// standard error under H0, exactly 1/√n when both groups scale by n),
    /// to within k²/n_t, a term that vanishes as 1/n. (From the equation:
    /// δ² − k²σ₀² = k²δ(1 − 2p₀ − δ)/n_t, so |δ − kσ₀| ≤ k²/n_t.)
    #[test]
    fn it_is_k_standard_errors_to_within_a_1_over_n_term(
        p0 in base_rate(),
        treated in group(),
        control in group(),
    ) {
        let sigma0 = (p0 * (1.0 - p0) * (1.0 / treated as f64 + 1.0 / control as f64)).sqrt();
        let bound = K * K / treated as f64;
        if let Some(delta) = minimum_detectable_uplift(p0, treated, control) {
            prop_assert!(
                (delta - K * sigma0).abs() <= bound * (1.0 + SLACK) + SLACK * delta,
                "δ {delta}, kσ₀ {}, bound {bound}", K * sigma0
            );
        }
    }

    /// So four times as many customers in each group halve the MDE, within
    /// 5 % once the groups hold a million customers (the bound above makes
    /// it at most 2.8 % off there, for base rates from 1 % to 99 %).
    #[test]
    fn four_times_the_customers_halve_it(
        p0 in 0.01_f64..0.99,
        treated in 1_000_000_u64..100_000_000,
        control in 1_000_000_u64..100_000_000,
    ) {
        let ratio = mde(p0, 4 * treated, 4 * control) / mde(p0, treated, control);
        prop_assert!((0.475..=0.525).contains(&ratio), "{ratio}");
    }
}
