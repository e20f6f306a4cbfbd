//! What the uplift is worth: [`incremental_revenue`] and [`roi`].
//!
//! - **Incremental revenue** is the difference of mean revenue per customer
//!   (treated minus control) times the treated customers: what the treated
//!   group bought that it would not have bought untouched. Its interval is
//!   the difference's interval times the same count.
//! - **Incremental margin** is that times the programme's gross margin rate.
//! - **ROI** is `(incremental margin − cost) / cost`: 0 breaks even, 1
//!   returns the cost twice. The cost is known exactly (messages sent,
//!   offers redeemed), so ROI's interval is the margin's interval carried
//!   through the same formula, which is increasing in the margin.

use crate::estimate::Estimate;

/// The difference of mean revenue per customer times the `treated` count.
pub fn incremental_revenue(difference: Estimate, treated: u64) -> Estimate {
    difference.scaled(treated as f64)
}

/// `(margin_rate × incremental revenue − cost) / cost`, with its interval.
/// None when the cost is not above 0 or the margin rate not in [0, 1].
pub fn roi(incremental_revenue: Estimate, margin_rate: f64, cost: f64) -> Option<Estimate> {
    if !(cost > 0.0 && cost.is_finite() && (0.0..=1.0).contains(&margin_rate)) {
        return None;
    }
    Some(incremental_revenue.map(|r| (margin_rate * r - cost) / cost))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worked_example() {
        // 4.20 more per treated customer (−1.00 to 9.40) over 10,000 treated:
        // 42,000 (−10,000 to 94,000); at a 60 % margin and a cost of 5,000,
        // ROI = (25,200 − 5,000) / 5,000 = 4.04 (−2.2 to 10.28).
        let diff = Estimate { value: 4.2, low: -1.0, high: 9.4 };
        let revenue = incremental_revenue(diff, 10_000);
        assert!((revenue.value - 42_000.0).abs() < 1e-9 && (revenue.low + 10_000.0).abs() < 1e-9);
        let r = roi(revenue, 0.6, 5_000.0).unwrap();
        assert!((r.value - 4.04).abs() < 1e-12 && (r.low + 2.2).abs() < 1e-12 && (r.high - 10.28).abs() < 1e-12);
        assert_eq!(roi(revenue, 0.6, 0.0), None);
        assert_eq!(roi(revenue, 1.5, 10.0), None);
    }
}
