//! Gifts with purchase (issue #13): a gift or sample the order is given
//! when it qualifies — in the offer's window, for the buyer's tier, its
//! eligible lines reaching the minimum spend after every discount. The
//! rule is `clientele_offers::gifts_for`; an order sent to `POST
//! /v1/orders` records what it was given, for the associate to hand over
//! and for the cost of the offer.

use chrono::{DateTime, Utc};
use clientele_kernel::Currency;
use clientele_loyalty::Tier;
use clientele_offers::GiftOffer;
use clientele_orders::Order;
use clientele_store::offers::{OrderGift, StoredGiftOffer};
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;
use uuid::Uuid;

/// Keeps a gift offer (audited). A campaign named must exist.
pub fn create_gift_offer(
    conn: &mut PgConnection,
    (name, campaign): (String, Option<Uuid>),
    definition: GiftOffer,
    ctx: &AuditContext,
) -> Result<StoredGiftOffer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        crate::offers::check_campaign(tx.conn()?, campaign)?;
        let offer = StoredGiftOffer {
            id: Uuid::now_v7(),
            name,
            campaign,
            definition,
            created_at: ctx.at,
            created_by: ctx.actor_name(),
        };
        clientele_store::offers::insert_gift_offer(tx.conn()?, &offer)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "gift_offer",
                entity_id: offer.id.to_string(),
                customer: None,
                changes: json!({ "name": offer.name, "campaign_id": campaign, "definition": offer.definition }),
            },
        );
        Ok(offer)
    })
}

/// A gift offer, or NotFound.
pub fn gift_offer(conn: &mut PgConnection, id: Uuid) -> Result<StoredGiftOffer, StoreError> {
    clientele_store::offers::gift_offer(conn, id)?.ok_or(StoreError::NotFound)
}

/// The gift offers not ended at `at` (every one with `None`), soonest to
/// end first.
pub fn list_gift_offers(
    conn: &mut PgConnection,
    at: Option<DateTime<Utc>>,
    limit: i64,
) -> Result<Vec<StoredGiftOffer>, StoreError> {
    clientele_store::offers::gift_offers(conn, at, limit)
}

/// The gifts an order qualifies for among `offers`, its lines as priced
/// after every discount (coupons included). Gift offers are priced in the
/// programme's currency: an order in another, or priced in fractions of a
/// cent, gets none.
pub(crate) fn gifts_for_order(
    order: &Order,
    tier: Option<Tier>,
    offers: &[StoredGiftOffer],
    base: &Currency,
) -> Vec<OrderGift> {
    if offers.is_empty() || order.currency() != base {
        return Vec::new();
    }
    let Ok(basket) = crate::order_coupons::basket_of(order) else {
        return Vec::new();
    };
    let definitions: Vec<GiftOffer> = offers.iter().map(|o| o.definition.clone()).collect();
    given(clientele_offers::gifts_for(&basket, None, tier, order.ordered_at(), &definitions), offers)
}

/// The gifts the decisions give, one per offer that qualifies.
pub(crate) fn given(decisions: Vec<clientele_offers::GiftDecision>, offers: &[StoredGiftOffer]) -> Vec<OrderGift> {
    decisions
        .into_iter()
        .zip(offers)
        .filter(|(decision, _)| decision.refusal.is_none() && decision.quantity > 0)
        .map(|(decision, offer)| OrderGift {
            gift_offer_id: offer.id,
            sku: decision.sku.as_str().to_owned(),
            name: offer.definition.name().as_str().to_owned(),
            quantity: decision.quantity,
            unit_cost: offer.definition.unit_cost().get(),
        })
        .collect()
}
