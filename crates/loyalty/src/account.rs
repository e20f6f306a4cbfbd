//! [`Account`]: one member's loyalty state in memory, driven only through
//! the crate's pure functions. It is the reference model the property tests
//! drive, and it shows how the store must use the functions: load the
//! state, call the function, write what it returns (lots, entries, totals,
//! tier state, events) in one transaction — or write nothing if it returns
//! an error.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, Moment};

use crate::config::ProgramConfig;
use crate::earning::{OrderEarning, OrderToEarn, calculate_order_earning, post_order_earning};
use crate::error::LoyaltyError;
use crate::ids::{LotId, OrderId, RedemptionId};
use crate::ledger::{LedgerEntry, growth_value_within, points_balance_of};
use crate::lots::{Lot, Wallet, WalletChange, expire_lots};
use crate::postings::{ActivityGrant, ManualAdjustment, adjust_manually, grant_activity_points};
use crate::redemption::{
    RedemptionPosting, RedemptionRequest, Reservation, cancel_reservation, confirm_reservation, expire_reservation,
    reserve_points,
};
use crate::returns::{ReturnPosting, ReturnRequest, take_back_for_return};
use crate::text::Reason;
use crate::tier::{
    Tier, TierChange, TierFloorPosting, TierFloorRequest, TierState, TierUpdate, end_lapsed_tier_floor,
    remove_tier_floor, review_tier, set_tier_floor, tier_after_growth_change,
};
use crate::values::{GrowthValue, Points, PointsBalance};

/// One member's loyalty state: wallet (lots, points owed, growth value),
/// tier state, ledger, tier change events, orders' earnings and
/// reservations. Every method computes with the pure functions first and
/// changes the account only if they succeed, so a refused operation leaves
/// it as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    config: ProgramConfig,
    wallet: Wallet,
    tier: TierState,
    ledger: Vec<LedgerEntry>,
    tier_changes: Vec<TierChange>,
    orders: BTreeMap<OrderId, OrderEarning>,
    reservations: BTreeMap<RedemptionId, Reservation>,
}

impl Account {
    /// A new member of the program.
    pub fn open(config: ProgramConfig) -> Account {
        Account {
            config,
            wallet: Wallet::empty(),
            tier: TierState::new_member(),
            ledger: Vec::new(),
            tier_changes: Vec::new(),
            orders: BTreeMap::new(),
            reservations: BTreeMap::new(),
        }
    }

    /// The program's rules.
    pub fn config(&self) -> &ProgramConfig {
        &self.config
    }

    /// Lots, points owed, growth value.
    pub fn wallet(&self) -> &Wallet {
        &self.wallet
    }

    /// The lots, by id.
    pub fn lots(&self) -> impl Iterator<Item = &Lot> {
        self.wallet.lots()
    }

    /// The tier state.
    pub fn tier_state(&self) -> &TierState {
        &self.tier
    }

    /// The ledger, oldest first.
    pub fn ledger(&self) -> &[LedgerEntry] {
        &self.ledger
    }

    /// Tier changes emitted, oldest first.
    pub fn tier_changes(&self) -> &[TierChange] {
        &self.tier_changes
    }

    /// An order's earning (with returned units).
    pub fn order(&self, order: &OrderId) -> Option<&OrderEarning> {
        self.orders.get(order)
    }

    /// A reservation.
    pub fn reservation(&self, id: &RedemptionId) -> Option<&Reservation> {
        self.reservations.get(id)
    }

    /// All reservations, by id.
    pub fn reservations(&self) -> impl Iterator<Item = &Reservation> {
        self.reservations.values()
    }

    /// The points balance (held points included).
    pub fn balance(&self) -> PointsBalance {
        self.wallet.balance()
    }

    /// Points that can be reserved on `date`.
    pub fn available_on(&self, date: NaiveDate) -> Points {
        self.wallet.available_on(date)
    }

    /// Growth value.
    pub fn growth(&self) -> GrowthValue {
        self.wallet.growth()
    }

    /// The effective tier on `date`.
    pub fn tier_on(&self, date: NaiveDate) -> Tier {
        self.tier.effective_on(date)
    }

    /// The growth value that decides an upgrade on `date`: all of it, or
    /// under a re-qualification window the growth of the window's days.
    pub fn qualifying_growth_on(&self, date: NaiveDate) -> GrowthValue {
        match self.config.upgrade_window(date) {
            None => self.wallet.growth(),
            Some(days) => growth_value_within(&self.ledger, days),
        }
    }

    fn apply(&mut self, change: &WalletChange) -> Result<(), LoyaltyError> {
        self.wallet.apply(change)?;
        self.ledger.extend(change.entries().iter().cloned());
        debug_assert_eq!(points_balance_of(&self.ledger), self.wallet.balance());
        Ok(())
    }

    fn apply_tier(&mut self, update: TierUpdate) {
        self.tier = update.state;
        self.tier_changes.extend(update.change);
    }

    /// Applies a wallet change and then the tier change its growth causes.
    fn apply_with_tier(&mut self, change: &WalletChange, date: NaiveDate) -> Result<(), LoyaltyError> {
        let before = self.qualifying_growth_on(date);
        self.apply(change)?;
        let after = self.qualifying_growth_on(date);
        let update = tier_after_growth_change(&self.config, &self.tier, before, after, date);
        self.apply_tier(update);
        Ok(())
    }

    /// Earns on an order at the member's effective tier of the day
    /// ([`calculate_order_earning`], [`post_order_earning`]), then upgrades
    /// the tier if the growth reaches a higher one.
    pub fn earn_order(
        &mut self,
        order: &OrderToEarn,
        lot: &LotId,
        moment: Moment,
    ) -> Result<OrderEarning, LoyaltyError> {
        if self.orders.contains_key(order.order()) {
            return Err(LoyaltyError::OrderAlreadyEarned(order.order().clone()));
        }
        let tier = self.tier.effective_on(moment.date());
        let earning = calculate_order_earning(&self.config, tier, order)?;
        let change = post_order_earning(&self.config, &self.wallet, &earning, lot, moment)?;
        self.apply_with_tier(&change, moment.date())?;
        self.orders.insert(order.order().clone(), earning.clone());
        Ok(earning)
    }

    /// Takes back what returned lines earned ([`take_back_for_return`]),
    /// then lowers the tier if the growth that earned it is gone.
    pub fn return_lines(
        &mut self,
        order: &OrderId,
        request: &ReturnRequest,
        moment: Moment,
    ) -> Result<ReturnPosting, LoyaltyError> {
        let earning = self.orders.get(order).ok_or_else(|| LoyaltyError::UnknownOrder(order.clone()))?;
        let posting = take_back_for_return(&self.config, &self.wallet, earning, request, moment)?;
        self.apply_with_tier(&posting.change, moment.date())?;
        self.orders.insert(order.clone(), posting.take_back.earning_after.clone());
        Ok(posting)
    }

    /// Grants activity points ([`grant_activity_points`]).
    pub fn grant_activity(&mut self, grant: &ActivityGrant, lot: &LotId, moment: Moment) -> Result<(), LoyaltyError> {
        let change = grant_activity_points(&self.config, &self.wallet, grant, lot, moment)?;
        self.apply_with_tier(&change, moment.date())
    }

    /// A manual adjustment ([`adjust_manually`]).
    pub fn adjust_manually(&mut self, adjustment: &ManualAdjustment, moment: Moment) -> Result<(), LoyaltyError> {
        let change = adjust_manually(&self.config, &self.wallet, adjustment, moment)?;
        self.apply_with_tier(&change, moment.date())
    }

    fn record_redemption(&mut self, posting: RedemptionPosting) -> Result<(), LoyaltyError> {
        self.apply(&posting.change)?;
        self.reservations.insert(posting.reservation.id().clone(), posting.reservation);
        Ok(())
    }

    fn held_reservation(&self, id: &RedemptionId) -> Result<&Reservation, LoyaltyError> {
        self.reservations.get(id).ok_or_else(|| LoyaltyError::UnknownRedemption(id.clone()))
    }

    /// Reserves points ([`reserve_points`]).
    pub fn reserve(
        &mut self,
        request: &RedemptionRequest,
        moment: Moment,
        hold_until: DateTime<Utc>,
    ) -> Result<(), LoyaltyError> {
        if self.reservations.contains_key(&request.redemption) {
            return Err(LoyaltyError::DuplicateRedemption(request.redemption.clone()));
        }
        let posting = reserve_points(&self.wallet, request, moment, hold_until)?;
        self.record_redemption(posting)
    }

    /// Confirms a reservation ([`confirm_reservation`]).
    pub fn confirm(&mut self, id: &RedemptionId, moment: Moment) -> Result<(), LoyaltyError> {
        let posting = confirm_reservation(&self.wallet, self.held_reservation(id)?, moment)?;
        self.record_redemption(posting)
    }

    /// Cancels a reservation ([`cancel_reservation`]).
    pub fn cancel(&mut self, id: &RedemptionId, moment: Moment) -> Result<(), LoyaltyError> {
        let posting = cancel_reservation(&self.wallet, self.held_reservation(id)?, moment)?;
        self.record_redemption(posting)
    }

    /// Expires a reservation whose hold has ended ([`expire_reservation`]).
    pub fn expire_reservation(&mut self, id: &RedemptionId, moment: Moment) -> Result<(), LoyaltyError> {
        let posting = expire_reservation(&self.wallet, self.held_reservation(id)?, moment)?;
        self.record_redemption(posting)
    }

    /// Expires the lots past their expiry date ([`expire_lots`]); returns
    /// the points removed.
    pub fn expire_lots(&mut self, moment: Moment) -> Result<Points, LoyaltyError> {
        let change = expire_lots(&self.wallet, moment)?;
        self.apply(&change)?;
        change.points_delta().magnitude()
    }

    fn record_floor(&mut self, posting: TierFloorPosting) {
        self.ledger.push(posting.entry);
        self.apply_tier(posting.update);
    }

    /// Sets a manual tier floor ([`set_tier_floor`]).
    pub fn set_tier_floor(&mut self, request: &TierFloorRequest, moment: Moment) -> Result<(), LoyaltyError> {
        let posting = set_tier_floor(&self.tier, request, moment)?;
        self.record_floor(posting);
        Ok(())
    }

    /// Removes the manual tier floor ([`remove_tier_floor`]).
    pub fn remove_tier_floor(&mut self, removed_by: &Actor, why: &Reason, moment: Moment) -> Result<(), LoyaltyError> {
        let posting = remove_tier_floor(&self.tier, removed_by, why, moment)?;
        self.record_floor(posting);
        Ok(())
    }

    /// Ends a lapsed manual floor ([`end_lapsed_tier_floor`]); the daily job.
    pub fn end_lapsed_tier_floor(&mut self, date: NaiveDate) {
        let update = end_lapsed_tier_floor(&self.tier, date);
        self.apply_tier(update);
    }

    /// The review at a review date ([`review_tier`]), on the growth of the
    /// review window (and of the upgrade window, for the review day itself).
    pub fn review_tier(&mut self, date: NaiveDate) -> Result<(), LoyaltyError> {
        let review_growth = match self.config.review_window(date) {
            Some(days) => growth_value_within(&self.ledger, days),
            None => return Err(LoyaltyError::NotAReviewDate(date)),
        };
        let upgrade_growth = self.qualifying_growth_on(date);
        let update = review_tier(&self.config, &self.tier, review_growth, upgrade_growth, date)?;
        self.apply_tier(update);
        Ok(())
    }
}
