//! Follow-ups as stored: written by hand through the API, by a campaign
//! step (`campaigns::record_follow_ups`), read for a customer, and changed
//! under a row lock.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, LongText, StoreId};
use clientele_profiles::{AssociateId, FollowUp, FollowUpId, FollowUpStatus};
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::follow_ups;

/// A follow-up with where it belongs and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFollowUp {
    pub customer: CustomerId,
    pub follow_up: FollowUp,
    /// The client's home store when it was made.
    pub store: Option<StoreId>,
    /// The campaign whose step made it.
    pub campaign: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, QueryableByName, Selectable)]
#[diesel(table_name = follow_ups)]
struct Row {
    id: Uuid,
    customer_id: Uuid,
    associate_id: Option<Uuid>,
    store_id: Option<Uuid>,
    due_on: NaiveDate,
    reason: String,
    campaign_id: Option<Uuid>,
    status: String,
    outcome: Option<String>,
    channel: Option<String>,
    created_by: String,
    created_at: DateTime<Utc>,
    done_at: Option<DateTime<Utc>>,
}

impl Row {
    fn into_stored(self) -> Result<StoredFollowUp, StoreError> {
        let follow_up = FollowUp {
            id: FollowUpId::from_uuid(self.id),
            associate: self.associate_id.map(AssociateId::from_uuid),
            due_on: self.due_on,
            reason: LongText::parse(&self.reason).map_err(corrupt("follow_ups.reason"))?,
            status: self.status.parse::<FollowUpStatus>().map_err(corrupt("follow_ups.status"))?,
            outcome: self.outcome.as_deref().map(LongText::parse).transpose().map_err(corrupt("follow_ups.outcome"))?,
            channel: self.channel.as_deref().map(str::parse).transpose().map_err(corrupt("follow_ups.channel"))?,
            closed_at: self.done_at,
        };
        Ok(StoredFollowUp {
            customer: CustomerId::from_uuid(self.customer_id),
            follow_up,
            store: self.store_id.map(StoreId::from_uuid),
            campaign: self.campaign_id,
            created_by: self.created_by,
            created_at: self.created_at,
        })
    }
}

/// Writes a new follow-up.
pub fn insert_follow_up(conn: &mut PgConnection, f: &StoredFollowUp) -> Result<(), StoreError> {
    let u = &f.follow_up;
    diesel::insert_into(follow_ups::table)
        .values((
            follow_ups::id.eq(u.id.as_uuid()),
            follow_ups::customer_id.eq(f.customer.as_uuid()),
            follow_ups::associate_id.eq(u.associate.map(|a| a.as_uuid())),
            follow_ups::store_id.eq(f.store.map(|s| s.as_uuid())),
            follow_ups::due_on.eq(u.due_on),
            follow_ups::reason.eq(u.reason.as_str()),
            follow_ups::campaign_id.eq(f.campaign),
            follow_ups::status.eq(u.status.as_str()),
            follow_ups::created_by.eq(&f.created_by),
            follow_ups::created_at.eq(f.created_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// One follow-up of a customer (locked for a change when `lock`).
pub fn get_follow_up(
    conn: &mut PgConnection,
    customer: CustomerId,
    id: FollowUpId,
    lock: bool,
) -> Result<Option<StoredFollowUp>, StoreError> {
    let query = follow_ups::table
        .filter(follow_ups::id.eq(id.as_uuid()))
        .filter(follow_ups::customer_id.eq(customer.as_uuid()))
        .select(Row::as_select());
    let row = if lock { query.for_update().first(conn).optional()? } else { query.first(conn).optional()? };
    row.map(Row::into_stored).transpose()
}

/// Writes a follow-up's changed fields (status, outcome, channel, due date,
/// associate, closing time).
pub fn update_follow_up(conn: &mut PgConnection, f: &FollowUp) -> Result<(), StoreError> {
    diesel::update(follow_ups::table.find(f.id.as_uuid()))
        .set((
            follow_ups::associate_id.eq(f.associate.map(|a| a.as_uuid())),
            follow_ups::due_on.eq(f.due_on),
            follow_ups::status.eq(f.status.as_str()),
            follow_ups::outcome.eq(f.outcome.as_ref().map(LongText::as_str)),
            follow_ups::channel.eq(f.channel.map(|c| c.as_str())),
            follow_ups::done_at.eq(f.closed_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// A customer's follow-ups, by due date (open ones only when `open_only`).
pub fn follow_ups_of(
    conn: &mut PgConnection,
    customer: CustomerId,
    open_only: bool,
) -> Result<Vec<StoredFollowUp>, StoreError> {
    let mut query = follow_ups::table
        .filter(follow_ups::customer_id.eq(customer.as_uuid()))
        .order((follow_ups::due_on, follow_ups::id))
        .select(Row::as_select())
        .into_boxed();
    if open_only {
        query = query.filter(follow_ups::status.eq(FollowUpStatus::Open.as_str()));
    }
    query.load(conn)?.into_iter().map(Row::into_stored).collect()
}

/// The client's associate and home store (what a new follow-up is for by
/// default, and where it belongs).
pub fn client_book(
    conn: &mut PgConnection,
    customer: CustomerId,
) -> Result<(Option<AssociateId>, Option<StoreId>), StoreError> {
    use crate::schema::customers;
    let (associate, store): (Option<Uuid>, Option<Uuid>) = customers::table
        .find(customer.as_uuid())
        .select((customers::associate_id, customers::home_store_id))
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    Ok((associate.map(AssociateId::from_uuid), store.map(StoreId::from_uuid)))
}

/// Hands the clients of `from` over to `to`: all of them, or those listed,
/// within the caller's stores (live customers only), with their open
/// follow-ups that were `from`'s, and forgets the worklists built for `to`.
/// Returns the customers moved, by id, and how many follow-ups went with
/// them.
pub fn hand_over(
    conn: &mut PgConnection,
    from: AssociateId,
    to: AssociateId,
    listed: Option<&[CustomerId]>,
    scope: &clientele_profiles::StoreScope,
    at: DateTime<Utc>,
) -> Result<(Vec<Uuid>, usize), StoreError> {
    #[derive(QueryableByName)]
    struct Moved {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        customer_id: Uuid,
    }
    let listed: Option<Vec<Uuid>> = listed.map(|l| l.iter().map(|c| c.as_uuid()).collect());
    let stores: Option<Vec<Uuid>> = match scope {
        clientele_profiles::StoreScope::All => None,
        clientele_profiles::StoreScope::Stores(s) => Some(s.iter().map(|s| s.as_uuid()).collect()),
    };
    use diesel::sql_types::{Array, Nullable, Timestamptz, Uuid as SqlUuid};
    let mut moved: Vec<Uuid> = diesel::sql_query(
        "UPDATE customers SET associate_id = $2, updated_at = $5 \
         WHERE associate_id = $1 AND merged_into IS NULL AND erased_at IS NULL \
           AND ($3::uuid[] IS NULL OR customer_id = ANY($3)) \
           AND ($4::uuid[] IS NULL OR home_store_id = ANY($4)) \
         RETURNING customer_id",
    )
    .bind::<SqlUuid, _>(from.as_uuid())
    .bind::<SqlUuid, _>(to.as_uuid())
    .bind::<Nullable<Array<SqlUuid>>, _>(listed)
    .bind::<Nullable<Array<SqlUuid>>, _>(stores)
    .bind::<Timestamptz, _>(at)
    .load::<Moved>(conn)?
    .into_iter()
    .map(|m| m.customer_id)
    .collect();
    moved.sort_unstable();
    let follow_ups = diesel::update(
        follow_ups::table
            .filter(follow_ups::associate_id.eq(from.as_uuid()))
            .filter(follow_ups::status.eq(FollowUpStatus::Open.as_str()))
            .filter(follow_ups::customer_id.eq_any(&moved)),
    )
    .set(follow_ups::associate_id.eq(to.as_uuid()))
    .execute(conn)?;
    if !moved.is_empty() {
        // The receiver's worklists are built again at their next read, with
        // the clients they were given.
        diesel::delete(
            crate::schema::worklist_builds::table.filter(crate::schema::worklist_builds::associate_id.eq(to.as_uuid())),
        )
        .execute(conn)?;
    }
    Ok((moved, follow_ups))
}

/// Writes the thank-you follow-ups due for purchases of `from..=to`
/// (business dates) of at least `min_amount` paid (base currency), once per
/// order: for the client's associate, due `after_days` after the purchase.
/// Orders with a return are left out, as are anonymous sales and customers
/// merged away or erased. Returns the follow-ups written, with the
/// customer, for their timeline entries.
pub fn write_thank_yous(
    conn: &mut PgConnection,
    rule: &clientele_profiles::ThankYouRule,
    (from, to): (NaiveDate, NaiveDate),
    at: DateTime<Utc>,
) -> Result<Vec<StoredFollowUp>, StoreError> {
    use diesel::sql_types::{Date, Integer, Numeric, Timestamptz};
    let rows: Vec<Row> = diesel::sql_query(
        "INSERT INTO follow_ups (id, customer_id, associate_id, store_id, due_on, reason, occurrence, created_by, created_at) \
         SELECT gen_random_uuid(), o.customer_id, c.associate_id, c.home_store_id, o.business_date + $4, \
                'Thank-you call: ' || o.amount_paid::text || ' ' || o.currency || ' on ' || o.business_date::text \
                  || ' (order ' || o.external_id || ')', \
                'thank_you:' || o.order_id::text, 'thank_you_rule', $5 \
         FROM orders o JOIN customers c ON c.customer_id = o.customer_id \
         WHERE o.business_date BETWEEN $1 AND $2 AND o.amount_paid_base >= $3 \
           AND c.merged_into IS NULL AND c.erased_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM order_returns r WHERE r.customer_id = o.customer_id AND r.order_id = o.order_id) \
         ON CONFLICT DO NOTHING \
         RETURNING id, customer_id, associate_id, store_id, due_on, reason, campaign_id, status, outcome, channel, \
                   created_by, created_at, done_at",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(to)
    .bind::<Numeric, _>(rule.min_amount())
    .bind::<Integer, _>(i32::try_from(rule.after_days()).unwrap_or(i32::MAX))
    .bind::<Timestamptz, _>(at)
    .load(conn)?;
    rows.into_iter().map(Row::into_stored).collect()
}
