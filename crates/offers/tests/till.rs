//! Coupons at the till, the examples a CRM manager checks (issue #13): what
//! each coupon takes off which line, what the ceiling cuts, how cents are
//! rounded, and the reason code of every refusal.
#![allow(clippy::unwrap_used)]

mod support;

use clientele_kernel::CustomerId;
use clientele_loyalty::Tier;
use clientele_offers::{
    Application, AppliedCoupon, Basket, CouponOutcome, CouponRefusal, CouponRequest, CouponState, DiscountCeiling,
    PresentedCoupon, apply_coupons,
};
use support::*;
use uuid::Uuid;

fn apply(basket: &Basket, ceiling: DiscountCeiling, tier: Option<Tier>, coupons: &[PresentedCoupon]) -> Application {
    apply_coupons(&CouponRequest { basket, tier, at: at(), ceiling, coupons })
}

fn applied(result: &Application, i: usize) -> &AppliedCoupon {
    match &result.coupons[i].outcome {
        CouponOutcome::Applied(a) => a,
        CouponOutcome::Refused { reason } => panic!("coupon {i} refused: {reason}"),
    }
}

fn refusal(result: &Application, i: usize) -> Option<CouponRefusal> {
    match &result.coupons[i].outcome {
        CouponOutcome::Applied(_) => None,
        CouponOutcome::Refused { reason } => Some(*reason),
    }
}

fn line_discounts(result: &Application) -> Vec<String> {
    result.lines.iter().map(|l| l.discount.to_string()).collect()
}

#[test]
fn fifteen_percent_off_bags_from_5000_takes_1800_off_the_bag_only() {
    let basket = basket(vec![line("1", "bags", 1, "12000"), line("2", "scarves", 1, "2000")]);
    let coupon = presented(
        "BAGS-15",
        clientele_offers::CouponDefinitionParts {
            min_spend: Some(d("5000")),
            eligibility: categories(&["Bags"]),
            ..percent("15")
        },
        fresh(),
    );
    let result = apply(&basket, ceiling("20", None), None, &[coupon]);
    let a = applied(&result, 0);
    assert_eq!(a.discount, amount("1800"));
    assert_eq!(a.lines.len(), 1);
    assert_eq!(a.lines[0].line_id.as_str(), "1");
    assert!(!a.capped);
    assert_eq!(line_discounts(&result), ["1800.00", "0.00"]);
    assert_eq!(result.lines[0].net, amount("10200"));
    assert_eq!(result.total_discount, amount("1800"));
}

#[test]
fn the_minimum_spend_is_on_the_eligible_lines_only() {
    // 14,000 in the basket, but only 4,000 of bags.
    let basket = basket(vec![line("1", "bags", 1, "4000"), line("2", "scarves", 1, "10000")]);
    let parts = clientele_offers::CouponDefinitionParts {
        min_spend: Some(d("5000")),
        eligibility: categories(&["bags"]),
        ..percent("15")
    };
    let result = apply(&basket, DiscountCeiling::NONE, None, &[presented("BAGS-15", parts, fresh())]);
    assert_eq!(refusal(&result, 0), Some(CouponRefusal::MinSpend));
    assert_eq!(result.total_discount, amount("0"));
}

#[test]
fn a_fixed_500_over_300_and_700_is_150_and_350() {
    let basket = basket(vec![line("1", "shoes", 1, "300"), line("2", "shoes", 1, "700")]);
    let result = apply(&basket, DiscountCeiling::NONE, None, &[presented("FIVE-HUNDRED", fixed("500"), fresh())]);
    assert_eq!(line_discounts(&result), ["150.00", "350.00"]);
    let a = applied(&result, 0);
    assert_eq!((a.discount, a.capped), (amount("500"), false));
}

#[test]
fn a_ceiling_of_20_percent_caps_15_plus_10_to_20() {
    let basket = basket(vec![line("1", "bags", 1, "1000")]);
    let coupons = [
        presented("FIFTEEN", clientele_offers::CouponDefinitionParts { stackable: true, ..percent("15") }, fresh()),
        presented("TEN-MORE", clientele_offers::CouponDefinitionParts { stackable: true, ..percent("10") }, fresh()),
    ];
    let result = apply(&basket, ceiling("20", None), None, &coupons);
    assert_eq!(applied(&result, 0).discount, amount("150"));
    // 10 % of the 850 left is 85, of which the ceiling lets 50 through.
    let second = applied(&result, 1);
    assert_eq!((second.nominal, second.discount, second.cut_by_ceiling), (amount("85"), amount("50"), amount("35")));
    assert!(second.capped);
    assert_eq!(result.total_discount, amount("200"));
    assert_eq!(result.lines[0].ceiling, amount("200"));
    // A campaign's lower ceiling wins.
    let result = apply(&basket, ceiling("20", Some("12.5")), None, &coupons);
    assert_eq!(result.total_discount, amount("125"));
    assert_eq!(applied(&result, 1).discount, amount("0"));
    assert!(applied(&result, 1).capped);
}

#[test]
fn the_tills_own_markdown_counts_against_the_ceiling_and_the_minimum_spend() {
    // A 1,000 bag the till marked down by 150 (15 %), a 600 scarf at full
    // price; 20 % ceiling; 10 % off everything from 1,500 spent.
    let bag = clientele_offers::BasketLine { discount: amount("150"), ..line("1", "bags", 1, "1000") };
    let basket = basket(vec![bag, line("2", "scarves", 1, "600")]);
    let coupon = [presented(
        "TEN-OFF",
        clientele_offers::CouponDefinitionParts { min_spend: Some(d("1450")), ..percent("10") },
        fresh(),
    )];
    let result = apply(&basket, ceiling("20", None), None, &coupon);
    // 10 % of 850 + 600 = 145, split 85 / 60; the bag has 50 of room left.
    let applied = applied(&result, 0);
    assert_eq!(
        (applied.nominal, applied.discount, applied.cut_by_ceiling),
        (amount("145"), amount("110"), amount("35"))
    );
    assert_eq!((result.lines[0].discount, result.lines[0].net), (amount("50"), amount("800")));
    assert_eq!((result.lines[1].discount, result.lines[1].net), (amount("60"), amount("540")));
    // The minimum spend is on what is paid before offers: 1,450, not 1,600.
    let dearer = [presented(
        "TEN-OFF",
        clientele_offers::CouponDefinitionParts { min_spend: Some(d("1451")), ..percent("10") },
        fresh(),
    )];
    assert_eq!(refusal(&apply(&basket, ceiling("20", None), None, &dearer), 0), Some(CouponRefusal::MinSpend));
}

#[test]
fn a_fixed_amount_passes_on_what_a_capped_line_cannot_take() {
    // 30 % ceiling; 20 % already off A. 400 off both: A has room for 100
    // only, B takes the rest.
    let basket = basket(vec![line("A", "bags", 1, "1000"), line("B", "shoes", 1, "1000")]);
    let stack = |p| clientele_offers::CouponDefinitionParts { stackable: true, ..p };
    let coupons = [
        presented(
            "BAGS-20",
            clientele_offers::CouponDefinitionParts { eligibility: categories(&["bags"]), ..stack(percent("20")) },
            fresh(),
        ),
        presented("FOUR-HUNDRED", stack(fixed("400")), fresh()),
    ];
    let result = apply(&basket, ceiling("30", None), None, &coupons);
    let second = applied(&result, 1);
    assert_eq!(second.discount, amount("400"));
    assert!(!second.capped);
    assert_eq!(line_discounts(&result), ["300.00", "300.00"]);
    // With a 20 % ceiling, A has no room left and B only 200: 200 is cut.
    let result = apply(&basket, ceiling("20", None), None, &coupons);
    let second = applied(&result, 1);
    assert_eq!((second.discount, second.cut_by_ceiling), (amount("200"), amount("200")));
    assert_eq!(line_discounts(&result), ["200.00", "200.00"]);
}

#[test]
fn max_discount_and_the_basket_cut_a_coupon_and_say_so() {
    let basket = basket(vec![line("1", "bags", 1, "12000"), line("2", "bags", 1, "300")]);
    let capped = clientele_offers::CouponDefinitionParts { max_discount: Some(d("1000")), ..percent("15") };
    let result = apply(&basket, DiscountCeiling::NONE, None, &[presented("CAPPED", capped, fresh())]);
    let a = applied(&result, 0);
    assert_eq!((a.nominal, a.discount, a.cut_by_max_discount), (amount("1845"), amount("1000"), amount("845")));
    assert!(a.capped);
    // 1,000 split 12,000 : 300 → 975.61 and 24.39.
    assert_eq!(line_discounts(&result), ["975.61", "24.39"]);
    let small = self::basket(vec![line("1", "bags", 1, "300")]);
    let result = apply(&small, DiscountCeiling::NONE, None, &[presented("BIG-500", fixed("500"), fresh())]);
    let a = applied(&result, 0);
    assert_eq!((a.discount, a.cut_by_basket, a.capped), (amount("300"), amount("200"), true));
}

#[test]
fn percent_totals_round_to_the_nearest_cent_half_down_then_split_by_largest_remainder() {
    // 15 % of 0.30 is 0.045: half a cent, rounded down to 0.04, split
    // 10 : 10 : 10 cents → 2, 1, 1 (the tie goes to the smaller line id).
    let lines = vec![line("1", "beauty", 1, "0.10"), line("2", "beauty", 1, "0.10"), line("3", "beauty", 1, "0.10")];
    let result = apply(&basket(lines), DiscountCeiling::NONE, None, &[presented("TINY", percent("15"), fresh())]);
    assert_eq!(applied(&result, 0).nominal, amount("0.04"));
    assert_eq!(line_discounts(&result), ["0.02", "0.01", "0.01"]);
    // 12.5 % of 99.99 is 12.49875: 12.50.
    let result = apply(
        &basket(vec![line("1", "beauty", 1, "99.99")]),
        DiscountCeiling::NONE,
        None,
        &[presented("EIGHTH", percent("12.5"), fresh())],
    );
    assert_eq!(result.total_discount, amount("12.50"));
}

#[test]
fn a_line_of_quantity_zero_gets_nothing() {
    let basket = basket(vec![line("1", "bags", 0, "5000"), line("2", "bags", 2, "100")]);
    let result = apply(&basket, DiscountCeiling::NONE, None, &[presented("HALF", percent("50"), fresh())]);
    assert_eq!(line_discounts(&result), ["0.00", "100.00"]);
    assert_eq!(applied(&result, 0).lines.len(), 1);
    let only_zero = self::basket(vec![line("1", "bags", 0, "5000")]);
    let result = apply(&only_zero, DiscountCeiling::NONE, None, &[presented("HALF", percent("50"), fresh())]);
    assert_eq!(refusal(&result, 0), Some(CouponRefusal::NotApplicable));
}

#[test]
fn every_refusal_has_its_code() {
    let basket = basket(vec![line("1", "bags", 1, "1000")]);
    let one = |parts, facts, tier| {
        refusal(&apply(&basket, DiscountCeiling::NONE, tier, &[presented("CODE", parts, facts)]), 0)
    };
    let (alice, bob) = (CustomerId::from_uuid(Uuid::from_u128(1)), CustomerId::from_uuid(Uuid::from_u128(2)));
    let personal = clientele_offers::CodeFacts { owner: Some(alice), presenter: Some(alice), ..fresh() };
    let shared = |p: clientele_offers::CouponDefinitionParts| p;
    assert_eq!(one(percent("10"), personal.clone(), None), None);
    assert_eq!(
        one(percent("10"), clientele_offers::CodeFacts { presenter: Some(bob), ..personal.clone() }, None),
        Some(CouponRefusal::NotYours)
    );
    assert_eq!(
        one(percent("10"), clientele_offers::CodeFacts { presenter: None, ..personal.clone() }, None),
        Some(CouponRefusal::NotYours)
    );
    let state = |state| clientele_offers::CodeFacts { state, ..fresh() };
    assert_eq!(one(percent("10"), state(CouponState::Void), None), Some(CouponRefusal::Void));
    assert_eq!(one(percent("10"), state(CouponState::Expired), None), Some(CouponRefusal::Expired));
    assert_eq!(one(percent("10"), state(CouponState::Redeemed), None), Some(CouponRefusal::Used));
    assert_eq!(one(percent("10"), state(CouponState::Reserved), None), Some(CouponRefusal::Reserved));
    let ours = clientele_offers::CodeFacts { held_by_this_order: true, ..state(CouponState::Reserved) };
    assert_eq!(one(percent("10"), ours, None), None);
    let early =
        clientele_offers::CouponDefinitionParts { valid_from: at() + chrono::Duration::seconds(1), ..percent("10") };
    assert_eq!(one(early, fresh(), None), Some(CouponRefusal::NotYetValid));
    let over = clientele_offers::CouponDefinitionParts { valid_to: at(), ..percent("10") };
    assert_eq!(one(over, fresh(), None), Some(CouponRefusal::Expired));
    let used_once = clientele_offers::CodeFacts { uses_by_presenter: 1, ..fresh() };
    assert_eq!(one(percent("10"), used_once.clone(), None), Some(CouponRefusal::Used));
    let twice = clientele_offers::CouponDefinitionParts { uses_per_customer: 2, ..percent("10") };
    assert_eq!(one(twice, used_once, None), None);
    let limited = clientele_offers::CouponDefinitionParts { max_uses: Some(100), ..shared(percent("10")) };
    let at_limit = clientele_offers::CodeFacts { uses_total: 100, ..fresh() };
    assert_eq!(one(limited.clone(), at_limit, None), Some(CouponRefusal::LimitReached));
    assert_eq!(one(limited, clientele_offers::CodeFacts { uses_total: 99, ..fresh() }, None), None);
    let vip = clientele_offers::CouponDefinitionParts {
        eligibility: clientele_offers::Eligibility { tiers: vec![Tier::S5, Tier::S6], ..Default::default() },
        ..percent("10")
    };
    assert_eq!(one(vip.clone(), fresh(), Some(Tier::S4)), Some(CouponRefusal::Tier));
    assert_eq!(one(vip.clone(), fresh(), None), Some(CouponRefusal::Tier));
    assert_eq!(one(vip, fresh(), Some(Tier::S5)), None);
    let shoes = clientele_offers::CouponDefinitionParts { eligibility: categories(&["shoes"]), ..percent("10") };
    assert_eq!(one(shoes, fresh(), None), Some(CouponRefusal::NotApplicable));
    let all: Vec<&str> = CouponRefusal::ALL.iter().map(|r| r.as_str()).collect();
    assert_eq!(all.len(), 12);
    assert!(all.contains(&"coupon_unknown") && all.contains(&"coupon_not_stackable"));
}

#[test]
fn a_coupon_that_is_not_stackable_is_alone_and_the_first_presented_wins() {
    let basket = basket(vec![line("1", "bags", 1, "1000")]);
    let stackable = |p| clientele_offers::CouponDefinitionParts { stackable: true, ..p };
    // Not stackable first: it applies, the stackable one after it does not.
    let result = apply(
        &basket,
        DiscountCeiling::NONE,
        None,
        &[presented("ALONE", percent("10"), fresh()), presented("STACK", stackable(percent("5")), fresh())],
    );
    assert_eq!(applied(&result, 0).discount, amount("100"));
    assert_eq!(refusal(&result, 1), Some(CouponRefusal::NotStackable));
    // Stackable first: the one that is not stackable is refused.
    let result = apply(
        &basket,
        DiscountCeiling::NONE,
        None,
        &[presented("STACK", stackable(percent("5")), fresh()), presented("ALONE", percent("10"), fresh())],
    );
    assert_eq!(refusal(&result, 1), Some(CouponRefusal::NotStackable));
    // A refused coupon does not count: the one that is not stackable then
    // applies alone.
    let result = apply(
        &basket,
        DiscountCeiling::NONE,
        None,
        &[
            presented("VOID", percent("5"), clientele_offers::CodeFacts { state: CouponState::Void, ..fresh() }),
            presented("ALONE", percent("10"), fresh()),
        ],
    );
    assert_eq!(refusal(&result, 0), Some(CouponRefusal::Void));
    assert_eq!(applied(&result, 1).discount, amount("100"));
    // The same code twice: the second is used.
    let result = apply(
        &basket,
        DiscountCeiling::NONE,
        None,
        &[presented("SAME-1", stackable(percent("5")), fresh()), presented("same 1", stackable(percent("5")), fresh())],
    );
    assert_eq!(refusal(&result, 1), Some(CouponRefusal::Used));
}

#[test]
fn the_answer_serialises_with_stable_names() {
    let basket = basket(vec![line("1", "bags", 1, "1000")]);
    let result = apply(
        &basket,
        ceiling("20", None),
        None,
        &[presented("ABCD-EFGH", percent("10"), fresh()), presented("WXYZ", percent("10"), fresh())],
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["coupons"][0]["code"], "ABCDEFGH");
    assert_eq!(json["coupons"][0]["outcome"]["status"], "applied");
    assert_eq!(json["coupons"][0]["outcome"]["discount"], "100.00");
    assert_eq!(
        json["coupons"][1]["outcome"],
        serde_json::json!({"status": "refused", "reason": "coupon_not_stackable"})
    );
    assert_eq!(json["total_discount"], "100.00");
    assert_eq!(serde_json::from_value::<Application>(json).unwrap(), result);
}
