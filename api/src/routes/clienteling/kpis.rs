//! The KPIs (docs/kpis.md): `GET /v1/analytics/stores/{id}/kpis`, `GET
//! /v1/analytics/stores/kpis` (every store the caller may see, and all of
//! them together) and `GET /v1/analytics/associates/{id}/kpis`, each over
//! a period beside the same dates a year before.

use std::collections::HashMap;

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use clientele_app::clienteling::{Channels, Figures, PerStore};
use clientele_clienteling::{ChannelFigures, Period, StoreFigures};
use clientele_kernel::{FieldErrors, StoreId};
use clientele_profiles::{AssociateId, Permission};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::date;
use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::query::Query;
use crate::state::AppState;

/// The period of the KPIs.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct KpiQuery {
    /// First day (the store's local day), YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, included.
    pub to: Option<String>,
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

/// The figures of a period (docs/kpis.md defines each).
#[derive(Debug, Serialize, ToSchema)]
pub struct FiguresView {
    #[schema(value_type = String)]
    pub sales: Decimal,
    #[schema(value_type = String)]
    pub gross_sales: Decimal,
    #[schema(value_type = String)]
    pub refunds: Decimal,
    #[schema(value_type = Option<String>)]
    pub members_share: Option<Decimal>,
    pub orders: u64,
    #[schema(value_type = Option<String>)]
    pub average_ticket: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub units_per_ticket: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub return_rate: Option<Decimal>,
    pub customers: u64,
    #[schema(value_type = Option<String>)]
    pub returning_customer_rate: Option<Decimal>,
    pub new_customers: u64,
    #[schema(value_type = Option<String>)]
    pub new_customer_repeat_rate: Option<Decimal>,
    #[schema(value_type = Option<String>)]
    pub churn: Option<Decimal>,
}

impl From<StoreFigures> for FiguresView {
    fn from(f: StoreFigures) -> FiguresView {
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

/// One acquisition channel: the customers who joined through it in the
/// period (by their home store), what acquiring them cost and what they
/// are worth since.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChannelView {
    /// `mall_walk_in`, `referral`, `online_campaign`, `street_promotion`,
    /// `cross_industry_partner`, `event`, `ecommerce`, `other`, or
    /// `unknown` (none recorded).
    pub channel: String,
    pub customers: u64,
    /// Of them, those whose acquisition cost is known in the base currency.
    pub customers_with_cost: u64,
    /// Their acquisition cost, base currency.
    #[schema(value_type = String)]
    pub cost: Decimal,
    /// `cost ÷ customers_with_cost`.
    #[schema(value_type = Option<String>)]
    pub cost_per_customer: Option<Decimal>,
    /// Of `customers`, those with a lifetime value in the latest segment snapshot.
    pub customers_with_clv: u64,
    /// Their average lifetime value, base currency.
    #[schema(value_type = Option<String>)]
    pub average_clv: Option<Decimal>,
}

impl From<&ChannelFigures> for ChannelView {
    fn from(c: &ChannelFigures) -> ChannelView {
        ChannelView {
            channel: c.channel.map_or("unknown", |c| c.as_str()).to_owned(),
            customers: c.customers,
            customers_with_cost: c.customers_with_cost,
            cost: c.cost,
            cost_per_customer: c.cost_per_customer,
            customers_with_clv: c.customers_with_clv,
            average_clv: c.average_clv,
        }
    }
}

/// The acquisition channels of the period and of the year before, most
/// customers first.
#[derive(Debug, Serialize, ToSchema)]
pub struct AcquisitionView {
    pub period: Vec<ChannelView>,
    pub year_before: Vec<ChannelView>,
}

impl From<&Channels> for AcquisitionView {
    fn from(c: &Channels) -> AcquisitionView {
        AcquisitionView {
            period: c.period.iter().map(ChannelView::from).collect(),
            year_before: c.year_before.iter().map(ChannelView::from).collect(),
        }
    }
}

/// A store's KPIs over a period, with the same dates a year before beside.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreKpisView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: FiguresView,
    /// The same dates a year before (29 February: 28 February).
    pub year_before: FiguresView,
    /// The customers whose home store it is, by how they were acquired.
    pub acquisition: AcquisitionView,
}

/// A store's KPIs over a period — sales (net of the period's refunds),
/// members' share, orders, average ticket, units per ticket, return rate,
/// customers, the returning-customer rate, new customers and how many of
/// them bought again, churn — with the same dates a year before beside
/// them, and the acquisition channels of the customers whose home store it
/// is (count, cost, average lifetime value). docs/kpis.md defines each
/// figure.
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), KpiQuery),
    responses((status = 200, body = StoreKpisView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/analytics/stores/{id}/kpis")]
pub async fn store_kpis(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let store = path.parse().map(StoreId::from_uuid).map_err(|_| ApiError::NotFound("store"))?;
    let period = query.period()?;
    let (figures, channels) = both(&state, &caller, Some(store), period).await.map_err(|e| not_found_as(e, "store"))?;
    let (period_view, year_before) = figures_views(&figures.total);
    Ok(HttpResponse::Ok().json(StoreKpisView {
        from: period.from(),
        to: period.to(),
        period: period_view,
        year_before,
        acquisition: (&channels.total).into(),
    }))
}

/// The figures and the acquisition channels, read side by side on two
/// connections (each read checks the caller's scope).
async fn both(
    state: &web::Data<AppState>,
    caller: &Caller,
    only: Option<StoreId>,
    period: Period,
) -> Result<(PerStore<Figures>, PerStore<Channels>), ApiError> {
    let (s1, s2) = (caller.scope().clone(), caller.scope().clone());
    futures_util::future::try_join(
        state.run(move |conn| clientele_app::clienteling::store_figures(conn, only, &period, &s1)),
        state.run(move |conn| clientele_app::clienteling::store_channels(conn, only, &period, &s2)),
    )
    .await
}

fn not_found_as(e: ApiError, what: &'static str) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound(what),
        other => other,
    }
}

fn figures_views(f: &Figures) -> (FiguresView, FiguresView) {
    (f.period.into(), f.year_before.into())
}

/// One store of the all-stores answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreEntryView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub period: FiguresView,
    pub year_before: FiguresView,
    pub acquisition: AcquisitionView,
}

/// The stores together: their sales added up, each customer counted once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TotalView {
    pub period: FiguresView,
    pub year_before: FiguresView,
    pub acquisition: AcquisitionView,
}

/// Every store's KPIs, and those of all of them together.
#[derive(Debug, Serialize, ToSchema)]
pub struct AllStoresKpisView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every store the key may see, by code.
    pub stores: Vec<StoreEntryView>,
    /// Over those stores.
    pub total: TotalView,
}

/// The KPIs of every store the key may see (a store-scoped key: its
/// stores), by code, each as `GET /v1/analytics/stores/{id}/kpis` answers,
/// and the same figures over those stores together: their sales added up,
/// a customer who bought at two of them counted once, churn over the
/// customers of any of them. Orders without a store (the e-shop) are in
/// none. docs/kpis.md defines each figure.
#[utoipa::path(tag = "clienteling", params(KpiQuery),
    responses((status = 200, body = AllStoresKpisView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/analytics/stores/kpis")]
pub async fn all_store_kpis(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let period = query.period()?;
    let (figures, channels) = both(&state, &caller, None, period).await?;
    // Two reads: a store created between them has no channels yet.
    let channels_of: HashMap<StoreId, &Channels> = channels.stores.iter().map(|(s, c)| (s.id, c)).collect();
    let none = Channels::default();
    let stores = figures
        .stores
        .iter()
        .map(|(store, f)| {
            let c = channels_of.get(&store.id).copied().unwrap_or(&none);
            let (period, year_before) = figures_views(f);
            StoreEntryView {
                id: store.id.as_uuid(),
                code: store.code.as_str().to_owned(),
                name: store.name.as_str().to_owned(),
                period,
                year_before,
                acquisition: c.into(),
            }
        })
        .collect();
    let (total_period, total_before) = figures_views(&figures.total);
    Ok(HttpResponse::Ok().json(AllStoresKpisView {
        from: period.from(),
        to: period.to(),
        stores,
        total: TotalView { period: total_period, year_before: total_before, acquisition: (&channels.total).into() },
    }))
}

/// An associate's KPIs over a period, with the same dates a year before.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssociateKpisView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: FiguresView,
    /// The same dates a year before (29 February: 28 February).
    pub year_before: FiguresView,
}

/// The KPIs of the sales credited to an associate over a period, with the
/// same dates a year before beside them: the store's figures (docs/kpis.md)
/// counted over the associate's orders, their customers being the clients
/// they sold to. No acquisition channels: a customer does not record who
/// acquired them. A store-scoped key sees its stores' associates only, an
/// associate's own key that associate only.
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), KpiQuery),
    responses((status = 200, body = AssociateKpisView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/analytics/associates/{id}/kpis")]
pub async fn associate_kpis(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<KpiQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let associate = path.parse().map(AssociateId::from_uuid).map_err(|_| ApiError::NotFound("associate"))?;
    if !caller.grant.may_see_associate(associate) {
        return Err(ApiError::NotFound("associate"));
    }
    let period = query.period()?;
    let scope = caller.scope().clone();
    let figures = state
        .run(move |conn| clientele_app::clienteling::associate_kpis(conn, associate, &period, &scope))
        .await
        .map_err(|e| not_found_as(e, "associate"))?;
    let (period_view, year_before) = figures_views(&figures);
    Ok(HttpResponse::Ok().json(AssociateKpisView {
        from: period.from(),
        to: period.to(),
        period: period_view,
        year_before,
    }))
}
