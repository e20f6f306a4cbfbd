//! Orders and returns in PostgreSQL: claiming an order's or a return's key,
//! writing an order with its lines and products, recording a return, and
//! reading them. The use cases that put these together with the loyalty
//! rules (`ingest_order`, `record_return`) are `clientele_app::orders`.

pub(crate) mod fx;
pub(crate) mod reads;

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, LineId, StoreId, TimeZone};
use clientele_loyalty::{OrderEarning, ProgramConfig};
use clientele_orders::{CustomerRef, Order, PricedOrder, ReturnRequest};
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde::Deserialize as _;
use serde_json::Value;
use uuid::Uuid;

use crate::access::{CustomerState, check_writable, judge_writable};
use crate::batch::Batch;
use crate::error::{StoreError, corrupt};
use crate::schema::{customers, member_numbers, order_lines, order_returns, orders, phone_index, return_keys, stores};
use crate::tx::Tx;

pub use crate::orders::reads::{
    ANONYMOUS, OrderCursor, OrderHeader, StoredLine, StoredOrder, StoredReturn, customer_orders, find_by_key,
    get_order, load_order, locate,
};

/// What a stored order says about the sale, to compare a resend with.
pub fn stored_content(stored: &StoredOrder) -> clientele_orders::OrderContent {
    clientele_orders::OrderContent {
        store: stored.header.store_id.map(StoreId::from_uuid),
        currency: stored.header.currency.clone(),
        amount_paid: stored.header.amount_paid,
        lines: stored
            .lines
            .iter()
            .map(|l| {
                let quantity = u32::try_from(l.quantity).unwrap_or(0);
                (l.line_id.clone(), (l.sku.clone(), quantity, l.unit_price, l.discount - l.coupon_discount))
            })
            .collect(),
    }
}

/// Finds the customer an order names; out of the caller's scope is unknown.
pub fn resolve_customer(
    conn: &mut PgConnection,
    who: &CustomerRef,
    scope: &StoreScope,
) -> Result<Option<CustomerId>, StoreError> {
    let id = match who {
        CustomerRef::Anonymous => return Ok(None),
        CustomerRef::Id(id) => Some(*id),
        CustomerRef::MemberNo(m) => {
            // The number and the customer's state in one statement: this is
            // on the path of every order a till sends.
            let row: Option<(Uuid, CustomerState)> = customers::table
                .filter(
                    customers::customer_id
                        .nullable()
                        .eq(member_numbers::table.find(m.as_str()).select(member_numbers::customer_id).single_value()),
                )
                .select((
                    customers::customer_id,
                    (customers::home_store_id, customers::merged_into, customers::erased_at),
                ))
                .first(conn)
                .optional()?;
            let Some((id, state)) = row else {
                return Err(StoreError::invalid("customer.member_no", "unknown_reference", "no such customer"));
            };
            let id = CustomerId::from_uuid(id);
            return match judge_writable(id, state, scope) {
                Ok(()) => Ok(Some(id)),
                Err(StoreError::NotFound) => {
                    Err(StoreError::invalid("customer.member_no", "unknown_reference", "no such customer"))
                }
                Err(StoreError::Merged { into, .. }) => Ok(Some(into)),
                Err(other) => Err(other),
            };
        }
        CustomerRef::Phone(p) => {
            let ids: Vec<Uuid> = phone_index::table
                .filter(phone_index::phone.eq(p.as_str()))
                .select(phone_index::customer_id)
                .load(conn)?;
            let visible: Vec<Uuid> =
                ids.into_iter().filter(|id| check_writable(conn, CustomerId::from_uuid(*id), scope).is_ok()).collect();
            match visible.as_slice() {
                [] => None,
                [one] => Some(CustomerId::from_uuid(*one)),
                _ => {
                    return Err(StoreError::invalid(
                        "customer.phone",
                        "ambiguous",
                        "several customers have this phone: send the member number",
                    ));
                }
            }
        }
    };
    let field = match who {
        CustomerRef::Id(_) => "customer.id",
        CustomerRef::MemberNo(_) => "customer.member_no",
        _ => "customer.phone",
    };
    let id = id.ok_or_else(|| StoreError::invalid(field, "unknown_reference", "no such customer"))?;
    match check_writable(conn, id, scope) {
        Ok(()) => Ok(Some(id)),
        Err(StoreError::NotFound) => Err(StoreError::invalid(field, "unknown_reference", "no such customer")),
        Err(StoreError::Merged { into, .. }) => Ok(Some(into)),
        Err(other) => Err(other),
    }
}

/// The time zone of a store (None for no store); an unknown store is
/// refused, naming `store_id`.
pub fn store_time_zone(conn: &mut PgConnection, store: Option<StoreId>) -> Result<Option<TimeZone>, StoreError> {
    let Some(store) = store else { return Ok(None) };
    let tz: Option<String> = stores::table.find(store.as_uuid()).select(stores::time_zone).first(conn).optional()?;
    known_zone(store, tz)
}

fn known_zone(store: StoreId, tz: Option<String>) -> Result<Option<TimeZone>, StoreError> {
    let tz =
        tz.ok_or_else(|| StoreError::invalid("store_id", "unknown_reference", format!("no store with id {store}")))?;
    Ok(Some(TimeZone::parse(&tz).map_err(corrupt("stores.time_zone"))?))
}

/// What claiming an order key brings back with it.
#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Jsonb>)]
    config: Option<Value>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    time_zone: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    points_offers: Value,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    gift_offers: Value,
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Uuid>)]
    held_out_of: Vec<Uuid>,
}

/// A claimed order key, with the programme and the time zone of the
/// order's store (None without a store) read in the same round trip.
#[derive(Debug, Clone)]
pub struct Claim {
    pub program: ProgramConfig,
    pub time_zone: Option<TimeZone>,
    /// The points offers open when the order was placed.
    pub points_offers: Vec<crate::offers::StoredPointsOffer>,
    /// The gift offers open when the order was placed.
    pub gift_offers: Vec<crate::offers::StoredGiftOffer>,
    /// The campaigns of those offers that held the customer out.
    pub held_out_of: std::collections::HashSet<Uuid>,
}

impl ClaimRow {
    fn into_claim(self, store: Option<StoreId>) -> Result<Claim, StoreError> {
        let program = match &self.config {
            None => ProgramConfig::default_plan(),
            // Read from the borrowed JSON: no copy of the programme's text.
            Some(config) => ProgramConfig::deserialize(config).map_err(corrupt("loyalty_program.config"))?,
        };
        let time_zone = match store {
            None => None,
            Some(store) => known_zone(store, self.time_zone)?,
        };
        let points_offers = crate::offers::points_offers_from_json(self.points_offers)?;
        let gift_offers = crate::offers::gift_offers_from_json(self.gift_offers)?;
        let held_out_of = self.held_out_of.into_iter().collect();
        Ok(Claim { program, time_zone, points_offers, gift_offers, held_out_of })
    }
}

/// Claims (source, external id) for a new order; None when it is taken.
/// The programme, the store's time zone and the points and gift offers
/// open at the order's time come back in the same round trip, with the
/// campaigns of those offers that held this customer out.
pub fn claim_key(
    conn: &mut PgConnection,
    order: &Order,
    customer: Uuid,
    order_id: Uuid,
) -> Result<Option<Claim>, StoreError> {
    use diesel::sql_types::{Nullable, Text, Uuid as SqlUuid};
    diesel::sql_query(
        "INSERT INTO order_keys (source, external_id, customer_id, order_id) VALUES ($1, $2, $3, $4) \
         ON CONFLICT DO NOTHING \
         RETURNING (SELECT config FROM loyalty_program WHERE id = 1) AS config, \
                   (SELECT time_zone FROM stores WHERE id = $5) AS time_zone, \
                   (SELECT coalesce(jsonb_agg(jsonb_build_array(id, name, campaign_id, definition, created_at, \
                        created_by) ORDER BY created_at, id), '[]') \
                      FROM points_offers WHERE valid_from <= $6 AND valid_to > $6) AS points_offers, \
                   (SELECT coalesce(jsonb_agg(jsonb_build_array(id, name, campaign_id, definition, created_at, \
                        created_by) ORDER BY created_at, id), '[]') \
                      FROM gift_offers WHERE valid_from <= $6 AND valid_to > $6) AS gift_offers, \
                   ARRAY(SELECT DISTINCT o.campaign_id FROM \
                           (SELECT campaign_id FROM points_offers WHERE valid_from <= $6 AND valid_to > $6 \
                            UNION SELECT campaign_id FROM gift_offers WHERE valid_from <= $6 AND valid_to > $6) o \
                         WHERE EXISTS (SELECT 1 FROM campaign_contacts x WHERE x.campaign_id = o.campaign_id \
                           AND x.customer_id = $3 AND x.outcome = 'held_out')) AS held_out_of",
    )
    .bind::<Text, _>(order.source().as_str())
    .bind::<Text, _>(order.external_id().as_str())
    .bind::<SqlUuid, _>(customer)
    .bind::<SqlUuid, _>(order_id)
    .bind::<Nullable<SqlUuid>, _>(order.store().map(|s| s.as_uuid()))
    .bind::<diesel::sql_types::Timestamptz, _>(order.ordered_at())
    .get_result::<ClaimRow>(conn)
    .optional()?
    .map(|row| row.into_claim(order.store()))
    .transpose()
}

/// A priced order to write, with what it earned.
#[derive(Debug, Clone, Copy)]
pub struct NewOrder<'a> {
    pub priced: &'a PricedOrder,
    /// The customer, [`ANONYMOUS`] for none.
    pub customer: Uuid,
    pub order_id: Uuid,
    pub business_date: NaiveDate,
    pub earning: Option<&'a OrderEarning>,
    /// The associate who sold it, resolved and checked.
    pub associate: Option<Uuid>,
    pub at: DateTime<Utc>,
}

/// Writes an order, its lines and the products its lines name (with the
/// writes of the unit of work: sent with its next read or at its end).
pub fn insert_order(tx: &mut Tx<'_>, new: &NewOrder<'_>) -> Result<StoredOrder, StoreError> {
    let batch = tx.writes();
    batch.insert("order_index", &["order_id", "customer_id"], vec![vec![new.order_id.into(), new.customer.into()]], "");
    let header = insert_header(batch, new)?;
    let lines = insert_lines(batch, new);
    insert_products(batch, &lines, new.at);
    crate::sales_days::record_order(
        batch,
        &crate::sales_days::OrderFact {
            store: header.store_id,
            day: new.business_date,
            customer: new.customer,
            associate: new.associate,
            gross: header.amount_paid_base,
            units: lines.iter().map(|l| i64::from(l.quantity)).sum(),
        },
    );
    Ok(StoredOrder { header, lines, returns: Vec::new(), coupon_uses: Vec::new(), gifts: Vec::new() })
}

fn insert_header(batch: &mut Batch, new: &NewOrder<'_>) -> Result<OrderHeader, StoreError> {
    let NewOrder { priced, customer, order_id, business_date, earning, associate, at } = *new;
    let o = &priced.order;
    let header = OrderHeader {
        customer_id: customer,
        order_id,
        source: o.source().as_str().to_owned(),
        external_id: o.external_id().as_str().to_owned(),
        store_id: o.store().map(|s| s.as_uuid()),
        channel: o.channel().as_str().to_owned(),
        ordered_at: o.ordered_at(),
        currency: o.currency().as_str().to_owned(),
        amount_paid: o.amount_paid(),
        base_currency: priced.base_currency.as_str().to_owned(),
        fx_rate: priced.fx_rate,
        amount_paid_base: priced.paid_base,
        payment_method: o.payment_method().as_str().to_owned(),
        coupons: o.coupons().iter().map(|c| c.as_str().to_owned()).collect(),
        points_redeemed: i64::try_from(o.points_redeemed()).unwrap_or(i64::MAX),
        tier_at_order: earning.map(|e| e.tier().as_str().to_owned()),
        points_earned: earning.map(|e| e.points().get()).unwrap_or(0),
        growth_earned: earning.map(|e| e.growth().get()).unwrap_or(0),
        created_at: at,
        business_date,
        associate_id: associate,
    };
    batch.insert(
        "orders",
        &[
            "customer_id",
            "order_id",
            "source",
            "external_id",
            "store_id",
            "channel",
            "ordered_at",
            "currency",
            "amount_paid",
            "base_currency",
            "fx_rate",
            "amount_paid_base",
            "payment_method",
            "coupons",
            "points_redeemed",
            "tier_at_order",
            "points_earned",
            "growth_earned",
            "earning",
            "created_at",
            "business_date",
            "associate_id",
        ],
        vec![vec![
            customer.into(),
            order_id.into(),
            header.source.clone().into(),
            header.external_id.clone().into(),
            header.store_id.into(),
            header.channel.clone().into(),
            header.ordered_at.into(),
            header.currency.clone().into(),
            header.amount_paid.into(),
            header.base_currency.clone().into(),
            header.fx_rate.into(),
            header.amount_paid_base.into(),
            header.payment_method.clone().into(),
            header.coupons.clone().into(),
            header.points_redeemed.into(),
            header.tier_at_order.clone().into(),
            header.points_earned.into(),
            header.growth_earned.into(),
            earning.map(serde_json::to_value).transpose()?.into(),
            at.into(),
            business_date.into(),
            associate.into(),
        ]],
        "",
    );
    Ok(header)
}

fn insert_lines(batch: &mut Batch, new: &NewOrder<'_>) -> Vec<StoredLine> {
    let NewOrder { priced, customer, order_id, earning, .. } = *new;
    let lines: Vec<StoredLine> = priced
        .lines
        .iter()
        .map(|l| {
            let line = &l.line;
            let earned = earning.and_then(|e| e.line(&line.line_id).cloned());
            StoredLine {
                line_id: line.line_id.as_str().to_owned(),
                sku: line.sku.as_str().to_owned(),
                name: line.name.as_ref().map(|n| n.as_str().to_owned()),
                category: line.category.as_ref().map(|c| c.as_str().to_owned()),
                collection: line.collection.as_ref().map(|c| c.as_str().to_owned()),
                quantity: i32::try_from(line.quantity).unwrap_or(i32::MAX),
                unit_price: line.unit_price,
                discount: line.discount,
                coupon_discount: line.coupon_discount,
                paid: line.paid,
                paid_base: l.paid_base,
                points: earned.as_ref().map(|e| e.points.get()).unwrap_or(0),
                growth: earned.as_ref().map(|e| e.growth.get()).unwrap_or(0),
                returned_quantity: 0,
            }
        })
        .collect();
    batch.insert(
        "order_lines",
        &[
            "customer_id",
            "order_id",
            "line_id",
            "sku",
            "name",
            "category",
            "collection",
            "quantity",
            "unit_price",
            "discount",
            "coupon_discount",
            "paid",
            "paid_base",
            "points",
            "growth",
        ],
        lines
            .iter()
            .map(|l| {
                vec![
                    customer.into(),
                    order_id.into(),
                    l.line_id.clone().into(),
                    l.sku.clone().into(),
                    l.name.clone().into(),
                    l.category.clone().into(),
                    l.collection.clone().into(),
                    l.quantity.into(),
                    l.unit_price.into(),
                    l.discount.into(),
                    l.coupon_discount.into(),
                    l.paid.into(),
                    l.paid_base.into(),
                    l.points.into(),
                    l.growth.into(),
                ]
            })
            .collect(),
        "",
    );
    lines
}

/// Products are learned from order lines: the latest name wins; one row per
/// SKU (an upsert may not touch a row twice).
fn insert_products(batch: &mut Batch, lines: &[StoredLine], at: DateTime<Utc>) {
    let mut by_sku: BTreeMap<&str, &StoredLine> = BTreeMap::new();
    for l in lines {
        by_sku.insert(&l.sku, l);
    }
    batch.insert(
        "products",
        &["sku", "name", "category", "collection", "first_seen_at", "last_seen_at"],
        by_sku
            .values()
            .map(|l| {
                vec![
                    l.sku.clone().into(),
                    l.name.clone().into(),
                    l.category.clone().into(),
                    l.collection.clone().into(),
                    at.into(),
                    at.into(),
                ]
            })
            .collect(),
        "ON CONFLICT (sku) DO UPDATE SET name = COALESCE(excluded.name, products.name), \
         category = COALESCE(excluded.category, products.category), \
         collection = COALESCE(excluded.collection, products.collection), last_seen_at = excluded.last_seen_at",
    );
}

/// A return sent before under its (source, external id): the customer the
/// order belongs to, the return and its order.
pub fn find_return_by_key(
    conn: &mut PgConnection,
    source: &str,
    external_id: &str,
) -> Result<Option<(Uuid, Uuid, Uuid)>, StoreError> {
    let existing: Option<(Uuid, Uuid)> = return_keys::table
        .find((source, external_id))
        .select((return_keys::customer_id, return_keys::return_id))
        .first(conn)
        .optional()?;
    let Some((customer, return_id)) = existing else { return Ok(None) };
    let order_id: Uuid =
        order_returns::table.find((customer, return_id)).select(order_returns::order_id).first(conn)?;
    Ok(Some((customer, return_id, order_id)))
}

/// Locks an order for the rest of the transaction, so two returns of it
/// are applied one after the other, and reads what it still holds earned.
pub fn lock_order_earning(
    conn: &mut PgConnection,
    customer: Uuid,
    order_id: Uuid,
) -> Result<Option<OrderEarning>, StoreError> {
    let earning: Option<Value> =
        orders::table.find((customer, order_id)).select(orders::earning).for_update().first(conn)?;
    earning.map(|e| serde_json::from_value(e).map_err(corrupt("orders.earning"))).transpose()
}

/// Claims a return's (source, external id) and counts the returned units
/// on the order's lines.
pub fn claim_return(
    conn: &mut PgConnection,
    request: &ReturnRequest,
    customer: Uuid,
    order_id: Uuid,
    return_id: Uuid,
) -> Result<(), StoreError> {
    diesel::insert_into(return_keys::table)
        .values((
            return_keys::source.eq(request.source.as_str()),
            return_keys::external_id.eq(request.external_id.as_str()),
            return_keys::customer_id.eq(customer),
            return_keys::return_id.eq(return_id),
        ))
        .execute(conn)?;
    for r in &request.lines {
        diesel::update(order_lines::table.find((customer, order_id, r.line_id.as_str())))
            .set(
                order_lines::returned_quantity
                    .eq(order_lines::returned_quantity + i32::try_from(r.quantity).unwrap_or(i32::MAX)),
            )
            .execute(conn)?;
    }
    Ok(())
}

/// What a return took back, as it is recorded.
#[derive(Debug, Clone)]
pub struct NewReturn<'a> {
    pub customer: Uuid,
    pub order_id: Uuid,
    pub return_id: Uuid,
    pub request: &'a ReturnRequest,
    pub amount_base: Decimal,
    /// What the order still holds earned after the return (None for an
    /// order that earned nothing).
    pub earning_after: Option<&'a OrderEarning>,
    pub taken: ReturnTaken,
    pub at: DateTime<Utc>,
}

/// The points and growth value a return took back.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReturnTaken {
    /// Points taken back, those owed included.
    pub points_taken: i64,
    pub points_not_taken: i64,
    pub points_owed: i64,
    pub growth_taken: i64,
    pub refund_deduction: Option<clientele_loyalty::RefundDeduction>,
}

/// Records a return (and the order's earning after it), with the writes of
/// the unit of work; call after [`claim_return`] counted its units.
pub fn insert_return(tx: &mut Tx<'_>, new: &NewReturn<'_>) -> Result<(), StoreError> {
    let (customer, order_id, request, taken) = (new.customer, new.order_id, new.request, new.taken);
    let batch = tx.writes();
    crate::sales_days::record_return(batch, (customer, order_id), new.amount_base, request.returned_at);
    if let Some(after) = new.earning_after {
        batch.statement(
            "UPDATE orders SET earning = $? WHERE customer_id = $? AND order_id = $?",
            vec![serde_json::to_value(after)?.into(), customer.into(), order_id.into()],
        );
    }
    batch.insert(
        "order_returns",
        &[
            "customer_id",
            "return_id",
            "order_id",
            "source",
            "external_id",
            "returned_at",
            "lines",
            "amount_base",
            "points_taken",
            "points_not_taken",
            "growth_taken",
            "created_at",
            "points_owed",
            "refund_deduction_points",
            "refund_deduction_value",
        ],
        vec![vec![
            customer.into(),
            new.return_id.into(),
            order_id.into(),
            request.source.as_str().into(),
            request.external_id.as_str().into(),
            request.returned_at.into(),
            serde_json::to_value(&request.lines)?.into(),
            new.amount_base.into(),
            taken.points_taken.into(),
            taken.points_not_taken.into(),
            taken.growth_taken.into(),
            new.at.into(),
            taken.points_owed.into(),
            taken.refund_deduction.map_or(0, |d| d.points.get()).into(),
            taken.refund_deduction.and_then(|d| d.value).into(),
        ]],
        "",
    );
    Ok(())
}

/// A stored line as the return rules see it.
pub fn to_order_line(l: &StoredLine) -> Result<clientele_orders::OrderLine, StoreError> {
    Ok(clientele_orders::OrderLine {
        line_id: LineId::parse(&l.line_id).map_err(corrupt("order_lines.line_id"))?,
        sku: clientele_orders::Sku::parse(&l.sku).map_err(corrupt("order_lines.sku"))?,
        name: None,
        category: None,
        collection: None,
        quantity: l.quantity.unsigned_abs(),
        unit_price: l.unit_price,
        discount: l.discount,
        coupon_discount: l.coupon_discount,
        paid: l.paid,
    })
}
