//! Campaign records: the definition (kept as the campaigns crate writes it),
//! its status and spend, and who may see it.

use chrono::{DateTime, Utc};
use clientele_campaigns::CampaignSpec;
use clientele_kernel::StoreId;
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::audit::AuditContext;
use crate::error::StoreError;
use crate::schema::campaigns;

/// Where a campaign is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CampaignStatus {
    Draft,
    Running,
    Paused,
    Finished,
    /// Stopped before its budget would have been passed.
    BudgetExhausted,
}

impl CampaignStatus {
    /// The stable name, as stored and served.
    pub const fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Running => "running",
            CampaignStatus::Paused => "paused",
            CampaignStatus::Finished => "finished",
            CampaignStatus::BudgetExhausted => "budget_exhausted",
        }
    }

    fn parse(s: &str) -> Result<CampaignStatus, StoreError> {
        Ok(match s {
            "draft" => CampaignStatus::Draft,
            "running" => CampaignStatus::Running,
            "paused" => CampaignStatus::Paused,
            "finished" => CampaignStatus::Finished,
            "budget_exhausted" => CampaignStatus::BudgetExhausted,
            other => return Err(StoreError::Corrupt(format!("campaigns.status {other:?}"))),
        })
    }
}

/// A campaign as stored.
#[derive(Debug, Clone)]
pub struct StoredCampaign {
    pub id: Uuid,
    pub spec: CampaignSpec,
    pub status: CampaignStatus,
    /// The stores whose customers it may reach (None: every store).
    pub stores: Option<Vec<StoreId>>,
    pub spent: Decimal,
    pub created_by: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub launched_at: Option<DateTime<Utc>>,
    /// When a one-off campaign's round reached its whole audience.
    pub reached_at: Option<DateTime<Utc>>,
}

impl StoredCampaign {
    /// The scope its audience is drawn from.
    pub fn scope(&self) -> StoreScope {
        match &self.stores {
            None => StoreScope::All,
            Some(stores) => StoreScope::Stores(stores.iter().copied().collect()),
        }
    }

    /// True when a caller of `scope` may see it: every campaign for an
    /// all-stores key; for a store key, those limited to its stores.
    pub fn visible_to(&self, scope: &StoreScope) -> bool {
        match (scope, &self.stores) {
            (StoreScope::All, _) => true,
            (StoreScope::Stores(_), None) => false,
            (StoreScope::Stores(mine), Some(theirs)) => theirs.iter().all(|s| mine.contains(s)),
        }
    }
}

/// A campaign's row.
#[derive(Queryable, Selectable)]
#[diesel(table_name = campaigns)]
struct Row {
    id: Uuid,
    spec: Value,
    status: String,
    store_scope: Option<Vec<Uuid>>,
    spent: Decimal,
    created_by: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    launched_at: Option<DateTime<Utc>>,
    reached_at: Option<DateTime<Utc>>,
}

impl Row {
    fn into_campaign(self) -> Result<StoredCampaign, StoreError> {
        let spec =
            CampaignSpec::from_json(&self.spec).map_err(|e| StoreError::Corrupt(format!("campaigns.spec: {e:?}")))?;
        Ok(StoredCampaign {
            id: self.id,
            spec,
            status: CampaignStatus::parse(&self.status)?,
            stores: self.store_scope.map(|s| s.into_iter().map(StoreId::from_uuid).collect()),
            spent: self.spent,
            created_by: self.created_by,
            created_at: self.created_at,
            updated_at: self.updated_at,
            launched_at: self.launched_at,
            reached_at: self.reached_at,
        })
    }
}

/// Stores a new campaign as a draft.
pub fn insert_campaign(
    conn: &mut PgConnection,
    id: Uuid,
    spec: &CampaignSpec,
    stores: Option<&[StoreId]>,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    diesel::insert_into(campaigns::table)
        .values((
            campaigns::id.eq(id),
            campaigns::name.eq(&spec.name),
            campaigns::spec.eq(spec.to_json()),
            campaigns::status.eq(CampaignStatus::Draft.as_str()),
            campaigns::store_scope.eq(stores.map(|s| s.iter().map(|s| s.as_uuid()).collect::<Vec<_>>())),
            campaigns::created_by.eq(ctx.key_name.clone()),
            campaigns::created_at.eq(ctx.at),
            campaigns::updated_at.eq(ctx.at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Replaces a campaign's definition.
pub fn update_campaign_spec(
    conn: &mut PgConnection,
    id: Uuid,
    spec: &CampaignSpec,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    diesel::update(campaigns::table.find(id))
        .set((campaigns::name.eq(&spec.name), campaigns::spec.eq(spec.to_json()), campaigns::updated_at.eq(at)))
        .execute(conn)?;
    Ok(())
}

/// A campaign, or None; `lock` holds its row for the rest of the
/// transaction.
pub fn get_campaign(conn: &mut PgConnection, id: Uuid, lock: bool) -> Result<Option<StoredCampaign>, StoreError> {
    let query = campaigns::table.find(id).select(Row::as_select());
    let row: Option<Row> =
        if lock { query.for_update().first(conn).optional()? } else { query.first(conn).optional()? };
    row.map(Row::into_campaign).transpose()
}

/// Campaigns a caller of `scope` may see (see [`StoredCampaign::visible_to`]),
/// newest first, `limit` after the cursor (created_at, id).
pub fn list_campaigns(
    conn: &mut PgConnection,
    scope: &StoreScope,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: i64,
) -> Result<Vec<StoredCampaign>, StoreError> {
    let mut query = campaigns::table
        .select(Row::as_select())
        .order((campaigns::created_at.desc(), campaigns::id.desc()))
        .into_boxed();
    if let StoreScope::Stores(mine) = scope {
        let mine: Vec<Uuid> = mine.iter().map(|s| s.as_uuid()).collect();
        query = query.filter(campaigns::store_scope.is_contained_by(mine));
    }
    if let Some((at, id)) = after {
        query = query.filter(campaigns::created_at.lt(at).or(campaigns::created_at.eq(at).and(campaigns::id.lt(id))));
    }
    query.limit(limit).load::<Row>(conn)?.into_iter().map(Row::into_campaign).collect()
}

/// A contact a campaign made or decided against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    pub customer: Uuid,
    pub occurrence: String,
    /// `sent`, `task`, `held_out`, `no_consent`, `capped`, `over_budget`.
    pub outcome: String,
    pub channel: String,
    pub at: DateTime<Utc>,
    pub cost: Decimal,
}

/// The campaign's contacts with these customers, by customer then time.
pub fn contacts_of(
    conn: &mut PgConnection,
    campaign: Uuid,
    customers: &[Uuid],
) -> Result<Vec<ContactRecord>, StoreError> {
    use crate::schema::campaign_contacts as cc;
    let rows: Vec<ContactRow> = cc::table
        .filter(cc::campaign_id.eq(campaign))
        .filter(cc::customer_id.eq_any(customers))
        .order((cc::customer_id, cc::at))
        .select(ContactRow::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(contact).collect())
}

/// A [`ContactRecord`] as selected.
#[derive(Queryable, Selectable)]
#[diesel(table_name = crate::schema::campaign_contacts)]
struct ContactRow {
    customer_id: Uuid,
    occurrence: String,
    outcome: String,
    channel: String,
    at: DateTime<Utc>,
    cost: Decimal,
}

fn contact(r: ContactRow) -> ContactRecord {
    ContactRecord {
        customer: r.customer_id,
        occurrence: r.occurrence,
        outcome: r.outcome,
        channel: r.channel,
        at: r.at,
        cost: r.cost,
    }
}

/// Sets a campaign's status (and its launch time, on a launch).
pub fn set_campaign_status(
    conn: &mut PgConnection,
    id: Uuid,
    status: CampaignStatus,
    at: DateTime<Utc>,
    launched: bool,
) -> Result<(), StoreError> {
    diesel::update(campaigns::table.find(id))
        .set((campaigns::status.eq(status.as_str()), campaigns::updated_at.eq(at)))
        .execute(conn)?;
    if launched {
        diesel::update(campaigns::table.find(id)).set(campaigns::launched_at.eq(at)).execute(conn)?;
    }
    Ok(())
}

/// The ids of the running campaigns.
pub fn running_campaigns(conn: &mut PgConnection) -> Result<Vec<Uuid>, StoreError> {
    Ok(campaigns::table
        .filter(campaigns::status.eq(CampaignStatus::Running.as_str()))
        .select(campaigns::id)
        .order(campaigns::id)
        .load(conn)?)
}

/// One of a campaign's contacts, with the customer's member number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub member_no: String,
    pub contact: ContactRecord,
}

/// A page of a campaign's contacts, newest first (after `before`), of one
/// outcome or all.
pub fn campaign_messages(
    conn: &mut PgConnection,
    campaign: Uuid,
    outcome: Option<&str>,
    before: Option<(DateTime<Utc>, Uuid, String)>,
    limit: i64,
) -> Result<Vec<MessageRecord>, StoreError> {
    use crate::schema::{campaign_contacts as cc, customers};
    let mut query = cc::table
        .inner_join(customers::table.on(customers::customer_id.eq(cc::customer_id)))
        .filter(cc::campaign_id.eq(campaign))
        .order((cc::at.desc(), cc::customer_id.desc(), cc::occurrence.desc()))
        .select((customers::member_no, ContactRow::as_select()))
        .limit(limit)
        .into_boxed();
    if let Some(outcome) = outcome {
        query = query.filter(cc::outcome.eq(outcome.to_owned()));
    }
    if let Some((at, customer, occurrence)) = before {
        let same_customer = cc::customer_id.eq(customer).and(cc::occurrence.lt(occurrence));
        query = query.filter(cc::at.lt(at).or(cc::at.eq(at).and(cc::customer_id.lt(customer).or(same_customer))));
    }
    let rows: Vec<(String, ContactRow)> = query.load(conn)?;
    Ok(rows.into_iter().map(|(member_no, row)| MessageRecord { member_no, contact: contact(row) }).collect())
}

/// Records that a one-off campaign's round reached its whole audience.
pub fn mark_reached(conn: &mut PgConnection, id: Uuid, at: DateTime<Utc>) -> Result<(), StoreError> {
    diesel::update(campaigns::table.find(id)).set(campaigns::reached_at.eq(at)).execute(conn)?;
    Ok(())
}

/// Marks finished the running one-off campaigns that reached their audience
/// and have no message left to send; returns how many.
pub fn finish_reached_campaigns(conn: &mut PgConnection, at: DateTime<Utc>) -> Result<usize, StoreError> {
    Ok(diesel::sql_query(
        "UPDATE campaigns k SET status = 'finished', updated_at = $1 \
         WHERE k.status = 'running' AND k.reached_at IS NOT NULL AND NOT EXISTS \
           (SELECT 1 FROM campaign_contacts x WHERE x.campaign_id = k.id AND x.outcome = 'scheduled')",
    )
    .bind::<diesel::sql_types::Timestamptz, _>(at)
    .execute(conn)?)
}
