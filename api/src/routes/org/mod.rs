use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use clientele_profiles::{
    Associate, Code, CountryCode, Currency, FieldErrors, NewAssociate, NewStore, Permission, PersonName, ShortText,
    Store, StoreId, StoreScope, TimeZone,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::state::AppState;

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
    fn new(s: &Store) -> Self {
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
    fn into_domain(self) -> Result<NewStore, ApiError> {
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

/// Creates a store (admin, crm_manager).
#[utoipa::path(tag = "organisation", request_body = CreateStoreRequest,
    responses((status = 201, body = StoreView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/stores")]
pub async fn create_store(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateStoreRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteOrganisation)?;
    let new = body.value.into_domain()?;
    let audit = caller.audit();
    let store = state.run(move |conn| clientele_store::create_store(conn, new, &audit)).await?;
    Ok(HttpResponse::Created().json(StoreView::new(&store)))
}

/// Lists stores (a store-scoped key sees its own).
#[utoipa::path(tag = "organisation", responses((status = 200, body = [StoreView])))]
#[get("/v1/stores")]
pub async fn list_stores(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadOrganisation)?;
    let stores = state.run(clientele_store::list_stores).await?;
    let scope = caller.scope();
    let views: Vec<StoreView> = stores.iter().filter(|s| scope.covers(Some(s.id))).map(StoreView::new).collect();
    Ok(HttpResponse::Ok().json(views))
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
    fn new(a: &Associate) -> Self {
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

/// Creates a sales associate at a store (admin, crm_manager).
#[utoipa::path(tag = "organisation", request_body = CreateAssociateRequest,
    responses((status = 201, body = AssociateView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/associates")]
pub async fn create_associate(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateAssociateRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::WriteOrganisation)?;
    let req = body.value;
    let mut e = FieldErrors::new();
    let code = e.check("code", Code::parse(&req.code));
    let name = e.check("name", PersonName::parse(&req.name));
    let (Some(code), Some(name)) = (code, name) else {
        return Err(e.into());
    };
    let new = NewAssociate { store: StoreId::from_uuid(req.store_id), code, name };
    let audit = caller.audit();
    let associate = state.run(move |conn| clientele_store::create_associate(conn, new, &audit)).await?;
    Ok(HttpResponse::Created().json(AssociateView::new(&associate)))
}

/// Lists associates (a store-scoped key sees its stores' associates).
#[utoipa::path(tag = "organisation", responses((status = 200, body = [AssociateView])))]
#[get("/v1/associates")]
pub async fn list_associates(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadOrganisation)?;
    let only: Option<Vec<StoreId>> = match caller.scope() {
        StoreScope::All => None,
        StoreScope::Stores(ids) => Some(ids.iter().copied().collect()),
    };
    let associates = state.run(move |conn| clientele_store::list_associates(conn, only.as_deref())).await?;
    Ok(HttpResponse::Ok().json(associates.iter().map(AssociateView::new).collect::<Vec<_>>()))
}
