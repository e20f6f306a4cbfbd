use actix_web::{HttpResponse, delete, get, post, put, web};
use chrono::{DateTime, NaiveDate, Utc};
use clientele_loyalty::{
    ActivityGrant, ActivityId, Actor, GrowthDelta, HoldMinutes, ManualAdjustment, ManualPoints, Points, ProgramConfig,
    Quantity, Reason, RedemptionKey, Tier, TierFloorRequest, points_to_redeem,
};
use clientele_profiles::{CustomerId, FieldErrors, InvalidValue, Permission};
use clientele_store::{FloorChange, NewRedemption, PointsGrant, RedemptionStep, StoredRedemption};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::shared::{customer_error, customer_id};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::routes::orders::shapes::LoyaltyView;
use crate::state::AppState;

/// Converts a loyalty-crate field error into the API's.
fn field<T>(e: &mut FieldErrors, name: &str, r: Result<T, clientele_loyalty::InvalidValue>) -> Option<T> {
    e.check(name, r.map_err(|err| InvalidValue::new(err.code, err.message)))
}

fn actor(caller: &Caller) -> Result<Actor, ApiError> {
    Actor::parse(&caller.key_name).map_err(|e| ApiError::Internal(anyhow::anyhow!("key name is not an actor: {e}")))
}

/// A reservation of points: at the POS as payment, or for a reward.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRedemptionRequest {
    pub customer_id: Uuid,
    pub points: i64,
    /// What for: "silk scarf", "payment, receipt 1001".
    pub reason: String,
    /// How long the points are held before the hold lapses (1..=1440, default 15).
    pub hold_minutes: Option<u32>,
    /// With `external_id`, makes a retried reservation safe: made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

/// A redemption and where it stands.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedemptionView {
    pub id: String,
    pub customer_id: Uuid,
    /// `held`, `confirmed`, `cancelled`, `expired`.
    pub state: String,
    pub points: i64,
    pub reason: String,
    pub reserved_at: DateTime<Utc>,
    pub hold_until: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    /// The lots the points come from, earliest expiry first.
    #[schema(value_type = Vec<Object>)]
    pub draws: serde_json::Value,
    pub source: Option<String>,
    pub external_id: Option<String>,
}

impl RedemptionView {
    fn new(r: &StoredRedemption) -> Result<Self, ApiError> {
        let res = &r.reservation;
        Ok(RedemptionView {
            id: res.id().as_str().to_owned(),
            customer_id: r.customer.as_uuid(),
            state: res.state().as_str().to_owned(),
            points: res.points().get(),
            reason: res.reason().as_str().to_owned(),
            reserved_at: res.reserved_at(),
            hold_until: res.hold_until(),
            closed_at: res.closed_at(),
            draws: serde_json::to_value(res.draws()).map_err(|e| ApiError::Internal(e.into()))?,
            source: r.source.clone(),
            external_id: r.external_id.clone(),
        })
    }
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
    let req = body.value;
    let now = crate::clock::now();
    let mut e = FieldErrors::new();
    let points = field(&mut e, "points", points_to_redeem(req.points));
    let reason = field(&mut e, "reason", Reason::parse(&req.reason));
    let hold = field(&mut e, "hold_minutes", HoldMinutes::new(req.hold_minutes));
    let key =
        field(&mut e, "external_id", RedemptionKey::from_parts(req.source.as_deref(), req.external_id.as_deref()));
    let (Some(points), Some(reason), Some(hold), Some(key)) = (points, reason, hold, key) else { return Err(e.into()) };
    let new = NewRedemption {
        customer: CustomerId::from_uuid(req.customer_id),
        points,
        reason,
        hold_until: hold.until(now),
        source: key.as_ref().map(|k| k.source().to_owned()),
        external_id: key.map(|k| k.external_id().to_owned()),
    };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let (stored, replayed) =
        state.run(move |conn| clientele_store::reserve(conn, new, &scope, &audit)).await.map_err(customer_error)?;
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
    let stored =
        state.run(move |conn| clientele_store::settle(conn, &id, step, &scope, &audit)).await.map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("redemption"),
            other => other,
        })?;
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
        state.run(move |conn| clientele_store::get_redemption(conn, &id, &scope)).await.map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("redemption"),
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(RedemptionView::new(&stored)?))
}

/// Activity points or a manual adjustment.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsRequest {
    /// `activity` (a campaign or event: points and growth value, in a new lot) or `adjustment` (a correction by hand).
    pub kind: String,
    /// For `activity`: which campaign or event.
    pub activity_id: Option<String>,
    /// For `activity`: points per event (≥ 1); for `adjustment`: points to add (> 0) or take (< 0).
    pub points: i64,
    /// For `activity`: how many events (default 1).
    pub events: Option<u32>,
    /// For `adjustment`: growth value to add or take (default 0).
    pub growth: Option<i64>,
    pub reason: String,
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
    let req = body.value;
    let mut e = FieldErrors::new();
    let reason = field(&mut e, "reason", Reason::parse(&req.reason));
    let grant = match req.kind.as_str() {
        "activity" => {
            let activity = match &req.activity_id {
                Some(a) => field(&mut e, "activity_id", ActivityId::parse(a)),
                None => {
                    e.push("activity_id", InvalidValue::new("required", "required for kind activity"));
                    None
                }
            };
            let per_event = field(&mut e, "points", Points::new(req.points));
            let events = field(&mut e, "events", Quantity::new(req.events.unwrap_or(1)));
            match (activity, per_event, events, reason.clone()) {
                (Some(a), Some(p), Some(n), Some(r)) => match ActivityGrant::new(a, p, n, r) {
                    Ok(g) => Some(PointsGrant::Activity(g)),
                    Err(err) => {
                        e.push("points", InvalidValue::new(err.code(), err.to_string()));
                        None
                    }
                },
                _ => None,
            }
        }
        "adjustment" => {
            let points = if req.points > 0 {
                field(&mut e, "points", Points::new(req.points)).map(|points| {
                    let lot = clientele_loyalty::LotId::parse(&Uuid::now_v7().to_string());
                    lot.map(|lot| ManualPoints::Credit { points, lot })
                })
            } else if req.points < 0 {
                field(
                    &mut e,
                    "points",
                    req.points
                        .checked_neg()
                        .ok_or_else(|| clientele_loyalty::InvalidValue::new("out_of_range", "too large"))
                        .and_then(Points::new),
                )
                .map(|points| Ok(ManualPoints::Debit { points }))
            } else {
                Some(Ok(ManualPoints::Unchanged))
            };
            let growth = GrowthDelta::new(req.growth.unwrap_or(0));
            if growth.magnitude().is_err() {
                e.push("growth", InvalidValue::new("out_of_range", "growth value change too large"));
            }
            match (points, reason.clone()) {
                (Some(Ok(points)), Some(reason)) => {
                    Some(PointsGrant::Manual(ManualAdjustment { points, growth, actor: actor(&caller)?, reason }))
                }
                _ => None,
            }
        }
        other => {
            e.push(
                "kind",
                InvalidValue::new("invalid_format", format!("unknown kind {other:?}: use activity or adjustment")),
            );
            None
        }
    };
    let Some(grant) = grant.filter(|_| e.is_empty()) else { return Err(e.into()) };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let summary = state
        .run(move |conn| clientele_store::grant_points(conn, customer, grant, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LoyaltyView::new(&summary)?))
}

/// A manual tier floor: the member holds at least `tier` until `until` (inclusive).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TierFloorBody {
    /// `S1` … `S6`.
    pub tier: String,
    pub until: NaiveDate,
    /// Why (recorded in the ledger with who set it).
    pub reason: String,
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
    let req = body.value;
    let mut e = FieldErrors::new();
    let tier = field(&mut e, "tier", req.tier.parse::<Tier>());
    let reason = field(&mut e, "reason", Reason::parse(&req.reason));
    let (Some(tier), Some(reason)) = (tier, reason) else { return Err(e.into()) };
    let request = TierFloorRequest { tier, until: req.until, set_by: actor(&caller)?, reason };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let summary = state
        .run(move |conn| clientele_store::set_tier_floor(conn, customer, FloorChange::Set(request), &scope, &audit))
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
            clientele_store::set_tier_floor(conn, customer, FloorChange::Remove { by, why }, &scope, &audit)
        })
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(LoyaltyView::new(&summary)?))
}

/// The loyalty programme in force.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProgramView {
    /// Increases with every change.
    pub version: i32,
    /// Base currency, earn rate, tier table S1–S6 with benefits, expiry policy, re-qualification window,
    /// `return_shortfall` (a return of points already redeemed: `negative_balance` (default), `cap_at_zero`,
    /// `deduct_from_refund`), `redemption_value_per_point` (optional, base currency).
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

/// The loyalty programme in force.
#[utoipa::path(tag = "loyalty", responses((status = 200, body = ProgramView)))]
#[get("/v1/loyalty/program")]
pub async fn get_program(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadLoyalty)?;
    let (config, version) = state.run(clientele_store::program).await?;
    Ok(HttpResponse::Ok().json(ProgramView {
        version,
        config: serde_json::to_value(&config).map_err(|e| ApiError::Internal(e.into()))?,
    }))
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
    let version = state.run(move |conn| clientele_store::save_program(conn, &saved, &audit)).await?;
    let background = state.clone();
    actix_web::rt::spawn(async move {
        let now = crate::clock::now();
        let reevaluated =
            background.run(move |conn| clientele_store::reevaluate_tiers_if_pending(conn, now.date_naive(), now)).await;
        match reevaluated {
            Ok(changed) => tracing::info!(version, ?changed, "tiers re-evaluated under the new programme"),
            Err(e) => tracing::error!(version, error = %e, "re-evaluating tiers failed; the next job run retries"),
        }
    });
    Ok(HttpResponse::Accepted().json(ProgramView {
        version,
        config: serde_json::to_value(&config).map_err(|e| ApiError::Internal(e.into()))?,
    }))
}
