//! RFM segments and customer value over time: the refresh that writes a
//! dated snapshot of every customer who has bought, and the reads over
//! snapshots (segment summary, a segment's customers, transitions, one
//! customer's value and history, the most valuable customers).
//!
//! The refresh is one aggregate query over `orders` and `order_returns`
//! (plus the `stores` reference table for the returns' time zones and
//! `customers` for who is live), run over ranges of customer ids on several
//! connections at once in one snapshot; scoring and segmenting is
//! `clientele_rfm`'s, fitting and predicting `clientele_value`'s; the
//! snapshot is written with `COPY` into a table of its own, indexed and
//! attached as the date's partition of `segment_snapshots` in one
//! transaction that drops any earlier partition of the same date. Nothing is queried per customer.
//! Snapshots and their cuts count an order on its stored business date.
//!
//! Every read takes the caller's [`StoreScope`]: a store-scoped key sees only
//! customers whose (current) home store is in its scope.

use std::collections::{HashMap, HashSet};
use std::io::Write as _;
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use chrono::{DateTime, Days, NaiveDate, Utc};
use clientele_kernel::{CustomerId, StoreId};
use clientele_loyalty::Tier;
use clientele_profiles::{AgeBand, AssociateId, Gender, StoreScope};
use clientele_rfm::{
    CustomerFacts, RfmError, RfmScore, Score, ScoringMethod, Segment, SegmentMap, recency_days, score_customers,
};
use clientele_value::{
    BgNbdParams, ClvConfig, CompressedSummaries, CustomerSummary, Forecaster, GammaGammaParams, TimeUnit, ValueError,
    fit_bgnbd_starting_at, fit_gamma_gamma_starting_at,
};
use diesel::connection::SimpleConnection;
use diesel::pg::{CopyFormat, Pg};
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, Bool, Date, Int8, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::access::check_visible;
use crate::error::StoreError;
use crate::orders::ANONYMOUS;
use crate::schema::{segment_runs, segment_snapshots};

// ---- configuration and outcome of a refresh ---------------------------------------

/// How a refresh scores and values customers. Stored with each run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RefreshConfig {
    window_days: NonZeroU32,
    clv: ClvConfig,
}

impl RefreshConfig {
    /// Frequency and monetary count the orders of the `window_days` days
    /// ending on the as-of date; CLV as `clv` says (its time unit must be
    /// days, the unit the store summarises purchases in).
    pub fn new(window_days: NonZeroU32, clv: ClvConfig) -> Result<RefreshConfig, StoreError> {
        if clv.time_unit() != TimeUnit::Days {
            return Err(StoreError::Corrupt("segment refresh: the CLV time unit must be days".into()));
        }
        Ok(RefreshConfig { window_days, clv })
    }

    /// Days of the RFM window.
    pub fn window_days(&self) -> u32 {
        self.window_days.get()
    }

    /// The CLV horizon, discount rate and margin.
    pub fn clv(&self) -> &ClvConfig {
        &self.clv
    }
}

impl Default for RefreshConfig {
    /// A 365-day window; CLV over 12 months, 1 % a month discount, margin 1
    /// (CLV is discounted expected spend), as `lifetimes`' defaults.
    fn default() -> RefreshConfig {
        const YEAR: NonZeroU32 = NonZeroU32::new(365).expect("365 is not zero");
        let clv = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Days).expect("the default CLV settings are valid");
        RefreshConfig { window_days: YEAR, clv }
    }
}

/// How far a refresh has got, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshStep {
    /// The aggregate query is running (nothing read yet).
    Aggregating,
    /// Customers read so far.
    Read(usize),
    /// Every customer scored and segmented.
    Scored(usize),
    /// The value models fitted (or found not to fit) and applied.
    Valued(usize),
    /// Snapshot rows written so far, of the total.
    Writing { written: usize, total: usize },
    /// Committed.
    Done,
}

/// Why a value model could not be fitted on a date's data (a
/// `clientele_value` error code and message). The RFM part of the snapshot
/// is written anyway; predictions are left empty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelError {
    pub code: String,
    pub message: String,
}

impl From<&ValueError> for ModelError {
    fn from(e: &ValueError) -> ModelError {
        ModelError { code: e.code().to_owned(), message: e.to_string() }
    }
}

/// What a refresh did.
#[derive(Debug, Clone)]
pub struct RefreshReport {
    pub as_of: NaiveDate,
    /// Customers in the snapshot (live customers with a purchase up to the date).
    pub customers: usize,
    /// Customers per segment, in the order of [`Segment::ALL`].
    pub segments: [(Segment, usize); Segment::COUNT],
    pub bgnbd: Option<BgNbdParams>,
    pub gamma_gamma: Option<GammaGammaParams>,
    pub model_error: Option<ModelError>,
    /// True when a snapshot of the same date was replaced.
    pub replaced: bool,
    pub elapsed: Duration,
}

impl std::fmt::Display for RefreshReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "segments as of {}: {} customers in {:.1} s{}",
            self.as_of,
            self.customers,
            self.elapsed.as_secs_f64(),
            if self.replaced { " (replaced the earlier snapshot of that date)" } else { "" }
        )?;
        for (segment, n) in &self.segments {
            write!(f, "\n  {:<20} {n}", segment.code())?;
        }
        match (&self.bgnbd, &self.gamma_gamma, &self.model_error) {
            (_, _, Some(e)) => write!(f, "\n  value model not fitted: {} ({})", e.message, e.code),
            (Some(b), Some(g), None) => write!(
                f,
                "\n  BG/NBD r={:.4} alpha={:.4} a={:.4} b={:.4}; Gamma-Gamma p={:.4} q={:.4} v={:.4}",
                b.r(),
                b.alpha(),
                b.a(),
                b.b(),
                g.p(),
                g.q(),
                g.v()
            ),
            _ => Ok(()),
        }
    }
}

// ---- the refresh --------------------------------------------------------------------

diesel::table! {
    /// Where a refresh loads a date's rows before they become its partition
    /// of `segment_snapshots` (same columns): it exists only inside the
    /// refresh's writing transaction.
    segment_snapshot_load (customer_id, as_of) {
        customer_id -> Uuid,
        as_of -> Date,
        recency_days -> Int4,
        frequency -> Int4,
        monetary -> Numeric,
        r -> Int2,
        f -> Int2,
        m -> Int2,
        segment -> Text,
        first_purchase -> Date,
        last_purchase -> Date,
        repeat_purchases -> Int4,
        average_repeat_spend -> Numeric,
        expected_purchases -> Nullable<Numeric>,
        p_alive -> Nullable<Numeric>,
        expected_spend -> Nullable<Numeric>,
        clv -> Nullable<Numeric>,
    }
}

/// The business date of an order (or return) instant: in its store's time
/// zone, UTC for orders without a store. `$tz` is the column holding the zone.
macro_rules! business_day {
    ($at:literal, $tz:literal) => {
        concat!("(", $at, " AT TIME ZONE coalesce(", $tz, ", 'UTC'))::date")
    };
}

/// Per customer in the id range (`$4`, `$5`] with a purchase on or before
/// `$1` (the as-of date):
/// first and last purchase day, purchase days, orders and net paid in the
/// window (days after `$2`), net paid over the whole history and on the
/// first day. A purchase day is a business day with at least one order not
/// returned in full by the as-of date; net paid is the amount paid in the
/// base currency less the returns recorded on or before the as-of date.
///
/// One ordered pass over `orders_customer_day_idx`: orders are grouped per
/// (customer, business date) straight from the index, then per customer,
/// with no sort and no per-order time-zone conversion. Returns (few) are
/// put on their order's day first — how much each takes back, and which one
/// completes the return of its whole order (the running total reaches what
/// was paid) — and merge-joined per (customer, day): a day loses one order
/// per order returned in full, and its net what was returned. A plain
/// aggregate of one customer's rows: customers merged away or erased are
/// left out by the caller ([`GONE_SQL`]), which costs one probe of a tiny
/// index instead of one per customer.
const FACTS_SQL: &str = concat!(
    "WITH returns AS (
        SELECT r.customer_id, o.business_date AS day, r.amount_base AS amount, ",
    business_day!("r.returned_at", "s.time_zone"),
    " AS returned_on,
               o.amount_paid_base > 0
                 AND sum(r.amount_base) OVER running >= o.amount_paid_base
                 AND sum(r.amount_base) OVER running - r.amount_base < o.amount_paid_base AS completes
        FROM order_returns r
        JOIN orders o ON o.customer_id = r.customer_id AND o.order_id = r.order_id
        LEFT JOIN stores s ON s.id = o.store_id
        WHERE r.customer_id <> $3 AND r.customer_id > $4 AND r.customer_id <= $5
        WINDOW running AS (PARTITION BY r.customer_id, r.order_id ORDER BY r.returned_at, r.return_id
                           ROWS UNBOUNDED PRECEDING)
    ),
    return_days AS (
        SELECT customer_id, day, count(*) FILTER (WHERE completes) AS completed, sum(amount) AS returned
        FROM returns
        WHERE returned_on <= $1
        GROUP BY customer_id, day
    ),
    order_days AS (
        SELECT customer_id, business_date AS day, count(*) AS orders, sum(amount_paid_base) AS paid
        FROM orders
        WHERE customer_id <> $3 AND customer_id > $4 AND customer_id <= $5 AND business_date <= $1
        GROUP BY customer_id, business_date
    ),
    days AS (
        SELECT o.customer_id, o.day, o.orders - coalesce(r.completed, 0) AS orders,
               o.paid - coalesce(r.returned, 0) AS net
        FROM order_days o
        LEFT JOIN return_days r ON r.customer_id = o.customer_id AND r.day = o.day
        WHERE o.orders > coalesce(r.completed, 0)
    ),
    per_customer AS (
        SELECT customer_id,
               min(day) AS first_day,
               max(day) AS last_day,
               count(*) AS purchase_days,
               coalesce(sum(orders) FILTER (WHERE day > $2), 0)::bigint AS window_orders,
               coalesce(sum(net) FILTER (WHERE day > $2), 0) AS window_net,
               sum(net) AS total_net,
               (min(ARRAY[(day - DATE '2000-01-01')::numeric, net]))[2] AS first_day_net
        FROM days
        GROUP BY customer_id
    )
    SELECT p.customer_id, p.first_day, p.last_day, p.purchase_days, p.window_orders,
           p.window_net, p.total_net, p.first_day_net
    FROM per_customer p"
);

/// The customers merged away or erased (few; `customers_gone_idx`), who
/// are no longer in any snapshot.
const GONE_SQL: &str = "SELECT customer_id FROM customers WHERE merged_into IS NOT NULL OR erased_at IS NOT NULL";

#[derive(QueryableByName)]
struct GoneRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
}

#[derive(QueryableByName)]
struct FactRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Date)]
    first_day: NaiveDate,
    #[diesel(sql_type = Date)]
    last_day: NaiveDate,
    #[diesel(sql_type = Int8)]
    purchase_days: i64,
    #[diesel(sql_type = Int8)]
    window_orders: i64,
    #[diesel(sql_type = Numeric)]
    window_net: Decimal,
    #[diesel(sql_type = Numeric)]
    total_net: Decimal,
    #[diesel(sql_type = Numeric)]
    first_day_net: Decimal,
}

/// One customer's history as the value models see it (days).
#[derive(Debug, Clone, Copy)]
struct History {
    first_purchase: NaiveDate,
    repeat_purchases: u32,
    average_repeat_spend: Decimal,
    /// None when the customer first bought on the as-of date (T = 0: no
    /// time observed, outside the models).
    summary: Option<CustomerSummary>,
}

/// Predictions for one customer, rounded for storage.
#[derive(Debug, Clone, Copy, Default)]
struct Predicted {
    expected_purchases: Option<Decimal>,
    p_alive: Option<Decimal>,
    expected_spend: Option<Decimal>,
    clv: Option<Decimal>,
}

fn days_between(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

fn history_of(row: &FactRow, as_of: NaiveDate) -> Result<History, StoreError> {
    let repeat_purchases = u32::try_from(row.purchase_days - 1).unwrap_or(0);
    let average_repeat_spend = if repeat_purchases > 0 {
        ((row.total_net - row.first_day_net) / Decimal::from(repeat_purchases)).max(Decimal::ZERO).round_dp(2)
    } else {
        Decimal::ZERO
    };
    let age = days_between(row.first_day, as_of);
    let summary = if age > 0 {
        let recency = days_between(row.first_day, row.last_day) as f64;
        let monetary = average_repeat_spend.to_f64().unwrap_or(0.0);
        Some(
            CustomerSummary::new(repeat_purchases, recency, age as f64, monetary)
                .map_err(|e| StoreError::Corrupt(format!("value summary of {}: {e}", row.customer_id)))?,
        )
    } else {
        None
    };
    Ok(History { first_purchase: row.first_day, repeat_purchases, average_repeat_spend, summary })
}

fn decimal(value: f64, places: u32) -> Option<Decimal> {
    if value.is_finite() { Decimal::from_f64(value).map(|d| d.round_dp(places)) } else { None }
}

fn rfm_error(e: RfmError) -> StoreError {
    StoreError::Corrupt(format!("segment refresh: {e}"))
}

/// The models fitted by the latest run before a date, where it has them.
#[derive(Debug, Clone, Copy, Default)]
struct PreviousFit {
    bgnbd: Option<BgNbdParams>,
    gamma_gamma: Option<GammaGammaParams>,
}

/// The fit of the latest run before `as_of` (only a place to start from:
/// anything unreadable is simply not used).
fn previous_fit(conn: &mut PgConnection, as_of: NaiveDate) -> Result<PreviousFit, StoreError> {
    let row: Option<(Option<serde_json::Value>, Option<serde_json::Value>)> = segment_runs::table
        .filter(segment_runs::as_of.lt(as_of))
        .order(segment_runs::as_of.desc())
        .select((segment_runs::bgnbd, segment_runs::gamma_gamma))
        .first(conn)
        .optional()?;
    let Some((bgnbd, gamma_gamma)) = row else { return Ok(PreviousFit::default()) };
    Ok(PreviousFit {
        bgnbd: bgnbd.and_then(|v| serde_json::from_value(v).ok()),
        gamma_gamma: gamma_gamma.and_then(|v| serde_json::from_value(v).ok()),
    })
}

/// The fitted models (either may be missing) and the first fitting error.
struct Models {
    bgnbd: Option<BgNbdParams>,
    gamma_gamma: Option<GammaGammaParams>,
    error: Option<ModelError>,
}

/// Fits both models, each starting at `previous` (the latest earlier
/// run's fit) when there is one: a day's new orders move the maximum
/// little, so BFGS needs a few steps instead of dozens.
fn fit(histories: &[History], previous: &PreviousFit) -> Models {
    let summaries: Vec<CustomerSummary> = histories.iter().filter_map(|h| h.summary).collect();
    let bgnbd =
        fit_bgnbd_starting_at(&CompressedSummaries::from_summaries(&summaries), previous.bgnbd).map(|f| f.params);
    // Gamma-Gamma is fitted on repeat buyers who kept something (lifetimes'
    // practice: a zero average is outside the model).
    let spenders: Vec<CustomerSummary> =
        summaries.iter().filter(|s| s.frequency() > 0 && s.monetary() > 0.0).copied().collect();
    let gamma_gamma = fit_gamma_gamma_starting_at(&spenders, previous.gamma_gamma).map(|f| f.params);
    let error = match (&bgnbd, &gamma_gamma) {
        (Err(e), _) | (Ok(_), Err(e)) => Some(ModelError::from(e)),
        (Ok(_), Ok(_)) => None,
    };
    Models { bgnbd: bgnbd.ok(), gamma_gamma: gamma_gamma.ok(), error }
}

/// Predictions for every customer, on all cores, each thread with its own
/// [`Forecaster`] (which sums the expensive series once per distinct x and
/// T).
fn predict_all(histories: &[History], models: &Models, config: &ClvConfig) -> Vec<Predicted> {
    let Some(bgnbd) = models.bgnbd else {
        return vec![Predicted::default(); histories.len()];
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = histories.len().div_ceil(threads).max(1);
    let predict_chunk = |part: &[History]| -> Vec<Predicted> {
        let mut forecaster = Forecaster::new(bgnbd, *config);
        part.iter()
            .map(|h| {
                let Some(s) = h.summary else { return Predicted::default() };
                let forecast = forecaster.forecast(&s);
                let spend = models.gamma_gamma.map(|gg| gg.expected_average_spend(&s));
                Predicted {
                    expected_purchases: decimal(forecast.expected_purchases, 4),
                    p_alive: decimal(forecast.probability_alive, 5),
                    expected_spend: spend.and_then(|v| decimal(v, 2)),
                    clv: spend.and_then(|spend| decimal(forecast.clv(spend, config), 2)),
                }
            })
            .collect()
    };
    if threads == 1 || histories.len() < 10_000 {
        return predict_chunk(histories);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = histories.chunks(chunk).map(|part| scope.spawn(move || predict_chunk(part))).collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))).collect()
    })
}

fn copy_err(e: std::io::Error) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(e))
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}

/// The facts of every live customer (not merged away, not erased), read in `1 + readers.len()` ranges of
/// customer ids at once, one per connection, all in the same snapshot of
/// the database (exported by `conn`'s transaction and imported by the
/// others, as pg_dump does), so the parts add up to what one query would
/// have read. Parts come back in id order. PostgreSQL runs the grouping of
/// one query on one core; ranges put every core to work.
fn read_facts_in_parallel(
    conn: &mut PgConnection,
    readers: &mut [&mut PgConnection],
    as_of: NaiveDate,
    window_start: NaiveDate,
    progress: &mut dyn FnMut(RefreshStep),
) -> Result<Vec<Vec<FactRow>>, StoreError> {
    conn.build_transaction().repeatable_read().read_only().run(|conn| {
        let gone: HashSet<Uuid> =
            diesel::sql_query(GONE_SQL).load::<GoneRow>(conn)?.into_iter().map(|g| g.customer_id).collect();
        let bounds = id_bounds(conn, readers.len() + 1)?;
        let ranges: Vec<(Uuid, Uuid)> = bounds.windows(2).map(|w| (w[0], w[1])).collect();
        let helpers = ranges.len().saturating_sub(1);
        let snapshot = if helpers == 0 {
            String::new()
        } else {
            diesel::select(diesel::dsl::sql::<Text>("pg_export_snapshot()")).get_result::<String>(conn)?
        };
        // Every helper has imported the snapshot (or failed to) before the
        // exporting transaction moves on, and could end.
        let imported = std::sync::Barrier::new(helpers + 1);
        std::thread::scope(|scope| {
            let handles: Vec<_> = readers
                .iter_mut()
                .zip(ranges.iter().skip(1))
                .map(|(reader, &range)| {
                    let (snapshot, imported) = (&snapshot, &imported);
                    scope.spawn(move || {
                        let mut waited = false;
                        let read = reader.build_transaction().repeatable_read().read_only().run(|reader| {
                            let set =
                                diesel::sql_query(format!("SET TRANSACTION SNAPSHOT '{snapshot}'")).execute(reader);
                            imported.wait();
                            waited = true;
                            set?;
                            read_facts(reader, as_of, window_start, range, &mut |_| {})
                        });
                        if !waited {
                            imported.wait();
                        }
                        read
                    })
                })
                .collect();
            imported.wait();
            let first = read_facts(conn, as_of, window_start, ranges[0], progress);
            let mut parts = vec![first?];
            for handle in handles {
                parts.push(handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?);
            }
            if !gone.is_empty() {
                for part in &mut parts {
                    part.retain(|row| !gone.contains(&row.customer_id));
                }
            }
            Ok(parts)
        })
    })
}

/// `parts` + 1 customer ids splitting the customers into `parts` ranges
/// (first, second], (second, third], … of about equal size: the nil id
/// (the anonymous customer, never counted) and the largest id at the ends.
fn id_bounds(conn: &mut PgConnection, parts: usize) -> Result<Vec<Uuid>, StoreError> {
    let mut bounds = vec![Uuid::nil()];
    if parts > 1 {
        let customers: i64 = crate::schema::customers::table.count().get_result(conn)?;
        for i in 1..parts {
            let offset = customers * i as i64 / parts as i64;
            let bound: Option<Uuid> = crate::schema::customers::table
                .select(crate::schema::customers::customer_id)
                .order(crate::schema::customers::customer_id)
                .offset(offset)
                .first(conn)
                .optional()?;
            if let Some(bound) = bound.filter(|b| b > bounds.last().unwrap_or(&Uuid::nil())) {
                bounds.push(bound);
            }
        }
    }
    bounds.push(Uuid::max());
    Ok(bounds)
}

/// The facts of the customers with ids in (`range.0`, `range.1`], in id
/// order, in the caller's transaction. Hash joins and hash aggregation are
/// off for it: the plan is then an index-only scan of
/// `orders_customer_day_idx` grouped as it comes, merge-joined with the
/// returns' days (a hash join or aggregate loses the order, and the grouping
/// then sorts ten million rows on disk). The expressions are simple enough
/// that compiling them (JIT) costs more than it saves.
fn read_facts(
    conn: &mut PgConnection,
    as_of: NaiveDate,
    window_start: NaiveDate,
    range: (Uuid, Uuid),
    progress: &mut dyn FnMut(RefreshStep),
) -> Result<Vec<FactRow>, StoreError> {
    diesel::sql_query("SET LOCAL enable_hashjoin = off").execute(conn)?;
    diesel::sql_query("SET LOCAL enable_hashagg = off").execute(conn)?;
    diesel::sql_query("SET LOCAL jit = off").execute(conn)?;
    // The whole result in one go: libpq's row-by-row mode costs a round of
    // result handling per row, a third of the read at a million customers.
    let rows: Vec<FactRow> = diesel::sql_query(FACTS_SQL)
        .bind::<Date, _>(as_of)
        .bind::<Date, _>(window_start)
        .bind::<SqlUuid, _>(ANONYMOUS)
        .bind::<SqlUuid, _>(range.0)
        .bind::<SqlUuid, _>(range.1)
        .load(conn)?;
    progress(RefreshStep::Read(rows.len()));
    Ok(rows)
}

/// Computes and writes the snapshot of `as_of` (see the module
/// documentation), replacing one of the same date. The facts are read on
/// `conn` and the `readers` together (see [`read_facts_in_parallel`]; none
/// is fine). `progress` hears of each step. The value models failing on
/// degenerate data (no repeat buyers, too few customers, …) is not an
/// error: the RFM part is written and the model error recorded in the run.
pub fn refresh_segments(
    conn: &mut PgConnection,
    readers: &mut [&mut PgConnection],
    as_of: NaiveDate,
    config: &RefreshConfig,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(RefreshStep),
) -> Result<RefreshReport, StoreError> {
    let started = Instant::now();
    let window_start = as_of
        .checked_sub_days(Days::new(u64::from(config.window_days())))
        .ok_or_else(|| StoreError::Corrupt(format!("segment refresh: no window before {as_of}")))?;
    progress(RefreshStep::Aggregating);
    let parts = read_facts_in_parallel(conn, readers, as_of, window_start, progress)?;
    let total_rows: usize = parts.iter().map(Vec::len).sum();
    if u32::try_from(total_rows).is_err() {
        return Err(rfm_error(RfmError::PopulationTooLarge(total_rows)));
    }
    let mut ids: Vec<Uuid> = Vec::with_capacity(total_rows);
    let mut facts: Vec<CustomerFacts<u32>> = Vec::with_capacity(total_rows);
    let mut histories: Vec<History> = Vec::with_capacity(total_rows);
    for row in parts.into_iter().flatten() {
        facts.push(CustomerFacts {
            customer: ids.len() as u32,
            last_purchase: row.last_day,
            orders: u32::try_from(row.window_orders).unwrap_or(u32::MAX),
            net_paid: row.window_net,
        });
        histories.push(history_of(&row, as_of)?);
        ids.push(row.customer_id);
    }
    progress(RefreshStep::Read(ids.len()));
    let aggregated = started.elapsed();

    let map = SegmentMap::default();
    let scores = score_customers(&facts, as_of, &ScoringMethod::QUINTILES).map_err(rfm_error)?;
    let mut counts = Segment::ALL.map(|s| (s, 0_usize));
    let segments: Vec<Segment> = scores
        .iter()
        .map(|score| {
            let segment = map.segment(*score);
            counts[segment.index()].1 += 1;
            segment
        })
        .collect();
    progress(RefreshStep::Scored(ids.len()));
    let scored = started.elapsed();

    let models = fit(&histories, &previous_fit(conn, as_of)?);
    let fitted = started.elapsed();
    let predicted = predict_all(&histories, &models, config.clv());
    progress(RefreshStep::Valued(ids.len()));
    let valued = started.elapsed();

    let total = ids.len();
    let stored_config = json!({
        "window_days": config.window_days(),
        "scoring": ScoringMethod::QUINTILES,
        "segment_map": map,
        "clv": config.clv(),
        "time_unit": "days",
    });
    let partition = format!("segment_snapshots_d{}", as_of.format("%Y%m%d"));
    let replaced = conn.transaction(|conn| {
        // The date's rows go into a table of their own, which becomes the
        // date's partition once its indexes are built (migration 000009):
        // sorting a million rows into an index costs a third of inserting
        // them one by one into the indexes of a table already attached.
        // Frozen as loaded: a table made in this transaction needs no
        // later vacuum to mark its rows visible.
        let replaced = diesel::select(diesel::dsl::sql::<Bool>(&format!("to_regclass('{partition}') IS NOT NULL")))
            .get_result::<bool>(conn)?;
        if replaced {
            // Out of the way of the new indexes' names (renaming an index
            // does not block reading the snapshots).
            conn.batch_execute(&format!(
                "ALTER INDEX IF EXISTS {partition}_pkey RENAME TO {partition}_replaced_pkey;
                 ALTER INDEX IF EXISTS {partition}_segment_clv_idx RENAME TO {partition}_replaced_segment_clv_idx;"
            ))?;
        }
        conn.batch_execute(
            "CREATE TABLE segment_snapshot_load (LIKE segment_snapshots INCLUDING DEFAULTS INCLUDING CONSTRAINTS)",
        )?;
        // The COPY callback is `Fn`: progress goes through a cell.
        let report_progress = std::cell::RefCell::new(&mut *progress);
        diesel::copy_from(segment_snapshot_load::table)
            .from_raw_data(
                (
                    segment_snapshot_load::customer_id,
                    segment_snapshot_load::as_of,
                    segment_snapshot_load::recency_days,
                    segment_snapshot_load::frequency,
                    segment_snapshot_load::monetary,
                    segment_snapshot_load::r,
                    segment_snapshot_load::f,
                    segment_snapshot_load::m,
                    segment_snapshot_load::segment,
                    segment_snapshot_load::first_purchase,
                    segment_snapshot_load::last_purchase,
                    segment_snapshot_load::repeat_purchases,
                    segment_snapshot_load::average_repeat_spend,
                    segment_snapshot_load::expected_purchases,
                    segment_snapshot_load::p_alive,
                    segment_snapshot_load::expected_spend,
                    segment_snapshot_load::clv,
                ),
                |w: &mut dyn std::io::Write| {
                    let mut out = std::io::BufWriter::with_capacity(1 << 16, w);
                    for i in 0..total {
                        let (fact, history, score, p) = (&facts[i], &histories[i], scores[i], &predicted[i]);
                        let recency = recency_days(fact.last_purchase, as_of).unwrap_or(0);
                        writeln!(
                            out,
                            "{},{as_of},{recency},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                            ids[i],
                            fact.orders,
                            fact.net_paid.round_dp(2),
                            score.r(),
                            score.f(),
                            score.m(),
                            segments[i].code(),
                            history.first_purchase,
                            fact.last_purchase,
                            history.repeat_purchases,
                            history.average_repeat_spend,
                            opt(p.expected_purchases),
                            opt(p.p_alive),
                            opt(p.expected_spend),
                            opt(p.clv),
                        )
                        .map_err(copy_err)?;
                        let written = i + 1;
                        if written.is_multiple_of(100_000) {
                            (report_progress.borrow_mut())(RefreshStep::Writing { written, total });
                        }
                    }
                    out.flush().map_err(copy_err)
                },
            )
            .with_format(CopyFormat::Csv)
            .with_freeze(true)
            .execute(conn)?;
        (report_progress.borrow_mut())(RefreshStep::Writing { written: total, total });
        // The indexes of the partitioned table, built here by sort so that
        // attaching adopts them; the check lets the attach skip its scan.
        // Same definitions as in migration 000009.
        conn.batch_execute(&format!(
            "ALTER TABLE segment_snapshot_load ADD CONSTRAINT {partition}_date CHECK (as_of = DATE '{as_of}');
             ALTER TABLE segment_snapshot_load ADD CONSTRAINT {partition}_pkey PRIMARY KEY (customer_id, as_of);
             CREATE INDEX {partition}_segment_clv_idx
                 ON segment_snapshot_load (as_of, segment, (coalesce(clv, -1)) DESC, customer_id);"
        ))?;
        // Replacing a date drops its partition: a lock on the snapshots
        // that lasts only until the commit just below.
        conn.batch_execute(&format!(
            "{drop}ALTER TABLE segment_snapshot_load RENAME TO {partition};
             ALTER TABLE segment_snapshots ATTACH PARTITION {partition} FOR VALUES IN (DATE '{as_of}');
             ANALYZE {partition};",
            drop = if replaced { format!("DROP TABLE {partition};\n") } else { String::new() },
        ))?;
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let values = (
            segment_runs::as_of.eq(as_of),
            segment_runs::config.eq(&stored_config),
            segment_runs::bgnbd.eq(models.bgnbd.map(|p| json!(p))),
            segment_runs::gamma_gamma.eq(models.gamma_gamma.map(|p| json!(p))),
            segment_runs::model_error.eq(models.error.as_ref().map(|e| json!(e))),
            segment_runs::customers.eq(i64::try_from(total).unwrap_or(i64::MAX)),
            segment_runs::created_at.eq(now),
            segment_runs::duration_ms.eq(duration_ms),
        );
        diesel::insert_into(segment_runs::table)
            .values(values.clone())
            .on_conflict(segment_runs::as_of)
            .do_update()
            .set(values)
            .execute(conn)?;
        Ok::<bool, StoreError>(replaced)
    })?;
    progress(RefreshStep::Done);
    let elapsed = started.elapsed();
    tracing::info!(
        %as_of,
        customers = total,
        aggregate_ms = aggregated.as_millis() as u64,
        score_ms = (scored - aggregated).as_millis() as u64,
        fit_ms = (fitted - scored).as_millis() as u64,
        predict_ms = (valued - fitted).as_millis() as u64,
        write_ms = (elapsed - valued).as_millis() as u64,
        "segments refreshed"
    );
    Ok(RefreshReport {
        as_of,
        customers: total,
        segments: counts,
        bgnbd: models.bgnbd,
        gamma_gamma: models.gamma_gamma,
        model_error: models.error,
        replaced,
        elapsed,
    })
}

// ---- runs ---------------------------------------------------------------------------

/// One refresh as stored: its date, settings and fitted models.
#[derive(Debug, Clone)]
pub struct SegmentRun {
    pub as_of: NaiveDate,
    pub customers: u64,
    pub window_days: u32,
    pub clv: Option<ClvConfig>,
    pub bgnbd: Option<BgNbdParams>,
    pub gamma_gamma: Option<GammaGammaParams>,
    pub model_error: Option<ModelError>,
    pub created_at: DateTime<Utc>,
    pub duration_ms: i64,
}

/// A read named a snapshot date that has none (`as_of` None: there is no
/// snapshot at all yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingSnapshot {
    pub as_of: Option<NaiveDate>,
}

type RunRow = (
    NaiveDate,
    serde_json::Value,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
    Option<serde_json::Value>,
    i64,
    DateTime<Utc>,
    i64,
);

fn run_from_row(row: RunRow) -> Result<SegmentRun, StoreError> {
    let (as_of, config, bgnbd, gamma_gamma, model_error, customers, created_at, duration_ms) = row;
    let window_days = config["window_days"].as_u64().and_then(|d| u32::try_from(d).ok()).unwrap_or(365);
    Ok(SegmentRun {
        as_of,
        customers: u64::try_from(customers).unwrap_or(0),
        window_days,
        clv: serde_json::from_value(config["clv"].clone()).ok(),
        bgnbd: bgnbd.map(serde_json::from_value).transpose()?,
        gamma_gamma: gamma_gamma.map(serde_json::from_value).transpose()?,
        model_error: model_error.map(serde_json::from_value).transpose()?,
        created_at,
        duration_ms,
    })
}

/// The run of `as_of`, or the latest one when `as_of` is None.
pub fn segment_run(
    conn: &mut PgConnection,
    as_of: Option<NaiveDate>,
) -> Result<Result<SegmentRun, MissingSnapshot>, StoreError> {
    let query = segment_runs::table
        .select((
            segment_runs::as_of,
            segment_runs::config,
            segment_runs::bgnbd,
            segment_runs::gamma_gamma,
            segment_runs::model_error,
            segment_runs::customers,
            segment_runs::created_at,
            segment_runs::duration_ms,
        ))
        .order(segment_runs::as_of.desc())
        .into_boxed();
    let query = match as_of {
        Some(date) => query.filter(segment_runs::as_of.eq(date)),
        None => query,
    };
    let row: Option<RunRow> = query.first(conn).optional()?;
    match row {
        Some(row) => Ok(Ok(run_from_row(row)?)),
        None => Ok(Err(MissingSnapshot { as_of })),
    }
}

/// The dates that have a snapshot, newest first.
pub fn snapshot_dates(conn: &mut PgConnection) -> Result<Vec<NaiveDate>, StoreError> {
    Ok(segment_runs::table.select(segment_runs::as_of).order(segment_runs::as_of.desc()).load(conn)?)
}

// ---- filters shared by the reads ----------------------------------------------------

/// Finer cuts of a snapshot: only the customers matching every cut given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SegmentCuts {
    /// Home store.
    pub store: Option<StoreId>,
    /// Current loyalty tier (a customer without an account is S1).
    pub tier: Option<Tier>,
    pub gender: Option<Gender>,
    pub age_band: Option<AgeBand>,
    /// Bought at least one line of this category on or before the snapshot date.
    pub category: Option<String>,
}

/// `$1` the as-of date, `$2` the scope's stores (NULL: all), `$3`..`$9` the cuts.
const CUTS_SQL: &str = " s.as_of = $1
      AND ($2::uuid[] IS NULL OR c.home_store_id = ANY($2))
      AND ($3::uuid IS NULL OR c.home_store_id = $3)
      AND ($4::text IS NULL OR coalesce((SELECT a.tier FROM loyalty_accounts a WHERE a.customer_id = s.customer_id), 'S1') = $4)
      AND ($5::text IS NULL OR c.gender = $5)
      AND ($6::date IS NULL OR c.birthday < $6)
      AND ($7::date IS NULL OR c.birthday >= $7)
      AND ($8 = false OR c.birthday IS NULL)
      AND ($9::text IS NULL OR EXISTS (
            SELECT 1 FROM order_lines l
            JOIN orders o ON o.customer_id = l.customer_id AND o.order_id = l.order_id
            WHERE l.customer_id = s.customer_id AND l.category = $9 AND o.business_date <= $1))";

fn scope_ids(scope: &StoreScope) -> Option<Vec<Uuid>> {
    scope.store_ids().map(|s| s.iter().map(|id| id.as_uuid()).collect())
}

fn bind_cuts<'a>(
    query: BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery>,
    as_of: NaiveDate,
    scope: &StoreScope,
    cuts: &SegmentCuts,
) -> BoxedSqlQuery<'a, Pg, diesel::query_builder::SqlQuery> {
    let (born_before, born_on_or_after, unknown_age) = match cuts.age_band {
        None => (None, None, false),
        Some(band) => match band.birthdays_on(as_of) {
            None => (None, None, true),
            Some(range) => (range.born_before, range.born_on_or_after, false),
        },
    };
    query
        .bind::<Date, _>(as_of)
        .bind::<Nullable<Array<SqlUuid>>, _>(scope_ids(scope))
        .bind::<Nullable<SqlUuid>, _>(cuts.store.map(|s| s.as_uuid()))
        .bind::<Nullable<Text>, _>(cuts.tier.map(|t| t.as_str().to_owned()))
        .bind::<Nullable<Text>, _>(cuts.gender.map(|g| g.as_str().to_owned()))
        .bind::<Nullable<Date>, _>(born_before)
        .bind::<Nullable<Date>, _>(born_on_or_after)
        .bind::<Bool, _>(unknown_age)
        .bind::<Nullable<Text>, _>(cuts.category.clone())
}

// ---- one customer's line of a snapshot ----------------------------------------------

/// One customer in a snapshot: RFM facts, scores and segment, the value
/// model's view of their history, and the predictions (None when the model
/// could not be fitted or the customer first bought on the snapshot date).
#[derive(Debug, Clone, PartialEq)]
pub struct ValueSnapshot {
    pub customer: CustomerId,
    pub as_of: NaiveDate,
    pub recency_days: u32,
    pub frequency: u32,
    pub monetary: Decimal,
    pub score: RfmScore,
    pub segment: Segment,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    pub repeat_purchases: u32,
    pub average_repeat_spend: Decimal,
    pub expected_purchases: Option<Decimal>,
    pub p_alive: Option<Decimal>,
    pub expected_spend: Option<Decimal>,
    pub clv: Option<Decimal>,
}

const SNAPSHOT_COLUMNS: &str = "s.customer_id, s.as_of, s.recency_days, s.frequency, s.monetary, s.r, s.f, s.m, \
     s.segment, s.first_purchase, s.last_purchase, s.repeat_purchases, s.average_repeat_spend, \
     s.expected_purchases, s.p_alive, s.expected_spend, s.clv";

#[derive(QueryableByName, Queryable, Selectable)]
#[diesel(table_name = segment_snapshots, check_for_backend(Pg))]
struct SnapshotRow {
    customer_id: Uuid,
    as_of: NaiveDate,
    recency_days: i32,
    frequency: i32,
    monetary: Decimal,
    r: i16,
    f: i16,
    m: i16,
    segment: String,
    first_purchase: NaiveDate,
    last_purchase: NaiveDate,
    repeat_purchases: i32,
    average_repeat_spend: Decimal,
    expected_purchases: Option<Decimal>,
    p_alive: Option<Decimal>,
    expected_spend: Option<Decimal>,
    clv: Option<Decimal>,
}

fn score_of(v: i16) -> Result<Score, StoreError> {
    u8::try_from(v)
        .ok()
        .and_then(|v| Score::new(v).ok())
        .ok_or_else(|| StoreError::Corrupt(format!("segment_snapshots score {v}")))
}

fn segment_of(code: &str) -> Result<Segment, StoreError> {
    code.parse().map_err(|e: RfmError| StoreError::Corrupt(format!("segment_snapshots.segment: {e}")))
}

impl SnapshotRow {
    fn into_domain(self) -> Result<ValueSnapshot, StoreError> {
        Ok(ValueSnapshot {
            customer: CustomerId::from_uuid(self.customer_id),
            as_of: self.as_of,
            recency_days: u32::try_from(self.recency_days).unwrap_or(0),
            frequency: u32::try_from(self.frequency).unwrap_or(0),
            monetary: self.monetary,
            score: RfmScore::new(score_of(self.r)?, score_of(self.f)?, score_of(self.m)?),
            segment: segment_of(&self.segment)?,
            first_purchase: self.first_purchase,
            last_purchase: self.last_purchase,
            repeat_purchases: u32::try_from(self.repeat_purchases).unwrap_or(0),
            average_repeat_spend: self.average_repeat_spend,
            expected_purchases: self.expected_purchases,
            p_alive: self.p_alive,
            expected_spend: self.expected_spend,
            clv: self.clv,
        })
    }
}

// ---- segment summary ----------------------------------------------------------------

/// One segment's figures in a summary.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentFigures {
    pub segment: Segment,
    pub customers: u64,
    /// Net paid in the window by the segment's customers (base currency).
    pub revenue: Decimal,
    /// `revenue` over the revenue of every segment (0..=1, 4 places; 0 when there is none).
    pub share_of_revenue: Decimal,
    /// Average CLV of the segment's customers who have one (2 places).
    pub average_clv: Option<Decimal>,
}

/// The segments of a snapshot, for the customers the scope and cuts allow.
#[derive(Debug, Clone)]
pub struct SegmentSummary {
    pub run: SegmentRun,
    pub customers: u64,
    pub revenue: Decimal,
    /// Every segment, in the order of [`Segment::ALL`] (empty ones included).
    pub segments: Vec<SegmentFigures>,
}

#[derive(QueryableByName)]
struct FiguresRow {
    #[diesel(sql_type = Text)]
    segment: String,
    #[diesel(sql_type = Int8)]
    customers: i64,
    #[diesel(sql_type = Numeric)]
    revenue: Decimal,
    #[diesel(sql_type = Nullable<Numeric>)]
    average_clv: Option<Decimal>,
}

/// Per segment: customers, revenue and its share, average CLV.
pub fn segment_summary(
    conn: &mut PgConnection,
    as_of: Option<NaiveDate>,
    cuts: &SegmentCuts,
    scope: &StoreScope,
) -> Result<Result<SegmentSummary, MissingSnapshot>, StoreError> {
    let run = match segment_run(conn, as_of)? {
        Ok(run) => run,
        Err(missing) => return Ok(Err(missing)),
    };
    let sql = format!(
        "SELECT s.segment, count(*) AS customers, coalesce(sum(s.monetary), 0) AS revenue, avg(s.clv) AS average_clv \
         FROM segment_snapshots s JOIN customers c ON c.customer_id = s.customer_id \
         WHERE {CUTS_SQL} GROUP BY s.segment"
    );
    let rows: Vec<FiguresRow> = bind_cuts(diesel::sql_query(sql).into_boxed(), run.as_of, scope, cuts).load(conn)?;
    let mut by_segment: HashMap<Segment, FiguresRow> = HashMap::new();
    for row in rows {
        by_segment.insert(segment_of(&row.segment)?, row);
    }
    let revenue: Decimal = by_segment.values().map(|r| r.revenue).sum();
    let customers: u64 = by_segment.values().map(|r| u64::try_from(r.customers).unwrap_or(0)).sum();
    let segments = Segment::ALL
        .into_iter()
        .map(|segment| match by_segment.get(&segment) {
            Some(row) => SegmentFigures {
                segment,
                customers: u64::try_from(row.customers).unwrap_or(0),
                revenue: row.revenue,
                share_of_revenue: if revenue > Decimal::ZERO {
                    (row.revenue / revenue).round_dp(4)
                } else {
                    Decimal::ZERO
                },
                average_clv: row.average_clv.map(|v| v.round_dp(2)),
            },
            None => SegmentFigures {
                segment,
                customers: 0,
                revenue: Decimal::ZERO,
                share_of_revenue: Decimal::ZERO,
                average_clv: None,
            },
        })
        .collect();
    Ok(Ok(SegmentSummary { run, customers, revenue, segments }))
}

// ---- a segment's customers ----------------------------------------------------------

/// A customer in a list: who they are and their line of the snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentMember {
    pub member_no: String,
    pub name: Option<String>,
    pub home_store: Option<StoreId>,
    pub value: ValueSnapshot,
}

/// Where a page sorted by CLV (highest first, unknown last, then by
/// customer id) ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueCursor {
    pub clv: Option<Decimal>,
    pub customer: CustomerId,
}

/// A page of a segment's customers.
#[derive(Debug, Clone)]
pub struct SegmentPage {
    pub run: SegmentRun,
    pub items: Vec<SegmentMember>,
    pub next: Option<ValueCursor>,
}

#[derive(QueryableByName)]
struct MemberRow {
    #[diesel(embed)]
    snapshot: SnapshotRow,
    #[diesel(sql_type = Text)]
    member_no: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    home_store_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    associate_id: Option<Uuid>,
}

impl MemberRow {
    fn into_member(self) -> Result<SegmentMember, StoreError> {
        Ok(SegmentMember {
            member_no: self.member_no,
            name: self.name,
            home_store: self.home_store_id.map(StoreId::from_uuid),
            value: self.snapshot.into_domain()?,
        })
    }
}

/// The customers of one segment, most valuable first (CLV unknown last),
/// `limit` (1..=1000) at a time after `after`.
pub fn segment_customers(
    conn: &mut PgConnection,
    as_of: Option<NaiveDate>,
    segment: Segment,
    cuts: &SegmentCuts,
    scope: &StoreScope,
    after: Option<ValueCursor>,
    limit: u32,
) -> Result<Result<SegmentPage, MissingSnapshot>, StoreError> {
    let run = match segment_run(conn, as_of)? {
        Ok(run) => run,
        Err(missing) => return Ok(Err(missing)),
    };
    let limit = i64::from(limit.clamp(1, 1000));
    let sql = format!(
        "SELECT {SNAPSHOT_COLUMNS}, c.member_no, c.name, c.home_store_id, c.associate_id \
         FROM segment_snapshots s JOIN customers c ON c.customer_id = s.customer_id \
         WHERE {CUTS_SQL} AND s.segment = $10 \
           AND ($11 = false OR coalesce(s.clv, -1) < $12 OR (coalesce(s.clv, -1) = $12 AND s.customer_id > $13)) \
         ORDER BY coalesce(s.clv, -1) DESC, s.customer_id ASC LIMIT $14"
    );
    let (paging, key, id) = match after {
        Some(c) => (true, c.clv.unwrap_or(Decimal::NEGATIVE_ONE), c.customer.as_uuid()),
        None => (false, Decimal::NEGATIVE_ONE, Uuid::nil()),
    };
    let mut rows: Vec<MemberRow> = bind_cuts(diesel::sql_query(sql).into_boxed(), run.as_of, scope, cuts)
        .bind::<Text, _>(segment.code())
        .bind::<Bool, _>(paging)
        .bind::<Numeric, _>(key)
        .bind::<SqlUuid, _>(id)
        .bind::<Int8, _>(limit + 1)
        .load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(usize::try_from(limit).unwrap_or(0));
    let items = rows.into_iter().map(MemberRow::into_member).collect::<Result<Vec<_>, _>>()?;
    let next =
        if more { items.last().map(|m| ValueCursor { clv: m.value.clv, customer: m.value.customer }) } else { None };
    Ok(Ok(SegmentPage { run, items, next }))
}

// ---- transitions --------------------------------------------------------------------

/// How many customers were in `from` on the earlier date and are in `to` on
/// the later one (`None`: not in that snapshot — new, or gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TransitionCount {
    pub from: Option<Segment>,
    pub to: Option<Segment>,
    pub customers: u64,
}

/// A customer behind a cell of the matrix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellCustomer {
    pub customer: CustomerId,
    pub member_no: String,
    pub name: Option<String>,
}

/// One cell's customers, by customer id, a page at a time.
#[derive(Debug, Clone)]
pub struct CellPage {
    pub from: Option<Segment>,
    pub to: Option<Segment>,
    pub customers: Vec<CellCustomer>,
    pub next_after: Option<CustomerId>,
}

/// The cell whose customers are wanted, and the page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellRequest {
    pub from: Option<Segment>,
    pub to: Option<Segment>,
    pub after: Option<CustomerId>,
    pub limit: u32,
}

/// Who moved between two snapshots.
#[derive(Debug, Clone)]
pub struct Transitions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Non-empty cells, `from` segments in the order of [`Segment::ALL`]
    /// then absent, and within each the same for `to`.
    pub cells: Vec<TransitionCount>,
    /// Customers in either snapshot (each once).
    pub total: u64,
    pub cell: Option<CellPage>,
}

#[derive(QueryableByName)]
struct CellRow {
    #[diesel(sql_type = Nullable<Text>)]
    from_segment: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    to_segment: Option<String>,
    #[diesel(sql_type = Int8)]
    customers: i64,
}

#[derive(QueryableByName)]
struct CellCustomerRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Text)]
    member_no: String,
    #[diesel(sql_type = Nullable<Text>)]
    name: Option<String>,
}

/// `$1` earlier date, `$2` later date, `$3` the scope's stores.
const MOVES_SQL: &str = "FROM (SELECT customer_id, segment FROM segment_snapshots WHERE as_of = $1) a \
     FULL JOIN (SELECT customer_id, segment FROM segment_snapshots WHERE as_of = $2) b ON b.customer_id = a.customer_id \
     JOIN customers c ON c.customer_id = coalesce(a.customer_id, b.customer_id) \
     WHERE ($3::uuid[] IS NULL OR c.home_store_id = ANY($3))";

fn side(code: Option<String>) -> Result<Option<Segment>, StoreError> {
    code.as_deref().map(segment_of).transpose()
}

fn position(side: Option<Segment>) -> usize {
    side.map_or(Segment::COUNT, Segment::index)
}

/// The transition matrix from the snapshot of `from` to that of `to`
/// (`from` ≤ `to`, checked by the caller), and on request one cell's customers.
pub fn segment_transitions(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
    cell: Option<CellRequest>,
    scope: &StoreScope,
) -> Result<Result<Transitions, MissingSnapshot>, StoreError> {
    for date in [from, to] {
        if let Err(missing) = segment_run(conn, Some(date))? {
            return Ok(Err(missing));
        }
    }
    let rows: Vec<CellRow> = diesel::sql_query(format!(
        "SELECT a.segment AS from_segment, b.segment AS to_segment, count(*) AS customers {MOVES_SQL} GROUP BY 1, 2"
    ))
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Nullable<Array<SqlUuid>>, _>(scope_ids(scope))
    .load(conn)?;
    let mut cells = rows
        .into_iter()
        .map(|r| {
            Ok(TransitionCount {
                from: side(r.from_segment)?,
                to: side(r.to_segment)?,
                customers: u64::try_from(r.customers).unwrap_or(0),
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    cells.sort_by_key(|c| (position(c.from), position(c.to)));
    let total = cells.iter().map(|c| c.customers).sum();
    let cell = match cell {
        None => None,
        Some(request) => {
            let limit = i64::from(request.limit.clamp(1, 1000));
            let mut rows: Vec<CellCustomerRow> = diesel::sql_query(format!(
                "SELECT c.customer_id, c.member_no, c.name {MOVES_SQL} \
                   AND a.segment IS NOT DISTINCT FROM $4 AND b.segment IS NOT DISTINCT FROM $5 \
                   AND c.customer_id > $6 ORDER BY c.customer_id LIMIT $7"
            ))
            .bind::<Date, _>(from)
            .bind::<Date, _>(to)
            .bind::<Nullable<Array<SqlUuid>>, _>(scope_ids(scope))
            .bind::<Nullable<Text>, _>(request.from.map(Segment::code))
            .bind::<Nullable<Text>, _>(request.to.map(Segment::code))
            .bind::<SqlUuid, _>(request.after.map_or(Uuid::nil(), |c| c.as_uuid()))
            .bind::<Int8, _>(limit + 1)
            .load(conn)?;
            let more = rows.len() as i64 > limit;
            rows.truncate(usize::try_from(limit).unwrap_or(0));
            let customers: Vec<CellCustomer> = rows
                .into_iter()
                .map(|r| CellCustomer {
                    customer: CustomerId::from_uuid(r.customer_id),
                    member_no: r.member_no,
                    name: r.name,
                })
                .collect();
            let next_after = if more { customers.last().map(|c| c.customer) } else { None };
            Some(CellPage { from: request.from, to: request.to, customers, next_after })
        }
    };
    Ok(Ok(Transitions { from, to, cells, total, cell }))
}

// ---- one customer's value -----------------------------------------------------------

/// One customer's segment in one snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentHistoryEntry {
    pub as_of: NaiveDate,
    pub score: RfmScore,
    pub segment: Segment,
    pub clv: Option<Decimal>,
}

/// A customer's value as of a snapshot (None when they had not bought by
/// then) and their segment in every snapshot up to it, oldest first.
#[derive(Debug, Clone)]
pub struct CustomerValueReport {
    pub run: SegmentRun,
    pub current: Option<ValueSnapshot>,
    pub history: Vec<SegmentHistoryEntry>,
}

/// One customer's scores, segment, CLV and its parts, and history.
/// A customer out of the caller's scope is not found.
pub fn customer_value(
    conn: &mut PgConnection,
    id: CustomerId,
    as_of: Option<NaiveDate>,
    scope: &StoreScope,
) -> Result<Result<CustomerValueReport, MissingSnapshot>, StoreError> {
    check_visible(conn, id, scope)?;
    let run = match segment_run(conn, as_of)? {
        Ok(run) => run,
        Err(missing) => return Ok(Err(missing)),
    };
    let rows: Vec<SnapshotRow> = segment_snapshots::table
        .filter(segment_snapshots::customer_id.eq(id.as_uuid()))
        .filter(segment_snapshots::as_of.le(run.as_of))
        .order(segment_snapshots::as_of.asc())
        .select(SnapshotRow::as_select())
        .load(conn)?;
    let mut snapshots = rows.into_iter().map(SnapshotRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    let history = snapshots
        .iter()
        .map(|s| SegmentHistoryEntry { as_of: s.as_of, score: s.score, segment: s.segment, clv: s.clv })
        .collect();
    let current = match snapshots.last() {
        Some(last) if last.as_of == run.as_of => snapshots.pop(),
        _ => None,
    };
    Ok(Ok(CustomerValueReport { run, current, history }))
}

// ---- top customers ------------------------------------------------------------------

/// A category a customer buys, by what they paid for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryShare {
    pub category: String,
    pub spend: Decimal,
}

/// A store a customer buys at, by number of orders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreVisits {
    pub store: StoreId,
    pub code: String,
    pub name: String,
    pub orders: u64,
    pub spend: Decimal,
}

/// A customer's own sales associate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssociateRef {
    pub id: AssociateId,
    pub code: String,
    pub name: String,
}

/// One of the most valuable customers, with their buying behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct TopCustomer {
    pub member: SegmentMember,
    /// Up to three, most spent first.
    pub favourite_categories: Vec<CategoryShare>,
    /// Up to three, most orders first.
    pub favourite_stores: Vec<StoreVisits>,
    pub associate: Option<AssociateRef>,
}

/// The most valuable customers of a snapshot.
#[derive(Debug, Clone)]
pub struct TopCustomers {
    pub run: SegmentRun,
    pub items: Vec<TopCustomer>,
}

#[derive(QueryableByName)]
struct CategoryRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Text)]
    category: String,
    #[diesel(sql_type = Numeric)]
    spend: Decimal,
}

#[derive(QueryableByName)]
struct StoreRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    store_id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Int8)]
    orders: i64,
    #[diesel(sql_type = Numeric)]
    spend: Decimal,
}

#[derive(QueryableByName)]
struct AssociateRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
}

/// How many favourite categories and stores are listed.
const FAVOURITES: usize = 3;

/// The `limit` (1..=1000) most valuable customers by CLV (then by net paid
/// in the window, when CLV is unknown), with their favourite categories and
/// stores (orders on or before the snapshot date) and their associate.
pub fn top_customers(
    conn: &mut PgConnection,
    as_of: Option<NaiveDate>,
    limit: u32,
    scope: &StoreScope,
) -> Result<Result<TopCustomers, MissingSnapshot>, StoreError> {
    let run = match segment_run(conn, as_of)? {
        Ok(run) => run,
        Err(missing) => return Ok(Err(missing)),
    };
    let sql = format!(
        "SELECT {SNAPSHOT_COLUMNS}, c.member_no, c.name, c.home_store_id, c.associate_id \
         FROM segment_snapshots s JOIN customers c ON c.customer_id = s.customer_id \
         WHERE {CUTS_SQL} \
         ORDER BY coalesce(s.clv, -1) DESC, s.monetary DESC, s.customer_id ASC LIMIT $10"
    );
    let rows: Vec<MemberRow> =
        bind_cuts(diesel::sql_query(sql).into_boxed(), run.as_of, scope, &SegmentCuts::default())
            .bind::<Int8, _>(i64::from(limit.clamp(1, 1000)))
            .load(conn)?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.snapshot.customer_id).collect();
    let associate_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.associate_id).collect();

    let mut categories: HashMap<Uuid, Vec<CategoryShare>> = HashMap::new();
    let category_rows: Vec<CategoryRow> = diesel::sql_query(
        "SELECT l.customer_id, l.category, sum(l.paid_base) AS spend
         FROM order_lines l
         JOIN orders o ON o.customer_id = l.customer_id AND o.order_id = l.order_id
         WHERE l.customer_id = ANY($1) AND l.category IS NOT NULL AND o.business_date <= $2
         GROUP BY l.customer_id, l.category
         ORDER BY l.customer_id, spend DESC, l.category",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Date, _>(run.as_of)
    .load(conn)?;
    for row in category_rows {
        let list = categories.entry(row.customer_id).or_default();
        if list.len() < FAVOURITES {
            list.push(CategoryShare { category: row.category, spend: row.spend });
        }
    }
    let mut stores: HashMap<Uuid, Vec<StoreVisits>> = HashMap::new();
    let store_rows: Vec<StoreRow> = diesel::sql_query(
        "SELECT o.customer_id, st.id AS store_id, st.code, st.name, count(*) AS orders,
                coalesce(sum(o.amount_paid_base), 0) AS spend
         FROM orders o JOIN stores st ON st.id = o.store_id
         WHERE o.customer_id = ANY($1) AND o.business_date <= $2
         GROUP BY o.customer_id, st.id, st.code, st.name
         ORDER BY o.customer_id, orders DESC, spend DESC, st.code",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Date, _>(run.as_of)
    .load(conn)?;
    for row in store_rows {
        let list = stores.entry(row.customer_id).or_default();
        if list.len() < FAVOURITES {
            list.push(StoreVisits {
                store: StoreId::from_uuid(row.store_id),
                code: row.code,
                name: row.name,
                orders: u64::try_from(row.orders).unwrap_or(0),
                spend: row.spend,
            });
        }
    }
    let associates: HashMap<Uuid, AssociateRef> =
        diesel::sql_query("SELECT id, code, name FROM associates WHERE id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(&associate_ids)
            .load::<AssociateRow>(conn)?
            .into_iter()
            .map(|a| (a.id, AssociateRef { id: AssociateId::from_uuid(a.id), code: a.code, name: a.name }))
            .collect();
    let items = rows
        .into_iter()
        .map(|row| {
            let id = row.snapshot.customer_id;
            let associate = row.associate_id.and_then(|a| associates.get(&a).cloned());
            Ok(TopCustomer {
                member: row.into_member()?,
                favourite_categories: categories.remove(&id).unwrap_or_default(),
                favourite_stores: stores.remove(&id).unwrap_or_default(),
                associate,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(Ok(TopCustomers { run, items }))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_default_config_values_in_days() {
        let config = RefreshConfig::default();
        assert_eq!(config.window_days(), 365);
        assert_eq!(config.clv().horizon_months(), 12);
        assert_eq!(config.clv().time_unit(), TimeUnit::Days);
        let weeks = ClvConfig::new(12, 0.01, 1.0, TimeUnit::Weeks).unwrap();
        assert!(RefreshConfig::new(NonZeroU32::new(90).unwrap(), weeks).is_err());
    }
}
