//! The store manager's lists and figures (issue #12): the lapsed list and
//! the store's KPIs; and the associate's worklist ([`worklist`]). A
//! store-scoped key sees its stores only (another store: 404).

pub mod suggestions;
pub mod worklist;

use actix_web::{HttpResponse, get, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::NaiveDate;
use clientele_app::clienteling::FiguresOf;
use clientele_clienteling::{Period, StoreFigures};
use clientele_kernel::{FieldErrors, InvalidValue, StoreId};
use clientele_profiles::{AssociateId, Permission};
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

fn date(e: &mut FieldErrors, field: &str, value: Option<&str>, required: bool) -> Option<NaiveDate> {
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

/// The period of the KPIs.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// First day (the store's local day), YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
}

/// A store's figures over a period (docs/kpis.md defines each).
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresView {
    #[schema(value_type = String)]
    pub sales: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub gross_sales: rust_decimal::Decimal,
    #[schema(value_type = String)]
    pub refunds: rust_decimal::Decimal,
    #[schema(value_type = Option<String>)]
    pub members_share: Option<rust_decimal::Decimal>,
    pub orders: u64,
    #[schema(value_type = Option<String>)]
    pub average_ticket: Option<rust_decimal::Decimal>,
    #[schema(value_type = Option<String>)]
    pub units_per_ticket: Option<rust_decimal::Decimal>,
    #[schema(value_type = Option<String>)]
    pub return_rate: Option<rust_decimal::Decimal>,
    pub customers: u64,
    #[schema(value_type = Option<String>)]
    pub returning_customer_rate: Option<rust_decimal::Decimal>,
    pub new_customers: u64,
    #[schema(value_type = Option<String>)]
    pub new_customer_repeat_rate: Option<rust_decimal::Decimal>,
    #[schema(value_type = Option<String>)]
    pub churn: Option<rust_decimal::Decimal>,
}

impl From<clientele_clienteling::StoreFigures> for FiguresView {
    fn from(f: clientele_clienteling::StoreFigures) -> FiguresView {
        FiguresView {
            sales: f.sales,
            gross_sales: f.gross_sales,
            refunds: f.refunds,
            members_share: f.members_share,
            orders: f.orders,
            average_ticket: f.average_ticket,
            units_per_ticket: f.units_per_ticket,
            return_rate: f.return_rate,
            customers: f.customers,
            returning_customer_rate: f.returning_customer_rate,
            new_customers: f.new_customers,
            new_customer_repeat_rate: f.new_customer_repeat_rate,
            churn: f.churn,
        }
    }
}

impl KpiQuery {
    fn period(&self) -> Result<Period, ApiError> {
        let mut e = FieldErrors::new();
        let from = date(&mut e, "from", self.from.as_deref(), true);
        let to = date(&mut e, "to", self.to.as_deref(), true);
        let (Some(from), Some(to)) = (from, to) else { return Err(ApiError::Validation(e)) };
        Period::new(from, to, ("from", "to")).map_err(ApiError::Validation)
    }
}

impl StoreKpis {
    fn new(period: &Period, now: StoreFigures, then: StoreFigures) -> StoreKpis {
        StoreKpis { from: period.from(), to: period.to(), period: now.into(), year_before: then.into() }
    }
}

/// KPIs over a period (of a store, or of an associate's sales), with the
/// same dates a year before beside.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreKpis {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: FiguresView,
    /// The same dates a year before (29 February: 28 February).
    pub year_before: FiguresView,
}

/// A store's KPIs over a period — sales (net of the period's refunds),
/// members' share, orders, average ticket, units per ticket, return rate,
/// customers, the returning-customer rate, new customers and how many of
/// them bought again, churn — with the same dates a year before beside
/// them. docs/kpis.md defines each figure.
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), KpiQuery),
    responses((status = 200, body = StoreKpis), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/analytics/stores/{id}/kpis")]
pub async fn store_kpis(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    let store = path.parse().map(StoreId::from_uuid).map_err(|_| ApiError::NotFound("store"))?;
    figures(state, caller, &query, FiguresOf::Store(store), "store").await
}

/// The figures of a store or an associate, as the two KPI routes answer.
async fn figures(
    state: web::Data<AppState>,
    caller: Caller,
    query: &KpiQuery,
    of: FiguresOf,
    what: &'static str,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let period = query.period()?;
    let scope = caller.scope().clone();
    let (now, then) = state
        .run(move |conn| clientele_app::clienteling::kpis(conn, of, &period, &scope))
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound(what),
            other => other,
        })?;
    Ok(HttpResponse::Ok().json(StoreKpis::new(&period, now, then)))
}

/// The KPIs of the sales credited to an associate over a period, with the
/// same dates a year before beside them: the store's figures (docs/kpis.md)
/// counted over the associate's orders, their customers being the clients
/// they sold to. A store-scoped key sees its stores' associates only, an
/// associate's own key that associate only.
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), KpiQuery),
    responses((status = 200, body = StoreKpis), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/analytics/associates/{id}/kpis")]
pub async fn associate_kpis(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    let associate = path.parse().map(AssociateId::from_uuid).map_err(|_| ApiError::NotFound("associate"))?;
    if !caller.grant.may_see_associate(associate) {
        return Err(ApiError::NotFound("associate"));
    }
    figures(state, caller, &query, FiguresOf::Associate(associate), "associate").await
}
