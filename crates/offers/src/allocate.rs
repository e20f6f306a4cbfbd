//! Splitting a whole number of units (cents, points) over weighted parts so
//! that the parts add up exactly: the largest-remainder method, and the
//! same with a cap on each part.
//!
//! Every figure is an `i128` of whole units; the callers' bounds (amounts
//! at most 10^14 cents, at most 1,000 lines, points at most 10^15) keep
//! every product far below `i128::MAX`.

/// Splits `total` units over parts in proportion to their weights: each part
/// first gets its share rounded down, and the units left over go one each
/// to the parts with the largest remainders, ties to the smaller key. The
/// result is in the order of `parts`, adds up to exactly `total`, and does
/// not depend on the order of the parts. Each part gets its exact share
/// rounded down or up, so a part never exceeds its weight when `total` does
/// not exceed the sum of the weights.
///
/// `total` and the weights are not negative. With no weight above zero,
/// every part gets 0 (nothing can be split in proportion to nothing).
pub(crate) fn largest_remainder<K: Ord>(total: i128, parts: &[(K, i128)]) -> Vec<i128> {
    let sum: i128 = parts.iter().map(|(_, w)| (*w).max(0)).sum();
    if sum <= 0 || total <= 0 {
        return vec![0; parts.len()];
    }
    let mut shares: Vec<(i128, i128)> = parts
        .iter()
        .map(|(_, w)| {
            let product = total * (*w).max(0);
            (product / sum, product % sum)
        })
        .collect();
    let given: i128 = shares.iter().map(|(s, _)| s).sum();
    let left = usize::try_from(total - given).unwrap_or(0);
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|&a, &b| shares[b].1.cmp(&shares[a].1).then_with(|| parts[a].0.cmp(&parts[b].0)));
    // `left` is below the number of parts with a remainder, as the
    // remainders add up to `left` × sum.
    for &i in order.iter().take(left) {
        shares[i].0 += 1;
    }
    shares.into_iter().map(|(s, _)| s).collect()
}

/// Splits `total` units in proportion to the weights, no part above its
/// cap: a part that reaches its cap keeps it, and what it could not take is
/// split again over the others, in proportion to their weights, until the
/// total is placed or every part is at its cap. The parts add up to
/// `min(total, sum of the caps of parts with a weight)`; parts of weight 0
/// get nothing. Deterministic: each round is [`largest_remainder`].
///
/// Takes `(key, weight, cap)` with weights and caps not negative.
pub(crate) fn largest_remainder_capped<K: Ord + Clone>(total: i128, parts: &[(K, i128, i128)]) -> Vec<i128> {
    let mut given = vec![0_i128; parts.len()];
    let mut open: Vec<usize> = (0..parts.len()).filter(|&i| parts[i].1 > 0 && parts[i].2 > 0).collect();
    let mut left = total.max(0);
    // Each round either places everything or closes at least one part.
    while left > 0 && !open.is_empty() {
        let weights: Vec<(K, i128)> = open.iter().map(|&i| (parts[i].0.clone(), parts[i].1)).collect();
        let shares = largest_remainder(left, &weights);
        let mut closed = false;
        for (&i, share) in open.iter().zip(shares) {
            let room = parts[i].2 - given[i];
            let take = share.min(room);
            given[i] += take;
            left -= take;
            closed |= take == room;
        }
        open.retain(|&i| given[i] < parts[i].2);
        if !closed {
            break;
        }
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_exactly_with_ties_to_the_smaller_key() {
        assert_eq!(largest_remainder(10_000, &[("a", 1), ("b", 1), ("c", 1)]), [3_334, 3_333, 3_333]);
        assert_eq!(largest_remainder(10_000, &[("c", 1), ("b", 1), ("a", 1)]), [3_333, 3_333, 3_334]);
        assert_eq!(largest_remainder(50_000, &[("1", 30_000), ("2", 70_000)]), [15_000, 35_000]);
        assert_eq!(largest_remainder(7, &[("x", 0), ("y", 0)]), [0, 0]);
        assert_eq!(largest_remainder(0, &[("x", 5)]), [0]);
        assert_eq!(largest_remainder(5, &[("x", 0), ("y", 3)]), [0, 5]);
    }

    #[test]
    fn capped_parts_pass_the_rest_on() {
        // 500 over 300 / 700, the first capped at 60: it keeps 60, the
        // second takes the rest.
        assert_eq!(largest_remainder_capped(500, &[("1", 300, 60), ("2", 700, 700)]), [60, 440]);
        // Not enough room: everything is at its cap.
        assert_eq!(largest_remainder_capped(500, &[("1", 300, 60), ("2", 700, 140)]), [60, 140]);
        // No weight, no share.
        assert_eq!(largest_remainder_capped(500, &[("1", 0, 60), ("2", 700, 1_000)]), [0, 500]);
        assert_eq!(largest_remainder_capped(3, &[("a", 1, 1), ("b", 1, 5), ("c", 1, 5)]), [1, 1, 1]);
    }
}
