//! Points offers in PostgreSQL: the definitions, and those open at an
//! instant (what an order's earning applies).

use chrono::{DateTime, Utc};
use clientele_offers::PointsOffer;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::points_offers;

/// A points offer as kept.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredPointsOffer {
    pub id: Uuid,
    pub name: String,
    pub campaign: Option<Uuid>,
    pub definition: PointsOffer,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

impl StoredPointsOffer {
    /// What its ledger entries name as their source: its campaign, or the
    /// offer itself.
    pub fn activity(&self) -> String {
        match self.campaign {
            Some(campaign) => format!("campaign {campaign}"),
            None => format!("points offer {}", self.id),
        }
    }
}

type Row = (Uuid, String, Option<Uuid>, serde_json::Value, DateTime<Utc>, String);

const COLUMNS: (
    points_offers::id,
    points_offers::name,
    points_offers::campaign_id,
    points_offers::definition,
    points_offers::created_at,
    points_offers::created_by,
) = (
    points_offers::id,
    points_offers::name,
    points_offers::campaign_id,
    points_offers::definition,
    points_offers::created_at,
    points_offers::created_by,
);

fn from_row(row: Row) -> Result<StoredPointsOffer, StoreError> {
    let (id, name, campaign, definition, created_at, created_by) = row;
    let definition = serde_json::from_value(definition).map_err(corrupt("points_offers.definition"))?;
    Ok(StoredPointsOffer { id, name, campaign, definition, created_at, created_by })
}

/// Points offers read as a JSON array of rows
/// (`[id, name, campaign_id, definition, created_at, created_by]`): how
/// claiming an order's key brings those open at the order's time.
pub(crate) fn points_offers_from_json(rows: serde_json::Value) -> Result<Vec<StoredPointsOffer>, StoreError> {
    let rows: Vec<Row> = serde_json::from_value(rows).map_err(corrupt("points offers"))?;
    rows.into_iter().map(from_row).collect()
}

/// Keeps a points offer.
pub fn insert_points_offer(conn: &mut PgConnection, offer: &StoredPointsOffer) -> Result<(), StoreError> {
    let definition = serde_json::to_value(&offer.definition).map_err(corrupt("points_offers.definition"))?;
    let window = offer.definition.window();
    diesel::insert_into(points_offers::table)
        .values((
            points_offers::id.eq(offer.id),
            points_offers::name.eq(&offer.name),
            points_offers::campaign_id.eq(offer.campaign),
            points_offers::definition.eq(definition),
            points_offers::valid_from.eq(window.valid_from()),
            points_offers::valid_to.eq(window.valid_to()),
            points_offers::created_at.eq(offer.created_at),
            points_offers::created_by.eq(&offer.created_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// A points offer by id.
pub fn points_offer(conn: &mut PgConnection, id: Uuid) -> Result<Option<StoredPointsOffer>, StoreError> {
    let row: Option<Row> = points_offers::table.find(id).select(COLUMNS).first(conn).optional()?;
    row.map(from_row).transpose()
}

/// The points offers not ended by `after` (all of them with `None`),
/// soonest to end first, at most `limit`.
pub fn points_offers(
    conn: &mut PgConnection,
    after: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<StoredPointsOffer>, StoreError> {
    let mut query = points_offers::table.into_boxed();
    if let Some(after) = after {
        query = query.filter(points_offers::valid_to.gt(after));
    }
    let rows: Vec<Row> =
        query.order((points_offers::valid_to, points_offers::id)).limit(limit).select(COLUMNS).load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The points offers of a campaign.
pub fn points_offers_of_campaign(
    conn: &mut PgConnection,
    campaign: Uuid,
) -> Result<Vec<StoredPointsOffer>, StoreError> {
    let rows: Vec<Row> = points_offers::table
        .filter(points_offers::campaign_id.eq(campaign))
        .order((points_offers::created_at, points_offers::id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}

/// The points offers whose window overlaps [`from`, `to`]: what the orders
/// placed in it may get (one read for an order, or for a batch of them).
/// The (campaign, customer) pairs among `customers` held out of these
/// campaigns: the customers who get none of the campaign's offers.
pub fn held_out_pairs(
    conn: &mut PgConnection,
    campaigns: &[Uuid],
    customers: &[Uuid],
) -> Result<std::collections::HashSet<(Uuid, Uuid)>, StoreError> {
    use crate::schema::campaign_contacts as cc;
    if campaigns.is_empty() || customers.is_empty() {
        return Ok(std::collections::HashSet::new());
    }
    let rows: Vec<(Uuid, Uuid)> = cc::table
        .filter(cc::campaign_id.eq_any(campaigns))
        .filter(cc::customer_id.eq_any(customers))
        .filter(cc::outcome.eq("held_out"))
        .select((cc::campaign_id, cc::customer_id))
        .distinct()
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn points_offers_between(
    conn: &mut PgConnection,
    (from, to): (DateTime<Utc>, DateTime<Utc>),
) -> Result<Vec<StoredPointsOffer>, StoreError> {
    let rows: Vec<Row> = points_offers::table
        .filter(points_offers::valid_to.gt(from))
        .filter(points_offers::valid_from.le(to))
        .order((points_offers::created_at, points_offers::id))
        .select(COLUMNS)
        .load(conn)?;
    rows.into_iter().map(from_row).collect()
}
