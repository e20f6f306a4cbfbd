//! A loyalty program's configuration as data: [`ProgramConfig`], with the
//! plan's defaults in [`ProgramConfig::default_plan`]. Every part is a
//! validated type, so a configuration that deserialises is a valid one.

use chrono::{Datelike, Days, Months, NaiveDate};
use clientele_kernel::{Currency, InvalidValue, keyword_enum};
use serde::{Deserialize, Serialize};

use crate::error::LoyaltyError;
use crate::tier::{Tier, TierBenefits, TierTable};
use crate::values::{EarnRate, GrowthValue, PointValue};

/// A number of months between 1 and 1200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct MonthCount(u32);

impl MonthCount {
    /// Checks `1 ..= 1200` (code `out_of_range`).
    pub fn new(months: u32) -> Result<MonthCount, InvalidValue> {
        if (1..=1200).contains(&months) {
            Ok(MonthCount(months))
        } else {
            Err(InvalidValue::new("out_of_range", "a number of months must be between 1 and 1200"))
        }
    }

    /// The number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for MonthCount {
    type Error = InvalidValue;

    fn try_from(months: u32) -> Result<MonthCount, InvalidValue> {
        MonthCount::new(months)
    }
}

impl From<MonthCount> for u32 {
    fn from(months: MonthCount) -> u32 {
        months.0
    }
}

/// When points expire. A lot's expiry date is the last day its points can
/// be used; they expire at the end of that day (in the program's time zone),
/// so the sweep on the next day removes them.
///
/// JSON: `{"policy": "never"}`, `{"policy": "months_after_earning",
/// "months": 24}`, `{"policy": "end_of_year_after_next"}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExpiryPolicy {
    /// Points never expire.
    Never,
    /// Points expire at the end of the day `months` months after the earning
    /// date; a day that the target month lacks is clamped to its last day
    /// (earned 2026-01-31, 1 month → 2026-02-28; earned 2024-02-29, 12 months
    /// → 2025-02-28).
    MonthsAfterEarning {
        /// How many months.
        months: MonthCount,
    },
    /// Points expire at the end of the year after next (SPEC §4): December
    /// 31 of the earning year + 2 (earned any day of 2026, from January 1 to
    /// December 31 → last usable day 2028-12-31). So points live between 24
    /// and 36 months, and every lot of a year expires on the same day.
    EndOfYearAfterNext,
}

impl ExpiryPolicy {
    /// `MonthsAfterEarning` with a checked number of months.
    pub fn months_after_earning(months: u32) -> Result<ExpiryPolicy, InvalidValue> {
        Ok(ExpiryPolicy::MonthsAfterEarning { months: MonthCount::new(months)? })
    }

    /// The last day points earned on `earned_on` can be used; `None` for
    /// never. Never before `earned_on`.
    pub fn expires_on(self, earned_on: NaiveDate) -> Option<NaiveDate> {
        match self {
            ExpiryPolicy::Never => None,
            ExpiryPolicy::MonthsAfterEarning { months } => {
                Some(earned_on.checked_add_months(Months::new(months.get())).unwrap_or(NaiveDate::MAX))
            }
            ExpiryPolicy::EndOfYearAfterNext => {
                Some(NaiveDate::from_ymd_opt(earned_on.year() + 2, 12, 31).unwrap_or(NaiveDate::MAX))
            }
        }
    }
}

/// A range of days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct DateRange {
    /// The first day.
    pub first: NaiveDate,
    /// The last day.
    pub last: NaiveDate,
}

impl DateRange {
    /// True for a day from `first` to `last`.
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.first <= date && date <= self.last
    }
}

/// A re-qualification window: the tier is decided by the growth value
/// earned in the last `months` months, reviewed once a year on
/// `review_month`/`review_day`. Between reviews upgrades still apply at
/// once; downgrades wait for the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "RequalificationParts", into = "RequalificationParts")]
pub struct RequalificationWindow {
    months: MonthCount,
    review_month: u32,
    review_day: u32,
}

/// The serialised form of a [`RequalificationWindow`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequalificationParts {
    /// How many months of growth count.
    pub months: MonthCount,
    /// The month of the yearly review (1..=12).
    pub review_month: u32,
    /// The day of the yearly review (a day every year has: not February 29).
    pub review_day: u32,
}

impl RequalificationWindow {
    /// Checks that the review day exists in every year (code `invalid_date`).
    pub fn new(months: MonthCount, review_month: u32, review_day: u32) -> Result<RequalificationWindow, InvalidValue> {
        // 2025 is not a leap year: a day that exists in it exists every year.
        if NaiveDate::from_ymd_opt(2025, review_month, review_day).is_none() {
            return Err(InvalidValue::new("invalid_date", "the review date must be a day every year has"));
        }
        Ok(RequalificationWindow { months, review_month, review_day })
    }

    /// How many months of growth count.
    pub fn months(&self) -> MonthCount {
        self.months
    }

    /// True on the yearly review date.
    pub fn is_review_date(&self, date: NaiveDate) -> bool {
        date.month() == self.review_month && date.day() == self.review_day
    }

    /// The first review date on or after `date`.
    pub fn next_review_on_or_after(&self, date: NaiveDate) -> NaiveDate {
        let this_year = NaiveDate::from_ymd_opt(date.year(), self.review_month, self.review_day);
        match this_year {
            Some(review) if review >= date => review,
            _ => NaiveDate::from_ymd_opt(date.year() + 1, self.review_month, self.review_day).unwrap_or(NaiveDate::MAX),
        }
    }

    /// The days whose growth decides the tier at a review on `date`: the
    /// `months` months before it, the review day excluded (a review on
    /// 2027-01-01 with 12 months counts 2026-01-01 ..= 2026-12-31).
    pub fn review_window(&self, date: NaiveDate) -> DateRange {
        let first = date.checked_sub_months(Months::new(self.months.get())).unwrap_or(NaiveDate::MIN);
        DateRange { first, last: date.pred_opt().unwrap_or(date) }
    }

    /// The days whose growth counts for an upgrade on `date`: the `months`
    /// months ending with `date` (12 months on 2026-05-10 count
    /// 2025-05-11 ..= 2026-05-10).
    pub fn upgrade_window(&self, date: NaiveDate) -> DateRange {
        let next = date.checked_add_days(Days::new(1)).unwrap_or(date);
        let first = next.checked_sub_months(Months::new(self.months.get())).unwrap_or(NaiveDate::MIN);
        DateRange { first, last: date }
    }
}

impl TryFrom<RequalificationParts> for RequalificationWindow {
    type Error = InvalidValue;

    fn try_from(parts: RequalificationParts) -> Result<RequalificationWindow, InvalidValue> {
        RequalificationWindow::new(parts.months, parts.review_month, parts.review_day)
    }
}

impl From<RequalificationWindow> for RequalificationParts {
    fn from(window: RequalificationWindow) -> RequalificationParts {
        RequalificationParts { months: window.months, review_month: window.review_month, review_day: window.review_day }
    }
}

keyword_enum! {
    /// What a return does when the member no longer has the points the
    /// returned lines earned (they were redeemed or expired): the
    /// return-after-redemption policy. Stored programmes without it read as
    /// the default, [`ReturnShortfall::NegativeBalance`]; the names of
    /// earlier versions (`record`, `allow_negative_balance`) are still read.
    #[derive(Default)]
    pub enum ReturnShortfall {
        /// Take what is there; the balance stops at zero and the shortfall
        /// is recorded on the return's ledger entry (`points_not_taken`).
        /// The member keeps what they redeemed.
        CapAtZero => "cap_at_zero" | "record",
        /// Take it all: the balance goes negative by the shortfall (points
        /// owed), through this return only. The next points that come in
        /// (orders, activities, manual credits, released holds) repay the
        /// debt first, and no redemption is accepted while any is owed. The
        /// plan's default.
        #[default]
        NegativeBalance => "negative_balance" | "allow_negative_balance",
        /// Take what is there (the balance stops at zero) and report the
        /// shortfall in the return's answer — in points, and in money at
        /// [`ProgramConfig::redemption_value_per_point`] if the programme
        /// sets one — for the POS to deduct from the refund. Recorded on the
        /// ledger entry as `points_not_taken`.
        DeductFromRefund => "deduct_from_refund",
    }
}

/// A loyalty program's rules. All parts are validated types; JSON refuses
/// unknown fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProgramConfig {
    base_currency: Currency,
    earn_rate: EarnRate,
    tiers: TierTable,
    expiry: ExpiryPolicy,
    #[serde(default)]
    requalification: Option<RequalificationWindow>,
    #[serde(default)]
    return_shortfall: ReturnShortfall,
    /// Bounds on one order and one grant; the defaults when left out.
    #[serde(default)]
    limits: crate::limits::ProgramLimits,
    #[serde(default)]
    redemption_value_per_point: Option<PointValue>,
}

impl ProgramConfig {
    /// The plan's defaults: base currency CNY; 1 point and 1 growth value per
    /// 1 CNY actually paid, rounded down; tiers S1–S6 at 0, 8,001, 80,001,
    /// 180,001, 580,001, 980,001 ("level 1" … "level 6", multiplier 1, no
    /// discount); points expire at the end of the year after next
    /// ([`ExpiryPolicy::EndOfYearAfterNext`]: earned in 2026, usable through
    /// 2028-12-31); cumulative growth
    /// value (no re-qualification window); a return of redeemed points
    /// makes the balance negative until later earnings repay it
    /// ([`ReturnShortfall::NegativeBalance`]); no money value per point.
    pub fn default_plan() -> ProgramConfig {
        ProgramConfig {
            base_currency: Currency::cny(),
            earn_rate: EarnRate::ONE,
            tiers: TierTable::plan_default(),
            expiry: ExpiryPolicy::EndOfYearAfterNext,
            requalification: None,
            return_shortfall: ReturnShortfall::NegativeBalance,
            redemption_value_per_point: None,
            limits: crate::limits::ProgramLimits::default(),
        }
    }

    /// The same program in another base currency.
    pub fn with_base_currency(self, base_currency: Currency) -> ProgramConfig {
        ProgramConfig { base_currency, ..self }
    }

    /// The same program with other limits.
    pub fn with_limits(self, limits: crate::limits::ProgramLimits) -> ProgramConfig {
        ProgramConfig { limits, ..self }
    }

    /// Bounds on one order and one points grant.
    pub fn limits(&self) -> &crate::limits::ProgramLimits {
        &self.limits
    }

    /// The same program with another earn rate.
    pub fn with_earn_rate(self, earn_rate: EarnRate) -> ProgramConfig {
        ProgramConfig { earn_rate, ..self }
    }

    /// The same program with another tier table.
    pub fn with_tiers(self, tiers: TierTable) -> ProgramConfig {
        ProgramConfig { tiers, ..self }
    }

    /// The same program with another expiry policy.
    pub fn with_expiry(self, expiry: ExpiryPolicy) -> ProgramConfig {
        ProgramConfig { expiry, ..self }
    }

    /// The same program with (or without) a re-qualification window.
    pub fn with_requalification(self, requalification: Option<RequalificationWindow>) -> ProgramConfig {
        ProgramConfig { requalification, ..self }
    }

    /// The same program with another rule for a return's shortfall.
    pub fn with_return_shortfall(self, return_shortfall: ReturnShortfall) -> ProgramConfig {
        ProgramConfig { return_shortfall, ..self }
    }

    /// The same program with (or without) a money value per point.
    pub fn with_redemption_value_per_point(self, redemption_value_per_point: Option<PointValue>) -> ProgramConfig {
        ProgramConfig { redemption_value_per_point, ..self }
    }

    /// Checks that `new` may replace this programme. The base currency is
    /// fixed once orders exist (`orders_exist`): they are stored, and their
    /// points and the segments' sums computed, in it, so switching would mix
    /// currencies (code `base_currency_locked`). Everything else may change.
    pub fn check_replacement(&self, new: &ProgramConfig, orders_exist: bool) -> Result<(), LoyaltyError> {
        if orders_exist && new.base_currency != self.base_currency {
            return Err(LoyaltyError::BaseCurrencyLocked {
                current: self.base_currency.clone(),
                requested: new.base_currency.clone(),
            });
        }
        Ok(())
    }

    /// The currency amounts are earned on.
    pub fn base_currency(&self) -> &Currency {
        &self.base_currency
    }

    /// Points and growth value per unit of base currency paid.
    pub fn earn_rate(&self) -> EarnRate {
        self.earn_rate
    }

    /// The tier table.
    pub fn tiers(&self) -> &TierTable {
        &self.tiers
    }

    /// A tier's benefits.
    pub fn benefits(&self, tier: Tier) -> &TierBenefits {
        &self.tiers.rule(tier).benefits
    }

    /// The tier a growth value reaches.
    pub fn tier_for_growth(&self, growth: GrowthValue) -> Tier {
        self.tiers.tier_for_growth(growth)
    }

    /// The expiry policy.
    pub fn expiry(&self) -> ExpiryPolicy {
        self.expiry
    }

    /// The re-qualification window, if the program has one.
    pub fn requalification(&self) -> Option<&RequalificationWindow> {
        self.requalification.as_ref()
    }

    /// What a return does with a shortfall.
    pub fn return_shortfall(&self) -> ReturnShortfall {
        self.return_shortfall
    }

    /// What one point is worth in base currency when redeemed, if the
    /// programme says (used to value a shortfall deducted from a refund).
    pub fn redemption_value_per_point(&self) -> Option<PointValue> {
        self.redemption_value_per_point
    }

    /// The days whose growth counts for an upgrade on `date`: `None` when
    /// growth is cumulative (all of it counts).
    pub fn upgrade_window(&self, date: NaiveDate) -> Option<DateRange> {
        self.requalification.map(|window| window.upgrade_window(date))
    }

    /// The days whose growth decides a review on `date`: `None` when growth
    /// is cumulative.
    pub fn review_window(&self, date: NaiveDate) -> Option<DateRange> {
        self.requalification.map(|window| window.review_window(date))
    }
}

impl Default for ProgramConfig {
    fn default() -> ProgramConfig {
        ProgramConfig::default_plan()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn months_after_earning_clamps_to_month_ends() {
        let one = ExpiryPolicy::months_after_earning(1).unwrap();
        assert_eq!(one.expires_on(day(2026, 1, 31)), Some(day(2026, 2, 28)));
        assert_eq!(one.expires_on(day(2028, 1, 31)), Some(day(2028, 2, 29)));
        assert_eq!(one.expires_on(day(2026, 3, 31)), Some(day(2026, 4, 30)));
        assert_eq!(one.expires_on(day(2026, 12, 15)), Some(day(2027, 1, 15)));
        let year = ExpiryPolicy::months_after_earning(12).unwrap();
        assert_eq!(year.expires_on(day(2024, 2, 29)), Some(day(2025, 2, 28)));
        let four_years = ExpiryPolicy::months_after_earning(48).unwrap();
        assert_eq!(four_years.expires_on(day(2024, 2, 29)), Some(day(2028, 2, 29)));
        assert_eq!(
            ExpiryPolicy::months_after_earning(24).unwrap().expires_on(day(2026, 8, 31)),
            Some(day(2028, 8, 31))
        );
        assert!(ExpiryPolicy::months_after_earning(0).is_err());
    }

    #[test]
    fn end_of_year_after_next_is_december_31_two_years_on() {
        let policy = ExpiryPolicy::EndOfYearAfterNext;
        assert_eq!(policy.expires_on(day(2026, 1, 1)), Some(day(2028, 12, 31)));
        assert_eq!(policy.expires_on(day(2026, 12, 31)), Some(day(2028, 12, 31)));
        assert_eq!(policy.expires_on(day(2024, 2, 29)), Some(day(2026, 12, 31)));
        assert_eq!(ExpiryPolicy::Never.expires_on(day(2026, 1, 1)), None);
    }

    #[test]
    fn requalification_windows() {
        let window = RequalificationWindow::new(MonthCount::new(12).unwrap(), 1, 1).unwrap();
        assert!(window.is_review_date(day(2027, 1, 1)));
        assert!(!window.is_review_date(day(2027, 1, 2)));
        assert_eq!(
            window.review_window(day(2027, 1, 1)),
            DateRange { first: day(2026, 1, 1), last: day(2026, 12, 31) }
        );
        assert_eq!(
            window.upgrade_window(day(2026, 5, 10)),
            DateRange { first: day(2025, 5, 11), last: day(2026, 5, 10) }
        );
        assert_eq!(window.next_review_on_or_after(day(2026, 1, 1)), day(2026, 1, 1));
        assert_eq!(window.next_review_on_or_after(day(2026, 1, 2)), day(2027, 1, 1));
        assert_eq!(RequalificationWindow::new(MonthCount::new(12).unwrap(), 2, 29).unwrap_err().code, "invalid_date");
    }

    #[test]
    fn default_plan_round_trips_and_reads_as_documented() {
        let plan = ProgramConfig::default_plan();
        let json = serde_json::to_value(&plan).unwrap();
        assert_eq!(json["base_currency"], "CNY");
        assert_eq!(json["earn_rate"], "1");
        assert_eq!(json["expiry"], serde_json::json!({"policy": "end_of_year_after_next"}));
        assert_eq!(json["return_shortfall"], "negative_balance");
        assert_eq!(json["redemption_value_per_point"], serde_json::Value::Null);
        assert_eq!(json["requalification"], serde_json::Value::Null);
        assert_eq!(json["tiers"][1]["tier"], "S2");
        assert_eq!(json["tiers"][1]["min_growth"], 8001);
        assert_eq!(json["tiers"][5]["name"], "level 6");
        assert_eq!(serde_json::from_value::<ProgramConfig>(json).unwrap(), plan);
    }

    #[test]
    fn a_stored_programme_without_the_policy_reads_as_negative_balance_and_old_names_still_read() {
        let mut json = serde_json::to_value(ProgramConfig::default_plan()).unwrap();
        let object = json.as_object_mut().unwrap();
        object.remove("return_shortfall");
        object.remove("redemption_value_per_point");
        let read: ProgramConfig = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(read.return_shortfall(), ReturnShortfall::NegativeBalance);
        assert_eq!(read.redemption_value_per_point(), None);
        for (stored, policy) in [
            ("record", ReturnShortfall::CapAtZero),
            ("allow_negative_balance", ReturnShortfall::NegativeBalance),
            ("cap_at_zero", ReturnShortfall::CapAtZero),
            ("negative_balance", ReturnShortfall::NegativeBalance),
            ("deduct_from_refund", ReturnShortfall::DeductFromRefund),
        ] {
            json["return_shortfall"] = stored.into();
            let read: ProgramConfig = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(read.return_shortfall(), policy);
            // Written back under its current name only.
            assert_eq!(serde_json::to_value(&read).unwrap()["return_shortfall"], policy.as_str());
            assert_eq!(stored.parse::<ReturnShortfall>().unwrap(), policy);
        }
        json["return_shortfall"] = "forgive".into();
        assert!(serde_json::from_value::<ProgramConfig>(json.clone()).is_err());
        json["return_shortfall"] = "deduct_from_refund".into();
        json["redemption_value_per_point"] = "0.05".into();
        let read: ProgramConfig = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(read.redemption_value_per_point().unwrap().get().to_string(), "0.05");
        json["redemption_value_per_point"] = "0".into();
        assert!(serde_json::from_value::<ProgramConfig>(json).is_err());
    }

    #[test]
    fn the_base_currency_is_fixed_once_orders_exist() {
        let plan = ProgramConfig::default_plan();
        let usd = plan.clone().with_base_currency(Currency::parse("USD").unwrap());
        assert_eq!(plan.check_replacement(&usd, false), Ok(()));
        let refused = plan.check_replacement(&usd, true).unwrap_err();
        assert_eq!(refused.code(), "base_currency_locked");
        assert!(refused.to_string().contains("fixed once orders exist"), "{refused}");
        // Any other change is allowed with orders.
        let other = plan.clone().with_return_shortfall(ReturnShortfall::CapAtZero);
        assert_eq!(plan.check_replacement(&other, true), Ok(()));
    }
}
