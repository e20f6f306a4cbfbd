//! The results do not depend on the order customers are given in (issue
//! #14, item 1): every figure of [`measure`] is the same, bit for bit, for
//! any permutation of either group.
#![allow(clippy::unwrap_used)]

use clientele_experiments::{Assumptions, Bootstrap, Confidence, Group, RevenueSample, measure};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

/// A customer's revenue: mostly nothing, sometimes a purchase, sometimes a
/// return that outweighs it.
fn revenue() -> impl Strategy<Value = f64> {
    prop_oneof![6 => Just(0.0), 3 => 1.0_f64..5_000.0, 1 => -2_000.0_f64..0.0]
}

fn group(values: &[f64]) -> Group {
    let responders = values.iter().filter(|v| **v != 0.0).count() as u64;
    let promoted = values.iter().filter(|v| **v > 1_000.0).count() as u64;
    Group {
        responders,
        promoted_responders: Some(promoted),
        revenue: RevenueSample::from_values(values.iter().copied()).unwrap(),
    }
}

fn shuffled(values: &[f64], seed: u64) -> Vec<f64> {
    let mut v = values.to_vec();
    v.shuffle(&mut StdRng::seed_from_u64(seed));
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_order_gives_the_same_figures(
        treated in prop::collection::vec(revenue(), 2..400),
        control in prop::collection::vec(revenue(), 2..100),
        seed in any::<u64>(),
        cost in 0.0_f64..10_000.0,
    ) {
        let a = Assumptions {
            confidence: Confidence::NINETY_FIVE,
            bootstrap: Bootstrap { resamples: 200, seed: 11, threads: 2 },
            margin_rate: Some(0.6),
            cost,
        };
        let given = measure(&group(&treated), &group(&control), &a);
        let reordered = measure(&group(&shuffled(&treated, seed)), &group(&shuffled(&control, seed ^ 1)), &a);
        prop_assert_eq!(given, reordered);
    }
}
