//! Gifts with purchase (issue #13): defined by the CRM team (admin,
//! crm_manager) and given to the orders that qualify.

use actix_web::{HttpResponse, get, post, web};
use chrono::{DateTime, Utc};
use clientele_kernel::FieldErrors;
use clientele_offers::{GiftOffer, GiftOfferParts};
use clientele_profiles::Permission;
use clientele_store::offers::StoredGiftOffer;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::points::OfferListQuery;
use super::shapes::{EligibilityShape, offer_fields, offer_name};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

/// A gift with purchase to define.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateGiftOfferRequest {
    /// What the CRM team calls it (1–4,000 characters).
    pub name: String,
    /// The campaign that offers it.
    pub campaign_id: Option<Uuid>,
    /// The gift's SKU.
    pub sku: String,
    /// The gift's name, as the associate sees it (1–200 characters).
    pub gift_name: String,
    /// What one costs the brand.
    #[schema(value_type = String)]
    pub unit_cost: Decimal,
    /// How many a qualifying order gets (default 1).
    pub quantity: Option<u32>,
    /// Least spend on the eligible lines, after every discount.
    #[schema(value_type = Option<String>)]
    pub min_spend: Option<Decimal>,
    /// Which lines count and which tiers may have it; every list empty = all.
    #[serde(default)]
    pub eligibility: EligibilityShape,
    pub valid_from: DateTime<Utc>,
    pub valid_to: DateTime<Utc>,
}

/// A gift with purchase.
#[derive(Debug, Serialize, ToSchema)]
pub struct GiftOfferView {
    pub id: Uuid,
    pub name: String,
    pub campaign_id: Option<Uuid>,
    /// The definition (sku, name, unit_cost, quantity, min_spend, eligibility, valid_from, valid_to).
    #[schema(value_type = Object)]
    pub definition: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl GiftOfferView {
    fn new(o: &StoredGiftOffer) -> GiftOfferView {
        GiftOfferView {
            id: o.id,
            name: o.name.clone(),
            campaign_id: o.campaign,
            definition: serde_json::to_value(&o.definition).unwrap_or_default(),
            created_at: o.created_at,
            created_by: o.created_by.clone(),
        }
    }
}

/// Gifts with purchase.
#[derive(Debug, Serialize, ToSchema)]
pub struct GiftOfferList {
    pub items: Vec<GiftOfferView>,
}

/// Defines a gift with purchase (admin, crm_manager; audited): from then
/// on every order sent to `POST /v1/orders` in its window that qualifies
/// is given it — the order shows it under `gifts`.
#[utoipa::path(tag = "offers", request_body = CreateGiftOfferRequest,
    responses((status = 201, body = GiftOfferView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/gift-offers")]
pub async fn create_gift_offer(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateGiftOfferRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let b = body.value;
    let mut errors = FieldErrors::new();
    let name = offer_name(&mut errors, &b.name);
    let eligibility = b.eligibility.into_eligibility(&mut errors);
    let (Some(name), true) = (name, errors.is_empty()) else {
        return Err(ApiError::from(errors));
    };
    let parts = GiftOfferParts {
        sku: b.sku,
        name: b.gift_name,
        unit_cost: b.unit_cost,
        quantity: b.quantity.unwrap_or(1),
        min_spend: b.min_spend,
        eligibility,
        valid_from: b.valid_from,
        valid_to: b.valid_to,
    };
    let definition = GiftOffer::new(parts).map_err(|e| match offer_fields(e) {
        ApiError::Validation(mut fields) => {
            // The gift's own name is `gift_name` in the request.
            fields.0.iter_mut().filter(|f| f.field == "name").for_each(|f| f.field = "gift_name".to_owned());
            ApiError::Validation(fields)
        }
        other => other,
    })?;
    let (audit, campaign) = (caller.audit(), b.campaign_id);
    let made = state
        .run(move |conn| clientele_app::gifts::create_gift_offer(conn, (name, campaign), definition, &audit))
        .await?;
    Ok(HttpResponse::Created().json(GiftOfferView::new(&made)))
}

/// Gifts with purchase, soonest to end first (admin, crm_manager).
#[utoipa::path(tag = "offers", params(OfferListQuery),
    responses((status = 200, body = GiftOfferList), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/gift-offers")]
pub async fn list_gift_offers(
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
    let offers = state.run(move |conn| clientele_app::gifts::list_gift_offers(conn, at, limit)).await?;
    Ok(HttpResponse::Ok().json(GiftOfferList { items: offers.iter().map(GiftOfferView::new).collect() }))
}

/// A gift with purchase (admin, crm_manager).
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path)),
    responses((status = 200, body = GiftOfferView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/gift-offers/{id}")]
pub async fn get_gift_offer(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageOffers)?;
    let id: Uuid = path.parse().map_err(|_| ApiError::NotFound("gift offer"))?;
    let found = state.run(move |conn| clientele_app::gifts::gift_offer(conn, id)).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("gift offer"),
        other => other,
    })?;
    Ok(HttpResponse::Ok().json(GiftOfferView::new(&found)))
}
