//! The rewards catalogue (issue #13): rewards defined by the CRM team,
//! redeemed for points at the till through the redemption's reserve →
//! confirm path, and collected at the store.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, FieldErrors, StoreId};
use clientele_loyalty::{HoldMinutes, RedemptionKey, Tier};
use clientele_offers::{Reward, RewardKind, RewardParts};
use clientele_profiles::Permission;
use clientele_store::offers::{RewardRedemption, StoredReward};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::shapes::offer_fields;
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::routes::shared::customer_error;
use crate::state::AppState;

/// A reward to add to the catalogue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateRewardRequest {
    /// `gift`, `service`, `event_seat`, `partner_voucher`.
    pub kind: String,
    /// Its name in the catalogue (1–200 characters).
    pub name: String,
    /// Points it costs (above 0).
    pub points_cost: i64,
    /// What one costs the brand.
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
    /// Units to give; none: unlimited.
    pub stock: Option<u32>,
    /// Tiers that may take it; empty: every tier.
    #[serde(default)]
    pub tiers: Vec<String>,
    /// Most one member may take; none: no limit.
    pub per_member_limit: Option<u32>,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
}

impl CreateRewardRequest {
    fn into_reward(self) -> Result<Reward, ApiError> {
        let mut errors = FieldErrors::new();
        let kind = errors.check("kind", self.kind.parse::<RewardKind>());
        let tiers: Vec<Tier> = self
            .tiers
            .iter()
            .enumerate()
            .filter_map(|(i, t)| errors.check(&format!("tiers[{i}]"), t.parse::<Tier>()))
            .collect();
        let (Some(kind), true) = (kind, errors.is_empty()) else {
            return Err(ApiError::from(errors));
        };
        Reward::new(RewardParts {
            kind,
            name: self.name,
            points_cost: self.points_cost,
            unit_cost: self.unit_cost,
            stock: self.stock,
            tiers,
            per_member_limit: self.per_member_limit,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        })
        .map_err(offer_fields)
    }
}

/// A reward of the catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardView {
    pub id: Uuid,
    /// The reward as defined (kind, name, points_cost, unit_cost, stock, tiers, per_member_limit, valid_from, valid_to).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// Units left; null: unlimited.
    pub stock_left: Option<u32>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl RewardView {
    pub(crate) fn new(r: &StoredReward) -> RewardView {
        RewardView {
            id: r.id,
            definition: serde_json::to_value(&r.reward).unwrap_or_default(),
            stock_left: r.stock_left,
            created_at: r.created_at,
            created_by: r.created_by.clone(),
        }
    }
}

/// The catalogue.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardList {
    pub items: Vec<RewardView>,
}

/// How many rewards to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RewardQuery {
    /// 1–1,000, default 100.
    pub limit: Option<i64>,
}

/// A member takes a reward.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedeemRewardRequest {
    pub customer_id: Uuid,
    /// The store where the member will collect it.
    pub store_id: Option<Uuid>,
    /// How long the points are held before the hold lapses (1..=1440, default 15).
    pub hold_minutes: Option<u32>,
    /// With `external_id`, makes a retried request safe: made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

/// A reward taken by a member.
#[derive(Debug, Serialize, ToSchema)]
pub struct RewardRedemptionView {
    /// The redemption holding the points: confirm it with `POST /v1/redemptions/{id}/confirm`.
    pub redemption_id: String,
    pub reward_id: Uuid,
    pub customer_id: Uuid,
    pub store_id: Option<Uuid>,
    /// `held` (points held), `to_collect` (confirmed), `collected`, `cancelled` (cancelled or lapsed: points and stock back).
    pub state: String,
    pub points: i64,
    /// What it costs the brand.
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
    /// Until when the points are held (while `held`).
    pub hold_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub changed_at: DateTime<Utc>,
}

impl RewardRedemptionView {
    fn new(r: &RewardRedemption, hold_until: Option<DateTime<Utc>>) -> RewardRedemptionView {
        RewardRedemptionView {
            redemption_id: r.redemption_id.clone(),
            reward_id: r.reward_id,
            customer_id: r.customer.as_uuid(),
            store_id: r.store,
            state: r.state.clone(),
            points: r.points,
            unit_cost: r.unit_cost.normalize(),
            hold_until,
            created_at: r.created_at,
            changed_at: r.changed_at,
        }
    }
}

fn reward_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound("reward"))
}

/// Adds a reward to the catalogue (admin, crm_manager; audited).
#[utoipa::path(tag = "offers", request_body = CreateRewardRequest,
    responses((status = 201, body = RewardView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/rewards")]
pub async fn create_reward(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateRewardRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let reward = body.value.into_reward()?;
    let audit = caller.audit();
    let made = state.run(move |conn| clientele_app::rewards::create_reward(conn, reward, &audit)).await?;
    Ok(HttpResponse::Created().json(RewardView::new(&made)))
}

/// The catalogue, newest first, with the stock left (the till and the CRM team).
#[utoipa::path(tag = "offers", params(RewardQuery),
    responses((status = 200, body = RewardList), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/rewards")]
pub async fn list_rewards(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<RewardQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ValidateCoupons)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1_000).contains(&limit) {
        return Err(ApiError::field("limit", "out_of_range", "1 to 1,000"));
    }
    let rewards = state.run(move |conn| clientele_app::rewards::list_rewards(conn, limit)).await?;
    Ok(HttpResponse::Ok().json(RewardList { items: rewards.iter().map(RewardView::new).collect() }))
}

/// One reward, with its stock left.
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = RewardView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/rewards/{id}")]
pub async fn get_reward(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ValidateCoupons)?;
    let id = reward_id(&path)?;
    let found = state.run(move |conn| clientele_app::rewards::reward(conn, id)).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("reward"),
        other => other,
    })?;
    Ok(HttpResponse::Ok().json(RewardView::new(&found)))
}

/// A member takes a reward (pos, admin, crm_manager): its points are held
/// and a unit of stock taken, in one transaction under the member's
/// account lock — stock never goes below zero, however many ask at once.
/// Confirm with `POST /v1/redemptions/{redemption_id}/confirm` (the reward
/// is then `to_collect`), or cancel (points and stock go back; a lapsed
/// hold does the same). Refused with 409 `reward_not_available`,
/// `reward_out_of_stock`, `reward_tier`, `reward_limit_reached` or
/// `reward_insufficient_points`.
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)), request_body = RedeemRewardRequest,
    responses((status = 201, body = RewardRedemptionView), (status = 200, description = "Made before (same source + external_id)", body = RewardRedemptionView),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/rewards/{id}/redemptions")]
pub async fn redeem_reward(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<RedeemRewardRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Redeem)?;
    let id = reward_id(&path)?;
    let body = body.value;
    let mut e = FieldErrors::new();
    let hold = e.check("hold_minutes", HoldMinutes::new(body.hold_minutes));
    let key = e.check("external_id", RedemptionKey::from_parts(body.source.as_deref(), body.external_id.as_deref()));
    let (Some(hold), Some(key)) = (hold, key) else {
        return Err(e.into());
    };
    let request = clientele_app::rewards::RewardRequest {
        reward: id,
        customer: CustomerId::from_uuid(body.customer_id),
        store: body.store_id.map(StoreId::from_uuid),
        hold_until: hold.until(crate::clock::now()),
        source: key.as_ref().map(|k| k.source().to_owned()),
        external_id: key.map(|k| k.external_id().to_owned()),
    };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let redeemed = state
        .run(move |conn| clientele_app::rewards::redeem_reward(conn, request, &scope, &audit))
        .await
        .map_err(customer_error)?;
    let hold_until = (redeemed.reward.state == "held").then(|| redeemed.redemption.reservation.hold_until());
    let view = RewardRedemptionView::new(&redeemed.reward, hold_until);
    Ok(if redeemed.replayed { HttpResponse::Ok().json(view) } else { HttpResponse::Created().json(view) })
}

/// The member collects the reward at the store (store staff, pos, admin,
/// crm_manager; audited): `to_collect` → `collected`. 409 `reward_state`
/// while its points are held, or once collected or cancelled.
#[utoipa::path(tag = "offers", params(("id" = String, Path)),
    responses((status = 200, body = RewardRedemptionView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
#[post("/v1/reward-redemptions/{id}/collect")]
pub async fn collect(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ValidateCoupons)?;
    step(state, caller, path.into_inner(), clientele_app::rewards::collect).await
}

/// Cancels a confirmed reward not yet collected (pos, admin, crm_manager;
/// audited): `to_collect` → `cancelled`, its points credited back to the
/// member and its unit put back in stock. A reward whose points are still
/// held is cancelled with `POST /v1/redemptions/{id}/cancel`; 409
/// `reward_state` while held, or once collected or cancelled.
#[utoipa::path(tag = "offers", params(("id" = String, Path)),
    responses((status = 200, body = RewardRedemptionView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
#[post("/v1/reward-redemptions/{id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::Redeem)?;
    step(state, caller, path.into_inner(), clientele_app::rewards::cancel_reward).await
}

type Step = fn(
    &mut clientele_store::PgConnection,
    &str,
    &clientele_profiles::StoreScope,
    &clientele_store::AuditContext,
) -> Result<RewardRedemption, clientele_store::StoreError>;

/// A reward redemption moved on by `f`, answered as it is after.
async fn step(state: web::Data<AppState>, caller: Caller, id: String, f: Step) -> Result<HttpResponse, ApiError> {
    if id.len() > 64 {
        return Err(ApiError::NotFound("reward redemption"));
    }
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let moved = state.run(move |conn| f(conn, &id, &scope, &audit)).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("reward redemption"),
        other => other,
    })?;
    Ok(HttpResponse::Ok().json(RewardRedemptionView::new(&moved, None)))
}
