//! [`ProgramLimits`]: the bounds a brand sets on what one order or one grant
//! may carry. A luxury house's real orders never reach them; a typo does (a
//! price with three zeros too many, a quantity of a million, 10^12 points).

use chrono::NaiveDate;
use clientele_kernel::InvalidValue;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The largest amount any limit may be set to: the most an order line can
/// earn on ([`crate::BaseAmount::MAX`], 10^12).
const AMOUNT_CEILING: Decimal = crate::values::BaseAmount::MAX;
/// The largest quantity limit (the orders crate's own ceiling).
const QUANTITY_CEILING: u32 = 1_000_000;
/// The most minutes ahead an order may be dated: a week.
const MINUTES_AHEAD_CEILING: u32 = 7 * 24 * 60;
/// The largest points limit.
const POINTS_CEILING: i64 = 1_000_000_000_000;

/// Bounds on one order (amounts in the base currency) and one points grant.
/// JSON: every field optional, the default taken for a missing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "LimitsParts", into = "LimitsParts")]
pub struct ProgramLimits {
    max_quantity_per_line: u32,
    max_line_amount: Decimal,
    max_order_amount: Decimal,
    max_points_per_grant: i64,
    earliest_order_date: NaiveDate,
    max_minutes_ahead: u32,
}

/// The serialised form of [`ProgramLimits`].
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsParts {
    /// Most units of one order line (default 10,000; at most 1,000,000).
    pub max_quantity_per_line: u32,
    /// Most one line may cost, `quantity × unit_price − discount`, in the
    /// base currency (default 100,000,000).
    pub max_line_amount: Decimal,
    /// Most one order may have been paid, in the base currency (default 1,000,000,000).
    pub max_order_amount: Decimal,
    /// Most points one activity grant or manual adjustment may give or take
    /// (default 10,000,000).
    pub max_points_per_grant: i64,
    /// Orders placed before this day are refused (default 2000-01-01): the
    /// programme's start, or the oldest history the brand imports.
    pub earliest_order_date: NaiveDate,
    /// How many minutes ahead of the server's clock an order may be dated
    /// (default 5: tills' clocks drift; at most a week).
    pub max_minutes_ahead: u32,
}

impl Default for LimitsParts {
    fn default() -> LimitsParts {
        ProgramLimits::default().into()
    }
}

impl Default for ProgramLimits {
    fn default() -> ProgramLimits {
        ProgramLimits {
            max_quantity_per_line: 10_000,
            max_line_amount: Decimal::from(100_000_000_i64),
            max_order_amount: Decimal::from(1_000_000_000_i64),
            max_points_per_grant: 10_000_000,
            earliest_order_date: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or(NaiveDate::MIN),
            max_minutes_ahead: 5,
        }
    }
}

impl ProgramLimits {
    /// Checks every bound is positive and below what can be stored.
    pub fn new(parts: LimitsParts) -> Result<ProgramLimits, InvalidValue> {
        let out_of_range = |what: &str, ceiling: &dyn std::fmt::Display| {
            InvalidValue::new("out_of_range", format!("{what} must be above 0 and at most {ceiling}"))
        };
        if parts.max_quantity_per_line == 0 || parts.max_quantity_per_line > QUANTITY_CEILING {
            return Err(out_of_range("limits.max_quantity_per_line", &QUANTITY_CEILING));
        }
        for (what, amount) in
            [("limits.max_line_amount", parts.max_line_amount), ("limits.max_order_amount", parts.max_order_amount)]
        {
            if amount <= Decimal::ZERO || amount > AMOUNT_CEILING {
                return Err(out_of_range(what, &AMOUNT_CEILING));
            }
        }
        if parts.max_points_per_grant <= 0 || parts.max_points_per_grant > POINTS_CEILING {
            return Err(out_of_range("limits.max_points_per_grant", &POINTS_CEILING));
        }
        if parts.max_minutes_ahead > MINUTES_AHEAD_CEILING {
            return Err(InvalidValue::new(
                "out_of_range",
                format!("limits.max_minutes_ahead must be at most {MINUTES_AHEAD_CEILING} (a week)"),
            ));
        }
        Ok(ProgramLimits {
            max_quantity_per_line: parts.max_quantity_per_line,
            max_line_amount: parts.max_line_amount,
            max_order_amount: parts.max_order_amount,
            max_points_per_grant: parts.max_points_per_grant,
            earliest_order_date: parts.earliest_order_date,
            max_minutes_ahead: parts.max_minutes_ahead,
        })
    }

    /// How many minutes ahead of now an order may be dated.
    pub fn max_minutes_ahead(&self) -> u32 {
        self.max_minutes_ahead
    }

    /// Most units of one order line.
    pub fn max_quantity_per_line(&self) -> u32 {
        self.max_quantity_per_line
    }
    /// Most one line may cost, in the base currency.
    pub fn max_line_amount(&self) -> Decimal {
        self.max_line_amount
    }
    /// Most one order may have been paid, in the base currency.
    pub fn max_order_amount(&self) -> Decimal {
        self.max_order_amount
    }
    /// Most points one grant or adjustment may move (either way).
    pub fn max_points_per_grant(&self) -> i64 {
        self.max_points_per_grant
    }
    /// The first day an order may be placed on.
    pub fn earliest_order_date(&self) -> NaiveDate {
        self.earliest_order_date
    }
}

impl TryFrom<LimitsParts> for ProgramLimits {
    type Error = InvalidValue;
    fn try_from(parts: LimitsParts) -> Result<ProgramLimits, InvalidValue> {
        ProgramLimits::new(parts)
    }
}

impl From<ProgramLimits> for LimitsParts {
    fn from(l: ProgramLimits) -> LimitsParts {
        LimitsParts {
            max_quantity_per_line: l.max_quantity_per_line,
            max_line_amount: l.max_line_amount,
            max_order_amount: l.max_order_amount,
            max_points_per_grant: l.max_points_per_grant,
            earliest_order_date: l.earliest_order_date,
            max_minutes_ahead: l.max_minutes_ahead,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_fields_take_the_defaults_and_bad_ones_are_refused() {
        let limits: ProgramLimits = serde_json::from_str(r#"{"max_quantity_per_line": 50}"#).unwrap();
        assert_eq!(limits.max_quantity_per_line(), 50);
        assert_eq!(limits.max_order_amount(), ProgramLimits::default().max_order_amount());
        for bad in [
            r#"{"max_quantity_per_line": 0}"#,
            r#"{"max_line_amount": "0"}"#,
            r#"{"max_order_amount": "1000000000001"}"#,
            r#"{"max_points_per_grant": -1}"#,
            r#"{"max_pointz": 1}"#,
        ] {
            assert!(serde_json::from_str::<ProgramLimits>(bad).is_err(), "{bad}");
        }
    }
}
