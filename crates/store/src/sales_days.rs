//! What the store KPIs read, kept as orders and returns are written
//! (migration `000110`, docs/kpis.md): `sales_days`, per store, business
//! day, customer and associate, the orders, those not wholly returned, what
//! was paid, the units and what returns dated that day refunded; and
//! `customer_first_orders`, each customer's first two order days. Written
//! in the transaction of the order or the return, so the figures are
//! always those of the orders themselves.
//!
//! The nil UUID stands for an anonymous sale's customer (as in `orders`)
//! and for a sale without an associate. Orders without a store (the e-shop)
//! are in no store's figures; their days still count in the customer's
//! first orders.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_clienteling::FirstOrders;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Integer, Nullable, Numeric, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::batch::Batch;
use crate::error::StoreError;

/// One order as the KPI tables count it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OrderFact {
    pub store: Option<Uuid>,
    pub day: NaiveDate,
    /// The nil UUID for none (an anonymous sale).
    pub customer: Uuid,
    pub associate: Option<Uuid>,
    /// Paid, base currency.
    pub gross: Decimal,
    pub units: i64,
}

/// Adds a row's counts to the stored row of the same key.
macro_rules! add_to_sales_day {
    () => {
        " ON CONFLICT (store_id, business_date, customer_id, associate_id) DO UPDATE SET \
          orders = s.orders + excluded.orders, kept_orders = s.kept_orders + excluded.kept_orders, \
          gross = s.gross + excluded.gross, units = s.units + excluded.units"
    };
}

/// Keeps the first two days of what is stored and what comes, as
/// `FirstOrders::merge` does (LEAST skips a missing second day).
macro_rules! merge_first_orders {
    () => {
        " ON CONFLICT (customer_id) DO UPDATE SET \
          first_day = LEAST(f.first_day, excluded.first_day), \
          second_day = CASE WHEN excluded.first_day < f.first_day THEN LEAST(excluded.second_day, f.first_day) \
                            ELSE LEAST(f.second_day, excluded.first_day) END"
    };
}

const ADD_SALE: &str = concat!(
    "INSERT INTO sales_days AS s (store_id, business_date, customer_id, associate_id, orders, kept_orders, gross, units) \
     VALUES ($?, $?, $?, $?, 1, 1, $?, $?)",
    add_to_sales_day!()
);

const ADD_SALES: &str = concat!(
    "INSERT INTO sales_days AS s (store_id, business_date, customer_id, associate_id, orders, kept_orders, gross, units) \
     SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[], $4::uuid[], $5::int4[], $5::int4[], $6::numeric[], $7::int8[])",
    add_to_sales_day!()
);

const ADD_FIRST: &str = concat!(
    "INSERT INTO customer_first_orders AS f (customer_id, first_day, second_day) VALUES ($?, $?, NULL::date)",
    merge_first_orders!()
);

const ADD_FIRSTS: &str = concat!(
    "INSERT INTO customer_first_orders AS f (customer_id, first_day, second_day) \
     SELECT * FROM unnest($1::uuid[], $2::date[], $3::date[])",
    merge_first_orders!()
);

/// What a batch of orders adds: per key, (orders, paid, units); per
/// customer, their first two days among these orders. Sorted, so
/// concurrent writers lock rows in the same order.
/// A row's key: store, day, customer, associate.
type DayKey = (Uuid, NaiveDate, Uuid, Uuid);

#[derive(Default)]
struct Additions {
    /// (orders, paid, units) per key.
    sales: BTreeMap<DayKey, (i32, Decimal, i64)>,
    firsts: BTreeMap<Uuid, FirstOrders>,
}

impl Additions {
    fn of(facts: &[OrderFact]) -> Additions {
        let mut a = Additions::default();
        for f in facts {
            if let Some(store) = f.store {
                let key = (store, f.day, f.customer, f.associate.unwrap_or(Uuid::nil()));
                let entry = a.sales.entry(key).or_insert((0, Decimal::ZERO, 0));
                *entry = (entry.0 + 1, entry.1 + f.gross, entry.2 + f.units);
            }
            if !f.customer.is_nil() {
                a.firsts
                    .entry(f.customer)
                    .and_modify(|first| *first = first.and_order_on(f.day))
                    .or_insert(FirstOrders::one(f.day));
            }
        }
        a
    }

    fn sales_columns(&self) -> SalesColumns {
        let mut c = SalesColumns::default();
        for ((store, day, customer, associate), (orders, gross, units)) in &self.sales {
            c.stores.push(*store);
            c.days.push(*day);
            c.customers.push(*customer);
            c.associates.push(*associate);
            c.orders.push(*orders);
            c.gross.push(*gross);
            c.units.push(*units);
        }
        c
    }
}

#[derive(Default)]
struct SalesColumns {
    stores: Vec<Uuid>,
    days: Vec<NaiveDate>,
    customers: Vec<Uuid>,
    associates: Vec<Uuid>,
    orders: Vec<i32>,
    gross: Vec<Decimal>,
    units: Vec<i64>,
}

/// Counts one new order, with the writes of its unit of work.
pub(crate) fn record_order(batch: &mut Batch, f: &OrderFact) {
    if let Some(store) = f.store {
        let associate = f.associate.unwrap_or(Uuid::nil());
        batch.statement(
            ADD_SALE,
            vec![store.into(), f.day.into(), f.customer.into(), associate.into(), f.gross.into(), f.units.into()],
        );
    }
    if !f.customer.is_nil() {
        batch.statement(ADD_FIRST, vec![f.customer.into(), f.day.into()]);
    }
}

/// Counts a batch of new orders (bulk import, demo data): two statements.
pub(crate) fn record_orders(conn: &mut PgConnection, facts: &[OrderFact]) -> Result<(), StoreError> {
    let a = Additions::of(facts);
    if !a.sales.is_empty() {
        let c = a.sales_columns();
        diesel::sql_query(ADD_SALES)
            .bind::<Array<SqlUuid>, _>(&c.stores)
            .bind::<Array<Date>, _>(&c.days)
            .bind::<Array<SqlUuid>, _>(&c.customers)
            .bind::<Array<SqlUuid>, _>(&c.associates)
            .bind::<Array<Integer>, _>(&c.orders)
            .bind::<Array<Numeric>, _>(&c.gross)
            .bind::<Array<BigInt>, _>(&c.units)
            .execute(conn)?;
    }
    if !a.firsts.is_empty() {
        let customers: Vec<Uuid> = a.firsts.keys().copied().collect();
        let first: Vec<NaiveDate> = a.firsts.values().map(FirstOrders::first).collect();
        let second: Vec<Option<NaiveDate>> = a.firsts.values().map(FirstOrders::second).collect();
        diesel::sql_query(ADD_FIRSTS)
            .bind::<Array<SqlUuid>, _>(&customers)
            .bind::<Array<Date>, _>(&first)
            .bind::<Array<Nullable<Date>>, _>(&second)
            .execute(conn)?;
    }
    Ok(())
}

/// A return of the order `(customer, order_id)`, recorded after its lines
/// count the returned units: `refund` goes to the store's row of the
/// return's day (the store's local day of `returned_at`), and the order
/// stops counting as kept when no unit of it is left. One statement, so a
/// return on the day of its order touches that row once.
pub(crate) fn record_return(
    batch: &mut Batch,
    (customer, order_id): (Uuid, Uuid),
    refund: Decimal,
    returned_at: DateTime<Utc>,
) {
    batch.statement(
        "INSERT INTO sales_days AS s (store_id, business_date, customer_id, associate_id, kept_orders, refunds) \
         SELECT o.store_id, d.day, o.customer_id, \
                coalesce(o.associate_id, '00000000-0000-0000-0000-000000000000'), sum(d.kept), sum(d.refund) \
         FROM orders o JOIN stores st ON st.id = o.store_id \
         CROSS JOIN LATERAL (VALUES \
             (($?::timestamptz AT TIME ZONE st.time_zone)::date, 0, $?::numeric), \
             (o.business_date, \
              CASE WHEN EXISTS (SELECT 1 FROM order_lines l WHERE l.customer_id = o.customer_id \
                                AND l.order_id = o.order_id AND l.quantity > l.returned_quantity) THEN 0 ELSE -1 END, \
              0::numeric)) AS d(day, kept, refund) \
         WHERE o.customer_id = $? AND o.order_id = $? \
         GROUP BY o.store_id, d.day, o.customer_id, o.associate_id \
         ON CONFLICT (store_id, business_date, customer_id, associate_id) DO UPDATE SET \
           kept_orders = s.kept_orders + excluded.kept_orders, refunds = s.refunds + excluded.refunds",
        vec![returned_at.into(), refund.into(), customer.into(), order_id.into()],
    );
}
