//! A customer's timeline: an entry recorded — one transaction of the
//! scope and reference checks, the store's write and the audit entry.

use clientele_kernel::{CustomerId, FieldErrors};
use clientele_profiles::{Interaction, StoreScope};
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;

/// Adds an entry to a customer's timeline. The customer must be writable
/// by the caller, and the store and associate the entry names must exist
/// within the caller's scope.
pub fn record_interaction(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    interaction: Interaction,
    ctx: &AuditContext,
) -> Result<Interaction, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        clientele_store::check_writable(conn, customer, scope)?;
        let mut errors = FieldErrors::new();
        clientele_store::check_org_references(
            conn,
            &mut errors,
            scope,
            interaction.store.map(|s| ("store_id", s)),
            interaction.associate.map(|a| ("associate_id", a)),
        )?;
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        clientele_store::insert_interaction(conn, customer, &interaction, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "record_interaction",
                entity: "interaction",
                entity_id: interaction.id.to_string(),
                customer: Some(customer),
                changes: json!({ "kind": interaction.detail.kind().as_str(), "at": interaction.at }),
            },
        );
        Ok(interaction)
    })
}
