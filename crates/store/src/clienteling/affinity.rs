//! Next-best-product in PostgreSQL: the purchases the daily job counts, and
//! the co-purchase rules it keeps (`affinity_rules`, replaced whole at each
//! run) for the suggestions to read.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Int4, Text, Uuid as SqlUuid};
use uuid::Uuid;

use crate::error::StoreError;
use crate::schema::{affinity_rules, affinity_runs, products};

/// A product as the catalogue (fed by the orders) knows it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct Product {
    pub sku: String,
    pub name: Option<String>,
    pub category: Option<String>,
}

/// One line bought and kept, its product given by its index in the
/// catalogue read with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Queryable)]
pub struct PurchaseRow {
    pub order_id: Uuid,
    pub customer_id: Uuid,
    pub business_date: NaiveDate,
    pub product: i32,
}

/// The catalogue (every product, by SKU) and the lines of live customers'
/// orders dated `from..=to` (business days) with some of their quantity
/// kept, each naming its product by its index in that catalogue — read in
/// one snapshot, so the two agree. Anonymous sales are left out. The read
/// hashes the window's orders and scans the lines once (no nested loop:
/// at ten million orders one index probe per line is minutes).
pub fn kept_purchases(
    conn: &mut PgConnection,
    (from, to): (NaiveDate, NaiveDate),
) -> Result<(Vec<Product>, Vec<PurchaseRow>), StoreError> {
    Ok(conn.build_transaction().repeatable_read().read_only().run(|conn| {
        // JIT compiling the plan costs more than half a second and gains
        // nothing on a hash join.
        conn.batch_execute("SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '512MB'; SET LOCAL jit = off")?;
        let catalogue: Vec<Product> = products::table
            .select((products::sku, products::name, products::category))
            .order(products::sku)
            .load(conn)?;
        let skus: Vec<&str> = catalogue.iter().map(|p| p.sku.as_str()).collect();
        // Selected as a tuple (read by position: by name, each of the
        // millions of rows looks its columns up), the product numbered by
        // the catalogue passed in (a window function over the products
        // would keep that join out of the parallel workers).
        let query = diesel::dsl::sql::<(SqlUuid, SqlUuid, Date, Int4)>(
            "o.order_id, o.customer_id, o.business_date, (p.n - 1)::int4 \
             FROM order_lines l \
             JOIN unnest(",
        )
        .bind::<Array<Text>, _>(skus)
        .sql(
            ") WITH ORDINALITY AS p(sku, n) ON p.sku = l.sku \
             JOIN orders o ON o.customer_id = l.customer_id AND o.order_id = l.order_id \
             WHERE o.business_date BETWEEN ",
        )
        .bind::<Date, _>(from)
        .sql(" AND ")
        .bind::<Date, _>(to)
        .sql(
            " AND l.quantity > l.returned_quantity \
               AND o.customer_id <> '00000000-0000-0000-0000-000000000000' \
               AND NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_id = o.customer_id \
                               AND (c.merged_into IS NOT NULL OR c.erased_at IS NOT NULL))",
        );
        let rows: Vec<PurchaseRow> = diesel::select(query).load(conn)?;
        Ok::<_, diesel::result::Error>((catalogue, rows))
    })?)
}

/// A co-purchase rule as kept.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Insertable)]
#[diesel(table_name = affinity_rules)]
pub struct StoredRule {
    /// `product` or `category`.
    pub level: String,
    /// `order` or `customer`.
    pub basis: String,
    pub antecedent: String,
    pub consequent: String,
    pub shared: i32,
    pub antecedent_count: i32,
    pub consequent_count: i32,
    pub baskets: i32,
}

/// What one run counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AffinityRun {
    pub as_of: NaiveDate,
    pub window: (NaiveDate, NaiveDate),
    pub min_shared: i32,
    pub duration_ms: i64,
    pub at: DateTime<Utc>,
}

/// Replaces every rule with `rules` and records the run, in one
/// transaction (readers see the old rules or the new, never a mix).
pub fn replace_rules(conn: &mut PgConnection, rules: &[StoredRule], run: AffinityRun) -> Result<(), StoreError> {
    conn.transaction(|conn| {
        diesel::delete(affinity_rules::table).execute(conn)?;
        for chunk in rules.chunks(5_000) {
            diesel::insert_into(affinity_rules::table).values(chunk).execute(conn)?;
        }
        let count = i32::try_from(rules.len()).unwrap_or(i32::MAX);
        let row = (
            affinity_runs::as_of.eq(run.as_of),
            affinity_runs::window_from.eq(run.window.0),
            affinity_runs::window_to.eq(run.window.1),
            affinity_runs::min_shared.eq(run.min_shared),
            affinity_runs::rules.eq(count),
            affinity_runs::duration_ms.eq(run.duration_ms),
            affinity_runs::created_at.eq(run.at),
        );
        diesel::insert_into(affinity_runs::table)
            .values(row)
            .on_conflict(affinity_runs::as_of)
            .do_update()
            .set(row)
            .execute(conn)?;
        Ok::<_, diesel::result::Error>(())
    })?;
    Ok(())
}

/// The rules of a level and basis from these antecedents.
pub fn rules_from(
    conn: &mut PgConnection,
    (level, basis): (&str, &str),
    antecedents: &[String],
) -> Result<Vec<StoredRule>, StoreError> {
    Ok(affinity_rules::table
        .filter(affinity_rules::level.eq(level))
        .filter(affinity_rules::basis.eq(basis))
        .filter(affinity_rules::antecedent.eq_any(antecedents))
        .load(conn)?)
}

/// The names of these products (those the catalogue has a name for).
pub fn product_names(conn: &mut PgConnection, skus: &[String]) -> Result<Vec<(String, String)>, StoreError> {
    let rows: Vec<(String, Option<String>)> =
        products::table.filter(products::sku.eq_any(skus)).select((products::sku, products::name)).load(conn)?;
    Ok(rows.into_iter().filter_map(|(sku, name)| name.map(|n| (sku, n))).collect())
}
