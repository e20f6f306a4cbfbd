//! Points lots and a member's [`Wallet`].
//!
//! Each award (an order, an activity grant, a manual credit) is a [`Lot`]
//! with its own expiry date. A lot's `remaining` points include the points
//! `held` by open reservations; `remaining - held` is available. Points are
//! always drawn in [draw order](Lot::draw_order): earliest expiry first,
//! never-expiring last, ties by earning time then lot id; a lot past its
//! expiry date is never drawn from.
//!
//! The balance is the sum of `remaining` over the lots, less the points owed
//! (only in programs that allow a negative balance after a return). Held
//! points are in the balance but not available: available = balance − held.
//!
//! Every operation takes the wallet as a value and returns a
//! [`WalletChange`]: lots to insert, lots to update (their new values),
//! ledger entries to append, and the points owed and growth value after.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{InvalidValue, Moment};
use serde::{Deserialize, Serialize};

use crate::error::LoyaltyError;
use crate::ids::LotId;
use crate::ledger::{EntryKind, LedgerEntry, Source};
use crate::text::Reason;
use crate::values::{GrowthDelta, GrowthValue, Points, PointsBalance, PointsDelta};

/// One award of points, with its own expiry date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LotParts", into = "LotParts")]
pub struct Lot {
    id: LotId,
    origin: Source,
    earned_at: DateTime<Utc>,
    earned_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    original: Points,
    remaining: Points,
    held: Points,
}

/// The parts of a [`Lot`], for storing and loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LotParts {
    /// Its id.
    pub id: LotId,
    /// What created it (an order, an activity, a manager).
    pub origin: Source,
    /// When it was earned.
    pub earned_at: DateTime<Utc>,
    /// The business date it was earned on.
    pub earned_on: NaiveDate,
    /// The last day its points can be used; `None` for never.
    pub expires_on: Option<NaiveDate>,
    /// Points awarded.
    pub original: Points,
    /// Points still in it (held ones included).
    pub remaining: Points,
    /// Points held by open reservations.
    pub held: Points,
}

impl Lot {
    /// Checks a stored lot: `held <= remaining <= original`, `original > 0`,
    /// expiry not before earning, earning date near the instant (code
    /// `out_of_range` or `invalid_date`).
    pub fn from_parts(parts: LotParts) -> Result<Lot, InvalidValue> {
        let earned = Moment::new(parts.earned_at, parts.earned_on)?;
        if parts.original.is_zero() {
            return Err(InvalidValue::new("out_of_range", "a lot holds at least one point"));
        }
        if parts.remaining > parts.original || parts.held > parts.remaining {
            return Err(InvalidValue::new("out_of_range", "a lot needs held <= remaining <= original"));
        }
        if parts.expires_on.is_some_and(|expiry| expiry < parts.earned_on) {
            return Err(InvalidValue::new("invalid_date", "a lot cannot expire before it was earned"));
        }
        Ok(Lot {
            id: parts.id,
            origin: parts.origin,
            earned_at: earned.at(),
            earned_on: earned.date(),
            expires_on: parts.expires_on,
            original: parts.original,
            remaining: parts.remaining,
            held: parts.held,
        })
    }

    /// The parts, for storing.
    pub fn to_parts(&self) -> LotParts {
        LotParts {
            id: self.id.clone(),
            origin: self.origin.clone(),
            earned_at: self.earned_at,
            earned_on: self.earned_on,
            expires_on: self.expires_on,
            original: self.original,
            remaining: self.remaining,
            held: self.held,
        }
    }

    /// Its id.
    pub fn id(&self) -> &LotId {
        &self.id
    }

    /// What created it.
    pub fn origin(&self) -> &Source {
        &self.origin
    }

    /// When it was earned.
    pub fn earned_at(&self) -> DateTime<Utc> {
        self.earned_at
    }

    /// The business date it was earned on.
    pub fn earned_on(&self) -> NaiveDate {
        self.earned_on
    }

    /// The last day its points can be used; `None` for never.
    pub fn expires_on(&self) -> Option<NaiveDate> {
        self.expires_on
    }

    /// Points awarded.
    pub fn original(&self) -> Points {
        self.original
    }

    /// Points still in it, held ones included.
    pub fn remaining(&self) -> Points {
        self.remaining
    }

    /// Points held by open reservations.
    pub fn held(&self) -> Points {
        self.held
    }

    /// Points that can be drawn: remaining minus held.
    pub fn available(&self) -> Points {
        self.remaining.saturating_sub(self.held)
    }

    /// True once the day after its expiry date has begun.
    pub fn is_expired_on(&self, date: NaiveDate) -> bool {
        self.expires_on.is_some_and(|expiry| expiry < date)
    }

    /// The order in which lots are drawn: earliest expiry first,
    /// never-expiring last, then earliest earned, then by lot id.
    pub fn draw_order(&self, other: &Lot) -> Ordering {
        let key = |lot: &Lot| (lot.expires_on.is_none(), lot.expires_on, lot.earned_at);
        key(self).cmp(&key(other)).then_with(|| self.id.cmp(&other.id))
    }

    fn take(&mut self, points: Points) -> Result<(), LoyaltyError> {
        if points > self.available() {
            return Err(LoyaltyError::InsufficientPoints { requested: points, available: self.available() });
        }
        self.remaining = self.remaining.saturating_sub(points);
        Ok(())
    }

    fn hold(&mut self, points: Points) -> Result<(), LoyaltyError> {
        if points > self.available() {
            return Err(LoyaltyError::InsufficientPoints { requested: points, available: self.available() });
        }
        self.held = self.held.checked_add(points)?;
        Ok(())
    }

    fn release(&mut self, points: Points) -> Result<(), LoyaltyError> {
        self.held = self.held.checked_sub(points).ok_or_else(|| LoyaltyError::InconsistentHold(self.id.clone()))?;
        Ok(())
    }

    fn spend_held(&mut self, points: Points) -> Result<(), LoyaltyError> {
        self.release(points)?;
        self.remaining = self.remaining.saturating_sub(points);
        Ok(())
    }
}

impl TryFrom<LotParts> for Lot {
    type Error = InvalidValue;

    fn try_from(parts: LotParts) -> Result<Lot, InvalidValue> {
        Lot::from_parts(parts)
    }
}

impl From<Lot> for LotParts {
    fn from(lot: Lot) -> LotParts {
        lot.to_parts()
    }
}

/// Points of available lots that reach their expiry date on one day (for
/// "your points expire soon" notices).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpiringPoints {
    /// The last day they can be used.
    pub expires_on: NaiveDate,
    /// How many.
    pub points: Points,
}

/// What a member holds: points lots, points owed after returns (only in
/// programs that allow a negative balance), and growth value. The store
/// loads it (lots with points remaining; spent lots may be left out) inside
/// the transaction that applies a change.
///
/// A wallet [for earning](Wallet::for_earning) holds only the totals of
/// the member's lots, not the lots: posting an order's earning draws from
/// no existing lot (points owed are paid from the new lot), so it needs
/// the totals alone — what lets a bulk import earn years of orders without
/// reading every member's lots for every batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Wallet {
    lots: BTreeMap<LotId, Lot>,
    owed: Points,
    growth: GrowthValue,
    /// Remaining and held points of lots not loaded ([`Wallet::for_earning`]).
    unloaded: (i128, i128),
}

fn clamp_points(sum: i128) -> Points {
    Points::from_wide(sum.clamp(0, i128::from(Points::MAX.get()))).unwrap_or(Points::MAX)
}

fn clamp_balance(sum: i128) -> PointsBalance {
    PointsBalance::new(i64::try_from(sum).unwrap_or(if sum < 0 { i64::MIN } else { i64::MAX }))
}

impl Wallet {
    /// A new member's wallet: nothing.
    pub fn empty() -> Wallet {
        Wallet::default()
    }

    /// A wallet from stored values. Refuses two lots with one id.
    pub fn new(lots: Vec<Lot>, owed: Points, growth: GrowthValue) -> Result<Wallet, LoyaltyError> {
        let mut by_id = BTreeMap::new();
        for lot in lots {
            if let Some(previous) = by_id.insert(lot.id.clone(), lot) {
                return Err(LoyaltyError::DuplicateLot(previous.id));
            }
        }
        Ok(Wallet { lots: by_id, owed, growth, unloaded: (0, 0) })
    }

    /// A wallet with the totals of the member's lots but not the lots:
    /// `balance` (remaining points less points owed, as stored) and `held`.
    /// Enough to post an order's earning ([`crate::post_order_earning`],
    /// [`crate::open_balance`]) and know the totals after; not to redeem,
    /// return, expire or list lots — those need the lots (`Wallet::new`).
    pub fn for_earning(balance: PointsBalance, held: Points, owed: Points, growth: GrowthValue) -> Wallet {
        let remaining = i128::from(balance.get()) + i128::from(owed.get());
        Wallet { lots: BTreeMap::new(), owed, growth, unloaded: (remaining, i128::from(held.get())) }
    }

    /// The lots, by id.
    pub fn lots(&self) -> impl Iterator<Item = &Lot> {
        self.lots.values()
    }

    /// One lot.
    pub fn lot(&self, id: &LotId) -> Option<&Lot> {
        self.lots.get(id)
    }

    /// The lots that can be drawn from on `date` (not expired, with points
    /// available), in draw order.
    pub fn lots_in_draw_order(&self, date: NaiveDate) -> Vec<&Lot> {
        let mut lots: Vec<&Lot> =
            self.lots.values().filter(|lot| !lot.is_expired_on(date) && !lot.available().is_zero()).collect();
        lots.sort_by(|a, b| a.draw_order(b));
        lots
    }

    /// Points owed after returns (zero unless the program allows a negative
    /// balance).
    pub fn owed(&self) -> Points {
        self.owed
    }

    /// Growth value.
    pub fn growth(&self) -> GrowthValue {
        self.growth
    }

    /// The points balance: remaining points of all lots (held ones included)
    /// less points owed. Equals the sum of the ledger.
    pub fn balance(&self) -> PointsBalance {
        let lots: i128 = self.lots.values().map(|lot| i128::from(lot.remaining.get())).sum();
        clamp_balance(lots + self.unloaded.0 - i128::from(self.owed.get()))
    }

    /// The balance on `date` once lots expired by then are swept: remaining
    /// points of unexpired lots, plus held points of expired lots (those are
    /// settled when their reservation is), less points owed.
    pub fn balance_on(&self, date: NaiveDate) -> PointsBalance {
        let lots: i128 = self
            .lots
            .values()
            .map(|lot| i128::from(if lot.is_expired_on(date) { lot.held.get() } else { lot.remaining.get() }))
            .sum();
        clamp_balance(lots - i128::from(self.owed.get()))
    }

    /// Points held by open reservations.
    pub fn held(&self) -> Points {
        clamp_points(self.lots.values().map(|lot| i128::from(lot.held.get())).sum::<i128>() + self.unloaded.1)
    }

    /// Points that can be reserved or spent on `date`: available points of
    /// unexpired lots, less points owed.
    pub fn available_on(&self, date: NaiveDate) -> Points {
        let lots: i128 = self
            .lots
            .values()
            .filter(|lot| !lot.is_expired_on(date))
            .map(|lot| i128::from(lot.available().get()))
            .sum();
        clamp_points(lots - i128::from(self.owed.get()))
    }

    /// The lots past their expiry date on `date` that still have points to
    /// remove (available ones; held ones expire when released).
    pub fn lots_expired_on(&self, date: NaiveDate) -> Vec<&Lot> {
        self.lots.values().filter(|lot| lot.is_expired_on(date) && !lot.available().is_zero()).collect()
    }

    /// How many points [`expire_lots`] on `date` would remove.
    pub fn points_expiring_by(&self, date: NaiveDate) -> Points {
        clamp_points(self.lots_expired_on(date).iter().map(|lot| i128::from(lot.available().get())).sum())
    }

    /// Available points whose last usable day is between `first` and `last`
    /// (inclusive), grouped by that day, earliest first.
    pub fn expiring_between(&self, first: NaiveDate, last: NaiveDate) -> Vec<ExpiringPoints> {
        let mut by_day: BTreeMap<NaiveDate, i128> = BTreeMap::new();
        for lot in self.lots.values() {
            if let Some(expiry) = lot.expires_on
                && first <= expiry
                && expiry <= last
                && !lot.available().is_zero()
            {
                *by_day.entry(expiry).or_default() += i128::from(lot.available().get());
            }
        }
        by_day.into_iter().map(|(expires_on, sum)| ExpiringPoints { expires_on, points: clamp_points(sum) }).collect()
    }

    /// Applies a change computed from this wallet (the in-memory
    /// counterpart of the store's writes). Refuses a change that creates an
    /// existing lot or updates a missing one; then nothing is applied.
    pub fn apply(&mut self, change: &WalletChange) -> Result<(), LoyaltyError> {
        if let Some(lot) = change.lots_created.iter().find(|lot| self.lots.contains_key(&lot.id)) {
            return Err(LoyaltyError::DuplicateLot(lot.id.clone()));
        }
        if let Some(lot) = change.lots_updated.iter().find(|lot| !self.lots.contains_key(&lot.id)) {
            return Err(LoyaltyError::LotNotFound(lot.id.clone()));
        }
        for lot in change.lots_created.iter().chain(&change.lots_updated) {
            self.lots.insert(lot.id.clone(), lot.clone());
        }
        self.owed = change.owed;
        self.growth = change.growth;
        Ok(())
    }
}

/// What to write after an operation: lots to insert, lots to update (their
/// new values), ledger entries to append (in order), and the member's
/// points owed, growth value and balance after.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WalletChange {
    lots_created: Vec<Lot>,
    lots_updated: Vec<Lot>,
    entries: Vec<LedgerEntry>,
    owed: Points,
    growth: GrowthValue,
    balance: PointsBalance,
}

impl WalletChange {
    /// New lots to insert.
    pub fn lots_created(&self) -> &[Lot] {
        &self.lots_created
    }

    /// Existing lots with their new values (remaining, held).
    pub fn lots_updated(&self) -> &[Lot] {
        &self.lots_updated
    }

    /// Ledger entries to append, in order.
    pub fn entries(&self) -> &[LedgerEntry] {
        &self.entries
    }

    /// Points owed after.
    pub fn owed(&self) -> Points {
        self.owed
    }

    /// Growth value after.
    pub fn growth(&self) -> GrowthValue {
        self.growth
    }

    /// Points balance after.
    pub fn balance(&self) -> PointsBalance {
        self.balance
    }

    /// The change of the points balance (sum of the entries' points).
    pub fn points_delta(&self) -> PointsDelta {
        PointsDelta::new(self.entries.iter().map(|e| e.points.get()).sum())
    }

    /// The change of growth value (sum of the entries' growth).
    pub fn growth_delta(&self) -> GrowthDelta {
        GrowthDelta::new(self.entries.iter().map(|e| e.growth.get()).sum())
    }
}

/// A change being worked out over the wallet. Every operation of the
/// crate goes through it, so the lots, the entries and the totals always
/// agree. Copy on write: only the lots the change creates or touches are
/// held (a member with years of lots earns an order without their wallet
/// being copied).
pub(crate) struct Draft<'w> {
    before: &'w Wallet,
    /// The lots created or changed, by id: they replace the wallet's.
    changed: BTreeMap<LotId, Lot>,
    owed: Points,
    growth: GrowthValue,
    created: Vec<LotId>,
    entries: Vec<LedgerEntry>,
    moment: Moment,
}

impl<'w> Draft<'w> {
    pub(crate) fn new(wallet: &'w Wallet, moment: Moment) -> Draft<'w> {
        Draft {
            before: wallet,
            changed: BTreeMap::new(),
            owed: wallet.owed,
            growth: wallet.growth,
            created: Vec::new(),
            entries: Vec::new(),
            moment,
        }
    }

    /// A lot as the change leaves it so far.
    pub(crate) fn lot(&self, id: &LotId) -> Option<&Lot> {
        self.changed.get(id).or_else(|| self.before.lots.get(id))
    }

    /// Every lot as the change leaves it so far, by id.
    fn lots(&self) -> impl Iterator<Item = &Lot> {
        let kept = self.before.lots.values().filter(|lot| !self.changed.contains_key(&lot.id));
        kept.chain(self.changed.values())
    }

    pub(crate) fn entry(
        &mut self,
        kind: EntryKind,
        points: PointsDelta,
        growth: GrowthDelta,
        lot: Option<&LotId>,
        source: &Source,
        reason: &Reason,
    ) -> &mut LedgerEntry {
        self.entries.push(LedgerEntry {
            points,
            growth,
            lot: lot.cloned(),
            ..LedgerEntry::marker(kind, source.clone(), reason.clone(), self.moment)
        });
        let last = self.entries.len() - 1;
        &mut self.entries[last]
    }

    /// A new lot of `points`, earned now, expiring on `expires_on`.
    pub(crate) fn create_lot(
        &mut self,
        id: &LotId,
        origin: &Source,
        points: Points,
        expires_on: Option<NaiveDate>,
    ) -> Result<(), LoyaltyError> {
        let earned = (self.moment.at(), self.moment.date());
        self.create_lot_earned(id, origin, points, earned, expires_on)
    }

    /// A new lot of `points` earned at `earned` (instant, business date),
    /// expiring on `expires_on`.
    pub(crate) fn create_lot_earned(
        &mut self,
        id: &LotId,
        origin: &Source,
        points: Points,
        (earned_at, earned_on): (DateTime<Utc>, NaiveDate),
        expires_on: Option<NaiveDate>,
    ) -> Result<(), LoyaltyError> {
        if self.lot(id).is_some() {
            return Err(LoyaltyError::DuplicateLot(id.clone()));
        }
        let lot = Lot::from_parts(LotParts {
            id: id.clone(),
            origin: origin.clone(),
            earned_at,
            earned_on,
            expires_on,
            original: points,
            remaining: points,
            held: Points::ZERO,
        })?;
        self.changed.insert(id.clone(), lot);
        self.created.push(id.clone());
        Ok(())
    }

    fn lot_mut(&mut self, id: &LotId) -> Result<&mut Lot, LoyaltyError> {
        if !self.changed.contains_key(id) {
            let lot = self.before.lots.get(id).ok_or_else(|| LoyaltyError::LotNotFound(id.clone()))?;
            self.changed.insert(id.clone(), lot.clone());
        }
        self.changed.get_mut(id).ok_or_else(|| LoyaltyError::LotNotFound(id.clone()))
    }

    pub(crate) fn add_growth(&mut self, growth: GrowthValue) -> Result<(), LoyaltyError> {
        self.growth = self.growth.checked_add(growth)?;
        Ok(())
    }

    /// Takes back up to `growth`, never below zero; returns what it took.
    pub(crate) fn remove_growth(&mut self, growth: GrowthValue) -> GrowthValue {
        let taken = growth.min(self.growth);
        self.growth = self.growth.saturating_sub(taken);
        taken
    }

    pub(crate) fn add_owed(&mut self, points: Points) -> Result<(), LoyaltyError> {
        self.owed = self.owed.checked_add(points)?;
        Ok(())
    }

    /// Which lots `amount` points would come from now (as much of it as is
    /// available): the lot `first` (if given and drawable) before the
    /// others, then the rest in draw order.
    pub(crate) fn plan_draws(&self, amount: Points, first: Option<&LotId>) -> Vec<(LotId, Points)> {
        let date = self.moment.date();
        let mut lots: Vec<&Lot> =
            self.lots().filter(|lot| !lot.is_expired_on(date) && !lot.available().is_zero()).collect();
        lots.sort_by(|a, b| a.draw_order(b));
        if let Some(first) = first {
            lots.sort_by_key(|lot| lot.id != *first);
        }
        let mut left = amount;
        let mut draws = Vec::new();
        for lot in lots {
            if left.is_zero() {
                break;
            }
            let take = left.min(lot.available());
            draws.push((lot.id.clone(), take));
            left = left.saturating_sub(take);
        }
        draws
    }

    pub(crate) fn take(&mut self, lot: &LotId, points: Points) -> Result<(), LoyaltyError> {
        self.lot_mut(lot)?.take(points)
    }

    pub(crate) fn hold(&mut self, lot: &LotId, points: Points) -> Result<(), LoyaltyError> {
        self.lot_mut(lot)?.hold(points)
    }

    pub(crate) fn release(&mut self, lot: &LotId, points: Points) -> Result<(), LoyaltyError> {
        self.lot_mut(lot)?.release(points)
    }

    pub(crate) fn spend_held(&mut self, lot: &LotId, points: Points) -> Result<(), LoyaltyError> {
        self.lot_mut(lot)?.spend_held(points)
    }

    /// Pays points owed from the available points of `lots` (lots that just
    /// received points), in draw order: a pair of `settle_owed` entries per
    /// lot (minus on the lot, plus on the debt).
    pub(crate) fn settle_owed_from(&mut self, lots: &[LotId], source: &Source) -> Result<(), LoyaltyError> {
        if self.owed.is_zero() {
            return Ok(());
        }
        let date = self.moment.date();
        let mut candidates: Vec<&Lot> = lots
            .iter()
            .filter_map(|id| self.lot(id))
            .filter(|lot| !lot.is_expired_on(date) && !lot.available().is_zero())
            .collect();
        candidates.sort_by(|a, b| a.draw_order(b));
        candidates.dedup_by(|a, b| a.id == b.id);
        let plan: Vec<(LotId, Points)> = candidates.iter().map(|lot| (lot.id.clone(), lot.available())).collect();
        for (lot, available) in plan {
            let pay = available.min(self.owed);
            if pay.is_zero() {
                break;
            }
            self.take(&lot, pay)?;
            self.owed = self.owed.saturating_sub(pay);
            let reason = Reason::generated(format!("{pay} points owed after a return paid from lot {lot}"));
            self.entry(EntryKind::SettleOwed, PointsDelta::debit(pay), GrowthDelta::ZERO, Some(&lot), source, &reason);
            self.entry(EntryKind::SettleOwed, PointsDelta::credit(pay), GrowthDelta::ZERO, None, source, &reason);
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> WalletChange {
        let remaining: i128 = self.lots().map(|lot| i128::from(lot.remaining.get())).sum();
        let balance = clamp_balance(remaining + self.before.unloaded.0 - i128::from(self.owed.get()));
        let mut lots_created = Vec::new();
        let mut lots_updated = Vec::new();
        for (id, lot) in self.changed {
            if self.created.contains(&id) {
                lots_created.push(lot);
            } else if self.before.lots.get(&id) != Some(&lot) {
                lots_updated.push(lot);
            }
        }
        WalletChange {
            lots_created,
            lots_updated,
            entries: self.entries,
            owed: self.owed,
            growth: self.growth,
            balance,
        }
    }
}

/// Expires the lots past their expiry date on `moment`'s date: each loses
/// its available points (one `expire` entry per lot). Points held by an
/// open reservation stay until it is settled: spent if it is confirmed,
/// expired if it is cancelled or runs out.
pub fn expire_lots(wallet: &Wallet, moment: Moment) -> Result<WalletChange, LoyaltyError> {
    let mut draft = Draft::new(wallet, moment);
    let expired: Vec<(LotId, Points, Option<NaiveDate>)> = wallet
        .lots_expired_on(moment.date())
        .into_iter()
        .map(|lot| (lot.id.clone(), lot.available(), lot.expires_on))
        .collect();
    for (lot, points, expires_on) in expired {
        draft.take(&lot, points)?;
        let reason = Reason::generated(match expires_on {
            Some(day) => format!("{points} points of lot {lot} expired after {day}"),
            None => format!("{points} points of lot {lot} expired"),
        });
        draft.entry(
            EntryKind::Expire,
            PointsDelta::debit(points),
            GrowthDelta::ZERO,
            Some(&lot),
            &Source::Program,
            &reason,
        );
    }
    Ok(draft.finish())
}
