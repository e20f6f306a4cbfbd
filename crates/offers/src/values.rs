//! Values with rules: an [`Amount`] of money in the order's currency (to the
//! cent), a [`Percent`], a [`Sku`], a [`PointsMultiplier`], and the validity
//! [`Window`] every offer has.
//!
//! Amounts are `rust_decimal::Decimal`, never floats, with at most two
//! decimal places: the engine counts in cents. A currency without cents (JPY)
//! simply has whole amounts; one with three decimals (KWD) is not supported
//! by this crate (its amounts would be refused with `invalid_format`).

use std::fmt;

use chrono::{DateTime, Utc};
use clientele_kernel::{InvalidValue, slug_newtype};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};

slug_newtype!(
    /// A stock-keeping unit, as the brand's catalogue spells it (compared
    /// exactly, case included): 1..=64 characters, no spaces.
    Sku, 64, "the SKU"
);

/// An amount of money in the order's currency: between 0 and 10^12, with at
/// most two decimal places (cents). Always held with exactly two decimals,
/// so it serialises as `"1800.00"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Amount(Decimal);

impl Amount {
    /// Zero.
    pub const ZERO: Amount = Amount(Decimal::from_parts(0, 0, 0, false, 2));
    /// Largest accepted amount, in cents (10^14 cents = 10^12).
    pub const MAX_CENTS: i128 = 100_000_000_000_000;

    /// Checks `0 ..= 10^12` (code `out_of_range`) and at most two decimal
    /// places (code `invalid_format`): an amount is never rounded silently.
    pub fn new(amount: Decimal) -> Result<Amount, InvalidValue> {
        let normal = amount.normalize();
        if normal.is_sign_negative() && !normal.is_zero() {
            return Err(InvalidValue::new("out_of_range", "an amount must not be negative"));
        }
        if normal.scale() > 2 {
            return Err(InvalidValue::new("invalid_format", "an amount has at most two decimal places (cents)"));
        }
        let cents = (normal.abs() * Decimal::ONE_HUNDRED).to_i128().unwrap_or(i128::MAX);
        if cents > Self::MAX_CENTS {
            return Err(InvalidValue::new("out_of_range", "an amount must be at most 10^12"));
        }
        Ok(Amount::from_cents(cents))
    }

    /// Parses a decimal string (`"12000.00"`) and checks it.
    pub fn parse(s: &str) -> Result<Amount, InvalidValue> {
        let amount: Decimal =
            s.trim().parse().map_err(|_| InvalidValue::new("invalid_format", "must be a decimal number"))?;
        Amount::new(amount)
    }

    /// The amount, with two decimal places.
    pub const fn get(self) -> Decimal {
        self.0
    }

    /// True for zero.
    pub fn is_zero(self) -> bool {
        self.0.is_zero()
    }

    /// The amount in cents (exact).
    pub fn cents(self) -> i128 {
        self.0.mantissa()
    }

    /// The amount of `cents` cents. Callers keep `cents` within
    /// `0 ..= MAX_CENTS` (every sum of an offer's parts is); anything
    /// outside is clamped into range.
    pub(crate) fn from_cents(cents: i128) -> Amount {
        let cents = cents.clamp(0, Self::MAX_CENTS);
        Amount(Decimal::from_i128_with_scale(cents, 2))
    }
}

impl TryFrom<Decimal> for Amount {
    type Error = InvalidValue;

    fn try_from(value: Decimal) -> Result<Amount, InvalidValue> {
        Amount::new(value)
    }
}

impl From<Amount> for Decimal {
    fn from(value: Amount) -> Decimal {
        value.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A percentage between 0 and 100 with at most two decimal places
/// (`12.5` = 12.5 %). A coupon's percent must also be above 0; a discount
/// ceiling may be 0 (no discount at all on a line).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct Percent(Decimal);

impl Percent {
    /// 100 %.
    pub const HUNDRED: Percent = Percent(Decimal::ONE_HUNDRED);
    /// 20 %.
    pub const TWENTY: Percent = Percent(Decimal::from_parts(20, 0, 0, false, 0));

    /// Checks `0 ..= 100` and at most two decimal places (code
    /// `out_of_range`).
    pub fn new(value: Decimal) -> Result<Percent, InvalidValue> {
        let value = value.normalize();
        if value >= Decimal::ZERO && value <= Decimal::ONE_HUNDRED && value.scale() <= 2 {
            Ok(Percent(value.abs()))
        } else {
            Err(InvalidValue::new("out_of_range", "a percentage is between 0 and 100, with at most two decimals"))
        }
    }

    /// Parses a decimal string (`"15"`) and checks it.
    pub fn parse(s: &str) -> Result<Percent, InvalidValue> {
        let value: Decimal =
            s.trim().parse().map_err(|_| InvalidValue::new("invalid_format", "must be a decimal number"))?;
        Percent::new(value)
    }

    /// The number (15 for 15 %).
    pub const fn get(self) -> Decimal {
        self.0
    }

    /// In hundredths of a percent (basis points): 15 % is 1,500, 100 % is
    /// 10,000. Exact, as a percent has at most two decimals.
    pub fn basis_points(self) -> i128 {
        (self.0 * Decimal::ONE_HUNDRED).to_i128().unwrap_or(0)
    }

    /// This percent of `cents`, rounded **down** to the cent: never more
    /// than the percent. Used for the discount ceiling of a line.
    pub fn of_cents_floor(self, cents: i128) -> i128 {
        cents * self.basis_points() / 10_000
    }

    /// This percent of `cents`, rounded to the **nearest** cent, an exact
    /// half cent rounded **down** (toward zero): at most half a cent from
    /// the exact figure and never above it at a tie. Used for a percent
    /// coupon's total.
    pub fn of_cents_half_down(self, cents: i128) -> i128 {
        let product = cents * self.basis_points();
        let (whole, rest) = (product / 10_000, product % 10_000);
        if rest * 2 > 10_000 { whole + 1 } else { whole }
    }
}

impl TryFrom<Decimal> for Percent {
    type Error = InvalidValue;

    fn try_from(value: Decimal) -> Result<Percent, InvalidValue> {
        Percent::new(value)
    }
}

impl From<Percent> for Decimal {
    fn from(value: Percent) -> Decimal {
        value.0
    }
}

impl fmt::Display for Percent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.0)
    }
}

/// A points multiplier of a points offer: above 1 and at most 10, with at
/// most two decimal places (`2` = double points, `1.5` = half as many again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct PointsMultiplier(Decimal);

impl PointsMultiplier {
    /// Checks `1 < m <= 10` and at most two decimals (code `out_of_range`).
    pub fn new(value: Decimal) -> Result<PointsMultiplier, InvalidValue> {
        let value = value.normalize();
        if value > Decimal::ONE && value <= Decimal::TEN && value.scale() <= 2 {
            Ok(PointsMultiplier(value))
        } else {
            Err(InvalidValue::new("out_of_range", "a multiplier is above 1 and at most 10, with at most two decimals"))
        }
    }

    /// The number.
    pub const fn get(self) -> Decimal {
        self.0
    }

    /// What the multiplier adds on top of the base points, in hundredths:
    /// 2× adds 100, 1.5× adds 50.
    pub(crate) fn extra_hundredths(self) -> i128 {
        ((self.0 - Decimal::ONE) * Decimal::ONE_HUNDRED).to_i128().unwrap_or(0)
    }
}

impl TryFrom<Decimal> for PointsMultiplier {
    type Error = InvalidValue;

    fn try_from(value: Decimal) -> Result<PointsMultiplier, InvalidValue> {
        PointsMultiplier::new(value)
    }
}

impl From<PointsMultiplier> for Decimal {
    fn from(value: PointsMultiplier) -> Decimal {
        value.0
    }
}

/// Where an instant stands against a validity window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WindowPhase {
    /// Before `valid_from`.
    NotYet,
    /// Within `[valid_from, valid_to)`.
    Open,
    /// At or after `valid_to`.
    Over,
}

/// A validity window `[valid_from, valid_to)`: an offer is valid from the
/// first instant, included, to the second, excluded. `valid_from` is before
/// `valid_to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "WindowParts", into = "WindowParts")]
pub struct Window {
    valid_from: DateTime<Utc>,
    valid_to: DateTime<Utc>,
}

/// The serialised form of a [`Window`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParts {
    /// First valid instant.
    pub valid_from: DateTime<Utc>,
    /// First instant no longer valid.
    pub valid_to: DateTime<Utc>,
}

impl Window {
    /// Checks that `valid_from < valid_to` (code `out_of_range`, about
    /// `valid_to`).
    pub fn new(valid_from: DateTime<Utc>, valid_to: DateTime<Utc>) -> Result<Window, InvalidValue> {
        if valid_from < valid_to {
            Ok(Window { valid_from, valid_to })
        } else {
            Err(InvalidValue::new("out_of_range", "valid_to must be after valid_from"))
        }
    }

    /// First valid instant.
    pub const fn valid_from(&self) -> DateTime<Utc> {
        self.valid_from
    }

    /// First instant no longer valid.
    pub const fn valid_to(&self) -> DateTime<Utc> {
        self.valid_to
    }

    /// Where `at` stands.
    pub fn phase(&self, at: DateTime<Utc>) -> WindowPhase {
        if at < self.valid_from {
            WindowPhase::NotYet
        } else if at < self.valid_to {
            WindowPhase::Open
        } else {
            WindowPhase::Over
        }
    }

    /// True within `[valid_from, valid_to)`.
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.phase(at) == WindowPhase::Open
    }
}

impl TryFrom<WindowParts> for Window {
    type Error = InvalidValue;

    fn try_from(parts: WindowParts) -> Result<Window, InvalidValue> {
        Window::new(parts.valid_from, parts.valid_to)
    }
}

impl From<Window> for WindowParts {
    fn from(window: Window) -> WindowParts {
        WindowParts { valid_from: window.valid_from, valid_to: window.valid_to }
    }
}

/// Checks for the validating constructors of definitions: each records a
/// refusal under its field and returns `None`.
pub(crate) mod check {
    use chrono::{DateTime, Utc};
    use clientele_kernel::{FieldErrors, InvalidValue};
    use rust_decimal::Decimal;

    use super::{Amount, Window};

    /// An amount of 0 or more.
    pub(crate) fn amount(errors: &mut FieldErrors, field: &str, value: Decimal) -> Option<Amount> {
        errors.check(field, Amount::new(value))
    }

    /// An amount above 0.
    pub(crate) fn positive_amount(errors: &mut FieldErrors, field: &str, value: Decimal) -> Option<Amount> {
        let amount = amount(errors, field, value)?;
        if amount.is_zero() {
            errors.push(field, InvalidValue::new("out_of_range", "must be above 0"));
            return None;
        }
        Some(amount)
    }

    /// A count of at least 1.
    pub(crate) fn at_least_one(errors: &mut FieldErrors, field: &str, value: u32) -> Option<u32> {
        if value == 0 {
            errors.push(field, InvalidValue::new("out_of_range", "must be at least 1"));
            return None;
        }
        Some(value)
    }

    /// A window, refused under `valid_to`.
    pub(crate) fn window(errors: &mut FieldErrors, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Window> {
        errors.check("valid_to", Window::new(from, to))
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn amounts_are_cents_and_never_rounded_silently() {
        assert_eq!(Amount::parse("12000").unwrap().get().to_string(), "12000.00");
        assert_eq!(Amount::parse("0.5").unwrap().cents(), 50);
        assert_eq!(Amount::parse("1.230").unwrap().cents(), 123);
        assert_eq!(Amount::parse("1.234").unwrap_err().code, "invalid_format");
        assert_eq!(Amount::parse("-0.01").unwrap_err().code, "out_of_range");
        assert!(Amount::parse("-0").unwrap().is_zero());
        assert!(Amount::parse("1000000000000").is_ok());
        assert_eq!(Amount::parse("1000000000000.01").unwrap_err().code, "out_of_range");
        assert_eq!(Amount::parse("x").unwrap_err().code, "invalid_format");
        assert_eq!(serde_json::to_string(&Amount::parse("1800").unwrap()).unwrap(), "\"1800.00\"");
        assert!(serde_json::from_str::<Amount>("\"-1\"").is_err());
        assert_eq!(Amount::ZERO.to_string(), "0.00");
    }

    #[test]
    fn percentages_round_as_documented() {
        let fifteen = Percent::parse("15").unwrap();
        assert_eq!(fifteen.basis_points(), 1_500);
        assert_eq!(Percent::parse("12.5").unwrap().basis_points(), 1_250);
        assert!(Percent::parse("100.01").is_err() && Percent::parse("-1").is_err() && Percent::parse("1.234").is_err());
        assert_eq!(Percent::parse("0").unwrap().basis_points(), 0);
        // 15 % of 0.10 is 0.015: half a cent, rounded down; of 0.11 is 0.0165.
        assert_eq!(fifteen.of_cents_half_down(10), 1);
        assert_eq!(fifteen.of_cents_half_down(11), 2);
        assert_eq!(fifteen.of_cents_floor(11), 1);
        assert_eq!(Percent::HUNDRED.of_cents_floor(12_345), 12_345);
        assert_eq!(Percent::HUNDRED.of_cents_half_down(12_345), 12_345);
    }

    #[test]
    fn multipliers_and_windows() {
        assert_eq!(PointsMultiplier::new(d("1.5")).unwrap().extra_hundredths(), 50);
        assert_eq!(PointsMultiplier::new(d("2")).unwrap().extra_hundredths(), 100);
        assert!(PointsMultiplier::new(d("1")).is_err() && PointsMultiplier::new(d("10.5")).is_err());
        let from = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
        let to = Utc.with_ymd_and_hms(2026, 7, 1, 0, 0, 0).unwrap();
        let w = Window::new(from, to).unwrap();
        assert_eq!(w.phase(from - chrono::Duration::seconds(1)), WindowPhase::NotYet);
        assert_eq!(w.phase(from), WindowPhase::Open);
        assert_eq!(w.phase(to), WindowPhase::Over);
        assert!(Window::new(to, from).is_err() && Window::new(from, from).is_err());
        let json = serde_json::to_value(w).unwrap();
        assert_eq!(serde_json::from_value::<Window>(json).unwrap(), w);
    }
}
