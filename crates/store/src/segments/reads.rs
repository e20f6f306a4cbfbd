//! The reads over segment snapshots: the segment summary, a segment's
//! customers a page at a time, the transitions between two dates, one
//! customer's value and history, the most valuable customers.
//!
//! Every read takes the caller's [`StoreScope`]: a store-scoped key sees only
//! customers whose (current) home store is in its scope. Cuts count an
//! order on its stored business date.

use std::collections::HashMap;

use chrono::NaiveDate;
use clientele_kernel::{CustomerId, StoreId};
use clientele_loyalty::Tier;
use clientele_profiles::{AgeBand, AssociateId, Gender, StoreScope};
use clientele_rfm::{RfmError, RfmScore, Score, Segment};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types::{Array, Bool, Date, Int8, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::runs::{MissingSnapshot, SegmentRun, segment_run};
use crate::access::check_visible;
use crate::error::StoreError;
use crate::schema::segment_snapshots;

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

/// Which page of a segment's customers: the snapshot (latest when None),
/// the segment, the cuts, and `limit` (1..=1000) customers after `after`.
#[derive(Debug, Clone)]
pub struct SegmentPageRequest {
    pub as_of: Option<NaiveDate>,
    pub segment: Segment,
    pub cuts: SegmentCuts,
    pub after: Option<ValueCursor>,
    pub limit: u32,
}

/// The customers of one segment, most valuable first (CLV unknown last).
pub fn segment_customers(
    conn: &mut PgConnection,
    request: &SegmentPageRequest,
    scope: &StoreScope,
) -> Result<Result<SegmentPage, MissingSnapshot>, StoreError> {
    let SegmentPageRequest { as_of, segment, ref cuts, after, limit } = *request;
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
    let mut categories = favourite_categories(conn, &ids, run.as_of)?;
    let mut stores = favourite_stores(conn, &ids, run.as_of)?;
    let associates = associates(conn, &associate_ids)?;
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

/// Up to [`FAVOURITES`] categories per customer of `ids`, most spent first
/// (orders on or before `as_of`).
fn favourite_categories(
    conn: &mut PgConnection,
    ids: &[Uuid],
    as_of: NaiveDate,
) -> Result<HashMap<Uuid, Vec<CategoryShare>>, StoreError> {
    let mut categories: HashMap<Uuid, Vec<CategoryShare>> = HashMap::new();
    let category_rows: Vec<CategoryRow> = diesel::sql_query(
        "SELECT l.customer_id, l.category, sum(l.paid_base) AS spend
         FROM order_lines l
         JOIN orders o ON o.customer_id = l.customer_id AND o.order_id = l.order_id
         WHERE l.customer_id = ANY($1) AND l.category IS NOT NULL AND o.business_date <= $2
         GROUP BY l.customer_id, l.category
         ORDER BY l.customer_id, spend DESC, l.category",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Date, _>(as_of)
    .load(conn)?;
    for row in category_rows {
        let list = categories.entry(row.customer_id).or_default();
        if list.len() < FAVOURITES {
            list.push(CategoryShare { category: row.category, spend: row.spend });
        }
    }
    Ok(categories)
}

/// Up to [`FAVOURITES`] stores per customer of `ids`, most orders first
/// (orders on or before `as_of`).
fn favourite_stores(
    conn: &mut PgConnection,
    ids: &[Uuid],
    as_of: NaiveDate,
) -> Result<HashMap<Uuid, Vec<StoreVisits>>, StoreError> {
    let mut stores: HashMap<Uuid, Vec<StoreVisits>> = HashMap::new();
    let store_rows: Vec<StoreRow> = diesel::sql_query(
        "SELECT o.customer_id, st.id AS store_id, st.code, st.name, count(*) AS orders,
                coalesce(sum(o.amount_paid_base), 0) AS spend
         FROM orders o JOIN stores st ON st.id = o.store_id
         WHERE o.customer_id = ANY($1) AND o.business_date <= $2
         GROUP BY o.customer_id, st.id, st.code, st.name
         ORDER BY o.customer_id, orders DESC, spend DESC, st.code",
    )
    .bind::<Array<SqlUuid>, _>(ids)
    .bind::<Date, _>(as_of)
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
    Ok(stores)
}

/// The associates of `ids`, by id.
fn associates(conn: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, AssociateRef>, StoreError> {
    Ok(diesel::sql_query("SELECT id, code, name FROM associates WHERE id = ANY($1)")
        .bind::<Array<SqlUuid>, _>(ids)
        .load::<AssociateRow>(conn)?
        .into_iter()
        .map(|a| (a.id, AssociateRef { id: AssociateId::from_uuid(a.id), code: a.code, name: a.name }))
        .collect())
}
