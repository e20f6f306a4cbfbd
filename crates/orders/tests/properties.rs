//! The rules of orders, stated as properties.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeZone, Utc};
use clientele_orders::{
    CustomerRef, ExternalOrderId, FxRate, LineId, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod,
    ReturnLine, ReturnRequest, SalesChannel, Sku, allocate, business_date, price_in_base, validate_return,
};
use clientele_profiles::Currency;
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
        points_redeemed: 0,
    }
}

/// Lines (quantity, unit price in cents, discount share in %) and a paid share in %.
fn arb_order() -> impl Strategy<Value = (Vec<NewOrderLine>, Decimal)> {
    (prop::collection::vec((1u32..5, 0i64..2_000_000, 0u32..=100), 1..8), 0u32..=100).prop_map(|(specs, paid_pct)| {
        let lines: Vec<NewOrderLine> = specs
            .iter()
            .enumerate()
            .map(|(i, (q, unit, disc_pct))| {
                let gross = i64::from(*q) * unit;
                line(i + 1, *q, *unit, gross * i64::from(*disc_pct) / 100 / 2)
            })
            .collect();
        let net: Decimal = lines.iter().map(NewOrderLine::net).sum();
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
        let n = shuffled.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let a: BTreeMap<usize, Decimal> = allocate(Decimal::new(total, 2), &parts, 2).into_iter().collect();
        let b: BTreeMap<usize, Decimal> = allocate(Decimal::new(total, 2), &shuffled, 2).into_iter().collect();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn the_lines_of_an_order_add_up_to_what_was_paid((lines, paid) in arb_order()) {
        let o = Order::new(order(lines, paid, "CNY"), now()).unwrap();
        let sum: Decimal = o.lines().iter().map(|l| l.paid).sum();
        prop_assert_eq!(sum, paid);
        prop_assert_eq!(o.amount_paid(), paid);
        prop_assert!(o.lines().iter().all(|l| l.paid <= l.net_total()));
    }

    #[test]
    fn an_order_does_not_depend_on_the_order_of_its_lines((lines, paid) in arb_order()) {
        let mut reversed = lines.clone();
        reversed.reverse();
        let a = Order::new(order(lines, paid, "CNY"), now()).unwrap();
        let b = Order::new(order(reversed, paid, "CNY"), now()).unwrap();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn pricing_in_the_base_currency_adds_up((lines, paid) in arb_order(), rate_micros in 1i64..20_000_000) {
        let o = Order::new(order(lines, paid, "EUR"), now()).unwrap();
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
        let o = Order::new(order(vec![line(1, bought, 10_000, 0)], cents(10_000 * i64::from(bought)), "CNY"), now()).unwrap();
        let mut returned: BTreeMap<LineId, u32> = BTreeMap::new();
        for q in steps {
            let request = ReturnRequest {
                source: OrderSource::parse("pos").unwrap(),
                external_id: ExternalOrderId::parse("RET").unwrap(),
                returned_at: now(),
                lines: vec![ReturnLine { line_id: LineId::parse("1").unwrap(), quantity: q }],
            };
            let before = returned.get(&LineId::parse("1").unwrap()).copied().unwrap_or(0);
            match validate_return(o.lines(), &returned, &request) {
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
    let o = Order::new(order(vec![line(1, 1, 1_234_567, 0)], cents(1_234_567), "CNY"), now()).unwrap();
    assert_eq!(o.amount_paid(), "12345.67".parse::<Decimal>().unwrap());
}

#[test]
fn an_order_in_another_currency_without_a_rate_is_refused() {
    let o = Order::new(order(vec![line(1, 1, 100_000, 0)], cents(100_000), "EUR"), now()).unwrap();
    let err = price_in_base(o, &Currency::parse("CNY").unwrap(), None).unwrap_err();
    assert_eq!(err.0[0].field, "currency");
    assert_eq!(err.0[0].code, "no_fx_rate");
}

#[test]
fn bad_orders_name_their_fields() {
    let mut lines = vec![line(1, 0, 100, 0), line(1, 1, -5, 0), line(2, 1, 100, 200)];
    lines[1].line_id = LineId::parse("1").unwrap();
    let err = Order::new(order(lines, cents(100), "CNY"), now()).unwrap_err();
    let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
    assert!(fields.contains(&"lines[0].quantity"), "{fields:?}");
    assert!(fields.contains(&"lines[1].line_id"), "{fields:?}");
    assert!(fields.contains(&"lines[1].unit_price"), "{fields:?}");
    assert!(fields.contains(&"lines[2].discount"), "{fields:?}");
}

#[test]
fn paying_more_than_the_lines_is_refused() {
    let err = Order::new(order(vec![line(1, 1, 100, 0)], cents(101), "CNY"), now()).unwrap_err();
    assert_eq!(err.0[0].field, "amount_paid");
}

proptest! {
    /// The business date is the UTC date without a store, and at a store at
    /// most a day either side of it (no zone is more than 14 hours off UTC).
    #[test]
    fn the_business_date_is_the_local_date_at_the_store(seconds in 0i64..4_000_000_000, zone in 0usize..4) {
        let at = Utc.timestamp_opt(seconds, 0).single().unwrap();
        prop_assert_eq!(business_date(at, None), at.date_naive());
        let name = ["Asia/Shanghai", "Europe/Rome", "America/New_York", "Pacific/Kiritimati"][zone];
        let local = business_date(at, Some(clientele_profiles::TimeZone::parse(name).unwrap()));
        prop_assert!((local - at.date_naive()).num_days().abs() <= 1);
    }
}

#[test]
fn an_evening_in_utc_is_the_next_morning_in_shanghai() {
    let at = Utc.with_ymd_and_hms(2026, 6, 28, 18, 0, 0).unwrap();
    let shanghai = clientele_profiles::TimeZone::parse("Asia/Shanghai").unwrap();
    let rome = clientele_profiles::TimeZone::parse("Europe/Rome").unwrap();
    assert_eq!(business_date(at, Some(shanghai)).to_string(), "2026-06-29");
    assert_eq!(business_date(at, Some(rome)).to_string(), "2026-06-28");
    assert_eq!(business_date(at, None).to_string(), "2026-06-28");
}
