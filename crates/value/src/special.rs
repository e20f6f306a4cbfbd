//! The special functions the models need: ln Γ (Lanczos) and ψ (digamma),
//! for positive arguments.

/// Lanczos coefficients for g = 7, n = 9 (Numerical Recipes / Boost).
const LANCZOS: [f64; 9] = [
    0.999_999_999_999_809_9,
    676.520_368_121_885_1,
    -1_259.139_216_722_402_8,
    771.323_428_777_653_1,
    -176.615_029_162_140_6,
    12.507_343_278_686_905,
    -0.138_571_095_265_720_12,
    9.984_369_578_019_572e-6,
    1.505_632_735_149_311_6e-7,
];

/// ln Γ(x) for x > 0, relative error about 1e-15. Returns NaN for x ≤ 0
/// (never called so by this crate: every argument is a sum of positive
/// parameters and counts).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    if x < 0.5 {
        // Reflection: Γ(x) Γ(1 − x) = π / sin(πx), with sin(πx) > 0 here.
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = LANCZOS[0];
    for (i, c) in LANCZOS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// ψ(x) = d/dx ln Γ(x) for x > 0: recurrence up to x ≥ 10, then the
/// asymptotic series. Absolute error below 1e-13.
pub(crate) fn digamma(mut x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 {
        return f64::NAN;
    }
    let mut result = 0.0;
    while x < 10.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    result + x.ln()
        - 0.5 * inv
        - inv2 * (1.0 / 12.0 - inv2 * (1.0 / 120.0 - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 / 132.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        let mut factorial = 1.0_f64;
        for n in 1..30 {
            // Γ(n) = (n − 1)!
            let got = ln_gamma(f64::from(n));
            assert!((got - factorial.ln()).abs() <= 1e-12 * factorial.ln().abs().max(1.0), "n = {n}");
            factorial *= f64::from(n);
        }
        let sqrt_pi_ln = 0.5 * std::f64::consts::PI.ln();
        assert!((ln_gamma(0.5) - sqrt_pi_ln).abs() < 1e-14);
        // Γ(0.1) = 9.513507698668731836...
        assert!((ln_gamma(0.1) - 9.513_507_698_668_732_f64.ln()).abs() < 1e-13);
    }

    #[test]
    fn digamma_matches_known_values_and_the_derivative() {
        // ψ(1) = −γ.
        assert!((digamma(1.0) + 0.577_215_664_901_532_9).abs() < 1e-13, "{}", digamma(1.0));
        // ψ(0.5) = −γ − 2 ln 2.
        assert!((digamma(0.5) + 0.577_215_664_901_532_9 + 2.0 * 2.0_f64.ln()).abs() < 1e-13);
        for &x in &[0.05, 0.3, 1.7, 4.2, 9.9, 33.0, 250.0] {
            let h = 1e-5 * x;
            let numeric = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!((digamma(x) - numeric).abs() < 1e-6 * digamma(x).abs().max(1.0), "x = {x}");
        }
    }
}
