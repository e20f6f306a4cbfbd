//! The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the
//! Easy Way"): purchases while alive follow a Poisson process with rate
//! λ ~ Gamma(r, α); after each purchase the customer drops out with
//! probability p ~ Beta(a, b).

use std::num::NonZeroUsize;

use serde::{Deserialize, Serialize};

use crate::ValueError;
use crate::error::Model;
use crate::optimize::{self, Failure, held_names};
use crate::summary::{CompressedSummaries, CustomerSummary};

/// Fewest customers [`fit_bgnbd`] accepts: more than the four parameters.
pub const BGNBD_MIN_CUSTOMERS: usize = 5;

/// The four BG/NBD parameters, each finite and > 0. `alpha` is in the time
/// unit of the summaries it was fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawBgNbd")]
pub struct BgNbdParams {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

#[derive(Debug, Deserialize)]
struct RawBgNbd {
    r: f64,
    alpha: f64,
    a: f64,
    b: f64,
}

impl TryFrom<RawBgNbd> for BgNbdParams {
    type Error = ValueError;

    fn try_from(raw: RawBgNbd) -> Result<Self, Self::Error> {
        BgNbdParams::new(raw.r, raw.alpha, raw.a, raw.b)
    }
}

pub(crate) fn check_positive(model: Model, name: &'static str, value: f64) -> Result<f64, ValueError> {
    if value.is_finite() && value > 0.0 {
        Ok(value)
    } else {
        Err(ValueError::InvalidParameter { model, name, value, reason: "must be finite and greater than zero" })
    }
}

impl BgNbdParams {
    /// r and α (shape and rate of the purchase-rate Gamma), a and b (the
    /// dropout Beta); each must be finite and > 0.
    pub fn new(r: f64, alpha: f64, a: f64, b: f64) -> Result<Self, ValueError> {
        Ok(BgNbdParams {
            r: check_positive(Model::BgNbd, "r", r)?,
            alpha: check_positive(Model::BgNbd, "alpha", alpha)?,
            a: check_positive(Model::BgNbd, "a", a)?,
            b: check_positive(Model::BgNbd, "b", b)?,
        })
    }

    /// r, shape of the purchase-rate distribution.
    pub fn r(&self) -> f64 {
        self.r
    }

    /// α, rate (per time unit) of the purchase-rate distribution.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }

    /// a, first shape of the dropout-probability Beta.
    pub fn a(&self) -> f64 {
        self.a
    }

    /// b, second shape of the dropout-probability Beta.
    pub fn b(&self) -> f64 {
        self.b
    }

    /// The log-likelihood of one customer (Fader, Hardie & Lee 2005, eq. 6;
    /// the same expression as `lifetimes`' `BetaGeoFitter`).
    pub fn customer_log_likelihood(&self, customer: &CustomerSummary) -> f64 {
        let x = f64::from(customer.frequency());
        frequency_term(self, x) + time_term(self, x, customer.recency(), customer.age())
    }

    /// The total log-likelihood of a compressed population: the sum over
    /// distinct triples of count × the customer log-likelihood.
    pub fn log_likelihood(&self, data: &CompressedSummaries) -> f64 {
        data.triples()
            .iter()
            .map(|t| {
                let x = f64::from(t.frequency);
                t.count as f64 * (frequency_term(self, x) + time_term(self, x, t.recency, t.age))
            })
            .sum()
    }

    /// P(alive): the probability that the customer has not dropped out by
    /// the end of observation, given the history (Fader, Hardie & Lee,
    /// note 021). It is 1 exactly when x = 0 (in the BG/NBD a customer can
    /// only drop out right after a repeat purchase), else in (0, 1).
    pub fn probability_alive(&self, customer: &CustomerSummary) -> f64 {
        let x = customer.frequency();
        if x == 0 {
            return 1.0;
        }
        let x = f64::from(x);
        let log_odds_dead = (self.r + x) * ((self.alpha + customer.age()) / (self.alpha + customer.recency())).ln()
            + (self.a / (self.b + x - 1.0)).ln();
        1.0 / (1.0 + log_odds_dead.exp())
    }

    /// The expected number of purchases in (T, T + horizon], given the
    /// history (Fader, Hardie & Lee 2005, eq. 10). `horizon` is in the
    /// summaries' time unit; a horizon ≤ 0 or NaN gives 0.
    ///
    /// The Gauss hypergeometric function 2F1(r+x, b+x; c; z) of eq. 10,
    /// c = a+b+x−1, is summed in whichever form converges well:
    ///
    /// - usually after an Euler transformation, 2F1(r+x, b+x; c; z) =
    ///   (1−z)^(a−1−r−x) 2F1(a+b−1−r, a−1; c; z), whose series has small
    ///   parameters whatever x, and with the factor (a − 1) cancelled
    ///   analytically so that a = 1 is not a singularity;
    /// - as it stands when a > 20: a fit on customers who all drop out alike
    ///   gives a and b in the millions, where the transformed series
    ///   overflows (its terms grow like (a z)ⁿ / n!) while the plain one
    ///   converges (its terms shrink like ((b+x)/(a+b+x)) z, and c/(a − 1)
    ///   is far from the singularity at a = 1).
    pub fn expected_purchases(&self, customer: &CustomerSummary, horizon: f64) -> f64 {
        if horizon.is_nan() || horizon <= 0.0 {
            return 0.0;
        }
        (self.purchases_numerator(customer.frequency(), customer.age(), horizon) / self.purchases_denominator(customer))
            .max(0.0)
    }

    /// The numerator of eq. 10: the hypergeometric part, which depends on
    /// x and T only (so customers sharing them share it). `horizon` > 0.
    pub(crate) fn purchases_numerator(&self, frequency: u32, age: f64, horizon: f64) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let x = f64::from(frequency);
        let c = a + b + x - 1.0;
        let z = horizon / (alpha + age + horizon);
        // ln(1 − z) = −ln(1 + t/(α + T)).
        let ln_one_minus_z = -(horizon / (alpha + age)).ln_1p();
        if a > 20.0 {
            // c/(a−1) · (1 − (1−z)^(r+x) 2F1(r+x, b+x; c; z))
            let mut term = 1.0_f64;
            let mut sum = 1.0_f64;
            let mut n = 0.0;
            while term.abs() > 1e-17 * sum.abs() && n < 1e7 {
                term *= (r + x + n) * (b + x + n) / ((c + n) * (n + 1.0)) * z;
                sum += term;
                n += 1.0;
            }
            c / (a - 1.0) * -((r + x) * ln_one_minus_z + sum.ln()).exp_m1()
        } else {
            let big_a = a + b - 1.0 - r;
            let beta = a - 1.0;
            // G = Σ_{n≥1} (A)_n (a)_{n−1} / ((c)_n n!) zⁿ, so 2F1(A, a−1; c; z) = 1 + (a−1) G.
            let mut term = big_a / c * z;
            let mut sum = term;
            let mut n = 1.0;
            while term.abs() > 1e-17 * sum.abs() && n < 1e7 {
                term *= (big_a + n) * (a + n - 1.0) / ((c + n) * (n + 1.0)) * z;
                sum += term;
                n += 1.0;
            }
            let power = (beta * ln_one_minus_z).exp();
            let first = if beta == 0.0 { -ln_one_minus_z } else { -(beta * ln_one_minus_z).exp_m1() / beta };
            c * (first - power * sum)
        }
    }

    /// The denominator of eq. 10, which brings in tₓ.
    pub(crate) fn purchases_denominator(&self, customer: &CustomerSummary) -> f64 {
        let BgNbdParams { r, alpha, a, b } = *self;
        let x = f64::from(customer.frequency());
        if x > 0.0 {
            1.0 + (a / (b + x - 1.0)) * ((alpha + customer.age()) / (alpha + customer.recency())).powf(r + x)
        } else {
            1.0
        }
    }
}

/// The part of the log-likelihood that depends on x only.
fn frequency_term(p: &BgNbdParams, x: f64) -> f64 {
    let ln_rising = |y: f64| Rising::new(y).up_to(x).0;
    ln_rising(p.r) + p.r * p.alpha.ln() + ln_rising(p.b) - ln_rising(p.a + p.b)
}

/// The part of the log-likelihood that depends on tₓ and T:
/// ln( (α+T)^−(r+x) + [x>0] a/(b+x−1) (α+tₓ)^−(r+x) ).
fn time_term(p: &BgNbdParams, x: f64, recency: f64, age: f64) -> f64 {
    let a3 = -(p.r + x) * (p.alpha + age).ln();
    if x == 0.0 {
        return a3;
    }
    let a4 = p.a.ln() - (p.b + x - 1.0).ln() - (p.r + x) * (p.alpha + recency).ln();
    let m = a3.max(a4);
    m + ((a3 - m).exp() + (a4 - m).exp()).ln()
}

/// A fitted BG/NBD model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BgNbdFit {
    /// The maximum-likelihood parameters.
    pub params: BgNbdParams,
    /// The total log-likelihood at `params`.
    pub log_likelihood: f64,
    /// BFGS iterations used.
    pub iterations: u32,
    /// The parameters held on the edge of the search box (e^±18 on the
    /// fitting scale): the likelihood keeps rising towards a limit of the
    /// model there, so the fit is the best the box allows. Empty for an
    /// interior maximum.
    pub at_bound: Vec<&'static str>,
}

/// Fits the BG/NBD model by maximum likelihood on all customers (those with
/// and without repeat purchases), on one thread. See
/// [`fit_bgnbd_compressed`], and [`fit_bgnbd_starting_at`] to use more.
pub fn fit_bgnbd(summaries: &[CustomerSummary]) -> Result<BgNbdFit, ValueError> {
    fit_bgnbd_compressed(&CompressedSummaries::from_summaries(summaries))
}

/// Data prepared for the objective: time rescaled so that the oldest
/// customer has T = 10 (as `lifetimes` does), per-x weights for the
/// x-only terms, per-triple weights for the time terms.
struct Prepared {
    by_frequency: Vec<(f64, f64)>,
    /// Per triple: x, the index of its tₓ in `recencies`, of its T in
    /// `ages`, and its count. Triples are in ascending x.
    triples: Vec<(f64, u32, u32, f64)>,
    /// The distinct (rescaled) tₓ and T values: real data has far fewer of
    /// them than triples (whole days over a few years), so the logarithms
    /// that depend on them are taken once per value, not once per triple.
    recencies: Vec<f64>,
    ages: Vec<f64>,
    total: f64,
    /// How many threads an evaluation may use.
    threads: NonZeroUsize,
}

impl Prepared {
    fn new(data: &CompressedSummaries, scale: f64, threads: NonZeroUsize) -> Prepared {
        let mut by_frequency: Vec<(f64, f64)> = Vec::new();
        for t in data.triples() {
            let x = f64::from(t.frequency);
            match by_frequency.last_mut() {
                Some(last) if last.0 == x => last.1 += t.count as f64,
                _ => by_frequency.push((x, t.count as f64)),
            }
        }
        let distinct = |values: &mut dyn Iterator<Item = f64>| {
            let mut v: Vec<f64> = values.collect();
            v.sort_unstable_by(f64::total_cmp);
            v.dedup();
            v
        };
        let recencies = distinct(&mut data.triples().iter().map(|t| t.recency * scale));
        let ages = distinct(&mut data.triples().iter().map(|t| t.age * scale));
        let index = |values: &[f64], v: f64| {
            u32::try_from(values.binary_search_by(|p| p.total_cmp(&v)).unwrap_or(0)).unwrap_or(u32::MAX)
        };
        let triples = data
            .triples()
            .iter()
            .map(|t| {
                (
                    f64::from(t.frequency),
                    index(&recencies, t.recency * scale),
                    index(&ages, t.age * scale),
                    t.count as f64,
                )
            })
            .collect();
        Prepared { by_frequency, triples, recencies, ages, total: data.customers() as f64, threads }
    }
}

/// ln(α + v) and 1 / (α + v) for each value.
fn log_table(alpha: f64, values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().map(|v| ((alpha + v).ln(), 1.0 / (alpha + v))).collect()
}

/// Minus the mean log-likelihood and its gradient with respect to
/// (ln r, ln α, ln a, ln b), on the rescaled data.
fn objective(data: &Prepared, u: &[f64; 4], grad: &mut [f64; 4]) -> f64 {
    let [r, alpha, a, b] = u.map(f64::exp);
    let (ln_alpha, ln_a) = (alpha.ln(), a.ln());
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    // x is a whole number, so ln Γ(y + x) − ln Γ(y) = Σ_{k<x} ln(y + k) and
    // ψ(y + x) − ψ(y) = Σ_{k<x} 1/(y + k), summed up the ascending x. Exact
    // where the difference of two ln Γ would lose every digit: a fit whose
    // Beta collapses has a and b near e^18, ln Γ(b) near 10⁹.
    let mut rising = [Rising::new(r), Rising::new(b), Rising::new(a + b)];
    for &(x, w) in &data.by_frequency {
        ll += w * (r * ln_alpha);
        g[0] += w * ln_alpha;
        g[1] += w * r / alpha;
        if x > 0.0 {
            let [(ln_r, dg_r), (ln_b, dg_b), (ln_ab, dg_ab)] = rising.each_mut().map(|s| s.up_to(x));
            ll += w * (ln_r + ln_b - ln_ab);
            g[0] += w * dg_r;
            g[2] -= w * dg_ab;
            g[3] += w * (dg_b - dg_ab);
        }
    }
    let tables = Tables { ages: log_table(alpha, &data.ages), recencies: log_table(alpha, &data.recencies) };
    let (ll_t, g_t) = optimize::sum_in_chunks(&data.triples, (0.0, [0.0; 4]), data.threads, |chunk, ll, g| {
        let (chunk_ll, chunk_g) = triple_terms(chunk, &tables, r, a, b, ln_a);
        *ll += chunk_ll;
        for i in 0..4 {
            g[i] += chunk_g[i];
        }
    });
    ll += ll_t;
    for i in 0..4 {
        g[i] += g_t[i];
    }
    let theta = [r, alpha, a, b];
    for i in 0..4 {
        grad[i] = -g[i] * theta[i] / data.total;
    }
    -ll / data.total
}

/// ln Γ(y + x) − ln Γ(y) and ψ(y + x) − ψ(y) for whole x, asked for in
/// ascending x: Σ_{k<x} ln(y + k) and Σ_{k<x} 1/(y + k), carried on from
/// the previous x.
struct Rising {
    y: f64,
    k: f64,
    ln: f64,
    inverse: f64,
}

impl Rising {
    fn new(y: f64) -> Rising {
        Rising { y, k: 0.0, ln: 0.0, inverse: 0.0 }
    }

    fn up_to(&mut self, x: f64) -> (f64, f64) {
        while self.k < x {
            self.ln += (self.y + self.k).ln();
            self.inverse += 1.0 / (self.y + self.k);
            self.k += 1.0;
        }
        (self.ln, self.inverse)
    }
}

/// ln(α + v) and 1 / (α + v) per distinct tₓ and T, for one evaluation.
struct Tables {
    ages: Vec<(f64, f64)>,
    recencies: Vec<(f64, f64)>,
}

/// The part of the log-likelihood (and its gradient with respect to r, α,
/// a, b) that depends on tₓ and T, summed over some triples.
fn triple_terms(triples: &[(f64, u32, u32, f64)], t: &Tables, r: f64, a: f64, b: f64, ln_a: f64) -> Terms {
    let mut ll = 0.0;
    let mut g = [0.0; 4];
    // ln(b + x − 1), once per x (triples come in ascending x).
    let (mut last_x, mut ln_bx) = (f64::NAN, 0.0);
    for &(x, recency, age, w) in triples {
        let (ln_age, inv_age) = t.ages[age as usize];
        let a3 = -(r + x) * ln_age;
        if x == 0.0 {
            ll += w * a3;
            g[0] -= w * ln_age;
            g[1] -= w * (r + x) * inv_age;
            continue;
        }
        if x != last_x {
            (last_x, ln_bx) = (x, (b + x - 1.0).ln());
        }
        let (ln_rec, inv_rec) = t.recencies[recency as usize];
        let a4 = ln_a - ln_bx - (r + x) * ln_rec;
        // ln(e^a3 + e^a4) and the two shares, with one exp: with d = a4 − a3,
        // s4 = 1 / (1 + e^−d), and ln(…) = max + ln(1 + e^−|d|).
        let d = a4 - a3;
        let e = (-d.abs()).exp();
        ll += w * (a3.max(a4) + e.ln_1p());
        let s4 = if d >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) };
        let s3 = 1.0 - s4;
        g[0] -= w * (s3 * ln_age + s4 * ln_rec);
        g[1] -= w * (r + x) * (s3 * inv_age + s4 * inv_rec);
        g[2] += w * s4 / a;
        g[3] -= w * s4 / (b + x - 1.0);
    }
    (ll, g)
}

/// A log-likelihood and its gradient with respect to (r, α, a, b).
type Terms = (f64, [f64; 4]);

/// Starting points on the log scale (rescaled time), tried in turn until
/// one converges.
const STARTS: [[f64; 4]; 4] =
    [[0.0, 0.0, 0.0, 0.0], [0.1, 0.1, 0.1, 0.1], [-1.0, 0.0, -1.0, 1.0], [1.0, 2.0, 1.0, 2.0]];

/// Fits the BG/NBD model by maximum likelihood on compressed summaries:
/// BFGS with the analytic gradient on the log-parameters, from up to four
/// starting points, on one thread.
///
/// Errors: [`ValueError::TooFewCustomers`] below [`BGNBD_MIN_CUSTOMERS`],
/// [`ValueError::NoRepeatBuyers`] when every x = 0 (the likelihood then
/// grows without bound as the dropout vanishes), and
/// [`ValueError::DidNotConverge`] when no maximum is found, even with
/// parameters held on the edge of the search box (see the crate
/// documentation; `at_bound` names those held).
pub fn fit_bgnbd_compressed(data: &CompressedSummaries) -> Result<BgNbdFit, ValueError> {
    fit_bgnbd_starting_at(data, None, NonZeroUsize::MIN)
}

/// [`fit_bgnbd_compressed`], trying `start` first (e.g. the parameters
/// fitted on yesterday's data, which today's moves little: BFGS then needs
/// a few steps instead of dozens). The maximum found is the same to the
/// fit's tolerance whatever the start; the usual starting points follow if
/// this one does not converge.
///
/// The likelihood is summed on up to `threads` threads when there are many
/// distinct triples; the fit has the same bits whatever `threads` is.
pub fn fit_bgnbd_starting_at(
    data: &CompressedSummaries,
    start: Option<BgNbdParams>,
    threads: NonZeroUsize,
) -> Result<BgNbdFit, ValueError> {
    let customers = usize::try_from(data.customers()).unwrap_or(usize::MAX);
    if customers < BGNBD_MIN_CUSTOMERS {
        return Err(ValueError::TooFewCustomers {
            model: Model::BgNbd,
            found: customers,
            required: BGNBD_MIN_CUSTOMERS,
        });
    }
    if data.repeat_buyers() == 0 {
        return Err(ValueError::NoRepeatBuyers { model: Model::BgNbd });
    }
    let max_age = data.triples().iter().fold(0.0_f64, |m, t| m.max(t.age));
    let scale = 10.0 / max_age;
    let prepared = Prepared::new(data, scale, threads);
    let mut failure = Failure::IterationLimit;
    let given = start.map(|p| [p.r, p.alpha * scale, p.a, p.b].map(|v| v.ln().clamp(-optimize::BOX, optimize::BOX)));
    for start in given.into_iter().chain(STARTS) {
        match optimize::minimize(|u, g| objective(&prepared, u, g), start, optimize::FirstGuess::Identity) {
            Ok(minimum) => {
                let [r, alpha, a, b] = minimum.point.map(f64::exp);
                let params = BgNbdParams::new(r, alpha / scale, a, b)?;
                let log_likelihood = params.log_likelihood(data);
                if !log_likelihood.is_finite() {
                    failure = Failure::NotFiniteAtStart;
                    continue;
                }
                return Ok(BgNbdFit {
                    params,
                    log_likelihood,
                    iterations: minimum.iterations,
                    at_bound: held_names(["r", "alpha", "a", "b"], minimum.at_bound),
                });
            }
            Err(f) => failure = f,
        }
    }
    Err(ValueError::DidNotConverge { model: Model::BgNbd, reason: failure.describe() })
}

impl Failure {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Failure::NotFiniteAtStart => "the likelihood is not finite at any starting point",
            Failure::IterationLimit => "the iteration limit was reached",
            Failure::Diverged => "every parameter runs off to zero or infinity: nothing in this data to fit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let customers = [(0, 0.0, 30.0), (1, 3.0, 30.0), (4, 20.5, 31.0), (12, 28.0, 29.0), (0, 0.0, 5.0)]
            .map(|(x, t, a)| CustomerSummary::new(x, t, a, 10.0).unwrap());
        let data = CompressedSummaries::from_summaries(&customers);
        let prepared = Prepared::new(&data, 1.0, NonZeroUsize::MIN);
        assert_eq!(prepared.by_frequency, vec![(0.0, 2.0), (1.0, 1.0), (4.0, 1.0), (12.0, 1.0)]);
        assert_eq!(prepared.total, 5.0);
        let u = [-0.7, 1.2, -0.3, 0.8];
        let mut g = [0.0; 4];
        let mut scratch = [0.0; 4];
        objective(&prepared, &u, &mut g);
        for i in 0..4 {
            let (mut up, mut down) = (u, u);
            up[i] += 1e-6;
            down[i] -= 1e-6;
            let numeric = (objective(&prepared, &up, &mut scratch) - objective(&prepared, &down, &mut scratch)) / 2e-6;
            assert!((g[i] - numeric).abs() < 1e-6, "component {i}: {} vs {numeric}", g[i]);
        }
        // And the objective is minus the mean of the public log-likelihood.
        let params = BgNbdParams::new((-0.7_f64).exp(), 1.2_f64.exp(), (-0.3_f64).exp(), 0.8_f64.exp()).unwrap();
        let value = objective(&prepared, &u, &mut scratch);
        assert!((value + params.log_likelihood(&data) / 5.0).abs() < 1e-12);
    }

    /// Where both forms of the hypergeometric sum converge (a > 20, a z
    /// small enough not to overflow), they agree.
    #[test]
    fn both_forms_of_the_expectation_agree() {
        let customer = CustomerSummary::new(2, 200.0, 400.0, 50.0).unwrap();
        for (a, b) in [(50.0, 6.0), (25.0, 30.0), (60.0, 400.0), (21.0, 0.5)] {
            let params = BgNbdParams::new(0.8, 120.0, a, b).unwrap();
            let direct = params.expected_purchases(&customer, 365.0);
            // The Euler form, written out (the method takes the plain form here).
            let x = 2.0;
            let (r, alpha, t, age): (f64, f64, f64, f64) = (0.8, 120.0, 365.0, 400.0);
            let c = a + b + x - 1.0;
            let z = t / (alpha + age + t);
            let ln_1mz = -(t / (alpha + age)).ln_1p();
            let big_a = a + b - 1.0 - r;
            let mut term = big_a / c * z;
            let mut sum = term;
            let mut n = 1.0;
            while term.abs() > 1e-17 * sum.abs() {
                term *= (big_a + n) * (a + n - 1.0) / ((c + n) * (n + 1.0)) * z;
                sum += term;
                n += 1.0;
            }
            let euler_numerator = c * (-((a - 1.0) * ln_1mz).exp_m1() / (a - 1.0) - ((a - 1.0) * ln_1mz).exp() * sum);
            let denominator = 1.0 + (a / (b + x - 1.0)) * ((alpha + age) / (alpha + 200.0)).powf(r + x);
            let euler = euler_numerator / denominator;
            assert!((direct - euler).abs() <= 1e-9 * euler.abs(), "a={a} b={b}: {direct} vs {euler}");
        }
    }

    /// A fit where everybody drops out alike (a, b in the millions, as on
    /// generated data) still predicts purchases. Expected values from
    /// lifetimes 0.11.3: `BetaGeoFitter` with `params_` set to these
    /// parameters, `conditional_expected_number_of_purchases_up_to_time(365,
    /// x, tₓ, T)` (scipy's hyp2f1).
    #[test]
    fn expectations_match_lifetimes_on_either_side_of_the_switch() {
        let cases = [
            ((2.75, 537.0, 727_960.0, 9_557_307.0), (3, 700.0, 900.0), 1.165_669_266_990_245_5),
            ((0.8, 120.0, 50.0, 6.0), (2, 200.0, 400.0), 0.029_584_907_662_623_436),
        ];
        for ((r, alpha, a, b), (x, recency, age), expected) in cases {
            let params = BgNbdParams::new(r, alpha, a, b).unwrap();
            let got = params.expected_purchases(&CustomerSummary::new(x, recency, age, 100.0).unwrap(), 365.0);
            assert!((got - expected).abs() <= 1e-9 * expected, "a={a} b={b}: {got} vs lifetimes {expected}");
        }
    }
}
