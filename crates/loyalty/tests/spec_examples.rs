//! The SPEC §4 examples and the rules' corner cases, through the public API.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clientele_kernel::{Actor, LineId, Moment};
use clientele_loyalty::{
    Account, BaseAmount, EntryKind, ExpiryPolicy, GrowthDelta, LineReturn, LotId, LoyaltyError, ManualAdjustment,
    ManualPoints, MonthCount, Multiplier, OrderId, OrderToEarn, PaidLine, Points, ProgramConfig, Quantity, Reason,
    RedemptionId, RedemptionRequest, RequalificationWindow, ReservationState, ReturnId, ReturnRequest, Source, Tier,
    TierBenefits, TierChange, TierChangeReason, TierFloorRequest, TierTable,
};

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

fn on(y: i32, m: u32, d: u32) -> Moment {
    Moment::utc(at(y, m, d, 10))
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn order(id: &str, lines: &[(&str, &str, u32)]) -> OrderToEarn {
    let lines = lines
        .iter()
        .map(|(line, paid, quantity)| PaidLine {
            line: LineId::parse(line).unwrap(),
            quantity: Quantity::new(*quantity).unwrap(),
            paid: BaseAmount::parse(paid).unwrap(),
        })
        .collect();
    OrderToEarn::new(OrderId::parse(id).unwrap(), lines).unwrap()
}

fn lot(id: &str) -> LotId {
    LotId::parse(id).unwrap()
}

fn return_of(id: &str, lines: &[(&str, u32)]) -> ReturnRequest {
    let lines = lines
        .iter()
        .map(|(line, quantity)| LineReturn {
            line: LineId::parse(line).unwrap(),
            quantity: Quantity::new(*quantity).unwrap(),
        })
        .collect();
    ReturnRequest::new(ReturnId::parse(id).unwrap(), lines).unwrap()
}

fn redemption(id: &str, points: i64) -> RedemptionRequest {
    RedemptionRequest {
        redemption: RedemptionId::parse(id).unwrap(),
        points: Points::new(points).unwrap(),
        reason: Reason::parse("silk scarf").unwrap(),
    }
}

fn rid(id: &str) -> RedemptionId {
    RedemptionId::parse(id).unwrap()
}

#[test]
fn spec_example_12345_67_earns_12345_points_and_growth_value() {
    let mut account = Account::open(ProgramConfig::default_plan());
    let earning = account.earn_order(&order("1001", &[("1", "12345.67", 1)]), &lot("a"), on(2026, 3, 1)).unwrap();
    assert_eq!(earning.points().get(), 12_345);
    assert_eq!(earning.growth().get(), 12_345);
    assert_eq!(account.balance().get(), 12_345);
    assert_eq!(account.growth().get(), 12_345);
    let entry = &account.ledger()[0];
    assert_eq!(entry.kind, EntryKind::EarnOrder);
    assert_eq!(entry.source, Source::Order(OrderId::parse("1001").unwrap()));
    assert_eq!(entry.lot, Some(lot("a")));
    assert_eq!((entry.points.get(), entry.growth.get()), (12_345, 12_345));
}

#[test]
fn spec_tier_boundaries() {
    let config = ProgramConfig::default_plan();
    let tier = |g: i64| config.tier_for_growth(clientele_loyalty::GrowthValue::new(g).unwrap());
    assert_eq!(tier(0), Tier::S1);
    assert_eq!(tier(8_000), Tier::S1);
    assert_eq!(tier(8_001), Tier::S2);
    assert_eq!(tier(80_001), Tier::S3);
    assert_eq!(tier(180_001), Tier::S4);
    assert_eq!(tier(580_001), Tier::S5);
    assert_eq!(tier(980_000), Tier::S5);
    assert_eq!(tier(980_001), Tier::S6);
}

#[test]
fn upgrade_applies_at_once_with_an_event_and_a_return_undoes_it() {
    let mut account = Account::open(ProgramConfig::default_plan());
    account.earn_order(&order("1", &[("1", "8000.99", 1)]), &lot("a"), on(2026, 3, 1)).unwrap();
    assert_eq!(account.tier_on(day(2026, 3, 1)), Tier::S1);
    account.earn_order(&order("2", &[("1", "1", 1)]), &lot("b"), on(2026, 3, 2)).unwrap();
    assert_eq!(account.tier_on(day(2026, 3, 2)), Tier::S2);
    assert_eq!(
        account.tier_changes(),
        [TierChange { from: Tier::S1, to: Tier::S2, reason: TierChangeReason::GrowthEarned, on: day(2026, 3, 2) }]
    );
    account.return_lines(&OrderId::parse("2").unwrap(), &return_of("r", &[("1", 1)]), on(2026, 3, 3)).unwrap();
    assert_eq!(account.tier_on(day(2026, 3, 3)), Tier::S1);
    assert_eq!(account.tier_changes()[1].reason, TierChangeReason::GrowthTakenBack);
}

#[test]
fn the_tier_multiplier_gives_points_but_not_growth_value() {
    let benefits = TierBenefits { points_multiplier: Multiplier::parse("2").unwrap(), ..TierBenefits::default() };
    let config = ProgramConfig::default_plan().with_tiers(TierTable::plan_default().with_benefits(Tier::S4, benefits));
    let mut account = Account::open(config);
    let floor = TierFloorRequest {
        tier: Tier::S4,
        until: day(2026, 12, 31),
        set_by: Actor::parse("li.na").unwrap(),
        reason: Reason::parse("VIP client of the Shanghai flagship").unwrap(),
    };
    account.set_tier_floor(&floor, on(2026, 3, 1)).unwrap();
    let entry = account.ledger().last().unwrap();
    assert_eq!(entry.kind, EntryKind::TierFloorSet);
    assert_eq!(entry.source, Source::Manual(Actor::parse("li.na").unwrap()));
    assert!(entry.reason.as_str().contains("S4 until 2026-12-31"));
    let earning = account.earn_order(&order("1", &[("1", "1000.50", 1)]), &lot("a"), on(2026, 3, 2)).unwrap();
    assert_eq!(earning.tier(), Tier::S4);
    assert_eq!(earning.points().get(), 2_001);
    assert_eq!(earning.growth().get(), 1_000);
    // The floor ends after its last day.
    account.end_lapsed_tier_floor(day(2027, 1, 1));
    assert_eq!(account.tier_on(day(2027, 1, 1)), Tier::S1);
    assert_eq!(account.tier_changes().last().unwrap().reason, TierChangeReason::FloorEnded);
}

#[test]
fn lots_expire_at_the_end_of_their_last_day_with_month_end_clamping() {
    let config = ProgramConfig::default_plan().with_expiry(ExpiryPolicy::months_after_earning(12).unwrap());
    let mut account = Account::open(config);
    account.earn_order(&order("leap", &[("1", "100", 1)]), &lot("a"), on(2024, 2, 29)).unwrap();
    assert_eq!(account.wallet().lot(&lot("a")).unwrap().expires_on(), Some(day(2025, 2, 28)));
    assert_eq!(account.expire_lots(on(2025, 2, 28)).unwrap(), Points::ZERO);
    assert_eq!(account.available_on(day(2025, 2, 28)).get(), 100);
    assert_eq!(account.available_on(day(2025, 3, 1)).get(), 0);
    assert_eq!(account.expire_lots(on(2025, 3, 1)).unwrap().get(), 100);
    assert_eq!(account.balance().get(), 0);
    assert_eq!(account.growth().get(), 100, "expiry never touches growth value");
    assert_eq!(account.ledger().last().unwrap().kind, EntryKind::Expire);
}

#[test]
fn end_of_year_after_next_policy_and_expiry_notices() {
    let mut account = Account::open(ProgramConfig::default_plan());
    account.earn_order(&order("1", &[("1", "100", 1)]), &lot("a"), on(2026, 1, 1)).unwrap();
    account.earn_order(&order("2", &[("1", "50", 1)]), &lot("b"), on(2026, 12, 31)).unwrap();
    account.earn_order(&order("3", &[("1", "7", 1)]), &lot("c"), on(2027, 1, 1)).unwrap();
    let expiry = |id: &str| account.wallet().lot(&lot(id)).unwrap().expires_on();
    assert_eq!(expiry("a"), Some(day(2028, 12, 31)));
    assert_eq!(expiry("b"), Some(day(2028, 12, 31)));
    assert_eq!(expiry("c"), Some(day(2029, 12, 31)));
    let notices = account.wallet().expiring_between(day(2028, 12, 1), day(2028, 12, 31));
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].points.get(), 150);
}

#[test]
fn redemption_state_machine() {
    let mut account = Account::open(ProgramConfig::default_plan());
    account.earn_order(&order("1", &[("1", "1000", 1)]), &lot("a"), on(2026, 3, 1)).unwrap();
    let now = at(2026, 3, 2, 10);
    let hold = now + Duration::minutes(15);
    account.reserve(&redemption("r1", 600), Moment::utc(now), hold).unwrap();
    assert_eq!(account.balance().get(), 1_000, "a hold keeps the points in the balance");
    assert_eq!(account.available_on(day(2026, 3, 2)).get(), 400);
    // A second reservation cannot take the held points.
    assert_eq!(
        account.reserve(&redemption("r2", 401), Moment::utc(now), hold),
        Err(LoyaltyError::InsufficientPoints {
            requested: Points::new(401).unwrap(),
            available: Points::new(400).unwrap()
        })
    );
    assert_eq!(
        account.reserve(&redemption("r1", 1), Moment::utc(now), hold).unwrap_err().code(),
        "duplicate_redemption"
    );
    assert_eq!(account.expire_reservation(&rid("r1"), Moment::utc(now)), Err(LoyaltyError::ReservationStillHeld));
    account.confirm(&rid("r1"), Moment::utc(now + Duration::minutes(5))).unwrap();
    assert_eq!(account.balance().get(), 400);
    assert_eq!(account.growth().get(), 1_000, "redemption never reduces growth value");
    assert_eq!(account.reservation(&rid("r1")).unwrap().state(), ReservationState::Confirmed);
    for result in [
        account.confirm(&rid("r1"), Moment::utc(now)),
        account.cancel(&rid("r1"), Moment::utc(now)),
        account.expire_reservation(&rid("r1"), Moment::utc(hold)),
    ] {
        assert_eq!(result.unwrap_err().code(), "illegal_transition");
    }
    // A hold that runs out cannot be confirmed; it expires and the points come back.
    account.reserve(&redemption("r3", 400), Moment::utc(now), hold).unwrap();
    assert_eq!(account.confirm(&rid("r3"), Moment::utc(hold)), Err(LoyaltyError::ReservationLapsed));
    account.expire_reservation(&rid("r3"), Moment::utc(hold)).unwrap();
    assert_eq!(account.available_on(day(2026, 3, 2)).get(), 400);
    // Cancel returns the points too.
    account.reserve(&redemption("r4", 100), Moment::utc(now), hold).unwrap();
    account.cancel(&rid("r4"), Moment::utc(now)).unwrap();
    assert_eq!(account.available_on(day(2026, 3, 2)).get(), 400);
    assert_eq!(account.cancel(&rid("nope"), Moment::utc(now)).unwrap_err().code(), "unknown_redemption");
}

#[test]
fn cancelled_points_of_a_lot_that_expired_meanwhile_expire() {
    let config = ProgramConfig::default_plan().with_expiry(ExpiryPolicy::months_after_earning(1).unwrap());
    let mut account = Account::open(config);
    account.earn_order(&order("1", &[("1", "300", 1)]), &lot("a"), on(2026, 1, 31)).unwrap();
    account.reserve(&redemption("r", 200), on(2026, 2, 28), at(2026, 3, 2, 0)).unwrap();
    // The lot's last day is 2026-02-28; the sweep on 03-01 leaves the held points.
    assert_eq!(account.expire_lots(on(2026, 3, 1)).unwrap().get(), 100);
    assert_eq!(account.balance().get(), 200);
    account.cancel(&rid("r"), on(2026, 3, 1)).unwrap();
    assert_eq!(account.balance().get(), 0);
    let kinds: Vec<EntryKind> = account.ledger().iter().rev().take(2).map(|e| e.kind).collect();
    assert_eq!(kinds, [EntryKind::Expire, EntryKind::RedeemCancel]);
}

#[test]
fn held_points_of_an_expired_lot_can_still_be_confirmed() {
    let config = ProgramConfig::default_plan().with_expiry(ExpiryPolicy::months_after_earning(1).unwrap());
    let mut account = Account::open(config);
    account.earn_order(&order("1", &[("1", "300", 1)]), &lot("a"), on(2026, 1, 31)).unwrap();
    account.reserve(&redemption("r", 200), on(2026, 2, 28), at(2026, 3, 2, 0)).unwrap();
    account.expire_lots(on(2026, 3, 1)).unwrap();
    account.confirm(&rid("r"), on(2026, 3, 1)).unwrap();
    assert_eq!(account.balance().get(), 0);
}

#[test]
fn redemption_draws_the_earliest_expiring_lot_first_and_a_return_its_own_lot_first() {
    let config = ProgramConfig::default_plan().with_expiry(ExpiryPolicy::months_after_earning(6).unwrap());
    let mut account = Account::open(config);
    account.earn_order(&order("old", &[("1", "100", 1)]), &lot("a"), on(2026, 1, 10)).unwrap();
    account.earn_order(&order("new", &[("1", "100", 1)]), &lot("b"), on(2026, 2, 10)).unwrap();
    account.reserve(&redemption("r", 150), on(2026, 3, 1), at(2026, 3, 2, 0)).unwrap();
    let draws = account.reservation(&rid("r")).unwrap().draws().to_vec();
    assert_eq!(draws.iter().map(|d| (d.lot.as_str(), d.points.get())).collect::<Vec<_>>(), [("a", 100), ("b", 50)]);
    account.confirm(&rid("r"), on(2026, 3, 1)).unwrap();
    account.earn_order(&order("third", &[("1", "100", 1)]), &lot("c"), on(2026, 3, 5)).unwrap();
    // Returning "new": its own lot b (50 left) first, then c.
    let posting =
        account.return_lines(&OrderId::parse("new").unwrap(), &return_of("ret", &[("1", 1)]), on(2026, 3, 6)).unwrap();
    assert_eq!(posting.points_taken.get(), 100);
    let lots: Vec<(Option<&str>, i64)> = posting
        .change
        .entries()
        .iter()
        .filter(|e| !e.points.is_zero())
        .map(|e| (e.lot.as_ref().map(|l| l.as_str()), e.points.get()))
        .collect();
    assert_eq!(lots, [(Some("b"), -50), (Some("c"), -50)]);
}

#[test]
fn a_return_beyond_what_is_left_records_the_shortfall_when_capped_at_zero() {
    let config = ProgramConfig::default_plan().with_return_shortfall(clientele_loyalty::ReturnShortfall::CapAtZero);
    let mut account = Account::open(config);
    account.earn_order(&order("1", &[("1", "600", 2)]), &lot("a"), on(2026, 3, 1)).unwrap();
    account.reserve(&redemption("r", 500), on(2026, 3, 2), at(2026, 3, 3, 0)).unwrap();
    account.confirm(&rid("r"), on(2026, 3, 2)).unwrap();
    let order_id = OrderId::parse("1").unwrap();
    let first = account.return_lines(&order_id, &return_of("r1", &[("1", 1)]), on(2026, 3, 4)).unwrap();
    assert_eq!((first.points_taken.get(), first.points_not_taken.get()), (100, 200));
    let second = account.return_lines(&order_id, &return_of("r2", &[("1", 1)]), on(2026, 3, 5)).unwrap();
    assert_eq!((second.points_taken.get(), second.points_not_taken.get()), (0, 300));
    assert_eq!(account.balance().get(), 0);
    assert_eq!(account.growth().get(), 0);
    assert_eq!(
        account.return_lines(&order_id, &return_of("r3", &[("1", 1)]), on(2026, 3, 5)).unwrap_err().code(),
        "return_exceeds_quantity"
    );
    assert_eq!(
        account.return_lines(&order_id, &return_of("r4", &[("9", 1)]), on(2026, 3, 5)).unwrap_err().code(),
        "unknown_line"
    );
}

/// The plan's default (SPEC §4): a return of points already redeemed takes
/// the balance below zero through that return only; no redemption until the
/// next earnings have repaid it.
#[test]
fn by_default_a_return_beyond_what_is_left_leaves_a_debt_that_earnings_repay() {
    let mut account = Account::open(ProgramConfig::default_plan());
    account.earn_order(&order("1", &[("1", "600", 2)]), &lot("a"), on(2026, 3, 1)).unwrap();
    account.reserve(&redemption("r", 500), on(2026, 3, 2), at(2026, 3, 3, 0)).unwrap();
    account.confirm(&rid("r"), on(2026, 3, 2)).unwrap();
    let order_id = OrderId::parse("1").unwrap();
    let returned = account.return_lines(&order_id, &return_of("r1", &[("1", 2)]), on(2026, 3, 4)).unwrap();
    assert_eq!((returned.points_taken.get(), returned.points_owed.get()), (100, 500));
    assert_eq!(account.balance().get(), -500);
    assert_eq!(
        account.reserve(&redemption("r2", 1), on(2026, 3, 4), at(2026, 3, 5, 0)).unwrap_err().code(),
        "points_in_debt"
    );
    account.earn_order(&order("2", &[("1", "800", 1)]), &lot("b"), on(2026, 3, 6)).unwrap();
    assert_eq!(account.balance().get(), 300);
    assert_eq!(account.wallet().owed().get(), 0);
    assert_eq!(account.lots().find(|l| l.id().as_str() == "b").unwrap().remaining().get(), 300);
    account.reserve(&redemption("r3", 300), on(2026, 3, 6), at(2026, 3, 7, 0)).unwrap();
}

#[test]
fn requalification_window_downgrades_only_at_review() {
    let window = RequalificationWindow::new(MonthCount::new(12).unwrap(), 1, 1).unwrap();
    let config = ProgramConfig::default_plan().with_expiry(ExpiryPolicy::Never).with_requalification(Some(window));
    let mut account = Account::open(config);
    account.earn_order(&order("1", &[("1", "90000", 1)]), &lot("a"), on(2026, 2, 1)).unwrap();
    assert_eq!(account.tier_on(day(2026, 2, 1)), Tier::S3, "upgrades apply at once");
    // The growth leaves the window on 2027-02-01, but the tier holds until a review.
    assert_eq!(account.qualifying_growth_on(day(2027, 2, 1)).get(), 0);
    account.earn_order(&order("2", &[("1", "10", 1)]), &lot("b"), on(2027, 3, 1)).unwrap();
    assert_eq!(account.tier_on(day(2027, 3, 1)), Tier::S3);
    // A small return does not cost the tier that aged growth earned.
    account.return_lines(&OrderId::parse("2").unwrap(), &return_of("r", &[("1", 1)]), on(2027, 3, 2)).unwrap();
    assert_eq!(account.tier_on(day(2027, 3, 2)), Tier::S3);
    assert_eq!(account.review_tier(day(2027, 3, 3)).unwrap_err().code(), "not_a_review_date");
    // Review on 2028-01-01 counts 2027: nothing left → S1.
    account.review_tier(day(2028, 1, 1)).unwrap();
    assert_eq!(account.tier_on(day(2028, 1, 1)), Tier::S1);
    assert_eq!(account.tier_changes().last().unwrap().reason, TierChangeReason::Review);
    // Reviews on a cumulative program are refused.
    let mut cumulative = Account::open(ProgramConfig::default_plan());
    assert_eq!(cumulative.review_tier(day(2028, 1, 1)).unwrap_err().code(), "not_a_review_date");
}

#[test]
fn review_keeps_the_tier_of_the_growth_earned_in_the_window() {
    let window = RequalificationWindow::new(MonthCount::new(12).unwrap(), 1, 1).unwrap();
    let config = ProgramConfig::default_plan().with_requalification(Some(window));
    let mut account = Account::open(config);
    account.earn_order(&order("1", &[("1", "90000", 1)]), &lot("a"), on(2026, 12, 31)).unwrap();
    account.earn_order(&order("2", &[("1", "90001", 1)]), &lot("b"), on(2027, 1, 1)).unwrap();
    assert_eq!(account.tier_on(day(2027, 1, 1)), Tier::S4, "the window holds 180,001 on 2027-01-01");
    // The review on 2027-01-01 counts 2026 (90,000) and, like an upgrade,
    // the review day's own purchase: it keeps S4 whatever hour it runs.
    account.review_tier(day(2027, 1, 1)).unwrap();
    assert_eq!(account.tier_state().qualified(), Tier::S4);
    assert_eq!(account.tier_state().review_baseline(), Tier::S4);
    // The review on 2028-01-01 counts 2027 only (90,001): S3.
    account.review_tier(day(2028, 1, 1)).unwrap();
    assert_eq!(account.tier_state().qualified(), Tier::S3);
    assert_eq!(account.tier_state().review_baseline(), Tier::S3);
    assert_eq!(
        account.tier_changes().last(),
        Some(&TierChange { from: Tier::S4, to: Tier::S3, reason: TierChangeReason::Review, on: day(2028, 1, 1) })
    );
}

#[test]
fn manual_adjustments_are_checked_and_recorded() {
    let mut account = Account::open(ProgramConfig::default_plan());
    let manager = Actor::parse("crm.manager").unwrap();
    let adjust = |points: ManualPoints, growth: i64| ManualAdjustment {
        points,
        growth: GrowthDelta::new(growth),
        actor: manager.clone(),
        reason: Reason::parse("complaint settled").unwrap(),
    };
    assert_eq!(
        account.adjust_manually(&adjust(ManualPoints::Unchanged, 0), on(2026, 3, 1)),
        Err(LoyaltyError::EmptyAdjustment)
    );
    assert_eq!(
        account.adjust_manually(&adjust(ManualPoints::Unchanged, -1), on(2026, 3, 1)),
        Err(LoyaltyError::GrowthWouldBeNegative)
    );
    account
        .adjust_manually(
            &adjust(ManualPoints::Credit { points: Points::new(500).unwrap(), lot: lot("m") }, 8_001),
            on(2026, 3, 1),
        )
        .unwrap();
    assert_eq!(account.balance().get(), 500);
    assert_eq!(account.tier_on(day(2026, 3, 1)), Tier::S2);
    assert_eq!(
        account
            .adjust_manually(&adjust(ManualPoints::Debit { points: Points::new(501).unwrap() }, 0), on(2026, 3, 1))
            .unwrap_err()
            .code(),
        "insufficient_points"
    );
    account
        .adjust_manually(&adjust(ManualPoints::Debit { points: Points::new(200).unwrap() }, -8_001), on(2026, 3, 2))
        .unwrap();
    assert_eq!(account.balance().get(), 300);
    assert_eq!(account.tier_on(day(2026, 3, 2)), Tier::S1);
    assert!(
        account
            .ledger()
            .iter()
            .all(|e| e.kind == EntryKind::AdjustManual && e.source == Source::Manual(manager.clone()))
    );
}

#[test]
fn program_config_round_trips_through_json() {
    let window = RequalificationWindow::new(MonthCount::new(12).unwrap(), 1, 1).unwrap();
    let benefits = TierBenefits {
        member_discount: clientele_loyalty::DiscountRate::parse("0.15").unwrap(),
        points_multiplier: Multiplier::parse("1.5").unwrap(),
        birthday_gift: Some(clientele_loyalty::BenefitText::parse("silk scarf").unwrap()),
        privileges: vec![clientele_loyalty::BenefitText::parse("private viewing").unwrap()],
    };
    let config = ProgramConfig::default_plan()
        .with_base_currency(clientele_kernel::Currency::parse("eur").unwrap())
        .with_earn_rate(clientele_loyalty::EarnRate::parse("0.1").unwrap())
        .with_tiers(TierTable::plan_default().with_benefits(Tier::S5, benefits))
        .with_expiry(ExpiryPolicy::months_after_earning(24).unwrap())
        .with_requalification(Some(window))
        .with_return_shortfall(clientele_loyalty::ReturnShortfall::DeductFromRefund)
        .with_redemption_value_per_point(Some(clientele_loyalty::PointValue::parse("0.01").unwrap()));
    let json = serde_json::to_string(&config).unwrap();
    assert_eq!(serde_json::from_str::<ProgramConfig>(&json).unwrap(), config);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["expiry"], serde_json::json!({"policy": "months_after_earning", "months": 24}));
    assert_eq!(value["requalification"], serde_json::json!({"months": 12, "review_month": 1, "review_day": 1}));
    assert_eq!(value["tiers"][4]["benefits"]["member_discount"], "0.15");
    let plan = ProgramConfig::default_plan();
    assert_eq!(serde_json::from_value::<ProgramConfig>(serde_json::to_value(&plan).unwrap()).unwrap(), plan);
}

#[test]
fn an_invalid_program_config_is_refused_on_deserialise() {
    let valid = serde_json::to_value(ProgramConfig::default_plan()).unwrap();
    let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut json = valid.clone();
        edit(&mut json);
        serde_json::from_value::<ProgramConfig>(json).unwrap_err().to_string()
    };
    assert!(refused(&|j| j["tiers"][2]["min_growth"] = 8_001.into()).contains("strictly increase"));
    assert!(refused(&|j| j["tiers"][0]["min_growth"] = 1.into()).contains("S1 must start at growth value 0"));
    assert!(
        refused(&|j| {
            j["tiers"].as_array_mut().unwrap().pop();
        })
        .contains("exactly six tiers")
    );
    assert!(refused(&|j| j["tiers"][1]["tier"] = "S3".into()).contains("in order"));
    assert!(refused(&|j| j["tiers"][1]["min_growth"] = (-5).into()).contains("between 0"));
    assert!(refused(&|j| j["earn_rate"] = "0".into()).contains("greater than 0"));
    assert!(refused(&|j| j["base_currency"] = "YUAN".into()).contains("ISO 4217"));
    assert!(refused(&|j| j["tiers"][3]["benefits"]["member_discount"] = "1.2".into()).contains("between 0 and 1"));
    assert!(refused(&|j| j["tiers"][3]["benefits"]["points_multiplier"] = "-1".into()).contains("between 0 and 100"));
    assert!(
        refused(&|j| j["expiry"] = serde_json::json!({"policy": "months_after_earning", "months": 0}))
            .contains("between 1")
    );
    assert!(refused(&|j| j["expiry"] = serde_json::json!({"policy": "sometimes"})).contains("unknown variant"));
    assert!(
        refused(&|j| j["requalification"] = serde_json::json!({"months": 12, "review_month": 2, "review_day": 29}))
            .contains("every year")
    );
    assert!(refused(&|j| j["return_shortfall"] = "forgive".into()).contains("unknown variant"));
    assert!(refused(&|j| j["redemption_value_per_point"] = "-0.01".into()).contains("greater than 0"));
    assert!(refused(&|j| j["points_per_yuan"] = 1.into()).contains("unknown field"));
    assert!(refused(&|j| j["tiers"][0]["name"] = "".into()).contains("must not be empty"));
}

#[test]
fn ledger_entries_and_state_round_trip_through_json() {
    let mut account = Account::open(ProgramConfig::default_plan());
    account.earn_order(&order("1", &[("1", "99.99", 1)]), &lot("a"), on(2026, 3, 1)).unwrap();
    account.reserve(&redemption("r", 10), on(2026, 3, 1), at(2026, 3, 2, 0)).unwrap();
    account.return_lines(&OrderId::parse("1").unwrap(), &return_of("ret", &[("1", 1)]), on(2026, 3, 1)).unwrap();
    for entry in account.ledger() {
        let json = serde_json::to_string(entry).unwrap();
        assert_eq!(&serde_json::from_str::<clientele_loyalty::LedgerEntry>(&json).unwrap(), entry);
    }
    let value = serde_json::to_value(&account.ledger()[0]).unwrap();
    assert_eq!(value["kind"], "earn_order");
    assert_eq!(value["source"], serde_json::json!({"type": "order", "id": "1"}));
    for lot in account.lots() {
        let json = serde_json::to_string(lot).unwrap();
        assert_eq!(&serde_json::from_str::<clientele_loyalty::Lot>(&json).unwrap(), lot);
    }
    let reservation = account.reservation(&rid("r")).unwrap();
    let json = serde_json::to_string(reservation).unwrap();
    assert_eq!(&serde_json::from_str::<clientele_loyalty::Reservation>(&json).unwrap(), reservation);
    let mut tampered: serde_json::Value = serde_json::from_str(&json).unwrap();
    tampered["points"] = 11.into();
    assert!(serde_json::from_value::<clientele_loyalty::Reservation>(tampered).is_err());
    let mut lot_json = serde_json::to_value(account.lots().next().unwrap()).unwrap();
    lot_json["held"] = 1_000.into();
    assert!(serde_json::from_value::<clientele_loyalty::Lot>(lot_json).is_err());
}

#[test]
fn a_new_tier_table_moves_members_up_or_down_but_floors_hold() {
    use clientele_loyalty::{GrowthValue, TierState, TierTable, tier_under_new_table};
    let config = ProgramConfig::default_plan();
    // Double every threshold: a member at 12,345 growth falls from S2 to S1.
    let doubled: Vec<_> = config
        .tiers()
        .rules()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.min_growth = GrowthValue::new(r.min_growth.get() * 2).unwrap();
            r
        })
        .collect();
    let stricter = config.clone().with_tiers(TierTable::new(doubled).unwrap());
    let state =
        tier_under_new_table(&config, &TierState::new_member(), GrowthValue::new(12_345).unwrap(), day(2026, 5, 1))
            .state;
    assert_eq!(state.effective_on(day(2026, 5, 1)), Tier::S2);
    let update = tier_under_new_table(&stricter, &state, GrowthValue::new(12_345).unwrap(), day(2026, 6, 1));
    assert_eq!(update.state.effective_on(day(2026, 6, 1)), Tier::S1);
    let change = update.change.unwrap();
    assert_eq!((change.from, change.to), (Tier::S2, Tier::S1));
}
