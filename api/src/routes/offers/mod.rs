//! Coupons (issue #13): defined and issued by the CRM team (admin,
//! crm_manager), checked at the till by the POS and the store's staff.

pub(crate) mod entitlements;
pub(crate) mod gifts;
pub(crate) mod points;
pub(crate) mod rewards;
pub(crate) mod shapes;

use actix_web::{HttpResponse, get, post, put, web};
use clientele_kernel::CustomerId;
use clientele_offers::OffersSettings;
use clientele_profiles::Permission;
use uuid::Uuid;

use self::shapes::{
    CodeList, CodeQuery, CodeView, CouponView, CreateCouponRequest, CustomerOffersView, IssueCodesRequest,
    OffersSettingsView, ValidateRequest, ValidationView,
};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

fn coupon_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("coupon"))
}

fn not_found_as(what: &'static str) -> impl Fn(ApiError) -> ApiError {
    move |e| match e {
        ApiError::NotFound(_) => ApiError::NotFound(what),
        other => other,
    }
}

/// Defines a coupon (admin, crm_manager; audited). Its codes are issued
/// next (`POST /v1/coupons/{id}/codes`).
#[utoipa::path(tag = "offers", request_body = CreateCouponRequest,
    responses((status = 201, body = CouponView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/coupons")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateCouponRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let (name, campaign, definition) = body.value.into_parts()?;
    let audit = caller.audit();
    let made =
        state.run(move |conn| clientele_app::offers::create_coupon(conn, (name, campaign), definition, &audit)).await?;
    Ok(HttpResponse::Created().json(CouponView::new(&made)))
}

/// A coupon (admin, crm_manager).
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = CouponView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/coupons/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let id = coupon_id(&path)?;
    let found = state.run(move |conn| clientele_app::offers::coupon(conn, id)).await.map_err(not_found_as("coupon"))?;
    Ok(HttpResponse::Ok().json(CouponView::new(&found)))
}

/// Issues codes of a coupon (admin, crm_manager; audited): one personal
/// code for each customer listed (at most 10,000; a customer who has one
/// keeps it), or one shared code — the brand's own text or a random one
/// (60 bits). A shared text already issued is 409 `coupon_code_taken`.
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)), request_body = IssueCodesRequest,
    responses((status = 201, body = CodeList), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/coupons/{id}/codes")]
pub async fn issue(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<IssueCodesRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let id = coupon_id(&path)?;
    let issue = match (body.value.customers, body.value.shared) {
        (Some(customers), None) => {
            if customers.is_empty() || customers.len() > clientele_app::offers::MAX_CODES_PER_REQUEST {
                return Err(ApiError::field("customers", "invalid_length", "1 to 10,000 customers"));
            }
            clientele_app::offers::Issue::Personal(customers.into_iter().map(CustomerId::from_uuid).collect())
        }
        (None, Some(shared)) => clientele_app::offers::Issue::Shared(shared.code),
        _ => return Err(ApiError::field("customers", "invalid_value", "exactly one of customers and shared")),
    };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let issued = state
        .run(move |conn| clientele_app::offers::issue_codes(conn, id, &issue, &scope, &audit))
        .await
        .map_err(not_found_as("coupon"))?;
    Ok(HttpResponse::Created().json(CodeList { items: issued.iter().map(CodeView::new).collect(), next_after: None }))
}

/// A page of a coupon's codes, in canonical order (admin, crm_manager).
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path), CodeQuery),
    responses((status = 200, body = CodeList), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/coupons/{id}/codes")]
pub async fn list_codes(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<CodeQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let id = coupon_id(&path)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1_000).contains(&limit) {
        return Err(ApiError::field("limit", "out_of_range", "1 to 1,000"));
    }
    let after = query.after.clone();
    let page = state
        .run(move |conn| {
            clientele_app::offers::coupon(conn, id)?;
            clientele_store::offers::codes_of_coupon(conn, id, after.as_deref(), limit)
        })
        .await
        .map_err(not_found_as("coupon"))?;
    let next_after = (page.len() as i64 == limit).then(|| page.last().map(|c| c.code.to_string())).flatten();
    Ok(HttpResponse::Ok().json(CodeList { items: page.iter().map(CodeView::new).collect(), next_after }))
}

/// Checks codes against a basket for a customer, without using them: the
/// till's question before it takes the order. Each code is applied (with
/// its discount per line) or refused with a stable reason; the discount
/// ceiling of the programme holds whatever the combination.
#[utoipa::path(tag = "offers", request_body = ValidateRequest,
    responses((status = 200, body = ValidationView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[post("/v1/coupons/validate")]
pub async fn validate(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ValidateRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ValidateCoupons)?;
    let basket = body.value.basket()?;
    let request = body.value;
    let customer = request.customer_id.map(CustomerId::from_uuid);
    let at = request.at.unwrap_or_else(clientele_app::clock::now);
    let scope = caller.scope().clone();
    let checked = state
        .run(move |conn| clientele_app::offers::validate(conn, (&request.codes, customer), &basket, &scope, at))
        .await
        .map_err(not_found_as("customer"))?;
    Ok(HttpResponse::Ok().json(ValidationView::new(&checked)))
}

/// The programme's offer settings (admin, crm_manager): the discount
/// ceiling no combination of coupons passes on a line, and whether a full
/// return gives a used coupon back.
#[utoipa::path(tag = "offers", responses((status = 200, body = OffersSettingsView), (status = 403, body = Problem)))]
#[get("/v1/offers/settings")]
pub async fn get_settings(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let (settings, version) = state.run(clientele_store::settings::settings::<OffersSettings>).await?;
    Ok(HttpResponse::Ok().json(OffersSettingsView::new(&settings, version)))
}

/// Replaces the offer settings (admin, crm_manager; audited); the next
/// validation and order apply them.
#[utoipa::path(tag = "offers", request_body(content = Object, description = "As GET returns them under `config`"),
    responses((status = 200, body = OffersSettingsView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/v1/offers/settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<OffersSettings>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let settings = body.value;
    let (audit, saved) = (caller.audit(), settings.clone());
    let version = state.run(move |conn| clientele_app::settings::save(conn, &saved, &audit)).await?;
    Ok(HttpResponse::Ok().json(OffersSettingsView::new(&settings, version)))
}

/// What the till shows of a member's offers now: their personal coupon
/// codes still usable (issued, within validity, for their tier, uses left),
/// the soonest to end first, and the rewards they may take now (in their
/// window and stock, for their tier, under their limit, affordable with
/// the points available), cheapest first, and each tier benefit the
/// programme counts with the uses left this period. Roles of the till and the store's staff; a
/// store-scoped key sees only its stores' customers.
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = CustomerOffersView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/customers/{id}/offers")]
pub async fn customer_offers(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ValidateCoupons)?;
    let customer = path.parse().map(CustomerId::from_uuid).map_err(|_| ApiError::NotFound("customer"))?;
    let scope = caller.scope().clone();
    let at = clientele_app::clock::now();
    let offers = state
        .run(move |conn| clientele_app::offers::till_offers(conn, customer, &scope, at))
        .await
        .map_err(not_found_as("customer"))?;
    Ok(HttpResponse::Ok().json(CustomerOffersView::new(&offers)))
}

/// Cancels a code (admin, crm_manager; audited): it applies no more at the
/// till (`coupon_void`). A code redeemed, expired or void already is 409
/// `coupon_state`; a code not of this coupon is 404.
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path), ("code" = String, Path)),
    responses((status = 200, body = CodeView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
#[post("/v1/coupons/{id}/codes/{code}/void")]
pub async fn void_code(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let (raw_id, code) = path.into_inner();
    let id = coupon_id(&raw_id)?;
    let audit = caller.audit();
    let voided = state
        .run(move |conn| clientele_app::offers::void_code(conn, id, &code, &audit))
        .await
        .map_err(not_found_as("coupon code"))?;
    Ok(HttpResponse::Ok().json(CodeView::new(&voided)))
}
