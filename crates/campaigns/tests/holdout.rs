//! The control group's rules, stated as properties (issue #11, item 2):
//! stable, within binomial bounds of the percentage, independent between
//! campaigns, nobody at 0 %.
//!
//! The bounds are Bernstein's inequality at a false alarm rate of 10⁻⁹ per
//! case, not a number of standard deviations: with 256 random cases a run,
//! 4.5 standard deviations would fail about one run in 600 by the normal
//! approximation, and more often at small percentages, where the binomial's
//! tail is heavier than the normal's. Bernstein's bound holds for every
//! percentage, and at 20 % it is 6.7 standard deviations (at 20,000
//! customers, ±377 around 4,000). The deterministic test at the end checks
//! uniformity on a million draws, tightly.
#![allow(clippy::unwrap_used)]

use clientele_campaigns::{HoldoutPercent, held_out, holdout_draw};
use clientele_kernel::random::SplitMix64;
use proptest::prelude::*;
use uuid::Uuid;

// ---------------------------------------------------------------- helpers

/// How many customers each statistical case draws for.
const CUSTOMERS: usize = 20_000;

/// The largest deviation of a Binomial(n, p) count from n·p that occurs with
/// probability at most 10⁻⁹: Bernstein's P(|X − np| ≥ t) ≤
/// 2·exp(−t² / 2(σ² + t/3)), solved for t at 2·exp(−L) = 10⁻⁹.
fn bernstein_bound(n: usize, p: f64) -> f64 {
    let l = (2e9_f64).ln();
    let variance = n as f64 * p * (1.0 - p);
    l / 3.0 + (l * l / 9.0 + 2.0 * l * variance).sqrt()
}

fn assert_within(count: usize, n: usize, p: f64, what: &str) -> Result<(), TestCaseError> {
    let expected = n as f64 * p;
    let bound = bernstein_bound(n, p);
    prop_assert!(
        (count as f64 - expected).abs() <= bound,
        "{what}: {count} of {n}, expected {expected:.1} ± {bound:.1}"
    );
    Ok(())
}

/// Customers as the store may hold them: random (v4-like) ids, or ids that
/// share all but their last bits (time-ordered v7 ids made in one burst,
/// or an import that numbered them).
#[derive(Debug, Clone, Copy)]
enum Ids {
    Random(u64),
    Sequential(u128),
}

impl Ids {
    fn take(self, n: usize) -> Vec<Uuid> {
        match self {
            Ids::Random(seed) => {
                let mut rng = SplitMix64::new(seed);
                (0..n).map(|_| Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())).collect()
            }
            Ids::Sequential(start) => (0..n as u128).map(|i| Uuid::from_u128(start.wrapping_add(i))).collect(),
        }
    }
}

fn ids() -> impl Strategy<Value = Ids> {
    prop_oneof![any::<u64>().prop_map(Ids::Random), any::<u128>().prop_map(Ids::Sequential)]
}

fn uuid() -> impl Strategy<Value = Uuid> {
    any::<u128>().prop_map(Uuid::from_u128)
}

fn percent() -> impl Strategy<Value = HoldoutPercent> {
    prop_oneof![
        (0_u32..=5_000).prop_map(|bp| HoldoutPercent::from_basis_points(bp).unwrap()),
        prop::sample::select(vec![0_u32, 1, 100, 1_000, 2_000, 5_000])
            .prop_map(|bp| HoldoutPercent::from_basis_points(bp).unwrap()),
    ]
}

/// A second campaign: any other id, or the first with one bit flipped (ids
/// made one after the other differ in few bits).
fn other_campaign(campaign: Uuid) -> impl Strategy<Value = Uuid> {
    prop_oneof![
        uuid().prop_filter("a different campaign", move |other| *other != campaign),
        (0_u32..128).prop_map(move |bit| Uuid::from_u128(campaign.as_u128() ^ (1 << bit))),
    ]
}

// ------------------------------------------------------------- properties

proptest! {
    /// (a) Stable: the same pair gives the same answer every time, and the
    /// answer is the draw compared with the percentage, so raising the
    /// percentage only adds customers to the control group.
    #[test]
    fn the_same_pair_gets_the_same_answer(
        campaign in uuid(),
        customer in uuid(),
        percent in percent(),
        higher in percent(),
    ) {
        let draw = holdout_draw(campaign, customer);
        prop_assert!(draw < 10_000);
        prop_assert_eq!(holdout_draw(campaign, customer), draw);
        let answer = held_out(campaign, customer, percent);
        prop_assert_eq!(held_out(campaign, customer, percent), answer);
        prop_assert_eq!(answer, draw < u32::from(percent.basis_points()));
        if answer && higher >= percent {
            prop_assert!(held_out(campaign, customer, higher));
        }
    }

    /// (d) 0 % holds out nobody.
    #[test]
    fn zero_percent_holds_out_nobody(campaign in uuid(), customer in uuid()) {
        prop_assert!(!held_out(campaign, customer, HoldoutPercent::ZERO));
    }

    /// (b) Uniform: of 20,000 customers, the number held out is within
    /// binomial bounds of the percentage, for random and for sequential ids.
    #[test]
    fn the_control_group_is_the_percentage_within_binomial_bounds(
        campaign in uuid(),
        customers in ids(),
        percent in percent(),
    ) {
        let held = customers.take(CUSTOMERS).into_iter().filter(|&c| held_out(campaign, c, percent)).count();
        assert_within(held, CUSTOMERS, percent.fraction(), "held out")?;
        if percent == HoldoutPercent::ZERO {
            prop_assert_eq!(held, 0);
        }
    }

    /// (c) Independent between campaigns: the customers held out of both of
    /// two campaigns are p·q of the audience, within binomial bounds, even
    /// when the campaigns' ids differ in one bit.
    #[test]
    fn two_campaigns_hold_out_independently(
        (first, second) in uuid().prop_flat_map(|first| (Just(first), other_campaign(first))),
        customers in ids(),
        p in percent(),
        q in percent(),
    ) {
        let both = customers
            .take(CUSTOMERS)
            .into_iter()
            .filter(|&c| held_out(first, c, p) && held_out(second, c, q))
            .count();
        assert_within(both, CUSTOMERS, p.fraction() * q.fraction(), "held out of both")?;
    }

    /// Serde writes what it reads, for every percentage.
    #[test]
    fn percentages_round_trip(percent in percent()) {
        let json = serde_json::to_string(&percent).unwrap();
        prop_assert_eq!(serde_json::from_str::<HoldoutPercent>(&json).unwrap(), percent);
    }
}

/// A million draws (a thousand campaigns, a thousand customers each) spread
/// evenly over the 10,000 values: each hundred of them gets 10,000 draws,
/// give or take 4.5 standard deviations (about 448). Seeded, so it cannot
/// flake; a bias of a tenth in one hundred of the values would fail it.
#[test]
fn a_million_draws_are_uniform() {
    let mut rng = SplitMix64::new(2026);
    let mut hundreds = [0_u32; 100];
    let mut held = 0_u32;
    let twenty = HoldoutPercent::from_basis_points(2_000).unwrap();
    for _ in 0..1_000 {
        let campaign = Uuid::from_u64_pair(rng.next_u64(), rng.next_u64());
        for _ in 0..1_000 {
            let customer = Uuid::from_u64_pair(rng.next_u64(), rng.next_u64());
            hundreds[holdout_draw(campaign, customer) as usize / 100] += 1;
            held += u32::from(held_out(campaign, customer, twenty));
        }
    }
    // 10,000 expected; σ = √(10⁶ × 0.01 × 0.99) ≈ 99.5.
    assert!(hundreds.iter().all(|n| (9_552..=10_448).contains(n)), "{hundreds:?}");
    // 200,000 expected; σ = √(10⁶ × 0.2 × 0.8) = 400.
    assert!((198_200..=201_800).contains(&held), "{held}");
}
