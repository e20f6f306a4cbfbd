//! Points offers (issue #13): bonus points or a multiplier on qualifying
//! orders within a window, defined by the CRM team and applied when an
//! order earns — by `ingest_order` and by bulk imports alike. The rule is
//! `clientele_offers::offer_points`; the points are added to the order's
//! earning (`clientele_loyalty::OrderEarning::with_offer_points`), so they
//! go into the order's lot on their own ledger entry, with the offer's
//! campaign as source, and a return takes back exactly what they gave.

use chrono::{DateTime, Utc};
use clientele_kernel::LineId;
use clientele_loyalty::{ActivityId, OrderEarning, Points, Tier};
use clientele_offers::{Amount, PaidLine, PointsOffer, Sku, offer_points};
use clientele_orders::PricedOrder;
use clientele_store::offers::StoredPointsOffer;
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError, corrupt};
use serde_json::json;
use uuid::Uuid;

/// Keeps a points offer (audited). A campaign named must exist (422 on
/// `campaign_id`).
pub fn create_points_offer(
    conn: &mut PgConnection,
    (name, campaign): (String, Option<Uuid>),
    definition: PointsOffer,
    ctx: &AuditContext,
) -> Result<StoredPointsOffer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        crate::offers::check_campaign(tx.conn()?, campaign)?;
        let offer = StoredPointsOffer {
            id: Uuid::now_v7(),
            name,
            campaign,
            definition,
            created_at: ctx.at,
            created_by: ctx.actor_name(),
        };
        clientele_store::offers::insert_points_offer(tx.conn()?, &offer)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "points_offer",
                entity_id: offer.id.to_string(),
                customer: None,
                changes: json!({ "name": offer.name, "campaign_id": campaign, "definition": offer.definition }),
            },
        );
        Ok(offer)
    })
}

/// A points offer, or NotFound.
pub fn points_offer(conn: &mut PgConnection, id: Uuid) -> Result<StoredPointsOffer, StoreError> {
    clientele_store::offers::points_offer(conn, id)?.ok_or(StoreError::NotFound)
}

/// The points offers not ended at `at` (every one with `None`), soonest to
/// end first.
pub fn list_points_offers(
    conn: &mut PgConnection,
    at: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<StoredPointsOffer>, StoreError> {
    clientele_store::offers::points_offers(conn, at, limit)
}

/// The earning with what each of `offers` gives the order (an offer that
/// does not apply — out of its window, another tier, no qualifying line,
/// below its minimum spend — gives nothing). Each offer works on the
/// consumption points the order earned before any offer.
pub(crate) fn add_offer_points(
    earning: OrderEarning,
    priced: &PricedOrder,
    offers: &[StoredPointsOffer],
    tier: Tier,
) -> Result<OrderEarning, StoreError> {
    if offers.is_empty() {
        return Ok(earning);
    }
    let lines = paid_lines(&earning, priced)?;
    let at = priced.order.ordered_at();
    let mut earning = earning;
    for offer in offers {
        let Ok(extra) = offer_points(&lines, &offer.definition, at, Some(tier)) else {
            continue;
        };
        let extra: Vec<(LineId, Points)> =
            extra.into_iter().filter(|e| !e.extra.is_zero()).map(|e| (e.line_id, e.extra)).collect();
        let activity = ActivityId::parse(&offer.activity()).map_err(corrupt("points offer activity"))?;
        earning = earning.with_offer_points(activity, &extra).map_err(StoreError::loyalty_rule)?;
    }
    Ok(earning)
}

/// The order's lines as the offers rule sees them: paid in the base
/// currency, with the consumption points each earned.
fn paid_lines(earning: &OrderEarning, priced: &PricedOrder) -> Result<Vec<PaidLine>, StoreError> {
    priced
        .lines
        .iter()
        .map(|l| {
            let line = &l.line;
            Ok(PaidLine {
                line_id: line.line_id.clone(),
                sku: Sku::parse(line.sku.as_str()).map_err(corrupt("order line sku"))?,
                category: line.category.clone(),
                collection: line.collection.clone(),
                quantity: line.quantity,
                paid: Amount::new(l.paid_base).map_err(corrupt("order line paid_base"))?,
                base_points: earning.line(&line.line_id).map_or(Points::ZERO, |e| e.points),
            })
        })
        .collect()
}
