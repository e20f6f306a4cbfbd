//! The brand's organisation: stores and their sales associates.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::ids::{AssociateId, StoreId};
use crate::money::Currency;
use crate::person::{CountryCode, PersonName};
use crate::text::{Code, ShortText};
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

/// A store (boutique, counter, e-shop).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Store {
    /// Identifies the store.
    pub id: StoreId,
    /// The brand's code for it, unique.
    pub code: Code,
    /// Its name.
    pub name: ShortText,
    /// Its city.
    pub city: Option<ShortText>,
    /// Its country.
    pub country: CountryCode,
    /// Its local time zone (for "today" at the store).
    pub time_zone: TimeZone,
    /// The currency it sells in.
    pub currency: Currency,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// A store to create (the id and creation time are assigned by the store crate).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NewStore {
    /// The brand's code for it, unique.
    pub code: Code,
    /// Its name.
    pub name: ShortText,
    /// Its city.
    pub city: Option<ShortText>,
    /// Its country.
    pub country: CountryCode,
    /// Its local time zone.
    pub time_zone: TimeZone,
    /// The currency it sells in.
    pub currency: Currency,
}

impl NewStore {
    /// The store, with its id and creation time.
    pub fn into_store(self, id: StoreId, created_at: DateTime<Utc>) -> Store {
        let NewStore { code, name, city, country, time_zone, currency } = self;
        Store { id, code, name, city, country, time_zone, currency, created_at }
    }
}

/// A sales associate (导购), attached to one store.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Associate {
    /// Identifies the associate.
    pub id: AssociateId,
    /// Their store.
    pub store: StoreId,
    /// Staff code, unique.
    pub code: Code,
    /// Name.
    pub name: PersonName,
    /// False once they have left.
    pub active: bool,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
}

/// An associate to create (id, creation time and `active = true` are set on creation).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NewAssociate {
    /// Their store.
    pub store: StoreId,
    /// Staff code, unique.
    pub code: Code,
    /// Name.
    pub name: PersonName,
}

impl NewAssociate {
    /// The associate, active, with its id and creation time.
    pub fn into_associate(self, id: AssociateId, created_at: DateTime<Utc>) -> Associate {
        let NewAssociate { store, code, name } = self;
        Associate { id, store, code, name, active: true, created_at }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone as _;
    use uuid::Uuid;

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
    fn new_store_and_associate() {
        let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
        let store = NewStore {
            code: Code::parse("mil-01").unwrap(),
            name: ShortText::parse("Milano Montenapoleone").unwrap(),
            city: Some(ShortText::parse("Milano").unwrap()),
            country: CountryCode::parse("it").unwrap(),
            time_zone: TimeZone::parse("Europe/Rome").unwrap(),
            currency: Currency::parse("eur").unwrap(),
        }
        .into_store(StoreId::from_uuid(Uuid::from_u128(1)), now);
        assert_eq!(store.code.as_str(), "MIL-01");
        let json = serde_json::to_value(&store).unwrap();
        assert_eq!(json["time_zone"], "Europe/Rome");
        assert_eq!(serde_json::from_value::<Store>(json).unwrap(), store);
        let associate = NewAssociate {
            store: store.id,
            code: Code::parse("a7").unwrap(),
            name: PersonName::parse("Li Na").unwrap(),
        }
        .into_associate(AssociateId::from_uuid(Uuid::from_u128(2)), now);
        assert!(associate.active);
        assert_eq!(associate.store, store.id);
    }
}
