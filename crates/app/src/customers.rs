//! Customers: creating one (once per idempotency key), a patch, a tag set
//! or removed, a consent decision, merging a duplicate into its survivor
//! and erasure (PIPL/GDPR) — each one transaction of the
//! `clientele_profiles` rule, the store's writes, the audit entries and,
//! for a create or a merge, the `customer.created` or `customer.merged`
//! event.

use clientele_kernel::{CustomerId, MemberNo};
use clientele_profiles::{
    Channel, Consent, Customer, CustomerPatch, CustomerRecord, NewCustomer, ProfileError, StoreScope, Tag, TagName,
    merge,
};
use clientele_store::{
    Absorption, AuditContext, Conflict, FirstRequest, IdempotencyClaim, NewAuditEntry, PgConnection, StoreError, Tx,
};
use clientele_webhooks::{CustomerCreated, CustomerMerged};
use serde_json::{Value, json};
use uuid::Uuid;

/// The outcome of a create.
#[derive(Debug, Clone)]
pub enum Created {
    /// Newly created.
    New(Customer),
    /// The same request was made before (same idempotency key); this is
    /// what it created.
    Replayed(Customer),
}

/// Creates a customer. The member number is the one given (e.g. imported
/// from a legacy system) or the next of the sequence. With an idempotency
/// claim, a repeat of the same request returns what the first created, and
/// the key sent again with another request is a conflict.
pub fn create_customer(
    conn: &mut PgConnection,
    new: NewCustomer,
    member_no: Option<MemberNo>,
    claim: Option<IdempotencyClaim>,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Created, StoreError> {
    clientele_store::transaction(conn, |tx| {
        if let Some(claim) = &claim
            && let Some(first) = clientele_store::claim_idempotency_key(tx.conn()?, claim, ctx.at)?
        {
            return replay(tx, claim, first).map(Created::Replayed);
        }
        let conn = tx.conn()?;
        let member_no = match member_no {
            Some(m) => m,
            None => clientele_store::next_member_no(conn)?,
        };
        let id = CustomerId::from_uuid(Uuid::now_v7());
        let customer = new.into_customer(id, member_no, ctx.at);
        clientele_store::check_customer_references(conn, &customer, None, scope)?;
        clientele_store::insert_customer(conn, &customer)?;
        if let Some(claim) = &claim {
            clientele_store::complete_idempotency_key(conn, claim, json!({ "customer_id": id }))?;
        }
        let changes = clientele_store::audit_diff(&json!({}), &clientele_store::flat_view(&customer));
        audit_customer(tx, ctx, "create", id, changes);
        let created = CustomerCreated {
            customer_id: id.as_uuid(),
            member_no: customer.member_no.as_str().to_owned(),
            home_store_id: customer.relationship.home_store.map(|s| s.as_uuid()),
        };
        tx.emit(&created.into(), ctx.at)?;
        Ok(Created::New(customer))
    })
}

/// The customer the first request with this idempotency key created, if
/// this request is the same (same body); a conflict if it is not.
fn replay(tx: &mut Tx<'_>, claim: &IdempotencyClaim, first: FirstRequest) -> Result<Customer, StoreError> {
    if first.request_hash != claim.request_hash {
        return Err(StoreError::Conflict(Conflict::IdempotencyKeyReused));
    }
    let id = first
        .body
        .get("customer_id")
        .and_then(Value::as_str)
        .and_then(|s| s.parse::<Uuid>().ok())
        .ok_or_else(|| StoreError::Corrupt("idempotency_keys.body".into()))?;
    clientele_store::load_unchecked(tx.conn()?, CustomerId::from_uuid(id))
}

/// Appends the audit entry of a change of one customer.
fn audit_customer(tx: &mut Tx<'_>, ctx: &AuditContext, action: &str, id: CustomerId, changes: Value) {
    tx.audit(ctx, NewAuditEntry { action, entity: "customer", entity_id: id.to_string(), customer: Some(id), changes });
}

/// Applies a patch. The result is audited field by field (old → new).
pub fn update_customer(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    patch: CustomerPatch,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        let mut customer = clientele_store::load_checked(conn, id, scope, true)?;
        let unchanged = customer.clone();
        let before = clientele_store::flat_view(&customer);
        customer.apply(patch, ctx.at)?;
        clientele_store::check_customer_references(conn, &customer, Some(&unchanged), scope)?;
        clientele_store::write_customer(conn, &customer)?;
        let changes = clientele_store::audit_diff(&before, &clientele_store::flat_view(&customer));
        audit_customer(tx, ctx, "update", id, changes);
        Ok(customer)
    })
}

/// Sets (or replaces) a tag.
pub fn set_tag(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    tag: Tag,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        let mut customer = clientele_store::load_checked(conn, id, scope, true)?;
        let old = customer.tags.get(&tag.name).cloned();
        customer.set_tag(tag.clone(), ctx.at)?;
        clientele_store::write_tag(conn, &customer, &tag)?;
        audit_customer(tx, ctx, "tag", id, json!({ tag.name.as_str(): { "old": old, "new": tag } }));
        Ok(customer)
    })
}

/// Removes a tag. Removing a tag the customer does not have changes nothing.
pub fn remove_tag(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    name: &TagName,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        let mut customer = clientele_store::load_checked(conn, id, scope, true)?;
        if let Some(old) = customer.remove_tag(name, ctx.at)? {
            clientele_store::delete_tag(conn, &customer, name)?;
            audit_customer(tx, ctx, "untag", id, json!({ name.as_str(): { "old": old, "new": null } }));
        }
        Ok(customer)
    })
}

/// Records a consent decision. A decision older than the one on file
/// changes nothing (the newer decision per channel stands).
pub fn record_consent(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    consent: Consent,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        let mut customer = clientele_store::load_checked(conn, id, scope, true)?;
        let channel: Channel = consent.channel;
        let old = customer.consents.get(channel).cloned();
        customer.record_consent(consent, ctx.at)?;
        let new = customer.consents.get(channel).cloned();
        if old != new {
            clientele_store::write_consent(conn, &customer, channel)?;
            audit_customer(tx, ctx, "consent", id, json!({ channel.as_str(): { "old": old, "new": new } }));
        }
        Ok(customer)
    })
}

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
