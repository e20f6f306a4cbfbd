//! Tier benefits drawn down at the till (issue #13).

use actix_web::{HttpResponse, post, web};
use chrono::NaiveDate;
use clientele_kernel::{CustomerId, FieldErrors, StoreId};
use clientele_loyalty::RedemptionKey;
use clientele_offers::EntitlementStatus;
use clientele_profiles::Permission;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::routes::shared::customer_error;
use crate::state::AppState;

/// Where a member stands with a benefit this period.
#[derive(Debug, Serialize, ToSchema)]
pub struct EntitlementView {
    /// The benefit's key (`birthday_gift`, `jewelry_cleaning`).
    pub benefit: String,
    /// The current period: `[period_start, period_end)`.
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    /// Uses the member's tier has per period.
    pub allowed: u32,
    pub used: u32,
    pub left: u32,
}

impl EntitlementView {
    pub(crate) fn new(s: &EntitlementStatus) -> EntitlementView {
        EntitlementView {
            benefit: s.benefit.as_str().to_owned(),
            period_start: s.period_start,
            period_end: s.period_end,
            allowed: s.allowed,
            used: s.used,
            left: s.left,
        }
    }
}

/// A use of a benefit at the till.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DrawRequest {
    /// The store where it is given (the day it counts in is that store's).
    pub store_id: Option<Uuid>,
    /// With `external_id`, makes a retried draw safe: made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

/// Draws one use of a tier benefit for a member at the till (the till and
/// the store's staff; audited): the programme's offer settings say how many
/// each tier has per member or calendar year. 409 `entitlement_used_up`
/// when none is left this period (or the tier has none); a benefit the
/// programme does not count is 404.
#[utoipa::path(tag = "offers", params(("id" = Uuid, Path), ("benefit" = String, Path)), request_body = DrawRequest,
    responses((status = 201, body = EntitlementView), (status = 200, description = "Drawn before (same source + external_id)", body = EntitlementView),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/customers/{id}/entitlements/{benefit}/uses")]
pub async fn draw(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: JsonBody<DrawRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ValidateCoupons)?;
    let (raw_id, benefit) = path.into_inner();
    let customer = raw_id.parse().map(CustomerId::from_uuid).map_err(|_| ApiError::NotFound("customer"))?;
    if benefit.len() > 64 {
        return Err(ApiError::NotFound("entitlement"));
    }
    let body = body.value;
    let mut e = FieldErrors::new();
    let Some(key) =
        e.check("external_id", RedemptionKey::from_parts(body.source.as_deref(), body.external_id.as_deref()))
    else {
        return Err(e.into());
    };
    let draw = clientele_app::entitlements::Draw {
        customer,
        benefit,
        store: body.store_id.map(StoreId::from_uuid),
        source: key.as_ref().map(|k| k.source().to_owned()),
        external_id: key.map(|k| k.external_id().to_owned()),
    };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let drawn = state
        .run(move |conn| match clientele_app::entitlements::draw_entitlement(conn, draw, &scope, &audit) {
            // The benefit unknown to the programme, not the customer.
            Err(clientele_store::StoreError::NotFound) => {
                clientele_store::check_visible(conn, customer, &scope)?;
                Err(clientele_store::StoreError::NotFound)
            }
            other => other,
        })
        .await
        .map_err(customer_error)?;
    let view = EntitlementView::new(&drawn.status);
    Ok(if drawn.replayed { HttpResponse::Ok().json(view) } else { HttpResponse::Created().json(view) })
}
