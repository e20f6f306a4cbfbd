//! The append-only ledger: every change of points or growth value (and
//! every manual tier decision) is a [`LedgerEntry`] with its reason and
//! source. The points balance is the sum of the entries' points; growth
//! value is the sum of their growth.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, Moment, keyword_enum};
use serde::{Deserialize, Serialize};

use crate::config::DateRange;
use crate::ids::{ActivityId, LotId, OrderId, RedemptionId, ReturnId};
use crate::text::Reason;
use crate::values::{GrowthDelta, GrowthValue, Points, PointsBalance, PointsDelta};

keyword_enum! {
    /// What a ledger entry records.
    pub enum EntryKind {
        /// Points (in a new lot) and growth earned by an order.
        EarnOrder => "earn_order",
        /// Points (in a new lot) and growth granted for a campaign or event.
        EarnActivity => "earn_activity",
        /// Points and growth taken back by a return.
        Return => "return",
        /// Points held for a redemption (points delta 0: held points are
        /// still in the balance, but not available).
        RedeemReserve => "redeem_reserve",
        /// Held points spent by a confirmed redemption.
        RedeemConfirm => "redeem_confirm",
        /// Held points released by a cancelled redemption (delta 0).
        RedeemCancel => "redeem_cancel",
        /// Held points released because the hold ran out (delta 0).
        RedeemExpire => "redeem_expire",
        /// Points of a lot that reached its expiry date.
        Expire => "expire",
        /// A manual adjustment by a CRM manager.
        AdjustManual => "adjust_manual",
        /// Points owed after a return, paid from points that came in (a pair
        /// of entries: minus on the lot, plus on the debt; net zero).
        SettleOwed => "settle_owed",
        /// A manual tier floor set (no points, no growth).
        TierFloorSet => "tier_floor_set",
        /// A manual tier floor removed (no points, no growth).
        TierFloorRemoved => "tier_floor_removed",
        /// An opening balance brought from the previous system at go-live:
        /// a lot's points, the growth value, or the tier floor kept.
        Migration => "migration",
    }
}

/// What caused an entry. JSON: `{"type": "order", "id": "1001"}`,
/// `{"type": "return", "id": {"order": "1001", "return_id": "R1"}}`,
/// `{"type": "program"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "snake_case")]
pub enum Source {
    /// An order that earned.
    Order(OrderId),
    /// A return of (some lines of) an order.
    Return {
        /// The original order.
        order: OrderId,
        /// The return.
        return_id: ReturnId,
    },
    /// A campaign or event grant.
    Activity(ActivityId),
    /// A redemption.
    Redemption(RedemptionId),
    /// A person, by hand.
    Manual(Actor),
    /// The program's own rules (expiry).
    Program,
    /// The previous system, at go-live (an opening balance).
    Migration,
}

impl Source {
    /// The stable name of the kind of source (`order`, `return`, `activity`,
    /// `redemption`, `manual`, `program`), for a column.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Order(_) => "order",
            Source::Return { .. } => "return",
            Source::Activity(_) => "activity",
            Source::Redemption(_) => "redemption",
            Source::Manual(_) => "manual",
            Source::Program => "program",
            Source::Migration => "migration",
        }
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Order(id) => write!(f, "order {id}"),
            Source::Return { order, return_id } => write!(f, "return {return_id} of order {order}"),
            Source::Activity(id) => write!(f, "activity {id}"),
            Source::Redemption(id) => write!(f, "redemption {id}"),
            Source::Manual(actor) => write!(f, "{actor}"),
            Source::Program => f.write_str("the program"),
            Source::Migration => f.write_str("the previous system"),
        }
    }
}

/// One row of the append-only ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerEntry {
    /// What it records.
    pub kind: EntryKind,
    /// Change of the points balance.
    pub points: PointsDelta,
    /// Change of growth value.
    pub growth: GrowthDelta,
    /// The lot the points went into or came from; `None` for an entry that
    /// touches no lot (growth only, points owed, markers).
    pub lot: Option<LotId>,
    /// Points a return could not take back and did not take (the member had
    /// spent them); zero on every other entry.
    pub points_not_taken: Points,
    /// What caused it.
    pub source: Source,
    /// Why, in words.
    pub reason: Reason,
    /// When.
    pub at: DateTime<Utc>,
    /// The business date (decides re-qualification windows).
    pub on: NaiveDate,
}

impl LedgerEntry {
    /// An entry that changes nothing (a tier floor decision); an entry that
    /// changes points or growth is this with its `points`, `growth` and
    /// `lot` set.
    pub(crate) fn marker(kind: EntryKind, source: Source, reason: Reason, moment: Moment) -> LedgerEntry {
        LedgerEntry {
            kind,
            points: PointsDelta::ZERO,
            growth: GrowthDelta::ZERO,
            lot: None,
            points_not_taken: Points::ZERO,
            source,
            reason,
            at: moment.at(),
            on: moment.date(),
        }
    }
}

/// The points balance the entries add up to.
pub fn points_balance_of<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>) -> PointsBalance {
    let sum: i128 = entries.into_iter().map(|e| i128::from(e.points.get())).sum();
    PointsBalance::new(i64::try_from(sum).unwrap_or(if sum < 0 { i64::MIN } else { i64::MAX }))
}

/// The growth value the entries add up to (zero if they add up below zero).
pub fn growth_value_of<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>) -> GrowthValue {
    let sum: i128 = entries.into_iter().map(|e| i128::from(e.growth.get())).sum();
    GrowthValue::from_wide(sum.max(0)).unwrap_or(GrowthValue::MAX)
}

/// The growth value of the entries dated within `days` (a re-qualification
/// window): their growth deltas added up, zero if below zero. A return
/// counts on the day of the return.
pub fn growth_value_within<'a>(entries: impl IntoIterator<Item = &'a LedgerEntry>, days: DateRange) -> GrowthValue {
    growth_value_of(entries.into_iter().filter(|e| days.contains(e.on)))
}
