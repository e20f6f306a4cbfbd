//! What the refresh of segments reads and writes (the refresh itself is
//! `clientele_app::segments`): the facts of every customer who has bought,
//! and the dated snapshot.
//!
//! The facts are one aggregate query over `orders` and `order_returns`
//! (plus the `stores` reference table for the returns' time zones and
//! `customers` for who is live), run over ranges of customer ids on several
//! connections at once in one snapshot; turning them into histories,
//! scores, segments, fitted models and predictions is
//! `clientele_segments`'s; the snapshot is written with `COPY` into a table
//! of its own, indexed and attached as the date's partition of
//! `segment_snapshots` in one transaction that drops any earlier partition
//! of the same date. Nothing is queried per customer. Snapshots count an
//! order on its stored business date.

use std::cell::RefCell;
use std::collections::HashSet;
use std::io::Write as _;

use chrono::NaiveDate;
use clientele_segments::{PurchaseFacts, Refreshed};
use diesel::connection::SimpleConnection;
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Int8, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::copy::{copy_err, opt};
use crate::error::StoreError;
use crate::orders::ANONYMOUS;

// ---- writing the snapshot -------------------------------------------------------------

/// Writes the lines of `refreshed` as the partition of its date, in the
/// caller's transaction; true when it replaced an earlier one. `progress`
/// hears (lines written, of all).
///
/// The date's rows go into a table of their own, which becomes the date's
/// partition once its indexes are built (migration 000009): sorting a
/// million rows into an index costs a third of inserting them one by one
/// into the indexes of a table already attached. Frozen as loaded: a table
/// made in this transaction needs no later vacuum to mark its rows visible.
pub fn write_snapshot(
    conn: &mut PgConnection,
    refreshed: &Refreshed<Uuid>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<bool, StoreError> {
    let as_of = refreshed.as_of();
    let partition = format!("segment_snapshots_d{}", as_of.format("%Y%m%d"));
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
    copy_lines(conn, refreshed, progress)?;
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
    Ok(replaced)
}

/// Loads every line of `refreshed` into `segment_snapshot_load` with one
/// `COPY`, telling `progress` (lines written, of all) every 100,000 lines.
fn copy_lines(
    conn: &mut PgConnection,
    refreshed: &Refreshed<Uuid>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<(), StoreError> {
    let (as_of, total) = (refreshed.as_of(), refreshed.len());
    // The COPY callback is `Fn`: progress goes through a cell.
    let report_progress = RefCell::new(&mut *progress);
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
                for (i, line) in refreshed.lines().enumerate() {
                    let p = &line.prediction;
                    writeln!(
                        out,
                        "{},{as_of},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                        line.customer,
                        line.recency_days,
                        line.frequency,
                        line.monetary,
                        line.score.r(),
                        line.score.f(),
                        line.score.m(),
                        line.segment.code(),
                        line.first_purchase,
                        line.last_purchase,
                        line.repeat_purchases,
                        line.average_repeat_spend,
                        opt(p.expected_purchases),
                        opt(p.p_alive),
                        opt(p.expected_spend),
                        opt(p.clv),
                    )
                    .map_err(copy_err)?;
                    let written = i + 1;
                    if written.is_multiple_of(100_000) {
                        (report_progress.borrow_mut())(written, total);
                    }
                }
                out.flush().map_err(copy_err)
            },
        )
        .with_format(CopyFormat::Csv)
        .with_freeze(true)
        .execute(conn)?;
    (report_progress.borrow_mut())(total, total);
    Ok(())
}

// ---- reading the facts ----------------------------------------------------------------

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
/// window (days after `$2`), orders and net paid over the whole history,
/// net paid on the first day. A purchase day is a business day with at least one order not
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
               sum(orders)::bigint AS total_orders,
               sum(net) AS total_net,
               (min(ARRAY[(day - DATE '2000-01-01')::numeric, net]))[2] AS first_day_net
        FROM days
        GROUP BY customer_id
    )
    SELECT p.customer_id, p.first_day, p.last_day, p.purchase_days, p.window_orders,
           p.window_net, p.total_orders, p.total_net, p.first_day_net
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
    #[diesel(sql_type = Int8)]
    total_orders: i64,
    #[diesel(sql_type = Numeric)]
    total_net: Decimal,
    #[diesel(sql_type = Numeric)]
    first_day_net: Decimal,
}

impl FactRow {
    fn into_facts(self) -> PurchaseFacts<Uuid> {
        // Counts out of u32's range cannot come from the query; clamped,
        // they are refused as contradictory by the refresh.
        let count = |n: i64| u32::try_from(n.max(0)).unwrap_or(u32::MAX);
        PurchaseFacts {
            customer: self.customer_id,
            first_day: self.first_day,
            last_day: self.last_day,
            purchase_days: count(self.purchase_days),
            window_orders: count(self.window_orders),
            window_net: self.window_net,
            total_orders: count(self.total_orders),
            total_net: self.total_net,
            first_day_net: self.first_day_net,
        }
    }
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
    progress: &mut dyn FnMut(usize),
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
    progress: &mut dyn FnMut(usize),
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
    progress(rows.len());
    Ok(rows)
}

/// The facts of every live customer with a purchase on or before `as_of`,
/// in id order, read on `conn` and the `readers` together (see
/// [`read_facts_in_parallel`]; no reader is fine); `progress` hears how
/// many customers the first part read.
pub fn read_population(
    conn: &mut PgConnection,
    readers: &mut [&mut PgConnection],
    as_of: NaiveDate,
    window_start: NaiveDate,
    progress: &mut dyn FnMut(usize),
) -> Result<Vec<PurchaseFacts<Uuid>>, StoreError> {
    let parts = read_facts_in_parallel(conn, readers, as_of, window_start, progress)?;
    let mut facts = Vec::with_capacity(parts.iter().map(Vec::len).sum());
    for part in parts {
        facts.extend(part.into_iter().map(FactRow::into_facts));
    }
    Ok(facts)
}
