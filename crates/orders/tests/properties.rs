//! The rules of orders, stated as properties.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{Currency, LineId};
use clientele_orders::{
    CustomerRef, ExternalOrderId, FxRate, NewOrder, NewOrderLine, Order, OrderLimits, OrderSource, PaymentMethod,
    ReturnLine, ReturnRequest, SalesChannel, Sku, allocate, business_date, price_in_base, validate_return,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 12, 0, 0).unwrap()
}

fn cents(c: i64) -> Decimal {
    Decimal::new(c, 2)
}

fn line(id: usize, quantity: u32, unit_cents: i64, discount_cents: i64) -> NewOrderLine {
    NewOrderLine {
        line_id: LineId::parse(&format!("{id}")).unwrap(),
        sku: Sku::parse(&format!("SKU-{id}")).unwrap(),
        name: None,
        category: None,
        collection: None,
        quantity,
        unit_price: cents(unit_cents),
        discount: cents(discount_cents),
    }
}

fn order(lines: Vec<NewOrderLine>, paid: Decimal, currency: &str) -> NewOrder {
    NewOrder {
        source: OrderSource::parse("pos").unwrap(),
        external_id: ExternalOrderId::parse("R-1").unwrap(),
        store: None,
        channel: SalesChannel::Store,
        customer: CustomerRef::Anonymous,
        ordered_at: now(),
        currency: Currency::parse(currency).unwrap(),
        lines,
        amount_paid: paid,
        payment_method: PaymentMethod::Card,
        coupons: vec![],
        coupon_codes: vec![],
        points_redeemed: 0,
        sold_by: None,
    }
}

/// Lines (quantity — 0 is a line kept at zero —, unit price in cents,
/// discount share in %) and a paid share in %.
fn arb_order() -> impl Strategy<Value = (Vec<NewOrderLine>, Decimal)> {
    (prop::collection::vec((0u32..5, 0i64..2_000_000, 0u32..=100), 1..8), 0u32..=100).prop_map(|(specs, paid_pct)| {
        let lines: Vec<NewOrderLine> = specs
            .iter()
            .enumerate()
            .map(|(i, (q, unit, disc_pct))| {
                let gross = i64::from(*q) * unit;
                line(i + 1, *q, *unit, gross * i64::from(*disc_pct) / 100 / 2)
            })
            .collect();
        let net: Decimal = lines.iter().filter_map(NewOrderLine::net).sum();
        let paid = (net * Decimal::from(paid_pct) / Decimal::from(100)).round_dp(2);
        (lines, paid)
    })
}

proptest! {
    #[test]
    fn allocation_adds_up_exactly_and_never_goes_negative(
        total in 0i64..10_000_000_000, weights in prop::collection::vec(0i64..1_000_000, 1..20), decimals in 0u32..3
    ) {
        let parts: Vec<(usize, Decimal)> = weights.iter().enumerate().map(|(i, w)| (i, Decimal::new(*w, 2))).collect();
        let total = Decimal::new(total, 2);
        let out = allocate(total, &parts, decimals);
        let sum: Decimal = out.iter().map(|(_, v)| *v).sum();
        prop_assert_eq!(sum, total.round_dp_with_strategy(decimals, rust_decimal::RoundingStrategy::ToZero));
        prop_assert!(out.iter().all(|(_, v)| !v.is_sign_negative()));
    }

    #[test]
    fn allocation_does_not_depend_on_the_order_of_the_parts(
        total in 0i64..1_000_000_000, weights in prop::collection::vec(0i64..1_000_000, 1..12), seed in any::<u64>()
    ) {
        let parts: Vec<(usize, Decimal)> = weights.iter().enumerate().map(|(i, w)| (i, Decimal::from(*w))).collect();
        let mut shuffled = parts.clone();
        SplitMix64::new(seed).shuffle(&mut shuffled);
        let a: BTreeMap<usize, Decimal> = allocate(Decimal::new(total, 2), &parts, 2).into_iter().collect();
        let b: BTreeMap<usize, Decimal> = allocate(Decimal::new(total, 2), &shuffled, 2).into_iter().collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn the_lines_of_an_order_add_up_to_what_was_paid((lines, paid) in arb_order()) {
        let o = Order::new(order(lines, paid, "CNY")).unwrap();
        let sum: Decimal = o.lines().iter().map(|l| l.paid).sum();
        prop_assert_eq!(sum, paid);
        prop_assert_eq!(o.amount_paid(), paid);
        prop_assert!(o.lines().iter().all(|l| l.paid <= l.net_total()));
        prop_assert!(o.lines().iter().filter(|l| l.quantity == 0).all(|l| l.paid.is_zero()), "a zero line is paid nothing");
    }

    /// Unit prices rounded or cut to their decimals: an amount paid above
    /// the lines' net total by at most one unit of each unit price's last
    /// decimal place per unit is accepted and shared as it is (it is what
    /// earns); a cent more is refused on `amount_paid`.
    #[test]
    fn an_amount_paid_above_the_lines_by_their_rounding_is_accepted(
        (lines, _) in arb_order(), places in 0u32..=4, over_pct in 0u32..=100
    ) {
        let lines: Vec<NewOrderLine> = lines
            .into_iter()
            .map(|l| NewOrderLine { unit_price: l.unit_price.round_dp(places), discount: Decimal::ZERO, ..l })
            .collect();
        let net: Decimal = lines.iter().filter_map(NewOrderLine::net).sum();
        let allowance: Decimal = lines.iter().map(|l| clientele_orders::rounding_allowance(l.quantity, l.unit_price)).sum();
        let paid = (net + allowance * Decimal::from(over_pct) / Decimal::from(100)).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero);
        let o = Order::new(order(lines.clone(), paid, "CNY")).unwrap();
        prop_assert_eq!(o.amount_paid(), paid);
        prop_assert_eq!(o.lines().iter().map(|l| l.paid).sum::<Decimal>(), paid);
        prop_assert!(o.lines().iter().all(|l| !l.paid.is_sign_negative() && (l.quantity > 0 || l.paid.is_zero())));
        let too_much = (net + allowance).round_dp_with_strategy(2, rust_decimal::RoundingStrategy::ToZero) + cents(1);
        let err = Order::new(order(lines, too_much, "CNY")).unwrap_err();
        prop_assert_eq!(err.iter().next().unwrap().field.as_str(), "amount_paid");
    }

    /// Coupons on the lines: each line's discount grows by exactly its
    /// part, the amount paid is shared again and still adds up, no line is
    /// paid more than it now comes to, and the order as sent (what a resend
    /// is compared with) is unchanged. Paid more than the lines come to
    /// after the coupons: refused on `amount_paid`.
    #[test]
    fn coupons_on_the_lines_keep_the_order_whole(
        (lines, paid) in arb_order(), shares in prop::collection::vec(0u32..=100, 8)
    ) {
        let before = Order::new(order(lines, paid, "CNY")).unwrap();
        let parts: BTreeMap<LineId, Decimal> = before
            .lines()
            .iter()
            .zip(&shares)
            .map(|(l, pct)| (l.line_id.clone(), (l.net_total() * Decimal::from(*pct) / Decimal::from(100)).round_dp(2)))
            .collect();
        let left: Decimal = before.lines().iter().map(|l| l.net_total() - parts[&l.line_id]).sum();
        match before.clone().with_coupon_discounts(&parts) {
            Ok(after) => {
                prop_assert!(paid <= left);
                prop_assert_eq!(after.lines().iter().map(|l| l.paid).sum::<Decimal>(), paid);
                prop_assert_eq!(after.coupon_discount(), parts.values().copied().sum::<Decimal>());
                for (a, b) in after.lines().iter().zip(before.lines()) {
                    prop_assert_eq!(a.discount, b.discount + parts[&a.line_id]);
                    prop_assert_eq!(a.coupon_discount, parts[&a.line_id]);
                    prop_assert!(a.paid <= a.net_total() && !a.paid.is_sign_negative());
                }
                prop_assert_eq!(after.content(), before.content());
            }
            Err(e) => {
                prop_assert!(paid > left, "refused though {} ≤ {}: {}", paid, left, e);
                prop_assert_eq!(e.iter().next().unwrap().field.as_str(), "amount_paid");
            }
        }
    }

    #[test]
    fn an_order_does_not_depend_on_the_order_of_its_lines((lines, paid) in arb_order()) {
        let mut reversed = lines.clone();
        reversed.reverse();
        let a = Order::new(order(lines, paid, "CNY")).unwrap();
        let b = Order::new(order(reversed, paid, "CNY")).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn pricing_in_the_base_currency_adds_up((lines, paid) in arb_order(), rate_micros in 1i64..20_000_000) {
        let o = Order::new(order(lines, paid, "EUR")).unwrap();
        let rate = FxRate {
            from: Currency::parse("EUR").unwrap(),
            to: Currency::parse("CNY").unwrap(),
            valid_from: now().date_naive(),
            rate: Decimal::new(rate_micros, 6),
        };
        let priced = price_in_base(o, &Currency::parse("CNY").unwrap(), Some(&rate)).unwrap();
        let sum: Decimal = priced.lines.iter().map(|l| l.paid_base).sum();
        prop_assert_eq!(sum, priced.paid_base);
        prop_assert_eq!(priced.paid_base, (paid * rate.rate).round_dp(2));
    }

    #[test]
    fn a_line_is_never_returned_beyond_what_was_bought(bought in 1u32..10, steps in prop::collection::vec(1u32..5, 1..6)) {
        let o = Order::new(order(vec![line(1, bought, 10_000, 0)], cents(10_000 * i64::from(bought)), "CNY")).unwrap();
        let mut returned: BTreeMap<LineId, u32> = BTreeMap::new();
        for q in steps {
            let request = ReturnRequest {
                source: OrderSource::parse("pos").unwrap(),
                external_id: ExternalOrderId::parse("RET").unwrap(),
                returned_at: now(),
                lines: vec![ReturnLine { line_id: LineId::parse("1").unwrap(), quantity: q }],
            };
            let before = returned.get(&LineId::parse("1").unwrap()).copied().unwrap_or(0);
            match validate_return(o.ordered_at(), o.lines(), &returned, &request) {
                Ok(()) => {
                    prop_assert!(before + q <= bought);
                    *returned.entry(LineId::parse("1").unwrap()).or_default() += q;
                }
                Err(_) => prop_assert!(before + q > bought),
            }
        }
    }
}

#[test]
fn the_spec_example_keeps_every_cent() {
    let o = Order::new(order(vec![line(1, 1, 1_234_567, 0)], cents(1_234_567), "CNY")).unwrap();
    assert_eq!(o.amount_paid(), "12345.67".parse::<Decimal>().unwrap());
}

#[test]
fn an_order_in_another_currency_without_a_rate_is_refused() {
    let o = Order::new(order(vec![line(1, 1, 100_000, 0)], cents(100_000), "EUR")).unwrap();
    let err = price_in_base(o, &Currency::parse("CNY").unwrap(), None).unwrap_err();
    assert_eq!(err.0[0].field, "currency");
    assert_eq!(err.0[0].code, "no_fx_rate");
}

#[test]
fn bad_orders_name_their_fields() {
    let mut lines = vec![line(1, 1_000_001, 100, 0), line(1, 1, -5, 0), line(2, 1, 100, 200)];
    lines[1].line_id = LineId::parse("1").unwrap();
    let err = Order::new(order(lines, cents(100), "CNY")).unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"lines[0].quantity"), "{fields:?}");
    assert!(fields.contains(&"lines[1].line_id"), "{fields:?}");
    assert!(fields.contains(&"lines[1].unit_price"), "{fields:?}");
    assert!(fields.contains(&"lines[2].discount"), "{fields:?}");
}

#[test]
fn paying_more_than_the_lines_is_refused() {
    // 1.00 is precise to the cent: 1.01 is more than it can have been.
    let err = Order::new(order(vec![line(1, 1, 100, 0)], cents(101), "CNY")).unwrap_err();
    assert_eq!(err.0[0].field, "amount_paid");
}

#[test]
fn a_basket_of_three_at_a_rounded_price_keeps_what_the_till_charged() {
    // 2.99 for three units, the unit price rounded to 4 places or sent with more.
    for unit in ["0.9967", "0.996666667"] {
        let l = NewOrderLine { unit_price: unit.parse().unwrap(), ..line(1, 3, 0, 0) };
        let o = Order::new(order(vec![l, line(2, 0, 1_500, 0)], cents(299), "CNY")).unwrap();
        assert_eq!(o.amount_paid(), cents(299), "{unit}");
        assert_eq!(o.lines()[0].paid, cents(299));
        assert_eq!(o.lines()[1].paid, Decimal::ZERO, "a zero line is kept and paid nothing");
        assert_eq!(o.lines()[0].unit_price.to_string(), "0.9967");
    }
    // Cut to 0.99, three units come to 2.97 ± 0.015: 2.99 is more than that.
    let cut = NewOrderLine { unit_price: "0.99".parse().unwrap(), ..line(1, 3, 0, 0) };
    let err = Order::new(order(vec![cut], cents(299), "CNY")).unwrap_err();
    assert_eq!(err.0[0].field, "amount_paid");
    assert!(err.0[0].message.contains("rounding (0.015)"), "{}", err.0[0].message);
}

proptest! {
    /// The business date is the UTC date without a store, and at a store at
    /// most a day either side of it (no zone is more than 14 hours off UTC).
    #[test]
    fn the_business_date_is_the_local_date_at_the_store(seconds in 0i64..4_000_000_000, zone in 0usize..4) {
        let at = Utc.timestamp_opt(seconds, 0).single().unwrap();
        prop_assert_eq!(business_date(at, None), at.date_naive());
        let name = ["Asia/Shanghai", "Europe/Rome", "America/New_York", "Pacific/Kiritimati"][zone];
        let local = business_date(at, Some(clientele_kernel::TimeZone::parse(name).unwrap()));
        prop_assert!((local - at.date_naive()).num_days().abs() <= 1);
    }
}

#[test]
fn an_evening_in_utc_is_the_next_morning_in_shanghai() {
    let at = Utc.with_ymd_and_hms(2026, 6, 28, 18, 0, 0).unwrap();
    let shanghai = clientele_kernel::TimeZone::parse("Asia/Shanghai").unwrap();
    let rome = clientele_kernel::TimeZone::parse("Europe/Rome").unwrap();
    assert_eq!(business_date(at, Some(shanghai)).to_string(), "2026-06-29");
    assert_eq!(business_date(at, Some(rome)).to_string(), "2026-06-28");
    assert_eq!(business_date(at, None).to_string(), "2026-06-28");
}

/// Any decimal a JSON body can carry: tiny, huge, negative, with up to 28 decimals.
fn arb_any_decimal() -> impl Strategy<Value = Decimal> {
    prop_oneof![
        (any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)),
        (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..=28)
            .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)),
        Just(Decimal::MAX),
        Just(Decimal::MIN),
        Just(Decimal::new(100_000_000_000_000, 0)),
    ]
}

fn limits() -> OrderLimits {
    OrderLimits {
        max_quantity_per_line: 10_000,
        max_line_amount: Decimal::from(100_000_000),
        max_order_amount: Decimal::from(1_000_000_000),
        earliest_order_date: chrono::NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
        max_ahead: chrono::TimeDelta::minutes(5),
    }
}

proptest! {
    /// No amount, quantity or rate within the types' range panics the
    /// checks, the split or the pricing: each is answered or refused.
    #[test]
    fn no_input_panics_the_order_rules(
        specs in prop::collection::vec((any::<u32>(), arb_any_decimal(), arb_any_decimal()), 1..5),
        paid in arb_any_decimal(),
        rate in arb_any_decimal(),
        points_redeemed in any::<u64>(),
        currency in prop::sample::select(vec!["CNY", "JPY", "KWD", "EUR"]),
    ) {
        let lines = specs
            .iter()
            .enumerate()
            .map(|(i, (q, unit, disc))| NewOrderLine { quantity: *q, unit_price: *unit, discount: *disc, ..line(i, 1, 0, 0) })
            .collect();
        let mut sent = order(lines, paid, currency);
        sent.points_redeemed = points_redeemed;
        if let Ok(o) = Order::new(sent) {
            prop_assert!(o.amount_paid() < clientele_orders::MAX_ORDER_AMOUNT);
            let base = Currency::parse("CNY").unwrap();
            let fx = FxRate { from: o.currency().clone(), to: base.clone(), valid_from: now().date_naive(), rate };
            if let Ok(priced) = price_in_base(o, &base, Some(&fx)) {
                prop_assert!(priced.paid_base < clientele_orders::MAX_ORDER_AMOUNT);
                let _ = limits().check(&priced, now());
            }
        }
    }

    /// Splitting never panics, whatever the weights and total.
    #[test]
    fn allocate_never_panics(total in arb_any_decimal(), weights in prop::collection::vec(arb_any_decimal(), 1..6), decimals in 0u32..40) {
        let parts: Vec<(usize, Decimal)> = weights.into_iter().map(|w| w.abs()).enumerate().collect();
        let _ = allocate(total.abs(), &parts, decimals);
    }
}

#[test]
fn the_absurd_orders_of_the_hardening_issue_are_refused_naming_the_field() {
    // 10^14 for one unit: beyond what any order may hold.
    let huge = Decimal::new(100_000_000_000_000, 0);
    let err = Order::new(order(vec![NewOrderLine { unit_price: huge, ..line(1, 1, 0, 0) }], huge, "CNY")).unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["lines[0].unit_price", "amount_paid"]);
    // A million units at a million: a valid order, beyond the programme's limits.
    let million = Decimal::from(1_000_000);
    let o = Order::new(order(
        vec![line(9, 1, 100, 0), NewOrderLine { quantity: 1_000_000, unit_price: million, ..line(1, 1, 0, 0) }],
        Decimal::from(1_000_000_000_000_i64),
        "CNY",
    ))
    .unwrap();
    let priced = price_in_base(o, &Currency::parse("CNY").unwrap(), None).unwrap();
    let err = limits().check(&priced, now()).unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["lines[1].quantity", "lines[1].unit_price", "amount_paid"]);
    // 100.001 CNY has a decimal more than the yuan; 100.5 JPY one more than the yen.
    let err = Order::new(order(vec![line(1, 1, 20_000, 0)], Decimal::new(100_001, 3), "CNY")).unwrap_err();
    assert_eq!(err.0[0].field, "amount_paid");
    let err = Order::new(order(vec![line(1, 1, 20_000, 0)], Decimal::new(1_005, 1), "JPY")).unwrap_err();
    assert_eq!(err.0[0].field, "amount_paid");
    assert!(Order::new(order(vec![line(1, 1, 20_000, 0)], Decimal::new(100_001, 3), "KWD")).is_ok());
    // Points redeemed beyond a signed 64-bit count are refused, not clamped.
    let mut sent = order(vec![line(1, 1, 100, 0)], cents(100), "CNY");
    sent.points_redeemed = 1 << 63;
    assert_eq!(Order::new(sent).unwrap_err().0[0].field, "points_redeemed");
}

#[test]
fn orders_before_the_programme_start_are_refused() {
    let mut sent = order(vec![line(1, 1, 100, 0)], cents(100), "CNY");
    sent.ordered_at = Utc.with_ymd_and_hms(1, 1, 1, 0, 0, 0).unwrap();
    let o = Order::new(sent).unwrap();
    let priced = price_in_base(o, &Currency::parse("CNY").unwrap(), None).unwrap();
    assert_eq!(limits().check(&priced, now()).unwrap_err().0[0].field, "ordered_at");
    // Six minutes ahead of the server's clock, beyond the 5 allowed.
    let mut sent = order(vec![line(1, 1, 100, 0)], cents(100), "CNY");
    sent.ordered_at = now() + chrono::TimeDelta::minutes(6);
    let priced = price_in_base(Order::new(sent).unwrap(), &Currency::parse("CNY").unwrap(), None).unwrap();
    assert_eq!(limits().check(&priced, now()).unwrap_err().0[0].field, "ordered_at");
    assert!(limits().check(&priced, now() + chrono::TimeDelta::minutes(2)).is_ok());
}
