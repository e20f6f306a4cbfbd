//! The associate's worklist in PostgreSQL: the facts of an associate's
//! clients for the daily build, the build's entries, and the read that
//! adds the follow-ups due and leaves out the clients reached lately (see
//! `clientele_clienteling::worklist`).
//!
//! A **contact** is what an associate did with the client: a visit, call,
//! message or appointment on the timeline, or a follow-up marked done.
//! Campaign messages and purchases are not contacts. Its day is the UTC day.
//! The read runs prepared statements only (the query builder's, which each
//! connection keeps): planning a statement cost more than running it.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_clienteling::worklist::{ClientFacts, Entry, LatestSnapshot, PreviousSnapshot, Reason, Upgrade};
use clientele_kernel::CustomerId;
use clientele_loyalty::{GrowthValue, Tier};
use clientele_profiles::{AssociateId, Birthday, FollowUpId};
use diesel::prelude::*;
use diesel::sql_types::{Array, Date, Int2, Int4, Int8, Jsonb, Nullable, Numeric, Text, Uuid as SqlUuid};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{
    customers, follow_ups, interactions, points_lots, segment_runs, segment_snapshots, worklist_builds,
    worklist_entries,
};

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
/// with at least one reason — put forward — and clients with an open
/// follow-up and none, each with what the list shows of them; their last
/// contact is not kept) and records the build; drops the associate's
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
            worklist_builds::entries.eq(count(entries.iter().filter(|(e, _)| !e.reasons.is_empty()).count())?),
        ))
        .execute(conn)?;
    for chunk in entries.chunks(1_000) {
        let ids: Vec<Uuid> = chunk.iter().map(|(e, _)| e.customer.as_uuid()).collect();
        let clvs: Vec<Option<Decimal>> = chunk.iter().map(|(e, _)| e.clv).collect();
        let details: Vec<serde_json::Value> = chunk.iter().map(|(_, d)| d.clone()).collect();
        let put_forward: Vec<bool> = chunk.iter().map(|(e, _)| !e.reasons.is_empty()).collect();
        let reasons = chunk
            .iter()
            .map(|(e, _)| serde_json::to_value(&e.reasons))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| StoreError::Corrupt(format!("worklist reasons: {e}")))?;
        diesel::sql_query(
            "INSERT INTO worklist_entries (associate_id, as_of, customer_id, clv, reasons, details, put_forward) \
             SELECT $1, $2, * FROM unnest($3::uuid[], $4::numeric[], $5::jsonb[], $6::jsonb[], $7::bool[])",
        )
        .bind::<SqlUuid, _>(a)
        .bind::<Date, _>(as_of)
        .bind::<Array<SqlUuid>, _>(ids)
        .bind::<Array<Nullable<Numeric>>, _>(clvs)
        .bind::<Array<Jsonb>, _>(reasons)
        .bind::<Array<Jsonb>, _>(details)
        .bind::<Array<diesel::sql_types::Bool>, _>(put_forward)
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

/// What the associate's build for `as_of` worked out to show of these
/// clients (those it has).
pub fn built_details(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, serde_json::Value>, StoreError> {
    let rows: Vec<(Uuid, Option<serde_json::Value>)> = worklist_entries::table
        .filter(worklist_entries::associate_id.eq(associate.as_uuid()))
        .filter(worklist_entries::as_of.eq(as_of))
        .filter(worklist_entries::customer_id.eq_any(ids))
        .select((worklist_entries::customer_id, worklist_entries::details))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, d)| Some((id, d?))).collect())
}

/// The clients of the associate's open follow-ups due on or before `as_of`.
pub fn follow_up_clients(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
) -> Result<Vec<Uuid>, StoreError> {
    Ok(follow_ups::table
        .filter(follow_ups::associate_id.eq(associate.as_uuid()))
        .filter(follow_ups::status.eq("open"))
        .filter(follow_ups::due_on.le(as_of))
        .select(follow_ups::customer_id)
        .distinct()
        .load(conn)?)
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

/// The contacts that count: what an associate did with the client.
const CONTACT_KINDS: [&str; 4] = ["visit", "call", "message", "appointment"];

/// Each client's last contact (UTC day) on or before `as_of`. Two indexed
/// reads, each a prepared statement the connection keeps.
fn last_contacts(
    conn: &mut PgConnection,
    ids: &[Uuid],
    as_of: NaiveDate,
) -> Result<HashMap<Uuid, NaiveDate>, StoreError> {
    use diesel::dsl::max;
    let end = as_of.succ_opt().unwrap_or(as_of).and_time(chrono::NaiveTime::MIN).and_utc();
    let met: Vec<(Uuid, Option<DateTime<Utc>>)> = interactions::table
        .filter(interactions::customer_id.eq_any(ids))
        .filter(interactions::kind.eq_any(CONTACT_KINDS))
        .filter(interactions::at.lt(end))
        .group_by(interactions::customer_id)
        .select((interactions::customer_id, max(interactions::at)))
        .load(conn)?;
    let done: Vec<(Uuid, Option<DateTime<Utc>>)> = follow_ups::table
        .filter(follow_ups::customer_id.eq_any(ids))
        .filter(follow_ups::status.eq("done"))
        .filter(follow_ups::done_at.lt(end))
        .group_by(follow_ups::customer_id)
        .select((follow_ups::customer_id, max(follow_ups::done_at)))
        .load(conn)?;
    let mut last: HashMap<Uuid, NaiveDate> = HashMap::new();
    for (id, at) in met.into_iter().chain(done) {
        if let Some(day) = at.map(|t| t.date_naive()) {
            let known = last.entry(id).or_insert(day);
            *known = (*known).max(day);
        }
    }
    Ok(last)
}

/// A client of the read: the entry (reasons, value, last contact) and what
/// the build worked out to show of them (None for a follow-up: the read
/// asks [`built_details`] for the few it keeps).
pub type Candidate = (Entry, Option<serde_json::Value>);

type EntryRow = (Uuid, Option<Decimal>, serde_json::Value, Option<serde_json::Value>);

/// The read: the associate's built entries for `as_of` whose client is
/// still theirs and was not reached on or after `since` — the `limit`
/// most valuable — and the open follow-ups of the associate due on or
/// before `as_of` of the `limit` most valuable clients who have one, each
/// with the client's value and last contact. What
/// `clientele_clienteling::worklist::rank` merges and ranks. The entries
/// are read a page at a time, most valuable first, until `limit` are not
/// reached lately (every statement is a prepared one: a read plans none).
pub fn worklist_candidates(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    since: NaiveDate,
    limit: i64,
) -> Result<Vec<Candidate>, StoreError> {
    let mut tasks = tasks(conn, associate, as_of, limit)?;
    let page = limit.saturating_mul(2).max(20);
    let mut found: Vec<Candidate> = Vec::new();
    let mut offset = 0;
    while (found.len() as i64) < limit {
        // The page in rank order straight from the partial index; which of
        // its clients are still live and the associate's is a second read
        // by key (a join here makes the planner hash the whole book).
        let rows: Vec<EntryRow> = worklist_entries::table
            .filter(worklist_entries::associate_id.eq(associate.as_uuid()))
            .filter(worklist_entries::as_of.eq(as_of))
            .filter(worklist_entries::put_forward)
            .order((worklist_entries::clv.desc().nulls_last(), worklist_entries::customer_id))
            .select((
                worklist_entries::customer_id,
                worklist_entries::clv,
                worklist_entries::reasons,
                worklist_entries::details,
            ))
            .limit(page)
            .offset(offset)
            .load(conn)?;
        let mut ids: Vec<Uuid> = rows.iter().map(|r| r.0).collect();
        let theirs = live_clients(conn, &ids, Some(associate))?;
        // The tasks' clients' last contacts come with the first page's.
        if offset == 0 {
            ids.extend(tasks.iter().map(|t| t.customer.as_uuid()));
        }
        let contacts = last_contacts(conn, &ids, as_of)?;
        if offset == 0 {
            for task in &mut tasks {
                task.last_contact = contacts.get(&task.customer.as_uuid()).copied();
            }
        }
        let exhausted = (rows.len() as i64) < page;
        for (id, clv, reasons, details) in rows {
            let last_contact = contacts.get(&id).copied();
            let skip = !theirs.contains(&id) || last_contact.is_some_and(|d| d >= since);
            if skip || found.len() as i64 >= limit {
                continue;
            }
            let reasons: Vec<Reason> = serde_json::from_value(reasons).map_err(corrupt("worklist_entries.reasons"))?;
            found.push((Entry { customer: CustomerId::from_uuid(id), clv, reasons, last_contact }, details));
        }
        if exhausted {
            break;
        }
        offset += page;
    }
    found.extend(tasks.into_iter().map(|e| (e, None)));
    Ok(found)
}

type TaskRow = (Uuid, Uuid, NaiveDate, String, Option<Uuid>, Option<Decimal>);

/// The associate's open follow-ups due on or before `as_of`, of live
/// clients, as entries (value from the latest snapshot on or before the
/// day, last contact): every follow-up of the `limit` most valuable clients
/// who have one, read most valuable first a page at a time (a client with
/// a follow-up is put forward whatever else; the others cannot rank).
fn tasks(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    limit: i64,
) -> Result<Vec<Entry>, StoreError> {
    let (latest, _) = snapshot_dates(conn, as_of)?;
    // A client often has several follow-ups (a thank-you call per large
    // purchase): a page of a few per client is most often the only one.
    let page = limit.saturating_mul(8).max(100);
    // Clients wanted: one more than the limit, so the last one kept is
    // known to be whole (a client's rows are together).
    let wanted = usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1);
    let mut rows: Vec<TaskRow> = Vec::new();
    let mut offset = 0;
    loop {
        let got: Vec<TaskRow> = follow_ups::table
            .left_join(
                segment_snapshots::table.on(segment_snapshots::customer_id
                    .eq(follow_ups::customer_id)
                    .and(segment_snapshots::as_of.nullable().eq(latest))),
            )
            .filter(follow_ups::associate_id.eq(associate.as_uuid()))
            .filter(follow_ups::status.eq("open"))
            .filter(follow_ups::due_on.le(as_of))
            .order((
                segment_snapshots::clv.desc().nulls_last(),
                follow_ups::customer_id,
                follow_ups::due_on,
                follow_ups::id,
            ))
            .select((
                follow_ups::id,
                follow_ups::customer_id,
                follow_ups::due_on,
                follow_ups::reason,
                follow_ups::campaign_id,
                segment_snapshots::clv.nullable(),
            ))
            .limit(page)
            .offset(offset)
            .load(conn)?;
        let exhausted = (got.len() as i64) < page;
        let live = live_among(conn, &got, wanted.saturating_sub(client_starts(&rows).count()))?;
        rows.extend(got.into_iter().filter(|r| live.contains(&r.1)));
        if exhausted || client_starts(&rows).count() >= wanted {
            break;
        }
        offset += page;
    }
    // The rows of the first `limit` clients (those after may be partial).
    let first_dropped = client_starts(&rows).nth(usize::try_from(limit).unwrap_or(usize::MAX));
    rows.truncate(first_dropped.unwrap_or(rows.len()));
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    Ok(rows
        .into_iter()
        .map(|(id, customer, due_on, reason, campaign, clv)| {
            let follow_up = FollowUpId::from_uuid(id);
            let reason = match campaign {
                Some(campaign) => Reason::CampaignTask { follow_up, campaign, due_on, reason },
                None => Reason::FollowUpDue { follow_up, due_on, reason },
            };
            Entry { customer: CustomerId::from_uuid(customer), clv, reasons: vec![reason], last_contact: None }
        })
        .collect())
}

/// The first of the clients of `rows` (in their order) that are live —
/// not merged away, not erased — at most `wanted`, asked by key a few at
/// a time (the join would look up every row's client).
fn live_among(
    conn: &mut PgConnection,
    rows: &[TaskRow],
    wanted: usize,
) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    let order: Vec<Uuid> = client_starts(rows).map(|i| rows[i].1).collect();
    let mut live = std::collections::HashSet::new();
    let mut next = 0;
    while live.len() < wanted && next < order.len() {
        let chunk = &order[next..order.len().min(next + (wanted - live.len()))];
        next += chunk.len();
        live.extend(live_clients(conn, chunk, None)?);
    }
    Ok(live)
}

/// Which of these customers are live (not merged away, not erased) — and,
/// with `of`, still that associate's clients. One prepared statement
/// whatever is asked.
fn live_clients(
    conn: &mut PgConnection,
    ids: &[Uuid],
    of: Option<AssociateId>,
) -> Result<std::collections::HashSet<Uuid>, StoreError> {
    let rows: Vec<(Uuid, Option<Uuid>)> = customers::table
        .filter(customers::customer_id.eq_any(ids))
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .select((customers::customer_id, customers::associate_id))
        .load(conn)?;
    let wanted = of.map(|a| a.as_uuid());
    Ok(rows.into_iter().filter(|(_, theirs)| wanted.is_none_or(|a| *theirs == Some(a))).map(|(id, _)| id).collect())
}

/// Where each client's rows start (a client's rows are together).
fn client_starts(rows: &[TaskRow]) -> impl Iterator<Item = usize> + '_ {
    (0..rows.len()).filter(|&i| i == 0 || rows[i - 1].1 != rows[i].1)
}

/// Holds, for the rest of the transaction, the right to build this
/// associate's worklist (two first reads of the day build it once).
pub fn lock_worklist(conn: &mut PgConnection, associate: AssociateId) -> Result<(), StoreError> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended('worklist:' || $1::text, 0))")
        .bind::<SqlUuid, _>(associate.as_uuid())
        .execute(conn)?;
    Ok(())
}
