//! Writing a batch: COPY of orders, lines, lots and ledger rows, multi-row
//! upserts of keys, accounts and products, one UPDATE of balances.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use uuid::Uuid;

use crate::audit::AuditContext;
use crate::error::StoreError;
use crate::loyalty::LockedAccount;
use crate::orders::ANONYMOUS;
use crate::schema::{ledger, order_index, order_lines, orders, points_lots, products};

use super::ROWS_PER_INSERT;
use super::{BulkOrder, PendingWrites};
use crate::copy::put;
use crate::copy::{copy_err, field, pg_array, ts};

/// Writes the gathered lots, ledger rows and balances.
pub fn flush(
    conn: &mut PgConnection,
    pending: &PendingWrites,
    accounts: &BTreeMap<Uuid, LockedAccount>,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    copy_new_lots(conn, pending)?;
    for ((customer, lot_id), (remaining, held)) in &pending.updated_lots {
        diesel::update(points_lots::table.find((customer, lot_id)))
            .set((points_lots::remaining.eq(remaining), points_lots::held.eq(held)))
            .execute(conn)?;
    }
    copy_entries(conn, pending, ctx)?;
    save_balances(conn, pending, accounts, ctx)
}

/// The new lots, with one `COPY`.
fn copy_new_lots(conn: &mut PgConnection, pending: &PendingWrites) -> Result<(), StoreError> {
    if pending.new_lots.is_empty() {
        return Ok(());
    }
    let mut buf = String::new();
    for ((customer, lot_id), p) in &pending.new_lots {
        put!(buf, customer);
        buf.push(',');
        field(&mut buf, Some(lot_id));
        buf.push(',');
        field(&mut buf, Some(&serde_json::to_string(&p.origin)?));
        buf.push(',');
        put!(buf, ts(p.earned_at), p.earned_on);
        buf.push(',');
        if let Some(e) = p.expires_on {
            put!(buf, e);
        }
        buf.push(',');
        put!(buf, p.original.get(), p.remaining.get(), p.held.get());
        buf.push('\n');
    }
    diesel::copy_from(points_lots::table)
        .from_raw_data(
            (
                points_lots::customer_id,
                points_lots::lot_id,
                points_lots::origin,
                points_lots::earned_at,
                points_lots::earned_on,
                points_lots::expires_on,
                points_lots::original,
                points_lots::remaining,
                points_lots::held,
            ),
            |w: &mut dyn std::io::Write| w.write_all(buf.as_bytes()).map_err(copy_err),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    Ok(())
}

/// The ledger rows, with one `COPY`.
fn copy_entries(conn: &mut PgConnection, pending: &PendingWrites, ctx: &AuditContext) -> Result<(), StoreError> {
    if pending.entries.is_empty() {
        return Ok(());
    }
    let mut buf = String::new();
    for (customer, e) in &pending.entries {
        put!(buf, customer, ts(e.at), e.on);
        buf.push(',');
        field(&mut buf, Some(e.kind.as_str()));
        buf.push(',');
        put!(buf, e.points.get(), e.growth.get(), e.points_not_taken.get());
        buf.push(',');
        field(&mut buf, e.lot.as_ref().map(|l| l.as_str()));
        buf.push(',');
        field(&mut buf, Some(e.source.kind()));
        buf.push(',');
        field(&mut buf, Some(&serde_json::to_string(&e.source)?));
        buf.push(',');
        field(&mut buf, Some(e.reason.as_str()));
        buf.push(',');
        field(&mut buf, ctx.key_name.as_deref());
        buf.push('\n');
    }
    diesel::copy_from(ledger::table)
        .from_raw_data(
            (
                ledger::customer_id,
                ledger::at,
                ledger::business_date,
                ledger::kind,
                ledger::points,
                ledger::growth,
                ledger::points_not_taken,
                ledger::lot_id,
                ledger::source_kind,
                ledger::source,
                ledger::reason,
                ledger::actor,
            ),
            |w: &mut dyn std::io::Write| w.write_all(buf.as_bytes()).map_err(copy_err),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    Ok(())
}

/// The balances and tier states of the members touched, in one `UPDATE`.
fn save_balances(
    conn: &mut PgConnection,
    pending: &PendingWrites,
    accounts: &BTreeMap<Uuid, LockedAccount>,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    if pending.touched.is_empty() {
        return Ok(());
    }
    let (mut ids, mut balance, mut held, mut owed, mut growth, mut tier, mut state) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (customer, date) in &pending.touched {
        let Some(a) = accounts.get(customer) else { continue };
        let w = &a.wallet;
        ids.push(*customer);
        balance.push(w.balance().get());
        held.push(w.held().get());
        owed.push(w.owed().get());
        growth.push(w.growth().get());
        tier.push(a.tier.effective_on(*date).as_str().to_owned());
        state.push(serde_json::to_value(&a.tier)?);
    }
    diesel::sql_query(
        "UPDATE loyalty_accounts a SET points_balance = v.balance, points_held = v.held, \
         points_owed = v.owed, growth_value = v.growth, tier = v.tier, tier_state = v.state, updated_at = $8 \
         FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::text[], $7::jsonb[]) \
         AS v(customer_id, balance, held, owed, growth, tier, state) WHERE a.customer_id = v.customer_id",
    )
    .bind::<Array<SqlUuid>, _>(&ids)
    .bind::<Array<BigInt>, _>(&balance)
    .bind::<Array<BigInt>, _>(&held)
    .bind::<Array<BigInt>, _>(&owed)
    .bind::<Array<BigInt>, _>(&growth)
    .bind::<Array<Text>, _>(&tier)
    .bind::<Array<Jsonb>, _>(&state)
    .bind::<Timestamptz, _>(ctx.at)
    .execute(conn)?;
    Ok(())
}

/// Writes the index rows, orders, lines and products of the claimed orders.
pub fn write_orders(conn: &mut PgConnection, claimed: &[BulkOrder], at: DateTime<Utc>) -> Result<(), StoreError> {
    if claimed.is_empty() {
        return Ok(());
    }
    let mut csv = OrdersCsv::default();
    let mut products_seen: BTreeMap<&str, ProductFacts<'_>> = BTreeMap::new();
    for c in claimed {
        let customer = c.customer.map(|id| id.as_uuid()).unwrap_or(ANONYMOUS);
        put!(csv.index, c.order_id, customer);
        csv.index.push('\n');
        order_csv(&mut csv.orders, c, customer, at)?;
        lines_csv(&mut csv.lines, c, customer, &mut products_seen);
    }
    copy_orders(conn, &csv)?;
    let facts: Vec<crate::sales_days::OrderFact> = claimed
        .iter()
        .map(|c| crate::sales_days::OrderFact {
            store: c.priced.order.store().map(|s| s.as_uuid()),
            day: c.date,
            customer: c.customer.map(|id| id.as_uuid()).unwrap_or(ANONYMOUS),
            associate: c.associate,
            gross: c.priced.paid_base,
            units: c.priced.lines.iter().map(|l| i64::from(l.line.quantity)).sum(),
        })
        .collect();
    crate::sales_days::record_orders(conn, &facts)?;
    upsert_products(conn, products_seen, at)
}

/// A product's facts as learned from lines: (name, category, collection).
type ProductFacts<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);

/// The `COPY` text of a batch's index rows, orders and lines.
#[derive(Default)]
struct OrdersCsv {
    index: String,
    orders: String,
    lines: String,
}

/// One order's row of the `orders` `COPY`.
fn order_csv(order_buf: &mut String, c: &BulkOrder, customer: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
    let o = &c.priced.order;
    put!(order_buf, customer, c.order_id);
    order_buf.push(',');
    field(order_buf, Some(o.source().as_str()));
    order_buf.push(',');
    field(order_buf, Some(o.external_id().as_str()));
    order_buf.push(',');
    if let Some(s) = o.store() {
        put!(order_buf, s.as_uuid());
    }
    order_buf.push(',');
    field(order_buf, Some(o.channel().as_str()));
    order_buf.push(',');
    put!(order_buf, ts(o.ordered_at()));
    order_buf.push(',');
    field(order_buf, Some(o.currency().as_str()));
    order_buf.push(',');
    put!(order_buf, o.amount_paid());
    order_buf.push(',');
    field(order_buf, Some(c.priced.base_currency.as_str()));
    order_buf.push(',');
    put!(order_buf, c.priced.fx_rate, c.priced.paid_base);
    order_buf.push(',');
    field(order_buf, Some(o.payment_method().as_str()));
    order_buf.push(',');
    let coupons: Vec<String> = o.coupons().iter().map(|c| c.as_str().to_owned()).collect();
    field(order_buf, Some(&pg_array(&coupons)));
    order_buf.push(',');
    put!(order_buf, i64::try_from(o.points_redeemed()).unwrap_or(i64::MAX));
    order_buf.push(',');
    let earned = c.earned.as_ref();
    field(order_buf, earned.map(|e| e.tier.as_str()));
    order_buf.push(',');
    put!(order_buf, earned.map(|e| e.points).unwrap_or(0), earned.map(|e| e.growth).unwrap_or(0));
    order_buf.push(',');
    let earning_json = earned.map(|e| serde_json::to_string(&e.earning)).transpose()?;
    field(order_buf, earning_json.as_deref());
    order_buf.push(',');
    put!(order_buf, ts(at), c.date);
    order_buf.push(',');
    if let Some(a) = c.associate {
        put!(order_buf, a);
    }
    order_buf.push('\n');
    Ok(())
}

/// One order's rows of the `order_lines` `COPY`, and the products they name.
fn lines_csv<'a>(
    line_buf: &mut String,
    c: &'a BulkOrder,
    customer: Uuid,
    products_seen: &mut BTreeMap<&'a str, ProductFacts<'a>>,
) {
    let earned = c.earned.as_ref();
    for l in &c.priced.lines {
        let line = &l.line;
        let (points, growth) = earned.and_then(|e| e.lines.get(line.line_id.as_str()).copied()).unwrap_or((0, 0));
        put!(line_buf, customer, c.order_id);
        line_buf.push(',');
        field(line_buf, Some(line.line_id.as_str()));
        line_buf.push(',');
        field(line_buf, Some(line.sku.as_str()));
        line_buf.push(',');
        let (name, category, collection) = (
            line.name.as_ref().map(|n| n.as_str()),
            line.category.as_ref().map(|n| n.as_str()),
            line.collection.as_ref().map(|n| n.as_str()),
        );
        field(line_buf, name);
        line_buf.push(',');
        field(line_buf, category);
        line_buf.push(',');
        field(line_buf, collection);
        line_buf.push(',');
        put!(
            line_buf,
            i32::try_from(line.quantity).unwrap_or(i32::MAX),
            line.unit_price,
            line.discount,
            line.paid,
            l.paid_base,
            points,
            growth
        );
        line_buf.push('\n');
        // Products are learned from order lines: the latest name wins, as
        // `COALESCE(excluded.x, products.x)` does order after order.
        let entry = products_seen.entry(line.sku.as_str()).or_insert((None, None, None));
        *entry = (name.or(entry.0), category.or(entry.1), collection.or(entry.2));
    }
}

/// The index rows, orders and lines, one `COPY` each.
fn copy_orders(conn: &mut PgConnection, csv: &OrdersCsv) -> Result<(), StoreError> {
    let (index_buf, order_buf, line_buf) = (&csv.index, &csv.orders, &csv.lines);
    diesel::copy_from(order_index::table)
        .from_raw_data((order_index::order_id, order_index::customer_id), |w: &mut dyn std::io::Write| {
            w.write_all(index_buf.as_bytes()).map_err(copy_err)
        })
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    diesel::copy_from(orders::table)
        .from_raw_data(
            (
                orders::customer_id,
                orders::order_id,
                orders::source,
                orders::external_id,
                orders::store_id,
                orders::channel,
                orders::ordered_at,
                orders::currency,
                orders::amount_paid,
                orders::base_currency,
                orders::fx_rate,
                orders::amount_paid_base,
                orders::payment_method,
                orders::coupons,
                orders::points_redeemed,
                orders::tier_at_order,
                orders::points_earned,
                orders::growth_earned,
                orders::earning,
                orders::created_at,
                orders::business_date,
                orders::associate_id,
            ),
            |w: &mut dyn std::io::Write| w.write_all(order_buf.as_bytes()).map_err(copy_err),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    diesel::copy_from(order_lines::table)
        .from_raw_data(
            (
                order_lines::customer_id,
                order_lines::order_id,
                order_lines::line_id,
                order_lines::sku,
                order_lines::name,
                order_lines::category,
                order_lines::collection,
                order_lines::quantity,
                order_lines::unit_price,
                order_lines::discount,
                order_lines::paid,
                order_lines::paid_base,
                order_lines::points,
                order_lines::growth,
            ),
            |w: &mut dyn std::io::Write| w.write_all(line_buf.as_bytes()).map_err(copy_err),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    Ok(())
}

/// The products learned from the lines (the latest facts win, as
/// `COALESCE(excluded.x, products.x)` does order after order).
fn upsert_products(
    conn: &mut PgConnection,
    products_seen: BTreeMap<&str, ProductFacts<'_>>,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let products_rows: Vec<_> = products_seen
        .into_iter()
        .map(|(sku, (name, category, collection))| {
            (
                products::sku.eq(sku),
                products::name.eq(name),
                products::category.eq(category),
                products::collection.eq(collection),
                products::first_seen_at.eq(at),
                products::last_seen_at.eq(at),
            )
        })
        .collect();
    type NullableText = diesel::sql_types::Nullable<Text>;
    for chunk in products_rows.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(products::table)
            .values(chunk)
            .on_conflict(products::sku)
            .do_update()
            .set((
                products::name.eq(diesel::dsl::sql::<NullableText>("COALESCE(excluded.name, products.name)")),
                products::category
                    .eq(diesel::dsl::sql::<NullableText>("COALESCE(excluded.category, products.category)")),
                products::collection
                    .eq(diesel::dsl::sql::<NullableText>("COALESCE(excluded.collection, products.collection)")),
                products::last_seen_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
