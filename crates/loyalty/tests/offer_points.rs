//! Points offers on an order's earning (issue #13): the offer's points are
//! in the order's lot but on their own ledger entry, with the offer as
//! source and no growth value; a return takes back exactly what the offer
//! gave for the units returned, whatever the steps.
#![allow(clippy::unwrap_used)]

use chrono::{TimeZone, Utc};
use clientele_kernel::{LineId, Moment};
use clientele_loyalty::{
    ActivityId, BaseAmount, EntryKind, LineReturn, LotId, OrderEarning, OrderId, OrderToEarn, PaidLine, Points,
    ProgramConfig, Quantity, ReturnId, ReturnRequest, Source, Tier, Wallet, calculate_order_earning,
    post_order_earning, take_back_for_return,
};
use proptest::prelude::*;

fn moment() -> Moment {
    let at = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
    Moment::new(at, at.date_naive()).unwrap()
}

fn earning(lines: &[(&str, u32, &str)]) -> OrderEarning {
    let lines = lines
        .iter()
        .map(|(id, q, paid)| PaidLine {
            line: LineId::parse(id).unwrap(),
            quantity: Quantity::new(*q).unwrap(),
            paid: BaseAmount::parse(paid).unwrap(),
        })
        .collect();
    let order = OrderToEarn::new(OrderId::parse("1001").unwrap(), lines).unwrap();
    calculate_order_earning(&ProgramConfig::default_plan(), Tier::S1, &order).unwrap()
}

fn line(id: &str) -> LineId {
    LineId::parse(id).unwrap()
}

#[test]
fn a_double_points_week_is_its_own_ledger_entry_in_the_orders_lot_and_adds_no_growth() {
    let config = ProgramConfig::default_plan();
    let base = earning(&[("1", 3, "3000"), ("2", 1, "500")]);
    let week = ActivityId::parse("double points week").unwrap();
    // ×2 on line 1 only (its 3,000 base points again).
    let offered = base.clone().with_offer_points(week.clone(), &[(line("1"), Points::new(3_000).unwrap())]).unwrap();
    assert_eq!((offered.points().get(), offered.growth().get()), (6_500, 3_500));
    assert_eq!(offered.line(&line("1")).unwrap().offer_points.get(), 3_000);
    assert_eq!(offered.offers()[0].points.get(), 3_000);
    let stored =
        OrderEarning::from_parts(serde_json::from_value(serde_json::to_value(offered.to_parts()).unwrap()).unwrap());
    assert_eq!(stored.unwrap(), offered, "kept and read back");

    let lot = LotId::parse("1001").unwrap();
    let change = post_order_earning(&config, &Wallet::empty(), &offered, &lot, moment()).unwrap();
    let entries = change.entries();
    assert_eq!(entries.len(), 2);
    assert_eq!(
        (entries[0].kind, entries[0].points.get(), entries[0].growth.get()),
        (EntryKind::EarnOrder, 3_500, 3_500)
    );
    assert_eq!(
        (entries[1].kind, entries[1].points.get(), entries[1].growth.get()),
        (EntryKind::EarnActivity, 3_000, 0)
    );
    assert_eq!(entries[1].source, Source::Activity(week));
    assert_eq!(entries[1].lot.as_ref(), Some(&lot));

    // Returning one of the three units of line 1 takes back a third of its
    // base points and a third of the offer's.
    let mut wallet = Wallet::empty();
    wallet.apply(&change).unwrap();
    let request = ReturnRequest::new(
        ReturnId::parse("R1").unwrap(),
        vec![LineReturn { line: line("1"), quantity: Quantity::ONE }],
    )
    .unwrap();
    let posting = take_back_for_return(&config, &wallet, &offered, &request, moment()).unwrap();
    assert_eq!((posting.points_taken.get(), posting.growth_taken.get()), (2_000, 1_000));
}

proptest! {
    /// However the units come back, in one return or several, the offer's
    /// points come back exactly, and with them never more than the line
    /// earned: ⌊base × r / q⌋ + ⌊offer × r / q⌋ after r of q units.
    #[test]
    fn returns_take_back_exactly_what_the_offer_gave(
        quantity in 1_u32..7, paid in 1_u32..100_000, extra in 0_i64..100_000, steps in prop::collection::vec(1_u32..4, 1..8)
    ) {
        let base = earning(&[("1", quantity, &paid.to_string())]);
        let week = ActivityId::parse("week").unwrap();
        let mut current = base.clone().with_offer_points(week, &[(line("1"), Points::new(extra).unwrap())]).unwrap();
        let (base_points, mut returned, mut taken) = (base.points().get(), 0_u32, 0_i64);
        for step in steps {
            let step = step.min(quantity - returned);
            if step == 0 { break; }
            let request = ReturnRequest::new(
                ReturnId::parse("r").unwrap(),
                vec![LineReturn { line: line("1"), quantity: Quantity::new(step).unwrap() }],
            ).unwrap();
            let back = clientele_loyalty::points_and_growth_to_take_back(&current, &request).unwrap();
            returned += step;
            taken += back.points.get();
            let floor = |v: i64| v * i64::from(returned) / i64::from(quantity);
            prop_assert_eq!(taken, floor(base_points) + floor(extra));
            current = back.earning_after;
        }
        if returned == quantity {
            prop_assert_eq!(taken, base_points + extra);
        }
    }
}
