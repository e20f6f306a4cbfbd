//! What a campaign round reads and writes: the campaign's contacts so far
//! with its customers, their consent and home store's time zone, every
//! campaign's messages to them on a channel (the frequency cap), the
//! recent tier upgrades; and, written in the round's transaction, the
//! contacts and their cost, follow-ups for associates and timeline entries.
//! Then the delivery step: the scheduled messages whose time has come,
//! with what their `campaign.message` event carries, marked sent (or
//! without consent, when it was withdrawn meanwhile).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_campaigns::SentMessage;
use clientele_loyalty::Tier;
use clientele_profiles::Channel;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::batch::Val;
use crate::error::StoreError;
use crate::schema::{campaign_contacts as cc, stores};
use crate::tx::Tx;

/// Contacts that count against a campaign's per-customer limit.
const CONTACTS: [&str; 4] = ["scheduled", "sent", "task", "held_out"];

/// What a round needs to know about one customer it may reach.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetInfo {
    pub customer: Uuid,
    /// The home store's time zone (IANA name), if the customer has one.
    pub zone: Option<String>,
    /// Consent for the campaign's channel, now.
    pub consented: bool,
    /// The campaign's contacts with the customer so far (see `CONTACTS`).
    pub contacted: u32,
    /// The occurrences the campaign already decided on for the customer,
    /// whatever the outcome.
    pub decided: Vec<String>,
}

#[derive(QueryableByName)]
struct InfoRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Nullable<Text>)]
    zone: Option<String>,
    #[diesel(sql_type = Bool)]
    consented: bool,
    #[diesel(sql_type = BigInt)]
    contacted: i64,
    #[diesel(sql_type = diesel::sql_types::Array<Text>)]
    decided: Vec<String>,
}

/// [`TargetInfo`] of these customers for a campaign on a channel, by id.
pub fn target_info(
    conn: &mut PgConnection,
    campaign: Uuid,
    channel: Channel,
    customers: &[Uuid],
) -> Result<Vec<TargetInfo>, StoreError> {
    let rows: Vec<InfoRow> = diesel::sql_query(
        "SELECT c.customer_id, s.time_zone AS zone, \
           EXISTS (SELECT 1 FROM customer_consents k WHERE k.customer_id = c.customer_id \
                   AND k.channel = $2 AND k.granted) AS consented, \
           (SELECT count(*) FROM campaign_contacts x WHERE x.campaign_id = $3 AND x.customer_id = c.customer_id \
              AND x.outcome = ANY($4)) AS contacted, \
           ARRAY(SELECT x.occurrence FROM campaign_contacts x WHERE x.campaign_id = $3 \
                 AND x.customer_id = c.customer_id) AS decided \
         FROM customers c LEFT JOIN stores s ON s.id = c.home_store_id \
         WHERE c.customer_id = ANY($1) ORDER BY c.customer_id",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(customers)
    .bind::<Text, _>(channel.as_str())
    .bind::<SqlUuid, _>(campaign)
    .bind::<diesel::sql_types::Array<Text>, _>(&CONTACTS[..])
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| TargetInfo {
            customer: r.customer_id,
            zone: r.zone,
            consented: r.consented,
            contacted: u32::try_from(r.contacted).unwrap_or(u32::MAX),
            decided: r.decided,
        })
        .collect())
}

/// The time zone most stores are in: the programme's, for customers
/// without a home store (None when there is no store).
pub fn main_time_zone(conn: &mut PgConnection) -> Result<Option<String>, StoreError> {
    Ok(stores::table
        .group_by(stores::time_zone)
        .select(stores::time_zone)
        .order((diesel::dsl::count_star().desc(), stores::time_zone))
        .first(conn)
        .optional()?)
}

/// The messages every campaign sent or scheduled to these customers on a
/// channel, sent after `since` (past and future), by customer.
pub fn cap_history(
    conn: &mut PgConnection,
    customers: &[Uuid],
    channel: Channel,
    since: DateTime<Utc>,
) -> Result<HashMap<Uuid, Vec<SentMessage>>, StoreError> {
    let rows: Vec<(Uuid, DateTime<Utc>)> = cc::table
        .filter(cc::customer_id.eq_any(customers))
        .filter(cc::channel.eq(channel.as_str()))
        // Written out, not bound: the planner uses the cap's partial index
        // only for a predicate it can prove implies the index's.
        .filter(diesel::dsl::sql::<Bool>("outcome IN ('scheduled', 'sent')"))
        .filter(cc::at.gt(since))
        .select((cc::customer_id, cc::at))
        .load(conn)?;
    let mut history: HashMap<Uuid, Vec<SentMessage>> = HashMap::new();
    for (customer, at) in rows {
        history.entry(customer).or_default().push(SentMessage { channel, at });
    }
    Ok(history)
}

/// A change of effective tier, from the `tier.changed` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TierChange {
    pub customer: Uuid,
    pub from: Tier,
    pub to: Tier,
    pub on: NaiveDate,
}

#[derive(QueryableByName)]
struct ChangeRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Text)]
    from_tier: String,
    #[diesel(sql_type = Text)]
    to_tier: String,
    #[diesel(sql_type = diesel::sql_types::Date)]
    on_date: NaiveDate,
}

/// The tier changes written since `since`, oldest first: of every
/// customer, or of those in `of`.
pub fn tier_changes_since(
    conn: &mut PgConnection,
    since: DateTime<Utc>,
    of: Option<&[Uuid]>,
) -> Result<Vec<TierChange>, StoreError> {
    let rows: Vec<ChangeRow> = diesel::sql_query(
        "SELECT customer_id, payload->'change'->>'from' AS from_tier, payload->'change'->>'to' AS to_tier, \
                (payload->'change'->>'on')::date AS on_date \
         FROM outbox WHERE event_type = 'tier.changed' AND created_at >= $1 AND customer_id IS NOT NULL \
           AND ($2::uuid[] IS NULL OR customer_id = ANY($2)) ORDER BY id",
    )
    .bind::<Timestamptz, _>(since)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Array<SqlUuid>>, _>(of)
    .load(conn)?;
    let tier = |s: &str| s.parse::<Tier>().map_err(|e| StoreError::Corrupt(format!("tier.changed: {e}")));
    rows.into_iter()
        .map(|r| {
            Ok(TierChange { customer: r.customer_id, from: tier(&r.from_tier)?, to: tier(&r.to_tier)?, on: r.on_date })
        })
        .collect()
}

/// One decision of a round, as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewContact {
    pub customer: Uuid,
    pub occurrence: String,
    pub outcome: &'static str,
    pub at: DateTime<Utc>,
    pub cost: Decimal,
}

/// A follow-up for a client's associate, made by a campaign step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewFollowUp {
    pub id: Uuid,
    pub customer: Uuid,
    pub due_on: NaiveDate,
    pub reason: String,
    pub occurrence: String,
}

/// Writes a round's decisions and adds their cost to the campaign's spend.
/// A decision already recorded for the same occurrence is kept as it was.
pub fn record_contacts(
    tx: &mut Tx<'_>,
    campaign: Uuid,
    channel: Channel,
    contacts: &[NewContact],
    cost: Decimal,
) -> Result<(), StoreError> {
    let rows: Vec<Vec<Val>> = contacts
        .iter()
        .map(|c| {
            vec![
                campaign.into(),
                c.customer.into(),
                c.occurrence.clone().into(),
                c.outcome.to_owned().into(),
                channel.as_str().to_owned().into(),
                c.at.into(),
                c.cost.into(),
            ]
        })
        .collect();
    tx.writes().insert(
        "campaign_contacts",
        &["campaign_id", "customer_id", "occurrence", "outcome", "channel", "at", "cost"],
        rows,
        "ON CONFLICT DO NOTHING",
    );
    if !cost.is_zero() {
        tx.writes()
            .statement("UPDATE campaigns SET spent = spent + $? WHERE id = $?", vec![cost.into(), campaign.into()]);
    }
    Ok(())
}

/// Writes follow-ups for the clients' associates (and home stores), from
/// a campaign step.
pub fn record_follow_ups(
    tx: &mut Tx<'_>,
    campaign: Uuid,
    follow_ups: &[NewFollowUp],
    created_by: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for chunk in follow_ups.chunks(2_000) {
        let ids: Vec<Uuid> = chunk.iter().map(|f| f.id).collect();
        let customers: Vec<Uuid> = chunk.iter().map(|f| f.customer).collect();
        let due: Vec<NaiveDate> = chunk.iter().map(|f| f.due_on).collect();
        let reasons: Vec<&str> = chunk.iter().map(|f| f.reason.as_str()).collect();
        let occurrences: Vec<&str> = chunk.iter().map(|f| f.occurrence.as_str()).collect();
        diesel::sql_query(
            "INSERT INTO follow_ups (id, customer_id, associate_id, store_id, due_on, reason, campaign_id, occurrence, \
                                     created_by, created_at) \
             SELECT f.id, f.customer_id, c.associate_id, c.home_store_id, f.due_on, f.reason, $6, f.occurrence, $7, $8 \
             FROM unnest($1::uuid[], $2::uuid[], $3::date[], $4::text[], $5::text[]) \
                  AS f (id, customer_id, due_on, reason, occurrence) \
             JOIN customers c ON c.customer_id = f.customer_id \
             ON CONFLICT DO NOTHING",
        )
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(&ids)
        .bind::<diesel::sql_types::Array<SqlUuid>, _>(&customers)
        .bind::<diesel::sql_types::Array<diesel::sql_types::Date>, _>(&due)
        .bind::<diesel::sql_types::Array<Text>, _>(&reasons)
        .bind::<diesel::sql_types::Array<Text>, _>(&occurrences)
        .bind::<SqlUuid, _>(campaign)
        .bind::<Text, _>(created_by)
        .bind::<Timestamptz, _>(at)
        .execute(tx.conn()?)?;
    }
    Ok(())
}

/// A scheduled message whose time has come, with what its event carries.
#[derive(Debug, Clone, QueryableByName)]
pub struct DueMessage {
    #[diesel(sql_type = SqlUuid)]
    pub campaign_id: Uuid,
    #[diesel(sql_type = Text)]
    pub campaign_name: String,
    #[diesel(sql_type = SqlUuid)]
    pub customer_id: Uuid,
    #[diesel(sql_type = Text)]
    pub occurrence: String,
    #[diesel(sql_type = Text)]
    pub channel: String,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    pub cost: Decimal,
    #[diesel(sql_type = Text)]
    pub member_no: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub phone: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub wechat: Option<String>,
    #[diesel(sql_type = Text)]
    pub tier: String,
    #[diesel(sql_type = BigInt)]
    pub points: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub store_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub associate_id: Option<Uuid>,
    /// Consent for the channel now, and the customer neither erased nor
    /// merged away.
    #[diesel(sql_type = Bool)]
    pub reachable: bool,
}

/// Up to `limit` scheduled messages due at `now` of campaigns that are not
/// paused, locked (another instance's delivery skips them).
pub fn due_messages(conn: &mut PgConnection, now: DateTime<Utc>, limit: i64) -> Result<Vec<DueMessage>, StoreError> {
    Ok(diesel::sql_query(
        "SELECT x.campaign_id, k.name AS campaign_name, x.customer_id, x.occurrence, x.channel, x.at, x.cost, \
                c.member_no, c.name, c.phones[1] AS phone, c.email, \
                (SELECT e->>'id' FROM jsonb_array_elements(c.external_ids) e \
                 WHERE e->>'system' LIKE 'wechat%' ORDER BY e->>'system' DESC LIMIT 1) AS wechat, \
                coalesce(a.tier, 'S1') AS tier, coalesce(a.points_balance, 0)::int8 AS points, \
                c.home_store_id AS store_id, c.associate_id, \
                (c.erased_at IS NULL AND c.merged_into IS NULL AND EXISTS (SELECT 1 FROM customer_consents g \
                   WHERE g.customer_id = x.customer_id AND g.channel = x.channel AND g.granted)) AS reachable \
         FROM campaign_contacts x \
         JOIN campaigns k ON k.id = x.campaign_id AND k.status <> 'paused' \
         JOIN customers c ON c.customer_id = x.customer_id \
         LEFT JOIN loyalty_accounts a ON a.customer_id = x.customer_id \
         WHERE x.outcome = 'scheduled' AND x.at <= $1 \
         ORDER BY x.at, x.campaign_id, x.customer_id LIMIT $2 FOR UPDATE OF x SKIP LOCKED",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(limit)
    .load(conn)?)
}

/// Marks delivered messages `sent`, and those that could not go
/// `no_consent` with their cost given back to the campaign.
pub fn mark_delivered(tx: &mut Tx<'_>, delivered: &[(&DueMessage, bool)]) -> Result<(), StoreError> {
    let campaigns: Vec<Uuid> = delivered.iter().map(|(m, _)| m.campaign_id).collect();
    let customers: Vec<Uuid> = delivered.iter().map(|(m, _)| m.customer_id).collect();
    let occurrences: Vec<&str> = delivered.iter().map(|(m, _)| m.occurrence.as_str()).collect();
    let outcomes: Vec<&str> = delivered.iter().map(|(_, sent)| if *sent { "sent" } else { "no_consent" }).collect();
    diesel::sql_query(
        "UPDATE campaign_contacts x SET outcome = u.outcome, cost = CASE WHEN u.outcome = 'sent' THEN x.cost ELSE 0 END \
         FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS u (campaign_id, customer_id, occurrence, outcome) \
         WHERE x.campaign_id = u.campaign_id AND x.customer_id = u.customer_id AND x.occurrence = u.occurrence",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&campaigns)
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(&customers)
    .bind::<diesel::sql_types::Array<Text>, _>(&occurrences)
    .bind::<diesel::sql_types::Array<Text>, _>(&outcomes)
    .execute(tx.conn()?)?;
    let mut refunds: HashMap<Uuid, Decimal> = HashMap::new();
    for (m, sent) in delivered {
        if !*sent {
            *refunds.entry(m.campaign_id).or_default() += m.cost;
        }
    }
    for (campaign, refund) in refunds.into_iter().filter(|(_, r)| !r.is_zero()) {
        diesel::update(crate::schema::campaigns::table.find(campaign))
            .set(crate::schema::campaigns::spent.eq(crate::schema::campaigns::spent - refund))
            .execute(tx.conn()?)?;
    }
    Ok(())
}
