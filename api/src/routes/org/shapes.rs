//! The organisation's shapes: stores and sales associates.

use chrono::{DateTime, Utc};
use clientele_kernel::{Currency, FieldErrors, ShortText, StoreId, TimeZone};
use clientele_profiles::{Associate, Code, CountryCode, NewAssociate, NewStore, PersonName, Store};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;

/// A new store.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStoreRequest {
    /// Short unique code, e.g. `SH-IFC`.
    pub code: String,
    pub name: String,
    pub city: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// IANA time zone, e.g. `Asia/Shanghai`, `Europe/Rome`.
    pub time_zone: String,
    /// ISO 4217, e.g. `CNY`, `EUR`.
    pub currency: String,
}

/// A store.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub city: Option<String>,
    pub country: String,
    pub time_zone: String,
    pub currency: String,
    pub created_at: DateTime<Utc>,
}

impl StoreView {
    pub fn new(s: &Store) -> Self {
        StoreView {
            id: s.id.as_uuid(),
            code: s.code.as_str().to_owned(),
            name: s.name.as_str().to_owned(),
            city: s.city.as_ref().map(|c| c.as_str().to_owned()),
            country: s.country.as_str().to_owned(),
            time_zone: s.time_zone.as_str().to_owned(),
            currency: s.currency.as_str().to_owned(),
            created_at: s.created_at,
        }
    }
}

impl CreateStoreRequest {
    pub fn into_domain(self) -> Result<NewStore, ApiError> {
        let mut e = FieldErrors::new();
        let code = e.check("code", Code::parse(&self.code));
        let name = e.check("name", ShortText::parse(&self.name));
        let city = self.city.as_deref().and_then(|c| e.check("city", ShortText::parse(c)));
        let country = e.check("country", CountryCode::parse(&self.country));
        let time_zone = e.check("time_zone", TimeZone::parse(&self.time_zone));
        let currency = e.check("currency", Currency::parse(&self.currency));
        match (code, name, country, time_zone, currency) {
            (Some(code), Some(name), Some(country), Some(time_zone), Some(currency)) if e.is_empty() => {
                Ok(NewStore { code, name, city, country, time_zone, currency })
            }
            _ => Err(e.into()),
        }
    }
}

/// A new sales associate.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateAssociateRequest {
    pub store_id: Uuid,
    /// Staff code, unique, e.g. `SH-0042`.
    pub code: String,
    pub name: String,
}

impl CreateAssociateRequest {
    pub fn into_domain(self) -> Result<NewAssociate, ApiError> {
        let req = self;
        let mut e = FieldErrors::new();
        let code = e.check("code", Code::parse(&req.code));
        let name = e.check("name", PersonName::parse(&req.name));
        let (Some(code), Some(name)) = (code, name) else {
            return Err(e.into());
        };
        Ok(NewAssociate { store: StoreId::from_uuid(req.store_id), code, name })
    }
}

/// A sales associate.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssociateView {
    pub id: Uuid,
    pub store_id: Uuid,
    pub code: String,
    pub name: String,
    pub active: bool,
    pub created_at: DateTime<Utc>,
}

impl AssociateView {
    pub fn new(a: &Associate) -> Self {
        AssociateView {
            id: a.id.as_uuid(),
            store_id: a.store.as_uuid(),
            code: a.code.as_str().to_owned(),
            name: a.name.as_str().to_owned(),
            active: a.active,
            created_at: a.created_at,
        }
    }
}
