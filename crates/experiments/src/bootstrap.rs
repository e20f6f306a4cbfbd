//! A bootstrap interval for the difference of mean revenue per customer,
//! deterministic for a given seed: [`bootstrap_difference`].
//!
//! # The method
//!
//! Each resample draws every group's customers again, with replacement, as
//! many as it has, and takes the difference of the two means; the interval
//! is the percentiles of `resamples` such differences (the tails' share at
//! each end, interpolated linearly between order statistics as numpy's
//! default). It makes no assumption about the shape of revenue.
//!
//! Drawing n customers out of n, of whom m spent something, is the same
//! in distribution as drawing how many spenders come out — binomial (n,
//! m/n) — and then that many spenders with replacement: the customers who
//! spent nothing add only zeros. So a resample costs about m draws, not n,
//! and a million-customer campaign with 5 % responders resamples in
//! well under a second.
//!
//! # Determinism
//!
//! The draws come from ChaCha12 (`rand`'s `StdRng`, the version pinned by
//! the workspace) seeded with `seed`, in a fixed order (each resample:
//! treated then control), over each group's values in sorted order. The
//! same groups and seed give the same interval bit for bit, whatever order
//! the customers were given in.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Binomial, Distribution};
use serde::Serialize;

use crate::estimate::{Confidence, Estimate};
use crate::means::RevenueSample;

/// How many resamples, from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Bootstrap {
    pub resamples: u32,
    pub seed: u64,
}

impl Bootstrap {
    /// The results' bootstrap: 1,000 resamples.
    pub const fn with_seed(seed: u64) -> Bootstrap {
        Bootstrap { resamples: 1_000, seed }
    }
}

/// The mean of one resample of `sample`.
fn resample_mean(sample: &RevenueSample, rng: &mut StdRng) -> f64 {
    let (n, values) = (sample.customers(), sample.nonzero());
    if values.is_empty() {
        return 0.0;
    }
    let spenders = if values.len() as u64 == n {
        n
    } else {
        let share = values.len() as f64 / n as f64;
        Binomial::new(n, share).map(|b| b.sample(rng)).unwrap_or(0)
    };
    let mut sum = 0.0;
    for _ in 0..spenders {
        sum += values[rng.random_range(0..values.len())];
    }
    sum / n as f64
}

/// The `q` quantile of sorted `xs`, interpolated linearly (numpy's
/// default): position (len − 1)·q.
fn quantile(xs: &[f64], q: f64) -> f64 {
    let h = (xs.len() - 1) as f64 * q;
    let (below, fraction) = (h.floor() as usize, h - h.floor());
    match xs.get(below + 1) {
        Some(next) => xs[below] + fraction * (next - xs[below]),
        None => xs[below],
    }
}

/// The treated mean minus the control mean, with the percentile bootstrap
/// interval (see the [module documentation](self)). None when a group is
/// empty or there are no resamples.
pub fn bootstrap_difference(
    treated: &RevenueSample,
    control: &RevenueSample,
    confidence: Confidence,
    plan: Bootstrap,
) -> Option<Estimate> {
    let value = treated.mean()? - control.mean()?;
    if plan.resamples == 0 {
        return None;
    }
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let mut differences: Vec<f64> = (0..plan.resamples)
        .map(|_| {
            let t = resample_mean(treated, &mut rng);
            t - resample_mean(control, &mut rng)
        })
        .collect();
    differences.sort_by(f64::total_cmp);
    let tail = confidence.tail();
    Some(Estimate { value, low: quantile(&differences, tail), high: quantile(&differences, 1.0 - tail) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_interpolate_as_numpy() {
        let xs = [1.0, 2.0, 3.0, 4.0];
        // numpy.quantile([1, 2, 3, 4], [0.025, 0.975]) = [1.075, 3.925].
        assert!((quantile(&xs, 0.025) - 1.075).abs() < 1e-12);
        assert!((quantile(&xs, 0.975) - 3.925).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.5), 7.0);
    }

    #[test]
    fn the_same_seed_gives_the_same_interval_and_another_a_close_one() {
        let t = RevenueSample::new(5_000, (1..=400).map(|i| f64::from(i) * 3.0).collect()).unwrap();
        let c = RevenueSample::new(1_000, (1..=60).map(|i| f64::from(i) * 3.0).collect()).unwrap();
        let a = bootstrap_difference(&t, &c, Confidence::NINETY_FIVE, Bootstrap::with_seed(7)).unwrap();
        let b = bootstrap_difference(&t, &c, Confidence::NINETY_FIVE, Bootstrap::with_seed(7)).unwrap();
        assert_eq!(a, b);
        let other = bootstrap_difference(&t, &c, Confidence::NINETY_FIVE, Bootstrap::with_seed(8)).unwrap();
        assert_ne!(a, other);
        assert!((a.low - other.low).abs() < 0.2 * (a.high - a.low), "{a:?} {other:?}");
        assert!(a.low < a.value && a.value < a.high);
    }

    #[test]
    fn nothing_spent_anywhere_is_an_interval_of_zero() {
        let zeros = RevenueSample::new(100, vec![]).unwrap();
        let e = bootstrap_difference(&zeros, &zeros, Confidence::NINETY_FIVE, Bootstrap::with_seed(1)).unwrap();
        assert_eq!(e, Estimate { value: 0.0, low: 0.0, high: 0.0 });
        let empty = RevenueSample::new(0, vec![]).unwrap();
        assert_eq!(bootstrap_difference(&empty, &zeros, Confidence::NINETY_FIVE, Bootstrap::with_seed(1)), None);
    }
}
