//! Points offers (issue #13): bonus points or a multiplier on qualifying
//! orders within a window, defined by the CRM team (admin, crm_manager)
//! and applied when an order earns.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, InvalidValue};
use clientele_offers::{PointsOffer, PointsOfferKindParts, PointsOfferParts};
use clientele_profiles::Permission;
use clientele_store::offers::StoredPointsOffer;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::shapes::{EligibilityShape, offer_fields, offer_name};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

/// What a points offer gives: `{"bonus": 500}` points per qualifying order,
/// or `{"multiplier": "2"}` times the qualifying lines' points.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PointsOfferKindShape {
    pub bonus: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub multiplier: Option<Decimal>,
}

/// A points offer to define.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatePointsOfferRequest {
    /// What the CRM team calls it (1–4,000 characters).
    pub name: String,
    /// The campaign that offers it: the ledger names it as the points' source.
    pub campaign_id: Option<Uuid>,
    pub kind: PointsOfferKindShape,
    /// Least amount paid on the qualifying lines.
    #[schema(value_type = Option<String>)]
    pub min_spend: Option<Decimal>,
    /// Which lines and tiers qualify; every list empty = all (members only: an anonymous buyer earns nothing).
    #[serde(default)]
    pub eligibility: EligibilityShape,
    /// First instant an order qualifies at.
    pub valid_from: DateTime<Utc>,
    /// First instant it no longer does.
    pub valid_to: DateTime<Utc>,
}

impl CreatePointsOfferRequest {
    fn into_parts(self) -> Result<(String, Option<Uuid>, PointsOffer), ApiError> {
        let mut errors = FieldErrors::new();
        let name = offer_name(&mut errors, &self.name);
        let kind = match (self.kind.bonus, self.kind.multiplier) {
            (Some(points), None) => Some(PointsOfferKindParts::Bonus(points)),
            (None, Some(m)) => Some(PointsOfferKindParts::Multiplier(m)),
            _ => {
                errors.push("kind", InvalidValue::new("invalid_value", "exactly one of bonus and multiplier"));
                None
            }
        };
        let eligibility = self.eligibility.into_eligibility(&mut errors);
        let (Some(name), Some(kind), true) = (name, kind, errors.is_empty()) else {
            return Err(ApiError::from(errors));
        };
        let parts = PointsOfferParts {
            kind,
            min_spend: self.min_spend,
            eligibility,
            valid_from: self.valid_from,
            valid_to: self.valid_to,
        };
        let offer = PointsOffer::new(parts).map_err(offer_fields)?;
        Ok((name, self.campaign_id, offer))
    }
}

/// A points offer.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsOfferView {
    pub id: Uuid,
    pub name: String,
    pub campaign_id: Option<Uuid>,
    /// The definition as given (kind, min_spend, eligibility, valid_from, valid_to).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    /// The source its points carry in the ledger (`activity`): `campaign <id>`, or `points offer <id>`.
    pub ledger_source: String,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl PointsOfferView {
    fn new(o: &StoredPointsOffer) -> PointsOfferView {
        PointsOfferView {
            id: o.id,
            name: o.name.clone(),
            campaign_id: o.campaign,
            definition: serde_json::to_value(&o.definition).unwrap_or_default(),
            ledger_source: o.activity(),
            created_at: o.created_at,
            created_by: o.created_by.clone(),
        }
    }
}

/// Points offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointsOfferList {
    pub items: Vec<PointsOfferView>,
}

/// Which points or gift offers to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OfferListQuery {
    /// Only those not ended at this instant (default: all).
    pub active_at: Option<DateTime<Utc>>,
    /// 1–1,000, default 100.
    pub limit: Option<i64>,
}

/// Defines a points offer (admin, crm_manager; audited). From then on every
/// member's order placed in its window with qualifying lines earns its
/// points on top: in the order's lot, on their own ledger entry, no growth
/// value; a return takes back exactly what it gave.
#[utoipa::path(tag = "offers", request_body = CreatePointsOfferRequest,
    responses((status = 201, body = PointsOfferView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/points-offers")]
pub async fn create_points_offer(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreatePointsOfferRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let (name, campaign, offer) = body.value.into_parts()?;
    let audit = caller.audit();
    let made = state
        .run(move |conn| clientele_app::points_offers::create_points_offer(conn, (name, campaign), offer, &audit))
        .await?;
    Ok(HttpResponse::Created().json(PointsOfferView::new(&made)))
}

/// Points offers, soonest to end first (admin, crm_manager).
#[utoipa::path(tag = "offers", params(OfferListQuery),
    responses((status = 200, body = PointsOfferList), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/points-offers")]
pub async fn list_points_offers(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<OfferListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=1_000).contains(&limit) {
        return Err(ApiError::field("limit", "out_of_range", "1 to 1,000"));
    }
    let at = query.active_at.map(crate::clock::stored);
    let offers = state.run(move |conn| clientele_app::points_offers::list_points_offers(conn, at, limit)).await?;
    Ok(HttpResponse::Ok().json(PointsOfferList { items: offers.iter().map(PointsOfferView::new).collect() }))
}

/// A points offer (admin, crm_manager).
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = PointsOfferView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/points-offers/{id}")]
pub async fn get_points_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let id: Uuid = path.parse().map_err(|_| ApiError::NotFound("points offer"))?;
    let found =
        state.run(move |conn| clientele_app::points_offers::points_offer(conn, id)).await.map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("points offer"),
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(PointsOfferView::new(&found)))
}
