//! The rewards catalogue: what a member may take for points, and the
//! fulfilment of what they took.
//!
//! A [`Reward`] costs points (above 0) and the brand a unit cost; it may
//! have a limited stock, be kept for some tiers, be limited per member, and
//! be offered within a window. [`check_redemption`] says whether a member
//! may take one now, with the first rule broken as a stable code, checked
//! in this order: `reward_not_available` (outside the window),
//! `reward_out_of_stock`, `reward_tier`, `reward_limit_reached`,
//! `reward_insufficient_points`. The points themselves are reserved and
//! confirmed by the loyalty crate's redemption.
//!
//! A redeemed reward is then `to_collect` until the member collects it
//! (`collected`) or the redemption is cancelled (`cancelled`: the points
//! and the unit of stock go back; the caller decides to cancel, and
//! [`cancel_fulfilment`] says what goes back).

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, InvalidValue, ShortText, keyword_enum};
use clientele_loyalty::{Points, PointsBalance, Tier};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::OfferError;
use crate::values::{Amount, Window, check};

keyword_enum! {
    /// What kind of thing a reward is.
    pub enum RewardKind {
        /// An object (a scarf, a candle).
        Gift => "gift",
        /// A service (jewelry cleaning, alterations).
        Service => "service",
        /// A seat at an event (a private viewing, a show).
        EventSeat => "event_seat",
        /// A partner's voucher (a film ticket, a spa).
        PartnerVoucher => "partner_voucher",
    }
}

keyword_enum! {
    /// Why a member may not take a reward: a stable code.
    pub enum RewardRefusal {
        /// Outside the reward's window.
        NotAvailable => "reward_not_available",
        /// No stock left.
        OutOfStock => "reward_out_of_stock",
        /// The member's tier is not eligible.
        Tier => "reward_tier",
        /// The member has taken it as often as allowed.
        LimitReached => "reward_limit_reached",
        /// Not enough points available.
        InsufficientPoints => "reward_insufficient_points",
    }
}

impl std::error::Error for RewardRefusal {}

keyword_enum! {
    /// Where a redeemed reward is.
    pub enum FulfilmentState {
        /// Waiting for the member.
        ToCollect => "to_collect",
        /// Handed over. Final.
        Collected => "collected",
        /// Cancelled: points and stock went back. Final.
        Cancelled => "cancelled",
    }
}

/// A reward of the catalogue, valid by construction.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RewardParts", into = "RewardParts")]
pub struct Reward {
    kind: RewardKind,
    name: ShortText,
    points_cost: Points,
    unit_cost: Amount,
    stock: Option<u32>,
    tiers: Vec<Tier>,
    per_member_limit: Option<u32>,
    window: Window,
}

/// The unchecked form of a [`Reward`], as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardParts {
    /// What kind of thing.
    pub kind: RewardKind,
    /// Its name in the catalogue.
    pub name: String,
    /// Points it costs (above 0).
    pub points_cost: i64,
    /// What one costs the brand (0 or more).
    pub unit_cost: Decimal,
    /// The stock it started with; None: unlimited.
    #[serde(default)]
    pub stock: Option<u32>,
    /// Tiers that may take it; empty: every tier.
    #[serde(default)]
    pub tiers: Vec<Tier>,
    /// Most a member may take; None: no limit.
    #[serde(default)]
    pub per_member_limit: Option<u32>,
    /// First valid instant.
    pub valid_from: DateTime<Utc>,
    /// First instant no longer valid.
    pub valid_to: DateTime<Utc>,
}

impl Reward {
    /// Checks every field; the error lists each refused one (`name`,
    /// `points_cost`, `unit_cost`, `per_member_limit`, `valid_to`).
    pub fn new(parts: RewardParts) -> Result<Reward, OfferError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", ShortText::parse(&parts.name));
        let points_cost = errors.check("points_cost", Points::new(parts.points_cost));
        if points_cost.is_some_and(Points::is_zero) {
            errors.push("points_cost", InvalidValue::new("out_of_range", "must be above 0"));
        }
        let unit_cost = check::amount(&mut errors, "unit_cost", parts.unit_cost);
        let limit = parts.per_member_limit.map(|l| check::at_least_one(&mut errors, "per_member_limit", l));
        let window = check::window(&mut errors, parts.valid_from, parts.valid_to);
        match (name, points_cost, unit_cost, window) {
            (Some(name), Some(points_cost), Some(unit_cost), Some(window)) if errors.is_empty() => Ok(Reward {
                kind: parts.kind,
                name,
                points_cost,
                unit_cost,
                stock: parts.stock,
                tiers: parts.tiers,
                per_member_limit: limit.flatten(),
                window,
            }),
            _ => Err(OfferError::InvalidFields(errors)),
        }
    }

    /// What kind of thing.
    pub fn kind(&self) -> RewardKind {
        self.kind
    }

    /// Its name.
    pub fn name(&self) -> &ShortText {
        &self.name
    }

    /// Points it costs.
    pub fn points_cost(&self) -> Points {
        self.points_cost
    }

    /// What one costs the brand.
    pub fn unit_cost(&self) -> Amount {
        self.unit_cost
    }

    /// The stock it started with; None: unlimited.
    pub fn stock(&self) -> Option<u32> {
        self.stock
    }

    /// Tiers that may take it; empty: every tier.
    pub fn tiers(&self) -> &[Tier] {
        &self.tiers
    }

    /// Most a member may take, if limited.
    pub fn per_member_limit(&self) -> Option<u32> {
        self.per_member_limit
    }

    /// The window.
    pub fn window(&self) -> Window {
        self.window
    }
}

impl TryFrom<RewardParts> for Reward {
    type Error = OfferError;

    fn try_from(parts: RewardParts) -> Result<Reward, OfferError> {
        Reward::new(parts)
    }
}

impl From<Reward> for RewardParts {
    fn from(r: Reward) -> RewardParts {
        RewardParts {
            kind: r.kind,
            name: r.name.into_string(),
            points_cost: r.points_cost.get(),
            unit_cost: r.unit_cost.get(),
            stock: r.stock,
            tiers: r.tiers,
            per_member_limit: r.per_member_limit,
            valid_from: r.window.valid_from(),
            valid_to: r.window.valid_to(),
        }
    }
}

/// What the store knows about the member and the reward at the moment of a
/// redemption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct RedemptionFacts {
    /// The member's effective tier.
    pub tier: Tier,
    /// Points the member may spend now (balance − points held).
    pub available_points: PointsBalance,
    /// How many of this reward the member has taken (cancelled ones not
    /// counted).
    pub redeemed_by_member: u32,
    /// Units left; ignored for a reward of unlimited stock.
    pub stock_left: Option<u32>,
    /// When.
    pub at: DateTime<Utc>,
}

/// Whether the member may take one `reward` now; the first rule broken, in
/// the documented order, otherwise.
pub fn check_redemption(reward: &Reward, facts: &RedemptionFacts) -> Result<(), RewardRefusal> {
    if !reward.window.contains(facts.at) {
        return Err(RewardRefusal::NotAvailable);
    }
    if reward.stock.is_some() && facts.stock_left.unwrap_or(0) == 0 {
        return Err(RewardRefusal::OutOfStock);
    }
    if !reward.tiers.is_empty() && !reward.tiers.contains(&facts.tier) {
        return Err(RewardRefusal::Tier);
    }
    if reward.per_member_limit.is_some_and(|limit| facts.redeemed_by_member >= limit) {
        return Err(RewardRefusal::LimitReached);
    }
    if facts.available_points.get() < reward.points_cost.get() {
        return Err(RewardRefusal::InsufficientPoints);
    }
    Ok(())
}

/// Something that happens to a redeemed reward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FulfilmentEvent {
    /// The member collects it.
    Collect,
    /// The redemption is cancelled.
    Cancel,
}

impl FulfilmentEvent {
    /// The event's stable name.
    pub const fn as_str(self) -> &'static str {
        match self {
            FulfilmentEvent::Collect => "collect",
            FulfilmentEvent::Cancel => "cancel",
        }
    }
}

/// The state after `event`: only a reward `to_collect` is collected or
/// cancelled ([`OfferError::TransitionNotAllowed`] otherwise).
pub fn fulfil(state: FulfilmentState, event: FulfilmentEvent) -> Result<FulfilmentState, OfferError> {
    match (state, event) {
        (FulfilmentState::ToCollect, FulfilmentEvent::Collect) => Ok(FulfilmentState::Collected),
        (FulfilmentState::ToCollect, FulfilmentEvent::Cancel) => Ok(FulfilmentState::Cancelled),
        (from, event) => Err(OfferError::TransitionNotAllowed { from: from.as_str(), event: event.as_str() }),
    }
}

/// What a cancellation gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Cancellation {
    /// The state after: `cancelled`.
    pub state: FulfilmentState,
    /// Points to credit back to the member.
    pub points: Points,
    /// Units to put back in stock (0 for a reward of unlimited stock).
    pub stock: u32,
}

/// Cancels a reward `to_collect`: the member gets its points back and the
/// stock its unit.
pub fn cancel_fulfilment(state: FulfilmentState, reward: &Reward) -> Result<Cancellation, OfferError> {
    let state = fulfil(state, FulfilmentEvent::Cancel)?;
    Ok(Cancellation { state, points: reward.points_cost, stock: u32::from(reward.stock.is_some()) })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn reward(stock: Option<u32>, tiers: Vec<Tier>, limit: Option<u32>) -> Reward {
        Reward::new(RewardParts {
            kind: RewardKind::EventSeat,
            name: "Private viewing, SS26".into(),
            points_cost: 5_000,
            unit_cost: "120".parse().unwrap(),
            stock,
            tiers,
            per_member_limit: limit,
            valid_from: Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap(),
            valid_to: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(),
        })
        .unwrap()
    }

    fn facts(tier: Tier, points: i64, taken: u32, stock_left: Option<u32>) -> RedemptionFacts {
        RedemptionFacts {
            tier,
            available_points: PointsBalance::new(points),
            redeemed_by_member: taken,
            stock_left,
            at: Utc.with_ymd_and_hms(2026, 6, 15, 0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn each_rule_has_its_code() {
        let seat = reward(Some(20), vec![Tier::S4, Tier::S5, Tier::S6], Some(1));
        assert_eq!(check_redemption(&seat, &facts(Tier::S4, 5_000, 0, Some(3))), Ok(()));
        let late =
            RedemptionFacts { at: Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap(), ..facts(Tier::S4, 0, 0, None) };
        let e = |f: RedemptionFacts| check_redemption(&seat, &f).unwrap_err().as_str();
        assert_eq!(e(late), "reward_not_available");
        assert_eq!(e(facts(Tier::S4, 5_000, 0, Some(0))), "reward_out_of_stock");
        assert_eq!(e(facts(Tier::S4, 5_000, 0, None)), "reward_out_of_stock");
        assert_eq!(e(facts(Tier::S3, 5_000, 0, Some(3))), "reward_tier");
        assert_eq!(e(facts(Tier::S6, 5_000, 1, Some(3))), "reward_limit_reached");
        assert_eq!(e(facts(Tier::S6, 4_999, 0, Some(3))), "reward_insufficient_points");
        assert_eq!(e(facts(Tier::S6, -10, 0, Some(3))), "reward_insufficient_points");
        let open = reward(None, vec![], None);
        assert_eq!(check_redemption(&open, &facts(Tier::S1, 9_999, 40, None)), Ok(()));
    }

    #[test]
    fn fulfilment_and_cancellation() {
        let seat = reward(Some(20), vec![], None);
        assert_eq!(fulfil(FulfilmentState::ToCollect, FulfilmentEvent::Collect), Ok(FulfilmentState::Collected));
        let c = cancel_fulfilment(FulfilmentState::ToCollect, &seat).unwrap();
        assert_eq!((c.state, c.points.get(), c.stock), (FulfilmentState::Cancelled, 5_000, 1));
        assert_eq!(cancel_fulfilment(FulfilmentState::ToCollect, &reward(None, vec![], None)).unwrap().stock, 0);
        let err = cancel_fulfilment(FulfilmentState::Collected, &seat).unwrap_err();
        assert_eq!(err, OfferError::TransitionNotAllowed { from: "collected", event: "cancel" });
        assert!(fulfil(FulfilmentState::Cancelled, FulfilmentEvent::Collect).is_err());
    }

    #[test]
    fn fields_are_named() {
        let bad = RewardParts { points_cost: 0, unit_cost: "-1".parse().unwrap(), ..reward(None, vec![], None).into() };
        let err = Reward::new(bad).unwrap_err();
        let fields: Vec<&str> = err.fields().unwrap().iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["points_cost", "unit_cost"]);
        let r = reward(Some(2), vec![Tier::S6], Some(1));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(serde_json::from_value::<Reward>(json).unwrap(), r);
    }
}
