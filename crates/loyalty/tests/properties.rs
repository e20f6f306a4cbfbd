//! Property tests of the loyalty rules, each named for the SPEC §4 invariant
//! it states. Most drive [`Account`] (the reference model) with random
//! sequences of operations and check the invariants after every step.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{Actor, LineId, Moment};
use clientele_loyalty::{
    Account, ActivityGrant, ActivityId, BaseAmount, EntryKind, ExpiryPolicy, GrowthDelta, GrowthValue, LineReturn,
    LotId, LoyaltyError, ManualAdjustment, ManualPoints, MonthCount, Multiplier, OrderId, OrderToEarn, PaidLine,
    PointValue, Points, ProgramConfig, Quantity, Reason, RedemptionId, RedemptionRequest, RequalificationWindow,
    ReservationState, ReturnId, ReturnPosting, ReturnRequest, ReturnShortfall, Tier, TierBenefits, TierFloorRequest,
    TierRule, TierState, TierTable, calculate_order_earning, growth_value_of, points_and_growth_to_take_back,
    points_balance_of, tier_after_growth_change,
};
use proptest::prelude::*;
use rust_decimal::Decimal;

// ---------------------------------------------------------------- helpers

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 9, 0, 0).unwrap()
}

fn moment_at(at: DateTime<Utc>) -> Moment {
    Moment::utc(at)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn amount(ten_thousandths: u64) -> BaseAmount {
    BaseAmount::new(Decimal::new(i64::try_from(ten_thousandths).unwrap(), 4)).unwrap()
}

fn points(n: i64) -> Points {
    Points::new(n).unwrap()
}

fn reason(s: &str) -> Reason {
    Reason::parse(s).unwrap()
}

fn actor() -> Actor {
    Actor::parse("crm.manager").unwrap()
}

fn order_of(id: &str, lines: &[(u64, u32)]) -> OrderToEarn {
    let lines = lines
        .iter()
        .enumerate()
        .map(|(i, (paid, qty))| PaidLine {
            line: LineId::parse(&format!("L{i}")).unwrap(),
            quantity: Quantity::new(*qty).unwrap(),
            paid: amount(*paid),
        })
        .collect();
    OrderToEarn::new(OrderId::parse(id).unwrap(), lines).unwrap()
}

// ------------------------------------------------------------ generators

/// Amounts paid, in units of 10^-4: small, round, large, and zero.
fn paid() -> impl Strategy<Value = u64> {
    prop_oneof![
        3 => 0_u64..2_000_000,                       // up to ¥200
        3 => (0_u64..500_000).prop_map(|c| c * 100), // whole cents up to ¥5,000
        1 => 0_u64..100_000_000_000,                 // up to ¥10,000,000
        1 => Just(0_u64),
    ]
}

fn order_lines() -> impl Strategy<Value = Vec<(u64, u32)>> {
    prop::collection::vec((paid(), 1_u32..5), 1..7)
}

fn multiplier() -> impl Strategy<Value = Multiplier> {
    prop_oneof![
        Just(Multiplier::ONE),
        (0_i64..=300).prop_map(|m| Multiplier::new(Decimal::new(m, 2)).unwrap()),
        (0_i64..=5_000_000).prop_map(|m| Multiplier::new(Decimal::new(m, 6)).unwrap()),
    ]
}

fn config_with_multiplier(tier: Tier, multiplier: Multiplier) -> ProgramConfig {
    let benefits = TierBenefits { points_multiplier: multiplier, ..TierBenefits::default() };
    ProgramConfig::default_plan().with_tiers(TierTable::plan_default().with_benefits(tier, benefits))
}

fn tier() -> impl Strategy<Value = Tier> {
    prop::sample::select(Tier::ALL.to_vec())
}

/// Any valid tier table: S1 at 0, then five strictly increasing minimums.
fn tier_table() -> impl Strategy<Value = TierTable> {
    prop::collection::vec(1_i64..400_000, 5).prop_map(|steps| {
        let mut min = 0;
        let rules = Tier::ALL
            .iter()
            .enumerate()
            .map(|(i, tier)| {
                if i > 0 {
                    min += steps[i - 1];
                }
                let base = TierTable::plan_default().rule(*tier).clone();
                TierRule { min_growth: GrowthValue::new(min).unwrap(), ..base }
            })
            .collect();
        TierTable::new(rules).unwrap()
    })
}

fn any_config() -> impl Strategy<Value = ProgramConfig> {
    let expiry = prop_oneof![
        Just(ExpiryPolicy::Never),
        Just(ExpiryPolicy::months_after_earning(1).unwrap()),
        Just(ExpiryPolicy::months_after_earning(2).unwrap()),
        Just(ExpiryPolicy::EndOfYearAfterNext),
    ];
    let shortfall = prop::sample::select(ReturnShortfall::ALL.to_vec());
    let window = prop::option::of(Just(RequalificationWindow::new(MonthCount::new(3).unwrap(), 3, 1).unwrap()));
    let value = prop::option::of((1_i64..=100_000).prop_map(|v| PointValue::new(Decimal::new(v, 4)).unwrap()));
    (expiry, shortfall, window, tier(), multiplier(), value).prop_map(
        |(expiry, shortfall, window, tier, multiplier, value)| {
            config_with_multiplier(tier, multiplier)
                .with_expiry(expiry)
                .with_return_shortfall(shortfall)
                .with_requalification(window)
                .with_redemption_value_per_point(value)
        },
    )
}

/// One operation on an account. Indices pick among existing orders, lines
/// and reservations (modulo their number).
#[derive(Debug, Clone)]
enum Op {
    Earn(Vec<(u64, u32)>),
    Return { order: usize, line: usize, quantity: u32 },
    Activity { per_event: i64, events: u32 },
    Reserve { points: i64, hold_minutes: i64 },
    Confirm(usize),
    Cancel(usize),
    ExpireReservation(usize),
    ExpireLots,
    Credit(i64),
    Debit(i64),
    Growth(i64),
    Floor { tier: Tier, days: u64 },
    EndFloor,
    Review,
    Advance { days: i64 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => order_lines().prop_map(Op::Earn),
        3 => (any::<usize>(), any::<usize>(), 1_u32..4).prop_map(|(order, line, quantity)| Op::Return { order, line, quantity }),
        1 => (1_i64..5_000, 1_u32..4).prop_map(|(per_event, events)| Op::Activity { per_event, events }),
        4 => (1_i64..30_000, 1_i64..4_000).prop_map(|(points, hold_minutes)| Op::Reserve { points, hold_minutes }),
        2 => any::<usize>().prop_map(Op::Confirm),
        2 => any::<usize>().prop_map(Op::Cancel),
        1 => any::<usize>().prop_map(Op::ExpireReservation),
        2 => Just(Op::ExpireLots),
        1 => (0_i64..5_000).prop_map(Op::Credit),
        1 => (0_i64..5_000).prop_map(Op::Debit),
        1 => (-20_000_i64..20_000).prop_map(Op::Growth),
        1 => (tier(), 0_u64..90).prop_map(|(tier, days)| Op::Floor { tier, days }),
        1 => Just(Op::EndFloor),
        1 => Just(Op::Review),
        3 => (0_i64..45).prop_map(|days| Op::Advance { days }),
    ]
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..45)
}

// --------------------------------------------------------------- runner

/// Drives an account through operations, with its own clock and id
/// counters, and checks the invariants after every step.
struct Runner {
    account: Account,
    now: DateTime<Utc>,
    next_id: u64,
    orders: Vec<OrderId>,
    redemptions: Vec<RedemptionId>,
}

impl Runner {
    fn new(config: ProgramConfig) -> Runner {
        Runner { account: Account::open(config), now: start(), next_id: 0, orders: Vec::new(), redemptions: Vec::new() }
    }

    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{}", self.next_id)
    }

    fn moment(&mut self) -> Moment {
        self.now += Duration::minutes(7);
        moment_at(self.now)
    }

    fn lot(&mut self) -> LotId {
        LotId::parse(&self.id("lot")).unwrap()
    }

    /// Runs one operation; returns whether it succeeded.
    fn run(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let before = self.account.clone();
        let moment = self.moment();
        let date = moment.date();
        let result: Result<(), LoyaltyError> = match op {
            Op::Earn(lines) => {
                let id = self.id("order");
                let order = order_of(&id, lines);
                let lot = self.lot();
                let result = self.account.earn_order(&order, &lot, moment).map(|_| ());
                if result.is_ok() {
                    self.orders.push(order.order().clone());
                }
                result
            }
            Op::Return { order, line, quantity } => {
                if self.orders.is_empty() {
                    return Ok(());
                }
                let order = self.orders[order % self.orders.len()].clone();
                let return_id = ReturnId::parse(&self.id("return")).unwrap();
                let earning = self.account.order(&order).unwrap();
                let line = &earning.lines()[line % earning.lines().len()];
                let request = ReturnRequest::new(
                    return_id,
                    vec![LineReturn { line: line.line.clone(), quantity: Quantity::new(*quantity).unwrap() }],
                )
                .unwrap();
                let exceeds = line.returned + quantity > line.quantity.get();
                let result = self.account.return_lines(&order, &request, moment);
                prop_assert_eq!(exceeds, matches!(result, Err(LoyaltyError::ReturnExceedsQuantity { .. })));
                if let Ok(posting) = &result {
                    self.check_return(&before, posting)?;
                }
                result.map(|_| ())
            }
            Op::Activity { per_event, events } => {
                let grant = ActivityGrant::new(
                    ActivityId::parse(&self.id("salon")).unwrap(),
                    points(*per_event),
                    Quantity::new(*events).unwrap(),
                    reason("spring salon"),
                )
                .unwrap();
                let lot = self.lot();
                self.account.grant_activity(&grant, &lot, moment)
            }
            Op::Reserve { points: wanted, hold_minutes } => {
                let id = RedemptionId::parse(&self.id("redemption")).unwrap();
                let request =
                    RedemptionRequest { redemption: id.clone(), points: points(*wanted), reason: reason("scarf") };
                let available = self.account.available_on(date);
                let owed = self.account.wallet().owed();
                let result = self.account.reserve(&request, moment, self.now + Duration::minutes(*hold_minutes));
                if owed.is_zero() {
                    prop_assert_eq!(result.is_ok(), points(*wanted) <= available, "{:?}", result);
                } else {
                    // A negative balance blocks redemption until it is repaid.
                    prop_assert_eq!(&result, &Err(LoyaltyError::PointsInDebt { owed }));
                }
                if result.is_ok() {
                    self.redemptions.push(id.clone());
                    self.check_draw_order(&before, &id, date)?;
                }
                result
            }
            Op::Confirm(pick) | Op::Cancel(pick) | Op::ExpireReservation(pick) => {
                if self.redemptions.is_empty() {
                    return Ok(());
                }
                let id = self.redemptions[pick % self.redemptions.len()].clone();
                let reservation = self.account.reservation(&id).unwrap().clone();
                let result = match op {
                    Op::Confirm(_) => self.account.confirm(&id, moment),
                    Op::Cancel(_) => self.account.cancel(&id, moment),
                    _ => self.account.expire_reservation(&id, moment),
                };
                if reservation.state() != ReservationState::Held {
                    prop_assert!(matches!(result, Err(LoyaltyError::IllegalTransition { .. })), "{:?}", result);
                }
                result
            }
            Op::ExpireLots => {
                let expiring: Points = self.account.wallet().points_expiring_by(date);
                let removed = self.account.expire_lots(moment);
                prop_assert_eq!(removed.clone(), Ok(expiring));
                self.check_expiry(&before, date)?;
                removed.map(|_| ())
            }
            Op::Credit(n) => {
                let lot = self.lot();
                let adjustment = ManualAdjustment {
                    points: ManualPoints::Credit { points: points(*n), lot },
                    growth: GrowthDelta::ZERO,
                    actor: actor(),
                    reason: reason("goodwill"),
                };
                self.account.adjust_manually(&adjustment, moment)
            }
            Op::Debit(n) => {
                let adjustment = ManualAdjustment {
                    points: ManualPoints::Debit { points: points(*n) },
                    growth: GrowthDelta::ZERO,
                    actor: actor(),
                    reason: reason("correction"),
                };
                self.account.adjust_manually(&adjustment, moment)
            }
            Op::Growth(n) => {
                let adjustment = ManualAdjustment {
                    points: ManualPoints::Unchanged,
                    growth: GrowthDelta::new(*n),
                    actor: actor(),
                    reason: reason("growth correction"),
                };
                self.account.adjust_manually(&adjustment, moment)
            }
            Op::Floor { tier, days } => {
                let request = TierFloorRequest {
                    tier: *tier,
                    until: date + chrono::Days::new(*days),
                    set_by: actor(),
                    reason: reason("VIP gesture"),
                };
                self.account.set_tier_floor(&request, moment)
            }
            Op::EndFloor => {
                self.account.end_lapsed_tier_floor(date);
                Ok(())
            }
            Op::Review => {
                // Jump to the next review date if the program has one.
                let review = self.account.config().requalification().map(|w| w.next_review_on_or_after(date));
                match review {
                    Some(review) if review > date => {
                        self.now = review.and_hms_opt(0, 30, 0).unwrap().and_utc();
                        let result = self.account.review_tier(review);
                        prop_assert!(result.is_ok(), "{:?}", result);
                        result
                    }
                    _ => self.account.review_tier(date),
                }
            }
            Op::Advance { days } => {
                self.now += Duration::days(*days);
                Ok(())
            }
        };
        if result.is_err() {
            prop_assert_eq!(&before, &self.account, "a refused operation changes nothing: {:?}", result);
        }
        if matches!(op, Op::Reserve { .. } | Op::Confirm(_) | Op::Cancel(_) | Op::ExpireReservation(_)) {
            prop_assert_eq!(before.growth(), self.account.growth(), "redemption never changes growth value");
            prop_assert_eq!(before.tier_state(), self.account.tier_state(), "nor the tier");
            // The points not held by another reservation (balance − held) never
            // go negative through redemption; with the default program the
            // balance itself never does (checked below for every step). Only
            // a return, in a program that allows it, can leave a debt.
            let free = |a: &Account| a.balance().get() - a.wallet().held().get();
            if free(&before) >= 0 {
                prop_assert!(free(&self.account) >= 0, "redemption made the free balance negative");
            }
            if matches!(op, Op::Reserve { .. }) && result.is_ok() {
                prop_assert!(free(&self.account) >= 0 && !self.account.balance().is_negative());
            } else {
                // Confirming, cancelling or expiring a hold never lowers it.
                prop_assert!(free(&self.account) >= free(&before), "a settled hold lowered the free balance");
            }
        }
        let (owed_before, owed_after) = (before.wallet().owed(), self.account.wallet().owed());
        if !matches!(op, Op::Return { .. }) {
            // A debt (the only way below zero) is made by a return alone;
            // expiry and the passing of time never touch it.
            prop_assert!(owed_after <= owed_before, "{:?} raised the debt from {} to {}", op, owed_before, owed_after);
            if matches!(op, Op::ExpireLots | Op::Advance { .. } | Op::Reserve { .. } | Op::Confirm(_)) {
                prop_assert_eq!(owed_after, owed_before, "{:?} changed the debt", op);
            }
        }
        if matches!(op, Op::Earn(_) | Op::Activity { .. } | Op::Credit(_)) && result.is_ok() {
            self.check_debt_repaid_first(&before)?;
        }
        self.check_invariants()
    }

    fn check_invariants(&self) -> Result<(), TestCaseError> {
        let account = &self.account;
        let wallet = account.wallet();
        prop_assert_eq!(account.balance(), points_balance_of(account.ledger()), "balance = sum of the ledger");
        let growth_sum: i64 = account.ledger().iter().map(|e| e.growth.get()).sum();
        prop_assert_eq!(account.growth().get(), growth_sum, "growth value = sum of the ledger's growth");
        prop_assert_eq!(account.growth(), growth_value_of(account.ledger()));
        // Held points per lot are exactly the open reservations' draws.
        let mut held: BTreeMap<LotId, i64> = BTreeMap::new();
        for reservation in account.reservations().filter(|r| r.state() == ReservationState::Held) {
            for draw in reservation.draws() {
                *held.entry(draw.lot.clone()).or_default() += draw.points.get();
            }
        }
        for lot in wallet.lots() {
            prop_assert_eq!(lot.held().get(), held.get(lot.id()).copied().unwrap_or(0), "held of {}", lot.id());
            prop_assert!(lot.held() <= lot.remaining() && lot.remaining() <= lot.original());
        }
        prop_assert!(
            i128::from(wallet.held().get()) <= i128::from(account.balance().get()) + i128::from(wallet.owed().get())
        );
        match account.config().return_shortfall() {
            ReturnShortfall::CapAtZero | ReturnShortfall::DeductFromRefund => {
                prop_assert_eq!(wallet.owed(), Points::ZERO);
                prop_assert!(!account.balance().is_negative(), "the balance never goes negative");
            }
            ReturnShortfall::NegativeBalance => {
                if !wallet.owed().is_zero() {
                    // Points owed are paid first from any point that comes in.
                    let date = self.now.date_naive();
                    let free: i64 = wallet.lots().filter(|l| !l.is_expired_on(date)).map(|l| l.available().get()).sum();
                    prop_assert_eq!(free, 0, "owed points coexist with available ones");
                }
            }
        }
        if account.config().requalification().is_none() {
            prop_assert_eq!(
                account.tier_state().qualified(),
                account.config().tier_for_growth(account.growth()),
                "with cumulative growth the qualified tier is the tier of the growth value"
            );
        }
        let date = self.now.date_naive();
        let effective = account.tier_on(date);
        prop_assert!(effective >= account.tier_state().qualified());
        if let Some(floor) = account.tier_state().floor().filter(|f| f.is_active_on(date)) {
            prop_assert!(effective >= floor.tier);
        }
        Ok(())
    }

    /// A return takes back what the lines earned: from the lots as far as
    /// they go, and the rest as the policy says — owed (balance below zero by
    /// exactly that), or not taken (balance at zero or above), reported as a
    /// refund deduction valued at the programme's value per point.
    fn check_return(&self, before: &Account, posting: &ReturnPosting) -> Result<(), TestCaseError> {
        let config = self.account.config();
        let wanted = posting.take_back.points.get();
        let taken = posting.points_taken.get();
        let shortfall = wanted - taken;
        prop_assert!(shortfall >= 0);
        let balance_change = self.account.balance().get() - before.balance().get();
        match config.return_shortfall() {
            ReturnShortfall::NegativeBalance => {
                prop_assert_eq!(balance_change, -wanted, "the whole take-back leaves the balance");
                prop_assert_eq!(posting.points_owed.get(), shortfall);
                prop_assert_eq!(self.account.wallet().owed().get(), before.wallet().owed().get() + shortfall);
                prop_assert_eq!(posting.points_not_taken, Points::ZERO);
                prop_assert_eq!(posting.refund_deduction, None);
            }
            ReturnShortfall::CapAtZero | ReturnShortfall::DeductFromRefund => {
                prop_assert_eq!(balance_change, -taken);
                prop_assert_eq!(posting.points_owed, Points::ZERO);
                prop_assert_eq!(posting.points_not_taken.get(), shortfall);
                let recorded: i64 =
                    self.account.ledger()[before.ledger().len()..].iter().map(|e| e.points_not_taken.get()).sum();
                prop_assert_eq!(recorded, shortfall, "the shortfall is on the ledger");
                let deduct = config.return_shortfall() == ReturnShortfall::DeductFromRefund && shortfall > 0;
                match posting.refund_deduction {
                    None => prop_assert!(!deduct),
                    Some(deduction) => {
                        prop_assert!(deduct);
                        prop_assert_eq!(deduction.points.get(), shortfall);
                        let value = config.redemption_value_per_point().map(|v| Decimal::from(shortfall) * v.get());
                        prop_assert_eq!(deduction.value, value);
                    }
                }
            }
        }
        Ok(())
    }

    /// Points that come in (an order, an activity, a manual credit) repay a
    /// debt first: the debt falls by as much of them as it needs, and only
    /// the rest is left in the new lot.
    fn check_debt_repaid_first(&self, before: &Account) -> Result<(), TestCaseError> {
        let owed = before.wallet().owed().get();
        let new_lots: Vec<&clientele_loyalty::Lot> =
            self.account.lots().filter(|lot| before.wallet().lot(lot.id()).is_none()).collect();
        let came_in: i64 = new_lots.iter().map(|lot| lot.original().get()).sum();
        let left: i64 = new_lots.iter().map(|lot| lot.remaining().get()).sum();
        prop_assert_eq!(self.account.wallet().owed().get(), (owed - came_in).max(0));
        prop_assert_eq!(left, (came_in - owed).max(0), "the new points repay the debt before they can be used");
        Ok(())
    }

    /// Redemption draws from the earliest-expiring lots first and never from
    /// expired lots. Stated without the crate's own ordering: a lot is drawn
    /// from only if every lot that keeps available points after the draw
    /// expires later (never-expiring last; ties by earning time, then id).
    fn check_draw_order(&self, before: &Account, id: &RedemptionId, date: NaiveDate) -> Result<(), TestCaseError> {
        let reservation = self.account.reservation(id).unwrap();
        let key = |lot: &clientele_loyalty::Lot| {
            (lot.expires_on().is_none(), lot.expires_on(), lot.earned_at(), lot.id().clone())
        };
        let expired = |lot: &clientele_loyalty::Lot| lot.expires_on().is_some_and(|last| last < date);
        let drawn: i64 = reservation.draws().iter().map(|d| d.points.get()).sum();
        prop_assert_eq!(drawn, reservation.points().get());
        for draw in reservation.draws() {
            let lot = before.wallet().lot(&draw.lot).unwrap();
            prop_assert!(!expired(lot), "drew from expired lot {}", lot.id());
            prop_assert!(draw.points <= lot.available());
            for other in self.account.lots().filter(|l| !expired(l) && !l.available().is_zero()) {
                if other.id() != lot.id() {
                    prop_assert!(key(lot) < key(other), "drew from {} while {} expires earlier", lot.id(), other.id());
                }
            }
        }
        Ok(())
    }

    /// Expiry removes exactly the available points of the lots expired at
    /// the date, and touches no other lot.
    fn check_expiry(&self, before: &Account, date: NaiveDate) -> Result<(), TestCaseError> {
        let expired = |lot: &clientele_loyalty::Lot| lot.expires_on().is_some_and(|last| last < date);
        for lot in before.wallet().lots() {
            let after = self.account.wallet().lot(lot.id()).unwrap();
            if expired(lot) {
                prop_assert_eq!(after.remaining(), lot.held(), "expired lot keeps only held points");
            } else {
                prop_assert_eq!(after, lot, "an unexpired lot was touched");
            }
        }
        let removed: i64 = self.account.ledger()[before.ledger().len()..]
            .iter()
            .inspect(|e| assert_eq!(e.kind, EntryKind::Expire))
            .map(|e| -e.points.get())
            .sum();
        let expected: i64 = before.wallet().lots().filter(|l| l.is_expired_on(date)).map(|l| l.available().get()).sum();
        prop_assert_eq!(removed, expected);
        Ok(())
    }
}

fn run_all(config: ProgramConfig, ops: &[Op]) -> Result<Runner, TestCaseError> {
    let mut runner = Runner::new(config);
    for op in ops {
        runner.run(op)?;
    }
    Ok(runner)
}

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The tier is monotone in growth value (any valid tier table).
    #[test]
    fn tier_is_monotone_in_growth_value(table in tier_table(), a in 0_i64..3_000_000, b in 0_i64..3_000_000) {
        let (low, high) = (a.min(b), a.max(b));
        let low_tier = table.tier_for_growth(GrowthValue::new(low).unwrap());
        let high_tier = table.tier_for_growth(GrowthValue::new(high).unwrap());
        prop_assert!(low_tier <= high_tier);
        // And the tier is the one whose range holds the growth value.
        let rule = table.rule(high_tier);
        prop_assert!(rule.min_growth.get() <= high);
        if let Some(next) = Tier::ALL.iter().find(|t| **t > high_tier) {
            prop_assert!(high < table.rule(*next).min_growth.get());
        }
    }

    /// More growth value never gives a lower effective tier, whatever the
    /// tier state (floor, review baseline) before.
    #[test]
    fn tier_upgrade_is_monotone_in_growth_value(
        start_growth in 0_i64..1_200_000,
        a in 0_i64..1_200_000,
        b in 0_i64..1_200_000,
        floor in prop::option::of((tier(), 0_u64..10)),
    ) {
        let config = ProgramConfig::default_plan();
        let today = day(2026, 6, 1);
        let mut state = tier_after_growth_change(
            &config, &TierState::new_member(), GrowthValue::ZERO, GrowthValue::new(start_growth).unwrap(), today,
        ).state;
        if let Some((tier, days)) = floor {
            let request = TierFloorRequest { tier, until: today + chrono::Days::new(days), set_by: actor(), reason: reason("vip") };
            state = clientele_loyalty::set_tier_floor(&state, &request, moment_at(start())).unwrap().update.state;
        }
        let (low, high) = (start_growth + a.min(b), start_growth + a.max(b));
        let before = GrowthValue::new(start_growth).unwrap();
        let low_state = tier_after_growth_change(&config, &state, before, GrowthValue::new(low).unwrap(), today).state;
        let high_state = tier_after_growth_change(&config, &state, before, GrowthValue::new(high).unwrap(), today).state;
        prop_assert!(low_state.effective_on(today) <= high_state.effective_on(today));
        prop_assert!(state.effective_on(today) <= low_state.effective_on(today), "earning never lowers the tier");
    }

    /// The balance always equals the sum of the ledger, and growth value the
    /// sum of its growth deltas, after any sequence of earn / return /
    /// activity / reserve / confirm / cancel / expire / manual operations;
    /// a redemption never changes growth value and never makes the balance
    /// negative; a refused operation changes nothing. (Checked after every
    /// step by the runner.)
    #[test]
    fn balance_equals_ledger_sum_after_any_sequence(config in any_config(), ops in ops()) {
        run_all(config, &ops)?;
    }

    /// A balance never goes negative through redemption, however many
    /// reservations arrive: the held points never exceed what was available.
    #[test]
    fn balance_never_goes_negative_through_redemption(
        config in any_config(),
        prefix in ops(),
        requests in prop::collection::vec(1_i64..20_000, 1..30),
    ) {
        let mut runner = run_all(config, &prefix)?;
        let date = runner.now.date_naive();
        let available = runner.account.available_on(date);
        let mut reserved = 0_i64;
        for wanted in requests {
            let moment = runner.moment();
            let id = RedemptionId::parse(&runner.id("burst")).unwrap();
            let request = RedemptionRequest { redemption: id.clone(), points: points(wanted), reason: reason("burst") };
            if runner.account.reserve(&request, moment, moment.at() + Duration::hours(1)).is_ok() {
                reserved += wanted;
                runner.redemptions.push(id.clone());
                let later = runner.moment();
                runner.account.confirm(&id, later).unwrap();
            }
            runner.check_invariants()?;
        }
        prop_assert!(reserved <= available.get());
        prop_assert!(runner.account.available_on(date).get() == available.get() - reserved);
    }

    /// Buy, redeem what the purchase earned, return the goods, buy again —
    /// under each return-after-redemption policy. `negative_balance`: the
    /// return leaves the balance at minus the redeemed points, a redemption
    /// is refused meanwhile, and the next purchase repays the debt before
    /// anything can be spent. `cap_at_zero` and `deduct_from_refund`: the
    /// balance stops at zero; the latter reports the redeemed points and
    /// their value for the refund.
    #[test]
    fn a_return_after_redemption_follows_the_policy(
        policy in prop::sample::select(ReturnShortfall::ALL.to_vec()),
        first in 1_u64..100_000_000,
        redeem_part in 1_i64..=100,
        second in 0_u64..100_000_000,
        value in prop::option::of(1_i64..=100_000),
    ) {
        let value = value.map(|v| PointValue::new(Decimal::new(v, 4)).unwrap());
        let config = ProgramConfig::default_plan().with_return_shortfall(policy).with_redemption_value_per_point(value);
        let mut runner = Runner::new(config);
        let order = order_of("first", &[(first, 1)]);
        let (lot, moment) = (runner.lot(), runner.moment());
        let earned = runner.account.earn_order(&order, &lot, moment).unwrap().points().get();
        prop_assume!(earned > 0);
        let redeemed = (earned * redeem_part / 100).max(1);
        let id = RedemptionId::parse("scarf").unwrap();
        let moment = runner.moment();
        let request = RedemptionRequest { redemption: id.clone(), points: points(redeemed), reason: reason("scarf") };
        runner.account.reserve(&request, moment, moment.at() + Duration::hours(1)).unwrap();
        let moment = runner.moment();
        runner.account.confirm(&id, moment).unwrap();
        runner.check_invariants()?;

        let request = ReturnRequest::new(
            ReturnId::parse("back").unwrap(),
            vec![LineReturn { line: order.lines()[0].line.clone(), quantity: Quantity::ONE }],
        ).unwrap();
        let moment = runner.moment();
        let posting = runner.account.return_lines(order.order(), &request, moment).unwrap();
        runner.check_invariants()?;
        let balance = runner.account.balance().get();
        match policy {
            ReturnShortfall::NegativeBalance => {
                prop_assert_eq!(balance, -redeemed);
                prop_assert_eq!(runner.account.wallet().owed().get(), redeemed);
                prop_assert_eq!(posting.refund_deduction, None);
            }
            ReturnShortfall::CapAtZero => {
                prop_assert_eq!(balance, 0);
                prop_assert_eq!(posting.points_not_taken.get(), redeemed);
                prop_assert_eq!(posting.refund_deduction, None);
            }
            ReturnShortfall::DeductFromRefund => {
                prop_assert_eq!(balance, 0);
                let deduction = posting.refund_deduction.unwrap();
                prop_assert_eq!(deduction.points.get(), redeemed);
                prop_assert_eq!(deduction.value, value.map(|v| Decimal::from(redeemed) * v.get()));
            }
        }
        // Redemption while the balance is not positive is refused.
        let moment = runner.moment();
        let again = RedemptionRequest { redemption: RedemptionId::parse("again").unwrap(), points: points(1), reason: reason("gift") };
        let refused = runner.account.reserve(&again, moment, moment.at() + Duration::hours(1)).unwrap_err();
        match policy {
            ReturnShortfall::NegativeBalance => prop_assert_eq!(refused, LoyaltyError::PointsInDebt { owed: points(redeemed) }),
            _ => prop_assert_eq!(refused.code(), "insufficient_points"),
        }

        let order = order_of("second", &[(second, 1)]);
        let (lot, moment) = (runner.lot(), runner.moment());
        let earned_again = runner.account.earn_order(&order, &lot, moment).unwrap().points().get();
        runner.check_invariants()?;
        let (balance, available) = (runner.account.balance().get(), runner.account.available_on(moment.date()).get());
        match policy {
            ReturnShortfall::NegativeBalance => {
                prop_assert_eq!(balance, earned_again - redeemed);
                prop_assert_eq!(available, (earned_again - redeemed).max(0));
                prop_assert_eq!(runner.account.wallet().owed().get(), (redeemed - earned_again).max(0));
            }
            _ => {
                prop_assert_eq!(balance, earned_again);
                prop_assert_eq!(available, earned_again);
            }
        }
    }

    /// A redemption (reserve, confirm, cancel, expire) never reduces growth
    /// value.
    #[test]
    fn redemption_never_reduces_growth_value(config in any_config(), prefix in ops(), steps in prop::collection::vec((1_i64..10_000, 0_u8..3, 0_i64..200), 1..20)) {
        let mut runner = run_all(config, &prefix)?;
        for (wanted, ending, minutes) in steps {
            let growth = runner.account.growth();
            let id = RedemptionId::parse(&runner.id("r")).unwrap();
            let request = RedemptionRequest { redemption: id.clone(), points: points(wanted), reason: reason("gift") };
            let moment = runner.moment();
            if runner.account.reserve(&request, moment, moment.at() + Duration::minutes(60)).is_ok() {
                runner.redemptions.push(id.clone());
                prop_assert_eq!(runner.account.growth(), growth);
                runner.now += Duration::minutes(minutes);
                let later = runner.moment();
                let _ = match ending {
                    0 => runner.account.confirm(&id, later),
                    1 => runner.account.cancel(&id, later),
                    _ => runner.account.expire_reservation(&id, later),
                };
            }
            prop_assert_eq!(runner.account.growth(), growth);
            runner.check_invariants()?;
        }
    }

    /// Earning then fully returning an order (nothing spent in between)
    /// leaves points and growth value where they were (and, with cumulative
    /// growth, the tier).
    #[test]
    fn earning_then_fully_returning_restores_points_and_growth(
        config in any_config(),
        prefix in ops(),
        lines in order_lines(),
        splits in prop::collection::vec(any::<bool>(), 0..20),
    ) {
        let mut runner = run_all(config, &prefix)?;
        let balance = runner.account.balance();
        let growth = runner.account.growth();
        let qualified = runner.account.tier_state().qualified();
        let id = runner.id("big-order");
        let order = order_of(&id, &lines);
        let lot = runner.lot();
        let moment = runner.moment();
        runner.account.earn_order(&order, &lot, moment).unwrap();
        runner.check_invariants()?;
        // Return every unit, one unit at a time or a whole line at once.
        let mut split = splits.into_iter().cycle();
        for line in order.lines() {
            let mut left = line.quantity.get();
            while left > 0 {
                let quantity = if split.next().unwrap_or(false) { 1 } else { left };
                left -= quantity;
                let request = ReturnRequest::new(
                    ReturnId::parse(&runner.id("ret")).unwrap(),
                    vec![LineReturn { line: line.line.clone(), quantity: Quantity::new(quantity).unwrap() }],
                ).unwrap();
                let moment = runner.moment();
                runner.account.return_lines(order.order(), &request, moment).unwrap();
                runner.check_invariants()?;
            }
        }
        prop_assert_eq!(runner.account.balance(), balance);
        prop_assert_eq!(runner.account.growth(), growth);
        if runner.account.config().requalification().is_none() {
            prop_assert_eq!(runner.account.tier_state().qualified(), qualified);
        }
    }

    /// The result of an order does not depend on the order in which its
    /// lines are given; per-line amounts sum to the order total; the total is
    /// the floor of the amount paid × rate (× multiplier for points); each
    /// line gets its exact share rounded down or up.
    #[test]
    fn order_earning_is_exact_and_independent_of_line_order(
        lines in order_lines(),
        seed in any::<u64>(),
        tier in tier(),
        multiplier in multiplier(),
    ) {
        let config = config_with_multiplier(tier, multiplier);
        let order = order_of("o", &lines);
        let mut shuffled: Vec<PaidLine> = order.lines().to_vec();
        // A deterministic shuffle from the seed.
        SplitMix64::new(seed).shuffle(&mut shuffled);
        let reordered = OrderToEarn::new(OrderId::parse("o").unwrap(), shuffled).unwrap();
        let earning = calculate_order_earning(&config, tier, &order).unwrap();
        prop_assert_eq!(&calculate_order_earning(&config, tier, &reordered).unwrap(), &earning);

        let total: Decimal = lines.iter().map(|(paid, _)| amount(*paid).get()).sum();
        prop_assert_eq!(Decimal::from(earning.growth().get()), total.floor());
        let exact_points = total * multiplier.get();
        prop_assert_eq!(Decimal::from(earning.points().get()), exact_points.floor());
        let line_points: i64 = earning.lines().iter().map(|l| l.points.get()).sum();
        let line_growth: i64 = earning.lines().iter().map(|l| l.growth.get()).sum();
        prop_assert_eq!(line_points, earning.points().get());
        prop_assert_eq!(line_growth, earning.growth().get());
        if !total.is_zero() {
            for line in earning.lines() {
                let share = Decimal::from(earning.points().get()) * line.paid.get() / total;
                prop_assert!(Decimal::from(line.points.get()) >= share.floor() && Decimal::from(line.points.get()) <= share.ceil(),
                    "line {} got {} for a share of {}", line.line, line.points, share);
            }
        }
    }

    /// Returning an order's lines in several partial returns takes back
    /// exactly what one whole return would.
    #[test]
    fn partial_returns_take_back_exactly_what_the_whole_return_would(
        lines in order_lines(),
        tier in tier(),
        multiplier in multiplier(),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 1_u32..4, any::<bool>()), 1..12),
    ) {
        let config = config_with_multiplier(tier, multiplier);
        let order = order_of("o", &lines);
        let earning = calculate_order_earning(&config, tier, &order).unwrap();
        // Units to return per line, within what was bought.
        let mut wanted: BTreeMap<LineId, u32> = BTreeMap::new();
        let mut steps: Vec<Vec<(LineId, u32)>> = vec![Vec::new()];
        for (index, quantity, new_step) in picks {
            let line = index.get(earning.lines());
            let already = wanted.get(&line.line).copied().unwrap_or(0);
            let quantity = quantity.min(line.quantity.get() - already);
            if quantity == 0 { continue; }
            *wanted.entry(line.line.clone()).or_default() += quantity;
            if new_step { steps.push(Vec::new()); }
            let step = steps.last_mut().unwrap();
            match step.iter_mut().find(|(l, _)| *l == line.line) {
                Some((_, q)) => *q += quantity,
                None => step.push((line.line.clone(), quantity)),
            }
        }
        prop_assume!(!wanted.is_empty());
        let request = |lines: &[(LineId, u32)]| ReturnRequest::new(
            ReturnId::parse("r").unwrap(),
            lines.iter().map(|(line, q)| LineReturn { line: line.clone(), quantity: Quantity::new(*q).unwrap() }).collect(),
        ).unwrap();
        let whole: Vec<(LineId, u32)> = wanted.into_iter().collect();
        let at_once = points_and_growth_to_take_back(&earning, &request(&whole)).unwrap();
        let mut current = earning.clone();
        let (mut points_back, mut growth_back) = (0, 0);
        for step in steps.iter().filter(|s| !s.is_empty()) {
            let taken = points_and_growth_to_take_back(&current, &request(step)).unwrap();
            points_back += taken.points.get();
            growth_back += taken.growth.get();
            current = taken.earning_after;
        }
        prop_assert_eq!(points_back, at_once.points.get());
        prop_assert_eq!(growth_back, at_once.growth.get());
        prop_assert_eq!(&current, &at_once.earning_after);
        // A line returned in full gives back exactly what it earned.
        for line in current.lines().iter().filter(|l| l.returned == l.quantity.get()) {
            prop_assert_eq!(line.points_taken_back(), line.points);
            prop_assert_eq!(line.growth_taken_back(), line.growth);
        }
    }

    /// Redemption draws from the earliest-expiring lots first and never from
    /// expired lots (checked on every successful reservation), and expiry
    /// removes exactly the remaining points of the lots expired at the date
    /// (checked on every sweep). This run leans on reservations, expiry and
    /// the passing of time.
    #[test]
    fn redemption_draws_earliest_expiring_first_and_expiry_is_exact(
        short in prop_oneof![Just(1_u32), Just(2), Just(3)],
        ops in prop::collection::vec(prop_oneof![
            3 => order_lines().prop_map(Op::Earn),
            2 => (1_i64..5_000, 1_u32..3).prop_map(|(per_event, events)| Op::Activity { per_event, events }),
            4 => (1_i64..20_000, 1_i64..3_000).prop_map(|(points, hold_minutes)| Op::Reserve { points, hold_minutes }),
            2 => any::<usize>().prop_map(Op::Confirm),
            2 => any::<usize>().prop_map(Op::Cancel),
            1 => any::<usize>().prop_map(Op::ExpireReservation),
            3 => Just(Op::ExpireLots),
            3 => (0_i64..40).prop_map(|days| Op::Advance { days }),
        ], 1..60),
    ) {
        let config = ProgramConfig::default_plan().with_expiry(ExpiryPolicy::months_after_earning(short).unwrap());
        run_all(config, &ops)?;
    }
}

// ------------------------------------------------- sanity of the runner

/// The runner's checks can fail: a hand-made sequence that exercises each
/// path (so the properties above are not vacuous).
#[test]
fn runner_exercises_every_path() {
    let config = ProgramConfig::default_plan()
        .with_expiry(ExpiryPolicy::months_after_earning(1).unwrap())
        .with_return_shortfall(ReturnShortfall::NegativeBalance);
    let ops = vec![
        Op::Earn(vec![(100_000_000, 2), (50_000_000, 1)]), // ¥10,000 + ¥5,000
        Op::Reserve { points: 9_000, hold_minutes: 60 },
        Op::Confirm(0),
        Op::Return { order: 0, line: 0, quantity: 2 }, // takes back 10,000 of 6,000 left: owes 4,000
        Op::Activity { per_event: 1_000, events: 5 },  // pays the 4,000 owed, 1,000 left
        Op::Reserve { points: 500, hold_minutes: 60 },
        Op::Advance { days: 40 },
        Op::ExpireLots, // the activity lot expired; its 500 held points stay
        Op::Cancel(1),  // and expire when released
    ];
    let runner = run_all(config, &ops).unwrap();
    let account = &runner.account;
    let kinds: Vec<EntryKind> = account.ledger().iter().map(|e| e.kind).collect();
    assert!(kinds.contains(&EntryKind::SettleOwed), "{kinds:?}");
    assert_eq!(account.wallet().owed(), Points::ZERO);
    assert_eq!(account.balance().get(), 0);
    assert_eq!(account.growth().get(), 5_000 + 5_000);
    assert_eq!(kinds.last(), Some(&EntryKind::Expire));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Posting an order's earning on a wallet for earning — the totals of
    /// the member's lots, not the lots — writes exactly what it writes on
    /// the whole wallet: the same new lot, entries and totals after, on any
    /// account any sequence of operations left (points owed included).
    #[test]
    fn an_earning_needs_the_totals_of_the_lots_not_the_lots(
        config in any_config(), ops in ops(), lines in order_lines(), tier in tier()
    ) {
        let mut runner = Runner::new(config.clone());
        for op in &ops {
            runner.run(op)?;
        }
        let whole = runner.account.wallet().clone();
        let totals = clientele_loyalty::Wallet::for_earning(whole.balance(), whole.held(), whole.owed(), whole.growth());
        let earning = calculate_order_earning(&config, tier, &order_of("order-x", &lines)).unwrap();
        let lot = LotId::parse("lot-x").unwrap();
        let moment = moment_at(runner.now + Duration::minutes(7));
        let on_whole = clientele_loyalty::post_order_earning(&config, &whole, &earning, &lot, moment).unwrap();
        let on_totals = clientele_loyalty::post_order_earning(&config, &totals, &earning, &lot, moment).unwrap();
        prop_assert_eq!(&on_whole, &on_totals);
        let (mut a, mut b) = (whole, totals);
        a.apply(&on_whole).unwrap();
        b.apply(&on_totals).unwrap();
        prop_assert_eq!((a.balance(), a.held(), a.owed(), a.growth()), (b.balance(), b.held(), b.owed(), b.growth()));
    }
}
