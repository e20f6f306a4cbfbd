//! A campaign's measured results (issue #14, docs/experiments.md): the
//! treated group against the control group over a window after each
//! contact — response, revenue per customer net of returns, their
//! differences with intervals and p-values, what the campaign cost,
//! incremental margin and ROI — overall and cut by store, tier or segment.
//! The data are the store's ([`clientele_store::campaigns::results`]); the
//! statistics are `clientele_experiments`'.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use clientele_campaigns::{CampaignSettings, Schedule};
use clientele_experiments::{
    Assumptions, Bootstrap, Confidence, Estimate, Group, Measurement, Proportion, RevenueSample, measure, wilson,
};
use clientele_store::campaigns::StoredCampaign;
use clientele_store::campaigns::results::{Buyer, CampaignCost, Cut, GroupCount, PromotedProducts, ResultsQuery};
use clientele_store::{PgConnection, StoreError};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};

/// What counts as a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Bought anything in the window.
    Purchase,
    /// Bought one of the campaign's promoted products in the window.
    Promoted,
}

impl Metric {
    pub const fn as_str(self) -> &'static str {
        match self {
            Metric::Purchase => "purchase",
            Metric::Promoted => "promoted",
        }
    }
}

/// What the results are cut by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CutBy {
    Store,
    Tier,
    Segment,
}

impl CutBy {
    pub const fn as_str(self) -> &'static str {
        match self {
            CutBy::Store => "store",
            CutBy::Tier => "tier",
            CutBy::Segment => "segment",
        }
    }
}

/// What to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResultsRequest {
    /// Days after each contact (1–365).
    pub window_days: u32,
    pub metric: Metric,
    pub by: Option<CutBy>,
    /// Only the customers first contacted in [from, to) — a month of an
    /// always-on trigger — and the cost of that time; None: the whole
    /// campaign.
    pub first_contact: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

/// One group's own figures.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupFigures {
    pub customers: u64,
    /// Messaged or tasked (the rest of the treated group could not be
    /// reached: no consent, capped, over budget). 0 for the control group.
    pub reached: u64,
    /// Responded by the metric.
    pub responders: u64,
    /// Bought anything in the window.
    pub buyers: u64,
    /// Revenue in the window net of returns, base currency.
    pub revenue: Decimal,
    /// `responders ÷ customers` with Wilson's interval (None: nobody).
    pub response_rate: Option<Estimate>,
    /// `revenue ÷ customers`, to the cent (None: nobody).
    pub revenue_per_customer: Option<Decimal>,
}

/// The figures of one set of customers (the whole campaign, or one cut).
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub treated: GroupFigures,
    pub control: GroupFigures,
    /// Every comparison (None inside when a group is empty).
    pub measurement: Measurement,
}

/// What the campaign cost, base currency.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostFigures {
    pub messages: Decimal,
    pub coupons: Decimal,
    pub gifts: Decimal,
    pub offer_points: i64,
    /// The programme's value of a point (None: not set; points cost 0).
    pub cost_per_point: Option<Decimal>,
    pub points: Decimal,
    pub total: Decimal,
}

/// A campaign's results.
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignResults {
    pub request: ResultsRequest,
    pub measured_at: DateTime<Utc>,
    /// The first and last contacts (None: no contact yet).
    pub first_contact: Option<DateTime<Utc>>,
    pub last_contact: Option<DateTime<Utc>>,
    /// When the last contact's window closes.
    pub window_closes_at: Option<DateTime<Utc>>,
    /// Some window is still open (or a trigger may still contact someone):
    /// the figures will change.
    pub provisional: bool,
    /// Whether the campaign holds a control group out.
    pub has_control: bool,
    pub figures: Figures,
    pub cost: CostFigures,
    pub margin_rate: Option<Decimal>,
    pub bootstrap: Bootstrap,
    /// Each value of the cut (None: customers without one), in order.
    pub cuts: Vec<(Option<String>, Figures)>,
}

fn to_f64(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(0.0)
}

/// An estimate of money as Decimal, to the cent.
pub fn money(x: f64) -> Decimal {
    Decimal::from_f64(x).map(|d| d.round_dp(2)).unwrap_or_default()
}

/// Money estimates to the cent.
pub fn money_estimate(e: Estimate) -> (Decimal, Decimal, Decimal) {
    (money(e.value), money(e.low), money(e.high))
}

/// The bootstrap's seed: the campaign id's last 64 bits, so anyone can
/// recompute the interval.
fn seed(c: &StoredCampaign) -> u64 {
    c.id.as_u64_pair().1
}

fn figures(groups: &[&GroupCount], buyers: &[&Buyer], metric: Metric, a: &Assumptions) -> Figures {
    let side = |control: bool| {
        let customers: i64 = groups.iter().filter(|g| g.control == control).map(|g| g.customers).sum();
        let reached: i64 = groups.iter().filter(|g| g.control == control).map(|g| g.reached).sum();
        let mine: Vec<&&Buyer> = buyers.iter().filter(|b| b.control == control).collect();
        let responders = match metric {
            Metric::Purchase => mine.len(),
            Metric::Promoted => mine.iter().filter(|b| b.bought_promoted).count(),
        } as u64;
        let customers = u64::try_from(customers).unwrap_or(0);
        let values: Vec<f64> = mine.iter().map(|b| to_f64(b.revenue)).collect();
        let revenue: Decimal = mine.iter().map(|b| b.revenue).sum();
        let own = GroupFigures {
            customers,
            reached: u64::try_from(reached).unwrap_or(0),
            responders,
            buyers: mine.len() as u64,
            revenue,
            response_rate: Proportion::new(responders, customers).map(|p| wilson(p, a.confidence)),
            revenue_per_customer: (customers > 0).then(|| (revenue / Decimal::from(customers)).round_dp(2)),
        };
        let revenue = RevenueSample::new(customers, values)
            .unwrap_or_else(|| RevenueSample::new(customers, Vec::new()).expect("an empty sample is valid"));
        (own, Group { responders, promoted_responders: None, revenue })
    };
    let (treated, t) = side(false);
    let (control, c) = side(true);
    Figures { treated, control, measurement: measure(&t, &c, a) }
}

fn promoted(c: &StoredCampaign) -> PromotedProducts {
    let p = &c.spec.promoted;
    PromotedProducts {
        categories: p.categories.iter().map(|s| s.to_lowercase()).collect(),
        collections: p.collections.iter().map(|s| s.to_lowercase()).collect(),
        skus: p.skus.clone(),
    }
}

fn cost_figures(cost: CampaignCost, cost_per_point: Option<Decimal>) -> CostFigures {
    let points = cost_per_point.map_or(Decimal::ZERO, |v| (v * Decimal::from(cost.offer_points)).round_dp(2));
    CostFigures {
        messages: cost.messages,
        coupons: cost.coupons,
        gifts: cost.gifts,
        offer_points: cost.offer_points,
        cost_per_point,
        points,
        total: cost.messages + cost.coupons + cost.gifts + points,
    }
}

/// The results of campaign `c` at `now` (see the [module
/// documentation](self)). NotFound is the caller's to decide (the campaign
/// is given).
pub fn campaign_results(
    conn: &mut PgConnection,
    c: &StoredCampaign,
    request: ResultsRequest,
    now: DateTime<Utc>,
) -> Result<CampaignResults, StoreError> {
    let segment_day = match (request.by, c.launched_at) {
        (Some(CutBy::Segment), Some(at)) => {
            clientele_store::snapshot_dates(conn)?.into_iter().find(|d| *d <= at.date_naive())
        }
        _ => None,
    };
    let cut = request.by.map(|b| match b {
        CutBy::Store => Cut::Store,
        CutBy::Tier => Cut::Tier,
        CutBy::Segment => Cut::Segment(segment_day),
    });
    let query = ResultsQuery {
        campaign: c.id,
        window_days: i32::try_from(request.window_days).unwrap_or(365),
        promoted: promoted(c),
        cut,
        first_contact: request.first_contact,
        single_occurrence: matches!(c.spec.schedule, Schedule::Once { .. }),
    };
    let data = clientele_store::campaigns::results::results_data(conn, &query)?;
    let cost = clientele_store::campaigns::results::campaign_cost(conn, c.id, request.first_contact)?;
    let (settings, _) = clientele_store::settings::settings::<CampaignSettings>(conn)?;
    let (config, _) = clientele_store::program(conn)?;
    let cost = cost_figures(cost, config.redemption_value_per_point().map(|v| v.get()));
    let margin_rate = settings.margin_rate.map(|m| m.get());
    let assumptions = Assumptions {
        confidence: Confidence::NINETY_FIVE,
        bootstrap: Bootstrap::with_seed(seed(c)).on_threads(crate::machine_threads().get()),
        margin_rate: margin_rate.map(to_f64),
        cost: to_f64(cost.total),
    };
    let all_groups: Vec<&GroupCount> = data.groups.iter().collect();
    let all_buyers: Vec<&Buyer> = data.buyers.iter().collect();
    let overall = figures(&all_groups, &all_buyers, request.metric, &assumptions);
    let mut keys: BTreeMap<Option<String>, ()> = BTreeMap::new();
    if cut.is_some() {
        keys.extend(data.groups.iter().map(|g| (g.key.clone(), ())));
    }
    let cuts = keys
        .into_keys()
        .map(|key| {
            let groups: Vec<&GroupCount> = data.groups.iter().filter(|g| g.key == key).collect();
            let buyers: Vec<&Buyer> = data.buyers.iter().filter(|b| b.key == key).collect();
            // A cut's ROI would weigh its share of the uplift against the
            // whole cost: it has none (cost is not split).
            let a = Assumptions { cost: 0.0, ..assumptions };
            let f = figures(&groups, &buyers, request.metric, &a);
            (key, f)
        })
        .collect();
    let first_contact = data.groups.iter().map(|g| g.first_contact).min();
    let last_contact = data.groups.iter().map(|g| g.last_contact).max();
    let window = Duration::days(i64::from(request.window_days));
    let window_closes_at = last_contact.map(|t| t + window);
    let open_trigger =
        matches!(c.spec.schedule, Schedule::Trigger(_)) && matches!(c.status.as_str(), "running" | "paused");
    let provisional = open_trigger || window_closes_at.is_none_or(|t| t > now);
    Ok(CampaignResults {
        request,
        measured_at: now,
        first_contact,
        last_contact,
        window_closes_at,
        provisional,
        has_control: overall.control.customers > 0,
        figures: overall,
        cost,
        margin_rate,
        bootstrap: assumptions.bootstrap,
        cuts,
    })
}
