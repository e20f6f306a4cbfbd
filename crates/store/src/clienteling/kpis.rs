//! What the KPIs are counted from (docs/kpis.md), read from `sales_days`
//! and `customer_first_orders` (kept with every order and return:
//! `crate::sales_days`): for the period, the year before and the year
//! before that, per store, the sales and the live customers with a kept
//! order; and the first orders of the customers whose first order falls in
//! the period or the year before. The counting is
//! `clientele_clienteling::counting`'s.
//!
//! One pass over `sales_days`: each period is its own range of the key
//! (so a long period that overlaps the year before counts in both), and
//! each store's period comes back as one row, its customers as an array.
//! Grouping hundreds of thousands of customers per store in SQL cost
//! several times what sending them does (docs/benchmarks.md).

use std::collections::{BTreeMap, HashMap};

use clientele_clienteling::{FirstOrders, Period, PeriodFacts, Sales, ThreePeriods};
use clientele_kernel::{CustomerId, StoreId};
use clientele_profiles::AssociateId;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Numeric, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};

/// Whose sales are counted.
#[derive(Debug, Clone, Copy)]
pub enum SalesOf<'a> {
    /// These stores', each on its own.
    Stores(&'a [StoreId]),
    /// The sales credited to an associate (at their store: an order's
    /// associate is always one of the order's store).
    Associate { store: StoreId, associate: AssociateId },
}

/// Per store, the facts of the three periods; and the first orders the
/// counts need.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SalesFacts {
    pub stores: BTreeMap<StoreId, ThreePeriods>,
    pub firsts: HashMap<CustomerId, FirstOrders>,
}

#[derive(QueryableByName)]
struct PeriodRow {
    #[diesel(sql_type = SqlUuid)]
    store_id: Uuid,
    /// 0: the period, 1: the year before, 2: the year before that.
    #[diesel(sql_type = Integer)]
    period: i32,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = Numeric)]
    gross: Decimal,
    #[diesel(sql_type = Numeric)]
    member: Decimal,
    #[diesel(sql_type = BigInt)]
    units: i64,
    #[diesel(sql_type = Numeric)]
    refunds: Decimal,
    #[diesel(sql_type = Nullable<Array<SqlUuid>>)]
    buyers: Option<Vec<Uuid>>,
}

#[derive(QueryableByName)]
struct FirstRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Date)]
    first_day: chrono::NaiveDate,
    #[diesel(sql_type = Nullable<Date>)]
    second_day: Option<chrono::NaiveDate>,
}

/// The facts of `of` for `period`, the year before and the year before
/// that, read in one snapshot, with JIT compilation off (it cost more than
/// these queries, docs/benchmarks.md).
pub fn sales_facts(conn: &mut PgConnection, of: SalesOf<'_>, period: &Period) -> Result<SalesFacts, StoreError> {
    let (stores, associate): (Vec<Uuid>, Option<Uuid>) = match of {
        SalesOf::Stores(stores) => (stores.iter().map(|s| s.as_uuid()).collect(), None),
        SalesOf::Associate { store, associate } => (vec![store.as_uuid()], Some(associate.as_uuid())),
    };
    let before = period.year_before();
    let periods = [*period, before, before.year_before()];
    conn.build_transaction().repeatable_read().read_only().run(|conn| {
        conn.batch_execute("SET LOCAL jit = off; SET LOCAL work_mem = '64MB'")?;
        let mut facts = SalesFacts::default();
        for row in period_rows(conn, &stores, &periods, associate)? {
            let store = facts.stores.entry(StoreId::from_uuid(row.store_id)).or_default();
            let slot = usize::try_from(row.period)
                .ok()
                .and_then(|i| store.get_mut(i))
                .ok_or_else(|| StoreError::Corrupt(format!("sales_days: period {} out of range", row.period)))?;
            let count = |n: i64| u64::try_from(n).map_err(corrupt("sales_days: a negative count"));
            *slot = PeriodFacts {
                sales: Sales {
                    gross: row.gross,
                    member: row.member,
                    refunds: row.refunds,
                    orders: count(row.orders)?,
                    units: count(row.units)?,
                },
                buyers: row.buyers.unwrap_or_default().into_iter().map(CustomerId::from_uuid).collect(),
            };
        }
        facts.firsts = first_orders(conn, &periods[..2])?;
        Ok(facts)
    })
}

/// One row per store and period: the sums over all the period's rows, and
/// the live known customers of the rows with a kept order (repeated once
/// per day they bought; the caller makes them a set).
fn period_rows(
    conn: &mut PgConnection,
    stores: &[Uuid],
    periods: &[Period; 3],
    associate: Option<Uuid>,
) -> Result<Vec<PeriodRow>, StoreError> {
    let range = |n: usize| {
        format!(
            "SELECT store_id, {n} AS period, customer_id, orders, kept_orders, gross, units, refunds FROM sales_days \
             WHERE store_id = ANY($1) AND business_date BETWEEN ${} AND ${} AND ($8::uuid IS NULL OR associate_id = $8)",
            2 * n + 2,
            2 * n + 3
        )
    };
    let sql = format!(
        "SELECT store_id, period, coalesce(sum(orders), 0)::int8 AS orders, coalesce(sum(gross), 0) AS gross, \
                coalesce(sum(gross) FILTER (WHERE customer_id <> '00000000-0000-0000-0000-000000000000'), 0) AS member, \
                coalesce(sum(units), 0)::int8 AS units, coalesce(sum(refunds), 0) AS refunds, \
                array_agg(customer_id) FILTER (WHERE kept_orders > 0 \
                    AND customer_id <> '00000000-0000-0000-0000-000000000000' \
                    AND customer_id NOT IN (SELECT customer_id FROM customers \
                                            WHERE merged_into IS NOT NULL OR erased_at IS NOT NULL)) AS buyers \
         FROM ({} UNION ALL {} UNION ALL {}) f \
         GROUP BY store_id, period",
        range(0),
        range(1),
        range(2)
    );
    let mut query = diesel::sql_query(sql).into_boxed().bind::<Array<SqlUuid>, _>(stores);
    for p in periods {
        query = query.bind::<Date, _>(p.from()).bind::<Date, _>(p.to());
    }
    Ok(query.bind::<Nullable<SqlUuid>, _>(associate).load(conn)?)
}

/// The first orders of the customers whose first order falls in one of
/// `periods`.
fn first_orders(conn: &mut PgConnection, periods: &[Period]) -> Result<HashMap<CustomerId, FirstOrders>, StoreError> {
    let (from, to): (Vec<chrono::NaiveDate>, Vec<chrono::NaiveDate>) =
        periods.iter().map(|p| (p.from(), p.to())).unzip();
    let rows: Vec<FirstRow> = diesel::sql_query(
        "SELECT f.customer_id, f.first_day, f.second_day \
         FROM unnest($1::date[], $2::date[]) AS p(from_day, to_day) \
         JOIN customer_first_orders f ON f.first_day BETWEEN p.from_day AND p.to_day",
    )
    .bind::<Array<Date>, _>(&from)
    .bind::<Array<Date>, _>(&to)
    .load(conn)?;
    rows.into_iter()
        .map(|r| {
            let first = FirstOrders::of([Some(r.first_day), r.second_day].into_iter().flatten())
                .ok_or_else(|| StoreError::Corrupt("customer_first_orders: no day".into()))?;
            Ok((CustomerId::from_uuid(r.customer_id), first))
        })
        .collect()
}
