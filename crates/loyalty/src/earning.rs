//! What an order earns, per line.
//!
//! The order's total paid (in base currency, after discounts, coupons and
//! points used) is turned into whole points and growth value once, rounding
//! down:
//!
//! - growth value = ⌊total × earn rate⌋;
//! - points = ⌊total × earn rate × the tier's multiplier⌋.
//!
//! Growth value is earned at the base rate, without the tier multiplier: a
//! tier must not speed up its own growth (otherwise a high tier would climb
//! faster the higher it is, and a multiplier campaign would buy tiers).
//!
//! Each total is then allocated to the lines in proportion to what they paid,
//! by largest remainder: every line gets the floor of its exact share, and
//! the points left over go one each to the lines with the largest fractional
//! remainders, ties broken by line id (ascending). So the lines add up to
//! exactly the order's total, the result does not depend on the order the
//! lines are given in, and a return of some lines takes back exactly what
//! those lines earned. All of it is exact integer arithmetic.
//!
//! Points offers (a bonus, a multiplier week: `clientele_offers`) add
//! points on top, never growth value (an offer must not buy a tier): each
//! offer's points are added to the lines it was allocated to
//! ([`OrderEarning::with_offer_points`]), recorded as their own
//! `earn_activity` entry with the offer as source, and taken back by a
//! return on their own share — so returning units takes back exactly what
//! the offer gave for them.

use clientele_kernel::{LineId, Moment};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::config::ProgramConfig;
use crate::error::LoyaltyError;
use crate::ids::{ActivityId, LotId, OrderId};
use crate::ledger::{EntryKind, Source};
use crate::lots::{Draft, Wallet, WalletChange};
use crate::text::Reason;
use crate::tier::Tier;
use crate::values::{BaseAmount, GrowthDelta, GrowthValue, Points, PointsDelta, Quantity};

/// One line of an order as the loyalty engine sees it: its id, the quantity
/// bought and the amount actually paid for it in base currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PaidLine {
    /// The line's id within the order.
    pub line: LineId,
    /// Units bought.
    pub quantity: Quantity,
    /// Amount actually paid for the line, in base currency.
    pub paid: BaseAmount,
}

/// An order to earn on: its id and lines (at least one, line ids unique).
/// The lines are kept sorted by line id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "OrderToEarnParts", into = "OrderToEarnParts")]
pub struct OrderToEarn {
    order: OrderId,
    lines: Vec<PaidLine>,
}

/// The serialised form of an [`OrderToEarn`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderToEarnParts {
    /// The order.
    pub order: OrderId,
    /// Its lines.
    pub lines: Vec<PaidLine>,
}

fn sorted_unique<T>(mut items: Vec<T>, key: impl Fn(&T) -> &LineId) -> Result<Vec<T>, LoyaltyError> {
    if items.is_empty() {
        return Err(LoyaltyError::NoLines);
    }
    items.sort_by(|a, b| key(a).cmp(key(b)));
    if let Some(pair) = items.windows(2).find(|pair| key(&pair[0]) == key(&pair[1])) {
        return Err(LoyaltyError::DuplicateLine(key(&pair[0]).clone()));
    }
    Ok(items)
}

impl OrderToEarn {
    /// Checks that there is at least one line and no line id twice.
    pub fn new(order: OrderId, lines: Vec<PaidLine>) -> Result<OrderToEarn, LoyaltyError> {
        Ok(OrderToEarn { order, lines: sorted_unique(lines, |line| &line.line)? })
    }

    /// The order.
    pub fn order(&self) -> &OrderId {
        &self.order
    }

    /// The lines, by line id.
    pub fn lines(&self) -> &[PaidLine] {
        &self.lines
    }
}

impl TryFrom<OrderToEarnParts> for OrderToEarn {
    type Error = LoyaltyError;

    fn try_from(parts: OrderToEarnParts) -> Result<OrderToEarn, LoyaltyError> {
        OrderToEarn::new(parts.order, parts.lines)
    }
}

impl From<OrderToEarn> for OrderToEarnParts {
    fn from(order: OrderToEarn) -> OrderToEarnParts {
        OrderToEarnParts { order: order.order, lines: order.lines }
    }
}

/// What one line earned, and how much of it has been returned.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EarnedLine {
    /// The line's id.
    pub line: LineId,
    /// Units bought.
    pub quantity: Quantity,
    /// Amount paid for it.
    pub paid: BaseAmount,
    /// Points it earned.
    pub points: Points,
    /// Growth value it earned.
    pub growth: GrowthValue,
    /// Units returned so far (0 ..= quantity).
    pub returned: u32,
    /// Of `points`, what points offers added.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub offer_points: Points,
}

fn is_zero(points: &Points) -> bool {
    points.is_zero()
}

/// The points one offer gave an order, all lines together.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OfferGrant {
    /// The offer (the ledger entry's source).
    pub activity: ActivityId,
    /// Points it gave.
    pub points: Points,
}

/// `⌊value × part / whole⌋` in exact integer arithmetic (`part <= whole`).
fn share(value: i64, part: u32, whole: u32) -> i64 {
    let exact = i128::from(value) * i128::from(part) / i128::from(whole.max(1));
    i64::try_from(exact).unwrap_or(value)
}

impl EarnedLine {
    /// Points and growth value to take back when `more` further units are
    /// returned: the line's total × (returned so far + more) / quantity,
    /// rounded down, minus the same for the units returned so far. Returning
    /// every unit, in one step or several, takes back exactly the line's
    /// total; any split of the same units takes back the same.
    pub fn take_back_for(&self, more: Quantity) -> Result<(Points, GrowthValue), LoyaltyError> {
        let bought = self.quantity.get();
        let after = self.returned.checked_add(more.get()).filter(|after| *after <= bought).ok_or_else(|| {
            LoyaltyError::ReturnExceedsQuantity {
                line: self.line.clone(),
                bought,
                already_returned: self.returned,
                requested: more.get(),
            }
        })?;
        let (base, offer) = (self.points.get() - self.offer_points.get(), self.offer_points.get());
        let points = share(base, after, bought) - share(base, self.returned, bought) + share(offer, after, bought)
            - share(offer, self.returned, bought);
        let growth = share(self.growth.get(), after, bought) - share(self.growth.get(), self.returned, bought);
        Ok((Points::new(points)?, GrowthValue::new(growth)?))
    }

    /// Points already taken back by earlier returns.
    pub fn points_taken_back(&self) -> Points {
        let (base, offer) = (self.points.get() - self.offer_points.get(), self.offer_points.get());
        let (returned, bought) = (self.returned, self.quantity.get());
        Points::new(share(base, returned, bought) + share(offer, returned, bought)).unwrap_or(Points::ZERO)
    }

    /// Growth value already taken back by earlier returns.
    pub fn growth_taken_back(&self) -> GrowthValue {
        GrowthValue::new(share(self.growth.get(), self.returned, self.quantity.get())).unwrap_or(GrowthValue::ZERO)
    }
}

/// What an order earned: the tier it was earned at, the totals and the
/// lines (sorted by line id, adding up to the totals).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "OrderEarningParts", into = "OrderEarningParts")]
pub struct OrderEarning {
    order: OrderId,
    tier: Tier,
    points: Points,
    growth: GrowthValue,
    lines: Vec<EarnedLine>,
    offers: Vec<OfferGrant>,
}

/// The parts of an [`OrderEarning`], for storing and loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderEarningParts {
    /// The order.
    pub order: OrderId,
    /// The member's effective tier when it earned.
    pub tier: Tier,
    /// Its lines.
    pub lines: Vec<EarnedLine>,
    /// The points offers it got.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offers: Vec<OfferGrant>,
}

impl OrderEarning {
    /// Rebuilds a stored earning: at least one line, no line id twice,
    /// returned quantities within what was bought; the totals are the sums
    /// of the lines.
    pub fn from_parts(parts: OrderEarningParts) -> Result<OrderEarning, LoyaltyError> {
        let lines = sorted_unique(parts.lines, |line| &line.line)?;
        let mut points = Points::ZERO;
        let mut growth = GrowthValue::ZERO;
        for line in &lines {
            if line.returned > line.quantity.get() {
                return Err(LoyaltyError::ReturnExceedsQuantity {
                    line: line.line.clone(),
                    bought: line.quantity.get(),
                    already_returned: line.returned,
                    requested: 0,
                });
            }
            if line.offer_points > line.points {
                return Err(LoyaltyError::OfferPointsMismatch);
            }
            points = points.checked_add(line.points)?;
            growth = growth.checked_add(line.growth)?;
        }
        let by_lines: i128 = lines.iter().map(|l| i128::from(l.offer_points.get())).sum();
        let by_offers: i128 = parts.offers.iter().map(|o| i128::from(o.points.get())).sum();
        if by_lines != by_offers {
            return Err(LoyaltyError::OfferPointsMismatch);
        }
        Ok(OrderEarning { order: parts.order, tier: parts.tier, points, growth, lines, offers: parts.offers })
    }

    /// The parts, for storing.
    pub fn to_parts(&self) -> OrderEarningParts {
        OrderEarningParts {
            order: self.order.clone(),
            tier: self.tier,
            lines: self.lines.clone(),
            offers: self.offers.clone(),
        }
    }

    /// The earning with a points offer's points added: `extra` per line
    /// (lines not named get none). Growth value is unchanged. Refused for a
    /// line the order does not have, or beyond [`Points::MAX`].
    pub fn with_offer_points(
        mut self,
        activity: ActivityId,
        extra: &[(LineId, Points)],
    ) -> Result<OrderEarning, LoyaltyError> {
        let mut total = Points::ZERO;
        for (id, points) in extra {
            let line =
                self.lines.iter_mut().find(|l| l.line == *id).ok_or_else(|| LoyaltyError::UnknownLine(id.clone()))?;
            line.points = line.points.checked_add(*points)?;
            line.offer_points = line.offer_points.checked_add(*points)?;
            total = total.checked_add(*points)?;
        }
        if !total.is_zero() {
            self.points = self.points.checked_add(total)?;
            self.offers.push(OfferGrant { activity, points: total });
        }
        Ok(self)
    }

    /// The points offers it got.
    pub fn offers(&self) -> &[OfferGrant] {
        &self.offers
    }

    /// The order.
    pub fn order(&self) -> &OrderId {
        &self.order
    }

    /// The member's effective tier when it earned (its multiplier applied).
    pub fn tier(&self) -> Tier {
        self.tier
    }

    /// Points earned by the whole order.
    pub fn points(&self) -> Points {
        self.points
    }

    /// Growth value earned by the whole order.
    pub fn growth(&self) -> GrowthValue {
        self.growth
    }

    /// The lines, by line id.
    pub fn lines(&self) -> &[EarnedLine] {
        &self.lines
    }

    /// One line.
    pub fn line(&self, id: &LineId) -> Option<&EarnedLine> {
        self.lines.iter().find(|line| line.line == *id)
    }

    pub(crate) fn with_lines(&self, lines: Vec<EarnedLine>) -> OrderEarning {
        OrderEarning { lines, ..self.clone() }
    }
}

impl TryFrom<OrderEarningParts> for OrderEarning {
    type Error = LoyaltyError;

    fn try_from(parts: OrderEarningParts) -> Result<OrderEarning, LoyaltyError> {
        OrderEarning::from_parts(parts)
    }
}

impl From<OrderEarning> for OrderEarningParts {
    fn from(earning: OrderEarning) -> OrderEarningParts {
        earning.to_parts()
    }
}

/// `⌊amount_e4 / 10^4 × factors…⌋` exactly, for an amount in units of 10^-4.
fn floor_product(amount_e4: u128, factors: &[Decimal]) -> Result<i64, LoyaltyError> {
    let mut numerator = amount_e4;
    let mut denominator: u128 = 10_u128.pow(BaseAmount::MAX_SCALE);
    for factor in factors {
        let mantissa = u128::try_from(factor.mantissa()).map_err(|_| LoyaltyError::AmountTooLarge)?;
        numerator = numerator.checked_mul(mantissa).ok_or(LoyaltyError::AmountTooLarge)?;
        denominator = denominator.checked_mul(10_u128.pow(factor.scale())).ok_or(LoyaltyError::AmountTooLarge)?;
    }
    i64::try_from(numerator / denominator).map_err(|_| LoyaltyError::AmountTooLarge)
}

/// Splits `total` in proportion to `weights` by largest remainder: each
/// gets ⌊total × weight / Σ weights⌋, and what is left goes one by one to
/// the largest remainders, ties to the smaller key. The parts add up to
/// `total` exactly (all zero if every weight is zero). `weights` must be
/// sorted by key for the tie rule to read "smaller key".
pub(crate) fn allocate_by_largest_remainder(total: i64, weights: &[u128]) -> Result<Vec<i64>, LoyaltyError> {
    let sum: u128 =
        weights.iter().try_fold(0_u128, |acc, w| acc.checked_add(*w)).ok_or(LoyaltyError::AmountTooLarge)?;
    if sum == 0 || total == 0 {
        return Ok(vec![0; weights.len()]);
    }
    let total_wide = u128::try_from(total).map_err(|_| LoyaltyError::AmountTooLarge)?;
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    for (index, weight) in weights.iter().enumerate() {
        let product = total_wide.checked_mul(*weight).ok_or(LoyaltyError::AmountTooLarge)?;
        parts.push(i64::try_from(product / sum).map_err(|_| LoyaltyError::AmountTooLarge)?);
        remainders.push((product % sum, index));
    }
    let given: i64 = parts.iter().sum();
    let left = usize::try_from(total - given).map_err(|_| LoyaltyError::AmountTooLarge)?;
    // Largest remainder first; equal remainders in key order (the index).
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, index) in remainders.into_iter().take(left) {
        if let Some(part) = parts.get_mut(index) {
            *part += 1;
        }
    }
    Ok(parts)
}

/// The points and growth value an order earns, per line, for a member at
/// `tier` (the effective tier at the time of the order). Pure calculation:
/// nothing is written.
pub fn calculate_order_earning(
    config: &ProgramConfig,
    tier: Tier,
    order: &OrderToEarn,
) -> Result<OrderEarning, LoyaltyError> {
    let weights: Vec<u128> = order.lines.iter().map(|line| line.paid.in_ten_thousandths()).collect();
    let total_e4: u128 =
        weights.iter().try_fold(0_u128, |acc, w| acc.checked_add(*w)).ok_or(LoyaltyError::AmountTooLarge)?;
    let rate = config.earn_rate().get();
    let multiplier = config.benefits(tier).points_multiplier.get();
    let growth_total = GrowthValue::new(floor_product(total_e4, &[rate])?).map_err(|_| LoyaltyError::AmountTooLarge)?;
    let points_total =
        Points::new(floor_product(total_e4, &[rate, multiplier])?).map_err(|_| LoyaltyError::AmountTooLarge)?;
    let points = allocate_by_largest_remainder(points_total.get(), &weights)?;
    let growth = allocate_by_largest_remainder(growth_total.get(), &weights)?;
    let mut lines = Vec::with_capacity(order.lines.len());
    for ((line, points), growth) in order.lines.iter().zip(points).zip(growth) {
        lines.push(EarnedLine {
            line: line.line.clone(),
            quantity: line.quantity,
            paid: line.paid,
            points: Points::new(points)?,
            growth: GrowthValue::new(growth)?,
            returned: 0,
            offer_points: Points::ZERO,
        });
    }
    let order = order.order.clone();
    Ok(OrderEarning { order, tier, points: points_total, growth: growth_total, lines, offers: Vec::new() })
}

/// Writes what an order earned: a new lot `lot` with the order's points
/// (expiring by the program's policy from `moment`'s date; no lot if it
/// earned no points), one `earn_order` entry with its points and growth
/// value, and, if points are owed after an earlier return, their payment
/// from the new lot.
pub fn post_order_earning(
    config: &ProgramConfig,
    wallet: &Wallet,
    earning: &OrderEarning,
    lot: &LotId,
    moment: Moment,
) -> Result<WalletChange, LoyaltyError> {
    let mut draft = Draft::new(wallet, moment);
    let source = Source::Order(earning.order.clone());
    let offered: i64 = earning.offers.iter().map(|o| o.points.get()).sum();
    let base = Points::new(earning.points.get() - offered)?;
    let reason = Reason::generated(format!(
        "order {} earned {} points and {} growth value at {}",
        earning.order, base, earning.growth, earning.tier
    ));
    draft.add_growth(earning.growth)?;
    let growth = GrowthDelta::credit(earning.growth);
    if !earning.points.is_zero() {
        draft.create_lot(lot, &source, earning.points, config.expiry().expires_on(moment.date()))?;
        draft.entry(EntryKind::EarnOrder, PointsDelta::credit(base), growth, Some(lot), &source, &reason);
        for offer in &earning.offers {
            let source = Source::Activity(offer.activity.clone());
            let reason = Reason::generated(format!(
                "points offer {} gave order {} {} points",
                offer.activity, earning.order, offer.points
            ));
            let points = PointsDelta::credit(offer.points);
            draft.entry(EntryKind::EarnActivity, points, GrowthDelta::ZERO, Some(lot), &source, &reason);
        }
        draft.settle_owed_from(std::slice::from_ref(lot), &source)?;
    } else if !earning.growth.is_zero() {
        draft.entry(EntryKind::EarnOrder, PointsDelta::ZERO, growth, None, &source, &reason);
    }
    Ok(draft.finish())
}

/// Sorts by line id; refuses an empty list or a line id twice.
pub(crate) fn check_line_ids<T>(items: Vec<T>, key: impl Fn(&T) -> &LineId) -> Result<Vec<T>, LoyaltyError> {
    sorted_unique(items, key)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: &str, paid: &str) -> PaidLine {
        PaidLine { line: LineId::parse(id).unwrap(), quantity: Quantity::ONE, paid: BaseAmount::parse(paid).unwrap() }
    }

    fn order(lines: Vec<PaidLine>) -> OrderToEarn {
        OrderToEarn::new(OrderId::parse("1001").unwrap(), lines).unwrap()
    }

    #[test]
    fn spec_example_floors_the_order_total() {
        let config = ProgramConfig::default_plan();
        let earning = calculate_order_earning(&config, Tier::S1, &order(vec![line("1", "12345.67")])).unwrap();
        assert_eq!(earning.points().get(), 12_345);
        assert_eq!(earning.growth().get(), 12_345);
    }

    #[test]
    fn order_total_floors_once_not_per_line() {
        let config = ProgramConfig::default_plan();
        // 3 × 0.5 = 1.5 → 1 point for the order, not 0 + 0 + 0.
        let earning = calculate_order_earning(
            &config,
            Tier::S1,
            &order(vec![line("a", "0.5"), line("b", "0.5"), line("c", "0.5")]),
        )
        .unwrap();
        assert_eq!(earning.points().get(), 1);
        let points: Vec<i64> = earning.lines().iter().map(|l| l.points.get()).collect();
        assert_eq!(points, [1, 0, 0], "equal remainders: the smallest line id wins");
    }

    #[test]
    fn a_line_of_quantity_zero_earns_nothing_and_changes_nothing() {
        let config = ProgramConfig::default_plan();
        let zero = PaidLine { quantity: Quantity::new(0).unwrap(), ..line("2", "0") };
        let with = calculate_order_earning(&config, Tier::S1, &order(vec![line("1", "99.99"), zero])).unwrap();
        let without = calculate_order_earning(&config, Tier::S1, &order(vec![line("1", "99.99")])).unwrap();
        assert_eq!((with.points(), with.growth()), (without.points(), without.growth()));
        let kept = &with.lines()[1];
        assert_eq!((kept.points.get(), kept.growth.get()), (0, 0));
        assert!(kept.take_back_for(Quantity::ONE).is_err(), "nothing bought, nothing to return");
    }

    #[test]
    fn largest_remainder_allocation() {
        assert_eq!(allocate_by_largest_remainder(10, &[1, 1, 1]).unwrap(), [4, 3, 3]);
        assert_eq!(allocate_by_largest_remainder(100, &[0, 0]).unwrap(), [0, 0]);
        assert_eq!(allocate_by_largest_remainder(7, &[2, 5]).unwrap(), [2, 5]);
        assert_eq!(allocate_by_largest_remainder(5, &[1, 2, 3]).unwrap(), [1, 2, 2]);
    }

    #[test]
    fn multiplier_applies_to_points_not_growth() {
        let benefits = crate::tier::TierBenefits {
            points_multiplier: crate::values::Multiplier::parse("1.5").unwrap(),
            ..Default::default()
        };
        let config = ProgramConfig::default_plan()
            .with_tiers(crate::tier::TierTable::plan_default().with_benefits(Tier::S3, benefits));
        let earning = calculate_order_earning(&config, Tier::S3, &order(vec![line("1", "999.99")])).unwrap();
        assert_eq!(earning.points().get(), 1_499);
        assert_eq!(earning.growth().get(), 999);
    }

    #[test]
    fn duplicate_and_missing_lines_are_refused() {
        let id = OrderId::parse("1").unwrap();
        assert_eq!(OrderToEarn::new(id.clone(), vec![]).unwrap_err(), LoyaltyError::NoLines);
        assert_eq!(OrderToEarn::new(id, vec![line("1", "1"), line("1", "2")]).unwrap_err().code(), "duplicate_line");
    }

    #[test]
    fn quantity_returns_telescope() {
        let earned = EarnedLine {
            line: LineId::parse("1").unwrap(),
            quantity: Quantity::new(3).unwrap(),
            paid: BaseAmount::parse("100").unwrap(),
            points: Points::new(100).unwrap(),
            growth: GrowthValue::new(100).unwrap(),
            returned: 0,
            offer_points: Points::ZERO,
        };
        let mut taken = 0;
        let mut line = earned.clone();
        for _ in 0..3 {
            let (points, _) = line.take_back_for(Quantity::ONE).unwrap();
            taken += points.get();
            line.returned += 1;
        }
        assert_eq!(taken, 100);
        assert_eq!(earned.take_back_for(Quantity::ONE).unwrap().0.get(), 33);
        assert!(line.take_back_for(Quantity::ONE).is_err());
        assert_eq!(line.points_taken_back().get(), 100);
    }
}
