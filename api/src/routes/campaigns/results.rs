//! A campaign's measured results: `GET /v1/campaigns/{id}/results`
//! (docs/experiments.md says what each figure means).

use actix_web::{HttpResponse, get, web};
use chrono::{DateTime, Utc};
use clientele_app::campaigns::results::{
    CampaignResults, CostFigures, CutBy, Figures, GroupFigures, Metric, ResultsRequest, money_estimate,
};
use clientele_app::campaigns::scorecard::ScorecardSort;
use clientele_experiments::{Estimate, Measurement};
use clientele_profiles::Permission;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::{campaign_error, campaign_id};
use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::query::Query;
use crate::state::AppState;

/// What to measure.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResultsQuery {
    /// Days after each contact that count, 1–365; default 30.
    pub window_days: Option<String>,
    /// `purchase` (default: bought anything) or `promoted` (bought one of
    /// the campaign's promoted products).
    pub metric: Option<String>,
    /// Cut the results by `store` (home store), `tier` or `segment` (in
    /// the last snapshot before the launch).
    pub by: Option<String>,
}

/// A rate (0–1) or ratio with its 95 % interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct RateView {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

impl From<Estimate> for RateView {
    fn from(e: Estimate) -> RateView {
        RateView { value: e.value, low: e.low, high: e.high }
    }
}

/// An amount, base currency, with its 95 % interval.
#[derive(Debug, Serialize, ToSchema)]
pub struct MoneyView {
    #[schema(value_type = String)]
    pub value: Decimal,
    #[schema(value_type = String)]
    pub low: Decimal,
    #[schema(value_type = String)]
    pub high: Decimal,
}

impl From<Estimate> for MoneyView {
    fn from(e: Estimate) -> MoneyView {
        let (value, low, high) = money_estimate(e);
        MoneyView { value, low, high }
    }
}

/// One group.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupView {
    pub customers: u64,
    /// Messaged or tasked (treated group only).
    pub reached: u64,
    /// Responded by the metric within the window.
    pub responders: u64,
    /// `responders ÷ customers`, with Wilson's interval (null: no customers).
    pub response_rate: Option<RateView>,
    /// Ordered anything within the window.
    pub buyers: u64,
    /// Revenue within the window net of returns, base currency.
    #[schema(value_type = String)]
    pub revenue: Decimal,
    /// `revenue ÷ customers` (null: no customers).
    #[schema(value_type = Option<String>)]
    pub revenue_per_customer: Option<Decimal>,
}

fn group(g: &GroupFigures) -> GroupView {
    GroupView {
        customers: g.customers,
        reached: g.reached,
        responders: g.responders,
        response_rate: g.response_rate.map(RateView::from),
        buyers: g.buyers,
        revenue: g.revenue,
        revenue_per_customer: g.revenue_per_customer,
    }
}

/// The response rate's uplift.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResponseUpliftView {
    /// Treated rate − control rate, with Newcombe's interval.
    pub difference: RateView,
    /// The two-proportion z-test's (null: nobody or everybody responded).
    pub p_value: Option<f64>,
}

/// The uplift of revenue per customer.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueUpliftView {
    /// Treated − control revenue per customer.
    #[schema(value_type = String)]
    pub difference: Decimal,
    /// Welch's interval (null: nobody varied).
    pub welch: Option<MoneyView>,
    /// Welch's t-test.
    pub p_value: Option<f64>,
    /// The bootstrap's percentile interval (revenue is skewed: when the
    /// two differ, trust this one).
    pub bootstrap: Option<MoneyView>,
}

/// What the campaign changed, treated against control.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpliftView {
    pub response: Option<ResponseUpliftView>,
    pub revenue_per_customer: Option<RevenueUpliftView>,
    /// The difference × treated customers, with the bootstrap's interval.
    pub incremental_revenue: Option<MoneyView>,
    /// Incremental revenue × the margin rate (null: no margin rate set).
    pub incremental_margin: Option<MoneyView>,
    /// (incremental margin − cost) ÷ cost (null: no cost, or no margin rate).
    pub roi: Option<RateView>,
}

fn uplift(m: &Measurement) -> UpliftView {
    let difference = m.revenue_bootstrap.or(m.revenue.map(|w| w.difference));
    let revenue = difference.map(|d| RevenueUpliftView {
        difference: money_estimate(d).0,
        welch: m.revenue.map(|w| w.difference.into()),
        p_value: m.revenue.map(|w| w.p_value),
        bootstrap: m.revenue_bootstrap.map(MoneyView::from),
    });
    UpliftView {
        response: m.response.map(|r| ResponseUpliftView { difference: r.difference.into(), p_value: r.p_value }),
        revenue_per_customer: revenue,
        incremental_revenue: m.incremental_revenue.map(MoneyView::from),
        incremental_margin: m.incremental_margin.map(MoneyView::from),
        roi: m.roi.map(RateView::from),
    }
}

/// One value of the cut.
#[derive(Debug, Serialize, ToSchema)]
pub struct CutView {
    /// The store id, tier or segment (null: customers without one).
    pub key: Option<String>,
    pub treated: GroupView,
    pub control: GroupView,
    /// Null when the cut has no control customers. A cut has no ROI (the
    /// cost is not split).
    pub uplift: Option<UpliftView>,
}

fn cut(key: &Option<String>, f: &Figures) -> CutView {
    CutView {
        key: key.clone(),
        treated: group(&f.treated),
        control: group(&f.control),
        uplift: (f.control.customers > 0 && f.treated.customers > 0).then(|| uplift(&f.measurement)),
    }
}

/// What the campaign cost, base currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct CostView {
    /// Messages sent × the campaign's cost per message.
    #[schema(value_type = String)]
    pub messages: Decimal,
    /// Discounts its coupons gave (uses not given back).
    #[schema(value_type = String)]
    pub coupons: Decimal,
    /// Gifts with purchase given, at unit cost.
    #[schema(value_type = String)]
    pub gifts: Decimal,
    /// Points its points offers gave.
    pub offer_points: i64,
    /// The programme's value of a point (null: not set, points cost 0).
    #[schema(value_type = Option<String>)]
    pub cost_per_point: Option<Decimal>,
    /// `offer_points × cost_per_point`.
    #[schema(value_type = String)]
    pub points: Decimal,
    #[schema(value_type = String)]
    pub total: Decimal,
}

impl From<&CostFigures> for CostView {
    fn from(c: &CostFigures) -> CostView {
        CostView {
            messages: c.messages,
            coupons: c.coupons,
            gifts: c.gifts,
            offer_points: c.offer_points,
            cost_per_point: c.cost_per_point,
            points: c.points,
            total: c.total,
        }
    }
}

/// How the figures were computed, so anyone can recompute them.
#[derive(Debug, Serialize, ToSchema)]
pub struct MethodView {
    pub confidence: f64,
    pub bootstrap_resamples: u32,
    /// The bootstrap's seed (ChaCha12), as a decimal string.
    pub bootstrap_seed: String,
}

/// A campaign's results (docs/experiments.md).
#[derive(Debug, Serialize, ToSchema)]
pub struct ResultsView {
    pub campaign_id: Uuid,
    pub name: String,
    pub status: String,
    pub window_days: u32,
    /// `purchase` or `promoted`.
    pub metric: String,
    /// `store`, `tier`, `segment` or null.
    pub by: Option<String>,
    pub measured_at: DateTime<Utc>,
    pub first_contact: Option<DateTime<Utc>>,
    pub last_contact: Option<DateTime<Utc>>,
    /// When the last contact's window closes.
    pub window_closes_at: Option<DateTime<Utc>>,
    /// A window is still open, or a trigger may still contact someone: the
    /// figures will change.
    pub provisional: bool,
    /// Whether the campaign held a control group out.
    pub control_group: bool,
    /// Said when something cannot be measured (no control group, no margin
    /// rate).
    pub notes: Vec<String>,
    pub treated: GroupView,
    pub control: Option<GroupView>,
    /// Null without a control group.
    pub uplift: Option<UpliftView>,
    pub cost: CostView,
    #[schema(value_type = Option<String>)]
    pub margin_rate: Option<Decimal>,
    pub method: MethodView,
    pub cuts: Vec<CutView>,
}

fn notes(r: &CampaignResults) -> Vec<String> {
    let mut notes = Vec::new();
    if !r.has_control {
        notes.push(
            "This campaign held nobody out: its response is shown, but no uplift can be measured without a \
             control group."
                .to_owned(),
        );
    }
    if r.margin_rate.is_none() {
        notes.push(
            "No margin rate is set (PUT /v1/campaigns/settings, margin_rate): no incremental margin and no ROI."
                .to_owned(),
        );
    }
    if r.provisional {
        notes.push("Provisional: a window is still open, these figures will change.".to_owned());
    }
    notes
}

fn view(c: &clientele_store::campaigns::StoredCampaign, r: &CampaignResults) -> ResultsView {
    ResultsView {
        campaign_id: c.id,
        name: c.spec.name.clone(),
        status: c.status.as_str().to_owned(),
        window_days: r.request.window_days,
        metric: r.request.metric.as_str().to_owned(),
        by: r.request.by.map(|b| b.as_str().to_owned()),
        measured_at: r.measured_at,
        first_contact: r.first_contact,
        last_contact: r.last_contact,
        window_closes_at: r.window_closes_at,
        provisional: r.provisional,
        control_group: r.has_control,
        notes: notes(r),
        treated: group(&r.figures.treated),
        control: r.has_control.then(|| group(&r.figures.control)),
        uplift: r.has_control.then(|| uplift(&r.figures.measurement)),
        cost: CostView::from(&r.cost),
        margin_rate: r.margin_rate,
        method: MethodView {
            confidence: 0.95,
            bootstrap_resamples: r.bootstrap.resamples,
            bootstrap_seed: r.bootstrap.seed.to_string(),
        },
        cuts: r.cuts.iter().map(|(k, f)| cut(k, f)).collect(),
    }
}

fn window_days(raw: Option<&str>) -> Result<u32, ApiError> {
    match raw {
        None => Ok(30),
        Some(s) => s.trim().parse::<u32>().ok().filter(|d| (1..=365).contains(d)).ok_or_else(|| {
            ApiError::field("window_days", "out_of_range", "must be a whole number of days from 1 to 365")
        }),
    }
}

fn request(q: &ResultsQuery) -> Result<ResultsRequest, ApiError> {
    let window_days = window_days(q.window_days.as_deref())?;
    let metric = match q.metric.as_deref() {
        None | Some("purchase") => Metric::Purchase,
        Some("promoted") => Metric::Promoted,
        Some(_) => return Err(ApiError::field("metric", "invalid_value", "one of: purchase, promoted")),
    };
    let by = match q.by.as_deref() {
        None => None,
        Some("store") => Some(CutBy::Store),
        Some("tier") => Some(CutBy::Tier),
        Some("segment") => Some(CutBy::Segment),
        Some(_) => return Err(ApiError::field("by", "invalid_value", "one of: store, tier, segment")),
    };
    Ok(ResultsRequest { window_days, metric, by, first_contact: None })
}

/// A campaign's results: for the treated and the control group, customers,
/// response within the window after each contact (bought anything, or the
/// promoted products), revenue per customer net of returns; the differences
/// with 95 % intervals and p-values; what the campaign cost; incremental
/// revenue and margin, ROI; optionally cut by store, tier or segment.
/// Computed from the contacts and the orders, so anyone can recompute them;
/// `provisional` while a window is open. A campaign that held nobody out
/// shows its response and says no uplift can be measured.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), ResultsQuery),
    responses((status = 200, body = ResultsView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/campaigns/{id}/results")]
pub async fn results(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<ResultsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCampaigns)?;
    let id = campaign_id(&path)?;
    let req = request(&query.0)?;
    let scope = caller.scope().clone();
    let now = crate::clock::now();
    let c =
        state.run(move |conn| clientele_app::campaigns::campaign(conn, id, &scope)).await.map_err(campaign_error)?;
    if req.metric == Metric::Promoted && c.spec.promoted.is_empty() {
        return Err(ApiError::field(
            "metric",
            "nothing_promoted",
            "the campaign promotes nothing: give it `promoted` products to measure them",
        ));
    }
    let (c, r) = state
        .run(move |conn| {
            let r = clientele_app::campaigns::results::campaign_results(conn, &c, req, now)?;
            Ok((c, r))
        })
        .await?;
    Ok(HttpResponse::Ok().json(view(&c, &r)))
}

/// The period of the scorecard, and its order.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ScorecardQuery {
    /// First day (UTC) a contact counts, YYYY-MM-DD.
    pub from: Option<String>,
    /// Last day, included; at most 731 days after `from`.
    pub to: Option<String>,
    /// Days after each contact that count, 1–365; default 30.
    pub window_days: Option<String>,
    /// `launched_at` (default, newest first), `roi`, `incremental_revenue`,
    /// `cost` or `audience` (largest first; unknown figures last).
    pub sort: Option<String>,
}

/// One campaign, or one month of an always-on trigger.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardRowView {
    pub campaign_id: Uuid,
    pub name: String,
    pub status: String,
    /// `once` or `trigger`.
    pub schedule: String,
    /// A trigger's month, `YYYY-MM` (null for a one-off campaign).
    pub month: Option<String>,
    pub launched_at: Option<DateTime<Utc>>,
    /// Treated and held out.
    pub audience: u64,
    pub held_out: u64,
    /// Messaged or tasked.
    pub reached: u64,
    pub provisional: bool,
    pub control_group: bool,
    /// Treated − control response rate (any purchase), with its interval.
    pub response_uplift: Option<RateView>,
    pub incremental_revenue: Option<MoneyView>,
    #[schema(value_type = String)]
    pub cost: Decimal,
    pub roi: Option<RateView>,
}

/// The programme's campaigns in a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScorecardView {
    pub from: chrono::NaiveDate,
    pub to: chrono::NaiveDate,
    pub window_days: u32,
    pub sort: String,
    pub campaigns: Vec<ScorecardRowView>,
}

fn scorecard_row(row: &clientele_app::campaigns::scorecard::ScorecardRow) -> ScorecardRowView {
    let (c, r) = (&row.campaign, &row.results);
    let m = &r.figures.measurement;
    let trigger = matches!(c.spec.schedule, clientele_campaigns::Schedule::Trigger(_));
    ScorecardRowView {
        campaign_id: c.id,
        name: c.spec.name.clone(),
        status: c.status.as_str().to_owned(),
        schedule: if trigger { "trigger" } else { "once" }.to_owned(),
        month: row.month.map(|d| d.format("%Y-%m").to_string()),
        launched_at: c.launched_at,
        audience: r.figures.treated.customers + r.figures.control.customers,
        held_out: r.figures.control.customers,
        reached: r.figures.treated.reached,
        provisional: r.provisional,
        control_group: r.has_control,
        response_uplift: m.response.filter(|_| r.has_control).map(|x| x.difference.into()),
        incremental_revenue: m.incremental_revenue.filter(|_| r.has_control).map(MoneyView::from),
        cost: r.cost.total,
        roi: m.roi.filter(|_| r.has_control).map(RateView::from),
    }
}

/// The programme scorecard: every campaign that contacted (or held out)
/// customers in the period — audience, held out, reached, cost, the
/// response uplift and incremental revenue with their 95 % intervals, ROI
/// — an always-on trigger as one row per month. Each row's figures are
/// those of `GET /v1/campaigns/{id}/results` (docs/experiments.md).
#[utoipa::path(tag = "campaigns", params(ScorecardQuery),
    responses((status = 200, body = ScorecardView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/analytics/campaigns")]
pub async fn scorecard(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<ScorecardQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCampaigns)?;
    let q = query.0;
    let mut e = clientele_kernel::FieldErrors::new();
    let from = super::super::clienteling::date(&mut e, "from", q.from.as_deref(), true);
    let to = super::super::clienteling::date(&mut e, "to", q.to.as_deref(), true);
    let (Some(from), Some(to)) = (from, to) else { return Err(ApiError::Validation(e)) };
    if to < from || (to - from).num_days() > 731 {
        return Err(ApiError::field("to", "out_of_range", "must be on or after `from`, at most 731 days after"));
    }
    let window = window_days(q.window_days.as_deref())?;
    let sort = match q.sort.as_deref() {
        None => ScorecardSort::LaunchedAt,
        Some(name) => ScorecardSort::ALL.into_iter().find(|s| s.as_str() == name).ok_or_else(|| {
            ApiError::field("sort", "invalid_value", "one of: launched_at, roi, incremental_revenue, cost, audience")
        })?,
    };
    let scope = caller.scope().clone();
    let now = crate::clock::now();
    let mut rows = state
        .run(move |conn| clientele_app::campaigns::scorecard::scorecard(conn, &scope, (from, to), window, now))
        .await?;
    sort.sort(&mut rows);
    let campaigns = rows.iter().map(scorecard_row).collect();
    Ok(HttpResponse::Ok().json(ScorecardView {
        from,
        to,
        window_days: window,
        sort: sort.as_str().to_owned(),
        campaigns,
    }))
}
