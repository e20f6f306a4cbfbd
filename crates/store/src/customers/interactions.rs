//! The timeline: visits, calls, messages, appointments, notes, complaints,
//! service requests, survey answers.

use chrono::{DateTime, Utc};
use clientele_kernel::{Actor, CustomerId, LongText, StoreId};
use clientele_profiles::{AssociateId, Interaction, InteractionDetail, InteractionId, StoreScope};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::access::check_visible;
use crate::error::{StoreError, corrupt};
use crate::schema::interactions;

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = interactions)]
struct InteractionRow {
    customer_id: Uuid,
    id: Uuid,
    kind: String,
    at: DateTime<Utc>,
    store_id: Option<Uuid>,
    associate_id: Option<Uuid>,
    note: Option<String>,
    detail: Value,
    status: Option<String>,
    resolved_at: Option<DateTime<Utc>>,
    recorded_by: String,
    created_at: DateTime<Utc>,
}

impl InteractionRow {
    fn from_domain(customer: CustomerId, i: &Interaction, created_at: DateTime<Utc>) -> Result<Self, StoreError> {
        let case = match &i.detail {
            InteractionDetail::Complaint { case } | InteractionDetail::ServiceRequest { case } => Some(case),
            _ => None,
        };
        Ok(InteractionRow {
            customer_id: customer.as_uuid(),
            id: i.id.as_uuid(),
            kind: i.detail.kind().as_str().to_owned(),
            at: i.at,
            store_id: i.store.map(|s| s.as_uuid()),
            associate_id: i.associate.map(|a| a.as_uuid()),
            note: i.note.as_ref().map(|n| n.as_str().to_owned()),
            detail: serde_json::to_value(&i.detail)?,
            status: case.map(|c| c.status().as_str().to_owned()),
            resolved_at: case.and_then(|c| c.resolved_at()),
            recorded_by: i.recorded_by.as_str().to_owned(),
            created_at,
        })
    }

    fn into_domain(self) -> Result<Interaction, StoreError> {
        Ok(Interaction {
            id: InteractionId::from_uuid(self.id),
            at: self.at,
            store: self.store_id.map(StoreId::from_uuid),
            associate: self.associate_id.map(AssociateId::from_uuid),
            note: self.note.as_deref().map(LongText::parse).transpose().map_err(corrupt("interactions.note"))?,
            detail: serde_json::from_value(self.detail)?,
            recorded_by: Actor::new(self.recorded_by).map_err(corrupt("interactions.recorded_by"))?,
        })
    }
}

/// Where a timeline page starts: after this entry (newest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimelineCursor {
    pub at: DateTime<Utc>,
    pub id: InteractionId,
}

/// One page of a timeline, newest first.
#[derive(Debug, Clone)]
pub struct TimelinePage {
    pub items: Vec<Interaction>,
    pub next: Option<TimelineCursor>,
}

/// Writes an entry of a customer's timeline.
pub fn insert_interaction(
    conn: &mut PgConnection,
    customer: CustomerId,
    interaction: &Interaction,
    created_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let row = InteractionRow::from_domain(customer, interaction, created_at)?;
    diesel::insert_into(interactions::table).values(&row).execute(conn)?;
    Ok(())
}

/// Writes many timeline entries at once (a campaign round's).
pub fn insert_interactions(
    conn: &mut PgConnection,
    entries: &[(CustomerId, Interaction)],
    created_at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let rows: Vec<InteractionRow> = entries
        .iter()
        .map(|(customer, i)| InteractionRow::from_domain(*customer, i, created_at))
        .collect::<Result<_, _>>()?;
    for chunk in rows.chunks(1_000) {
        diesel::insert_into(interactions::table).values(chunk).execute(conn)?;
    }
    Ok(())
}

/// A page of a customer's timeline, newest first.
pub fn timeline(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    before: Option<TimelineCursor>,
    limit: u32,
) -> Result<TimelinePage, StoreError> {
    check_visible(conn, customer, scope)?;
    let limit = i64::from(limit.clamp(1, 200));
    let mut query = interactions::table
        .filter(interactions::customer_id.eq(customer.as_uuid()))
        .order((interactions::at.desc(), interactions::id.desc()))
        .limit(limit + 1)
        .select(InteractionRow::as_select())
        .into_boxed();
    if let Some(c) = before {
        query = query
            .filter(interactions::at.lt(c.at).or(interactions::at.eq(c.at).and(interactions::id.lt(c.id.as_uuid()))));
    }
    let mut rows = query.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let items: Vec<Interaction> = rows.into_iter().map(InteractionRow::into_domain).collect::<Result<_, _>>()?;
    let next = if more { items.last().map(|i| TimelineCursor { at: i.at, id: i.id }) } else { None };
    Ok(TimelinePage { items, next })
}

/// The whole timeline of a customer, oldest first (for merge and export).
pub fn load_timeline_all(conn: &mut PgConnection, customer: CustomerId) -> Result<Vec<Interaction>, StoreError> {
    interactions::table
        .filter(interactions::customer_id.eq(customer.as_uuid()))
        .order((interactions::at.asc(), interactions::id.asc()))
        .select(InteractionRow::as_select())
        .load(conn)?
        .into_iter()
        .map(InteractionRow::into_domain)
        .collect()
}

/// Moves every entry of one customer's timeline to another. The distribution
/// column is never updated in place (Citus forbids it): rows are copied, then
/// deleted.
pub(crate) fn move_all(conn: &mut PgConnection, from: CustomerId, to: CustomerId) -> Result<(), StoreError> {
    let rows: Vec<InteractionRow> = interactions::table
        .filter(interactions::customer_id.eq(from.as_uuid()))
        .select(InteractionRow::as_select())
        .load(conn)?;
    if rows.is_empty() {
        return Ok(());
    }
    let moved: Vec<InteractionRow> =
        rows.into_iter().map(|r| InteractionRow { customer_id: to.as_uuid(), ..r }).collect();
    diesel::delete(interactions::table.filter(interactions::customer_id.eq(from.as_uuid()))).execute(conn)?;
    for chunk in moved.chunks(1000) {
        diesel::insert_into(interactions::table).values(chunk).on_conflict_do_nothing().execute(conn)?;
    }
    Ok(())
}

/// Erasure: free-text notes go; the kind, time and place of each entry stay.
pub(crate) fn redact_all(conn: &mut PgConnection, customer: CustomerId) -> Result<(), StoreError> {
    diesel::update(interactions::table.filter(interactions::customer_id.eq(customer.as_uuid())))
        .set(interactions::note.eq(None::<String>))
        .execute(conn)?;
    Ok(())
}
