//! API keys: one created or revoked — each one transaction of the store's
//! write and the audit entry.

use clientele_profiles::ApiKeyId;
use clientele_store::{ApiKey, AuditContext, NewApiKey, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;

/// Stores a new key (its token only as a digest), made by the caller. An
/// associate's own key must name an associate of one of its stores
/// (`associate_id`, 422 otherwise).
pub fn create_api_key(conn: &mut PgConnection, new: NewApiKey, ctx: &AuditContext) -> Result<ApiKey, StoreError> {
    clientele_store::transaction(conn, |tx| {
        if let Some(associate) = new.grant.associate() {
            let mut errors = clientele_kernel::FieldErrors::new();
            let scope = new.grant.scope();
            clientele_store::check_org_references(
                tx.conn()?,
                &mut errors,
                scope,
                None,
                Some(("associate_id", associate)),
            )?;
            if !errors.is_empty() {
                return Err(StoreError::Invalid(errors));
            }
        }
        let key = clientele_store::insert_api_key(tx.conn()?, &new, ctx.at, ctx.key_id)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "api_key",
                entity_id: key.id.to_string(),
                customer: None,
                changes: json!({ "new": key }),
            },
        );
        Ok(key)
    })
}

/// Revokes a key; it stops working at once. Revoking twice is not an
/// error (and changes nothing).
pub fn revoke_api_key(conn: &mut PgConnection, id: ApiKeyId, ctx: &AuditContext) -> Result<ApiKey, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let key = clientele_store::lock_api_key(tx.conn()?, id)?;
        if key.revoked_at.is_some() {
            return Ok(key);
        }
        let key = clientele_store::write_revocation(tx.conn()?, id, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "revoke",
                entity: "api_key",
                entity_id: id.to_string(),
                customer: None,
                changes: json!({ "revoked_at": ctx.at }),
            },
        );
        Ok(key)
    })
}
