//! The associate's worklist: which of their clients to reach today, and
//! why. The daily build looks at each client's facts on a day and writes
//! down the reasons found ([`reasons`]); the read adds the follow-ups due,
//! leaves out the clients reached lately and ranks what is left by the
//! value at stake, the client's lifetime value ([`rank`]).
//!
//! A reason comes from the client's facts on the day asked:
//! - an **important date** (their birthday, a child's birthday, an
//!   anniversary, …) within [`Horizons::dates_days`];
//! - a **top client lapsing** — a client whose spend scores 4 or 5 (the top
//!   two fifths, [`Horizons::top_monetary_score`]) who moved into At Risk or
//!   Can't Lose Them since the previous snapshot, whose chance of being
//!   still active fell by more than [`Horizons::p_alive_drop`], or who has
//!   not bought for longer than their own usual gap between purchases;
//! - **points expiring** within [`Horizons::expiry_days`];
//! - **just upgraded** (within [`Horizons::upgraded_days`]), or **close to
//!   the next tier** (the growth value missing is at most
//!   [`Horizons::close_to_tier`] of the next tier's minimum);
//! - a **follow-up due** or a **campaign task** (a follow-up a campaign step
//!   made), added at read time, since they change during the day.

use chrono::{Days, NaiveDate};
use clientele_kernel::{CustomerId, InvalidValue};
use clientele_loyalty::config::ProgramConfig;
use clientele_loyalty::{GrowthValue, Tier};
use clientele_profiles::{Birthday, FollowUpId, ImportantDate, ImportantDateKind, Relation};
use clientele_rfm::Segment;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod words;

/// How far ahead and back the reasons look. The defaults are the issue's:
/// 14 days for dates and upgrades, 30 for expiring points, 20 points of
/// P(alive), within 10 % of the next tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Horizons {
    /// Important dates from today to this many days ahead.
    pub dates_days: u32,
    /// Points expiring from today to this many days ahead.
    pub expiry_days: u32,
    /// Upgrades on this many days back to today.
    pub upgraded_days: u32,
    /// A fall of P(alive) greater than this (0–1) between snapshots.
    pub p_alive_drop: Decimal,
    /// Growth value missing for the next tier, as a share of its minimum.
    pub close_to_tier: Decimal,
    /// The lowest M score of a top client.
    pub top_monetary_score: u8,
}

impl Default for Horizons {
    fn default() -> Horizons {
        Horizons {
            dates_days: 14,
            expiry_days: 30,
            upgraded_days: 14,
            p_alive_drop: Decimal::new(20, 2),
            close_to_tier: Decimal::new(10, 2),
            top_monetary_score: 4,
        }
    }
}

/// A client's latest segment snapshot, as the worklist reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestSnapshot {
    pub segment: Segment,
    /// The M (spend) score, 1–5.
    pub monetary_score: u8,
    pub p_alive: Option<Decimal>,
    pub first_purchase: NaiveDate,
    pub last_purchase: NaiveDate,
    /// Purchases after the first.
    pub repeat_purchases: u32,
}

/// The snapshot before the latest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousSnapshot {
    pub segment: Segment,
    pub p_alive: Option<Decimal>,
}

/// A move to a higher tier, from the `tier.changed` events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Upgrade {
    pub from: Tier,
    pub to: Tier,
    pub on: NaiveDate,
}

/// What the daily build knows of one client on a day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFacts {
    pub customer: CustomerId,
    pub birthday: Option<Birthday>,
    pub important_dates: Vec<ImportantDate>,
    pub latest: Option<LatestSnapshot>,
    pub previous: Option<PreviousSnapshot>,
    /// The last order on or before the day (fresher than the snapshot's).
    pub last_purchase: Option<NaiveDate>,
    /// Points left on lots with an expiry date: (expires on, points).
    pub expiring: Vec<(NaiveDate, i64)>,
    /// The tier in force and the growth value on the account.
    pub tier: Option<(Tier, GrowthValue)>,
    pub upgrades: Vec<Upgrade>,
}

/// Why a client was put forward. Each has its words ([`Reason::words`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Reason {
    /// An important date ahead (or today).
    ImportantDate { kind: ImportantDateKind, relation: Relation, label: Option<String>, on: NaiveDate },
    /// A top client lapsing.
    Lapsing(Lapse),
    /// Points expire soon: how many in the horizon, and the first day.
    PointsExpiring { points: i64, first_on: NaiveDate },
    /// Moved to a higher tier lately.
    JustUpgraded { from: Tier, to: Tier, on: NaiveDate },
    /// Close to the next tier: the spend (base currency) that would reach it.
    CloseToNextTier { next: Tier, next_name: String, spend: Decimal, currency: String },
    /// An open follow-up due on or before the day.
    FollowUpDue { follow_up: FollowUpId, due_on: NaiveDate, reason: String },
    /// An open follow-up a campaign step made, due on or before the day.
    CampaignTask { follow_up: FollowUpId, campaign: Uuid, due_on: NaiveDate, reason: String },
}

/// How a top client is lapsing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "signal", rename_all = "snake_case")]
pub enum Lapse {
    /// Moved into At Risk or Can't Lose Them since the previous snapshot.
    MovedInto { from: Segment, to: Segment },
    /// P(alive) fell by more than the horizon's drop.
    PAliveFell { from: Decimal, to: Decimal },
    /// No purchase for longer than the client's usual gap.
    Overdue { usual_gap_days: u32, days_since: u32 },
}

impl Reason {
    /// True for a follow-up or a campaign task: a commitment, put forward
    /// even when the client was reached lately.
    pub fn is_task(&self) -> bool {
        matches!(self, Reason::FollowUpDue { .. } | Reason::CampaignTask { .. })
    }
}

/// How far from today a worklist's day may be: a year either way (each
/// day asked is built and kept).
pub const MAX_DAYS_FROM_TODAY: i64 = 366;

/// Checks a worklist's day against today (code `out_of_range`).
pub fn check_day(day: NaiveDate, today: NaiveDate) -> Result<NaiveDate, InvalidValue> {
    if (day - today).num_days().abs() > MAX_DAYS_FROM_TODAY {
        return Err(InvalidValue::new("out_of_range", "must be within a year of today"));
    }
    Ok(day)
}

fn plus(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX)
}

fn minus(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MIN)
}

/// The reasons found in a client's facts on `today`, in a fixed order:
/// dates (soonest first), lapsing, points, tier. Tasks are not here: the
/// read adds them.
pub fn reasons(f: &ClientFacts, today: NaiveDate, programme: &ProgramConfig, h: &Horizons) -> Vec<Reason> {
    let mut out = important_dates(f, today, h);
    out.extend(lapsing(f, today, h).map(Reason::Lapsing));
    let until = plus(today, h.expiry_days);
    let expiring: Vec<&(NaiveDate, i64)> =
        f.expiring.iter().filter(|(on, points)| *points > 0 && today <= *on && *on <= until).collect();
    if let Some(first_on) = expiring.iter().map(|(on, _)| *on).min() {
        let points = expiring.iter().map(|(_, p)| *p).fold(0i64, i64::saturating_add);
        out.push(Reason::PointsExpiring { points, first_on });
    }
    let since = minus(today, h.upgraded_days);
    let upgrade =
        f.upgrades.iter().filter(|u| u.to > u.from && since <= u.on && u.on <= today).max_by_key(|u| (u.on, u.to));
    match upgrade {
        Some(u) => out.push(Reason::JustUpgraded { from: u.from, to: u.to, on: u.on }),
        None => out.extend(close_to_next_tier(f, programme, h)),
    }
    out
}

fn important_dates(f: &ClientFacts, today: NaiveDate, h: &Horizons) -> Vec<Reason> {
    let until = plus(today, h.dates_days);
    let own = f.birthday.map(|b| (ImportantDateKind::Birthday, Relation::Own, None, b.next_occurrence(today)));
    let others = f.important_dates.iter().filter_map(|d| {
        let on = d.next_occurrence(today)?;
        Some((d.kind, d.relation, d.label.as_ref().map(|l| l.as_str().to_owned()), on))
    });
    let mut dates: Vec<Reason> = own
        .into_iter()
        .chain(others)
        .filter(|(_, _, _, on)| *on <= until)
        .map(|(kind, relation, label, on)| Reason::ImportantDate { kind, relation, label, on })
        .collect();
    dates.sort_by_key(|r| match r {
        Reason::ImportantDate { on, kind, relation, .. } => (*on, kind.as_str(), relation.as_str()),
        _ => (NaiveDate::MAX, "", ""),
    });
    dates.dedup();
    dates
}

/// The strongest lapsing signal of a top client, if any: a move into a
/// segment first, then the fall of P(alive), then the overdue purchase.
fn lapsing(f: &ClientFacts, today: NaiveDate, h: &Horizons) -> Option<Lapse> {
    let latest = f.latest.as_ref().filter(|s| s.monetary_score >= h.top_monetary_score)?;
    let watched = [Segment::AtRisk, Segment::CantLoseThem];
    if let Some(previous) = &f.previous
        && watched.contains(&latest.segment)
        && !watched.contains(&previous.segment)
    {
        return Some(Lapse::MovedInto { from: previous.segment, to: latest.segment });
    }
    if let (Some(before), Some(now)) = (f.previous.as_ref().and_then(|p| p.p_alive), latest.p_alive)
        && before - now > h.p_alive_drop
    {
        return Some(Lapse::PAliveFell { from: before, to: now });
    }
    let usual = usual_gap_days(latest)?;
    let last = f.last_purchase.unwrap_or(latest.last_purchase).max(latest.last_purchase);
    let days_since = u32::try_from((today - last).num_days()).ok()?;
    (days_since > usual).then_some(Lapse::Overdue { usual_gap_days: usual, days_since })
}

/// The client's usual days between purchases: the days from their first to
/// their last purchase over the purchases after the first, rounded up;
/// None for a one-time buyer.
pub fn usual_gap_days(s: &LatestSnapshot) -> Option<u32> {
    if s.repeat_purchases == 0 {
        return None;
    }
    let span = u32::try_from((s.last_purchase - s.first_purchase).num_days()).ok()?;
    Some(span.div_ceil(s.repeat_purchases).max(1))
}

fn close_to_next_tier(f: &ClientFacts, programme: &ProgramConfig, h: &Horizons) -> Option<Reason> {
    let (tier, growth) = f.tier?;
    let next = Tier::ALL.into_iter().find(|t| *t > tier)?;
    let minimum = programme.tiers().rule(next).min_growth;
    let missing = Decimal::from(minimum.get().checked_sub(growth.get())?);
    if missing <= Decimal::ZERO || missing > Decimal::from(minimum.get()) * h.close_to_tier {
        return None;
    }
    let rate = programme.earn_rate().get();
    let spend = (missing / rate).ceil();
    Some(Reason::CloseToNextTier {
        next,
        next_name: programme.tiers().rule(next).name.as_str().to_owned(),
        spend,
        currency: String::from(programme.base_currency().clone()),
    })
}

/// One client put forward: the reasons, what is at stake and when they were
/// last reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub customer: CustomerId,
    /// Lifetime value in the latest snapshot (None: not scored yet).
    pub clv: Option<Decimal>,
    pub reasons: Vec<Reason>,
    /// The last day the client was reached (see `rank`), if ever.
    pub last_contact: Option<NaiveDate>,
}

/// The worklist on `today`: `candidates` (a client with the reasons of the
/// daily build; tasks, made from the follow-ups due, come in as reasons of
/// their own entries and are merged per client). A client reached within
/// `recent_contact_days` (on or after `today` minus that many days) keeps
/// only their tasks, and is left out if that leaves nothing. Ranked by
/// lifetime value (unscored last), then by whether there is a task, then
/// by customer id; at most `limit`.
pub fn rank(candidates: Vec<Entry>, today: NaiveDate, recent_contact_days: u32, limit: usize) -> Vec<Entry> {
    let mut by_client: std::collections::BTreeMap<CustomerId, Entry> = std::collections::BTreeMap::new();
    for entry in candidates {
        match by_client.get_mut(&entry.customer) {
            Some(e) => {
                e.reasons.extend(entry.reasons);
                e.clv = e.clv.or(entry.clv);
                e.last_contact = e.last_contact.max(entry.last_contact);
            }
            None => {
                by_client.insert(entry.customer, entry);
            }
        }
    }
    let since = minus(today, recent_contact_days);
    let mut entries: Vec<Entry> = by_client
        .into_values()
        .filter_map(|mut e| {
            if e.last_contact.is_some_and(|d| d >= since) {
                e.reasons.retain(Reason::is_task);
            }
            e.reasons.dedup();
            (!e.reasons.is_empty()).then_some(e)
        })
        .collect();
    entries.sort_by(|a, b| {
        let task = |e: &Entry| e.reasons.iter().any(Reason::is_task);
        (b.clv.is_some(), b.clv, task(b)).cmp(&(a.clv.is_some(), a.clv, task(a))).then(a.customer.cmp(&b.customer))
    });
    entries.truncate(limit);
    entries
}

/// The client's favourite categories: the `n` on which they spent most
/// (what they kept), most first, ties by name. Lines without a category
/// are left out.
pub fn favourite_categories<'a>(kept: impl IntoIterator<Item = (Option<&'a str>, Decimal)>, n: usize) -> Vec<String> {
    let mut spent: std::collections::BTreeMap<&str, Decimal> = std::collections::BTreeMap::new();
    for (category, paid) in kept {
        if let Some(c) = category {
            *spent.entry(c).or_default() += paid;
        }
    }
    let mut ranked: Vec<(&str, Decimal)> = spent.into_iter().collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    ranked.into_iter().take(n).map(|(c, _)| c.to_owned()).collect()
}
