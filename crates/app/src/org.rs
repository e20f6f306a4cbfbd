//! The organisation: a store or a sales associate created — each one
//! transaction of the store's write and the audit entry.

use clientele_profiles::{Associate, NewAssociate, NewStore, Store};
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;

/// Creates a store. A taken code is a conflict (`Conflict::StoreCode`).
pub fn create_store(conn: &mut PgConnection, new: NewStore, ctx: &AuditContext) -> Result<Store, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let store = clientele_store::insert_store(tx.conn()?, &new, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "store",
                entity_id: store.id.to_string(),
                customer: None,
                changes: json!({ "new": store }),
            },
        );
        Ok(store)
    })
}

/// Creates an associate at an existing store. A code taken is a conflict
/// (`Conflict::AssociateCode`).
pub fn create_associate(
    conn: &mut PgConnection,
    new: NewAssociate,
    ctx: &AuditContext,
) -> Result<Associate, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        if !clientele_store::store_exists(conn, new.store)? {
            return Err(StoreError::invalid(
                "store_id",
                "unknown_reference",
                format!("no store with id {}", new.store),
            ));
        }
        let associate = clientele_store::insert_associate(conn, &new, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "associate",
                entity_id: associate.id.to_string(),
                customer: None,
                changes: json!({ "new": associate }),
            },
        );
        Ok(associate)
    })
}
