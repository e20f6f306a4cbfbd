//! Time as the domain crates take it, always as a parameter: [`TimeZone`] (an
//! IANA zone, a store's local time) and [`Moment`] (an instant with the
//! business date it falls on). Nothing here reads the clock.

use std::cmp::Ordering;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::validation::InvalidValue;

/// An IANA time zone, e.g. `Asia/Shanghai`, `Europe/Rome`. Serialised as its
/// name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TimeZone(Tz);

impl TimeZone {
    /// Parses an IANA name (exact spelling, e.g. `Europe/Paris`; code
    /// `invalid_time_zone`).
    pub fn parse(s: &str) -> Result<TimeZone, InvalidValue> {
        s.trim()
            .parse::<Tz>()
            .map(TimeZone)
            .map_err(|_| InvalidValue::new("invalid_time_zone", "must be an IANA time zone name, e.g. Asia/Shanghai"))
    }

    /// UTC.
    pub const UTC: TimeZone = TimeZone(Tz::UTC);

    /// The zone, for date arithmetic.
    pub fn tz(&self) -> Tz {
        self.0
    }

    /// The IANA name.
    pub fn as_str(&self) -> &'static str {
        self.0.name()
    }
}

impl From<Tz> for TimeZone {
    fn from(tz: Tz) -> Self {
        TimeZone(tz)
    }
}

impl PartialOrd for TimeZone {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for TimeZone {
    /// By name.
    fn cmp(&self, other: &Self) -> Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl std::fmt::Display for TimeZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for TimeZone {
    type Err = InvalidValue;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TimeZone::parse(s)
    }
}

impl TryFrom<String> for TimeZone {
    type Error = InvalidValue;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        TimeZone::parse(&s)
    }
}

impl From<TimeZone> for String {
    fn from(tz: TimeZone) -> String {
        tz.as_str().to_owned()
    }
}

/// When something happened: the instant, and the business date in the
/// program's time zone (which decides expiry dates and tier windows). The
/// store computes the date from the instant with the brand's time zone; the
/// domain crates take both as they are and never read the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "MomentParts", into = "MomentParts")]
pub struct Moment {
    at: DateTime<Utc>,
    date: NaiveDate,
}

/// The serialised form of a [`Moment`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MomentParts {
    /// The instant.
    pub at: DateTime<Utc>,
    /// The business date.
    pub date: NaiveDate,
}

impl Moment {
    /// Checks that the date is the instant's date in some time zone: at most
    /// one day from its UTC date (code `invalid_date`).
    pub fn new(at: DateTime<Utc>, date: NaiveDate) -> Result<Moment, InvalidValue> {
        let gap = (date - at.date_naive()).num_days().abs();
        if gap > 1 {
            return Err(InvalidValue::new("invalid_date", "the business date must be the instant's local date"));
        }
        Ok(Moment { at, date })
    }

    /// An instant whose business date is its UTC date.
    pub fn utc(at: DateTime<Utc>) -> Moment {
        Moment { at, date: at.date_naive() }
    }

    /// The instant.
    pub const fn at(self) -> DateTime<Utc> {
        self.at
    }

    /// The business date.
    pub const fn date(self) -> NaiveDate {
        self.date
    }
}

impl TryFrom<MomentParts> for Moment {
    type Error = InvalidValue;

    fn try_from(parts: MomentParts) -> Result<Moment, InvalidValue> {
        Moment::new(parts.at, parts.date)
    }
}

impl From<Moment> for MomentParts {
    fn from(moment: Moment) -> MomentParts {
        MomentParts { at: moment.at, date: moment.date }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    #[test]
    fn time_zones() {
        let tz = TimeZone::parse("Asia/Shanghai").unwrap();
        assert_eq!(tz.as_str(), "Asia/Shanghai");
        assert_eq!(tz.tz(), Tz::Asia__Shanghai);
        assert_eq!(TimeZone::parse(" Europe/Rome ").unwrap().to_string(), "Europe/Rome");
        assert_eq!(TimeZone::parse("Mars/Olympus").unwrap_err().code, "invalid_time_zone");
        assert_eq!(TimeZone::parse("").unwrap_err().code, "invalid_time_zone");
        assert_eq!(serde_json::to_string(&tz).unwrap(), "\"Asia/Shanghai\"");
        assert_eq!(serde_json::from_str::<TimeZone>("\"Asia/Shanghai\"").unwrap(), tz);
        assert!(serde_json::from_str::<TimeZone>("\"Nowhere\"").is_err());
        assert!(TimeZone::parse("Asia/Shanghai").unwrap() < TimeZone::parse("Europe/Rome").unwrap());
    }

    #[test]
    fn moments_keep_the_business_date_near_the_instant() {
        let at = Utc.with_ymd_and_hms(2026, 3, 1, 20, 0, 0).unwrap();
        let next_day = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(Moment::new(at, next_day).unwrap().date(), next_day, "Shanghai is UTC+8");
        assert!(Moment::new(at, NaiveDate::from_ymd_opt(2026, 3, 4).unwrap()).is_err());
        let json = serde_json::to_string(&Moment::utc(at)).unwrap();
        assert_eq!(serde_json::from_str::<Moment>(&json).unwrap(), Moment::utc(at));
    }
}
