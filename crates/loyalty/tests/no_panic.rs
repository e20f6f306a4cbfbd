//! No amount, quantity or rate that the types let in panics the earning
//! rules: each is answered or refused with an error (issue #9: an overflow
//! must never take a worker down).
#![allow(clippy::unwrap_used)]

use clientele_kernel::LineId;
use clientele_loyalty::{
    BaseAmount, EarnRate, OrderId, OrderToEarn, PaidLine, ProgramConfig, Quantity, Tier, calculate_order_earning,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn arb_amount() -> impl Strategy<Value = BaseAmount> {
    prop_oneof![
        (0i64..=10_000_000_000_000_000).prop_map(|e4| BaseAmount::new(Decimal::new(e4, 4)).unwrap()),
        Just(BaseAmount::new(BaseAmount::MAX).unwrap()),
    ]
}

fn arb_rate() -> impl Strategy<Value = EarnRate> {
    prop_oneof![
        Just(EarnRate::ONE),
        Just(EarnRate::new(Decimal::ONE_THOUSAND).unwrap()),
        (1i64..=1_000_000_000, 0u32..=6)
            .prop_filter_map("a valid rate", |(m, s)| EarnRate::new(Decimal::new(m, s)).ok()),
    ]
}

proptest! {
    #[test]
    fn earning_never_panics(
        lines in prop::collection::vec((arb_amount(), 1u32..=u32::MAX), 1..20),
        rate in arb_rate(),
        tier in prop::sample::select(Tier::ALL.to_vec()),
    ) {
        let config = ProgramConfig::default_plan().with_earn_rate(rate);
        let lines = lines
            .into_iter()
            .enumerate()
            .filter_map(|(i, (paid, q))| {
                Some(PaidLine { line: LineId::parse(&format!("L{i}")).ok()?, quantity: Quantity::new(q).ok()?, paid })
            })
            .collect::<Vec<_>>();
        prop_assume!(!lines.is_empty());
        if let Ok(order) = OrderToEarn::new(OrderId::parse("o-1").unwrap(), lines) {
            let _ = calculate_order_earning(&config, tier, &order);
        }
    }
}
