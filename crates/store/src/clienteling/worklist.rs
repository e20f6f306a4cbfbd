//! The associate's worklist in PostgreSQL: the facts of an associate's
//! clients for the daily build, the build's entries, and the read that
//! adds the follow-ups due and leaves out the clients reached lately (see
//! `clientele_clienteling::worklist`).
//!
//! A **contact** is what an associate did with the client: a visit, call,
//! message or appointment on the timeline, or a follow-up marked done.
//! Campaign messages and purchases are not contacts. Its day is the UTC day.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_clienteling::worklist::{ClientFacts, Entry, LatestSnapshot, PreviousSnapshot, Reason, Upgrade};
use clientele_kernel::CustomerId;
use clientele_loyalty::{GrowthValue, Tier};
use clientele_profiles::{AssociateId, Birthday, FollowUpId};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Int2, Int4, Int8, Jsonb, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{points_lots, segment_runs, worklist_builds};

fn parse<T: std::str::FromStr>(column: &'static str, s: &str) -> Result<T, StoreError>
where
    T::Err: std::fmt::Display,
{
    s.parse().map_err(|e: T::Err| StoreError::Corrupt(format!("{column}: {e}")))
}

#[derive(QueryableByName)]
struct FactRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Nullable<Date>)]
    birthday: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Text>)]
    segment: Option<String>,
    #[diesel(sql_type = Nullable<Int2>)]
    m: Option<i16>,
    #[diesel(sql_type = Nullable<Numeric>)]
    p_alive: Option<Decimal>,
    #[diesel(sql_type = Nullable<Date>)]
    first_purchase: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    snapshot_last: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Int4>)]
    repeat_purchases: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    previous_segment: Option<String>,
    #[diesel(sql_type = Nullable<Numeric>)]
    previous_p_alive: Option<Decimal>,
    #[diesel(sql_type = Nullable<Text>)]
    tier: Option<String>,
    #[diesel(sql_type = Nullable<Int8>)]
    growth_value: Option<i64>,
    #[diesel(sql_type = Nullable<Date>)]
    last_purchase: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Numeric>)]
    clv: Option<Decimal>,
}

impl FactRow {
    fn facts(self) -> Result<(ClientFacts, Option<Decimal>), StoreError> {
        let latest = match (self.segment, self.m, self.first_purchase, self.snapshot_last) {
            (Some(segment), Some(m), Some(first), Some(last)) => Some(LatestSnapshot {
                segment: parse("segment_snapshots.segment", &segment)?,
                monetary_score: u8::try_from(m).map_err(corrupt("segment_snapshots.m"))?,
                p_alive: self.p_alive,
                first_purchase: first,
                last_purchase: last,
                repeat_purchases: u32::try_from(self.repeat_purchases.unwrap_or(0)).unwrap_or(0),
            }),
            _ => None,
        };
        let previous = self
            .previous_segment
            .map(|s| -> Result<_, StoreError> {
                Ok(PreviousSnapshot {
                    segment: parse("segment_snapshots.segment", &s)?,
                    p_alive: self.previous_p_alive,
                })
            })
            .transpose()?;
        let tier = match (self.tier, self.growth_value) {
            (Some(t), Some(g)) => Some((
                parse::<Tier>("loyalty_accounts.tier", &t)?,
                GrowthValue::new(g).map_err(corrupt("loyalty_accounts.growth_value"))?,
            )),
            _ => None,
        };
        let facts = ClientFacts {
            customer: CustomerId::from_uuid(self.customer_id),
            birthday: self.birthday.map(Birthday::try_from).transpose().map_err(corrupt("customers.birthday"))?,
            important_dates: Vec::new(),
            latest,
            previous,
            last_purchase: self.last_purchase,
            expiring: Vec::new(),
            tier,
            upgrades: Vec::new(),
        };
        Ok((facts, self.clv))
    }
}

/// The two latest segment runs on or before `today`.
fn snapshot_dates(
    conn: &mut PgConnection,
    today: NaiveDate,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), StoreError> {
    let dates: Vec<NaiveDate> = segment_runs::table
        .filter(segment_runs::as_of.le(today))
        .select(segment_runs::as_of)
        .order(segment_runs::as_of.desc())
        .limit(2)
        .load(conn)?;
    Ok((dates.first().copied(), dates.get(1).copied()))
}

/// The facts on `today` of the associate's clients (live: not merged away,
/// not erased), each with their lifetime value in the latest snapshot.
pub fn client_facts(
    conn: &mut PgConnection,
    associate: AssociateId,
    today: NaiveDate,
) -> Result<Vec<(ClientFacts, Option<Decimal>)>, StoreError> {
    let (latest, previous) = snapshot_dates(conn, today)?;
    let rows: Vec<FactRow> = diesel::sql_query(
        "SELECT c.customer_id, c.birthday, s.segment, s.m, s.p_alive, s.first_purchase, \
                s.last_purchase AS snapshot_last, s.repeat_purchases, s.clv, \
                p.segment AS previous_segment, p.p_alive AS previous_p_alive, a.tier, a.growth_value, \
                (SELECT max(o.business_date) FROM orders o WHERE o.customer_id = c.customer_id \
                   AND o.business_date <= $2) AS last_purchase \
         FROM customers c \
         LEFT JOIN segment_snapshots s ON s.customer_id = c.customer_id AND s.as_of = $3 \
         LEFT JOIN segment_snapshots p ON p.customer_id = c.customer_id AND p.as_of = $4 \
         LEFT JOIN loyalty_accounts a ON a.customer_id = c.customer_id \
         WHERE c.associate_id = $1 AND c.merged_into IS NULL AND c.erased_at IS NULL \
         ORDER BY c.customer_id",
    )
    .bind::<SqlUuid, _>(associate.as_uuid())
    .bind::<Date, _>(today)
    .bind::<Nullable<Date>, _>(latest)
    .bind::<Nullable<Date>, _>(previous)
    .load(conn)?;
    let mut facts = rows.into_iter().map(FactRow::facts).collect::<Result<Vec<_>, _>>()?;
    let index: HashMap<Uuid, usize> = facts.iter().enumerate().map(|(i, (f, _))| (f.customer.as_uuid(), i)).collect();
    let ids: Vec<Uuid> = index.keys().copied().collect();
    for (id, date) in crate::campaigns::important_dates_of(conn, &ids)? {
        facts[index[&id]].0.important_dates.push(date);
    }
    let lots: Vec<(Uuid, Option<NaiveDate>, i64)> = points_lots::table
        .filter(points_lots::customer_id.eq_any(&ids))
        .filter(points_lots::remaining.gt(0))
        .filter(points_lots::expires_on.ge(today))
        .select((points_lots::customer_id, points_lots::expires_on, points_lots::remaining))
        .load(conn)?;
    for (id, on, points) in lots {
        if let Some(on) = on {
            facts[index[&id]].0.expiring.push((on, points));
        }
    }
    for (id, upgrade) in upgrades_of(conn, &ids, today)? {
        facts[index[&id]].0.upgrades.push(upgrade);
    }
    Ok(facts)
}

/// The tier changes of these clients in the 31 days up to `today` (the
/// pure rule keeps the upgrades within its horizon).
fn upgrades_of(conn: &mut PgConnection, ids: &[Uuid], today: NaiveDate) -> Result<Vec<(Uuid, Upgrade)>, StoreError> {
    let start = today.checked_sub_days(chrono::Days::new(31)).unwrap_or(NaiveDate::MIN);
    let since = start.and_time(chrono::NaiveTime::MIN).and_utc();
    let changes = crate::campaigns::tier_changes_since(conn, since, Some(ids))?;
    Ok(changes.into_iter().map(|c| (c.customer, Upgrade { from: c.from, to: c.to, on: c.on })).collect())
}

/// Replaces the associate's build for `as_of` with these entries (clients
/// with at least one reason, each with what the list shows of them; their
/// last contact is not kept) and records the build; drops the associate's
/// builds older than a week before `as_of`.
pub fn save_build(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    (clients, entries): (usize, &[(Entry, serde_json::Value)]),
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let a = associate.as_uuid();
    let old = as_of.checked_sub_days(chrono::Days::new(7)).unwrap_or(NaiveDate::MIN);
    diesel::delete(
        worklist_builds::table
            .filter(worklist_builds::associate_id.eq(a))
            .filter(worklist_builds::as_of.eq(as_of).or(worklist_builds::as_of.lt(old))),
    )
    .execute(conn)?;
    let count = |n: usize| i32::try_from(n).map_err(|_| StoreError::Corrupt(format!("worklist of {n} clients")));
    diesel::insert_into(worklist_builds::table)
        .values((
            worklist_builds::associate_id.eq(a),
            worklist_builds::as_of.eq(as_of),
            worklist_builds::built_at.eq(at),
            worklist_builds::clients.eq(count(clients)?),
            worklist_builds::entries.eq(count(entries.len())?),
        ))
        .execute(conn)?;
    for chunk in entries.chunks(1_000) {
        let ids: Vec<Uuid> = chunk.iter().map(|(e, _)| e.customer.as_uuid()).collect();
        let clvs: Vec<Option<Decimal>> = chunk.iter().map(|(e, _)| e.clv).collect();
        let details: Vec<serde_json::Value> = chunk.iter().map(|(_, d)| d.clone()).collect();
        let reasons = chunk
            .iter()
            .map(|(e, _)| serde_json::to_value(&e.reasons))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("worklist reasons: {e}")))?;
        diesel::sql_query(
            "INSERT INTO worklist_entries (associate_id, as_of, customer_id, clv, reasons, details) \
             SELECT $1, $2, * FROM unnest($3::uuid[], $4::numeric[], $5::jsonb[], $6::jsonb[])",
        )
        .bind::<SqlUuid, _>(a)
        .bind::<Date, _>(as_of)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Nullable<Numeric>>, _>(clvs)
        .bind::<Array<Jsonb>, _>(reasons)
        .bind::<Array<Jsonb>, _>(details)
        .execute(conn)?;
    }
    Ok(())
}

/// True when the associate's worklist for `as_of` was built.
pub fn is_built(conn: &mut PgConnection, associate: AssociateId, as_of: NaiveDate) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        worklist_builds::table
            .filter(worklist_builds::associate_id.eq(associate.as_uuid()))
            .filter(worklist_builds::as_of.eq(as_of)),
    ))
    .get_result(conn)?)
}

/// The active associates with at least one live client, with their
/// store's time zone, for the daily build.
pub fn associates_with_clients(conn: &mut PgConnection) -> Result<Vec<(AssociateId, String)>, StoreError> {
    let rows: Vec<ZoneRow> = diesel::sql_query(
        "SELECT a.id, s.time_zone FROM associates a JOIN stores s ON s.id = a.store_id \
         WHERE a.active AND EXISTS (SELECT 1 FROM customers c \
           WHERE c.associate_id = a.id AND c.merged_into IS NULL AND c.erased_at IS NULL) ORDER BY a.id",
    )
    .load(conn)?;
    Ok(rows.into_iter().map(|r| (AssociateId::from_uuid(r.id), r.time_zone)).collect())
}

/// The time zone of the associate's store (None: no such associate).
pub fn associate_time_zone(conn: &mut PgConnection, associate: AssociateId) -> Result<Option<String>, StoreError> {
    use crate::schema::{associates, stores};
    Ok(associates::table
        .inner_join(stores::table)
        .filter(associates::id.eq(associate.as_uuid()))
        .select(stores::time_zone)
        .first(conn)
        .optional()?)
}

#[derive(QueryableByName)]
struct ZoneRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    time_zone: String,
}

#[derive(QueryableByName)]
struct EntryRow {
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Nullable<Numeric>)]
    clv: Option<Decimal>,
    #[diesel(sql_type = Jsonb)]
    reasons: serde_json::Value,
    #[diesel(sql_type = Nullable<Jsonb>)]
    details: Option<serde_json::Value>,
    #[diesel(sql_type = Nullable<Date>)]
    last_contact: Option<NaiveDate>,
}

/// The day from which a contact makes a client "reached lately".
const CONTACT: &str = "(SELECT max(x) FROM ( \
       SELECT max(i.at) AS x FROM interactions i WHERE i.customer_id = {c} \
         AND i.kind IN ('visit', 'call', 'message', 'appointment') AND i.at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC' \
       UNION ALL SELECT max(f.done_at) FROM follow_ups f WHERE f.customer_id = {c} AND f.status = 'done' \
         AND f.done_at < ($2::date + 1)::timestamp AT TIME ZONE 'UTC') t)";

fn last_contact(column: &str) -> String {
    format!("((({}) AT TIME ZONE 'UTC')::date)", CONTACT.replace("{c}", column))
}

/// A client of the read: the entry (reasons, value, last contact) and what
/// the build worked out to show of them (None: not built, e.g. a client
/// put forward only by a follow-up).
pub type Candidate = (Entry, Option<serde_json::Value>);

/// The read: the associate's built entries for `as_of` whose client is
/// still theirs and was not reached on or after `since` — the `limit`
/// most valuable — and every open follow-up of the associate due on or
/// before `as_of`, each with the client's value and last contact. What
/// `clientele_clienteling::worklist::rank` merges and ranks.
pub fn worklist_candidates(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    since: NaiveDate,
    limit: i64,
) -> Result<Vec<Candidate>, StoreError> {
    let built: Vec<EntryRow> = diesel::sql_query(format!(
        "SELECT * FROM (SELECT w.customer_id, w.clv, w.reasons, w.details, {} AS last_contact \
           FROM worklist_entries w \
           JOIN customers c ON c.customer_id = w.customer_id AND c.associate_id = w.associate_id \
             AND c.merged_into IS NULL AND c.erased_at IS NULL \
           WHERE w.associate_id = $1 AND w.as_of = $2 \
           ORDER BY w.clv DESC NULLS LAST, w.customer_id) e \
         WHERE coalesce(e.last_contact >= $3, false) = false LIMIT $4",
        last_contact("w.customer_id")
    ))
    .bind::<SqlUuid, _>(associate.as_uuid())
    .bind::<Date, _>(as_of)
    .bind::<Date, _>(since)
    .bind::<BigInt, _>(limit)
    .load(conn)?;
    let mut entries = built
        .into_iter()
        .map(|r| {
            let reasons: Vec<Reason> =
                serde_json::from_value(r.reasons).map_err(corrupt("worklist_entries.reasons"))?;
            let entry = Entry {
                customer: CustomerId::from_uuid(r.customer_id),
                clv: r.clv,
                reasons,
                last_contact: r.last_contact,
            };
            Ok((entry, r.details))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    entries.extend(tasks(conn, associate, as_of)?.into_iter().map(|e| (e, None)));
    Ok(entries)
}

#[derive(QueryableByName)]
struct TaskRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    customer_id: Uuid,
    #[diesel(sql_type = Date)]
    due_on: NaiveDate,
    #[diesel(sql_type = Text)]
    reason: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    campaign_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Numeric>)]
    clv: Option<Decimal>,
    #[diesel(sql_type = Nullable<Date>)]
    last_contact: Option<NaiveDate>,
}

/// The associate's open follow-ups due on or before `as_of`, of live
/// clients, as entries (value from the latest snapshot).
fn tasks(conn: &mut PgConnection, associate: AssociateId, as_of: NaiveDate) -> Result<Vec<Entry>, StoreError> {
    let rows: Vec<TaskRow> = diesel::sql_query(format!(
        "SELECT f.id, f.customer_id, f.due_on, f.reason, f.campaign_id, {} AS last_contact, \
                (SELECT s.clv FROM segment_snapshots s WHERE s.customer_id = f.customer_id \
                   AND s.as_of = (SELECT max(as_of) FROM segment_runs WHERE as_of <= $2)) AS clv \
         FROM follow_ups f JOIN customers c ON c.customer_id = f.customer_id \
           AND c.merged_into IS NULL AND c.erased_at IS NULL \
         WHERE f.associate_id = $1 AND f.status = 'open' AND f.due_on <= $2 ORDER BY f.due_on, f.id",
        last_contact("f.customer_id")
    ))
    .bind::<SqlUuid, _>(associate.as_uuid())
    .bind::<Date, _>(as_of)
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let follow_up = FollowUpId::from_uuid(r.id);
            let reason = match r.campaign_id {
                Some(campaign) => Reason::CampaignTask { follow_up, campaign, due_on: r.due_on, reason: r.reason },
                None => Reason::FollowUpDue { follow_up, due_on: r.due_on, reason: r.reason },
            };
            Entry {
                customer: CustomerId::from_uuid(r.customer_id),
                clv: r.clv,
                reasons: vec![reason],
                last_contact: r.last_contact,
            }
        })
        .collect())
}

/// Holds, for the rest of the transaction, the right to build this
/// associate's worklist (two first reads of the day build it once).
pub fn lock_worklist(conn: &mut PgConnection, associate: AssociateId) -> Result<(), StoreError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('worklist:' || $1::text, 0))")
        .bind::<SqlUuid, _>(associate.as_uuid())
        .execute(conn)?;
    Ok(())
}
