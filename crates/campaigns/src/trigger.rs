//! Lifecycle triggers: when an always-on campaign fires for a customer, and
//! under which *occurrence* — the key that makes it fire once per
//! occurrence (this year's birthday, this lapse, this purchase) however
//! often the scheduled job runs and however many instances run it. The
//! store keeps (campaign, customer, occurrence) unique.
//!
//! A trigger fires while its occurrence is *due*: from the day it becomes
//! true until a grace period after, so a job that did not run for a day or
//! two still fires, and one that runs every five minutes fires once.

use chrono::{Days, NaiveDate};
use clientele_loyalty::Tier;
use clientele_profiles::ImportantDateKind;
use serde_json::{Value, json};

use crate::audience::{AudienceFacts, Bounds, Product, Rule, Season};

/// How many days after it becomes due an occurrence still fires.
pub const GRACE_DAYS: u32 = 7;

/// What makes an always-on campaign fire for a customer.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// A date of one of `kinds` (the profile's birthday counts as a
    /// birthday) comes in `days_before` days.
    ImportantDate { kinds: Vec<ImportantDateKind>, days_before: u32 },
    /// The customer moved up a tier (fired on the `tier.changed` event).
    TierUpgrade,
    /// Points expire within `within_days` days.
    PointsExpiring { within_days: u32 },
    /// No purchase for `days` days since the last one.
    NoPurchaseFor { days: u32 },
    /// Bought in last year's season, not yet in this year's.
    SeasonalLapse(Season),
    /// `after_days` days after buying the product (the sample runs out).
    Replenishment { product: Product, after_days: u32 },
    /// `days` days after a purchase (a thank-you or a care call).
    AfterPurchase { days: u32 },
}

/// A due occurrence: its key and the day it became due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Unique per campaign and customer, e.g. `birthday:2027-01-03`.
    pub key: String,
    pub due_on: NaiveDate,
}

fn after(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX)
}

/// True when `today` is within the grace period from `due_on`.
fn due(due_on: NaiveDate, today: NaiveDate) -> bool {
    due_on <= today && today <= after(due_on, GRACE_DAYS)
}

impl Trigger {
    /// The occurrence due for this customer on `today`, if any (the most
    /// recent one when several are). Tier upgrades come from the event:
    /// [`Trigger::tier_upgrade`].
    pub fn occurrence(&self, f: &AudienceFacts, today: NaiveDate) -> Option<Occurrence> {
        match self {
            Trigger::ImportantDate { kinds, days_before } => important_date(f, kinds, *days_before, today),
            Trigger::TierUpgrade => None,
            Trigger::PointsExpiring { within_days } => {
                let until = after(today, *within_days);
                let first =
                    f.expiring.iter().filter(|e| e.points > 0 && e.on >= today && e.on <= until).map(|e| e.on).min()?;
                // Due from `within_days` before the expiry (or from today if
                // the points arrived later): once per expiry date.
                Some(Occurrence { key: format!("points_expiring:{first}"), due_on: today })
            }
            Trigger::NoPurchaseFor { days } => {
                let last = f.last_purchase?;
                let due_on = after(last, *days);
                due(due_on, today).then(|| Occurrence { key: format!("no_purchase:{last}"), due_on })
            }
            Trigger::SeasonalLapse(season) => {
                let ((this_start, _), _) = season.this_and_last(today)?;
                let rule = Rule::SeasonalLapse(*season);
                rule.matches(f, today).then(|| Occurrence { key: format!("season:{this_start}"), due_on: this_start })
            }
            Trigger::Replenishment { product, after_days } => {
                let bought = f.bought.iter().filter(|b| product.is(b) && b.on <= today).map(|b| b.on).max()?;
                let due_on = after(bought, *after_days);
                due(due_on, today).then(|| Occurrence { key: format!("replenish:{bought}"), due_on })
            }
            Trigger::AfterPurchase { days } => {
                let bought = f.bought.iter().map(|b| b.on).filter(|on| due(after(*on, *days), today)).max()?;
                Some(Occurrence { key: format!("after_purchase:{bought}"), due_on: after(bought, *days) })
            }
        }
    }

    /// A rule every customer with an occurrence on `today` satisfies (and
    /// some others): what the store selects before the occurrences are
    /// worked out one customer at a time, so a trigger over a million
    /// customers reads the few it may fire for. None for the tier upgrade,
    /// which fires on the `tier.changed` events instead.
    pub fn prefilter(&self) -> Option<Rule> {
        let grace = GRACE_DAYS;
        Some(match self {
            Trigger::ImportantDate { kinds, days_before } => {
                Rule::ImportantDate { kinds: kinds.clone(), within_days: *days_before }
            }
            Trigger::TierUpgrade => return None,
            Trigger::PointsExpiring { within_days } => {
                Rule::PointsExpiring { within_days: *within_days, min_points: 1 }
            }
            Trigger::NoPurchaseFor { days } => {
                Rule::DaysSinceLastPurchase(Bounds { min: Some(*days), max: Some(days.saturating_add(grace)) })
            }
            Trigger::SeasonalLapse(season) => Rule::SeasonalLapse(*season),
            Trigger::Replenishment { product, after_days } => {
                Rule::Bought { product: product.clone(), within_days: after_days.saturating_add(grace) }
            }
            Trigger::AfterPurchase { days } => {
                Rule::DaysSinceLastPurchase(Bounds { min: None, max: Some(days.saturating_add(grace)) })
            }
        })
    }

    /// The occurrence of a move up to `tier` on `on` (from the
    /// `tier.changed` event), for a [`Trigger::TierUpgrade`] campaign.
    pub fn tier_upgrade(tier: Tier, on: NaiveDate) -> Occurrence {
        Occurrence { key: format!("tier:{}:{on}", tier.as_str()), due_on: on }
    }

    /// The trigger as JSON: `{"important_date": {"kinds": [...], "days_before": 7}}`, …
    pub fn to_json(&self) -> Value {
        match self {
            Trigger::ImportantDate { kinds, days_before } => json!({ "important_date": {
                "kinds": kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(), "days_before": days_before } }),
            Trigger::TierUpgrade => json!({ "tier_upgrade": {} }),
            Trigger::PointsExpiring { within_days } => json!({ "points_expiring": { "within_days": within_days } }),
            Trigger::NoPurchaseFor { days } => json!({ "no_purchase_for": { "days": days } }),
            Trigger::SeasonalLapse(s) => json!({ "seasonal_lapse": {
                "from": format!("{:02}-{:02}", s.from.0, s.from.1), "to": format!("{:02}-{:02}", s.to.0, s.to.1) } }),
            Trigger::Replenishment { product, after_days } => {
                let (kind, name) = product.parts();
                json!({ "replenishment": { kind: name, "after_days": after_days } })
            }
            Trigger::AfterPurchase { days } => json!({ "after_purchase": { "days": days } }),
        }
    }
}

/// The next date of one of `kinds` exactly `days_before` days ahead — or,
/// within the grace period, one that came into that distance up to
/// [`GRACE_DAYS`] days ago and is still ahead.
fn important_date(
    f: &AudienceFacts,
    kinds: &[ImportantDateKind],
    days_before: u32,
    today: NaiveDate,
) -> Option<Occurrence> {
    let mut next: Vec<(ImportantDateKind, NaiveDate)> = Vec::new();
    if kinds.contains(&ImportantDateKind::Birthday)
        && let Some(b) = f.birthday
    {
        next.push((ImportantDateKind::Birthday, b.next_occurrence(today)));
    }
    for d in f.important_dates.iter().filter(|d| kinds.contains(&d.kind)) {
        if let Some(on) = d.next_occurrence(today) {
            next.push((d.kind, on));
        }
    }
    next.into_iter()
        .filter_map(|(kind, on)| {
            let due_on = on.checked_sub_days(Days::new(u64::from(days_before)))?;
            due(due_on, today).then(|| Occurrence { key: format!("{}:{on}", kind.as_str()), due_on })
        })
        .min_by_key(|o| (o.due_on, o.key.clone()))
}
