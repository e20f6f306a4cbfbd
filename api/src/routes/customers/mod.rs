//! Customers: create, read, update, search, the POS lookup; and, in
//! `relations.rs`, their tags, consents, duplicates and merges.

pub(crate) mod relations;
pub(crate) mod shapes;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use clientele_app::customers::Created;
use clientele_profiles::Permission;

use self::shapes::{
    CreateCustomerRequest, CustomerList, LookupKey, LookupQuery, PatchCustomerRequest, SearchQuery, idempotency_claim,
};
use super::shared::{CustomerView, actor, customer_error, customer_id};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

fn view(caller: &Caller, c: &clientele_profiles::Customer) -> CustomerView {
    CustomerView::new(c, caller.role().sees_contact_details())
}

/// Creates a customer. With an `Idempotency-Key` header, repeating the same
/// request returns the customer the first one created (status 200) instead
/// of creating another.
#[utoipa::path(tag = "customers", request_body = CreateCustomerRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: same key + same body = same result")),
    responses((status = 201, body = CustomerView), (status = 200, description = "Replay of an earlier request with the same Idempotency-Key", body = CustomerView),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/customers")]
pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::CreateCustomers)?;
    let now = crate::clock::now();
    let (new, member_no) = body.value.into_domain(caller.scope(), &actor(&caller)?, now)?;
    let claim = idempotency_claim(&req, caller.key_id, &body.raw)?;
    let audit = caller.audit();
    let scope = caller.scope().clone();
    let created = state
        .run(move |conn| clientele_app::customers::create_customer(conn, new, member_no, claim, &scope, &audit))
        .await?;
    Ok(match created {
        Created::New(c) => HttpResponse::Created()
            .insert_header(("Location", format!("/v1/customers/{}", c.id)))
            .json(view(&caller, &c)),
        Created::Replayed(c) => HttpResponse::Ok().json(view(&caller, &c)),
    })
}

/// One customer.
#[utoipa::path(tag = "customers", params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 410, description = "Merged into another customer (see `merged_into`)", body = Problem)))]
#[get("/v1/customers/{id}")]
pub async fn get(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCustomers)?;
    let id = customer_id(&path)?;
    let scope = caller.scope().clone();
    let c = state.run(move |conn| clientele_store::get_customer(conn, id, &scope)).await.map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(view(&caller, &c)))
}

/// Updates some fields of a customer.
#[utoipa::path(tag = "customers", params(("id" = Uuid, Path)), request_body = PatchCustomerRequest,
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[patch("/v1/customers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<PatchCustomerRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::UpdateCustomers)?;
    let id = customer_id(&path)?;
    let patch = body.value.into_domain(caller.scope(), crate::clock::now())?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::customers::update_customer(conn, id, &scope, patch, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(view(&caller, &c)))
}

/// Searches customers (not erased, not merged away), oldest first.
#[utoipa::path(tag = "customers", params(SearchQuery), responses((status = 200, body = CustomerList), (status = 422, body = Problem)))]
#[get("/v1/customers")]
pub async fn search(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<SearchQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::SearchCustomers)?;
    let filter = query.into_inner().into_filter()?;
    let scope = caller.scope().clone();
    let page = state.run(move |conn| clientele_store::search_customers(conn, &filter, &scope)).await?;
    Ok(HttpResponse::Ok().json(CustomerList::new(&page, caller.role().sees_contact_details())))
}

/// Finds one member by phone or member number (what a POS calls).
#[utoipa::path(tag = "customers", params(LookupQuery),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem),
        (status = 409, description = "Several customers share this phone (`customer_ids`)", body = Problem), (status = 422, body = Problem)))]
#[get("/v1/customers/lookup")]
pub async fn lookup(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<LookupQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::LookupCustomers)?;
    let key = query.key()?;
    let scope = caller.scope().clone();
    let c = state
        .run(move |conn| match key {
            LookupKey::Phone(phone) => clientele_store::lookup_by_phone(conn, &phone, &scope),
            LookupKey::MemberNo(member_no) => clientele_store::lookup_by_member_no(conn, &member_no, &scope),
        })
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(view(&caller, &c)))
}
