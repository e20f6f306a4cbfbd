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
/// Weights must not be negative; `total` must not be negative. It never
/// panics: weights so large that their products overflow a `Decimal` are
/// divided by the largest one first (exact for every amount an order can
/// hold, see `Order::new`), and a total whose units do not fit is treated
/// as the largest that does.
pub fn allocate<K: Ord + Clone>(total: Decimal, parts: &[(K, Decimal)], decimals: u32) -> Vec<(K, Decimal)> {
    if parts.is_empty() {
        return Vec::new();
    }
    let decimals = decimals.min(Decimal::MAX_SCALE);
    let unit = Decimal::new(1, decimals);
    let total = total.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::ToZero);
    let all_zero = parts.iter().all(|(_, w)| w.is_zero());
    let weight = |w: Decimal| if all_zero { Decimal::ONE } else { w.abs() };
    // Weights whose sum overflows are scaled down by the largest first.
    let largest = parts.iter().map(|(_, w)| weight(*w)).max().unwrap_or(Decimal::ONE);
    let sum_of = |scale: Decimal| {
        parts.iter().try_fold(Decimal::ZERO, |acc, (_, w)| acc.checked_add(weight(*w).checked_div(scale)?))
    };
    let (scale, sum) = match sum_of(Decimal::ONE) {
        Some(sum) => (Decimal::ONE, sum),
        None => (largest, sum_of(largest).unwrap_or(Decimal::ONE)),
    };
    // Work in whole units of `unit` so remainders are exact.
    let total_units = total.checked_div(unit).unwrap_or(Decimal::MAX).trunc();
    let mut shares: Vec<(usize, Decimal, Decimal)> = parts
        .iter()
        .enumerate()
        .map(|(i, (_, w))| {
            let w = weight(*w).checked_div(scale).unwrap_or(Decimal::ZERO);
            // total × w / sum exactly when the product fits, else
            // total × (w / sum), which cannot exceed the total.
            let exact = total_units
                .checked_mul(w)
                .and_then(|p| p.checked_div(sum))
                .or_else(|| w.checked_div(sum).and_then(|f| total_units.checked_mul(f)))
                .unwrap_or(Decimal::ZERO);
            let floor = exact.floor();
            (i, floor, exact - floor)
        })
        .collect();
    let given = shares.iter().try_fold(Decimal::ZERO, |acc, (_, f, _)| acc.checked_add(*f)).unwrap_or(total_units);
    let mut left = total_units.checked_sub(given).and_then(|d| d.to_usize()).unwrap_or(0).min(shares.len());
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].2.cmp(&shares[a].2).then_with(|| parts[a].0.cmp(&parts[b].0)));
    for &i in order.iter().cycle() {
        if left == 0 {
            break;
        }
        shares[i].1 += Decimal::ONE;
        left -= 1;
    }
    shares
        .into_iter()
        .map(|(i, units, _)| (parts[i].0.clone(), units.checked_mul(unit).unwrap_or(units).normalize()))
        .collect()
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
