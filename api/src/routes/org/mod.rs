//! The organisation: stores and sales associates.

pub(crate) mod shapes;

use actix_web::{HttpResponse, get, post, web};
use clientele_kernel::StoreId;
use clientele_profiles::{Permission, StoreScope};

use self::shapes::{AssociateView, CreateAssociateRequest, CreateStoreRequest, StoreView};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::state::AppState;

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
    let store = state.run(move |conn| clientele_app::org::create_store(conn, new, &audit)).await?;
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
    let new = body.value.into_domain()?;
    let audit = caller.audit();
    let associate = state.run(move |conn| clientele_app::org::create_associate(conn, new, &audit)).await?;
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
