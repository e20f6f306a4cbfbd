pub(crate) mod relations;
pub(crate) mod shapes;

use actix_web::{HttpRequest, HttpResponse, get, patch, post, web};
use clientele_profiles::{AssociateId, FieldErrors, MemberNo, Permission, Phone, StoreId, TagName};
use clientele_store::{Created, CustomerFilter, IdempotencyClaim};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::IntoParams;
use uuid::Uuid;

use self::shapes::{CreateCustomerRequest, CustomerList, PatchCustomerRequest};
use super::shared::CustomerView;
use super::shared::{actor, customer_cursor, customer_error, customer_id, parse_customer_cursor, parse_limit};
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
    let claim = match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 200).ok_or_else(|| {
                ApiError::field("Idempotency-Key", "invalid_format", "1 to 200 visible ASCII characters")
            })?;
            Some(IdempotencyClaim {
                key_id: caller.key_id,
                key: key.to_owned(),
                request_hash: Sha256::digest(&body.raw).to_vec(),
            })
        }
    };
    let audit = caller.audit();
    let scope = caller.scope().clone();
    let created =
        state.run(move |conn| clientele_store::create_customer(conn, new, member_no, claim, &scope, &audit)).await?;
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
        .run(move |conn| clientele_store::update_customer(conn, id, &scope, patch, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(view(&caller, &c)))
}

/// Search filters; all given must match.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the name, case-insensitive.
    pub name: Option<String>,
    /// A phone number, any accepted format.
    pub phone: Option<String>,
    pub member_no: Option<String>,
    pub tag: Option<String>,
    #[param(value_type = Option<Uuid>)]
    pub store_id: Option<String>,
    #[param(value_type = Option<Uuid>)]
    pub associate_id: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

fn uuid_param(e: &mut FieldErrors, field: &str, v: Option<&str>) -> Option<Uuid> {
    v.and_then(|s| {
        e.check(
            field,
            s.parse::<Uuid>().map_err(|_| clientele_profiles::InvalidValue::new("invalid_format", "must be a UUID")),
        )
    })
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
    let q = query.into_inner();
    let mut e = FieldErrors::new();
    let name = q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
    if name.as_ref().is_some_and(|n| n.chars().any(char::is_control)) {
        e.push("name", clientele_profiles::InvalidValue::new("invalid_format", "control characters are not allowed"));
    } else if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
        e.push("name", clientele_profiles::InvalidValue::new("too_long", "at most 100 characters"));
    }
    let phone = q.phone.as_deref().and_then(|p| e.check("phone", Phone::parse(p)));
    let member_no = q.member_no.as_deref().and_then(|m| e.check("member_no", MemberNo::parse(m)));
    let tag = q.tag.as_deref().and_then(|t| e.check("tag", TagName::parse(t)));
    let store = uuid_param(&mut e, "store_id", q.store_id.as_deref()).map(StoreId::from_uuid);
    let associate = uuid_param(&mut e, "associate_id", q.associate_id.as_deref()).map(AssociateId::from_uuid);
    if !e.is_empty() {
        return Err(e.into());
    }
    let after = q.cursor.as_deref().map(parse_customer_cursor).transpose()?;
    let limit = parse_limit(q.limit.as_deref())?;
    let filter = CustomerFilter { name, phone, member_no, tag, store, associate, after, limit };
    let scope = caller.scope().clone();
    let page = state.run(move |conn| clientele_store::search_customers(conn, &filter, &scope)).await?;
    Ok(HttpResponse::Ok().json(CustomerList {
        items: page.customers.iter().map(|c| view(&caller, c)).collect(),
        next_cursor: page.next_after.map(customer_cursor),
    }))
}

/// What the POS looks a member up by: exactly one of the two.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// Any accepted format: `+8613812345678`, `13812345678`, `+39 347 123 4567`.
    pub phone: Option<String>,
    /// Current member number, or one absorbed by a merge.
    pub member_no: Option<String>,
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
    let scope = caller.scope().clone();
    let c = match (&query.phone, &query.member_no) {
        (Some(phone), None) => {
            let phone = Phone::parse(phone).map_err(|e| ApiError::Validation(FieldErrors::single("phone", e)))?;
            state.run(move |conn| clientele_store::lookup_by_phone(conn, &phone, &scope)).await
        }
        (None, Some(member_no)) => {
            let member_no =
                MemberNo::parse(member_no).map_err(|e| ApiError::Validation(FieldErrors::single("member_no", e)))?;
            state.run(move |conn| clientele_store::lookup_by_member_no(conn, &member_no, &scope)).await
        }
        _ => {
            return Err(ApiError::field("phone", "required", "give exactly one of phone or member_no"));
        }
    }
    .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(view(&caller, &c)))
}
