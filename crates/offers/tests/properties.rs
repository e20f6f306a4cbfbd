//! The offers rules stated as properties (issue #13): the discount ceiling
//! holds for every combination of coupons, codes read back as themselves,
//! the coupon state machine never redeems twice without a release, and
//! returns take back exactly the extra points an offer gave.
#![allow(clippy::unwrap_used)]

mod support;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use clientele_kernel::{LineId, random::SplitMix64};
use clientele_loyalty::Points;
use clientele_offers::{
    Amount, Application, Basket, BasketLine, CodeFormat, CouponDefinitionParts, CouponEvent, CouponRequest,
    CouponState, DiscountCeiling, EntitlementPeriod, OfferError, PaidLine, Percent, PointsOffer, PointsOfferKind,
    PointsOfferKindParts, PointsOfferParts, PresentedCoupon, Sku, TransitionFacts, Window, apply_coupons,
    current_period, generate, generate_batch, normalize, offer_points, take_back, transition,
};
use proptest::prelude::*;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rust_decimal::Decimal;
use support::*;

// ---------------------------------------------------------------- coupons

const CATEGORIES: [&str; 3] = ["bags", "shoes", "beauty"];

/// A random basket: 1 to 8 lines of 0 to 5 units at 0 to 20,000.00, half
/// of them marked down by the till (0 to 100 % of the line).
fn baskets() -> impl Strategy<Value = Basket> {
    let markdown = prop_oneof![Just(0_i64), 0..=10_000_i64];
    prop::collection::vec((0..3_usize, 0..=5_u32, 0..=2_000_000_i64, markdown), 1..=8).prop_map(|lines| {
        let lines = lines
            .into_iter()
            .enumerate()
            .map(|(i, (c, q, cents, bp))| {
                let line = line(&format!("L{i}"), CATEGORIES[c], q, &Decimal::new(cents, 2).to_string());
                let markdown = i64::try_from(line.gross_cents() * i128::from(bp) / 10_000).unwrap();
                BasketLine { discount: Amount::new(Decimal::new(markdown, 2)).unwrap(), ..line }
            })
            .collect();
        basket(lines)
    })
}

/// A random coupon: percent (0.01–100 %) or fixed (0.01–10,000.00),
/// stackable or not, with or without a cap, a minimum spend, a category
/// list.
fn coupons() -> impl Strategy<Value = CouponDefinitionParts> {
    let kind = prop_oneof![(1..=10_000_i64).prop_map(|bp| (true, bp)), (1..=1_000_000_i64).prop_map(|c| (false, c))];
    (kind, any::<bool>(), prop::option::of(1..=500_000_i64), prop::option::of(0..=2_000_000_i64), 0..8_u8).prop_map(
        |((is_percent, n), stackable, max, min_spend, mask)| {
            let base = if is_percent {
                percent(&Decimal::new(n, 2).to_string())
            } else {
                fixed(&Decimal::new(n, 2).to_string())
            };
            let listed: Vec<&str> = (0..3).filter(|b| mask & (1 << b) != 0).map(|b| CATEGORIES[b]).collect();
            CouponDefinitionParts {
                stackable,
                max_discount: max.map(|c| Decimal::new(c, 2)),
                min_spend: min_spend.map(|c| Decimal::new(c, 2)),
                eligibility: categories(&listed),
                ..base
            }
        },
    )
}

fn ceilings() -> impl Strategy<Value = DiscountCeiling> {
    (0..=10_000_i64, prop::option::of(0..=10_000_i64)).prop_map(|(p, c)| DiscountCeiling {
        programme: Percent::new(Decimal::new(p, 2)).unwrap(),
        campaign: c.map(|c| Percent::new(Decimal::new(c, 2)).unwrap()),
    })
}

fn present(parts: Vec<CouponDefinitionParts>) -> Vec<PresentedCoupon> {
    parts.into_iter().enumerate().map(|(i, p)| presented(&format!("CODE-{i:04}"), p, fresh())).collect()
}

fn apply(basket: &Basket, ceiling: DiscountCeiling, coupons: &[PresentedCoupon]) -> Application {
    apply_coupons(&CouponRequest { basket, tier: None, at: at(), ceiling, coupons })
}

fn check_application(basket: &Basket, ceiling: DiscountCeiling, result: &Application) -> Result<(), TestCaseError> {
    let bp = ceiling.effective().basis_points();
    let mut from_coupons: BTreeMap<&LineId, i128> = BTreeMap::new();
    let mut total = 0_i128;
    for (_, a) in result.applied() {
        let parts: i128 = a.lines.iter().map(|l| l.discount.cents()).sum();
        prop_assert_eq!(parts, a.discount.cents(), "a coupon's lines add up to its discount");
        let cuts = a.cut_by_max_discount.cents() + a.cut_by_basket.cents() + a.cut_by_ceiling.cents();
        prop_assert_eq!(a.discount.cents() + cuts, a.nominal.cents(), "every cut is reported");
        prop_assert_eq!(a.capped, cuts > 0);
        for l in &a.lines {
            *from_coupons.entry(&l.line_id).or_default() += l.discount.cents();
        }
        total += a.discount.cents();
    }
    prop_assert_eq!(total, result.total_discount.cents(), "the coupons add up to the total");
    prop_assert_eq!(result.lines.len(), basket.lines().len());
    let mut sum = 0_i128;
    for (l, b) in result.lines.iter().zip(basket.lines()) {
        let (gross, till, discount) = (b.gross_cents(), b.discount.cents(), l.discount.cents());
        prop_assert!(discount >= 0, "never negative");
        prop_assert!(till + discount <= gross, "never more than the line: {} + {} > {}", till, discount, gross);
        if till * 10_000 >= bp * gross {
            prop_assert_eq!(discount, 0, "marked down to the ceiling: nothing more");
        } else {
            prop_assert!(
                (till + discount) * 10_000 <= bp * gross,
                "ceiling: {}+{} off {} at {} bp",
                till,
                discount,
                gross,
                bp
            );
        }
        prop_assert_eq!(l.net.cents(), gross - till - discount);
        prop_assert_eq!(from_coupons.get(&l.line_id).copied().unwrap_or(0), discount);
        sum += discount;
    }
    prop_assert_eq!(sum, result.total_discount.cents(), "the lines add up to the total");
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No combination of offers gives a line more than ceiling × gross, or
    /// more than its gross, or less than nothing; and every figure adds up.
    #[test]
    fn no_combination_of_coupons_breaks_the_ceiling(
        basket in baskets(),
        parts in prop::collection::vec(coupons(), 0..=6),
        ceiling in ceilings(),
    ) {
        let coupons = present(parts);
        let result = apply(&basket, ceiling, &coupons);
        check_application(&basket, ceiling, &result)?;
        prop_assert_eq!(&apply(&basket, ceiling, &coupons), &result, "deterministic");
    }

    /// The order of the basket's lines changes nothing a line gets.
    #[test]
    fn the_order_of_the_lines_does_not_matter(
        basket in baskets(),
        parts in prop::collection::vec(coupons(), 1..=4),
        ceiling in ceilings(),
    ) {
        let coupons = present(parts);
        let reversed = Basket::new(basket.lines().iter().rev().cloned().collect()).unwrap();
        let by_line = |r: &Application| -> BTreeMap<LineId, i128> {
            r.lines.iter().map(|l| (l.line_id.clone(), l.discount.cents())).collect()
        };
        prop_assert_eq!(by_line(&apply(&basket, ceiling, &coupons)), by_line(&apply(&reversed, ceiling, &coupons)));
    }
}

// ---------------------------------------------------------------- codes

/// Writes a canonical code as a person might: any case, separators
/// anywhere, and the confusable letters for 0 and 1.
fn scrambled(code: &str, seed: u64) -> String {
    let mut rng = SplitMix64::new(seed);
    let mut out = String::new();
    for c in code.chars() {
        if rng.below(4) == 0 {
            out.push([' ', '-', '_', '.', '\u{3000}'][rng.below(5) as usize]);
        }
        let c = match c {
            '0' if rng.below(2) == 0 => ['O', 'o'][rng.below(2) as usize],
            '1' if rng.below(2) == 0 => ['I', 'i', 'L', 'l'][rng.below(4) as usize],
            c if rng.below(2) == 0 => c.to_ascii_lowercase(),
            c => c,
        };
        out.push(c);
    }
    out
}

proptest! {
    /// A generated code is canonical, and reads back as itself however it
    /// is shown or typed.
    #[test]
    fn codes_read_back_as_themselves(seed in any::<u64>(), symbols in 8..=24_usize, group in 0..=8_usize, prefix in prop::option::of("[A-HJKMNP-Z0-9]{1,8}"), scramble in any::<u64>()) {
        let format = CodeFormat::new(prefix.as_deref(), symbols, group).unwrap();
        let code = generate(&mut StdRng::seed_from_u64(seed), &format);
        prop_assert_eq!(format.entropy_bits(), symbols * 5);
        prop_assert_eq!(&normalize(code.as_str()).unwrap(), &code);
        prop_assert_eq!(&normalize(&format.display(&code)).unwrap(), &code);
        prop_assert_eq!(&normalize(&code.grouped(group)).unwrap(), &code);
        prop_assert_eq!(&normalize(&scrambled(code.as_str(), scramble)).unwrap(), &code);
    }

    /// Normalising is idempotent, on any text a brand's file may hold.
    #[test]
    fn normalising_is_idempotent(text in "[a-zA-Z0-9 _.\\-]{0,40}", any_text in "\\PC{0,12}") {
        for input in [text, any_text] {
            if let Ok(code) = normalize(&input) {
                prop_assert_eq!(&normalize(code.as_str()).unwrap(), &code);
                prop_assert!(code.as_str().chars().all(|c| c.is_ascii_digit() || (c.is_ascii_uppercase() && !"ILO".contains(c))));
                prop_assert!((4..=32).contains(&code.as_str().len()));
            }
        }
    }

    /// An imported code in any case and with any separators is one code.
    #[test]
    fn any_spelling_of_an_imported_code_is_the_same_code(text in "[A-Z0-9]{4,32}", seed in any::<u64>()) {
        let code = normalize(&text).unwrap();
        prop_assert_eq!(normalize(&scrambled(&text, seed)).unwrap(), code);
    }

    /// A batch of N codes has N different codes, none of them taken. The
    /// taken codes are the first ones the same generator draws, so the
    /// batch must draw past every one of them.
    #[test]
    fn a_batch_has_no_duplicates(seed in any::<u64>(), n in 1..2_000_usize, taken_quarters in 0..=4_usize) {
        let format = CodeFormat::new(None, 8, 4).unwrap();
        let mut rng = StdRng::seed_from_u64(seed);
        let taken: BTreeSet<_> = (0..n * taken_quarters / 4).map(|_| generate(&mut rng, &format)).collect();
        let codes = generate_batch(&mut StdRng::seed_from_u64(seed), &format, n, &taken).unwrap();
        let distinct: BTreeSet<_> = codes.iter().collect();
        prop_assert_eq!(codes.len(), n);
        prop_assert_eq!(distinct.len(), n);
        prop_assert!(codes.iter().all(|c| !taken.contains(c)));
    }
}

// ---------------------------------------------------------------- state

fn events() -> impl Strategy<Value = CouponEvent> {
    prop_oneof![
        Just(CouponEvent::Reserve),
        (0..=2_u32).prop_map(|uses_left| CouponEvent::Confirm { uses_left }),
        Just(CouponEvent::Release),
        Just(CouponEvent::ReleaseByReturn),
        Just(CouponEvent::Expire),
        Just(CouponEvent::Void),
    ]
}

/// The documented table, written independently of the implementation.
fn allowed(from: CouponState, event: CouponEvent, to: CouponState) -> bool {
    use CouponEvent as E;
    use CouponState as S;
    matches!(
        (from, event, to),
        (S::Issued, E::Reserve, S::Reserved)
            | (S::Reserved, E::Confirm { uses_left: 0 }, S::Redeemed)
            | (S::Reserved, E::Confirm { .. }, S::Issued)
            | (S::Reserved, E::Release, S::Issued)
            | (S::Redeemed, E::ReleaseByReturn, S::Issued)
            | (S::Issued | S::Reserved, E::Expire, S::Expired)
            | (S::Issued | S::Reserved, E::Void, S::Void)
    )
}

proptest! {
    /// Random events never lead outside the table, final states stay
    /// final, and a redeemed code is redeemed again only after a release
    /// by return.
    #[test]
    fn a_redeemed_coupon_is_not_redeemed_again_without_a_release(
        steps in prop::collection::vec((events(), 0..40_i64, any::<bool>()), 0..60),
    ) {
        let start = Utc.with_ymd_and_hms(2026, 6, 10, 0, 0, 0).unwrap();
        let window = Window::new(start, start + Duration::days(20)).unwrap();
        let mut state = CouponState::Issued;
        let mut redeemed_since_release = false;
        for (event, day, release_on_return) in steps {
            let facts = TransitionFacts { at: start + Duration::days(day - 5), window, release_on_return };
            match transition(state, event, &facts) {
                Ok(next) => {
                    prop_assert!(allowed(state, event, next), "{} --{}--> {}", state, event.as_str(), next);
                    if next == CouponState::Redeemed {
                        prop_assert!(!redeemed_since_release, "redeemed twice without a release");
                        redeemed_since_release = true;
                    }
                    if event == CouponEvent::ReleaseByReturn {
                        redeemed_since_release = false;
                    }
                    state = next;
                }
                Err(e) => {
                    prop_assert!(!matches!(e, OfferError::InvalidFields(_)));
                    prop_assert!(CouponState::ALL.contains(&state));
                }
            }
        }
    }
}

// ---------------------------------------------------------------- points

/// Cuts `quantity` into steps of 1 or more, from a seed.
fn steps_of(quantity: u32, seed: u64) -> Vec<u32> {
    let mut rng = SplitMix64::new(seed);
    let mut left = quantity;
    let mut steps = Vec::new();
    while left > 0 {
        let step = 1 + rng.below(u64::from(left)) as u32;
        steps.push(step);
        left -= step;
    }
    steps
}

fn paid_lines(lines: &[(u32, i64, i64)]) -> Vec<PaidLine> {
    lines
        .iter()
        .enumerate()
        .map(|(i, (quantity, cents, base))| PaidLine {
            line_id: LineId::parse(&format!("L{i}")).unwrap(),
            sku: Sku::parse("SKU").unwrap(),
            category: None,
            collection: None,
            quantity: *quantity,
            paid: clientele_offers::Amount::new(Decimal::new(*cents, 2)).unwrap(),
            base_points: Points::new(*base).unwrap(),
        })
        .collect()
}

proptest! {
    /// Returning a line in any steps takes back exactly its extra points,
    /// never more at any step, and nothing beyond the quantity.
    #[test]
    fn returns_take_back_exactly_the_extra_points(extra in 0..1_000_000_000_i64, quantity in 1..60_u32, seed in any::<u64>()) {
        let extra = Points::new(extra).unwrap();
        let (mut returned, mut taken) = (0_u32, 0_i64);
        for step in steps_of(quantity, seed) {
            let back = take_back(extra, quantity, returned, step).unwrap();
            taken += back.get();
            returned += step;
            prop_assert!(taken <= extra.get(), "took {} of {}", taken, extra);
        }
        prop_assert_eq!(taken, extra.get());
        prop_assert!(take_back(extra, quantity, returned, 1).is_err());
    }

    /// A points offer's extra points add up to the bonus, or to the
    /// multiplier's floored total, and go to qualifying lines only.
    #[test]
    fn extra_points_add_up(
        lines in prop::collection::vec((0..4_u32, 0..10_000_000_i64, 0..100_000_i64), 1..8),
        bonus in prop::option::of(1..100_000_i64),
        hundredths in 101..=1_000_i64,
    ) {
        let lines = paid_lines(&lines);
        let kind = match bonus {
            Some(b) => PointsOfferKindParts::Bonus(b),
            None => PointsOfferKindParts::Multiplier(Decimal::new(hundredths, 2)),
        };
        let offer = PointsOffer::new(PointsOfferParts {
            kind,
            min_spend: None,
            eligibility: Default::default(),
            valid_from: at() - Duration::days(1),
            valid_to: at() + Duration::days(1),
        }).unwrap();
        let Ok(extras) = offer_points(&lines, &offer, at(), None) else {
            prop_assert!(lines.iter().all(|l| l.quantity == 0 || l.paid.is_zero()));
            return Ok(());
        };
        let qualifies = |l: &PaidLine| l.quantity > 0 && !l.paid.is_zero();
        let sum: i64 = extras.iter().map(|e| e.extra.get()).sum();
        let expected = match offer.kind() {
            PointsOfferKind::Bonus(b) => b.get(),
            PointsOfferKind::Multiplier(_) => {
                let base: i64 = lines.iter().filter(|l| qualifies(l)).map(|l| l.base_points.get()).sum();
                base * (hundredths - 100) / 100
            }
        };
        prop_assert_eq!(sum, expected);
        for (l, e) in lines.iter().zip(&extras) {
            prop_assert!(qualifies(l) || e.extra.is_zero());
        }
    }

    /// The current member or calendar year holds today, is a year long and
    /// starts on an anniversary (28 February for a 29 February).
    #[test]
    fn periods_hold_today_and_last_a_year(joined in 0..3_000_i64, later in 0..4_000_i64, calendar in any::<bool>()) {
        let joined = NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + Duration::days(joined);
        let today = joined + Duration::days(later);
        let period = if calendar { EntitlementPeriod::CalendarYear } else { EntitlementPeriod::MemberYear };
        let (start, end) = current_period(period, joined, today);
        prop_assert!(start <= today && today < end);
        prop_assert!([365, 366].contains(&(end - start).num_days()));
        let (m, d) = if calendar { (1, 1) } else { (joined.month(), joined.day()) };
        let leap_day_moved = (m, d) == (2, 29) && (start.month(), start.day()) == (2, 28);
        prop_assert!((start.month(), start.day()) == (m, d) || leap_day_moved, "{} from {}", start, joined);
    }
}
