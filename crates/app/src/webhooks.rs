//! Webhook subscriptions: one created or deactivated — each one
//! transaction of the store's writes and the audit entry. (The sending of
//! deliveries is the [`crate::dispatcher`]'s.)

use clientele_store::{AuditContext, NewAuditEntry, NewSubscription, PgConnection, StoreError, Subscription};
use serde_json::json;
use uuid::Uuid;

/// Stores a new subscription, made by the caller. It receives the events
/// emitted from its creation on. Its secret stays out of the audit log.
pub fn create_subscription(
    conn: &mut PgConnection,
    new: NewSubscription,
    ctx: &AuditContext,
) -> Result<Subscription, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let sub = clientele_store::insert_subscription(tx.conn()?, &new, ctx.at, ctx.key_name.as_deref())?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "webhook_subscription",
                entity_id: sub.id.to_string(),
                customer: None,
                changes: json!({ "new": sub }),
            },
        );
        Ok(sub)
    })
}

/// Deactivates a subscription: its pending deliveries are cancelled and no
/// new event is fanned out to it. The row and its delivery log stay.
/// Deactivating twice is not an error (and changes nothing).
pub fn deactivate_subscription(
    conn: &mut PgConnection,
    id: Uuid,
    ctx: &AuditContext,
) -> Result<Subscription, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let sub = clientele_store::lock_subscription(tx.conn()?, id)?;
        if !sub.active {
            return Ok(sub);
        }
        let (sub, cancelled) = clientele_store::write_deactivation(tx.conn()?, id)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "deactivate",
                entity: "webhook_subscription",
                entity_id: id.to_string(),
                customer: None,
                changes: json!({ "active": { "old": true, "new": false }, "cancelled_deliveries": cancelled }),
            },
        );
        Ok(sub)
    })
}
