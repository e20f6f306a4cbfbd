//! The Gamma-Gamma spend model (Fader, Hardie & Lee 2005, "RFM and CLV";
//! Fader & Hardie, note 025): a customer's transaction values are
//! Gamma(p, ν) with ν ~ Gamma(q, v) across customers, independent of the
//! purchase process. Fitted on repeat buyers' average spend.

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::bgnbd::check_positive;
use crate::error::Model;
use crate::optimize::{self, Failure, held_names};
use crate::special::{digamma, ln_gamma};
use crate::summary::CustomerSummary;

/// Fewest repeat buyers [`fit_gamma_gamma`] accepts: more than the three
/// parameters.
pub const GAMMA_GAMMA_MIN_REPEAT_BUYERS: usize = 4;

/// The three Gamma-Gamma parameters: p, q, v finite and > 0, and q > 1 so
/// that the mean spend, v p / (q − 1), exists. `v` is in money units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawGammaGamma")]
pub struct GammaGammaParams {
    p: f64,
    q: f64,
    v: f64,
}

#[derive(Debug, Deserialize)]
struct RawGammaGamma {
    p: f64,
    q: f64,
    v: f64,
}

impl TryFrom<RawGammaGamma> for GammaGammaParams {
    type Error = ValueError;

    fn try_from(raw: RawGammaGamma) -> Result<Self, Self::Error> {
        GammaGammaParams::new(raw.p, raw.q, raw.v)
    }
}

impl GammaGammaParams {
    /// p (shape of a customer's transaction values), q and v (shape and
    /// scale of their rate across customers). Each finite and > 0, q > 1.
    pub fn new(p: f64, q: f64, v: f64) -> Result<Self, ValueError> {
        let p = check_positive(Model::GammaGamma, "p", p)?;
        let q = check_positive(Model::GammaGamma, "q", q)?;
        let v = check_positive(Model::GammaGamma, "v", v)?;
        if q <= 1.0 {
            return Err(ValueError::InvalidParameter {
                model: Model::GammaGamma,
                name: "q",
                value: q,
                reason: "must exceed 1, or the mean spend is infinite",
            });
        }
        Ok(GammaGammaParams { p, q, v })
    }

    /// p.
    pub fn p(&self) -> f64 {
        self.p
    }

    /// q.
    pub fn q(&self) -> f64 {
        self.q
    }

    /// v.
    pub fn v(&self) -> f64 {
        self.v
    }

    /// The population mean spend per transaction, v p / (q − 1).
    pub fn population_mean_spend(&self) -> f64 {
        self.v * self.p / (self.q - 1.0)
    }

    /// E[average spend | x, m̄]: a weighted average of the customer's own
    /// average m̄ and the population mean, the customer's weight being
    /// p x / (p x + q − 1). A customer with x = 0 gets the population mean.
    pub fn expected_average_spend(&self, customer: &CustomerSummary) -> f64 {
        let x = f64::from(customer.frequency());
        let own = self.p * x / (self.p * x + self.q - 1.0);
        (1.0 - own) * self.population_mean_spend() + own * customer.monetary()
    }

    /// The log-likelihood of one repeat buyer's average spend m̄ over x
    /// transactions (note 025, eq. 1a; `lifetimes`' `GammaGammaFitter`).
    /// `None` when x = 0 or m̄ = 0 (outside the model).
    pub fn customer_log_likelihood(&self, customer: &CustomerSummary) -> Option<f64> {
        let x = f64::from(customer.frequency());
        let m = customer.monetary();
        (x > 0.0 && m > 0.0).then(|| {
            let px = self.p * x;
            ln_gamma(px + self.q) - ln_gamma(px) - ln_gamma(self.q)
                + self.q * self.v.ln()
                + (px - 1.0) * m.ln()
                + px * x.ln()
                - (px + self.q) * (x * m + self.v).ln()
        })
    }
}

/// A fitted Gamma-Gamma model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GammaGammaFit {
    /// The maximum-likelihood parameters.
    pub params: GammaGammaParams,
    /// The total log-likelihood over the repeat buyers at `params`.
    pub log_likelihood: f64,
    /// BFGS iterations used.
    pub iterations: u32,
    /// The parameters held on the edge of the search box (e^±18 on the
    /// fitting scale): the likelihood keeps rising towards a limit of the
    /// model there, so the fit is the best the box allows. Empty for an
    /// interior maximum.
    pub at_bound: Vec<&'static str>,
}

/// The repeat buyers prepared for the objective (spend rescaled): per
/// distinct x the count W and Σ ln m̄, so that the Γ and ψ terms are
/// evaluated once per x; per distinct (x, m̄) pair x m̄ and the count.
struct Prepared {
    /// (x, ln x, W_x, Σ count × ln m̄).
    by_frequency: Vec<(f64, f64, f64, f64)>,
    /// (x, x m̄, count).
    pairs: Vec<(f64, f64, f64)>,
    total: f64,
    /// How many threads an evaluation may use.
    threads: NonZeroUsize,
}

/// Minus the mean log-likelihood and its gradient in (ln p, ln q, ln v).
fn objective(data: &Prepared, u: &[f64; 3], grad: &mut [f64; 3]) -> f64 {
    let [p, q, v] = u.map(f64::exp);
    let (lg_q, dg_q, ln_v) = (ln_gamma(q), digamma(q), v.ln());
    let mut ll = 0.0;
    let mut g = [0.0; 3];
    for &(x, ln_x, w, sum_ln_m) in &data.by_frequency {
        let px = p * x;
        ll += w * (ln_gamma(px + q) - ln_gamma(px) - lg_q + q * ln_v + px * ln_x) + (px - 1.0) * sum_ln_m;
        let dg_pxq = digamma(px + q);
        g[0] += x * (w * (dg_pxq - digamma(px) + ln_x) + sum_ln_m);
        g[1] += w * (dg_pxq - dg_q + ln_v);
        g[2] += w * q / v;
    }
    let (ll, g) = optimize::sum_in_chunks(&data.pairs, (ll, g), data.threads, |pairs, ll, g| {
        for &(x, xm, w) in pairs {
            let px_q = p * x + q;
            let ln_xmv = (xm + v).ln();
            *ll -= w * px_q * ln_xmv;
            g[0] -= w * x * ln_xmv;
            g[1] -= w * ln_xmv;
            g[2] -= w * px_q / (xm + v);
        }
    });
    let theta = [p, q, v];
    for i in 0..3 {
        grad[i] = -g[i] * theta[i] / data.total;
    }
    -ll / data.total
}

const STARTS: [[f64; 3]; 4] = [[0.0, 0.0, 0.0], [0.1, 0.1, 0.1], [1.0, 1.0, 1.0], [-1.0, 0.5, -1.0]];

/// Fits the Gamma-Gamma model by maximum likelihood on the repeat buyers
/// (x > 0) among `summaries`; customers with x = 0 are skipped. Identical
/// (x, m̄) pairs are grouped; spend is rescaled to mean 1 while fitting.
///
/// Errors: [`ValueError::NoRepeatBuyers`], [`ValueError::ZeroSpend`] (a
/// repeat buyer with m̄ = 0), [`ValueError::TooFewCustomers`] below
/// [`GAMMA_GAMMA_MIN_REPEAT_BUYERS`], [`ValueError::DidNotConverge`] (e.g.
/// every repeat buyer spends the same, so the spread is not identified), and
/// [`ValueError::InvalidParameter`] when the fitted q ≤ 1 (no finite mean).
///
/// On one thread; see [`fit_gamma_gamma_starting_at`] to use more.
pub fn fit_gamma_gamma(summaries: &[CustomerSummary]) -> Result<GammaGammaFit, ValueError> {
    fit_gamma_gamma_starting_at(summaries, None, NonZeroUsize::MIN)
}

/// [`fit_gamma_gamma`], trying `start` first (e.g. yesterday's fit); the
/// same maximum to the fit's tolerance, in fewer steps when it is close.
/// The likelihood is summed on up to `threads` threads when there are many
/// distinct (x, m̄) pairs; the fit has the same bits whatever `threads` is.
pub fn fit_gamma_gamma_starting_at(
    summaries: &[CustomerSummary],
    start: Option<GammaGammaParams>,
    threads: NonZeroUsize,
) -> Result<GammaGammaFit, ValueError> {
    let mut pairs: Vec<(u32, f64)> = Vec::new();
    for (index, s) in summaries.iter().enumerate() {
        if s.frequency() > 0 {
            if s.monetary() <= 0.0 {
                return Err(ValueError::ZeroSpend { index });
            }
            pairs.push((s.frequency(), s.monetary()));
        }
    }
    if pairs.is_empty() {
        return Err(ValueError::NoRepeatBuyers { model: Model::GammaGamma });
    }
    if pairs.len() < GAMMA_GAMMA_MIN_REPEAT_BUYERS {
        return Err(ValueError::TooFewCustomers {
            model: Model::GammaGamma,
            found: pairs.len(),
            required: GAMMA_GAMMA_MIN_REPEAT_BUYERS,
        });
    }
    let total = pairs.len() as f64;
    let scale = total / pairs.iter().map(|p| p.1).sum::<f64>();
    pairs.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut data = Prepared { by_frequency: Vec::new(), pairs: Vec::new(), total, threads };
    for (x, m) in pairs {
        let (x, m) = (f64::from(x), m * scale);
        match data.by_frequency.last_mut() {
            Some(last) if last.0 == x => {
                last.2 += 1.0;
                last.3 += m.ln();
            }
            _ => data.by_frequency.push((x, x.ln(), 1.0, m.ln())),
        }
        match data.pairs.last_mut() {
            Some(last) if last.0 == x && last.1 == x * m => last.2 += 1.0,
            _ => data.pairs.push((x, x * m, 1.0)),
        }
    }
    let mut failure = Failure::IterationLimit;
    let given = start.map(|p| [p.p, p.q, p.v * scale].map(|v| v.ln().clamp(-optimize::BOX, optimize::BOX)));
    for start in given.into_iter().chain(STARTS) {
        match optimize::minimize(|u, g| objective(&data, u, g), start, optimize::FirstGuess::Scaled) {
            Ok(minimum) => {
                let [p, q, v] = minimum.point.map(f64::exp);
                let params = GammaGammaParams::new(p, q, v / scale)?;
                let log_likelihood = summaries.iter().filter_map(|s| params.customer_log_likelihood(s)).sum::<f64>();
                if !log_likelihood.is_finite() {
                    failure = Failure::NotFiniteAtStart;
                    continue;
                }
                return Ok(GammaGammaFit {
                    params,
                    log_likelihood,
                    iterations: minimum.iterations,
                    at_bound: held_names(["p", "q", "v"], minimum.at_bound),
                });
            }
            Err(f) => failure = f,
        }
    }
    Err(ValueError::DidNotConverge { model: Model::GammaGamma, reason: failure.describe() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        // Customers (x, m̄): (1, 0.8) twice, (3, 1.3) once.
        let data = Prepared {
            by_frequency: vec![(1.0, 0.0, 2.0, 2.0 * 0.8_f64.ln()), (3.0, 3.0_f64.ln(), 1.0, 1.3_f64.ln())],
            pairs: vec![(1.0, 0.8, 2.0), (3.0, 3.9, 1.0)],
            total: 3.0,
            threads: NonZeroUsize::MIN,
        };
        let u = [0.4, 0.9, -0.2];
        let (mut g, mut scratch) = ([0.0; 3], [0.0; 3]);
        let value = objective(&data, &u, &mut g);
        for i in 0..3 {
            let (mut up, mut down) = (u, u);
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let numeric = (objective(&data, &up, &mut scratch) - objective(&data, &down, &mut scratch)) / 2e-6;
            assert!((g[i] - numeric).abs() < 1e-6, "component {i}: {} vs {numeric}", g[i]);
        }
        // The objective is minus the mean of the public per-customer log-likelihood.
        let params = GammaGammaParams::new(0.4_f64.exp(), 0.9_f64.exp(), (-0.2_f64).exp()).unwrap();
        let ll = [(1, 0.8), (1, 0.8), (3, 1.3)]
            .map(|(x, m)| params.customer_log_likelihood(&CustomerSummary::new(x, 1.0, 2.0, m).unwrap()).unwrap());
        assert!((value + ll.iter().sum::<f64>() / 3.0).abs() < 1e-12);
    }
}
