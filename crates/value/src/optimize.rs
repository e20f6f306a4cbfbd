//! A small BFGS minimiser with an analytic gradient and a backtracking
//! (Armijo) line search, for the handful of log-parameters of a model.

/// Why a minimisation stopped without a minimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Failure {
    /// The objective was not finite at the starting point.
    NotFiniteAtStart,
    /// The iteration budget ran out before the gradient vanished.
    IterationLimit,
    /// A parameter ran off towards ±∞ on the log scale: the likelihood has
    /// no interior maximum for this data.
    Diverged,
}

/// A minimum found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Minimum<const N: usize> {
    pub(crate) point: [f64; N],
    #[allow(dead_code, reason = "kept for debugging output")]
    pub(crate) value: f64,
    pub(crate) iterations: u32,
}

/// The inverse Hessian BFGS starts from: the identity, or the identity
/// scaled to the curvature seen on the first step (Nocedal & Wright, eq.
/// 6.20). Which needs fewer evaluations depends on the objective — measured
/// on CDNOW: scaled is faster for Gamma-Gamma, the identity for BG/NBD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FirstGuess {
    Identity,
    Scaled,
}

const MAX_ITERATIONS: u32 = 1_000;
/// Largest |log-parameter| the search may visit: e^±30 is far beyond any
/// sensible model.
const LOG_BOUND: f64 = 30.0;
/// Largest |log-parameter| accepted at a minimum: beyond e^±18 the
/// likelihood is flat because its supremum lies at the boundary.
const DEGENERATE_BOUND: f64 = 18.0;
const GRADIENT_TOLERANCE: f64 = 1e-10;

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `objective`, which returns f(u) and writes ∇f(u) into its
/// second argument. f should be scaled to O(1) (a mean, not a sum).
pub(crate) fn minimize<const N: usize>(
    objective: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    start: [f64; N],
    first_guess: FirstGuess,
) -> Result<Minimum<N>, Failure> {
    let mut x = start;
    let mut g = [0.0; N];
    let mut f = objective(&x, &mut g);
    if !f.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(Failure::NotFiniteAtStart);
    }
    // Inverse Hessian approximation, starting at the identity.
    let mut h = [[0.0; N]; N];
    for (i, row) in h.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    let mut g_new = [0.0; N];
    for iteration in 0..MAX_ITERATIONS {
        if g.iter().all(|v| v.abs() < GRADIENT_TOLERANCE) {
            return finish(x, f, iteration);
        }
        let mut d = [0.0; N];
        for i in 0..N {
            d[i] = -dot(&h[i], &g);
        }
        let mut slope = dot(&d, &g);
        if slope >= 0.0 {
            // Not a descent direction: restart from steepest descent.
            for (i, row) in h.iter_mut().enumerate() {
                *row = [0.0; N];
                row[i] = 1.0;
            }
            for i in 0..N {
                d[i] = -g[i];
            }
            slope = dot(&d, &g);
        }
        // Keep a single step within a box of ±5 on the log scale.
        let longest = d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let mut step = if longest > 5.0 { 5.0 / longest } else { 1.0 };
        let mut accepted = None;
        for _ in 0..60 {
            let mut trial = x;
            for i in 0..N {
                trial[i] += step * d[i];
            }
            let f_trial = objective(&trial, &mut g_new);
            if f_trial.is_finite() && g_new.iter().all(|v| v.is_finite()) && f_trial <= f + 1e-4 * step * slope {
                accepted = Some((trial, f_trial));
                break;
            }
            step *= 0.5;
        }
        let Some((x_new, f_new)) = accepted else {
            // No decrease possible along d: at a minimum to machine precision.
            return finish(x, f, iteration);
        };
        if x_new.iter().any(|v| v.abs() > LOG_BOUND) {
            return Err(Failure::Diverged);
        }
        let mut s = [0.0; N];
        let mut y = [0.0; N];
        for i in 0..N {
            s[i] = x_new[i] - x[i];
            y[i] = g_new[i] - g[i];
        }
        let sy = dot(&s, &y);
        if sy > 1e-300 {
            if iteration == 0 && first_guess == FirstGuess::Scaled {
                // Scale the first inverse-Hessian guess to the curvature just
                // seen (Nocedal & Wright, eq. 6.20) instead of leaving it the
                // identity.
                let scale = sy / dot(&y, &y);
                for (i, row) in h.iter_mut().enumerate() {
                    *row = [0.0; N];
                    row[i] = scale;
                }
            }
            // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
            let rho = 1.0 / sy;
            let mut hy = [0.0; N];
            for i in 0..N {
                hy[i] = dot(&h[i], &y);
            }
            let yhy = dot(&y, &hy);
            for i in 0..N {
                for j in 0..N {
                    h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
                }
            }
        }
        let unchanged = (f - f_new).abs() <= 1e-16 * f.abs().max(1.0) && s.iter().all(|v| v.abs() < 1e-12);
        x = x_new;
        f = f_new;
        g = g_new;
        if unchanged {
            return finish(x, f, iteration + 1);
        }
    }
    Err(Failure::IterationLimit)
}

fn finish<const N: usize>(point: [f64; N], value: f64, iterations: u32) -> Result<Minimum<N>, Failure> {
    if point.iter().any(|v| v.abs() > DEGENERATE_BOUND) {
        return Err(Failure::Diverged);
    }
    Ok(Minimum { point, value, iterations })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_the_rosenbrock_function() {
        let rosenbrock = |u: &[f64; 2], g: &mut [f64; 2]| {
            let (a, b) = (u[0], u[1]);
            g[0] = -2.0 * (1.0 - a) - 400.0 * a * (b - a * a);
            g[1] = 200.0 * (b - a * a);
            (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2)
        };
        let m = minimize(rosenbrock, [-1.2, 1.0], FirstGuess::Identity).unwrap();
        assert!((m.point[0] - 1.0).abs() < 1e-7 && (m.point[1] - 1.0).abs() < 1e-7, "{m:?}");
    }

    #[test]
    fn reports_divergence_when_there_is_no_minimum() {
        let slope = |u: &[f64; 1], g: &mut [f64; 1]| {
            g[0] = -(-u[0]).exp() / (1.0 + (-u[0]).exp());
            (1.0 + (-u[0]).exp()).ln()
        };
        assert!(minimize(slope, [0.0], FirstGuess::Scaled).is_err());
    }
}
