use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_profiles::{ApiKeyId, Role};
use diesel::prelude::*;
use serde_json::{Map, Value, json};

use crate::batch::Batch;
use crate::error::StoreError;
use crate::schema::audit_log;

/// Who is making a change, and when: written with every audited write.
#[derive(Debug, Clone)]
pub struct AuditContext {
    /// The API key that made the request; None for the system itself (CLI, jobs).
    pub key_id: Option<ApiKeyId>,
    /// That key's name, kept so the log reads well after the key is revoked.
    pub key_name: Option<String>,
    /// That key's role.
    pub role: Option<Role>,
    /// The request id of the HTTP request, for finding its log lines.
    pub request_id: Option<String>,
    /// The time of the change.
    pub at: DateTime<Utc>,
}

impl AuditContext {
    /// A change made by the system itself (the CLI, demo data, a job).
    pub fn system(at: DateTime<Utc>) -> Self {
        Self { key_id: None, key_name: Some("system".into()), role: None, request_id: None, at }
    }

    /// The name recorded as author of tags and interactions.
    pub fn actor_name(&self) -> String {
        match (&self.key_name, self.key_id) {
            (Some(name), _) => name.clone(),
            (None, Some(id)) => id.to_string(),
            (None, None) => "system".into(),
        }
    }
}

/// One audit log entry, as exported.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub key_id: Option<ApiKeyId>,
    pub key_name: Option<String>,
    pub role: Option<String>,
    pub request_id: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub changes: Value,
}

/// One audit entry: what was done to which record (and whose record it is).
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub customer: Option<CustomerId>,
    pub changes: Value,
}

/// Adds one entry to a batch of writes sent with the change it describes.
pub(crate) fn record_into(batch: &mut Batch, ctx: &AuditContext, entry: &NewAuditEntry<'_>) {
    batch.insert(
        "audit_log",
        &["at", "key_id", "key_name", "role", "request_id", "action", "entity", "entity_id", "customer_id", "changes"],
        vec![vec![
            ctx.at.into(),
            ctx.key_id.map(|k| k.as_uuid()).into(),
            ctx.key_name.as_deref().into(),
            ctx.role.map(|r| r.as_str()).into(),
            ctx.request_id.as_deref().into(),
            entry.action.into(),
            entry.entity.into(),
            entry.entity_id.as_str().into(),
            entry.customer.map(|c| c.as_uuid()).into(),
            entry.changes.clone().into(),
        ]],
        "",
    );
}

/// The fields that differ between two JSON objects, as
/// `{"field": {"old": …, "new": …}}`. Nested objects are compared whole.
pub fn diff(old: &Value, new: &Value) -> Value {
    let empty = Map::new();
    let old = old.as_object().unwrap_or(&empty);
    let new = new.as_object().unwrap_or(&empty);
    let mut out = Map::new();
    for key in old.keys().chain(new.keys().filter(|k| !old.contains_key(*k))) {
        let (o, n) = (old.get(key).unwrap_or(&Value::Null), new.get(key).unwrap_or(&Value::Null));
        if o != n {
            out.insert(key.clone(), json!({ "old": o, "new": n }));
        }
    }
    Value::Object(out)
}

/// Every audit entry about a customer, oldest first (for the export).
pub fn audit_entries_for_customer(
    conn: &mut PgConnection,
    customer: CustomerId,
) -> Result<Vec<AuditEntry>, StoreError> {
    type Row = (
        DateTime<Utc>,
        Option<uuid::Uuid>,
        Option<String>,
        Option<String>,
        Option<String>,
        String,
        String,
        String,
        Value,
    );
    let rows: Vec<Row> = audit_log::table
        .filter(audit_log::customer_id.eq(customer.as_uuid()))
        .order(audit_log::id.asc())
        .select((
            audit_log::at,
            audit_log::key_id,
            audit_log::key_name,
            audit_log::role,
            audit_log::request_id,
            audit_log::action,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::changes,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(at, key_id, key_name, role, request_id, action, entity, entity_id, changes)| AuditEntry {
            at,
            key_id: key_id.map(ApiKeyId::from_uuid),
            key_name,
            role,
            request_id,
            action,
            entity,
            entity_id,
            changes,
        })
        .collect())
}

/// Erasure: the old → new values of a customer's audit entries are personal
/// data too; keep who did what and when, drop the values.
pub(crate) fn redact_customer(conn: &mut PgConnection, customer: CustomerId) -> Result<(), StoreError> {
    diesel::update(audit_log::table.filter(audit_log::customer_id.eq(customer.as_uuid())))
        .set(audit_log::changes.eq(json!({ "redacted": true })))
        .execute(conn)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_lists_changed_added_and_removed_fields_only() {
        let old = json!({ "a": 1, "b": "x", "c": null, "d": [1] });
        let new = json!({ "a": 1, "b": "y", "e": true, "d": [1] });
        assert_eq!(diff(&old, &new), json!({ "b": { "old": "x", "new": "y" }, "e": { "old": null, "new": true } }));
    }
}
