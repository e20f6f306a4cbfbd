//! Reading orders: one by id or by its (source, external id), a customer's
//! orders page by page, each with its lines and returns; and where an order
//! lives for a key's scope. Ingestion and returns are in `orders`.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, StoreId};
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;
use crate::schema::{order_index, order_keys, order_lines, order_returns, orders};

/// The customer_id of orders without a known customer.
pub const ANONYMOUS: Uuid = Uuid::nil();

/// A stored order line.
#[derive(Debug, Clone)]
pub struct StoredLine {
    pub line_id: String,
    pub sku: String,
    pub name: Option<String>,
    pub category: Option<String>,
    pub collection: Option<String>,
    pub quantity: i32,
    pub unit_price: Decimal,
    /// Everything taken off the line, `coupon_discount` included.
    pub discount: Decimal,
    /// What Clientele's coupons took off the line.
    pub coupon_discount: Decimal,
    pub paid: Decimal,
    pub paid_base: Decimal,
    pub points: i64,
    pub growth: i64,
    pub returned_quantity: i32,
}

/// The row of [`StoredLine`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = order_lines)]
struct LineRow {
    line_id: String,
    sku: String,
    name: Option<String>,
    category: Option<String>,
    collection: Option<String>,
    quantity: i32,
    unit_price: Decimal,
    discount: Decimal,
    coupon_discount: Decimal,
    paid: Decimal,
    paid_base: Decimal,
    points: i64,
    growth: i64,
    returned_quantity: i32,
}

impl From<LineRow> for StoredLine {
    fn from(row: LineRow) -> Self {
        StoredLine {
            line_id: row.line_id,
            sku: row.sku,
            name: row.name,
            category: row.category,
            collection: row.collection,
            quantity: row.quantity,
            unit_price: row.unit_price,
            discount: row.discount,
            coupon_discount: row.coupon_discount,
            paid: row.paid,
            paid_base: row.paid_base,
            points: row.points,
            growth: row.growth,
            returned_quantity: row.returned_quantity,
        }
    }
}

/// A stored return.
#[derive(Debug, Clone)]
pub struct StoredReturn {
    pub return_id: Uuid,
    pub order_id: Uuid,
    pub source: String,
    pub external_id: String,
    pub returned_at: DateTime<Utc>,
    pub lines: Value,
    pub amount_base: Decimal,
    /// Points taken back, from the lots and as points owed.
    pub points_taken: i64,
    /// Points already redeemed and not taken (cap_at_zero, deduct_from_refund).
    pub points_not_taken: i64,
    pub growth_taken: i64,
    pub created_at: DateTime<Utc>,
    /// Of `points_taken`, the points the member did not have and now owes
    /// (negative_balance).
    pub points_owed: i64,
    /// Points to deduct from the refund (deduct_from_refund); 0 otherwise.
    pub refund_deduction_points: i64,
    /// Their value in base currency, when the programme values points.
    pub refund_deduction_value: Option<Decimal>,
}

/// The row of [`StoredReturn`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = order_returns)]
struct ReturnRow {
    return_id: Uuid,
    order_id: Uuid,
    source: String,
    external_id: String,
    returned_at: DateTime<Utc>,
    lines: Value,
    amount_base: Decimal,
    points_taken: i64,
    points_not_taken: i64,
    growth_taken: i64,
    created_at: DateTime<Utc>,
    points_owed: i64,
    refund_deduction_points: i64,
    refund_deduction_value: Option<Decimal>,
}

impl From<ReturnRow> for StoredReturn {
    fn from(row: ReturnRow) -> Self {
        StoredReturn {
            return_id: row.return_id,
            order_id: row.order_id,
            source: row.source,
            external_id: row.external_id,
            returned_at: row.returned_at,
            lines: row.lines,
            amount_base: row.amount_base,
            points_taken: row.points_taken,
            points_not_taken: row.points_not_taken,
            growth_taken: row.growth_taken,
            created_at: row.created_at,
            points_owed: row.points_owed,
            refund_deduction_points: row.refund_deduction_points,
            refund_deduction_value: row.refund_deduction_value,
        }
    }
}

/// A stored order header.
#[derive(Debug, Clone)]
pub struct OrderHeader {
    pub customer_id: Uuid,
    pub order_id: Uuid,
    pub source: String,
    pub external_id: String,
    pub store_id: Option<Uuid>,
    pub channel: String,
    pub ordered_at: DateTime<Utc>,
    pub currency: String,
    pub amount_paid: Decimal,
    pub base_currency: String,
    pub fx_rate: Decimal,
    pub amount_paid_base: Decimal,
    pub payment_method: String,
    pub coupons: Vec<String>,
    pub points_redeemed: i64,
    pub tier_at_order: Option<String>,
    pub points_earned: i64,
    pub growth_earned: i64,
    pub created_at: DateTime<Utc>,
    /// The day of the order at its store (the store's time zone; UTC
    /// without a store): the date it is priced, earns and is counted on.
    pub business_date: NaiveDate,
    /// The associate who sold it.
    pub associate_id: Option<Uuid>,
}

/// The row of [`OrderHeader`].
#[derive(Queryable, Selectable)]
#[diesel(table_name = orders)]
struct HeaderRow {
    customer_id: Uuid,
    order_id: Uuid,
    source: String,
    external_id: String,
    store_id: Option<Uuid>,
    channel: String,
    ordered_at: DateTime<Utc>,
    currency: String,
    amount_paid: Decimal,
    base_currency: String,
    fx_rate: Decimal,
    amount_paid_base: Decimal,
    payment_method: String,
    coupons: Vec<String>,
    points_redeemed: i64,
    tier_at_order: Option<String>,
    points_earned: i64,
    growth_earned: i64,
    created_at: DateTime<Utc>,
    business_date: NaiveDate,
    associate_id: Option<Uuid>,
}

impl From<HeaderRow> for OrderHeader {
    fn from(row: HeaderRow) -> Self {
        OrderHeader {
            customer_id: row.customer_id,
            order_id: row.order_id,
            source: row.source,
            external_id: row.external_id,
            store_id: row.store_id,
            channel: row.channel,
            ordered_at: row.ordered_at,
            currency: row.currency,
            amount_paid: row.amount_paid,
            base_currency: row.base_currency,
            fx_rate: row.fx_rate,
            amount_paid_base: row.amount_paid_base,
            payment_method: row.payment_method,
            coupons: row.coupons,
            points_redeemed: row.points_redeemed,
            tier_at_order: row.tier_at_order,
            points_earned: row.points_earned,
            growth_earned: row.growth_earned,
            created_at: row.created_at,
            business_date: row.business_date,
            associate_id: row.associate_id,
        }
    }
}

/// An order with its lines and returns.
#[derive(Debug, Clone)]
pub struct StoredOrder {
    pub header: OrderHeader,
    pub lines: Vec<StoredLine>,
    pub returns: Vec<StoredReturn>,
    /// The coupon codes it used.
    pub coupon_uses: Vec<crate::offers::OrderCouponUse>,
    /// The gifts with purchase it was given.
    pub gifts: Vec<crate::offers::OrderGift>,
}

impl StoredOrder {
    /// The customer, None for an anonymous order.
    pub fn customer(&self) -> Option<CustomerId> {
        (self.header.customer_id != ANONYMOUS).then(|| CustomerId::from_uuid(self.header.customer_id))
    }
}

/// The order stored under (source, external id), if any.
pub fn find_by_key(
    conn: &mut PgConnection,
    source: &str,
    external_id: &str,
) -> Result<Option<StoredOrder>, StoreError> {
    let key: Option<(Uuid, Uuid)> = order_keys::table
        .find((source, external_id))
        .select((order_keys::customer_id, order_keys::order_id))
        .first(conn)
        .optional()?;
    key.map(|(customer, order)| load_order(conn, customer, order)).transpose()
}

/// One order, with its lines and returns.
pub fn load_order(conn: &mut PgConnection, customer: Uuid, order_id: Uuid) -> Result<StoredOrder, StoreError> {
    load_orders(conn, customer, &[order_id])?.pop().ok_or(StoreError::NotFound)
}

/// Where an order lives, if the caller's scope covers it (its customer's
/// home store, or for an anonymous order its store).
pub fn locate(conn: &mut PgConnection, order_id: Uuid, scope: &StoreScope) -> Result<Uuid, StoreError> {
    let customer: Uuid = order_index::table
        .find(order_id)
        .select(order_index::customer_id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    if customer == ANONYMOUS {
        let store: Option<Uuid> =
            orders::table.find((customer, order_id)).select(orders::store_id).first(conn).optional()?.flatten();
        if !scope.covers(store.map(StoreId::from_uuid)) {
            return Err(StoreError::NotFound);
        }
    } else {
        match crate::access::check_visible(conn, CustomerId::from_uuid(customer), scope) {
            Ok(()) | Err(StoreError::Merged { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(customer)
}

/// One order, with lines and returns.
pub fn get_order(conn: &mut PgConnection, order_id: Uuid, scope: &StoreScope) -> Result<StoredOrder, StoreError> {
    let customer = locate(conn, order_id, scope)?;
    load_order(conn, customer, order_id)
}

/// Where a page of a customer's orders starts: after this (time, order id).
pub type OrderCursor = (DateTime<Utc>, Uuid);

/// A customer's orders, newest first; `before` is the last order of the
/// previous page.
pub fn customer_orders(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    before: Option<OrderCursor>,
    limit: u32,
) -> Result<(Vec<StoredOrder>, Option<OrderCursor>), StoreError> {
    crate::access::check_visible(conn, customer, scope)?;
    let limit = i64::from(limit.clamp(1, 200));
    let mut query = orders::table
        .filter(orders::customer_id.eq(customer.as_uuid()))
        .order((orders::ordered_at.desc(), orders::order_id.desc()))
        .limit(limit + 1)
        .select((orders::ordered_at, orders::order_id))
        .into_boxed();
    if let Some((at, id)) = before {
        query = query.filter(orders::ordered_at.lt(at).or(orders::ordered_at.eq(at).and(orders::order_id.lt(id))));
    }
    let mut keys: Vec<OrderCursor> = query.load(conn)?;
    let more = keys.len() as i64 > limit;
    keys.truncate(limit as usize);
    let next = if more { keys.last().copied() } else { None };
    let ids: Vec<Uuid> = keys.iter().map(|(_, id)| *id).collect();
    let orders = load_orders(conn, customer.as_uuid(), &ids)?;
    Ok((orders, next))
}

/// A page of one customer's orders, in the order of `order_ids`, in five
/// statements whatever the page's size (not five per order).
fn load_orders(conn: &mut PgConnection, customer: Uuid, order_ids: &[Uuid]) -> Result<Vec<StoredOrder>, StoreError> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut headers: HashMap<Uuid, OrderHeader> = orders::table
        .filter(orders::customer_id.eq(customer))
        .filter(orders::order_id.eq_any(order_ids))
        .select(HeaderRow::as_select())
        .load::<HeaderRow>(conn)?
        .into_iter()
        .map(|h| (h.order_id, OrderHeader::from(h)))
        .collect();
    let mut lines: HashMap<Uuid, Vec<StoredLine>> = HashMap::new();
    for (order_id, line) in order_lines::table
        .filter(order_lines::customer_id.eq(customer))
        .filter(order_lines::order_id.eq_any(order_ids))
        .order((order_lines::order_id.asc(), order_lines::line_id.asc()))
        .select((order_lines::order_id, LineRow::as_select()))
        .load::<(Uuid, LineRow)>(conn)?
    {
        lines.entry(order_id).or_default().push(line.into());
    }
    let mut returns: HashMap<Uuid, Vec<StoredReturn>> = HashMap::new();
    for (order_id, r) in order_returns::table
        .filter(order_returns::customer_id.eq(customer))
        .filter(order_returns::order_id.eq_any(order_ids))
        .order((order_returns::order_id.asc(), order_returns::created_at.asc()))
        .select((order_returns::order_id, ReturnRow::as_select()))
        .load::<(Uuid, ReturnRow)>(conn)?
    {
        returns.entry(order_id).or_default().push(r.into());
    }
    let mut coupon_uses = crate::offers::order_uses(conn, order_ids)?;
    let mut gifts = crate::offers::order_gifts(conn, order_ids)?;
    order_ids
        .iter()
        .map(|id| {
            let header = headers.remove(id).ok_or(StoreError::NotFound)?;
            Ok(StoredOrder {
                header,
                lines: lines.remove(id).unwrap_or_default(),
                returns: returns.remove(id).unwrap_or_default(),
                coupon_uses: coupon_uses.remove(id).unwrap_or_default(),
                gifts: gifts.remove(id).unwrap_or_default(),
            })
        })
        .collect()
}
