//! Follow-ups for a client's associate: made, changed (done with what came
//! of it, cancelled, moved) and listed. Whoever may record on a customer's
//! timeline may make and change them; whoever may read it, list them. And
//! the hand-over of an associate's client book (store managers, crm
//! managers, admins).

pub(crate) mod shapes;

use actix_web::{HttpResponse, get, patch, post, put, web};
use clientele_kernel::CustomerId;
use clientele_profiles::{AssociateId, ClientelingSettings, FollowUpId, Permission};

use self::shapes::{
    ChangeFollowUpRequest, ClientelingSettingsView, CreateFollowUpRequest, FollowUpList, FollowUpQuery, FollowUpView,
    HandOverRequest, HandOverView,
};
use super::shared::{customer_error, customer_id};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

/// Makes a follow-up for the client's associate (or the one named), due on
/// a day; on the timeline and in the audit log.
#[utoipa::path(tag = "follow-ups", params(("id" = Uuid, Path)), request_body = CreateFollowUpRequest,
    responses((status = 201, body = FollowUpView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[post("/v1/customers/{id}/follow-ups")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<CreateFollowUpRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::RecordInteractions)?;
    let customer = customer_id(&path)?;
    let new = body.value.into_new()?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let made = state
        .run(move |conn| clientele_app::follow_ups::create_follow_up(conn, customer, new, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Created().json(FollowUpView::new(&made)))
}

/// A customer's follow-ups by due date (`?status=open`: the open ones).
#[utoipa::path(tag = "follow-ups", params(("id" = Uuid, Path), FollowUpQuery),
    responses((status = 200, body = FollowUpList), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/customers/{id}/follow-ups")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<FollowUpQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadTimeline)?;
    let customer = customer_id(&path)?;
    let open_only = match query.status.as_deref() {
        None | Some("all") => false,
        Some("open") => true,
        Some(_) => return Err(ApiError::field("status", "invalid_value", "one of: open, all")),
    };
    let scope = caller.scope().clone();
    let items = state
        .run(move |conn| clientele_app::follow_ups::follow_ups(conn, customer, &scope, open_only))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(FollowUpList { items: items.iter().map(FollowUpView::new).collect() }))
}

/// Changes a follow-up: done (with `outcome` and `channel`), cancelled,
/// moved to another day or associate. A done or cancelled one changes no
/// more (409 `follow_up_closed`).
#[utoipa::path(tag = "follow-ups", params(("id" = Uuid, Path), ("follow_up_id" = Uuid, Path)),
    request_body = ChangeFollowUpRequest,
    responses((status = 200, body = FollowUpView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[patch("/v1/customers/{id}/follow-ups/{follow_up_id}")]
pub async fn change(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: JsonBody<ChangeFollowUpRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::RecordInteractions)?;
    let (raw_customer, raw_id) = path.into_inner();
    let customer = customer_id(&raw_customer)?;
    let id = raw_id.parse().map(FollowUpId::from_uuid).map_err(|_| ApiError::NotFound("follow-up"))?;
    let change = body.value.into_change()?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let changed = state
        .run(move |conn| clientele_app::follow_ups::change_follow_up(conn, customer, id, &change, &scope, &audit))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("follow-up"),
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(FollowUpView::new(&changed)))
}

/// Hands an associate's clients — all of them in the caller's stores, or
/// those listed — over to another associate, with their open follow-ups;
/// each client's change is audited. A listed customer who is not the
/// associate's client is 422 naming `customers[i]`.
#[utoipa::path(tag = "follow-ups", params(("id" = Uuid, Path)), request_body = HandOverRequest,
    responses((status = 200, body = HandOverView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[post("/v1/associates/{id}/handover")]
pub async fn hand_over(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<HandOverRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::HandOverClients)?;
    let from = path.parse().map(AssociateId::from_uuid).map_err(|_| ApiError::NotFound("associate"))?;
    let to = AssociateId::from_uuid(body.value.to);
    if body.value.customers.as_ref().is_some_and(|c| c.len() > 10_000) {
        return Err(ApiError::field("customers", "too_many", "at most 10,000 customers per hand-over"));
    }
    let listed: Option<Vec<CustomerId>> =
        body.value.customers.as_ref().map(|c| c.iter().copied().map(CustomerId::from_uuid).collect());
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let moved = state
        .run(move |conn| clientele_app::follow_ups::hand_over(conn, from, to, listed.as_deref(), &scope, &audit))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("associate"),
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(HandOverView { customers: moved.customers, follow_ups: moved.follow_ups }))
}

/// The programme's clienteling settings: the thank-you rule — a follow-up
/// for the client's associate `after_days` after each purchase of at least
/// `min_amount` paid, base currency (admin, crm_manager).
#[utoipa::path(tag = "follow-ups", responses((status = 200, body = ClientelingSettingsView), (status = 403, body = Problem)))]
#[get("/v1/clienteling/settings")]
pub async fn get_settings(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let (settings, version) = state.run(clientele_store::settings::settings::<ClientelingSettings>).await?;
    Ok(HttpResponse::Ok().json(ClientelingSettingsView::new(&settings, version)))
}

/// Replaces the clienteling settings (admin, crm_manager; audited); the
/// next run of the thank-you job applies them.
#[utoipa::path(tag = "follow-ups", request_body(content = Object, description = "As GET returns them under `config`"),
    responses((status = 200, body = ClientelingSettingsView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/v1/clienteling/settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ClientelingSettings>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let settings = body.value;
    let audit = caller.audit();
    let version = state.run(move |conn| clientele_app::settings::save(conn, &settings, &audit)).await?;
    Ok(HttpResponse::Ok().json(ClientelingSettingsView::new(&settings, version)))
}
