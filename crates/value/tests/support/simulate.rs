//! Synthetic customers drawn from the BG/NBD and Gamma-Gamma models, for
//! tests and the timing example (`#[path]`-included by both). Deterministic:
//! a seed gives the same customers on any machine.
#![allow(dead_code, reason = "each includer uses part of it")]

use clientele_kernel::random::SplitMix64;
use clientele_value::CustomerSummary;

/// Draws from the distributions the models need, on the shared seeded
/// generator.
pub struct Sampler(SplitMix64);

impl Sampler {
    pub fn new(seed: u64) -> Sampler {
        Sampler(SplitMix64::new(seed))
    }

    /// Uniform in (0, 1]: never 0, so its logarithm is finite.
    pub fn uniform(&mut self) -> f64 {
        self.0.next_f64_nonzero()
    }

    pub fn normal(&mut self) -> f64 {
        (-2.0 * self.uniform().ln()).sqrt() * (2.0 * std::f64::consts::PI * self.uniform()).cos()
    }

    /// Gamma(shape, rate), Marsaglia–Tsang.
    pub fn gamma(&mut self, shape: f64, rate: f64) -> f64 {
        if shape < 1.0 {
            return self.gamma(shape + 1.0, rate) * self.uniform().powf(1.0 / shape);
        }
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / (9.0 * d).sqrt();
        loop {
            let z = self.normal();
            let v = (1.0 + c * z).powi(3);
            if v > 0.0 && self.uniform().ln() < 0.5 * z * z + d - d * v + d * v.ln() {
                return d * v / rate;
            }
        }
    }

    pub fn beta(&mut self, a: f64, b: f64) -> f64 {
        let x = self.gamma(a, 1.0);
        x / (x + self.gamma(b, 1.0))
    }
}

/// How a customer's dropout probability is drawn: from a Beta (the BG/NBD's
/// own mixing distribution), or the same for everyone (the limit where the
/// Beta collapses to a point, a → ∞ and b → ∞ at a fixed ratio).
#[derive(Debug, Clone, Copy)]
pub enum Dropout {
    Beta { a: f64, b: f64 },
    Fixed(f64),
}

/// The true models of a synthetic population; time in days.
#[derive(Debug, Clone, Copy)]
pub struct Truth {
    pub r: f64,
    pub alpha: f64,
    pub dropout: Dropout,
    pub p: f64,
    pub q: f64,
    pub v: f64,
    /// Customers are observed for 1..=max_age whole days.
    pub max_age: f64,
}

/// The CDNOW fit (lifetimes, weeks) converted to days, observed up to a year.
pub const CDNOW_IN_DAYS: Truth = Truth {
    r: 0.2426,
    alpha: 4.4135 * 7.0,
    dropout: Dropout::Beta { a: 0.7929, b: 2.4258 },
    p: 6.2488,
    q: 3.7446,
    v: 15.4477,
    max_age: 365.0,
};

/// `n` customers drawn from `truth`, in whole days (so triples repeat, as
/// in real data).
pub fn simulate(n: usize, seed: u64, truth: &Truth) -> Vec<CustomerSummary> {
    let mut rng = Sampler::new(seed);
    (0..n)
        .map(|_| {
            let age = 1.0 + (rng.uniform() * truth.max_age).floor();
            let rate = rng.gamma(truth.r, truth.alpha);
            let dropout = match truth.dropout {
                Dropout::Beta { a, b } => rng.beta(a, b),
                Dropout::Fixed(p) => p,
            };
            let (mut t, mut x, mut last) = (0.0, 0_u32, 0.0);
            loop {
                t += -rng.uniform().ln() / rate;
                if t > age {
                    break;
                }
                x += 1;
                last = t;
                if rng.uniform() < dropout {
                    break;
                }
            }
            let recency = if x == 0 { 0.0 } else { last.floor() };
            let monetary = if x == 0 {
                0.0
            } else {
                let nu = rng.gamma(truth.q, truth.v);
                let mean = rng.gamma(truth.p * f64::from(x), nu * f64::from(x));
                ((mean * 100.0).round() / 100.0).max(0.01)
            };
            CustomerSummary::new(x, recency, age, monetary).unwrap()
        })
        .collect()
}
