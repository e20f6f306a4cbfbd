//! Tier benefits as entitlements: a number of uses of a benefit (a birthday
//! gift, a jewelry cleaning) per period, for each tier.
//!
//! The period is either the **member year**, from the anniversary of the
//! day the member joined to the next, or the **calendar year**, 1 January
//! to 1 January. A member who joined on 29 February has their anniversary
//! on 28 February in the years without one (their member year never starts
//! in March). Periods are `[start, end)` in dates; a use counts in the
//! period that holds its date. Before the join date (a date error
//! upstream) the first member year applies.
//!
//! The count per period is the member's tier's, today: a member upgraded
//! mid-year has their new tier's count, less what they already used this
//! period.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use clientele_kernel::{keyword_enum, slug_newtype};
use clientele_loyalty::Tier;
use serde::{Deserialize, Serialize};

use crate::values::Amount;

slug_newtype!(
    /// The key of a benefit (`birthday_gift`, `jewelry_cleaning`): 1..=64
    /// characters, no spaces.
    BenefitKey, 64, "the benefit key"
);

keyword_enum! {
    /// The period an entitlement's count is for.
    pub enum EntitlementPeriod {
        /// From the member's join anniversary to the next.
        MemberYear => "member_year",
        /// From 1 January to 1 January.
        CalendarYear => "calendar_year",
    }
}

keyword_enum! {
    /// Why a benefit may not be drawn: a stable code.
    pub enum EntitlementRefusal {
        /// None left in the current period (or none for the tier).
        UsedUp => "entitlement_used_up",
    }
}

impl std::error::Error for EntitlementRefusal {}

/// A benefit and how many uses each tier has per period. A tier not listed
/// has none.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entitlement {
    /// The benefit.
    pub benefit: BenefitKey,
    /// The period the counts are for.
    pub period: EntitlementPeriod,
    /// Uses per period, by tier.
    #[serde(default)]
    pub per_tier: BTreeMap<Tier, u32>,
    /// What one use costs the brand (the cost of serving a member).
    #[serde(default)]
    pub unit_cost: Amount,
}

/// Where a member stands with a benefit today.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntitlementStatus {
    /// The benefit.
    pub benefit: BenefitKey,
    /// First day of the current period.
    pub period_start: NaiveDate,
    /// First day of the next period.
    pub period_end: NaiveDate,
    /// Uses the tier has per period.
    pub allowed: u32,
    /// Uses within the current period.
    pub used: u32,
    /// Uses left (allowed − used, never below 0).
    pub left: u32,
}

/// The anniversary of `joined` in `year`: the same day, or 28 February for
/// a 29 February in a year without one.
fn anniversary(joined: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, joined.month(), joined.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(joined)
}

/// The period `[start, end)` that holds `today`.
pub fn current_period(period: EntitlementPeriod, joined: NaiveDate, today: NaiveDate) -> (NaiveDate, NaiveDate) {
    match period {
        EntitlementPeriod::CalendarYear => {
            let start = NaiveDate::from_ymd_opt(today.year(), 1, 1).unwrap_or(today);
            (start, NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap_or(NaiveDate::MAX))
        }
        EntitlementPeriod::MemberYear => {
            let year = if today < joined { joined.year() } else { today.year() };
            let this = anniversary(joined, year);
            if today < joined || today >= this {
                (this, anniversary(joined, year + 1))
            } else {
                (anniversary(joined, year - 1), this)
            }
        }
    }
}

/// How many uses of `entitlement` a member of `tier` who joined on `joined`
/// has left today, given the dates of their uses so far (any periods).
pub fn entitlement_status(
    entitlement: &Entitlement,
    tier: Tier,
    joined: NaiveDate,
    uses: &[NaiveDate],
    today: NaiveDate,
) -> EntitlementStatus {
    let (period_start, period_end) = current_period(entitlement.period, joined, today);
    let allowed = entitlement.per_tier.get(&tier).copied().unwrap_or(0);
    let used = uses.iter().filter(|d| (period_start..period_end).contains(*d)).count();
    let used = u32::try_from(used).unwrap_or(u32::MAX);
    EntitlementStatus {
        benefit: entitlement.benefit.clone(),
        period_start,
        period_end,
        allowed,
        used,
        left: allowed.saturating_sub(used),
    }
}

/// Whether one more use may be drawn today: the status (before the draw)
/// if so, `entitlement_used_up` if none is left.
pub fn check_entitlement(
    entitlement: &Entitlement,
    tier: Tier,
    joined: NaiveDate,
    uses: &[NaiveDate],
    today: NaiveDate,
) -> Result<EntitlementStatus, EntitlementRefusal> {
    let status = entitlement_status(entitlement, tier, joined, uses, today);
    if status.left == 0 { Err(EntitlementRefusal::UsedUp) } else { Ok(status) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn cleaning(period: EntitlementPeriod) -> Entitlement {
        Entitlement {
            benefit: BenefitKey::parse("jewelry_cleaning").unwrap(),
            period,
            per_tier: BTreeMap::from([(Tier::S3, 1), (Tier::S5, 2)]),
            unit_cost: Amount::ZERO,
        }
    }

    #[test]
    fn member_years_from_a_leap_day() {
        let joined = day(2024, 2, 29);
        let p = |today| current_period(EntitlementPeriod::MemberYear, joined, today);
        assert_eq!(p(day(2024, 2, 29)), (day(2024, 2, 29), day(2025, 2, 28)));
        assert_eq!(p(day(2025, 2, 27)), (day(2024, 2, 29), day(2025, 2, 28)));
        assert_eq!(p(day(2025, 2, 28)), (day(2025, 2, 28), day(2026, 2, 28)));
        assert_eq!(p(day(2027, 3, 1)), (day(2027, 2, 28), day(2028, 2, 29)));
        assert_eq!(p(day(2028, 2, 28)), (day(2027, 2, 28), day(2028, 2, 29)));
        assert_eq!(p(day(2028, 2, 29)), (day(2028, 2, 29), day(2029, 2, 28)));
        assert_eq!(p(day(2023, 5, 1)), (day(2024, 2, 29), day(2025, 2, 28)));
    }

    #[test]
    fn member_and_calendar_year_boundaries() {
        let joined = day(2025, 9, 15);
        let m = |today| current_period(EntitlementPeriod::MemberYear, joined, today);
        assert_eq!(m(day(2026, 9, 14)), (day(2025, 9, 15), day(2026, 9, 15)));
        assert_eq!(m(day(2026, 9, 15)), (day(2026, 9, 15), day(2027, 9, 15)));
        let c = |today| current_period(EntitlementPeriod::CalendarYear, joined, today);
        assert_eq!(c(day(2026, 12, 31)), (day(2026, 1, 1), day(2027, 1, 1)));
        assert_eq!(c(day(2027, 1, 1)), (day(2027, 1, 1), day(2028, 1, 1)));
    }

    #[test]
    fn uses_count_in_their_period_only() {
        let def = cleaning(EntitlementPeriod::MemberYear);
        let joined = day(2025, 9, 15);
        let uses = [day(2026, 9, 14), day(2026, 9, 15)];
        let s = entitlement_status(&def, Tier::S5, joined, &uses, day(2026, 10, 1));
        assert_eq!((s.allowed, s.used, s.left), (2, 1, 1));
        assert!(check_entitlement(&def, Tier::S5, joined, &uses, day(2026, 10, 1)).is_ok());
        assert_eq!(check_entitlement(&def, Tier::S3, joined, &uses, day(2026, 10, 1)), Err(EntitlementRefusal::UsedUp));
        assert_eq!(
            check_entitlement(&def, Tier::S1, joined, &[], day(2026, 10, 1)).unwrap_err().as_str(),
            "entitlement_used_up"
        );
        let calendar = cleaning(EntitlementPeriod::CalendarYear);
        let s = entitlement_status(&calendar, Tier::S5, joined, &uses, day(2026, 10, 1));
        assert_eq!((s.used, s.left), (2, 0));
        let json = serde_json::to_value(&def).unwrap();
        assert_eq!(json["per_tier"], serde_json::json!({"S3": 1, "S5": 2}));
        assert_eq!(serde_json::from_value::<Entitlement>(json).unwrap(), def);
    }
}
