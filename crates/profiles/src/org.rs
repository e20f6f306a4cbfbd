//! The brand's organisation: stores and their sales associates.

use chrono::{DateTime, Utc};
use clientele_kernel::{Currency, ShortText, StoreId, TimeZone};
use serde::{Deserialize, Serialize};

use crate::ids::AssociateId;
use crate::person::{CountryCode, PersonName};
use crate::text::Code;

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
