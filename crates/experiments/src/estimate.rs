//! [`Confidence`] (the level of an interval) and [`Estimate`] (a figure with
//! its interval).

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal};

/// The confidence level of a two-sided interval, from 50 % to 99.9 %.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd)]
pub struct Confidence(f64);

impl Confidence {
    /// 95 %: every interval the results show.
    pub const NINETY_FIVE: Confidence = Confidence(0.95);

    /// A level in [0.5, 0.999]; None otherwise (or NaN).
    pub fn new(level: f64) -> Option<Confidence> {
        (0.5..=0.999).contains(&level).then_some(Confidence(level))
    }

    /// The level, e.g. 0.95.
    pub fn level(self) -> f64 {
        self.0
    }

    /// The share left in each tail, (1 − level) / 2.
    pub fn tail(self) -> f64 {
        (1.0 - self.0) / 2.0
    }

    /// The standard normal's quantile at 1 − tail: 1.959963984540054 at 95 %.
    pub fn z(self) -> f64 {
        standard_normal().inverse_cdf(1.0 - self.tail())
    }
}

pub(crate) fn standard_normal() -> Normal {
    Normal::standard()
}

/// Two-sided p-value of a standard normal statistic: 2·P(Z > |z|).
pub(crate) fn normal_p_value(z: f64) -> f64 {
    (2.0 * standard_normal().sf(z.abs())).min(1.0)
}

/// A figure and the bounds of its interval (`low ≤ value ≤ high` for every
/// interval this crate makes, except a percentile bootstrap's, which need
/// not contain the point estimate).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl Estimate {
    /// Whether the interval contains `x` (bounds included).
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }

    /// Each figure times `factor` (a negative factor swaps the bounds).
    pub fn scaled(self, factor: f64) -> Estimate {
        let (a, b) = (self.low * factor, self.high * factor);
        Estimate { value: self.value * factor, low: a.min(b), high: a.max(b) }
    }

    /// Each figure through an increasing function.
    pub(crate) fn map(self, f: impl Fn(f64) -> f64) -> Estimate {
        Estimate { value: f(self.value), low: f(self.low), high: f(self.high) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_quantiles() {
        assert!((Confidence::NINETY_FIVE.z() - 1.959_963_984_540_054).abs() < 1e-14);
        assert!((Confidence::new(0.9).unwrap().z() - 1.644_853_626_951_472_2).abs() < 1e-13);
        for bad in [0.4, 1.0, f64::NAN, -1.0] {
            assert_eq!(Confidence::new(bad), None, "{bad}");
        }
        assert!((normal_p_value(1.959_963_984_540_054) - 0.05).abs() < 1e-10);
        assert_eq!(normal_p_value(0.0), 1.0);
    }

    #[test]
    fn scaling_keeps_the_bounds_in_order() {
        let e = Estimate { value: 1.0, low: -1.0, high: 3.0 };
        assert_eq!(e.scaled(2.0), Estimate { value: 2.0, low: -2.0, high: 6.0 });
        assert_eq!(e.scaled(-1.0), Estimate { value: -1.0, low: -3.0, high: 1.0 });
        assert!(e.contains(3.0) && !e.contains(3.1));
    }
}
