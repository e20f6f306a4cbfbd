//! Follow-ups for a client's associate (issue #12): made by hand, changed
//! (done with an outcome and a channel, cancelled, moved to another day or
//! associate) and listed. Each step is one transaction of the scope checks,
//! the write, a timeline entry and the audit entry. Campaign steps make
//! follow-ups too (`campaigns::round`), and so does the thank-you rule
//! ([`thank_you_follow_ups`]); a client book is handed over with its open
//! follow-ups ([`hand_over`]).

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, CustomerId, FieldErrors, LongText, StoreId};
use clientele_profiles::{
    AssociateId, ClientelingSettings, FollowUp, FollowUpChange, FollowUpError, FollowUpId, FollowUpStatus, Interaction,
    InteractionDetail, InteractionId, StoreScope,
};
use clientele_store::{AuditContext, Conflict, NewAuditEntry, PgConnection, StoreError, StoredFollowUp, Tx};
use serde_json::json;
use uuid::Uuid;

/// A follow-up asked for: when, why, and for whom (the client's own
/// associate when not given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub due_on: NaiveDate,
    pub reason: LongText,
    pub associate: Option<AssociateId>,
}

/// Checks that an associate named by the caller exists within its scope.
fn check_associate(tx: &mut Tx<'_>, scope: &StoreScope, associate: Option<AssociateId>) -> Result<(), StoreError> {
    let mut errors = FieldErrors::new();
    clientele_store::check_org_references(
        tx.conn()?,
        &mut errors,
        scope,
        None,
        associate.map(|a| ("associate_id", a)),
    )?;
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

/// The timeline entry of a follow-up's step.
fn entry(f: &FollowUp, store: Option<StoreId>, ctx: &AuditContext) -> Interaction {
    let note = match f.status {
        FollowUpStatus::Done => f.outcome.clone().or_else(|| Some(f.reason.clone())),
        _ => Some(f.reason.clone()),
    };
    Interaction {
        id: InteractionId::from_uuid(Uuid::now_v7()),
        at: ctx.at,
        store,
        associate: f.associate,
        note,
        detail: InteractionDetail::FollowUp {
            follow_up: f.id.as_uuid(),
            status: f.status,
            due_on: f.due_on,
            channel: f.channel,
        },
        recorded_by: Actor::new(ctx.actor_name()).unwrap_or_else(|_| Actor::system()),
    }
}

/// Makes a follow-up for a customer the caller may write to (audited, on
/// the timeline).
pub fn create_follow_up(
    conn: &mut PgConnection,
    customer: CustomerId,
    new: NewFollowUp,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredFollowUp, StoreError> {
    clientele_store::transaction(conn, |tx| {
        clientele_store::check_writable(tx.conn()?, customer, scope)?;
        check_associate(tx, scope, new.associate)?;
        let (own, store) = clientele_store::client_book(tx.conn()?, customer)?;
        let stored = StoredFollowUp {
            customer,
            follow_up: FollowUp {
                id: FollowUpId::from_uuid(Uuid::now_v7()),
                associate: new.associate.or(own),
                due_on: new.due_on,
                reason: new.reason,
                status: FollowUpStatus::Open,
                outcome: None,
                channel: None,
                closed_at: None,
            },
            store,
            campaign: None,
            created_by: ctx.actor_name(),
            created_at: ctx.at,
        };
        clientele_store::insert_follow_up(tx.conn()?, &stored)?;
        clientele_store::insert_interaction(tx.conn()?, customer, &entry(&stored.follow_up, store, ctx), ctx.at)?;
        let f = &stored.follow_up;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "follow_up",
                entity_id: f.id.to_string(),
                customer: Some(customer),
                changes: json!({ "due_on": f.due_on, "associate_id": f.associate, "reason": f.reason.as_str() }),
            },
        );
        Ok(stored)
    })
}

/// Changes a follow-up of a customer the caller may write to, under its
/// row lock (audited; a closing step on the timeline). 409
/// `follow_up_closed` once it is done or cancelled.
pub fn change_follow_up(
    conn: &mut PgConnection,
    customer: CustomerId,
    id: FollowUpId,
    change: &FollowUpChange,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredFollowUp, StoreError> {
    clientele_store::transaction(conn, |tx| {
        clientele_store::check_writable(tx.conn()?, customer, scope)?;
        let current = clientele_store::get_follow_up(tx.conn()?, customer, id, true)?.ok_or(StoreError::NotFound)?;
        let changed = current.follow_up.apply(change, ctx.at).map_err(|e| match e {
            FollowUpError::Closed(status) => StoreError::Conflict(Conflict::FollowUpClosed { status: status.as_str() }),
            FollowUpError::Invalid(errors) => StoreError::Invalid(errors),
        })?;
        check_associate(tx, scope, change.associate)?;
        clientele_store::update_follow_up(tx.conn()?, &changed)?;
        if changed.status != FollowUpStatus::Open {
            clientele_store::insert_interaction(tx.conn()?, customer, &entry(&changed, current.store, ctx), ctx.at)?;
        }
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "update",
                entity: "follow_up",
                entity_id: id.to_string(),
                customer: Some(customer),
                changes: json!({
                    "status": { "before": current.follow_up.status.as_str(), "after": changed.status.as_str() },
                    "due_on": changed.due_on,
                    "associate_id": changed.associate,
                    "channel": changed.channel.map(|c| c.as_str()),
                }),
            },
        );
        Ok(StoredFollowUp { follow_up: changed, ..current })
    })
}

/// A customer's follow-ups by due date (open ones only when `open_only`),
/// for a caller who may see the customer.
pub fn follow_ups(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    open_only: bool,
) -> Result<Vec<StoredFollowUp>, StoreError> {
    clientele_store::check_visible(conn, customer, scope)?;
    clientele_store::follow_ups_of(conn, customer, open_only)
}

/// What a hand-over moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandOver {
    pub customers: Vec<Uuid>,
    pub follow_ups: usize,
}

/// Hands an associate's clients (all, or those listed) over to another
/// associate, with their open follow-ups; each client's change audited. A
/// store-scoped caller moves only their stores' clients, between associates
/// of their stores. A listed customer who is not the associate's client is
/// 422 naming `customers[i]`.
pub fn hand_over(
    conn: &mut PgConnection,
    from: AssociateId,
    to: AssociateId,
    listed: Option<&[CustomerId]>,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<HandOver, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let mut errors = FieldErrors::new();
        clientele_store::check_org_references(tx.conn()?, &mut errors, scope, None, Some(("id", from)))?;
        if !errors.is_empty() {
            return Err(StoreError::NotFound);
        }
        if from == to {
            errors.push("to", clientele_kernel::InvalidValue::new("invalid_value", "must be another associate"));
            return Err(StoreError::Invalid(errors));
        }
        check_associate_field(tx, scope, "to", to)?;
        let (moved, follow_ups) = clientele_store::hand_over(tx.conn()?, from, to, listed, scope, ctx.at)?;
        for (i, c) in listed.unwrap_or_default().iter().enumerate() {
            if moved.binary_search(&c.as_uuid()).is_err() {
                errors.push(
                    format!("customers[{i}]"),
                    clientele_kernel::InvalidValue::new(
                        "not_a_client",
                        "not a client of this associate in your stores",
                    ),
                );
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(errors));
        }
        for customer in &moved {
            tx.audit(
                ctx,
                NewAuditEntry {
                    action: "hand_over",
                    entity: "customer",
                    entity_id: customer.to_string(),
                    customer: Some(CustomerId::from_uuid(*customer)),
                    changes: json!({ "associate_id": { "before": from, "after": to } }),
                },
            );
        }
        Ok(HandOver { customers: moved, follow_ups })
    })
}

fn check_associate_field(tx: &mut Tx<'_>, scope: &StoreScope, field: &str, a: AssociateId) -> Result<(), StoreError> {
    let mut errors = FieldErrors::new();
    clientele_store::check_org_references(tx.conn()?, &mut errors, scope, None, Some((field, a)))?;
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

/// Advisory lock key of the thank-you job.
pub const THANK_YOU_LOCK: i64 = 0x636c_6965_6e74_0013;

/// The thank-you job at `now`: under the programme's thank-you rule (none:
/// nothing to do), a follow-up for the client's associate for each purchase
/// whose call is due today or was due in the grace days before (once per
/// order, however often it runs), each on the timeline. Returns how many
/// were made; None when another instance holds the lock.
pub fn thank_you_follow_ups(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Option<usize>, StoreError> {
    clientele_store::with_job_lock(conn, THANK_YOU_LOCK, |conn| {
        let (settings, _) = clientele_store::settings::settings::<ClientelingSettings>(conn)?;
        let Some(rule) = settings.thank_you else { return Ok(0) };
        clientele_store::transaction(conn, |tx| {
            let days = rule.purchase_days(now.date_naive());
            let made = clientele_store::write_thank_yous(tx.conn()?, &rule, days, now)?;
            let ctx = AuditContext::system(now);
            let timeline: Vec<(CustomerId, Interaction)> =
                made.iter().map(|m| (m.customer, entry(&m.follow_up, m.store, &ctx))).collect();
            clientele_store::insert_interactions(tx.conn()?, &timeline, now)?;
            Ok(made.len())
        })
    })
}
