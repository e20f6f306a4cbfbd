//! A small BFGS minimiser with an analytic gradient and a backtracking
//! (Armijo) line search, for the handful of log-parameters of a model.

use std::num::NonZeroUsize;

/// Why a minimisation stopped without a minimum.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Failure {
    /// The objective was not finite at the starting point.
    NotFiniteAtStart,
    /// The iteration budget ran out before the gradient vanished.
    IterationLimit,
    /// Every parameter ran off the box on the log scale: the likelihood has
    /// no maximum for this data even on the edge.
    Diverged,
}

/// Where a search left the box: the point reached (clamped to the box),
/// the coordinate furthest outside it, and the iterations it took.
#[derive(Debug, Clone, Copy, PartialEq)]
struct OutOfBox<const N: usize> {
    point: [f64; N],
    coordinate: usize,
    iterations: u32,
}

/// Why one search stopped without a minimum inside the box.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stop<const N: usize> {
    Failed(Failure),
    Left(OutOfBox<N>),
}

/// A minimum found.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Minimum<const N: usize> {
    pub(crate) point: [f64; N],
    #[allow(dead_code, reason = "kept for debugging output")]
    pub(crate) value: f64,
    pub(crate) iterations: u32,
    /// The coordinates held on the edge of the box (|u| = [`BOX`]): the
    /// objective kept falling that way, so the minimum over the box lies on
    /// its boundary. All false for an interior minimum.
    pub(crate) at_bound: [bool; N],
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
/// The box the log-parameters are searched in: every parameter between
/// e^−18 and e^18 (about 1.5·10⁻⁸ to 6.6·10⁷), far beyond any sensible
/// model. A likelihood that keeps rising towards the edge (the supremum lies
/// at a limit of the model, such as a Beta or Gamma mixing distribution
/// collapsing to a point) is maximised on the edge.
pub(crate) const BOX: f64 = 18.0;
/// Stop when every component of the gradient of the mean objective is
/// below this: a tenth of where `lifetimes` stops scipy's BFGS (a
/// gradient norm of 1e-7), parameters to about 1e-7 relative — far inside
/// their sampling error. Tighter only costs line searches that fail in the
/// last digits.
const GRADIENT_TOLERANCE: f64 = 1e-8;

/// Items per partial sum of [`sum_in_chunks`].
const ITEMS_PER_CHUNK: usize = 1 << 15;

/// Most threads [`sum_in_chunks`] uses, however many it is allowed.
const MAX_THREADS: usize = 8;

/// Adds what `add` finds in every fixed chunk of `items` to `start`, in
/// chunk order: the first chunk onto `start` itself (so that one chunk is
/// exactly one loop), the others onto zero and then added. The chunks are
/// the same whatever the number of threads, so the result has the same bits
/// on one thread or many; with several chunks (a population of a million
/// has hundreds of thousands of distinct summaries, and one evaluation then
/// takes milliseconds) they are summed on up to `threads` threads (at most
/// [`MAX_THREADS`]).
pub(crate) fn sum_in_chunks<T: Sync, const N: usize>(
    items: &[T],
    start: (f64, [f64; N]),
    threads: NonZeroUsize,
    add: impl Fn(&[T], &mut f64, &mut [f64; N]) + Sync,
) -> (f64, [f64; N]) {
    let chunks: Vec<&[T]> = items.chunks(ITEMS_PER_CHUNK).collect();
    let partial = |i: usize, chunk: &[T]| {
        let (mut value, mut gradient) = if i == 0 { start } else { (0.0, [0.0; N]) };
        add(chunk, &mut value, &mut gradient);
        (value, gradient)
    };
    let threads = threads.get().min(MAX_THREADS).min(chunks.len());
    let partials: Vec<(f64, [f64; N])> = if threads <= 1 {
        chunks.iter().enumerate().map(|(i, c)| partial(i, c)).collect()
    } else {
        let (partial, per_thread) = (&partial, chunks.len().div_ceil(threads));
        let numbered: Vec<(usize, &[T])> = chunks.into_iter().enumerate().collect();
        std::thread::scope(|scope| {
            let handles: Vec<_> = numbered
                .chunks(per_thread)
                .map(|mine| scope.spawn(move || mine.iter().map(|&(i, c)| partial(i, c)).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
                .collect()
        })
    };
    let mut total = (0.0, [0.0; N]);
    for (i, (value, gradient)) in partials.into_iter().enumerate() {
        if i == 0 {
            total = (value, gradient);
        } else {
            total.0 += value;
            for (sum, part) in total.1.iter_mut().zip(gradient) {
                *sum += part;
            }
        }
    }
    total
}

fn dot<const N: usize>(a: &[f64; N], b: &[f64; N]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Minimises `objective` over the box |uᵢ| ≤ [`BOX`]. `objective` returns
/// f(u) and writes ∇f(u) into its second argument; f should be scaled to
/// O(1) (a mean, not a sum).
///
/// BFGS runs unconstrained while it stays inside the box. When a step
/// leaves it, the coordinate furthest out is held on the edge and the
/// others are searched again from there, until a minimum is found with
/// every free coordinate inside. Holding at most N − 1 coordinates: when
/// every one runs off, there is nothing left to fit ([`Failure::Diverged`]).
pub(crate) fn minimize<const N: usize>(
    objective: impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    start: [f64; N],
    first_guess: FirstGuess,
) -> Result<Minimum<N>, Failure> {
    let mut held = [false; N];
    let mut from = start;
    let mut iterations = 0;
    // Each round holds or releases one coordinate; a few per coordinate is
    // plenty (a cycle would mean a flat objective).
    for _ in 0..4 * N {
        match search(&objective, from, first_guess, &held) {
            Ok(mut minimum) => {
                // A held coordinate whose gradient now points back inside
                // (moving inwards lowers f) was held too early: free it.
                let mut g = [0.0; N];
                objective(&minimum.point, &mut g);
                match (0..N).find(|&i| held[i] && g[i] * minimum.point[i].signum() > 0.0) {
                    Some(i) => {
                        held[i] = false;
                        from = minimum.point;
                        iterations += minimum.iterations;
                    }
                    None => {
                        minimum.iterations += iterations;
                        minimum.at_bound = held;
                        return Ok(minimum);
                    }
                }
            }
            Err(Stop::Failed(failure)) => return Err(failure),
            Err(Stop::Left(out)) => {
                held[out.coordinate] = true;
                if held.iter().all(|h| *h) {
                    return Err(Failure::Diverged);
                }
                from = out.point;
                iterations += out.iterations;
            }
        }
    }
    Err(Failure::IterationLimit)
}

/// The names of the coordinates `held` on the edge of the box.
pub(crate) fn held_names<const N: usize>(names: [&'static str; N], held: [bool; N]) -> Vec<&'static str> {
    names.into_iter().zip(held).filter_map(|(name, held)| held.then_some(name)).collect()
}

/// The coordinate furthest outside the box, if any, and the point clamped.
fn leaves_box<const N: usize>(x: &[f64; N], iterations: u32) -> Option<OutOfBox<N>> {
    let (coordinate, furthest) =
        x.iter().enumerate().fold((0, 0.0_f64), |m, (i, v)| if v.abs() > m.1 { (i, v.abs()) } else { m });
    (furthest > BOX).then(|| OutOfBox { point: x.map(|v| v.clamp(-BOX, BOX)), coordinate, iterations })
}

/// One BFGS search with the `held` coordinates fixed at their start values.
fn search<const N: usize>(
    objective: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    start: [f64; N],
    first_guess: FirstGuess,
    held: &[bool; N],
) -> Result<Minimum<N>, Stop<N>> {
    // The gradient as the search sees it: nothing along a held coordinate,
    // so neither the direction nor the inverse Hessian ever moves it.
    let evaluate = |u: &[f64; N], g: &mut [f64; N]| {
        let f = objective(u, g);
        for i in 0..N {
            if held[i] {
                g[i] = 0.0;
            }
        }
        f
    };
    let mut x = start;
    let mut g = [0.0; N];
    let mut f = evaluate(&x, &mut g);
    if !f.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(Stop::Failed(Failure::NotFiniteAtStart));
    }
    // Inverse Hessian approximation, starting at the identity.
    let mut h = identity();
    let mut g_new = [0.0; N];
    for iteration in 0..MAX_ITERATIONS {
        if g.iter().all(|v| v.abs() < GRADIENT_TOLERANCE) {
            return Ok(finish(x, f, iteration));
        }
        let (d, slope) = direction(&mut h, &g);
        let Some((x_new, f_new)) = line_search(&evaluate, &x, f, &d, slope, &mut g_new) else {
            // No decrease possible along d: at a minimum to machine precision.
            return Ok(finish(x, f, iteration));
        };
        if let Some(out) = leaves_box(&x_new, iteration + 1) {
            return Err(Stop::Left(out));
        }
        let mut s = [0.0; N];
        let mut y = [0.0; N];
        for i in 0..N {
            s[i] = x_new[i] - x[i];
            y[i] = g_new[i] - g[i];
        }
        update_inverse_hessian(&mut h, &s, &y, iteration == 0 && first_guess == FirstGuess::Scaled);
        let unchanged = (f - f_new).abs() <= 1e-16 * f.abs().max(1.0) && s.iter().all(|v| v.abs() < 1e-12);
        x = x_new;
        f = f_new;
        g = g_new;
        if unchanged {
            return Ok(finish(x, f, iteration + 1));
        }
    }
    Err(Stop::Failed(Failure::IterationLimit))
}

/// The N × N identity matrix.
fn identity<const N: usize>() -> [[f64; N]; N] {
    let mut h = [[0.0; N]; N];
    for (i, row) in h.iter_mut().enumerate() {
        row[i] = 1.0;
    }
    h
}

/// The search direction d = −H g and its slope dᵀg. When that is not a
/// descent direction, the search restarts from steepest descent: H becomes
/// the identity and d = −g.
fn direction<const N: usize>(h: &mut [[f64; N]; N], g: &[f64; N]) -> ([f64; N], f64) {
    let mut d = [0.0; N];
    for i in 0..N {
        d[i] = -dot(&h[i], g);
    }
    let mut slope = dot(&d, g);
    if slope >= 0.0 {
        *h = identity();
        for i in 0..N {
            d[i] = -g[i];
        }
        slope = dot(&d, g);
    }
    (d, slope)
}

/// Backtracking (Armijo) along `d` from `x`, where the objective is `f`: a
/// first step that moves no coordinate more than 5 on the log scale, halved
/// up to 60 times until f falls enough. The point and value accepted (its
/// gradient left in `g_new`), or `None` when no step lowers f.
fn line_search<const N: usize>(
    evaluate: &impl Fn(&[f64; N], &mut [f64; N]) -> f64,
    x: &[f64; N],
    f: f64,
    d: &[f64; N],
    slope: f64,
    g_new: &mut [f64; N],
) -> Option<([f64; N], f64)> {
    let longest = d.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let mut step = if longest > 5.0 { 5.0 / longest } else { 1.0 };
    for _ in 0..60 {
        let mut trial = *x;
        for i in 0..N {
            trial[i] += step * d[i];
        }
        let f_trial = evaluate(&trial, g_new);
        if f_trial.is_finite() && g_new.iter().all(|v| v.is_finite()) && f_trial <= f + 1e-4 * step * slope {
            return Some((trial, f_trial));
        }
        step *= 0.5;
    }
    None
}

/// The BFGS update of the inverse Hessian `h` for the step `s` and the
/// change of gradient `y`, skipped when the curvature sᵀy is not positive.
/// With `scale_first`, `h` is first replaced by the identity scaled to the
/// curvature just seen (Nocedal & Wright, eq. 6.20).
fn update_inverse_hessian<const N: usize>(h: &mut [[f64; N]; N], s: &[f64; N], y: &[f64; N], scale_first: bool) {
    let sy = dot(s, y);
    // Not `sy <= 1e-300`: a NaN curvature skips the update too.
    if sy > 1e-300 {
        if scale_first {
            let scale = sy / dot(y, y);
            for (i, row) in h.iter_mut().enumerate() {
                *row = [0.0; N];
                row[i] = scale;
            }
        }
        // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
        let rho = 1.0 / sy;
        let mut hy = [0.0; N];
        for i in 0..N {
            hy[i] = dot(&h[i], y);
        }
        let yhy = dot(y, &hy);
        for i in 0..N {
            for j in 0..N {
                h[i][j] += -rho * (hy[i] * s[j] + s[i] * hy[j]) + (rho * rho * yhy + rho) * s[i] * s[j];
            }
        }
    }
}

fn finish<const N: usize>(point: [f64; N], value: f64, iterations: u32) -> Minimum<N> {
    Minimum { point, value, iterations, at_bound: [false; N] }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Chunks are fixed, so the threads only change who adds them: the sum
    /// has the same bits on one thread as on many, even with values whose
    /// sum depends on the order of the additions.
    #[test]
    fn a_sum_in_chunks_has_the_same_bits_on_any_number_of_threads() {
        let items: Vec<f64> = (0..5 * ITEMS_PER_CHUNK + 123).map(|i| 1.0 / (1.0 + i as f64) * 1e-3 + 1e9).collect();
        let sum = |threads: usize| {
            let threads = NonZeroUsize::new(threads).unwrap();
            sum_in_chunks(&items, (0.5, [0.25]), threads, |chunk, value, g| {
                for x in chunk {
                    *value += x;
                    g[0] += x.sqrt();
                }
            })
        };
        let one = sum(1);
        assert!(one.0 > 5e9 * ITEMS_PER_CHUNK as f64);
        for threads in [2, 3, 6, 64] {
            let many = sum(threads);
            assert_eq!((many.0.to_bits(), many.1[0].to_bits()), (one.0.to_bits(), one.1[0].to_bits()), "{threads}");
        }
    }

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
    fn a_coordinate_running_off_is_held_on_the_edge_and_the_rest_is_fitted() {
        // f falls forever as u₁ grows (its slope e^−u₁ stays above the
        // tolerance until far beyond the box); in u₀ the minimum is at 1
        // whatever u₁.
        let ridge = |u: &[f64; 2], g: &mut [f64; 2]| {
            g[0] = 2.0 * (u[0] - 1.0) + 0.1 * (u[0] - 1.0) * (-u[1]).exp();
            g[1] = -(-u[1]).exp() * (1.0 + 0.05 * (u[0] - 1.0).powi(2));
            (u[0] - 1.0).powi(2) + (-u[1]).exp() * (1.0 + 0.05 * (u[0] - 1.0).powi(2))
        };
        let m = minimize(ridge, [3.0, 0.0], FirstGuess::Identity).unwrap();
        assert_eq!(m.at_bound, [false, true], "{m:?}");
        assert_eq!(m.point[1], BOX);
        assert!((m.point[0] - 1.0).abs() < 1e-7, "{m:?}");
    }

    #[test]
    fn a_coordinate_held_too_early_is_released() {
        // From (17.9, −1) the first accepted step takes u₀ past the edge
        // (to 18.6), so u₀ is held at 18; with u₁ fitted there (u₁ = 0.7)
        // the gradient in u₀ points back inside, and the minimum is
        // interior at (17, 1).
        let valley = |u: &[f64; 2], g: &mut [f64; 2]| {
            let (w, inner) = (u[1] - 1.0, u[0] - 17.0 + 3.0 * (u[1] - 1.0));
            g[0] = 2.0 * inner;
            g[1] = 2.0 * w + 6.0 * inner;
            w * w + inner * inner
        };
        let m = minimize(valley, [17.9, -1.0], FirstGuess::Identity).unwrap();
        assert_eq!(m.at_bound, [false, false], "{m:?}");
        assert!((m.point[0] - 17.0).abs() < 1e-7 && (m.point[1] - 1.0).abs() < 1e-7, "{m:?}");
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
