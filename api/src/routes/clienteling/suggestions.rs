//! Next-best-product: `GET /v1/customers/{id}/suggestions`.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use clientele_app::suggestions::{Basis, Suggested};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue};
use clientele_profiles::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::query::Query;
use crate::state::AppState;

/// How many, and what a basket is.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SuggestionQuery {
    /// 1–50, default 5.
    pub limit: Option<String>,
    /// `customer` (default: items the same clients buy, over the last
    /// year's purchases) or `order` (items bought in the same order).
    pub basis: Option<String>,
}

/// Something to suggest to the client, and why.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionView {
    /// `product` (a SKU) or `category`.
    pub level: String,
    /// The SKU or the category.
    pub item: String,
    pub name: String,
    /// What the client bought and kept that it comes from.
    pub because: String,
    pub because_name: String,
    /// The last day the client bought it.
    pub bought_on: NaiveDate,
    /// How many times more often the two are bought together than by chance.
    pub lift: f64,
    /// The share of the baskets with `because` that also hold `item`.
    pub confidence: f64,
    /// Baskets holding both.
    pub shared: u32,
    /// E.g. "bought eye shadow on 2 Oct → mascara: bought together 3.1× more often than by chance".
    pub reason: String,
}

impl SuggestionView {
    pub fn new(s: Suggested) -> SuggestionView {
        SuggestionView {
            level: s.level.to_owned(),
            lift: s.counts.lift(),
            confidence: s.counts.confidence(),
            shared: s.counts.shared(),
            item: s.item,
            name: s.name,
            because: s.because,
            because_name: s.because_name,
            bought_on: s.bought_on,
            reason: s.reason,
        }
    }
}

/// A client's suggestions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestionList {
    pub items: Vec<SuggestionView>,
}

impl SuggestionQuery {
    fn parse(&self) -> Result<(Basis, usize), ApiError> {
        let mut e = FieldErrors::new();
        let basis = match self.basis.as_deref() {
            None | Some("customer") => Some(Basis::Customer),
            Some("order") => Some(Basis::Order),
            Some(_) => {
                e.push("basis", InvalidValue::new("invalid_value", "must be customer or order"));
                None
            }
        };
        let limit = match self.limit.as_deref().map(str::parse::<usize>) {
            None => Some(5),
            Some(Ok(n)) if (1..=50).contains(&n) => Some(n),
            Some(_) => {
                e.push("limit", InvalidValue::new("out_of_range", "limit must be a whole number from 1 to 50"));
                None
            }
        };
        match (basis, limit) {
            (Some(b), Some(l)) if e.is_empty() => Ok((b, l)),
            _ => Err(ApiError::Validation(e)),
        }
    }
}

/// What to suggest to the client next, from co-purchase affinity (the
/// daily job counts it over the last year's kept purchases): products and
/// categories often bought with what the client bought and kept (a
/// returned item is not owned), never what they already own, strongest
/// first (lift, then confidence, then shared baskets), each with its
/// reason.
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), SuggestionQuery),
    responses((status = 200, body = SuggestionList), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/customers/{id}/suggestions")]
pub async fn suggestions(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<SuggestionQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCustomers)?;
    let customer = path.parse().map(CustomerId::from_uuid).map_err(|_| ApiError::NotFound("customer"))?;
    let asked = query.parse()?;
    let scope = caller.scope().clone();
    let found = state.run(move |conn| clientele_app::suggestions::suggestions(conn, customer, &scope, asked)).await?;
    Ok(HttpResponse::Ok().json(SuggestionList { items: found.into_iter().map(SuggestionView::new).collect() }))
}
