//! What a caller states when it asks to reserve points: how many (at least
//! one), for how long the points are held, and the optional key (source +
//! external id) under which a resend of the same request finds the
//! reservation it made instead of holding the points twice.

use chrono::{DateTime, Duration, Utc};

use crate::values::Points;
use clientele_kernel::InvalidValue;

/// How long a reservation holds its points: 1 to 1,440 minutes (a day),
/// 15 unless the caller says otherwise — long enough for a till to finish a
/// sale, short enough that an abandoned basket gives the points back soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct HoldMinutes(u32);

impl HoldMinutes {
    /// The hold when the caller names none.
    pub const DEFAULT: HoldMinutes = HoldMinutes(15);
    /// The longest hold.
    pub const MAX: u32 = 1440;

    /// A hold of `minutes`, or the default when none is given.
    pub fn new(minutes: Option<u32>) -> Result<HoldMinutes, InvalidValue> {
        match minutes {
            None => Ok(HoldMinutes::DEFAULT),
            Some(m) if (1..=HoldMinutes::MAX).contains(&m) => Ok(HoldMinutes(m)),
            Some(_) => Err(InvalidValue::new("out_of_range", "from 1 to 1440 minutes")),
        }
    }

    /// The minutes.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The moment a hold made at `now` ends.
    pub fn until(self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::minutes(i64::from(self.0))
    }
}

/// The points a redemption asks for: at least one.
pub fn points_to_redeem(points: i64) -> Result<Points, InvalidValue> {
    if points < 1 {
        return Err(InvalidValue::new("out_of_range", "redeem at least 1 point"));
    }
    Points::new(points)
}

/// The idempotency key of a reservation: the system that sent it (1–32
/// characters) and its id there (1–64), trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RedemptionKey {
    source: String,
    external_id: String,
}

impl RedemptionKey {
    /// Both parts or neither: `Ok(None)` when neither is given.
    pub fn from_parts(source: Option<&str>, external_id: Option<&str>) -> Result<Option<RedemptionKey>, InvalidValue> {
        match (source, external_id) {
            (None, None) => Ok(None),
            (Some(s), Some(x)) if !s.trim().is_empty() && !x.trim().is_empty() && s.len() <= 32 && x.len() <= 64 => {
                Ok(Some(RedemptionKey { source: s.trim().to_owned(), external_id: x.trim().to_owned() }))
            }
            _ => Err(InvalidValue::new(
                "invalid_format",
                "give both source and external_id (1-32 and 1-64 characters), or neither",
            )),
        }
    }

    /// The sending system.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The id the sending system gave the reservation.
    pub fn external_id(&self) -> &str {
        &self.external_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_hold_is_a_quarter_of_an_hour() {
        assert_eq!(HoldMinutes::new(None).unwrap().minutes(), 15);
        assert_eq!(HoldMinutes::new(Some(0)).unwrap_err().code, "out_of_range");
        assert_eq!(HoldMinutes::new(Some(1441)).unwrap_err().code, "out_of_range");
        assert_eq!(points_to_redeem(0).unwrap_err().code, "out_of_range");
        assert_eq!(RedemptionKey::from_parts(Some("pos"), None).unwrap_err().code, "invalid_format");
        assert_eq!(RedemptionKey::from_parts(None, None).unwrap(), None);
    }

    proptest! {
        #[test]
        fn a_hold_ends_exactly_its_minutes_later(m in 1u32..=1440, secs in 0i64..4_000_000_000) {
            let now = DateTime::from_timestamp(secs, 0).unwrap();
            let hold = HoldMinutes::new(Some(m)).unwrap();
            prop_assert_eq!(hold.until(now) - now, Duration::minutes(i64::from(m)));
            prop_assert!(hold.until(now) > now);
        }

        #[test]
        fn holds_outside_a_day_are_refused(m in prop_oneof![Just(0u32), 1441u32..]) {
            prop_assert!(HoldMinutes::new(Some(m)).is_err());
        }

        #[test]
        fn a_key_is_both_parts_trimmed_or_refused(s in "[ a-z]{0,40}", x in "[ 0-9]{0,70}") {
            match RedemptionKey::from_parts(Some(&s), Some(&x)) {
                Ok(Some(key)) => {
                    prop_assert_eq!(key.source(), s.trim());
                    prop_assert_eq!(key.external_id(), x.trim());
                    prop_assert!(!key.source().is_empty() && key.source().len() <= 32);
                    prop_assert!(!key.external_id().is_empty() && key.external_id().len() <= 64);
                }
                Ok(None) => prop_assert!(false, "two parts give a key or an error"),
                Err(e) => {
                    prop_assert_eq!(e.code, "invalid_format");
                    prop_assert!(s.trim().is_empty() || x.trim().is_empty() || s.len() > 32 || x.len() > 64);
                }
            }
            prop_assert!(RedemptionKey::from_parts(Some(&s), None).is_err());
            prop_assert!(RedemptionKey::from_parts(None, Some(&x)).is_err());
        }

        #[test]
        fn at_least_one_point_is_redeemed(p in -1_000i64..1_000) {
            prop_assert_eq!(points_to_redeem(p).is_ok(), p >= 1);
        }
    }
}
