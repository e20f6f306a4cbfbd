//! A store's figures over a period, as docs/kpis.md defines them: the
//! raw sums and counts, in one query; the ratios are worked out by
//! `clientele_clienteling::StoreFigures`.

use clientele_clienteling::{Period, StoreCounts};
use clientele_kernel::StoreId;
use clientele_profiles::AssociateId;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Numeric, Uuid as SqlUuid};
use rust_decimal::Decimal;

use super::lapsed::{Column, kept};
use crate::error::StoreError;

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = Numeric)]
    gross_sales: Decimal,
    #[diesel(sql_type = Numeric)]
    member_sales: Decimal,
    #[diesel(sql_type = Numeric)]
    refunds: Decimal,
    #[diesel(sql_type = BigInt)]
    orders: i64,
    #[diesel(sql_type = BigInt)]
    units: i64,
    #[diesel(sql_type = BigInt)]
    customers: i64,
    #[diesel(sql_type = BigInt)]
    returning: i64,
    #[diesel(sql_type = BigInt)]
    new_customers: i64,
    #[diesel(sql_type = BigInt)]
    new_repeat: i64,
    #[diesel(sql_type = BigInt)]
    before_customers: i64,
    #[diesel(sql_type = BigInt)]
    lapsed: i64,
}

/// The counts of `store` over `period`, churn measured against `compare`
/// (the customers of the store then who did not come back in the period).
pub fn store_counts(
    conn: &mut PgConnection,
    store: StoreId,
    period: &Period,
    compare: &Period,
) -> Result<StoreCounts, StoreError> {
    counts(conn, Column::Store, store.as_uuid(), period, compare)
}

/// [`store_counts`] for the orders credited to an associate (whose customers
/// are the clients they sold to).
pub fn associate_counts(
    conn: &mut PgConnection,
    associate: AssociateId,
    period: &Period,
    compare: &Period,
) -> Result<StoreCounts, StoreError> {
    counts(conn, Column::Associate, associate.as_uuid(), period, compare)
}

fn counts(
    conn: &mut PgConnection,
    column: Column,
    id: uuid::Uuid,
    period: &Period,
    compare: &Period,
) -> Result<StoreCounts, StoreError> {
    let (col, kept) = (column.name(), kept(column));
    let sql = format!(
        "WITH here AS ( \
           SELECT o.customer_id, o.order_id, o.amount_paid_base, \
                  o.customer_id <> '00000000-0000-0000-0000-000000000000' AS known, \
                  (SELECT sum(l.quantity) FROM order_lines l \
                   WHERE l.customer_id = o.customer_id AND l.order_id = o.order_id) AS units \
           FROM orders o WHERE o.{col} = $1 AND o.business_date BETWEEN $2 AND $3), \
         kept AS ({kept} AND (o.business_date BETWEEN $2 AND $3 OR o.business_date BETWEEN $4 AND $5)), \
         live AS (SELECT DISTINCT k.customer_id, k.business_date BETWEEN $2 AND $3 AS in_period, \
                         k.business_date BETWEEN $4 AND $5 AS in_before \
                  FROM kept k JOIN customers c ON c.customer_id = k.customer_id \
                  WHERE c.merged_into IS NULL AND c.erased_at IS NULL), \
         people AS (SELECT DISTINCT customer_id FROM live WHERE in_period), \
         before AS (SELECT DISTINCT customer_id FROM live WHERE in_before), \
         firsts AS ( \
           SELECT p.customer_id, \
                  (SELECT min(x.business_date) FROM orders x WHERE x.customer_id = p.customer_id) AS first_day, \
                  (SELECT count(*) FROM orders x WHERE x.customer_id = p.customer_id AND x.business_date <= $3) \
                    AS orders_to_date \
           FROM people p) \
         SELECT \
           coalesce((SELECT sum(amount_paid_base) FROM here), 0) AS gross_sales, \
           coalesce((SELECT sum(amount_paid_base) FROM here WHERE known), 0) AS member_sales, \
           coalesce((SELECT sum(r.amount_base) FROM order_returns r JOIN orders o \
                       ON o.customer_id = r.customer_id AND o.order_id = r.order_id \
                     JOIN stores s ON s.id = o.store_id \
                     WHERE o.{col} = $1 \
                       AND (r.returned_at AT TIME ZONE s.time_zone)::date BETWEEN $2 AND $3), 0) AS refunds, \
           (SELECT count(*) FROM here) AS orders, \
           coalesce((SELECT sum(units) FROM here), 0)::int8 AS units, \
           (SELECT count(*) FROM people) AS customers, \
           (SELECT count(*) FROM firsts WHERE first_day < $2) AS returning, \
           (SELECT count(*) FROM firsts WHERE first_day >= $2) AS new_customers, \
           (SELECT count(*) FROM firsts WHERE first_day >= $2 AND orders_to_date >= 2) AS new_repeat, \
           (SELECT count(*) FROM before) AS before_customers, \
           (SELECT count(*) FROM before b WHERE NOT EXISTS (SELECT 1 FROM people p WHERE p.customer_id = b.customer_id)) \
             AS lapsed"
    );
    let row: Row = diesel::sql_query(sql)
        .bind::<SqlUuid, _>(id)
        .bind::<Date, _>(period.from())
        .bind::<Date, _>(period.to())
        .bind::<Date, _>(compare.from())
        .bind::<Date, _>(compare.to())
        .get_result(conn)?;
    let count = |n: i64| u64::try_from(n).unwrap_or(0);
    Ok(StoreCounts {
        gross_sales: row.gross_sales,
        member_sales: row.member_sales,
        refunds: row.refunds,
        orders: count(row.orders),
        units: count(row.units),
        customers: count(row.customers),
        returning: count(row.returning),
        new_customers: count(row.new_customers),
        new_repeat: count(row.new_repeat),
        before_customers: count(row.before_customers),
        lapsed: count(row.lapsed),
    })
}
