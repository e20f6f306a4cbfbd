//! Revenue per customer: [`RevenueSample`] (a group's customers, most of
//! whom spent nothing) and [`welch`] — the difference of the treated and
//! control means with Welch's interval and t-test.
//!
//! # The formulas
//!
//! With each group's mean `x̄`, sample variance `s²` (divisor n − 1) and
//! size `n`, the difference `d = x̄₁ − x̄₀` has the standard error
//! `se = √(s₁²/n₁ + s₀²/n₀)` and Welch–Satterthwaite's degrees of freedom
//! `ν = se⁴ / ((s₁²/n₁)²/(n₁ − 1) + (s₀²/n₀)²/(n₀ − 1))`. The interval is
//! `d ± t(ν)·se` with `t(ν)` Student's quantile at the confidence level,
//! and the p-value is `2·P(T_ν > |d|/se)`: scipy's `ttest_ind(…,
//! equal_var=False)` and statsmodels' `CompareMeans.tconfint_diff(usevar=
//! "unequal")`, checked to 1e-9 (`reference/`).
//!
//! Revenue is skewed (most customers spend nothing, a few spend a great
//! deal), so the results also give a bootstrap interval
//! ([`crate::bootstrap`]); when the two disagree, trust the bootstrap.
//!
//! # Order does not matter
//!
//! A sample keeps its non-zero values sorted, and every sum runs in that
//! order: the same customers give the same figures, bit for bit, however
//! they were listed.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::estimate::{Confidence, Estimate};

/// One group's revenue per customer: `customers` in all, of whom those in
/// `nonzero` spent something (net of returns: a value may be negative).
#[derive(Debug, Clone, PartialEq)]
pub struct RevenueSample {
    customers: u64,
    nonzero: Vec<f64>,
}

impl RevenueSample {
    /// From every customer's value, zeros included. None if a value is not
    /// finite.
    pub fn from_values(values: impl IntoIterator<Item = f64>) -> Option<RevenueSample> {
        let mut customers = 0_u64;
        let mut nonzero = Vec::new();
        for v in values {
            customers += 1;
            if v != 0.0 {
                nonzero.push(v);
            }
        }
        RevenueSample::new(customers, nonzero)
    }

    /// `customers` in all, the values of those who spent something (zeros
    /// among them are allowed). None if a value is not finite or there are
    /// more values than customers.
    pub fn new(customers: u64, mut values: Vec<f64>) -> Option<RevenueSample> {
        if values.len() as u64 > customers || values.iter().any(|v| !v.is_finite()) {
            return None;
        }
        values.retain(|v| *v != 0.0);
        values.sort_by(f64::total_cmp);
        Some(RevenueSample { customers, nonzero: values })
    }

    /// Every customer of the group.
    pub fn customers(&self) -> u64 {
        self.customers
    }

    /// The non-zero values, sorted.
    pub fn nonzero(&self) -> &[f64] {
        &self.nonzero
    }

    /// The sum of the values.
    pub fn total(&self) -> f64 {
        self.nonzero.iter().sum()
    }

    /// Mean per customer; None for an empty group.
    pub fn mean(&self) -> Option<f64> {
        (self.customers > 0).then(|| self.total() / self.customers as f64)
    }

    /// Sample variance (divisor n − 1), zeros included; None below two
    /// customers.
    pub fn variance(&self) -> Option<f64> {
        let mean = self.mean()?;
        if self.customers < 2 {
            return None;
        }
        let zeros = (self.customers - self.nonzero.len() as u64) as f64;
        let squares: f64 = self.nonzero.iter().map(|v| (v - mean) * (v - mean)).sum();
        Some((squares + zeros * mean * mean) / (self.customers - 1) as f64)
    }
}

/// Treated against control on mean revenue per customer.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanComparison {
    pub treated_mean: f64,
    pub control_mean: f64,
    /// Treated minus control, with Welch's interval.
    pub difference: Estimate,
    /// Welch–Satterthwaite degrees of freedom.
    pub degrees_of_freedom: f64,
    /// Two-sided p-value of Welch's t-test.
    pub p_value: f64,
}

/// Welch's comparison of the means (see the [module
/// documentation](self)). None when a group has fewer than two customers
/// or neither group varies at all (every customer spent the same).
pub fn welch(treated: &RevenueSample, control: &RevenueSample, confidence: Confidence) -> Option<MeanComparison> {
    let (m1, v1) = (treated.mean()?, treated.variance()?);
    let (m0, v0) = (control.mean()?, control.variance()?);
    let (n1, n0) = (treated.customers as f64, control.customers as f64);
    let (a, b) = (v1 / n1, v0 / n0);
    let se2 = a + b;
    if se2 <= 0.0 {
        return None;
    }
    let se = se2.sqrt();
    let df = se2 * se2 / (a * a / (n1 - 1.0) + b * b / (n0 - 1.0));
    let t = StudentsT::new(0.0, 1.0, df).ok()?;
    let quantile = t.inverse_cdf(1.0 - confidence.tail());
    let d = m1 - m0;
    Some(MeanComparison {
        treated_mean: m1,
        control_mean: m0,
        difference: Estimate { value: d, low: d - quantile * se, high: d + quantile * se },
        degrees_of_freedom: df,
        p_value: (2.0 * t.sf((d / se).abs())).min(1.0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zeros_count_as_customers() {
        let s = RevenueSample::from_values([0.0, 10.0, 0.0, 30.0]).unwrap();
        assert_eq!((s.customers(), s.nonzero()), (4, &[10.0, 30.0][..]));
        assert_eq!(s.mean(), Some(10.0));
        // Deviations −10, 0, −10, 20: 600 / 3.
        assert_eq!(s.variance(), Some(200.0));
        assert_eq!(RevenueSample::new(1, vec![1.0, 2.0]), None);
        assert_eq!(RevenueSample::from_values([f64::NAN]), None);
        assert_eq!(RevenueSample::new(3, vec![0.0, 5.0]).unwrap().nonzero(), &[5.0]);
    }

    /// A small case worked by hand: means 5 and 3, variances 2.5 and 0.5
    /// (n 5 each): se² = 0.5 + 0.1, ν = 0.36 / (0.25/4 + 0.01/4) = 5.538….
    #[test]
    fn a_small_case_by_hand() {
        let t = RevenueSample::from_values([3.0, 4.0, 5.0, 6.0, 7.0]).unwrap();
        let c = RevenueSample::from_values([2.0, 3.0, 3.0, 3.0, 4.0]).unwrap();
        let w = welch(&t, &c, Confidence::NINETY_FIVE).unwrap();
        assert_eq!(w.difference.value, 2.0);
        assert!((w.degrees_of_freedom - 0.36 / 0.065).abs() < 1e-12);
        assert!(w.difference.low > 0.0 && w.p_value < 0.05, "{w:?}");
    }

    #[test]
    fn nothing_to_compare_without_variation() {
        let zeros = RevenueSample::new(10, vec![]).unwrap();
        assert_eq!(welch(&zeros, &zeros, Confidence::NINETY_FIVE), None);
        let one = RevenueSample::new(1, vec![5.0]).unwrap();
        assert_eq!(welch(&one, &zeros, Confidence::NINETY_FIVE), None);
    }
}
