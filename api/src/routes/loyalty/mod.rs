//! Loyalty: a member's points, growth value, tier and ledger; redemptions;
//! activity points and adjustments by hand; the tier floor; the programme.

pub(crate) mod shapes;

use actix_web::{HttpResponse, delete, get, post, put, web};
use clientele_loyalty::{ProgramConfig, Reason};
use clientele_profiles::Permission;
use clientele_store::{FloorChange, RedemptionStep};

use self::shapes::{
    CreateRedemptionRequest, LedgerList, LoyaltyView, PointsRequest, ProgramView, RedemptionView, TierFloorBody,
    parse_ledger_cursor,
};
use super::shared::{PageQuery, actor, customer_error, customer_id, parse_limit};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

fn redemption_error(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("redemption"),
        other => other,
    }
}

/// A member's points, growth value, tier and benefits, the growth needed
/// for the next tier, and the points expiring in the next 90 days.
#[utoipa::path(tag = "loyalty", params(("id" = Uuid, Path)), responses((status = 200, body = LoyaltyView), (status = 404, body = Problem)))]
#[get("/v1/customers/{id}/loyalty")]
pub async fn loyalty(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadLoyalty)?;
    let id = customer_id(&path)?;
    let scope = caller.scope().clone();
    let today = crate::clock::now().date_naive();
    let summary = state
        .run(move |conn| clientele_store::loyalty_summary(conn, id, &scope, today))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LoyaltyView::new(&summary)?))
}

/// A member's ledger: every change of points or growth value, newest first.
#[utoipa::path(tag = "loyalty", params(("id" = Uuid, Path), PageQuery),
    responses((status = 200, body = LedgerList), (status = 404, body = Problem)))]
#[get("/v1/customers/{id}/ledger")]
pub async fn ledger(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadLoyalty)?;
    let id = customer_id(&path)?;
    let before = query.cursor.as_deref().map(parse_ledger_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())?;
    let scope = caller.scope().clone();
    let (rows, next) = state
        .run(move |conn| clientele_store::ledger_page(conn, id, &scope, before, limit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LedgerList::new(&rows, next)))
}

/// Reserves points (pos, admin, crm_manager). The member's available
/// points — balance minus other holds — must cover it: a balance never goes
/// negative through redemption, however many requests arrive at once
/// (409 `insufficient_points`); a member who owes points after a return is
/// refused until earnings repay them (409 `points_in_debt`). Growth value is
/// never touched.
#[utoipa::path(tag = "loyalty", request_body = CreateRedemptionRequest,
    responses((status = 201, body = RedemptionView), (status = 200, description = "Made before (same source + external_id)", body = RedemptionView),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/redemptions")]
pub async fn reserve(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateRedemptionRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Redeem)?;
    let new = body.value.into_domain(crate::clock::now())?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let (stored, replayed) = state
        .run(move |conn| clientele_app::loyalty::reserve(conn, new, &scope, &audit))
        .await
        .map_err(customer_error)?;
    let view = RedemptionView::new(&stored)?;
    Ok(if replayed { HttpResponse::Ok().json(view) } else { HttpResponse::Created().json(view) })
}

async fn settle(
    state: web::Data<AppState>,
    caller: Caller,
    id: String,
    step: RedemptionStep,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Redeem)?;
    if id.len() > 64 {
        return Err(ApiError::NotFound("redemption"));
    }
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let stored = state
        .run(move |conn| clientele_app::loyalty::settle(conn, &id, step, &scope, &audit))
        .await
        .map_err(redemption_error)?;
    Ok(HttpResponse::Ok().json(RedemptionView::new(&stored)?))
}

/// Confirms a held redemption: the points are spent (409 if it is no longer held or its hold lapsed).
#[utoipa::path(tag = "loyalty", params(("id" = String, Path)),
    responses((status = 200, body = RedemptionView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/v1/redemptions/{id}/confirm")]
pub async fn confirm(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    settle(state, caller, path.into_inner(), RedemptionStep::Confirm).await
}

/// Cancels a held redemption: the points are available again.
#[utoipa::path(tag = "loyalty", params(("id" = String, Path)),
    responses((status = 200, body = RedemptionView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[post("/v1/redemptions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    settle(state, caller, path.into_inner(), RedemptionStep::Cancel).await
}

/// One redemption.
#[utoipa::path(tag = "loyalty", params(("id" = String, Path)), responses((status = 200, body = RedemptionView), (status = 404, body = Problem)))]
#[get("/v1/redemptions/{id}")]
pub async fn get_redemption(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadLoyalty)?;
    let id = path.into_inner();
    let scope = caller.scope().clone();
    let stored =
        state.run(move |conn| clientele_store::get_redemption(conn, &id, &scope)).await.map_err(redemption_error)?;
    Ok(HttpResponse::Ok().json(RedemptionView::new(&stored)?))
}

/// Grants activity points or adjusts points by hand (admin, crm_manager); answers the member's position.
#[utoipa::path(tag = "loyalty", params(("id" = Uuid, Path)), request_body = PointsRequest,
    responses((status = 200, body = LoyaltyView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/customers/{id}/points")]
pub async fn adjust_points(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<PointsRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::AdjustLoyalty)?;
    let customer = customer_id(&path)?;
    let grant = body.value.into_domain(&caller.key_name)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let summary = state
        .run(move |conn| clientele_app::loyalty::grant_points(conn, customer, grant, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LoyaltyView::new(&summary)?))
}

/// Sets a member's tier by hand, as a floor until a date (admin, crm_manager).
#[utoipa::path(tag = "loyalty", params(("id" = Uuid, Path)), request_body = TierFloorBody,
    responses((status = 200, body = LoyaltyView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/v1/customers/{id}/tier-floor")]
pub async fn put_tier_floor(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<TierFloorBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::AdjustLoyalty)?;
    let customer = customer_id(&path)?;
    let request = body.value.into_domain(&caller.key_name)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let summary = state
        .run(move |conn| {
            clientele_app::loyalty::set_tier_floor(conn, customer, FloorChange::Set(request), &scope, &audit)
        })
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LoyaltyView::new(&summary)?))
}

/// Removes a member's manual tier floor before its end date (admin, crm_manager).
#[utoipa::path(tag = "loyalty", params(("id" = Uuid, Path)),
    responses((status = 200, body = LoyaltyView), (status = 404, body = Problem), (status = 409, body = Problem)))]
#[delete("/v1/customers/{id}/tier-floor")]
pub async fn delete_tier_floor(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::AdjustLoyalty)?;
    let customer = customer_id(&path)?;
    let by = actor(&caller)?;
    let why = Reason::parse("floor removed by hand").map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let summary = state
        .run(move |conn| {
            clientele_app::loyalty::set_tier_floor(conn, customer, FloorChange::Remove { by, why }, &scope, &audit)
        })
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LoyaltyView::new(&summary)?))
}

/// The loyalty programme in force.
#[utoipa::path(tag = "loyalty", responses((status = 200, body = ProgramView)))]
#[get("/v1/loyalty/program")]
pub async fn get_program(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadLoyalty)?;
    let (config, version) = state.run(clientele_store::program).await?;
    Ok(HttpResponse::Ok().json(ProgramView::new(&config, version)?))
}

/// Replaces the loyalty programme (admin, crm_manager). The whole programme
/// is checked (six tiers in order from 0, …); members' tiers are then
/// re-evaluated under the new table by a background job (202). The base
/// currency is fixed once orders exist (409 `base_currency_locked`).
#[utoipa::path(tag = "loyalty", request_body(content = Object, description = "The programme, as GET returns it under `config`"),
    responses((status = 202, body = ProgramView), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[put("/v1/loyalty/program")]
pub async fn put_program(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<ProgramConfig>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let config = body.value;
    let audit = caller.audit();
    let saved = config.clone();
    let version = state.run(move |conn| clientele_app::loyalty::save_program(conn, &saved, &audit)).await?;
    let background = state.clone();
    actix_web::rt::spawn(async move {
        let now = crate::clock::now();
        let reevaluated = background
            .run(move |conn| clientele_app::loyalty::reevaluate_tiers_if_pending(conn, now.date_naive(), now))
            .await;
        match reevaluated {
            Ok(changed) => tracing::info!(version, ?changed, "tiers re-evaluated under the new programme"),
            Err(e) => tracing::error!(version, error = %e, "re-evaluating tiers failed; the next job run retries"),
        }
    });
    Ok(HttpResponse::Accepted().json(ProgramView::new(&config, version)?))
}
