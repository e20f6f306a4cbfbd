//! The KPIs' counts, as docs/kpis.md defines them, read from `sales_days`
//! and `customer_first_orders` (kept with every order and return:
//! `crate::sales_days`): a period and the same dates a year before, and
//! for each its churn against the year before it — three periods read in
//! one pass, per store and over all the stores asked for. The ratios are
//! worked out by `clientele_clienteling::StoreFigures`.
//!
//! Two statements: the sums (orders, money, units), which add up across
//! stores; and the customers, counted once per store and once over all of
//! them. Each period is its own range of `sales_days`' key, so a long
//! period that overlaps the year before counts in both.

use std::collections::BTreeMap;

use clientele_clienteling::{Period, StoreCounts};
use clientele_kernel::StoreId;
use clientele_profiles::AssociateId;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Integer, Nullable, Numeric, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::StoreError;

/// Whose sales are counted.
#[derive(Debug, Clone, Copy)]
pub enum SalesOf<'a> {
    /// These stores', each and together.
    Stores(&'a [StoreId]),
    /// The sales credited to an associate (at their store: an order's
    /// associate is always one of the order's store).
    Associate { store: StoreId, associate: AssociateId },
}

/// The counts of a period and of the same dates a year before.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counted {
    pub period: StoreCounts,
    pub year_before: StoreCounts,
}

/// Per store, and over all of them (for one store or an associate, the
/// total is theirs).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesCounts {
    pub stores: BTreeMap<StoreId, Counted>,
    pub total: Counted,
}

/// The three periods a read covers: the period, the year before, and the
/// year before that (the year before's churn).
struct Periods([Period; 3]);

impl Periods {
    fn of(period: &Period) -> Periods {
        let before = period.year_before();
        Periods([*period, before, before.year_before()])
    }
}

/// What the statements bind, in order: $1 stores, $2–$7 the periods' ends,
/// $8 the associate (NULL for a store's sales).
fn bind_common<'a>(
    query: diesel::query_builder::SqlQuery,
    stores: &'a [Uuid],
    periods: &Periods,
    associate: Option<Uuid>,
) -> diesel::query_builder::BoxedSqlQuery<'a, diesel::pg::Pg, diesel::query_builder::SqlQuery> {
    let [p, b, bb] = &periods.0;
    query
        .into_boxed()
        .bind::<Array<SqlUuid>, _>(stores)
        .bind::<Date, _>(p.from())
        .bind::<Date, _>(p.to())
        .bind::<Date, _>(b.from())
        .bind::<Date, _>(b.to())
        .bind::<Date, _>(bb.from())
        .bind::<Date, _>(bb.to())
        .bind::<Nullable<SqlUuid>, _>(associate)
}

/// The rows of `sales_days` of the stores in days `$from`–`$to` (and of
/// the associate, if one is asked for).
fn days(from: &str, to: &str) -> String {
    format!(
        "FROM sales_days WHERE store_id = ANY($1) AND business_date BETWEEN {from} AND {to} \
         AND ($8::uuid IS NULL OR associate_id = $8)"
    )
}

#[derive(QueryableByName)]
struct SumRow {
    #[diesel(sql_type = SqlUuid)]
    store_id: Uuid,
    /// 0: the period, 1: the year before.
    #[diesel(sql_type = Integer)]
    period: i32,
    #[diesel(sql_type = Bool)]
    known: bool,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = Numeric)]
    gross: Decimal,
    #[diesel(sql_type = BigInt)]
    units: i64,
    #[diesel(sql_type = Numeric)]
    refunds: Decimal,
}

#[derive(QueryableByName)]
struct PeopleRow {
    /// NULL: over all the stores asked for.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    store_id: Option<Uuid>,
    #[diesel(sql_type = BigInt)]
    customers: i64,
    #[diesel(sql_type = BigInt)]
    returning: i64,
    #[diesel(sql_type = BigInt)]
    new_customers: i64,
    #[diesel(sql_type = BigInt)]
    new_repeat: i64,
    #[diesel(sql_type = BigInt)]
    lapsed: i64,
    #[diesel(sql_type = BigInt)]
    customers_before: i64,
    #[diesel(sql_type = BigInt)]
    returning_before: i64,
    #[diesel(sql_type = BigInt)]
    new_before: i64,
    #[diesel(sql_type = BigInt)]
    repeat_before: i64,
    #[diesel(sql_type = BigInt)]
    customers_two_before: i64,
    #[diesel(sql_type = BigInt)]
    lapsed_before: i64,
}

/// The counts of `of` over `period` and the same dates a year before.
///
/// Analytical reads over hundreds of thousands of rows: they run in a
/// transaction of their own with JIT compilation off (it cost more than
/// the query, docs/benchmarks.md), room to hash a store's customers in
/// memory, and hash joins (the planner cannot see how many customers a
/// union of ranges groups into).
pub fn sales_counts(conn: &mut PgConnection, of: SalesOf<'_>, period: &Period) -> Result<SalesCounts, StoreError> {
    let (stores, associate): (Vec<Uuid>, Option<Uuid>) = match of {
        SalesOf::Stores(stores) => (stores.iter().map(|s| s.as_uuid()).collect(), None),
        SalesOf::Associate { store, associate } => (vec![store.as_uuid()], Some(associate.as_uuid())),
    };
    let periods = Periods::of(period);
    conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'; SET LOCAL enable_nestloop = off")?;
        let mut counts = SalesCounts::default();
        add_sums(conn, &mut counts, &stores, &periods, associate)?;
        add_people(conn, &mut counts, &stores, &periods, associate)?;
        if stores.len() == 1 {
            counts.total = counts.stores.values().next().copied().unwrap_or_default();
        }
        Ok(counts)
    })
}

/// Orders, money and units: they add up across stores.
fn add_sums(
    conn: &mut PgConnection,
    counts: &mut SalesCounts,
    stores: &[Uuid],
    periods: &Periods,
    associate: Option<Uuid>,
) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT store_id, period, customer_id <> '00000000-0000-0000-0000-000000000000' AS known, \
                sum(orders)::int8 AS orders, sum(gross) AS gross, sum(units)::int8 AS units, sum(refunds) AS refunds \
         FROM (SELECT store_id, 0 AS period, customer_id, orders, gross, units, refunds {p} \
               UNION ALL \
               SELECT store_id, 1, customer_id, orders, gross, units, refunds {b}) f \
         GROUP BY 1, 2, 3",
        p = days("$2", "$3"),
        b = days("$4", "$5"),
    );
    let rows: Vec<SumRow> = bind_common(diesel::sql_query(sql), stores, periods, associate).load(conn)?;
    for r in rows {
        let store = StoreId::from_uuid(r.store_id);
        for c in [counts.stores.entry(store).or_default(), &mut counts.total] {
            let c = if r.period == 0 { &mut c.period } else { &mut c.year_before };
            c.gross_sales += r.gross;
            if r.known {
                c.member_sales += r.gross;
            }
            c.refunds += r.refunds;
            c.orders += count(r.orders);
            c.units += count(r.units);
        }
    }
    Ok(())
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The customers: who had a kept order in each of the three periods (bit
/// 1, 2, 4), live ones only, with their first two order days for those
/// whose first order falls in the period or the year before.
fn add_people(
    conn: &mut PgConnection,
    counts: &mut SalesCounts,
    stores: &[Uuid],
    periods: &Periods,
    associate: Option<Uuid>,
) -> Result<(), StoreError> {
    let (select, group) = if stores.len() > 1 {
        ("store_id", "GROUPING SETS ((store_id, customer_id), (customer_id))")
    } else {
        ("NULL::uuid AS store_id", "customer_id")
    };
    let kept = "AND kept_orders > 0 AND customer_id <> '00000000-0000-0000-0000-000000000000'";
    let sql = format!(
        "WITH people AS ( \
           SELECT {select}, customer_id, bit_or(flag) AS flags \
           FROM (SELECT store_id, customer_id, 1 AS flag {p} {kept} \
                 UNION ALL SELECT store_id, customer_id, 2 {b} {kept} \
                 UNION ALL SELECT store_id, customer_id, 4 {bb} {kept}) f \
           WHERE customer_id NOT IN (SELECT customer_id FROM customers \
                                     WHERE merged_into IS NOT NULL OR erased_at IS NOT NULL) \
           GROUP BY {group}), \
         firsts AS (SELECT customer_id, first_day, second_day FROM customer_first_orders \
                    WHERE first_day BETWEEN $2 AND $3 OR first_day BETWEEN $4 AND $5) \
         SELECT x.store_id, \
           count(*) FILTER (WHERE flags & 1 <> 0) AS customers, \
           count(*) FILTER (WHERE flags & 1 <> 0 AND (f.first_day IS NULL OR f.first_day < $2)) AS returning, \
           count(*) FILTER (WHERE flags & 1 <> 0 AND f.first_day >= $2) AS new_customers, \
           count(*) FILTER (WHERE flags & 1 <> 0 AND f.first_day >= $2 AND f.second_day <= $3) AS new_repeat, \
           count(*) FILTER (WHERE flags & 3 = 2) AS lapsed, \
           count(*) FILTER (WHERE flags & 2 <> 0) AS customers_before, \
           count(*) FILTER (WHERE flags & 2 <> 0 AND (f.first_day IS NULL OR f.first_day < $4)) AS returning_before, \
           count(*) FILTER (WHERE flags & 2 <> 0 AND f.first_day BETWEEN $4 AND $5) AS new_before, \
           count(*) FILTER (WHERE flags & 2 <> 0 AND f.first_day BETWEEN $4 AND $5 AND f.second_day <= $5) \
             AS repeat_before, \
           count(*) FILTER (WHERE flags & 4 <> 0) AS customers_two_before, \
           count(*) FILTER (WHERE flags & 6 = 4) AS lapsed_before \
         FROM people x LEFT JOIN firsts f ON f.customer_id = x.customer_id \
         GROUP BY x.store_id",
        p = days("$2", "$3"),
        b = days("$4", "$5"),
        bb = days("$6", "$7"),
    );
    let rows: Vec<PeopleRow> = bind_common(diesel::sql_query(sql), stores, periods, associate).load(conn)?;
    for r in rows {
        let c = match (r.store_id, stores) {
            (Some(s), _) => counts.stores.entry(StoreId::from_uuid(s)).or_default(),
            (None, [one]) => counts.stores.entry(StoreId::from_uuid(*one)).or_default(),
            (None, _) => &mut counts.total,
        };
        let p = &mut c.period;
        (p.customers, p.returning, p.new_customers, p.new_repeat) =
            (count(r.customers), count(r.returning), count(r.new_customers), count(r.new_repeat));
        (p.before_customers, p.lapsed) = (count(r.customers_before), count(r.lapsed));
        let b = &mut c.year_before;
        (b.customers, b.returning, b.new_customers, b.new_repeat) =
            (count(r.customers_before), count(r.returning_before), count(r.new_before), count(r.repeat_before));
        (b.before_customers, b.lapsed) = (count(r.customers_two_before), count(r.lapsed_before));
    }
    Ok(())
}
