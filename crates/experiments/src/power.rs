//! The dry run's statistics: [`minimum_detectable_uplift`], the smallest
//! uplift in response rate a campaign's control group could tell from
//! chance.
//!
//! # The formula
//!
//! The test is the usual one of two proportions, two-sided at 95 %
//! confidence, with 80 % power, by the normal approximation, without
//! continuity correction. With `p₀` the base rate (the control group's
//! response rate, and the treated group's if the campaign does nothing),
//! `p₁ = p₀ + δ` the treated group's rate, `n_t` and `n_c` the group sizes,
//! and `k = z(0.975) + z(0.8)`, the smallest detectable uplift `δ` solves
//!
//! ```text
//! δ = k · √( p₁(1 − p₁)/n_t + p₀(1 − p₀)/n_c )        (the variance under H1)
//! ```
//!
//! Squared, with `p₁(1 − p₁) = p₀(1 − p₀) + δ(1 − 2p₀) − δ²`, this is the
//! quadratic
//!
//! ```text
//! a·δ² − b·δ − c = 0,   a = 1 + k²/n_t,   b = k²(1 − 2p₀)/n_t,
//!                        c = k²·p₀(1 − p₀)·(1/n_t + 1/n_c),
//! ```
//!
//! whose one positive root is the answer: `δ = (b + √(b² + 4ac)) / 2a`,
//! computed as `2c / (√(b² + 4ac) − b)` when `b < 0` so that nothing
//! cancels. No iteration is needed. (The right-hand side is concave in `δ`,
//! so the equation has exactly one positive root, and every larger uplift
//! is detected with more than 80 % power.) The far tail of a two-sided
//! test, a treated rate significantly below the base rate, adds about
//! 0.0001 % of power (Φ(−1.96 − 2.80)) and is left out, as is usual.
//!
//! For equal groups this is the sample-size formula of the textbooks,
//! `n = k²·(p₀q₀ + p₁q₁)/δ²`, read the other way: 10 % against 15 % needs
//! 683 customers a group, so 683 a group detect an uplift of just under 5
//! points. statsmodels' `NormalIndPower` with `proportion_effectsize` uses
//! the arcsine transform instead; the two agree within 1 % on groups of a
//! few hundred and more (a unit test compares them).

/// z(0.975): the two-sided 95 % critical value of the standard normal.
pub const Z_975: f64 = 1.959_963_984_540_054;

/// z(0.8): the standard normal quantile for 80 % power.
pub const Z_80: f64 = 0.841_621_233_572_914_3;

/// The smallest absolute uplift in response rate (treated rate − base rate,
/// e.g. `0.009` for 0.9 points) that a two-sided test of two proportions at
/// 95 % confidence detects with 80 % power, for `treated` customers
/// messaged and `control` held out, at a `base_rate` in (0, 1) (see the
/// [module documentation](self) for the formula).
///
/// None when either group is empty, when the base rate is not strictly
/// between 0 and 1, or when the groups are too small for any uplift to be
/// detected (even a treated rate of 100 %).
pub fn minimum_detectable_uplift(base_rate: f64, treated: u64, control: u64) -> Option<f64> {
    if treated == 0 || control == 0 || !(base_rate > 0.0 && base_rate < 1.0) {
        return None;
    }
    let (p0, n_t, n_c) = (base_rate, treated as f64, control as f64);
    let k2 = (Z_975 + Z_80) * (Z_975 + Z_80);
    let a = 1.0 + k2 / n_t;
    let b = k2 * (1.0 - 2.0 * p0) / n_t;
    let c = k2 * p0 * (1.0 - p0) * (1.0 / n_t + 1.0 / n_c);
    let root = (b * b + 4.0 * a * c).sqrt();
    let uplift = if b < 0.0 { 2.0 * c / (root - b) } else { (b + root) / (2.0 * a) };
    (uplift <= 1.0 - p0).then_some(uplift)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mde(p0: f64, treated: u64, control: u64) -> f64 {
        minimum_detectable_uplift(p0, treated, control).unwrap()
    }

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() <= 1e-12 * want.abs(), "got {got}, want {want}");
    }

    #[test]
    fn the_constants_are_the_normal_quantiles() {
        // Φ(1.959963984540054) = 0.975 and Φ(0.8416212335729143) = 0.8
        // (R's qnorm, SciPy's norm.ppf); k² = 7.848879734349088.
        assert_close((Z_975 + Z_80) * (Z_975 + Z_80), 7.848_879_734_349_088);
    }

    /// 5 % base rate, 10,000 customers in each group, worked by hand:
    /// k² = 7.848879734349088;
    /// a = 1 + k²/10,000 = 1.000784887973435;
    /// b = k² × 0.9 / 10,000 = 0.000706399176091418;
    /// c = k² × 0.05 × 0.95 × (2/10,000) = 0.00007456435747631634;
    /// b² + 4ac = 0.00029899052837096824, whose root is 0.017291342584396626;
    /// δ = (b + root) / 2a = 0.008991813314114402: 0.90 points.
    #[test]
    fn a_worked_example() {
        assert_close(mde(0.05, 10_000, 10_000), 0.008_991_813_314_114_402);
    }

    /// Figures from an independent Python check that solves the unsquared
    /// equation `δ = k·√(p₁q₁/n_t + p₀q₀/n_c)` by 200 bisection steps on
    /// [0, 1 − p₀] (not by the quadratic).
    #[test]
    fn figures_agree_with_a_bisection_of_the_formula() {
        // The textbook case: 10 % against 15 % needs 683 a group.
        let textbook = mde(0.10, 683, 683);
        assert_close(textbook, 0.049_994_129_814_795_486);
        assert!(textbook < 0.05);
        assert_close(mde(0.02, 80_000, 20_000), 0.003_148_080_722_918_97);
        assert_close(mde(0.30, 900, 100), 0.136_483_362_435_674_5);
        assert_close(mde(0.01, 1, 1), 0.889_006_633_165_853_4);
        assert_close(mde(0.20, 1_000_000, 250_000), 0.002_508_159_914_866_504);
        assert_close(mde(0.03, 100_000, 25_000), 0.003_416_322_350_291_003);
    }

    #[test]
    fn nothing_to_detect_with_an_empty_group_or_an_impossible_rate() {
        assert_eq!(minimum_detectable_uplift(0.05, 0, 1_000), None);
        assert_eq!(minimum_detectable_uplift(0.05, 1_000, 0), None);
        for rate in [0.0, 1.0, -0.1, 1.5, f64::NAN, f64::INFINITY] {
            assert_eq!(minimum_detectable_uplift(rate, 1_000, 1_000), None, "{rate}");
        }
        // At 90 % the uplift can be 10 points at most; 50 a group need 11.1.
        assert_eq!(minimum_detectable_uplift(0.9, 50, 50), None);
        assert_eq!(minimum_detectable_uplift(0.5, 1, 1), None);
        assert!(minimum_detectable_uplift(0.9, 500, 500).is_some());
    }

    /// statsmodels' `NormalIndPower().solve_power` with
    /// `proportion_effectsize(p₁, p₀)` detects, for equal groups of `n`, the
    /// Cohen's h = 2·asin√p₁ − 2·asin√p₀ of `k·√(2/n)`. A different
    /// approximation of the same test: it agrees within 1 %.
    #[test]
    fn close_to_the_arcsine_formula() {
        let k = Z_975 + Z_80;
        for (p0, n) in [(0.10_f64, 683_u64), (0.05, 10_000), (0.30, 2_000), (0.02, 50_000), (0.5, 400)] {
            let h = k * (2.0 / n as f64).sqrt();
            let arcsine = (p0.sqrt().asin() + h / 2.0).sin().powi(2) - p0;
            let ours = mde(p0, n, n);
            assert!((arcsine / ours - 1.0).abs() < 0.01, "p0 {p0}, n {n}: {arcsine} against {ours}");
        }
    }

    #[test]
    fn at_the_answer_the_power_is_80_percent() {
        for (p0, n_t, n_c) in [(0.05, 10_000_u64, 10_000_u64), (0.7, 300, 2_000), (0.001, 1_000_000, 50_000)] {
            let delta = mde(p0, n_t, n_c);
            let p1 = p0 + delta;
            let sd = (p1 * (1.0 - p1) / n_t as f64 + p0 * (1.0 - p0) / n_c as f64).sqrt();
            assert!((delta / sd - (Z_975 + Z_80)).abs() < 1e-9, "p0 {p0}: {}", delta / sd);
        }
    }
}

/// The smallest audience that detects an absolute `uplift` on a
/// `base_rate` (95 % confidence, 80 % power, the test of
/// [`minimum_detectable_uplift`]) when `holdout_share` (in (0, 1)) of it is
/// held out: `(treated, control)`, their sum the audience. From the
/// unsquared equation with `n_t = N(1 − h)`, `n_c = N·h`:
/// `N = k²·(p₁q₁/(1 − h) + p₀q₀/h) / δ²`, rounded up. None when the
/// arguments make no sense (rates outside (0, 1), no uplift, no holdout).
pub fn required_audience(base_rate: f64, uplift: f64, holdout_share: f64) -> Option<(u64, u64)> {
    let p1 = base_rate + uplift;
    let valid = base_rate > 0.0 && uplift > 0.0 && p1 < 1.0 && holdout_share > 0.0 && holdout_share < 1.0;
    if !valid {
        return None;
    }
    let k2 = (Z_975 + Z_80) * (Z_975 + Z_80);
    let variance = p1 * (1.0 - p1) / (1.0 - holdout_share) + base_rate * (1.0 - base_rate) / holdout_share;
    let audience = (k2 * variance / (uplift * uplift)).ceil();
    if !audience.is_finite() || audience > 1e15 {
        return None;
    }
    let control = (audience * holdout_share).ceil() as u64;
    let treated = ((audience * (1.0 - holdout_share)).ceil() as u64).max(1);
    Some((treated, control.max(1)))
}

#[cfg(test)]
mod audience_tests {
    use super::*;

    #[test]
    fn the_audience_needed_detects_the_uplift() {
        // The textbook case: 10 % against 15 %, half held out: 683 a group.
        assert_eq!(required_audience(0.10, 0.05, 0.5), Some((683, 683)));
        for (p0, delta, h) in [(0.05, 0.01, 0.2), (0.02, 0.003, 0.1), (0.3, 0.05, 0.5)] {
            let (t, c) = required_audience(p0, delta, h).unwrap();
            assert!(minimum_detectable_uplift(p0, t, c).unwrap() <= delta * (1.0 + 1e-12), "{p0} {delta} {h}");
            // And not much smaller would do.
            let fewer = minimum_detectable_uplift(p0, t * 99 / 100, c * 99 / 100).unwrap();
            assert!(fewer > delta, "{p0} {delta} {h}");
        }
        assert_eq!(required_audience(0.1, 0.0, 0.5), None);
        assert_eq!(required_audience(0.1, 0.05, 0.0), None);
        assert_eq!(required_audience(0.96, 0.05, 0.5), None);
    }
}
