//! Numbers with rules: whole points and growth value (never negative),
//! signed deltas and balances, amounts paid in the base currency, rates and
//! multipliers, quantities. The currency and [`Moment`](clientele_kernel::Moment)
//! are the kernel's.

use std::fmt;

use clientele_kernel::InvalidValue;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::error::LoyaltyError;

/// The largest number of points or growth value the engine handles in one
/// value (10^15). Far beyond any real member; it keeps every sum in range.
pub const MAX_POINTS: i64 = 1_000_000_000_000_000;

macro_rules! whole_amount {
    ($(#[$meta:meta])* $name:ident, $what:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(try_from = "i64", into = "i64")]
        pub struct $name(i64);

        impl $name {
            /// Nothing.
            pub const ZERO: $name = $name(0);
            /// The largest accepted value ([`MAX_POINTS`]).
            pub const MAX: $name = $name(MAX_POINTS);

            /// Checks `0 ..= MAX` (code `out_of_range`).
            pub fn new(value: i64) -> Result<$name, InvalidValue> {
                if (0..=MAX_POINTS).contains(&value) {
                    Ok($name(value))
                } else {
                    Err(InvalidValue::new(
                        "out_of_range",
                        format!(concat!($what, " must be between 0 and {}"), MAX_POINTS),
                    ))
                }
            }

            /// The number.
            pub const fn get(self) -> i64 {
                self.0
            }

            /// True for zero.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// The sum, or [`LoyaltyError::AmountTooLarge`] beyond `MAX`.
            pub fn checked_add(self, other: $name) -> Result<$name, LoyaltyError> {
                $name::new(self.0 + other.0).map_err(|_| LoyaltyError::AmountTooLarge)
            }

            /// The difference, or `None` if it would be negative.
            pub fn checked_sub(self, other: $name) -> Option<$name> {
                if other.0 <= self.0 { Some($name(self.0 - other.0)) } else { None }
            }

            /// The difference, or zero if it would be negative.
            pub fn saturating_sub(self, other: $name) -> $name {
                $name((self.0 - other.0).max(0))
            }

            /// The value from a wide intermediate result, or
            /// [`LoyaltyError::AmountTooLarge`].
            pub(crate) fn from_wide(value: i128) -> Result<$name, LoyaltyError> {
                i64::try_from(value)
                    .ok()
                    .and_then(|v| $name::new(v).ok())
                    .ok_or(LoyaltyError::AmountTooLarge)
            }
        }

        impl TryFrom<i64> for $name {
            type Error = InvalidValue;

            fn try_from(value: i64) -> Result<$name, InvalidValue> {
                $name::new(value)
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

macro_rules! signed_amount {
    ($(#[$meta:meta])* $name:ident, $unsigned:ident) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(i64);

        impl $name {
            /// No change.
            pub const ZERO: $name = $name(0);

            /// Wraps a signed number.
            pub const fn new(value: i64) -> $name {
                $name(value)
            }

            /// The signed number.
            pub const fn get(self) -> i64 {
                self.0
            }

            /// `+amount`.
            pub const fn credit(amount: $unsigned) -> $name {
                $name(amount.get())
            }

            /// `-amount`.
            pub const fn debit(amount: $unsigned) -> $name {
                $name(-amount.get())
            }

            /// True for zero.
            pub const fn is_zero(self) -> bool {
                self.0 == 0
            }

            /// True below zero.
            pub const fn is_negative(self) -> bool {
                self.0 < 0
            }

            /// The size, without the sign.
            pub fn magnitude(self) -> Result<$unsigned, LoyaltyError> {
                $unsigned::from_wide(i128::from(self.0).abs())
            }
        }

        impl From<$name> for i64 {
            fn from(value: $name) -> i64 {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                if self.0 > 0 { write!(f, "+{}", self.0) } else { self.0.fmt(f) }
            }
        }
    };
}

whole_amount!(
    /// A number of points held, earned, drawn or owed: a whole number,
    /// never negative. A change of a balance is a [`PointsDelta`].
    Points,
    "points"
);
whole_amount!(
    /// Growth value (成长值): a whole number, never negative. It decides the
    /// tier; redeeming points never reduces it.
    GrowthValue,
    "growth value"
);
signed_amount!(
    /// A signed change of a points balance: one ledger entry's points.
    PointsDelta,
    Points
);
signed_amount!(
    /// A signed change of growth value: one ledger entry's growth.
    GrowthDelta,
    GrowthValue
);

/// A points balance: the sum of the ledger's points deltas. Negative only
/// after a return took more than the member had, in a program that lets it
/// ([`crate::ReturnShortfall::NegativeBalance`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PointsBalance(i64);

impl PointsBalance {
    /// Wraps a signed number.
    pub const fn new(value: i64) -> PointsBalance {
        PointsBalance(value)
    }

    /// The signed number.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// True below zero.
    pub const fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for PointsBalance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// An amount actually paid, in the program's base currency: a decimal
/// between 0 and 10^12 with at most 4 decimal places (an amount converted
/// from another currency is rounded to the base currency's minor unit by the
/// converter before it gets here). Serialised as a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "Decimal", into = "Decimal")]
pub struct BaseAmount(Decimal);

impl BaseAmount {
    /// Largest accepted amount.
    pub const MAX: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0); // 10^12
    /// Most decimal places accepted.
    pub const MAX_SCALE: u32 = 4;

    /// Zero.
    pub const ZERO: BaseAmount = BaseAmount(Decimal::ZERO);

    /// Checks `0 ..= 10^12` and at most 4 decimal places (code `out_of_range`
    /// or `invalid_format`). Trailing zeros are dropped (`12.50` → `12.5`).
    pub fn new(amount: Decimal) -> Result<BaseAmount, InvalidValue> {
        let amount = amount.normalize();
        if amount.is_sign_negative() && !amount.is_zero() {
            return Err(InvalidValue::new("out_of_range", "an amount paid must not be negative"));
        }
        if amount > Self::MAX {
            return Err(InvalidValue::new("out_of_range", "an amount paid must be at most 10^12"));
        }
        if amount.scale() > Self::MAX_SCALE {
            return Err(InvalidValue::new(
                "invalid_format",
                "an amount paid has at most 4 decimal places; round converted amounts first",
            ));
        }
        Ok(BaseAmount(amount.abs()))
    }

    /// Parses a decimal string (`"12345.67"`) and checks it.
    pub fn parse(s: &str) -> Result<BaseAmount, InvalidValue> {
        let amount: Decimal =
            s.trim().parse().map_err(|_| InvalidValue::new("invalid_format", "must be a decimal number"))?;
        BaseAmount::new(amount)
    }

    /// The amount.
    pub const fn get(self) -> Decimal {
        self.0
    }

    /// The amount in units of 10^-4 (exact, as every amount has at most 4
    /// decimal places).
    pub(crate) fn in_ten_thousandths(self) -> u128 {
        let mut scaled = self.0;
        scaled.rescale(Self::MAX_SCALE);
        u128::try_from(scaled.mantissa()).unwrap_or(0)
    }
}

impl TryFrom<Decimal> for BaseAmount {
    type Error = InvalidValue;

    fn try_from(value: Decimal) -> Result<BaseAmount, InvalidValue> {
        BaseAmount::new(value)
    }
}

impl From<BaseAmount> for Decimal {
    fn from(value: BaseAmount) -> Decimal {
        value.0
    }
}

impl fmt::Display for BaseAmount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! decimal_rate {
    ($(#[$meta:meta])* $name:ident, $check:expr, $rule:literal) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "Decimal", into = "Decimal")]
        pub struct $name(Decimal);

        impl $name {
            /// Checks the rule (code `out_of_range`).
            pub fn new(value: Decimal) -> Result<$name, InvalidValue> {
                let check: fn(Decimal) -> bool = $check;
                let value = value.normalize();
                if check(value) && value.scale() <= 6 {
                    Ok($name(value))
                } else {
                    Err(InvalidValue::new("out_of_range", concat!($rule, ", with at most 6 decimal places")))
                }
            }

            /// Parses a decimal string (`"1.5"`) and checks it.
            pub fn parse(s: &str) -> Result<$name, InvalidValue> {
                let value: Decimal =
                    s.trim().parse().map_err(|_| InvalidValue::new("invalid_format", "must be a decimal number"))?;
                $name::new(value)
            }

            /// The number.
            pub const fn get(self) -> Decimal {
                self.0
            }
        }

        impl TryFrom<Decimal> for $name {
            type Error = InvalidValue;

            fn try_from(value: Decimal) -> Result<$name, InvalidValue> {
                $name::new(value)
            }
        }

        impl From<$name> for Decimal {
            fn from(value: $name) -> Decimal {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

decimal_rate!(
    /// Points (and growth value) per unit of base currency paid: greater
    /// than 0, at most 1000. The plan's rate is 1 (1 point per 1 CNY).
    EarnRate,
    |d| d > Decimal::ZERO && d <= Decimal::ONE_THOUSAND,
    "an earn rate must be greater than 0 and at most 1000"
);
decimal_rate!(
    /// A tier's points multiplier: between 0 and 100 (1 = no bonus, 1.5 =
    /// half as many points again). It never applies to growth value.
    Multiplier,
    |d| d >= Decimal::ZERO && d <= Decimal::ONE_HUNDRED,
    "a multiplier must be between 0 and 100"
);
decimal_rate!(
    /// A member discount rate: between 0 and 1 (`0.1` = 10 % off).
    DiscountRate,
    |d| d >= Decimal::ZERO && d <= Decimal::ONE,
    "a discount rate must be between 0 and 1"
);

decimal_rate!(
    /// What one point is worth in base currency when redeemed (`0.01` = a
    /// hundred points make one unit): greater than 0, at most 1000.
    PointValue,
    |d| d > Decimal::ZERO && d <= Decimal::ONE_THOUSAND,
    "a value per point must be greater than 0 and at most 1000"
);

impl PointValue {
    /// The value of `points` points: exact (at most 6 decimal places), never
    /// overflowing (at most 10^15 × 1000).
    pub fn of(self, points: Points) -> Result<Decimal, LoyaltyError> {
        Decimal::from(points.get()).checked_mul(self.0).map(|d| d.normalize()).ok_or(LoyaltyError::AmountTooLarge)
    }
}

impl EarnRate {
    /// One point per unit of base currency.
    pub const ONE: EarnRate = EarnRate(Decimal::ONE);
}

impl Multiplier {
    /// No bonus.
    pub const ONE: Multiplier = Multiplier(Decimal::ONE);
}

impl DiscountRate {
    /// No discount.
    pub const NONE: DiscountRate = DiscountRate(Decimal::ZERO);
}

/// How many units of a line were bought or are returned. A line bought at
/// quantity 0 (a free item or a correction the till kept) is paid nothing
/// and earns nothing; returning 0 units takes nothing back (the orders
/// crate refuses such a return before it gets here).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Quantity(u32);

impl Quantity {
    /// One unit.
    pub const ONE: Quantity = Quantity(1);

    /// Any number of units, 0 included.
    pub fn new(value: u32) -> Result<Quantity, InvalidValue> {
        Ok(Quantity(value))
    }

    /// The number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for Quantity {
    type Error = InvalidValue;

    fn try_from(value: u32) -> Result<Quantity, InvalidValue> {
        Quantity::new(value)
    }
}

impl From<Quantity> for u32 {
    fn from(value: Quantity) -> u32 {
        value.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn points_are_whole_and_never_negative() {
        assert!(Points::new(-1).is_err());
        assert!(Points::new(MAX_POINTS + 1).is_err());
        assert_eq!(Points::new(5).unwrap().checked_sub(Points::new(6).unwrap()), None);
        assert_eq!(Points::new(5).unwrap().saturating_sub(Points::new(6).unwrap()), Points::ZERO);
        assert_eq!(Points::MAX.checked_add(Points::new(1).unwrap()), Err(LoyaltyError::AmountTooLarge));
        assert_eq!(serde_json::to_string(&Points::new(7).unwrap()).unwrap(), "7");
        assert!(serde_json::from_str::<Points>("-7").is_err());
        assert!(serde_json::from_str::<GrowthValue>("-1").is_err());
        assert_eq!(PointsDelta::debit(Points::new(3).unwrap()).to_string(), "-3");
        assert_eq!(GrowthDelta::credit(GrowthValue::new(3).unwrap()).to_string(), "+3");
        assert_eq!(PointsDelta::new(-4).magnitude().unwrap(), Points::new(4).unwrap());
    }

    #[test]
    fn amounts_paid() {
        assert_eq!(BaseAmount::parse("12345.670").unwrap().get(), Decimal::from_str("12345.67").unwrap());
        assert_eq!(BaseAmount::MAX, Decimal::from(1_000_000_000_000_i64));
        assert!(BaseAmount::parse("1000000000000").is_ok());
        assert_eq!(BaseAmount::parse("1000000000000.01").unwrap_err().code, "out_of_range");
        assert_eq!(BaseAmount::parse("-0.01").unwrap_err().code, "out_of_range");
        assert_eq!(BaseAmount::parse("1.23456").unwrap_err().code, "invalid_format");
        assert_eq!(BaseAmount::parse("-0").unwrap(), BaseAmount::ZERO);
        assert_eq!(BaseAmount::parse("12.5").unwrap().in_ten_thousandths(), 125_000);
        assert_eq!(serde_json::to_string(&BaseAmount::parse("12.50").unwrap()).unwrap(), "\"12.5\"");
        assert!(serde_json::from_str::<BaseAmount>("\"-1\"").is_err());
    }

    #[test]
    fn rates() {
        assert!(EarnRate::parse("0").is_err());
        assert!(EarnRate::parse("0.5").is_ok());
        assert!(Multiplier::parse("0").is_ok());
        assert!(Multiplier::parse("-0.1").is_err());
        assert!(DiscountRate::parse("1").is_ok());
        assert!(DiscountRate::parse("1.01").is_err());
        assert!(Multiplier::parse("1.0000001").is_err());
        assert_eq!(serde_json::to_string(&Multiplier::parse("1.50").unwrap()).unwrap(), "\"1.5\"");
    }

    #[test]
    fn quantities() {
        assert_eq!(Quantity::new(0).unwrap().get(), 0);
        assert_eq!(serde_json::from_str::<Quantity>("0").unwrap().get(), 0);
        assert!(serde_json::from_str::<Quantity>("-1").is_err());
    }
}
