//! Returns: taking back the points and growth value that the returned lines
//! (or units of a line) earned.
//!
//! What a line gives back is set by [`EarnedLine::take_back_for`]: the
//! line's total in proportion to the units returned, rounded down
//! cumulatively, so that returning every unit (at once or in steps) takes
//! back exactly what the line earned.
//!
//! The points come from the lots: first the lot the order created, then the
//! others in draw order (earliest expiry first), never from expired lots
//! and never from points held by an open reservation. If the member has
//! fewer points than the return takes back (they redeemed them), the
//! program's [`ReturnShortfall`] decides:
//! - `negative_balance` (the default): the balance goes negative by the
//!   shortfall (points owed), repaid first from the next points that come
//!   in; no redemption meanwhile;
//! - `cap_at_zero`: take what is there and record the shortfall;
//! - `deduct_from_refund`: take what is there and report the shortfall (in
//!   points and, if the programme values points, in money) as a
//!   [`RefundDeduction`] for the POS to keep from the refund.
//!
//! Growth value is taken back in full (never below zero).

use clientele_kernel::{LineId, Moment};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::{ProgramConfig, ReturnShortfall};
use crate::earning::{EarnedLine, OrderEarning, check_line_ids};
use crate::error::LoyaltyError;
use crate::ids::ReturnId;
use crate::ledger::{EntryKind, Source};
use crate::lots::{Draft, Wallet, WalletChange};
use crate::text::Reason;
use crate::values::{GrowthDelta, GrowthValue, Points, PointsDelta, Quantity};

/// Units of one line brought back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineReturn {
    /// The line of the original order.
    pub line: LineId,
    /// Units returned now.
    pub quantity: Quantity,
}

/// A return of some lines of an order (at least one line, each once).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "ReturnRequestParts", into = "ReturnRequestParts")]
pub struct ReturnRequest {
    return_id: ReturnId,
    lines: Vec<LineReturn>,
}

/// The serialised form of a [`ReturnRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnRequestParts {
    /// The return's id.
    pub return_id: ReturnId,
    /// What comes back.
    pub lines: Vec<LineReturn>,
}

impl ReturnRequest {
    /// Checks that there is at least one line and no line twice.
    pub fn new(return_id: ReturnId, lines: Vec<LineReturn>) -> Result<ReturnRequest, LoyaltyError> {
        Ok(ReturnRequest { return_id, lines: check_line_ids(lines, |line| &line.line)? })
    }

    /// The return's id.
    pub fn return_id(&self) -> &ReturnId {
        &self.return_id
    }

    /// The lines, by line id.
    pub fn lines(&self) -> &[LineReturn] {
        &self.lines
    }
}

impl TryFrom<ReturnRequestParts> for ReturnRequest {
    type Error = LoyaltyError;

    fn try_from(parts: ReturnRequestParts) -> Result<ReturnRequest, LoyaltyError> {
        ReturnRequest::new(parts.return_id, parts.lines)
    }
}

impl From<ReturnRequest> for ReturnRequestParts {
    fn from(request: ReturnRequest) -> ReturnRequestParts {
        ReturnRequestParts { return_id: request.return_id, lines: request.lines }
    }
}

/// What returning one line takes back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LineTakeBack {
    /// The line.
    pub line: LineId,
    /// Units returned now.
    pub quantity: Quantity,
    /// Points it takes back.
    pub points: Points,
    /// Growth value it takes back.
    pub growth: GrowthValue,
}

/// What a return takes back, before looking at the member's lots: per line
/// and in total, and the order's earning with the returned units counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakeBack {
    /// Per line, by line id.
    pub lines: Vec<LineTakeBack>,
    /// Points to take back.
    pub points: Points,
    /// Growth value to take back.
    pub growth: GrowthValue,
    /// The order's earning after the return (returned units updated): store
    /// it in place of the old one.
    pub earning_after: OrderEarning,
}

/// What returning `request`'s lines of the order takes back. Refuses a line
/// the order does not have, or more units than are left to return.
pub fn points_and_growth_to_take_back(
    earning: &OrderEarning,
    request: &ReturnRequest,
) -> Result<TakeBack, LoyaltyError> {
    let mut lines_after: Vec<EarnedLine> = earning.lines().to_vec();
    let mut taken = Vec::with_capacity(request.lines.len());
    let mut points = Points::ZERO;
    let mut growth = GrowthValue::ZERO;
    for returned in &request.lines {
        let line = lines_after
            .iter_mut()
            .find(|line| line.line == returned.line)
            .ok_or_else(|| LoyaltyError::UnknownLine(returned.line.clone()))?;
        let (line_points, line_growth) = line.take_back_for(returned.quantity)?;
        line.returned += returned.quantity.get();
        points = points.checked_add(line_points)?;
        growth = growth.checked_add(line_growth)?;
        taken.push(LineTakeBack {
            line: returned.line.clone(),
            quantity: returned.quantity,
            points: line_points,
            growth: line_growth,
        });
    }
    Ok(TakeBack { lines: taken, points, growth, earning_after: earning.with_lines(lines_after) })
}

/// What the POS keeps from a refund because the member had already redeemed
/// the points the returned goods earned
/// ([`ReturnShortfall::DeductFromRefund`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundDeduction {
    /// The points the return could not take back.
    pub points: Points,
    /// Their value in base currency at the programme's
    /// [`ProgramConfig::redemption_value_per_point`]; `None` when the
    /// programme sets no value (the POS values them itself).
    pub value: Option<Decimal>,
}

/// A return worked out: what it takes back and what to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPosting {
    /// What the returned lines earned and now give back.
    pub take_back: TakeBack,
    /// Points taken from the member's lots.
    pub points_taken: Points,
    /// Points the member did not have and that are now owed (balance below
    /// zero); only with [`ReturnShortfall::NegativeBalance`].
    pub points_owed: Points,
    /// Points the member did not have and that were not taken (recorded on
    /// the ledger entry); only with [`ReturnShortfall::CapAtZero`] and
    /// [`ReturnShortfall::DeductFromRefund`].
    pub points_not_taken: Points,
    /// With [`ReturnShortfall::DeductFromRefund`] and a shortfall: what to
    /// deduct from the refund (the points not taken, and their value).
    pub refund_deduction: Option<RefundDeduction>,
    /// Growth value taken back.
    pub growth_taken: GrowthValue,
    /// What to write.
    pub change: WalletChange,
}

/// Takes back what `request`'s lines earned. Ledger: one `return` entry per
/// lot drawn (its points), then one `return` entry without a lot carrying
/// the growth value taken back, the points owed (as a negative delta) and
/// the points not taken. Nothing is written for a return that earned
/// nothing.
pub fn take_back_for_return(
    config: &ProgramConfig,
    wallet: &Wallet,
    earning: &OrderEarning,
    request: &ReturnRequest,
    moment: Moment,
) -> Result<ReturnPosting, LoyaltyError> {
    let take_back = points_and_growth_to_take_back(earning, request)?;
    let source = Source::Return { order: earning.order().clone(), return_id: request.return_id.clone() };
    let mut draft = Draft::new(wallet, moment);
    let order_source = Source::Order(earning.order().clone());
    let order_lot = wallet.lots().find(|lot| *lot.origin() == order_source).map(|lot| lot.id().clone());
    let mut points_taken = Points::ZERO;
    for (lot, points) in draft.plan_draws(take_back.points, order_lot.as_ref()) {
        draft.take(&lot, points)?;
        points_taken = points_taken.checked_add(points)?;
        let reason = Reason::generated(format!("{source} takes back {points} points from lot {lot}"));
        draft.entry(EntryKind::Return, PointsDelta::debit(points), GrowthDelta::ZERO, Some(&lot), &source, &reason);
    }
    let shortfall = take_back.points.saturating_sub(points_taken);
    let policy = config.return_shortfall();
    let (points_owed, points_not_taken) = match policy {
        ReturnShortfall::NegativeBalance => (shortfall, Points::ZERO),
        ReturnShortfall::CapAtZero | ReturnShortfall::DeductFromRefund => (Points::ZERO, shortfall),
    };
    let refund_deduction = match policy {
        ReturnShortfall::DeductFromRefund if !shortfall.is_zero() => Some(RefundDeduction {
            points: shortfall,
            value: config.redemption_value_per_point().map(|value| value.of(shortfall)).transpose()?,
        }),
        _ => None,
    };
    draft.add_owed(points_owed)?;
    let growth_taken = draft.remove_growth(take_back.growth);
    if !growth_taken.is_zero() || !shortfall.is_zero() {
        let reason = Reason::generated(format!(
            "{source} takes back {growth_taken} growth value; {shortfall} points already spent ({})",
            match policy {
                ReturnShortfall::CapAtZero => "not taken",
                ReturnShortfall::NegativeBalance => "owed",
                ReturnShortfall::DeductFromRefund => "deducted from the refund",
            }
        ));
        let entry = draft.entry(
            EntryKind::Return,
            PointsDelta::debit(points_owed),
            GrowthDelta::debit(growth_taken),
            None,
            &source,
            &reason,
        );
        entry.points_not_taken = points_not_taken;
    }
    Ok(ReturnPosting {
        take_back,
        points_taken,
        points_owed,
        points_not_taken,
        refund_deduction,
        growth_taken,
        change: draft.finish(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::earning::{OrderToEarn, PaidLine, calculate_order_earning, post_order_earning};
    use crate::ids::{LotId, OrderId};
    use crate::tier::Tier;
    use crate::values::BaseAmount;

    fn moment(hour: u32) -> Moment {
        Moment::utc(Utc.with_ymd_and_hms(2026, 4, 1, hour, 0, 0).unwrap())
    }

    #[test]
    fn a_spent_order_returns_with_a_recorded_shortfall_a_debt_or_a_refund_deduction() {
        let lines = vec![PaidLine {
            line: LineId::parse("1").unwrap(),
            quantity: Quantity::ONE,
            paid: BaseAmount::parse("100").unwrap(),
        }];
        let order = OrderToEarn::new(OrderId::parse("o").unwrap(), lines).unwrap();
        let request = ReturnRequest::new(
            ReturnId::parse("r").unwrap(),
            vec![LineReturn { line: LineId::parse("1").unwrap(), quantity: Quantity::ONE }],
        )
        .unwrap();
        for (shortfall, owed, not_taken, balance, deduction) in [
            (ReturnShortfall::CapAtZero, 0, 40, 0, None),
            (ReturnShortfall::NegativeBalance, 40, 0, -40, None),
            (ReturnShortfall::DeductFromRefund, 0, 40, 0, Some(40)),
        ] {
            let config = ProgramConfig::default_plan()
                .with_return_shortfall(shortfall)
                .with_redemption_value_per_point(Some(crate::values::PointValue::parse("0.05").unwrap()));
            let earning = calculate_order_earning(&config, Tier::S1, &order).unwrap();
            let mut wallet = Wallet::empty();
            let lot = LotId::parse("lot").unwrap();
            wallet.apply(&post_order_earning(&config, &wallet, &earning, &lot, moment(9)).unwrap()).unwrap();
            // Spend 40 of the 100 points by a manual debit.
            let spend = crate::postings::ManualAdjustment {
                points: crate::postings::ManualPoints::Debit { points: Points::new(40).unwrap() },
                growth: GrowthDelta::ZERO,
                actor: clientele_kernel::Actor::parse("m").unwrap(),
                reason: Reason::parse("test").unwrap(),
            };
            wallet.apply(&crate::postings::adjust_manually(&config, &wallet, &spend, moment(10)).unwrap()).unwrap();
            let posting = take_back_for_return(&config, &wallet, &earning, &request, moment(11)).unwrap();
            assert_eq!(posting.points_taken.get(), 60);
            assert_eq!(posting.points_owed.get(), owed);
            assert_eq!(posting.points_not_taken.get(), not_taken);
            assert_eq!(posting.refund_deduction.map(|d| d.points.get()), deduction);
            if deduction.is_some() {
                // 40 points at 0.05 each.
                assert_eq!(posting.refund_deduction.and_then(|d| d.value), Some(Decimal::new(2, 0)));
            }
            assert_eq!(posting.growth_taken.get(), 100);
            assert_eq!(posting.change.balance().get(), balance);
            assert_eq!(posting.change.growth(), GrowthValue::ZERO);
            let summary = posting.change.entries().last().unwrap();
            assert_eq!(summary.points_not_taken.get(), not_taken);
            assert_eq!(summary.lot, None);
        }
    }
}
