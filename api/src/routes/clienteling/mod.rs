//! The store manager's lists and figures (issue #12): the lapsed list, the
//! KPIs ([`kpis`]), the associate's worklist ([`worklist`]) and the
//! next-best products ([`suggestions`]). A store-scoped key sees its
//! stores only (another store: 404).

pub mod kpis;
pub mod suggestions;
pub mod worklist;

use actix_web::{HttpResponse, get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use clientele_clienteling::Period;
use clientele_kernel::{FieldErrors, InvalidValue, StoreId};
use clientele_profiles::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::shared::{bad_cursor, date_param, parse_limit};
use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::query::Query;
use crate::state::AppState;

/// The periods and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct LapsedQuery {
    /// First day of the period (the store's local day), YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day of the period, included.
    pub to: Option<String>,
    /// First day of the comparison period (default: `from` a year before).
    pub compare_from: Option<String>,
    /// Last day of the comparison period (default: `to` a year before).
    pub compare_to: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

pub(super) fn date(e: &mut FieldErrors, field: &str, value: Option<&str>, required: bool) -> Option<NaiveDate> {
    if required && value.is_none() {
        e.push(field, InvalidValue::new("required", "must be a date, YYYY-MM-DD"));
    }
    date_param(e, field, value)
}

impl LapsedQuery {
    fn periods(&self) -> Result<(Period, Period), ApiError> {
        let mut e = FieldErrors::new();
        let from = date(&mut e, "from", self.from.as_deref(), true);
        let to = date(&mut e, "to", self.to.as_deref(), true);
        let compare_from = date(&mut e, "compare_from", self.compare_from.as_deref(), false);
        let compare_to = date(&mut e, "compare_to", self.compare_to.as_deref(), false);
        if compare_from.is_some() != compare_to.is_some() {
            let missing = if compare_from.is_none() { "compare_from" } else { "compare_to" };
            e.push(missing, InvalidValue::new("required", "give both ends of the comparison period, or neither"));
        }
        let (Some(from), Some(to)) = (from, to) else { return Err(ApiError::Validation(e)) };
        if !e.is_empty() {
            return Err(ApiError::Validation(e));
        }
        let period = Period::new(from, to, ("from", "to")).map_err(ApiError::Validation)?;
        let compare = match (compare_from, compare_to) {
            (Some(f), Some(t)) => Period::new(f, t, ("compare_from", "compare_to")).map_err(ApiError::Validation)?,
            _ => period.year_before(),
        };
        Ok((period, compare))
    }
}

/// One client of the lapsed list.
#[derive(Debug, Serialize, ToSchema)]
pub struct LapsedClientView {
    pub customer_id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
    /// The client's associate.
    pub associate_id: Option<Uuid>,
    /// Orders at the store in the comparison period (not wholly returned).
    pub orders_before: i64,
    /// Spent at the store in the comparison period, net of refunds, base currency.
    #[schema(value_type = String)]
    pub spent_before: rust_decimal::Decimal,
    /// The last purchase at this store.
    pub last_purchase_here: NaiveDate,
    /// The last purchase at any store.
    pub last_purchase: NaiveDate,
    /// Lifetime value in the latest snapshot.
    #[schema(value_type = Option<String>)]
    pub clv: Option<rust_decimal::Decimal>,
}

/// A page of the lapsed list, most valuable first.
#[derive(Debug, Serialize, ToSchema)]
pub struct LapsedPage {
    /// The period and the comparison period, as applied.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub compare_from: NaiveDate,
    pub compare_to: NaiveDate,
    pub items: Vec<LapsedClientView>,
    pub next_cursor: Option<String>,
}

fn parse_cursor(raw: &str) -> Result<(rust_decimal::Decimal, Uuid), ApiError> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad_cursor())?).map_err(|_| bad_cursor())?;
    let (spent, id) = text.strip_prefix("l:").and_then(|t| t.split_once('|')).ok_or_else(bad_cursor)?;
    Ok((spent.parse().map_err(|_| bad_cursor())?, id.parse().map_err(|_| bad_cursor())?))
}

/// The store's lapsed list: the clients with an order at the store in the
/// comparison period (by default the same dates a year before) and none
/// there in the period, with their associate, their last purchases and
/// value, by what they spent (most first). An order counts unless it was
/// wholly returned; anonymous sales, merged and erased customers do not.
/// The store manager records why per client with a follow-up's outcome.
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), LapsedQuery),
    responses((status = 200, body = LapsedPage), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/analytics/stores/{id}/lapsed")]
pub async fn lapsed(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<LapsedQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let store = path.parse().map(StoreId::from_uuid).map_err(|_| ApiError::NotFound("store"))?;
    let (period, compare) = query.periods()?;
    let after = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())? as usize;
    let scope = caller.scope().clone();
    let rows = state
        .run(move |conn| {
            clientele_app::clienteling::lapsed(conn, store, (&period, &compare), &scope, after, limit as i64 + 1)
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("store"),
            other => other,
        })?;
    let more = rows.len() > limit;
    let items: Vec<LapsedClientView> = rows
        .into_iter()
        .take(limit)
        .map(|r| LapsedClientView {
            customer_id: r.customer_id,
            member_no: r.member_no,
            name: r.name,
            associate_id: r.associate_id,
            orders_before: r.orders_before,
            spent_before: r.spent_before,
            last_purchase_here: r.last_purchase_here,
            last_purchase: r.last_purchase,
            clv: r.clv,
        })
        .collect();
    let next_cursor = if more {
        items.last().map(|i| URL_SAFE_NO_PAD.encode(format!("l:{}|{}", i.spent_before, i.customer_id)))
    } else {
        None
    };
    Ok(HttpResponse::Ok().json(LapsedPage {
        from: period.from(),
        to: period.to(),
        compare_from: compare.from(),
        compare_to: compare.to(),
        items,
        next_cursor,
    }))
}
