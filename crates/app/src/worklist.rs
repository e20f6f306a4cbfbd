//! The associate's worklist (issue #12): built once a day per associate —
//! by the daily job, or by the first read of a day not built yet — and
//! read with the follow-ups due, without the clients reached lately, with
//! what the associate needs to know of each client (see
//! `clientele_clienteling::worklist` for the rules).

use chrono::{DateTime, NaiveDate, Utc};
use clientele_clienteling::worklist::{Entry, Horizons, favourite_categories, rank, reasons};
use clientele_kernel::TimeZone;
use clientele_profiles::{AssociateId, ClientelingSettings, StoreScope};
use clientele_store::clienteling::{ClientCard, KeptLine};
use clientele_store::{PgConnection, StoreError};
use std::collections::HashMap;

use uuid::Uuid;

use crate::suggestions::{Basis, Suggested, suggestions_for};

/// Favourite categories shown per client.
pub const FAVOURITES: usize = 3;
/// Last purchases shown per client.
pub const LAST_PURCHASES: usize = 3;

/// What the list shows of a client's purchases, worked out by the build
/// (live for a client put forward only by a follow-up).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Details {
    pub favourite_categories: Vec<String>,
    /// The last lines bought and kept, newest first.
    pub last_purchases: Vec<KeptLine>,
    /// The next-best product (or category), from what the client kept.
    pub next_best: Option<Suggested>,
}

/// One client put forward, with what the associate needs to reach them.
#[derive(Debug, Clone, PartialEq)]
pub struct WorklistItem {
    pub entry: Entry,
    pub card: ClientCard,
    /// Days from the last contact to the worklist's day.
    pub days_since_contact: Option<i64>,
    pub details: Details,
}

/// The details of these clients, from what they bought and kept.
fn details_of(conn: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Details>, StoreError> {
    let mut kept: HashMap<Uuid, Vec<KeptLine>> = ids.iter().map(|id| (*id, Vec::new())).collect();
    for line in clientele_store::clienteling::kept_lines(conn, ids)? {
        kept.entry(line.customer_id).or_default().push(line);
    }
    let mut next_best = suggestions_for(conn, &kept, Basis::Customer, 1)?;
    Ok(kept
        .into_iter()
        .map(|(id, lines)| {
            let details = Details {
                favourite_categories: favourite_categories(
                    lines.iter().map(|l| (l.category.as_deref(), l.paid_base)),
                    FAVOURITES,
                ),
                last_purchases: lines.iter().take(LAST_PURCHASES).cloned().collect(),
                next_best: next_best.remove(&id).and_then(|s| s.into_iter().next()),
            };
            (id, details)
        })
        .collect())
}

/// What a build found: clients looked at, and clients put forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Built {
    pub clients: usize,
    pub entries: usize,
}

/// Builds (again) the associate's worklist for `as_of`.
pub fn build(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Built, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let conn = tx.conn()?;
        clientele_store::clienteling::lock_worklist(conn, associate)?;
        build_locked(conn, associate, as_of, at)
    })
}

fn build_locked(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Built, StoreError> {
    let (programme, _) = clientele_store::program(conn)?;
    let facts = clientele_store::clienteling::client_facts(conn, associate, as_of)?;
    let horizons = Horizons::default();
    // Clients with a reason, and those with an open follow-up due (their
    // details ready for the read, though only the follow-up puts them
    // forward).
    let tasked: std::collections::HashSet<Uuid> =
        clientele_store::clienteling::follow_up_clients(conn, associate, as_of)?.into_iter().collect();
    let found: Vec<Entry> = facts
        .iter()
        .filter_map(|(f, clv)| {
            let found = reasons(f, as_of, &programme, &horizons);
            let keep = !found.is_empty() || tasked.contains(&f.customer.as_uuid());
            keep.then_some(Entry { customer: f.customer, clv: *clv, reasons: found, last_contact: None })
        })
        .collect();
    let mut entries = Vec::with_capacity(found.len());
    for chunk in found.chunks(1_000) {
        let ids: Vec<Uuid> = chunk.iter().map(|e| e.customer.as_uuid()).collect();
        let mut details = details_of(conn, &ids)?;
        for entry in chunk {
            let shown = details.remove(&entry.customer.as_uuid()).unwrap_or_default();
            let json =
                serde_json::to_value(&shown).map_err(|e| StoreError::Corrupt(format!("worklist details: {e}")))?;
            entries.push((entry.clone(), json));
        }
    }
    clientele_store::clienteling::save_build(conn, associate, as_of, (facts.len(), &entries), at)?;
    let put_forward = entries.iter().filter(|(e, _)| !e.reasons.is_empty()).count();
    Ok(Built { clients: facts.len(), entries: put_forward })
}

/// The daily job's part: every associate with clients, built for their
/// store's day at `now`.
pub fn build_all(conn: &mut PgConnection, now: DateTime<Utc>) -> Result<Built, StoreError> {
    let mut total = Built::default();
    for (associate, zone) in clientele_store::clienteling::associates_with_clients(conn)? {
        let built = build(conn, associate, local_day(Some(&zone), now), now)?;
        total.clients += built.clients;
        total.entries += built.entries;
    }
    Ok(total)
}

/// The day at `now` in a store's time zone (UTC's if it is unknown).
pub fn local_day(zone: Option<&str>, now: DateTime<Utc>) -> NaiveDate {
    let zone = zone.and_then(|z| TimeZone::parse(z).ok()).unwrap_or(TimeZone::UTC);
    now.with_timezone(&zone.tz()).date_naive()
}

/// Today in the associate's store (the worklist's day when none is asked).
pub fn associate_today(
    conn: &mut PgConnection,
    associate: AssociateId,
    now: DateTime<Utc>,
) -> Result<NaiveDate, StoreError> {
    let zone = clientele_store::clienteling::associate_time_zone(conn, associate)?;
    Ok(local_day(zone.as_deref(), now))
}

/// The associate's worklist on `as_of`, at most `limit` clients, for a
/// caller who may see the associate (else NotFound). Builds the day first
/// if it was not built.
pub fn worklist(
    conn: &mut PgConnection,
    associate: AssociateId,
    as_of: NaiveDate,
    (scope, limit): (&StoreScope, usize),
    at: DateTime<Utc>,
) -> Result<Vec<WorklistItem>, StoreError> {
    let mut errors = clientele_kernel::FieldErrors::new();
    clientele_store::check_org_references(conn, &mut errors, scope, None, Some(("id", associate)))?;
    if !errors.is_empty() {
        return Err(StoreError::NotFound);
    }
    if !clientele_store::clienteling::is_built(conn, associate, as_of)? {
        clientele_store::transaction(conn, |tx| {
            let conn = tx.conn()?;
            clientele_store::clienteling::lock_worklist(conn, associate)?;
            if !clientele_store::clienteling::is_built(conn, associate, as_of)? {
                build_locked(conn, associate, as_of, at)?;
            }
            Ok(())
        })?;
    }
    let (settings, _) = clientele_store::settings::settings::<ClientelingSettings>(conn)?;
    let days = settings.recent_contact_days;
    let since = as_of.checked_sub_days(chrono::Days::new(u64::from(days))).unwrap_or(NaiveDate::MIN);
    let wanted = i64::try_from(limit).unwrap_or(i64::MAX);
    let candidates = clientele_store::clienteling::worklist_candidates(conn, associate, as_of, since, wanted)?;
    let mut built: HashMap<Uuid, serde_json::Value> =
        candidates.iter().filter_map(|(e, d)| Some((e.customer.as_uuid(), d.clone()?))).collect();
    let ranked = rank(candidates.into_iter().map(|(e, _)| e).collect(), as_of, days, limit);
    let ids: Vec<Uuid> = ranked.iter().map(|e| e.customer.as_uuid()).collect();
    let mut cards = clientele_store::clienteling::client_cards(conn, &ids)?;
    let asked: Vec<Uuid> = ids.iter().filter(|id| !built.contains_key(id)).copied().collect();
    if !asked.is_empty() {
        built.extend(clientele_store::clienteling::built_details(conn, associate, as_of, &asked)?);
    }
    let unbuilt: Vec<Uuid> = ids.iter().filter(|id| !built.contains_key(id)).copied().collect();
    let mut live = if unbuilt.is_empty() { HashMap::new() } else { details_of(conn, &unbuilt)? };
    let mut items = Vec::with_capacity(ranked.len());
    for entry in ranked {
        let id = entry.customer.as_uuid();
        let Some(card) = cards.remove(&id) else { continue };
        let details = match built.remove(&id) {
            Some(json) => serde_json::from_value(json).map_err(clientele_store::corrupt("worklist_entries.details"))?,
            None => live.remove(&id).unwrap_or_default(),
        };
        items.push(WorklistItem {
            days_since_contact: entry.last_contact.map(|d| (as_of - d).num_days()),
            entry,
            card,
            details,
        });
    }
    Ok(items)
}
