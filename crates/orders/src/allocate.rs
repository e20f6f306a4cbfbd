//! Splitting an amount over weighted parts, to a fixed number of decimals,
//! by largest remainder.

use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// Splits `total` over parts in proportion to `weights`, rounded to
/// `decimals` places, so that the parts add up to exactly `total` (itself
/// rounded to `decimals`).
///
/// Each part first gets the proportional share rounded down; the units left
/// over go one each to the parts with the largest remainders, ties to the
/// smaller key. Keys make the result independent of the order of the parts:
/// the same (key, weight) pairs in any order give each key the same share.
/// When every weight is zero the total is split as if all weights were equal.
///
/// Weights must not be negative; `total` must not be negative.
pub fn allocate<K: Ord + Clone>(total: Decimal, parts: &[(K, Decimal)], decimals: u32) -> Vec<(K, Decimal)> {
    if parts.is_empty() {
        return Vec::new();
    }
    let unit = Decimal::new(1, decimals);
    let total = total.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::ToZero);
    let all_zero = parts.iter().all(|(_, w)| w.is_zero());
    let weight = |w: Decimal| if all_zero { Decimal::ONE } else { w };
    let sum: Decimal = parts.iter().map(|(_, w)| weight(*w)).sum();
    // Work in whole units of `unit` so remainders are exact.
    let total_units = (total / unit).trunc();
    let mut shares: Vec<(usize, Decimal, Decimal)> = parts
        .iter()
        .enumerate()
        .map(|(i, (_, w))| {
            let exact = total_units * weight(*w) / sum;
            let floor = exact.floor();
            (i, floor, exact - floor)
        })
        .collect();
    let given: Decimal = shares.iter().map(|(_, f, _)| *f).sum();
    let mut left = (total_units - given).to_usize().unwrap_or(0);
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].2.cmp(&shares[a].2).then_with(|| parts[a].0.cmp(&parts[b].0)));
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        shares[i].1 += Decimal::ONE;
        left -= 1;
    }
    shares.into_iter().map(|(i, units, _)| (parts[i].0.clone(), (units * unit).normalize())).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn splits_to_the_cent_and_adds_up() {
        let out = allocate(d("100.00"), &[("a", d("1")), ("b", d("1")), ("c", d("1"))], 2);
        let total: Decimal = out.iter().map(|(_, v)| *v).sum();
        assert_eq!(total, d("100.00"));
        assert_eq!(out, vec![("a", d("33.34")), ("b", d("33.33")), ("c", d("33.33"))]);
    }

    #[test]
    fn whole_units_for_points() {
        let out = allocate(d("12345"), &[("1", d("10000")), ("2", d("2345.67"))], 0);
        assert_eq!(out.iter().map(|(_, v)| *v).sum::<Decimal>(), d("12345"));
    }

    #[test]
    fn zero_weights_split_evenly() {
        let out = allocate(d("3"), &[("x", Decimal::ZERO), ("y", Decimal::ZERO)], 0);
        assert_eq!(out, vec![("x", d("2")), ("y", d("1"))]);
    }
}
