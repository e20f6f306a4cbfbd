//! Tiers S1–S6: the tier table with each tier's benefits, the tier a
//! growth value reaches, a member's tier state (the tier qualified for and a
//! manual floor), and what changes when growth value changes, at a review
//! date, or when a manual floor is set or ends.
//!
//! The rules:
//! - the tier for a growth value is the highest tier whose minimum it
//!   reaches, so it is monotone in growth value;
//! - an upgrade applies at once ([`tier_after_growth_change`]);
//! - growth value taken back (a return, a manual correction) undoes what it
//!   had earned: with cumulative growth the tier is again the tier of the
//!   growth that remains; under a re-qualification window the tier never
//!   falls below the one confirmed at the last review. Otherwise tiers only
//!   go down at a review date ([`review_tier`]) or when a manual floor ends
//!   ([`end_lapsed_tier_floor`]);
//! - the effective tier is the higher of the qualified tier and an active
//!   manual floor ([`TierState::effective_on`]).

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, InvalidValue, Moment, keyword_enum};
use serde::{Deserialize, Serialize};

use crate::config::ProgramConfig;
use crate::error::LoyaltyError;
use crate::ledger::{EntryKind, LedgerEntry, Source};
use crate::text::{BenefitText, Reason, TierName};
use crate::values::{DiscountRate, GrowthValue, Multiplier};

keyword_enum! {
    /// A tier, S1 (entry) to S6 (highest). Ordered: `S1 < S2 < … < S6`.
    /// Serialised as `"S1"` … `"S6"`.
    pub enum Tier {
        /// Level 1.
        S1 => "S1",
        /// Level 2.
        S2 => "S2",
        /// Level 3.
        S3 => "S3",
        /// Level 4.
        S4 => "S4",
        /// Level 5.
        S5 => "S5",
        /// Level 6.
        S6 => "S6",
    }
}

impl Tier {
    /// 1 for S1 … 6 for S6.
    pub const fn level(self) -> u8 {
        match self {
            Tier::S1 => 1,
            Tier::S2 => 2,
            Tier::S3 => 3,
            Tier::S4 => 4,
            Tier::S5 => 5,
            Tier::S6 => 6,
        }
    }

    const fn index(self) -> usize {
        self.level() as usize - 1
    }
}

/// What a tier gives its members. Every number is configuration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierBenefits {
    /// Member discount rate (0..=1) the POS applies.
    pub member_discount: DiscountRate,
    /// Points multiplier on consumption points (never on growth value).
    pub points_multiplier: Multiplier,
    /// The birthday gift, if any.
    #[serde(default)]
    pub birthday_gift: Option<BenefitText>,
    /// Service privileges, as free text, in the order they are shown.
    #[serde(default)]
    pub privileges: Vec<BenefitText>,
}

impl Default for TierBenefits {
    /// The plan fixes no benefits: no discount, multiplier 1, no gift, no
    /// privileges.
    fn default() -> TierBenefits {
        TierBenefits {
            member_discount: DiscountRate::NONE,
            points_multiplier: Multiplier::ONE,
            birthday_gift: None,
            privileges: Vec::new(),
        }
    }
}

/// One row of the tier table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TierRule {
    /// Which tier.
    pub tier: Tier,
    /// Its display name.
    pub name: TierName,
    /// The growth value from which a member qualifies for it.
    pub min_growth: GrowthValue,
    /// What it gives.
    pub benefits: TierBenefits,
}

/// The tier table: six rules, S1 to S6 in order, S1 from growth value 0,
/// minimums strictly increasing. Serialised as the list of rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<TierRule>", into = "Vec<TierRule>")]
pub struct TierTable([TierRule; 6]);

impl TierTable {
    /// The plan's minimums: S1 0, S2 8,001, S3 80,001, S4 180,001, S5 580,001,
    /// S6 980,001.
    pub const PLAN_MINIMUMS: [i64; 6] = [0, 8_001, 80_001, 180_001, 580_001, 980_001];

    /// Checks the rules (code `invalid_tier_table`).
    pub fn new(rules: Vec<TierRule>) -> Result<TierTable, InvalidValue> {
        let invalid = |message: String| InvalidValue::new("invalid_tier_table", message);
        let rules: [TierRule; 6] = rules.try_into().map_err(|rules: Vec<TierRule>| {
            invalid(format!("needs exactly six tiers, S1 to S6, not {}", rules.len()))
        })?;
        for (rule, tier) in rules.iter().zip(Tier::ALL) {
            if rule.tier != tier {
                return Err(invalid(format!("tier {} is in the place of {tier}: list S1 to S6 in order", rule.tier)));
            }
        }
        if !rules[0].min_growth.is_zero() {
            return Err(invalid("S1 must start at growth value 0".to_owned()));
        }
        for pair in rules.windows(2) {
            if pair[1].min_growth <= pair[0].min_growth {
                return Err(invalid(format!(
                    "{} must start above {}: minimums must strictly increase",
                    pair[1].tier, pair[0].tier
                )));
            }
        }
        Ok(TierTable(rules))
    }

    /// The plan's table: "level 1" … "level 6" from [`Self::PLAN_MINIMUMS`],
    /// with neutral benefits ([`TierBenefits::default`]).
    pub fn plan_default() -> TierTable {
        TierTable(Tier::ALL.map(|tier| TierRule {
            tier,
            name: TierName::level(tier.level()),
            min_growth: GrowthValue::new(Self::PLAN_MINIMUMS[tier.index()]).unwrap_or(GrowthValue::ZERO),
            benefits: TierBenefits::default(),
        }))
    }

    /// The rule of a tier.
    pub fn rule(&self, tier: Tier) -> &TierRule {
        &self.0[tier.index()]
    }

    /// All six rules, S1 first.
    pub fn rules(&self) -> &[TierRule] {
        &self.0
    }

    /// The same table with one tier's benefits replaced (the minimums, and so
    /// the table's rules, are untouched).
    pub fn with_benefits(mut self, tier: Tier, benefits: TierBenefits) -> TierTable {
        self.0[tier.index()].benefits = benefits;
        self
    }

    /// The highest tier whose minimum `growth` reaches. Monotone: more growth
    /// value never gives a lower tier.
    pub fn tier_for_growth(&self, growth: GrowthValue) -> Tier {
        self.0.iter().rev().find(|rule| growth >= rule.min_growth).map_or(Tier::S1, |rule| rule.tier)
    }
}

impl TryFrom<Vec<TierRule>> for TierTable {
    type Error = InvalidValue;

    fn try_from(rules: Vec<TierRule>) -> Result<TierTable, InvalidValue> {
        TierTable::new(rules)
    }
}

impl From<TierTable> for Vec<TierRule> {
    fn from(table: TierTable) -> Vec<TierRule> {
        table.0.into()
    }
}

/// A tier set by hand (a VIP gesture): a floor until `until` (inclusive;
/// from the next day the member is back to the tier they qualify for).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierFloor {
    /// The lowest tier the member holds while the floor lasts.
    pub tier: Tier,
    /// The last day the floor applies.
    pub until: NaiveDate,
    /// Who set it.
    pub set_by: Actor,
    /// Why.
    pub reason: Reason,
    /// When it was set.
    pub set_at: DateTime<Utc>,
}

impl TierFloor {
    /// True while the floor applies: on every day up to and including `until`.
    pub fn is_active_on(&self, date: NaiveDate) -> bool {
        date <= self.until
    }
}

/// A request to set a manual tier floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierFloorRequest {
    /// The floor.
    pub tier: Tier,
    /// Its last day.
    pub until: NaiveDate,
    /// Who sets it (recorded in the ledger).
    pub set_by: Actor,
    /// Why (recorded in the ledger).
    pub reason: Reason,
}

/// A member's tier state, as the store keeps it: the tier qualified for by
/// growth value, the tier confirmed at the last review (used only under a
/// re-qualification window), and a manual floor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "TierStateParts", into = "TierStateParts")]
pub struct TierState {
    qualified: Tier,
    review_baseline: Tier,
    floor: Option<TierFloor>,
}

/// The parts of a [`TierState`], for storing and loading it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierStateParts {
    /// The tier qualified for by growth value.
    pub qualified: Tier,
    /// The tier confirmed at the last review (S1 before any review).
    pub review_baseline: Tier,
    /// A manual floor, if one is set.
    pub floor: Option<TierFloor>,
}

impl TierState {
    /// A new member: S1, no floor.
    pub fn new_member() -> TierState {
        TierState { qualified: Tier::S1, review_baseline: Tier::S1, floor: None }
    }

    /// Checks that the review baseline is not above the qualified tier
    /// (code `out_of_range`).
    pub fn from_parts(parts: TierStateParts) -> Result<TierState, InvalidValue> {
        if parts.review_baseline > parts.qualified {
            return Err(InvalidValue::new("out_of_range", "the review baseline cannot be above the qualified tier"));
        }
        Ok(TierState { qualified: parts.qualified, review_baseline: parts.review_baseline, floor: parts.floor })
    }

    /// The tier qualified for by growth value (floor aside).
    pub fn qualified(&self) -> Tier {
        self.qualified
    }

    /// The tier confirmed at the last review.
    pub fn review_baseline(&self) -> Tier {
        self.review_baseline
    }

    /// The manual floor, active or lapsed, if any.
    pub fn floor(&self) -> Option<&TierFloor> {
        self.floor.as_ref()
    }

    /// The tier the member has on `date`: the qualified tier, raised to the
    /// manual floor while it is active. This is the tier whose benefits and
    /// multiplier apply.
    pub fn effective_on(&self, date: NaiveDate) -> Tier {
        match &self.floor {
            Some(floor) if floor.is_active_on(date) => self.qualified.max(floor.tier),
            _ => self.qualified,
        }
    }

    /// The parts, for storing.
    pub fn to_parts(&self) -> TierStateParts {
        TierStateParts { qualified: self.qualified, review_baseline: self.review_baseline, floor: self.floor.clone() }
    }
}

impl Default for TierState {
    fn default() -> TierState {
        TierState::new_member()
    }
}

impl TryFrom<TierStateParts> for TierState {
    type Error = InvalidValue;

    fn try_from(parts: TierStateParts) -> Result<TierState, InvalidValue> {
        TierState::from_parts(parts)
    }
}

impl From<TierState> for TierStateParts {
    fn from(state: TierState) -> TierStateParts {
        state.to_parts()
    }
}

/// The tier for a growth value under this program's table (monotone).
pub fn tier_for_growth(config: &ProgramConfig, growth: GrowthValue) -> Tier {
    config.tiers().tier_for_growth(growth)
}

keyword_enum! {
    /// Why a member's effective tier changed.
    pub enum TierChangeReason {
        /// Growth value reached a higher tier (applies at once).
        GrowthEarned => "growth_earned",
        /// Growth value that had earned the tier was taken back.
        GrowthTakenBack => "growth_taken_back",
        /// A review date under a re-qualification window.
        Review => "review",
        /// A CRM manager set a tier floor.
        FloorSet => "floor_set",
        /// A manual tier floor reached its end date.
        FloorEnded => "floor_ended",
        /// A CRM manager removed a tier floor before its end date.
        FloorRemoved => "floor_removed",
        /// The programme's tier table changed.
        ProgramChanged => "program_changed",
    }
}

/// A change of a member's effective tier: the event to emit (webhook,
/// campaign trigger).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TierChange {
    /// The tier before.
    pub from: Tier,
    /// The tier after.
    pub to: Tier,
    /// Why.
    pub reason: TierChangeReason,
    /// The business date it took effect.
    pub on: NaiveDate,
}

impl TierChange {
    /// True when the member went up.
    pub fn is_upgrade(&self) -> bool {
        self.to > self.from
    }
}

/// The new tier state, and the change of effective tier if there was one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierUpdate {
    /// The state to store.
    pub state: TierState,
    /// The event to emit, if the effective tier changed.
    pub change: Option<TierChange>,
}

fn update(before: &TierState, after: TierState, reason: TierChangeReason, date: NaiveDate) -> TierUpdate {
    let (from, to) = (before.effective_on(date), after.effective_on(date));
    let change = (from != to).then_some(TierChange { from, to, reason, on: date });
    TierUpdate { state: after, change }
}

/// The tier state after growth value changed on `date`. The qualifying
/// growth value is the growth that decides the tier: the cumulative growth
/// value, or under a re-qualification window the growth earned in
/// [`ProgramConfig::upgrade_window`] of `date`; `before` and `after` are its
/// values before and after the change.
///
/// - If `after` reaches a tier above the qualified one, the member is
///   upgraded at once.
/// - If growth was taken back (a return, a manual correction) and that is
///   what leaves the qualified tier without support (`before` reached it,
///   `after` does not), the qualified tier falls to the tier of `after`, but
///   under a window never below the tier confirmed at the last review. With
///   cumulative growth this keeps the qualified tier equal to the tier of the
///   growth value, so an upgrade earned by a returned order is undone.
/// - Otherwise nothing changes: under a window, growth leaving the window
///   with time lowers the tier only at the next review.
pub fn tier_after_growth_change(
    config: &ProgramConfig,
    state: &TierState,
    before: GrowthValue,
    after: GrowthValue,
    date: NaiveDate,
) -> TierUpdate {
    let reached_before = config.tiers().tier_for_growth(before);
    let reached = config.tiers().tier_for_growth(after);
    let lowest = if config.requalification().is_some() { state.review_baseline } else { Tier::S1 };
    let (qualified, reason) = if reached > state.qualified {
        (reached, TierChangeReason::GrowthEarned)
    } else if reached < state.qualified && reached_before >= state.qualified {
        (reached.max(lowest).min(state.qualified), TierChangeReason::GrowthTakenBack)
    } else {
        (state.qualified, TierChangeReason::GrowthEarned)
    };
    let review_baseline = state.review_baseline.min(qualified);
    update(state, TierState { qualified, review_baseline, floor: state.floor.clone() }, reason, date)
}

/// The tier state after the programme's tier table changed: the qualified
/// tier becomes the new table's tier for the qualifying growth value
/// (`qualifying`: cumulative, or the upgrade window's growth under a
/// re-qualification window), up or down; a manual floor still holds. The
/// review baseline never rises above the new qualified tier.
pub fn tier_under_new_table(
    config: &ProgramConfig,
    state: &TierState,
    qualifying: GrowthValue,
    date: NaiveDate,
) -> TierUpdate {
    let qualified = config.tiers().tier_for_growth(qualifying);
    let review_baseline = state.review_baseline.min(qualified);
    update(
        state,
        TierState { qualified, review_baseline, floor: state.floor.clone() },
        TierChangeReason::ProgramChanged,
        date,
    )
}

/// The tier review at a review date of the program's re-qualification
/// window. The qualified tier becomes, up or down, the tier of the growth
/// earned in [`ProgramConfig::review_window`] of `date` (`review_growth`:
/// the window's months, the review day excluded) and is the new review
/// baseline. Growth earned on the review day itself still counts as it does
/// for an upgrade (`upgrade_growth`: the growth in
/// [`ProgramConfig::upgrade_window`] of `date`), so the result does not
/// depend on the hour the review runs: the tier is that of the larger of the
/// two. Refused on a program without a window or on a day that is not a
/// review date.
pub fn review_tier(
    config: &ProgramConfig,
    state: &TierState,
    review_growth: GrowthValue,
    upgrade_growth: GrowthValue,
    date: NaiveDate,
) -> Result<TierUpdate, LoyaltyError> {
    match config.requalification() {
        Some(window) if window.is_review_date(date) => {}
        _ => return Err(LoyaltyError::NotAReviewDate(date)),
    }
    let qualified = config.tiers().tier_for_growth(review_growth.max(upgrade_growth));
    let after = TierState { qualified, review_baseline: qualified, floor: state.floor.clone() };
    Ok(update(state, after, TierChangeReason::Review, date))
}

/// A manual tier floor set or removed: the new tier state and the ledger
/// entry recording who did it and why (points and growth unchanged).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TierFloorPosting {
    /// New state and tier change.
    pub update: TierUpdate,
    /// The ledger entry (kind `tier_floor_set` or `tier_floor_removed`).
    pub entry: LedgerEntry,
}

/// Sets (or replaces) a manual tier floor. Refused if its last day is before
/// `moment`'s date.
pub fn set_tier_floor(
    state: &TierState,
    request: &TierFloorRequest,
    moment: Moment,
) -> Result<TierFloorPosting, LoyaltyError> {
    if request.until < moment.date() {
        return Err(LoyaltyError::FloorEndsInThePast);
    }
    let floor = TierFloor {
        tier: request.tier,
        until: request.until,
        set_by: request.set_by.clone(),
        reason: request.reason.clone(),
        set_at: moment.at(),
    };
    let after = TierState { floor: Some(floor), ..state.clone() };
    let reason = Reason::generated(format!(
        "tier floor {} until {} set by {}: {}",
        request.tier, request.until, request.set_by, request.reason
    ));
    let entry = LedgerEntry::marker(EntryKind::TierFloorSet, Source::Manual(request.set_by.clone()), reason, moment);
    Ok(TierFloorPosting { update: update(state, after, TierChangeReason::FloorSet, moment.date()), entry })
}

/// Removes the manual tier floor before its end date. Refused if there is
/// none.
pub fn remove_tier_floor(
    state: &TierState,
    removed_by: &Actor,
    why: &Reason,
    moment: Moment,
) -> Result<TierFloorPosting, LoyaltyError> {
    let Some(floor) = &state.floor else {
        return Err(LoyaltyError::NoTierFloor);
    };
    let after = TierState { floor: None, ..state.clone() };
    let reason =
        Reason::generated(format!("tier floor {} until {} removed by {removed_by}: {why}", floor.tier, floor.until));
    let entry = LedgerEntry::marker(EntryKind::TierFloorRemoved, Source::Manual(removed_by.clone()), reason, moment);
    Ok(TierFloorPosting { update: update(state, after, TierChangeReason::FloorRemoved, moment.date()), entry })
}

/// Ends a manual floor whose last day is before `date` (the daily job calls
/// this). The member drops to the tier they qualify for; the change is
/// reported if that is lower than the floor was. Without a lapsed floor,
/// nothing changes.
pub fn end_lapsed_tier_floor(state: &TierState, date: NaiveDate) -> TierUpdate {
    match &state.floor {
        Some(floor) if !floor.is_active_on(date) => {
            let from = state.qualified.max(floor.tier);
            let to = state.qualified;
            let change =
                (from != to).then_some(TierChange { from, to, reason: TierChangeReason::FloorEnded, on: date });
            TierUpdate { state: TierState { floor: None, ..state.clone() }, change }
        }
        _ => TierUpdate { state: state.clone(), change: None },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: i64) -> GrowthValue {
        GrowthValue::new(v).unwrap()
    }

    #[test]
    fn plan_boundaries() {
        let table = TierTable::plan_default();
        let cases = [
            (0, Tier::S1),
            (8_000, Tier::S1),
            (8_001, Tier::S2),
            (80_000, Tier::S2),
            (80_001, Tier::S3),
            (180_000, Tier::S3),
            (180_001, Tier::S4),
            (580_000, Tier::S4),
            (580_001, Tier::S5),
            (980_000, Tier::S5),
            (980_001, Tier::S6),
            (MAX_GROWTH, Tier::S6),
        ];
        for (growth, tier) in cases {
            assert_eq!(table.tier_for_growth(g(growth)), tier, "{growth}");
        }
        assert_eq!(table.rule(Tier::S4).name.as_str(), "level 4");
    }
    const MAX_GROWTH: i64 = crate::values::MAX_POINTS;

    #[test]
    fn tier_table_is_validated() {
        let rules: Vec<TierRule> = TierTable::plan_default().into();
        assert!(TierTable::new(rules[..5].to_vec()).is_err());
        let mut swapped = rules.clone();
        swapped.swap(1, 2);
        assert_eq!(TierTable::new(swapped).unwrap_err().code, "invalid_tier_table");
        let mut not_zero = rules.clone();
        not_zero[0].min_growth = g(1);
        assert!(TierTable::new(not_zero).is_err());
        let mut flat = rules.clone();
        flat[3].min_growth = flat[2].min_growth;
        assert!(TierTable::new(flat).is_err());
        assert!(TierTable::new(rules).is_ok());
    }

    #[test]
    fn tiers_serialise_as_s_names() {
        assert_eq!(serde_json::to_string(&Tier::S3).unwrap(), "\"S3\"");
        assert_eq!(serde_json::from_str::<Tier>("\"S6\"").unwrap(), Tier::S6);
        assert!(serde_json::from_str::<Tier>("\"S7\"").is_err());
        assert!(Tier::S1 < Tier::S6);
        assert_eq!("S2".parse::<Tier>().unwrap(), Tier::S2);
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn moment(date: NaiveDate) -> Moment {
        Moment::utc(date.and_hms_opt(10, 0, 0).unwrap().and_utc())
    }

    #[test]
    fn cumulative_upgrade_at_once_and_return_undoes_it() {
        let config = ProgramConfig::default_plan();
        let today = day(2026, 5, 1);
        let up = tier_after_growth_change(&config, &TierState::new_member(), g(0), g(80_001), today);
        assert_eq!(
            up.change,
            Some(TierChange { from: Tier::S1, to: Tier::S3, reason: TierChangeReason::GrowthEarned, on: today })
        );
        let back = tier_after_growth_change(&config, &up.state, g(80_001), g(9_000), today);
        assert_eq!(back.state.qualified(), Tier::S2);
        assert_eq!(back.change.unwrap().reason, TierChangeReason::GrowthTakenBack);
    }

    #[test]
    fn floors_raise_the_tier_until_their_last_day() {
        let state = TierState::new_member();
        let request = TierFloorRequest {
            tier: Tier::S4,
            until: day(2026, 6, 30),
            set_by: Actor::parse("crm.manager").unwrap(),
            reason: Reason::parse("VIP gesture").unwrap(),
        };
        assert_eq!(
            set_tier_floor(&state, &request, moment(day(2026, 7, 1))).unwrap_err(),
            LoyaltyError::FloorEndsInThePast
        );
        let set = set_tier_floor(&state, &request, moment(day(2026, 6, 1))).unwrap();
        assert_eq!(set.update.change.unwrap().to, Tier::S4);
        assert_eq!(set.entry.kind, EntryKind::TierFloorSet);
        assert!(set.entry.reason.as_str().contains("crm.manager"));
        let floored = set.update.state;
        assert_eq!(floored.effective_on(day(2026, 6, 30)), Tier::S4);
        assert_eq!(floored.effective_on(day(2026, 7, 1)), Tier::S1);
        assert_eq!(end_lapsed_tier_floor(&floored, day(2026, 6, 30)).change, None);
        let ended = end_lapsed_tier_floor(&floored, day(2026, 7, 1));
        assert_eq!(ended.change.unwrap().reason, TierChangeReason::FloorEnded);
        assert_eq!(ended.state.floor(), None);
        let removed = remove_tier_floor(&floored, &request.set_by, &request.reason, moment(day(2026, 6, 2))).unwrap();
        assert_eq!(removed.update.change.unwrap().to, Tier::S1);
        assert_eq!(
            remove_tier_floor(&removed.update.state, &request.set_by, &request.reason, moment(day(2026, 6, 2)))
                .unwrap_err(),
            LoyaltyError::NoTierFloor
        );
    }
}
