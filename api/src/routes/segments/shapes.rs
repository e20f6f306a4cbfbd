//! The segments area's request and response shapes: the cuts, paging and
//! snapshot dates of the queries, and the views of snapshots, segments,
//! transitions and customer value.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, StoreId};
use clientele_loyalty::Tier;
use clientele_profiles::{AgeBand, Gender};
use clientele_rfm::Segment;
use clientele_store::{
    CellRequest, CustomerValueReport, SegmentCuts, SegmentMember, SegmentPage, SegmentRun, SegmentSummary, TopCustomer,
    TopCustomers, Transitions, ValueCursor, ValueSnapshot,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::{customer_cursor, date_param, parse_customer_cursor, parse_limit};

// ---- parsing the query ----------------------------------------------------------------

fn unknown_segment() -> InvalidValue {
    InvalidValue::new("unknown_segment", format!("must be one of: {}", Segment::ALL.map(Segment::code).join(", ")))
}

fn segment_param(e: &mut FieldErrors, field: &str, value: &str) -> Option<Segment> {
    e.check(field, value.parse::<Segment>().map_err(|_| unknown_segment()))
}

/// A side of a transition cell: a segment code, or `none` (not in that snapshot).
fn side_param(e: &mut FieldErrors, field: &str, value: &str) -> Option<Option<Segment>> {
    if value == "none" {
        return Some(None);
    }
    e.check(
        field,
        value.parse::<Segment>().map(Some).map_err(|_| {
            InvalidValue::new(
                "unknown_segment",
                format!("must be `none` or one of: {}", Segment::ALL.map(Segment::code).join(", ")),
            )
        }),
    )
}

/// Cuts of the segment summary and lists: only customers matching all given.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CutsQuery {
    /// The snapshot's date (default: the latest).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
    /// Customers of this home store.
    #[param(value_type = Option<Uuid>)]
    pub store_id: Option<String>,
    /// Customers of this tier now: `S1` … `S6`.
    pub tier: Option<String>,
    /// `female`, `male`, `non_binary`, `undisclosed`.
    pub gender: Option<String>,
    /// Age on the snapshot date: `under_25`, `25_34`, `35_44`, `45_54`, `55_plus`, `unknown` (no birthday).
    pub age_band: Option<String>,
    /// Customers who bought in this category (order lines' `category`) by the snapshot date.
    pub category: Option<String>,
}

impl CutsQuery {
    /// The snapshot's date and the cuts, or every bad parameter.
    pub fn to_domain(&self) -> Result<(Option<NaiveDate>, SegmentCuts), ApiError> {
        let mut e = FieldErrors::new();
        let (as_of, cuts) = self.parse(&mut e);
        if !e.is_empty() {
            return Err(e.into());
        }
        Ok((as_of, cuts))
    }

    fn parse(&self, e: &mut FieldErrors) -> (Option<NaiveDate>, SegmentCuts) {
        let as_of = date_param(e, "as_of", self.as_of.as_deref());
        let store = self.store_id.as_deref().and_then(|s| {
            e.check("store_id", s.parse::<Uuid>().map_err(|_| InvalidValue::new("invalid_format", "must be a UUID")))
        });
        let tier = self.tier.as_deref().and_then(|t| {
            e.check(
                "tier",
                t.parse::<Tier>()
                    .map_err(|_| InvalidValue::new("invalid_format", "must be one of: S1, S2, S3, S4, S5, S6")),
            )
        });
        let gender = self.gender.as_deref().and_then(|g| e.check("gender", g.parse::<Gender>()));
        let age_band = self.age_band.as_deref().and_then(|b| {
            e.check(
                "age_band",
                AgeBand::from_code(b).ok_or_else(|| {
                    InvalidValue::new(
                        "invalid_format",
                        format!("must be one of: {}", AgeBand::ALL.map(AgeBand::code).join(", ")),
                    )
                }),
            )
        });
        let category = self.category.as_deref().map(str::trim).and_then(|c| {
            let checked = if c.is_empty() {
                Err(InvalidValue::new("required", "must not be empty"))
            } else if c.chars().count() > 100 || c.chars().any(char::is_control) {
                Err(InvalidValue::new("invalid_format", "at most 100 characters, no control characters"))
            } else {
                Ok(c.to_owned())
            };
            e.check("category", checked)
        });
        (as_of, SegmentCuts { store: store.map(StoreId::from_uuid), tier, gender, age_band, category })
    }
}

fn encode_value_cursor(c: ValueCursor) -> String {
    let clv = c.clv.map_or_else(|| "-".to_owned(), |v| v.to_string());
    URL_SAFE_NO_PAD.encode(format!("v:{clv}:{}", c.customer))
}

fn decode_value_cursor(s: &str) -> Result<ValueCursor, ApiError> {
    let bad = || ApiError::field("cursor", "invalid_format", "not a cursor returned by this endpoint");
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?).map_err(|_| bad())?;
    let (clv, id) = text.strip_prefix("v:").and_then(|rest| rest.split_once(':')).ok_or_else(bad)?;
    let clv = if clv == "-" { None } else { Some(clv.parse::<Decimal>().map_err(|_| bad())?) };
    let customer = id.parse::<Uuid>().map(CustomerId::from_uuid).map_err(|_| bad())?;
    Ok(ValueCursor { clv, customer })
}

/// A parameter whose parser answers an `ApiError`: its field errors join
/// `e`, so that every bad parameter is reported at once, and `fallback`
/// stands in for it.
fn gather<T>(e: &mut FieldErrors, parsed: Result<T, ApiError>, fallback: T) -> Result<T, ApiError> {
    match parsed {
        Ok(value) => Ok(value),
        Err(ApiError::Validation(errors)) => {
            e.0.extend(errors.0);
            Ok(fallback)
        }
        Err(other) => Err(other),
    }
}

// ---- the handlers' queries ---------------------------------------------------------------

/// Paging through a segment's customers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SegmentPageQuery {
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// A segment's customers asked for: the segment, the snapshot and cuts, the page.
#[derive(Debug)]
pub struct SegmentListing {
    pub segment: Segment,
    pub as_of: Option<NaiveDate>,
    pub cuts: SegmentCuts,
    pub after: Option<ValueCursor>,
    pub limit: u32,
}

impl SegmentPageQuery {
    /// The listing of `segment` (from the path) under `cuts`, or every bad parameter.
    pub fn to_domain(&self, segment: &str, cuts: &CutsQuery) -> Result<SegmentListing, ApiError> {
        let mut e = FieldErrors::new();
        let segment = segment_param(&mut e, "segment", segment);
        let (as_of, cuts) = cuts.parse(&mut e);
        let after = gather(&mut e, self.cursor.as_deref().map(decode_value_cursor).transpose(), None)?;
        let limit = gather(&mut e, parse_limit(self.limit.as_deref()), 50)?;
        let Some(segment) = segment.filter(|_| e.is_empty()) else {
            return Err(e.into());
        };
        Ok(SegmentListing { segment, as_of, cuts, after, limit })
    }
}

/// Which snapshots to compare, and optionally which cell's customers to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransitionsQuery {
    /// The earlier snapshot's date (required).
    #[param(value_type = chrono::NaiveDate, required = true)]
    pub from: Option<String>,
    /// The later snapshot's date (required, not before `from`).
    #[param(value_type = chrono::NaiveDate, required = true)]
    pub to: Option<String>,
    /// With `to_segment`: list the customers of this cell. A segment code, or `none` (new customers).
    pub from_segment: Option<String>,
    /// With `from_segment`. A segment code, or `none` (customers gone from the later snapshot).
    pub to_segment: Option<String>,
    /// Paging through the cell's customers: from `customers.next_cursor`.
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// Two snapshots to compare, and the cell whose customers to list, if any.
#[derive(Debug)]
pub struct TransitionsRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub cell: Option<CellRequest>,
}

impl TransitionsQuery {
    /// The comparison asked for, or every bad parameter.
    pub fn into_domain(self) -> Result<TransitionsRequest, ApiError> {
        let q = self;
        let mut e = FieldErrors::new();
        let required = |e: &mut FieldErrors, field: &str, v: &Option<String>| {
            if v.is_none() {
                e.push(field, InvalidValue::new("required", "a snapshot date, YYYY-MM-DD"));
            }
        };
        required(&mut e, "from", &q.from);
        required(&mut e, "to", &q.to);
        let from = date_param(&mut e, "from", q.from.as_deref());
        let to = date_param(&mut e, "to", q.to.as_deref());
        if let (Some(from), Some(to)) = (from, to)
            && from > to
        {
            e.push("from", InvalidValue::new("out_of_range", format!("must not be after `to` ({to})")));
        }
        let from_side = q.from_segment.as_deref().and_then(|s| side_param(&mut e, "from_segment", s));
        let to_side = q.to_segment.as_deref().and_then(|s| side_param(&mut e, "to_segment", s));
        match (&q.from_segment, &q.to_segment) {
            (Some(_), None) => e.push("to_segment", InvalidValue::new("required", "give both sides of the cell")),
            (None, Some(_)) => e.push("from_segment", InvalidValue::new("required", "give both sides of the cell")),
            _ => {}
        }
        let after = gather(&mut e, q.cursor.as_deref().map(parse_customer_cursor).transpose(), None)?;
        let limit = gather(&mut e, parse_limit(q.limit.as_deref()), 50)?;
        let (Some(from), Some(to), true) = (from, to, e.is_empty()) else {
            return Err(e.into());
        };
        let cell = match (from_side, to_side) {
            (Some(from), Some(to)) => Some(CellRequest { from, to, after, limit }),
            _ => None,
        };
        Ok(TransitionsRequest { from, to, cell })
    }
}

/// Which snapshot.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AsOfQuery {
    /// The snapshot's date (default: the latest).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
}

impl AsOfQuery {
    /// The snapshot's date, if given.
    pub fn as_of(&self) -> Result<Option<NaiveDate>, ApiError> {
        let mut e = FieldErrors::new();
        let as_of = date_param(&mut e, "as_of", self.as_of.as_deref());
        if !e.is_empty() {
            return Err(e.into());
        }
        Ok(as_of)
    }
}

/// How many of the most valuable customers.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopQuery {
    /// 1..=1000, default 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 1000)]
    pub limit: Option<String>,
    /// The snapshot's date (default: the latest).
    #[param(value_type = Option<chrono::NaiveDate>)]
    pub as_of: Option<String>,
}

impl TopQuery {
    /// The snapshot's date, if given, and how many customers.
    pub fn to_domain(&self) -> Result<(Option<NaiveDate>, u32), ApiError> {
        let mut e = FieldErrors::new();
        let as_of = date_param(&mut e, "as_of", self.as_of.as_deref());
        let limit = match self.limit.as_deref() {
            None => Some(100),
            Some(v) => e.check(
                "limit",
                v.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| InvalidValue::new("out_of_range", "limit must be a whole number from 1 to 1000")),
            ),
        };
        let (Some(limit), true) = (limit, e.is_empty()) else {
            return Err(e.into());
        };
        Ok((as_of, limit))
    }
}

// ---- response shapes ------------------------------------------------------------------

/// The refresh a snapshot came from: its settings and fitted models.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotRunView {
    pub as_of: NaiveDate,
    /// Customers in the snapshot (all stores).
    pub customers: u64,
    pub refreshed_at: DateTime<Utc>,
    /// The RFM settings the snapshot was scored by (`window_months`,
    /// `recency_days`, `frequency`, `monetary`, `new_customer_days`, as
    /// `GET /v1/segments/config` shows them); null for a snapshot taken
    /// before they were settings (a 365-day window, quintiles).
    #[schema(value_type = Option<Object>)]
    pub rfm: Option<serde_json::Value>,
    /// CLV horizon in months.
    pub clv_horizon_months: Option<u32>,
    pub clv_monthly_discount_rate: Option<f64>,
    pub clv_margin: Option<f64>,
    /// BG/NBD parameters (`r`, `alpha` in days, `a`, `b`), if fitted.
    #[schema(value_type = Option<Object>)]
    pub bgnbd: Option<serde_json::Value>,
    /// Gamma-Gamma parameters (`p`, `q`, `v`), if fitted.
    #[schema(value_type = Option<Object>)]
    pub gamma_gamma: Option<serde_json::Value>,
    /// Why the value models could not be fitted (`code`, `message`); predictions are then empty.
    #[schema(value_type = Option<Object>)]
    pub model_error: Option<serde_json::Value>,
}

impl SnapshotRunView {
    fn new(run: &SegmentRun) -> SnapshotRunView {
        SnapshotRunView {
            as_of: run.as_of,
            customers: run.customers,
            refreshed_at: run.created_at,
            rfm: run.rfm.and_then(|s| serde_json::to_value(s).ok()),
            clv_horizon_months: run.clv.map(|c| c.horizon_months()),
            clv_monthly_discount_rate: run.clv.map(|c| c.monthly_discount_rate()),
            clv_margin: run.clv.map(|c| c.margin()),
            bgnbd: run.bgnbd.and_then(|p| serde_json::to_value(p).ok()),
            gamma_gamma: run.gamma_gamma.and_then(|p| serde_json::to_value(p).ok()),
            model_error: run.model_error.as_ref().and_then(|e| serde_json::to_value(e).ok()),
        }
    }
}

/// One segment of the summary.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentFiguresView {
    /// Stable code: `champions`, `loyal_customers`, …, `cant_lose_them`, `lost`.
    pub segment: String,
    pub name: String,
    pub customers: u64,
    /// Net paid in the window (base currency, net of returns).
    #[schema(value_type = String, example = "123456.78")]
    pub revenue: Decimal,
    /// Share of the revenue of all segments (0 to 1).
    #[schema(value_type = String, example = "0.4312")]
    pub share_of_revenue: Decimal,
    /// Average CLV of the segment's customers (null when no value model).
    #[schema(value_type = Option<String>, example = "8210.50")]
    pub average_clv: Option<Decimal>,
}

/// The segments of a snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentSummaryView {
    pub as_of: NaiveDate,
    /// Customers matching the scope and cuts.
    pub customers: u64,
    #[schema(value_type = String)]
    pub revenue: Decimal,
    /// All eleven segments, best first.
    pub segments: Vec<SegmentFiguresView>,
    pub run: SnapshotRunView,
}

impl SegmentSummaryView {
    pub fn new(s: &SegmentSummary) -> Self {
        SegmentSummaryView {
            as_of: s.run.as_of,
            customers: s.customers,
            revenue: s.revenue,
            segments: s
                .segments
                .iter()
                .map(|f| SegmentFiguresView {
                    segment: f.segment.code().to_owned(),
                    name: f.segment.display_name().to_owned(),
                    customers: f.customers,
                    revenue: f.revenue,
                    share_of_revenue: f.share_of_revenue,
                    average_clv: f.average_clv,
                })
                .collect(),
            run: SnapshotRunView::new(&s.run),
        }
    }
}

/// One customer's line of a snapshot: RFM facts and scores, segment, the
/// value model's summary of their history, and the predictions.
#[derive(Debug, Serialize, ToSchema)]
pub struct ValueView {
    pub as_of: NaiveDate,
    pub segment: String,
    pub segment_name: String,
    /// The three scores as the usual cell code, recency first: `"545"`.
    pub rfm: String,
    pub r: u8,
    pub f: u8,
    pub m: u8,
    /// Days since the last purchase.
    pub recency_days: u32,
    /// Orders in the window.
    pub frequency: u32,
    /// Net paid in the window (base currency).
    #[schema(value_type = String)]
    pub monetary: Decimal,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    /// Purchase days after the first (x of the BG/NBD model).
    pub repeat_purchases: u32,
    /// Average spend of those repeat purchase days.
    #[schema(value_type = String)]
    pub average_repeat_spend: Decimal,
    /// Expected purchases over the CLV horizon.
    #[schema(value_type = Option<String>)]
    pub expected_purchases: Option<Decimal>,
    /// Probability the customer is still active (0 to 1).
    #[schema(value_type = Option<String>)]
    pub probability_alive: Option<Decimal>,
    /// Expected average spend per future purchase.
    #[schema(value_type = Option<String>)]
    pub expected_spend: Option<Decimal>,
    /// Discounted expected spend over the horizon, times the margin.
    #[schema(value_type = Option<String>)]
    pub clv: Option<Decimal>,
}

impl ValueView {
    fn new(v: &ValueSnapshot) -> ValueView {
        ValueView {
            as_of: v.as_of,
            segment: v.segment.code().to_owned(),
            segment_name: v.segment.display_name().to_owned(),
            rfm: v.score.to_string(),
            r: v.score.r().get(),
            f: v.score.f().get(),
            m: v.score.m().get(),
            recency_days: v.recency_days,
            frequency: v.frequency,
            monetary: v.monetary,
            first_purchase: v.first_purchase,
            last_purchase: v.last_purchase,
            repeat_purchases: v.repeat_purchases,
            average_repeat_spend: v.average_repeat_spend,
            expected_purchases: v.expected_purchases,
            probability_alive: v.p_alive,
            expected_spend: v.expected_spend,
            clv: v.clv,
        }
    }
}

/// A customer in a list, with their line of the snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentMemberView {
    pub customer_id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
    pub home_store_id: Option<Uuid>,
    pub value: ValueView,
}

impl SegmentMemberView {
    fn new(m: &SegmentMember) -> SegmentMemberView {
        SegmentMemberView {
            customer_id: m.value.customer.as_uuid(),
            member_no: m.member_no.clone(),
            name: m.name.clone(),
            home_store_id: m.home_store.map(|s| s.as_uuid()),
            value: ValueView::new(&m.value),
        }
    }
}

/// A page of a segment's customers, most valuable first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentCustomerList {
    pub as_of: NaiveDate,
    pub segment: String,
    pub items: Vec<SegmentMemberView>,
    /// Pass back as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl SegmentCustomerList {
    pub fn new(p: &SegmentPage, segment: Segment) -> Self {
        SegmentCustomerList {
            as_of: p.run.as_of,
            segment: segment.code().to_owned(),
            items: p.items.iter().map(SegmentMemberView::new).collect(),
            next_cursor: p.next.map(encode_value_cursor),
        }
    }
}

/// One cell of the transition matrix.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionCellView {
    /// The segment on `from`; null for customers not in that snapshot (new).
    pub from_segment: Option<String>,
    /// The segment on `to`; null for customers not in that snapshot (gone).
    pub to_segment: Option<String>,
    pub customers: u64,
}

/// A customer behind a cell.
#[derive(Debug, Serialize, ToSchema)]
pub struct CellCustomerView {
    pub customer_id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
}

/// The customers behind the cell asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct CellCustomersView {
    pub from_segment: Option<String>,
    pub to_segment: Option<String>,
    pub items: Vec<CellCustomerView>,
    pub next_cursor: Option<String>,
}

/// Who moved between two snapshots.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransitionsView {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Customers in either snapshot, each once.
    pub total: u64,
    /// Non-empty cells, segments best first, then null.
    pub cells: Vec<TransitionCellView>,
    /// With `from_segment` and `to_segment`: that cell's customers.
    pub customers: Option<CellCustomersView>,
}

impl TransitionsView {
    pub fn new(t: Transitions) -> Self {
        let code = |s: Option<Segment>| s.map(|s| s.code().to_owned());
        TransitionsView {
            from: t.from,
            to: t.to,
            total: t.total,
            cells: t
                .cells
                .iter()
                .map(|c| TransitionCellView {
                    from_segment: code(c.from),
                    to_segment: code(c.to),
                    customers: c.customers,
                })
                .collect(),
            customers: t.cell.map(|cell| CellCustomersView {
                from_segment: code(cell.from),
                to_segment: code(cell.to),
                items: cell
                    .customers
                    .iter()
                    .map(|c| CellCustomerView {
                        customer_id: c.customer.as_uuid(),
                        member_no: c.member_no.clone(),
                        name: c.name.clone(),
                    })
                    .collect(),
                next_cursor: cell.next_after.map(customer_cursor),
            }),
        }
    }
}

/// A customer's segment in one snapshot.
#[derive(Debug, Serialize, ToSchema)]
pub struct SegmentHistoryView {
    pub as_of: NaiveDate,
    pub segment: String,
    pub rfm: String,
    #[schema(value_type = Option<String>)]
    pub clv: Option<Decimal>,
}

/// A customer's value as of a snapshot, and their segment over time.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerValueView {
    pub customer_id: Uuid,
    pub as_of: NaiveDate,
    /// Null when the customer had not bought by `as_of`.
    pub current: Option<ValueView>,
    /// Every snapshot up to `as_of` the customer is in, oldest first.
    pub history: Vec<SegmentHistoryView>,
    pub run: SnapshotRunView,
}

impl CustomerValueView {
    pub fn new(id: CustomerId, v: &CustomerValueReport) -> Self {
        CustomerValueView {
            customer_id: id.as_uuid(),
            as_of: v.run.as_of,
            current: v.current.as_ref().map(ValueView::new),
            history: v
                .history
                .iter()
                .map(|h| SegmentHistoryView {
                    as_of: h.as_of,
                    segment: h.segment.code().to_owned(),
                    rfm: h.score.to_string(),
                    clv: h.clv,
                })
                .collect(),
            run: SnapshotRunView::new(&v.run),
        }
    }
}

/// A category a customer buys.
#[derive(Debug, Serialize, ToSchema)]
pub struct FavouriteCategoryView {
    pub category: String,
    #[schema(value_type = String)]
    pub spend: Decimal,
}

/// A store a customer buys at.
#[derive(Debug, Serialize, ToSchema)]
pub struct FavouriteStoreView {
    pub store_id: Uuid,
    pub code: String,
    pub name: String,
    pub orders: u64,
    #[schema(value_type = String)]
    pub spend: Decimal,
}

/// A customer's own sales associate.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssociateRefView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
}

/// One of the most valuable customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopCustomerView {
    /// 1 for the most valuable.
    pub rank: u32,
    #[serde(flatten)]
    pub customer: SegmentMemberView,
    /// Up to three, most spent first.
    pub favourite_categories: Vec<FavouriteCategoryView>,
    /// Up to three, most orders first.
    pub favourite_stores: Vec<FavouriteStoreView>,
    pub associate: Option<AssociateRefView>,
}

impl TopCustomerView {
    fn new(rank: u32, t: &TopCustomer) -> TopCustomerView {
        TopCustomerView {
            rank,
            customer: SegmentMemberView::new(&t.member),
            favourite_categories: t
                .favourite_categories
                .iter()
                .map(|c| FavouriteCategoryView { category: c.category.clone(), spend: c.spend })
                .collect(),
            favourite_stores: t
                .favourite_stores
                .iter()
                .map(|s| FavouriteStoreView {
                    store_id: s.store.as_uuid(),
                    code: s.code.clone(),
                    name: s.name.clone(),
                    orders: s.orders,
                    spend: s.spend,
                })
                .collect(),
            associate: t.associate.as_ref().map(|a| AssociateRefView {
                id: a.id.as_uuid(),
                code: a.code.clone(),
                name: a.name.clone(),
            }),
        }
    }
}

/// The most valuable customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct TopCustomerList {
    pub as_of: NaiveDate,
    pub items: Vec<TopCustomerView>,
}

impl TopCustomerList {
    pub fn new(top: &TopCustomers) -> Self {
        TopCustomerList {
            as_of: top.run.as_of,
            items: top.items.iter().zip(1..).map(|(t, rank)| TopCustomerView::new(rank, t)).collect(),
        }
    }
}
