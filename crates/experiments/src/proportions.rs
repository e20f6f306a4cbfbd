//! Response rates: [`Proportion`], its [`wilson`] interval, and
//! [`compare_rates`] — the treated rate minus the control rate with
//! Newcombe's hybrid score interval and the two-proportion z-test.
//!
//! # The formulas
//!
//! With `x` customers responding out of `n`, `p̂ = x/n` and `z` the normal
//! quantile of the confidence level, Wilson's score interval is
//!
//! ```text
//! (p̂ + z²/2n ± z·√(p̂(1 − p̂)/n + z²/4n²)) / (1 + z²/n)
//! ```
//!
//! — it stays inside [0, 1] and behaves at 0 and n responders, where the
//! textbook p̂ ± z·√(p̂(1 − p̂)/n) collapses to a point.
//!
//! For the difference `d = p̂₁ − p̂₀` (treated minus control), with each
//! group's Wilson interval `[l₁, u₁]` and `[l₀, u₀]`, Newcombe's interval
//! (his method 10, 1998) is
//!
//! ```text
//! [ d − √((p̂₁ − l₁)² + (u₀ − p̂₀)²),  d + √((u₁ − p̂₁)² + (p̂₀ − l₀)²) ]
//! ```
//!
//! The p-value is the usual pooled z-test's: `p̄ = (x₁ + x₀)/(n₁ + n₀)`,
//! `z = d / √(p̄(1 − p̄)(1/n₁ + 1/n₀))`, two-sided. These are statsmodels'
//! `proportion_confint(method="wilson")`,
//! `confint_proportions_2indep(method="newcomb")` and `proportions_ztest`
//! (checked against them to 1e-9: `reference/`).

use serde::Serialize;

use crate::estimate::{Confidence, Estimate, normal_p_value};

/// `successes` out of `trials` (at least one trial).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Proportion {
    successes: u64,
    trials: u64,
}

impl Proportion {
    /// None unless 0 ≤ successes ≤ trials and trials ≥ 1.
    pub fn new(successes: u64, trials: u64) -> Option<Proportion> {
        (trials > 0 && successes <= trials).then_some(Proportion { successes, trials })
    }

    pub fn successes(self) -> u64 {
        self.successes
    }

    pub fn trials(self) -> u64 {
        self.trials
    }

    /// successes / trials.
    pub fn rate(self) -> f64 {
        self.successes as f64 / self.trials as f64
    }
}

/// Wilson's score interval for the rate (see the [module
/// documentation](self)); `value` is the observed rate.
pub fn wilson(p: Proportion, confidence: Confidence) -> Estimate {
    let (n, rate, z) = (p.trials as f64, p.rate(), confidence.z());
    let z2 = z * z;
    let denominator = 1.0 + z2 / n;
    let centre = (rate + z2 / (2.0 * n)) / denominator;
    let half = z * (rate * (1.0 - rate) / n + z2 / (4.0 * n * n)).sqrt() / denominator;
    // At 0 and at n responders a bound is exactly 0 or 1 (centre and half
    // width are equal there, up to rounding).
    let low = if p.successes == 0 { 0.0 } else { (centre - half).max(0.0) };
    let high = if p.successes == p.trials { 1.0 } else { (centre + half).min(1.0) };
    Estimate { value: rate, low, high }
}

/// Treated against control on one response rate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RateComparison {
    /// The treated group's rate with its Wilson interval.
    pub treated: Estimate,
    /// The control group's rate with its Wilson interval.
    pub control: Estimate,
    /// Treated minus control, with Newcombe's interval.
    pub difference: Estimate,
    /// The pooled z-test's two-sided p-value; None when nobody or everybody
    /// responded in both groups (no variation to test: the difference is 0).
    pub p_value: Option<f64>,
}

/// The difference of the treated and control rates (see the [module
/// documentation](self)).
pub fn compare_rates(treated: Proportion, control: Proportion, confidence: Confidence) -> RateComparison {
    let (t, c) = (wilson(treated, confidence), wilson(control, confidence));
    let d = t.value - c.value;
    let low = d - ((t.value - t.low).powi(2) + (c.high - c.value).powi(2)).sqrt();
    let high = d + ((t.high - t.value).powi(2) + (c.value - c.low).powi(2)).sqrt();
    let (n1, n0) = (treated.trials as f64, control.trials as f64);
    let pooled = (treated.successes + control.successes) as f64 / (n1 + n0);
    let variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n0);
    let p_value = (variance > 0.0).then(|| normal_p_value(d / variance.sqrt()));
    RateComparison { treated: t, control: c, difference: Estimate { value: d, low, high }, p_value }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(x: u64, n: u64) -> Proportion {
        Proportion::new(x, n).unwrap()
    }

    #[test]
    fn proportions_are_checked() {
        assert_eq!(Proportion::new(1, 0), None);
        assert_eq!(Proportion::new(3, 2), None);
        assert_eq!(p(0, 1).rate(), 0.0);
    }

    /// Newcombe (1998), table II, example (a): 56/70 against 48/80 gives
    /// 0.2000 with the interval 0.0524 to 0.3339 by method 10.
    #[test]
    fn newcombes_own_example() {
        let r = compare_rates(p(56, 70), p(48, 80), Confidence::NINETY_FIVE);
        assert!((r.difference.value - 0.2).abs() < 1e-12);
        assert!((r.difference.low - 0.0524).abs() < 5e-5, "{:?}", r.difference);
        assert!((r.difference.high - 0.3339).abs() < 5e-5, "{:?}", r.difference);
    }

    /// Newcombe's example (h): 0/10 against 0/20: −0.1611 to 0.2775, and no
    /// p-value (nobody responded).
    #[test]
    fn nobody_responding_still_has_an_interval() {
        let r = compare_rates(p(0, 10), p(0, 20), Confidence::NINETY_FIVE);
        assert!((r.difference.low + 0.1611).abs() < 5e-5, "{:?}", r.difference);
        assert!((r.difference.high - 0.2775).abs() < 5e-5, "{:?}", r.difference);
        assert_eq!(r.p_value, None);
        assert_eq!(wilson(p(0, 10), Confidence::NINETY_FIVE).low, 0.0);
    }
}
