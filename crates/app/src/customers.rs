//! What happens to a whole customer record: merging a duplicate into its
//! survivor and erasure (PIPL/GDPR) — each one transaction of the
//! `clientele_profiles` rule, the store's writes, the audit entries and,
//! for a merge, the `customer.merged` event.

use clientele_kernel::CustomerId;
use clientele_profiles::{Customer, CustomerRecord, ProfileError, StoreScope, merge};
use clientele_store::{Absorption, AuditContext, NewAuditEntry, PgConnection, StoreError};
use clientele_webhooks::CustomerMerged;
use serde_json::{Value, json};

/// Merges `absorbed` into `survivor`: profile gaps filled, tags, dates,
/// consents, external ids and timeline combined (rules in
/// `clientele_profiles::merge`), member numbers of the absorbed record lead
/// to the survivor from now on, and the absorbed record is left as an empty
/// tombstone pointing at the survivor. Both must be in the caller's scope.
pub fn merge_customers(
    conn: &mut PgConnection,
    survivor: CustomerId,
    absorbed: CustomerId,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    if survivor == absorbed {
        return Err(StoreError::Profile(ProfileError::MergeWithSelf));
    }
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        // Lock in id order so two opposite merges cannot deadlock.
        let (first, second) = if survivor < absorbed { (survivor, absorbed) } else { (absorbed, survivor) };
        let a = clientele_store::load_checked(conn, first, scope, true)?;
        let b = clientele_store::load_checked(conn, second, scope, true)?;
        let (s, x) = if a.id == survivor { (a, b) } else { (b, a) };
        let s_record = CustomerRecord { timeline: clientele_store::load_timeline_all(conn, s.id)?, customer: s };
        let x_record = CustomerRecord { timeline: clientele_store::load_timeline_all(conn, x.id)?, customer: x };
        let before = clientele_store::flat_view(&s_record.customer);
        let outcome = merge(&s_record, &x_record, ctx.at)?;
        let merged = &outcome.merged.customer;
        let absorbed_member_no = outcome.absorbed_member_no.as_str();
        clientele_store::write_absorption(
            conn,
            &Absorption {
                survivor,
                merged,
                absorbed: &x_record,
                absorbed_member_no,
                at: ctx.at,
                by: ctx.key_id.map(|k| k.as_uuid()),
            },
        )?;

        let mut changes = clientele_store::audit_diff(&before, &clientele_store::flat_view(merged));
        if let Value::Object(map) = &mut changes {
            map.insert("absorbed".into(), json!({ "customer_id": absorbed, "member_no": absorbed_member_no }));
        }
        let entity_id = survivor.to_string();
        let entry = NewAuditEntry { action: "merge", entity: "customer", entity_id, customer: Some(survivor), changes };
        tx.audit(ctx, entry);
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "merged_into",
                entity: "customer",
                entity_id: absorbed.to_string(),
                customer: Some(absorbed),
                changes: json!({ "merged_into": survivor }),
            },
        );
        let merged_event = CustomerMerged {
            survivor_id: survivor.as_uuid(),
            absorbed_id: absorbed.as_uuid(),
            absorbed_member_no: absorbed_member_no.to_owned(),
        };
        tx.emit(&merged_event.into(), ctx.at)?;
        Ok(merged.clone())
    })
}

/// Erasure (PIPL/GDPR): personal fields, tags, consents, dates, lookup keys,
/// free-text notes, merge snapshots and the old → new values of the audit
/// log are removed; the record stays, anonymised, for statistics. Erasing
/// an erased customer changes nothing.
pub fn erase_customer(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let mut customer = clientele_store::load_checked(tx.conn()?, id, scope, true)?;
        if customer.is_erased() {
            return Ok(customer);
        }
        customer.erase(ctx.at);
        clientele_store::write_erasure(tx.conn()?, &customer)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "erase",
                entity: "customer",
                entity_id: id.to_string(),
                customer: Some(id),
                changes: json!({ "erased_at": ctx.at }),
            },
        );
        Ok(customer)
    })
}
