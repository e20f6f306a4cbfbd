//! Opening balances: what a member held in the previous system, brought in
//! at go-live — points lot by lot with their earn and expiry dates, growth
//! value, the tier held and a manual tier floor. Every part enters the
//! ledger as an entry of kind `migration` (source `migration`), so the
//! balance is still the sum of the ledger and growth value the sum of its
//! growth.
//!
//! The tier follows Clientele's rules: the tier the growth value qualifies
//! for. A tier held in the previous system above that is kept only as a
//! manual floor with an end date (the member keeps it until then, as a
//! review would have let them); a floor the previous system had is kept as
//! it was.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, Moment};

use crate::config::ProgramConfig;
use crate::error::LoyaltyError;
use crate::ids::LotId;
use crate::ledger::{EntryKind, Source};
use crate::lots::{Draft, Wallet, WalletChange};
use crate::text::Reason;
use crate::tier::{Tier, TierFloor, TierState, TierStateParts};
use crate::values::{GrowthDelta, GrowthValue, Points, PointsDelta};

/// One lot of points as the previous system held it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpeningLot {
    /// Its id (the previous system's, or one given by the import).
    pub lot: LotId,
    /// Points left in it (at least 1).
    pub points: Points,
    /// When they were earned.
    pub earned_on: NaiveDate,
    /// When they expire; `None`: by the programme's rule from `earned_on`.
    pub expires_on: Option<NaiveDate>,
}

/// What a member held in the previous system.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpeningBalance {
    /// Points, lot by lot.
    pub lots: Vec<OpeningLot>,
    /// Growth value.
    pub growth: GrowthValue,
    /// The tier they held.
    pub tier: Option<Tier>,
    /// A manual floor they had: the tier and its last day.
    pub floor: Option<(Tier, NaiveDate)>,
}

impl OpeningBalance {
    /// No points, no growth, no tier above S1, no floor: nothing to open.
    pub fn is_empty(&self) -> bool {
        self.lots.is_empty() && self.growth.is_zero() && self.tier.is_none_or(|t| t == Tier::S1) && self.floor.is_none()
    }
}

/// Why an opening balance was refused; nothing is to be written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpeningError {
    /// The member already has points, growth value or a tier in Clientele:
    /// an opening balance is the first thing on an account.
    #[error("the member already has points, growth value or a tier here: an opening balance opens an empty account")]
    AccountNotEmpty,
    /// A lot whose expiry date has passed: the previous system should have
    /// expired it.
    #[error("lot {lot} expired on {expires_on}, before the opening")]
    LotExpired {
        /// The lot.
        lot: LotId,
        /// Its expiry date.
        expires_on: NaiveDate,
    },
    /// A lot earned after the opening's date.
    #[error("lot {lot} was earned on {earned_on}, after the opening")]
    EarnedLater {
        /// The lot.
        lot: LotId,
        /// Its earn date.
        earned_on: NaiveDate,
    },
    /// A lot that expires before it was earned.
    #[error("lot {lot} expires before it was earned")]
    ExpiresBeforeEarned {
        /// The lot.
        lot: LotId,
    },
    /// The tier held is above what the growth value qualifies for, and no
    /// end date was given to keep it as a floor.
    #[error(
        "tier {held} is above {qualified}, what growth value {growth} qualifies for: give the last day to keep it (as a floor)"
    )]
    HeldTierNeedsEnd {
        /// The tier held.
        held: Tier,
        /// The tier the growth value qualifies for.
        qualified: Tier,
        /// The growth value.
        growth: GrowthValue,
    },
    /// A floor whose last day has passed.
    #[error("the tier floor ended on {0}, before the opening")]
    FloorEnded(NaiveDate),
    /// A rule of the engine (a duplicate lot id, amounts too large).
    #[error(transparent)]
    Loyalty(#[from] LoyaltyError),
}

impl OpeningError {
    /// A stable code.
    pub fn code(&self) -> &'static str {
        match self {
            OpeningError::AccountNotEmpty => "account_not_empty",
            OpeningError::LotExpired { .. } => "lot_expired",
            OpeningError::EarnedLater { .. } => "earned_later",
            OpeningError::ExpiresBeforeEarned { .. } => "expires_before_earned",
            OpeningError::HeldTierNeedsEnd { .. } => "tier_needs_floor_end",
            OpeningError::FloorEnded(_) => "floor_ends_in_the_past",
            OpeningError::Loyalty(e) => e.code(),
        }
    }

    /// The part of the opening it is about: `points`, `earned_on`,
    /// `expires_on`, `tier`, `tier_floor_until` or `member`.
    pub fn field(&self) -> &'static str {
        match self {
            OpeningError::AccountNotEmpty => "member",
            OpeningError::LotExpired { .. } | OpeningError::ExpiresBeforeEarned { .. } => "expires_on",
            OpeningError::EarnedLater { .. } => "earned_on",
            OpeningError::HeldTierNeedsEnd { .. } => "tier_floor_until",
            OpeningError::FloorEnded(_) => "tier_floor_until",
            OpeningError::Loyalty(_) => "points",
        }
    }
}

/// Whether an order placed at `ordered_at` earns, for a member whose
/// opening balance was taken at `opened_as_of` (`None`: they have none).
/// An order placed before it is history whose points are already in that
/// balance: it earns nothing.
pub fn order_earns(opened_as_of: Option<DateTime<Utc>>, ordered_at: DateTime<Utc>) -> bool {
    opened_as_of.is_none_or(|as_of| ordered_at >= as_of)
}

/// What to write for an opening balance: the lots and `migration` entries,
/// and the member's tier state after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opening {
    /// New lots, entries and totals.
    pub change: WalletChange,
    /// The tier state to store.
    pub tier: TierState,
}

/// Opens a member's account with what the previous system held, on
/// `moment` (the import's), `by` whom (recorded with the floor). The account
/// must be empty: no lots (nor, in a [wallet for earning](Wallet::for_earning),
/// points), no growth, nothing owed, no tier above S1, no floor.
pub fn open_balance(
    config: &ProgramConfig,
    (wallet, tier): (&Wallet, &TierState),
    opening: &OpeningBalance,
    by: &Actor,
    moment: Moment,
) -> Result<Opening, OpeningError> {
    let untouched = wallet.lots().next().is_none()
        && wallet.balance().get() == 0
        && wallet.held().is_zero()
        && wallet.growth().is_zero()
        && wallet.owed().is_zero();
    if !untouched || *tier != TierState::new_member() {
        return Err(OpeningError::AccountNotEmpty);
    }
    let today = moment.date();
    let source = Source::Migration;
    let mut draft = Draft::new(wallet, moment);
    for lot in &opening.lots {
        let expires_on = lot.expires_on.or_else(|| config.expiry().expires_on(lot.earned_on));
        if lot.earned_on > today {
            return Err(OpeningError::EarnedLater { lot: lot.lot.clone(), earned_on: lot.earned_on });
        }
        match expires_on {
            Some(day) if day < lot.earned_on => return Err(OpeningError::ExpiresBeforeEarned { lot: lot.lot.clone() }),
            Some(day) if day < today => return Err(OpeningError::LotExpired { lot: lot.lot.clone(), expires_on: day }),
            _ => {}
        }
        let earned_at: DateTime<Utc> = lot.earned_on.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc();
        draft.create_lot_earned(&lot.lot, &source, lot.points, (earned_at, lot.earned_on), expires_on)?;
        let reason =
            Reason::generated(format!("opening balance: lot earned on {} in the previous system", lot.earned_on));
        draft.entry(
            EntryKind::Migration,
            PointsDelta::credit(lot.points),
            GrowthDelta::ZERO,
            Some(&lot.lot),
            &source,
            &reason,
        );
    }
    if !opening.growth.is_zero() {
        draft.add_growth(opening.growth)?;
        let reason = Reason::generated("opening balance: growth value from the previous system".to_owned());
        draft.entry(
            EntryKind::Migration,
            PointsDelta::ZERO,
            GrowthDelta::credit(opening.growth),
            None,
            &source,
            &reason,
        );
    }
    let qualified = config.tiers().tier_for_growth(opening.growth);
    let floor = floor_of(opening, qualified, today)?;
    if let Some((floor_tier, until)) = floor {
        let reason = Reason::generated(format!(
            "opening balance: tier floor {floor_tier} until {until} from the previous system"
        ));
        draft.entry(EntryKind::Migration, PointsDelta::ZERO, GrowthDelta::ZERO, None, &source, &reason);
    }
    let floor = floor.map(|(tier, until)| TierFloor {
        tier,
        until,
        set_by: by.clone(),
        reason: Reason::generated("tier held in the previous system".to_owned()),
        set_at: moment.at(),
    });
    let tier = TierState::from_parts(TierStateParts { qualified, review_baseline: qualified, floor })
        .map_err(LoyaltyError::from)?;
    Ok(Opening { change: draft.finish(), tier })
}

/// The floor to keep: the previous system's floor, raised to the tier held
/// when that is above what the growth value qualifies for (which then needs
/// the floor's last day). `None` when neither is above `qualified`.
fn floor_of(
    opening: &OpeningBalance,
    qualified: Tier,
    today: NaiveDate,
) -> Result<Option<(Tier, NaiveDate)>, OpeningError> {
    let held_above = opening.tier.filter(|held| *held > qualified);
    let floor = match (opening.floor, held_above) {
        (None, None) => None,
        (Some((tier, until)), held) => Some((held.map_or(tier, |h| h.max(tier)), until)),
        (None, Some(held)) => {
            return Err(OpeningError::HeldTierNeedsEnd { held, qualified, growth: opening.growth });
        }
    };
    match floor {
        Some((_, until)) if until < today => Err(OpeningError::FloorEnded(until)),
        Some((tier, _)) if tier <= qualified => Ok(None),
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::points_balance_of;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn moment() -> Moment {
        Moment::utc(Utc.with_ymd_and_hms(2026, 12, 6, 9, 0, 0).unwrap())
    }

    fn lot(id: &str, points: i64, earned_on: NaiveDate, expires_on: Option<NaiveDate>) -> OpeningLot {
        OpeningLot { lot: LotId::parse(id).unwrap(), points: Points::new(points).unwrap(), earned_on, expires_on }
    }

    fn by() -> Actor {
        Actor::parse("import").unwrap()
    }

    #[test]
    fn orders_before_the_opening_earn_nothing() {
        let as_of = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        assert!(!order_earns(Some(as_of), as_of - chrono::TimeDelta::seconds(1)));
        assert!(order_earns(Some(as_of), as_of));
        assert!(order_earns(None, as_of - chrono::TimeDelta::days(3650)));
    }

    #[test]
    fn lots_keep_their_dates_and_the_ledger_adds_up_to_the_balance() {
        let config = ProgramConfig::default_plan();
        let opening = OpeningBalance {
            lots: vec![lot("a", 1_200, day(2025, 3, 1), Some(day(2027, 3, 1))), lot("b", 300, day(2026, 11, 1), None)],
            growth: GrowthValue::new(60_000).unwrap(),
            tier: None,
            floor: None,
        };
        let o = open_balance(&config, (&Wallet::empty(), &TierState::new_member()), &opening, &by(), moment()).unwrap();
        assert_eq!(o.change.balance().get(), 1_500);
        assert_eq!(points_balance_of(o.change.entries()).get(), 1_500);
        assert_eq!(o.change.growth().get(), 60_000);
        assert!(o.change.entries().iter().all(|e| e.kind == EntryKind::Migration && e.source == Source::Migration));
        let a = o.change.lots_created().iter().find(|l| l.id().as_str() == "a").unwrap();
        assert_eq!((a.earned_on(), a.expires_on()), (day(2025, 3, 1), Some(day(2027, 3, 1))));
        let b = o.change.lots_created().iter().find(|l| l.id().as_str() == "b").unwrap();
        assert_eq!(b.expires_on(), config.expiry().expires_on(day(2026, 11, 1)));
        assert_eq!(
            o.tier.effective_on(moment().date()),
            config.tiers().tier_for_growth(GrowthValue::new(60_000).unwrap())
        );
        assert!(o.tier.floor().is_none());
    }

    #[test]
    fn a_tier_held_above_the_growth_is_kept_as_a_floor_only_with_its_last_day() {
        let config = ProgramConfig::default_plan();
        let empty = (&Wallet::empty(), &TierState::new_member());
        let opening = OpeningBalance { tier: Some(Tier::S5), ..OpeningBalance::default() };
        let e = open_balance(&config, empty, &opening, &by(), moment()).unwrap_err();
        assert_eq!((e.code(), e.field()), ("tier_needs_floor_end", "tier_floor_until"));
        let kept = OpeningBalance { floor: Some((Tier::S3, day(2027, 6, 30))), ..opening };
        let o = open_balance(&config, empty, &kept, &by(), moment()).unwrap();
        assert_eq!(o.tier.effective_on(day(2027, 6, 30)), Tier::S5);
        assert_eq!(o.tier.effective_on(day(2027, 7, 1)), Tier::S1);
        assert_eq!(o.change.entries().len(), 1, "the floor is recorded in the ledger");
        let ended = OpeningBalance { floor: Some((Tier::S3, day(2026, 12, 5))), ..kept };
        assert_eq!(open_balance(&config, empty, &ended, &by(), moment()).unwrap_err().code(), "floor_ends_in_the_past");
    }

    #[test]
    fn expired_future_and_repeated_openings_are_refused() {
        let config = ProgramConfig::default_plan();
        let empty = (&Wallet::empty(), &TierState::new_member());
        let refused = |lots: Vec<OpeningLot>| {
            let opening = OpeningBalance { lots, ..OpeningBalance::default() };
            open_balance(&config, empty, &opening, &by(), moment()).unwrap_err().code()
        };
        assert_eq!(refused(vec![lot("a", 1, day(2024, 1, 1), Some(day(2026, 12, 5)))]), "lot_expired");
        assert_eq!(refused(vec![lot("a", 1, day(2026, 12, 7), None)]), "earned_later");
        assert_eq!(refused(vec![lot("a", 1, day(2026, 1, 1), Some(day(2025, 1, 1)))]), "expires_before_earned");
        assert_eq!(
            refused(vec![lot("a", 1, day(2026, 1, 1), None), lot("a", 2, day(2026, 1, 1), None)]),
            "duplicate_lot"
        );
        let opening = OpeningBalance { lots: vec![lot("a", 5, day(2026, 1, 1), None)], ..OpeningBalance::default() };
        let first = open_balance(&config, empty, &opening, &by(), moment()).unwrap();
        let mut wallet = Wallet::empty();
        wallet.apply(&first.change).unwrap();
        let again = open_balance(&config, (&wallet, &first.tier), &opening, &by(), moment()).unwrap_err();
        assert_eq!(again.code(), "account_not_empty");
    }
}
