//! A period of business days, both ends included, and the same dates a
//! year before — what a store's figures are set beside.

use chrono::{Months, NaiveDate};
use clientele_kernel::{FieldErrors, InvalidValue};

/// Days from `from` to `to`, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    /// Longest period, in days (a little over two years).
    pub const MAX_DAYS: i64 = 800;

    /// Checks a period read from fields `from_field` and `to_field`: `from`
    /// not after `to`, at most [`Period::MAX_DAYS`] days.
    pub fn new(from: NaiveDate, to: NaiveDate, (from_field, to_field): (&str, &str)) -> Result<Period, FieldErrors> {
        if from > to {
            return Err(FieldErrors::single(
                to_field,
                InvalidValue::new("out_of_range", format!("must not be before {from_field}")),
            ));
        }
        if (to - from).num_days() + 1 > Self::MAX_DAYS {
            return Err(FieldErrors::single(
                to_field,
                InvalidValue::new("out_of_range", format!("the period may be at most {} days", Self::MAX_DAYS)),
            ));
        }
        Ok(Period { from, to })
    }

    pub const fn from(&self) -> NaiveDate {
        self.from
    }

    pub const fn to(&self) -> NaiveDate {
        self.to
    }

    /// How many days it has.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// True when `day` is in it.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// The same dates a year before (29 February becomes 28 February).
    pub fn year_before(&self) -> Period {
        let back = |d: NaiveDate| d.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
        Period { from: back(self.from), to: back(self.to) }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    const FIELDS: (&str, &str) = ("from", "to");

    #[test]
    fn periods_are_checked_and_a_year_before_keeps_the_dates() {
        let q = Period::new(day(2024, 2, 1), day(2024, 2, 29), FIELDS).unwrap();
        assert_eq!(q.days(), 29);
        let before = q.year_before();
        assert_eq!((before.from(), before.to()), (day(2023, 2, 1), day(2023, 2, 28)));
        let e = Period::new(day(2024, 3, 1), day(2024, 2, 1), FIELDS).unwrap_err();
        assert_eq!((e.0[0].field.as_str(), e.0[0].code), ("to", "out_of_range"));
        assert!(Period::new(day(2020, 1, 1), day(2024, 1, 1), FIELDS).is_err());
        assert!(Period::new(day(2024, 1, 1), day(2024, 1, 1), FIELDS).is_ok_and(|p| p.contains(day(2024, 1, 1))));
    }

    proptest! {
        #[test]
        fn a_year_before_is_as_long_or_a_day_shorter(start in 0_u32..3000, len in 0_u32..400) {
            let from = day(2020, 1, 1) + chrono::Days::new(u64::from(start));
            let p = Period::new(from, from + chrono::Days::new(u64::from(len)), FIELDS).unwrap();
            let b = p.year_before();
            prop_assert!(b.days() == p.days() || b.days() + 1 == p.days() || b.days() == p.days() + 1);
            prop_assert!(b.to() < p.from() || p.days() > 365);
        }
    }
}
