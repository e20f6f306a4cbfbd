//! Gifts with purchase in PostgreSQL: the offers, those open at an
//! instant (with an order's key claim), and the gifts each order was given.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clientele_offers::GiftOffer;
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{gift_offers, order_gifts};

/// A gift offer as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredGiftOffer {
    pub id: Uuid,
    pub name: String,
    pub campaign: Option<Uuid>,
    pub definition: GiftOffer,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

type Row = (Uuid, String, Option<Uuid>, serde_json::Value, DateTime<Utc>, String);

fn from_row(row: Row) -> Result<StoredGiftOffer, StoreError> {
    let (id, name, campaign, definition, created_at, created_by) = row;
    let definition = serde_json::from_value(definition).map_err(corrupt("gift_offers.definition"))?;
    Ok(StoredGiftOffer { id, name, campaign, definition, created_at, created_by })
}

const COLUMNS: (
    gift_offers::id,
    gift_offers::name,
    gift_offers::campaign_id,
    gift_offers::definition,
    gift_offers::created_at,
    gift_offers::created_by,
) = (
    gift_offers::id,
    gift_offers::name,
    gift_offers::campaign_id,
    gift_offers::definition,
    gift_offers::created_at,
    gift_offers::created_by,
);

/// Gift offers read as a JSON array of rows (how an order's key claim
/// brings those open at the order's time).
pub(crate) fn gift_offers_from_json(rows: serde_json::Value) -> Result<Vec<StoredGiftOffer>, StoreError> {
    let rows: Vec<Row> = serde_json::from_value(rows).map_err(corrupt("gift offers"))?;
    rows.into_iter().map(from_row).collect()
}

/// Keeps a gift offer.
pub fn insert_gift_offer(conn: &mut PgConnection, offer: &StoredGiftOffer) -> Result<(), StoreError> {
    let definition = serde_json::to_value(&offer.definition).map_err(corrupt("gift_offers.definition"))?;
    let window = offer.definition.window();
    diesel::insert_into(gift_offers::table)
        .values((
            gift_offers::id.eq(offer.id),
            gift_offers::name.eq(&offer.name),
            gift_offers::campaign_id.eq(offer.campaign),
            gift_offers::definition.eq(definition),
            gift_offers::valid_from.eq(window.valid_from()),
            gift_offers::valid_to.eq(window.valid_to()),
            gift_offers::created_at.eq(offer.created_at),
            gift_offers::created_by.eq(&offer.created_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// A gift offer by id.
pub fn gift_offer(conn: &mut PgConnection, id: Uuid) -> Result<Option<StoredGiftOffer>, StoreError> {
    let row: Option<Row> = gift_offers::table.find(id).select(COLUMNS).first(conn).optional()?;
    row.map(from_row).transpose()
}

/// The gift offers not ended by `after` (all with `None`), soonest to end
/// first, at most `limit`.
pub fn gift_offers(
    conn: &mut PgConnection,
    after: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<StoredGiftOffer>, StoreError> {
    let mut query = gift_offers::table.into_boxed();
    if let Some(after) = after {
        query = query.filter(gift_offers::valid_to.gt(after));
    }
    let rows: Vec<Row> =
        query.order((gift_offers::valid_to, gift_offers::id)).limit(limit).select(COLUMNS).load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The gift offers open at `at`, oldest first.
pub fn gift_offers_open_at(conn: &mut PgConnection, at: DateTime<Utc>) -> Result<Vec<StoredGiftOffer>, StoreError> {
    let rows: Vec<Row> = gift_offers::table
        .filter(gift_offers::valid_from.le(at))
        .filter(gift_offers::valid_to.gt(at))
        .order((gift_offers::created_at, gift_offers::id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The gift offers of a campaign.
pub fn gift_offers_of_campaign(conn: &mut PgConnection, campaign: Uuid) -> Result<Vec<StoredGiftOffer>, StoreError> {
    let rows: Vec<Row> = gift_offers::table
        .filter(gift_offers::campaign_id.eq(campaign))
        .order((gift_offers::created_at, gift_offers::id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// A gift an order was given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderGift {
    pub gift_offer_id: Uuid,
    pub sku: String,
    pub name: String,
    pub quantity: u32,
    /// What one costs the brand.
    pub unit_cost: Decimal,
}

/// Records the gifts an order was given.
pub fn insert_order_gifts(
    conn: &mut PgConnection,
    (order_id, customer): (Uuid, Uuid),
    gifts: &[OrderGift],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rows: Vec<_> = gifts
        .iter()
        .map(|g| {
            (
                order_gifts::order_id.eq(order_id),
                order_gifts::gift_offer_id.eq(g.gift_offer_id),
                order_gifts::customer_id.eq(customer),
                order_gifts::sku.eq(&g.sku),
                order_gifts::name.eq(&g.name),
                order_gifts::quantity.eq(i32::try_from(g.quantity).unwrap_or(i32::MAX)),
                order_gifts::unit_cost.eq(g.unit_cost),
                order_gifts::given_at.eq(at),
            )
        })
        .collect();
    diesel::insert_into(order_gifts::table).values(rows).execute(conn)?;
    Ok(())
}

/// The gifts each of these orders was given.
pub fn order_gifts(conn: &mut PgConnection, order_ids: &[Uuid]) -> Result<HashMap<Uuid, Vec<OrderGift>>, StoreError> {
    let rows: Vec<(Uuid, Uuid, String, String, i32, Decimal)> = order_gifts::table
        .filter(order_gifts::order_id.eq_any(order_ids))
        .order((order_gifts::order_id, order_gifts::gift_offer_id))
        .select((
            order_gifts::order_id,
            order_gifts::gift_offer_id,
            order_gifts::sku,
            order_gifts::name,
            order_gifts::quantity,
            order_gifts::unit_cost,
        ))
        .load(conn)?;
    let mut gifts: HashMap<Uuid, Vec<OrderGift>> = HashMap::new();
    for (order_id, gift_offer_id, sku, name, quantity, unit_cost) in rows {
        let quantity = u32::try_from(quantity).map_err(corrupt("order_gifts.quantity"))?;
        gifts.entry(order_id).or_default().push(OrderGift { gift_offer_id, sku, name, quantity, unit_cost });
    }
    Ok(gifts)
}
