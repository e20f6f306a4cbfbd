//! One round of a campaign, planned: for each customer it reaches now (and
//! the occurrence it reaches them for), what happens and when.
//!
//! In order:
//! 1. A customer who has had `per_customer_limit` contacts from the
//!    campaign is left alone (nothing is recorded).
//! 2. The send time: when the occurrence is due (not before now), moved
//!    out of the quiet hours of the customer's home store's time zone.
//!    An associate task is due that day; quiet hours are for messages.
//! 3. The control group: a held-out customer gets nothing and is recorded
//!    as held out at the time they would have been contacted.
//! 4. Consent for the campaign's channel (checked again when the message
//!    goes out): without it, recorded as such.
//! 5. The frequency cap across campaigns ([`crate::allocate`]): what each
//!    customer was sent and is scheduled to be sent on the channel counts.
//! 6. The budget: contacts are paid in time order while `spent + cost`
//!    stays within it; the first that would pass it, and every later one, is
//!    recorded over budget, and the campaign stops.
//!
//! A held-out customer counts against the per-customer limit as a contact
//! would, so both groups are reached for the same occurrences.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clientele_kernel::TimeZone;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::campaign::{Action, CampaignSpec};
use crate::caps::{Candidate, CapDecision, SentMessage, allocate};
use crate::holdout::held_out;
use crate::quiet_hours::next_send_time;
use crate::settings::CampaignSettings;

/// A customer the campaign reaches in this round, for one occurrence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub customer: Uuid,
    /// What the campaign fires for (`once`, `birthday:2027-01-03`, …).
    pub occurrence: String,
    /// When the occurrence is due.
    pub due: DateTime<Utc>,
    /// The time zone of the customer's home store (the programme's when
    /// the customer has none).
    pub zone: TimeZone,
    /// Consent for the campaign's channel, now.
    pub consented: bool,
    /// Contacts this campaign made with the customer before (scheduled,
    /// sent, tasks and hold-outs).
    pub contacted: u32,
}

/// What a round does with one target, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// A message, to go out at the decision's time.
    Scheduled,
    /// A follow-up for the client's associate.
    Task,
    HeldOut,
    NoConsent,
    Capped,
    OverBudget,
}

impl Outcome {
    /// The name stored and shown.
    pub const fn as_str(self) -> &'static str {
        match self {
            Outcome::Scheduled => "scheduled",
            Outcome::Task => "task",
            Outcome::HeldOut => "held_out",
            Outcome::NoConsent => "no_consent",
            Outcome::Capped => "capped",
            Outcome::OverBudget => "over_budget",
        }
    }

    /// True for what costs money and counts as a contact.
    pub const fn is_contact(self) -> bool {
        matches!(self, Outcome::Scheduled | Outcome::Task)
    }
}

/// The decision for one target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decision {
    pub outcome: Outcome,
    /// When the contact is (or would have been) made.
    pub at: DateTime<Utc>,
    /// What it costs: the campaign's cost per message for a contact, zero
    /// otherwise.
    pub cost: Decimal,
}

/// The campaign as a round sees it.
#[derive(Debug, Clone, Copy)]
pub struct Round<'a> {
    pub campaign: Uuid,
    pub spec: &'a CampaignSpec,
    pub settings: &'a CampaignSettings,
    /// What the campaign spent before this round.
    pub spent: Decimal,
    pub now: DateTime<Utc>,
}

/// The round's decisions, one per target (None: the per-customer limit is
/// reached, nothing recorded), what they cost, and whether the budget ran out.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub decisions: Vec<Option<Decision>>,
    pub cost: Decimal,
    pub budget_exhausted: bool,
}

/// Plans one round (see the module's documentation). `history` gives the
/// messages each customer was sent or is scheduled to be sent, by every
/// campaign, from the start of the cap's window before `now`.
pub fn plan<'h>(round: &Round<'_>, targets: &[Target], history: impl Fn(Uuid) -> &'h [SentMessage]) -> Plan {
    let spec = round.spec;
    let is_task = matches!(spec.action, Action::AssociateTask { .. });
    let mut order: Vec<usize> = (0..targets.len()).collect();
    order.sort_by_key(|&i| (targets[i].due, targets[i].customer, i));
    let mut decisions: Vec<Option<Decision>> = vec![None; targets.len()];
    let mut seen: HashMap<Uuid, u32> = HashMap::new();
    let mut candidates: Vec<(usize, Candidate)> = Vec::new();
    for &i in &order {
        let t = &targets[i];
        let count = seen.entry(t.customer).or_insert(t.contacted);
        if *count >= spec.per_customer_limit {
            continue;
        }
        *count += 1;
        let due = t.due.max(round.now);
        let at = if is_task { due } else { next_send_time(due, t.zone, &round.settings.quiet_hours) };
        let decide = |outcome| Some(Decision { outcome, at, cost: Decimal::ZERO });
        decisions[i] = if held_out(round.campaign, t.customer, spec.holdout) {
            decide(Outcome::HeldOut)
        } else if is_task {
            decide(Outcome::Task)
        } else if !t.consented {
            decide(Outcome::NoConsent)
        } else {
            let candidate = Candidate {
                campaign: round.campaign,
                priority: spec.priority,
                channel: spec.channel,
                customer: t.customer,
                due: at,
            };
            candidates.push((i, candidate));
            decide(Outcome::Scheduled)
        };
    }
    let only: Vec<Candidate> = candidates.iter().map(|(_, c)| *c).collect();
    for ((i, _), cap) in candidates.iter().zip(allocate(&only, history, &round.settings.cap, round.now)) {
        if let (Some(d), CapDecision::Capped) = (decisions[*i].as_mut(), cap) {
            d.outcome = Outcome::Capped;
        }
    }
    pay(round, &order, &mut decisions)
}

/// Step 6: the budget, in time order.
fn pay(round: &Round<'_>, order: &[usize], decisions: &mut [Option<Decision>]) -> Plan {
    let price = round.spec.cost_per_message;
    let mut cost = Decimal::ZERO;
    let mut exhausted = false;
    let mut paying: Vec<usize> =
        order.iter().copied().filter(|&i| decisions[i].is_some_and(|d| d.outcome.is_contact())).collect();
    paying.sort_by_key(|&i| decisions[i].map(|d| d.at));
    for i in paying {
        let Some(d) = decisions[i].as_mut() else { continue };
        let within = round.spec.budget.is_none_or(|budget| round.spent + cost + price <= budget);
        if exhausted || !within {
            exhausted = true;
            d.outcome = Outcome::OverBudget;
        } else {
            d.cost = price;
            cost += price;
        }
    }
    Plan { decisions: decisions.to_vec(), cost, budget_exhausted: exhausted }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveTime, TimeDelta, TimeZone as _};
    use serde_json::json;

    use super::*;
    use crate::caps::CapRule;
    use crate::quiet_hours::QuietHours;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 3, 0, 0).unwrap()
    }

    fn spec(extra: serde_json::Value) -> CampaignSpec {
        let mut v = json!({
            "name": "Win back",
            "audience": {"segment": ["at_risk"]},
            "schedule": {"once": {"at": null}},
            "channel": "sms",
            "action": {"message": {"template": "winback"}},
            "cost_per_message": "0.50",
        });
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        CampaignSpec::from_json(&v).unwrap()
    }

    fn target(n: u128, consented: bool, contacted: u32) -> Target {
        Target {
            customer: Uuid::from_u128(n),
            occurrence: "once".into(),
            due: now(),
            zone: TimeZone::parse("Asia/Shanghai").unwrap(),
            consented,
            contacted,
        }
    }

    fn settings() -> CampaignSettings {
        let quiet =
            QuietHours::new(NaiveTime::from_hms_opt(22, 0, 0).unwrap(), NaiveTime::from_hms_opt(8, 0, 0).unwrap())
                .unwrap();
        CampaignSettings { cap: CapRule::new(1, 7).unwrap(), quiet_hours: quiet, margin_rate: None }
    }

    fn outcomes(p: &Plan) -> Vec<Option<&'static str>> {
        p.decisions.iter().map(|d| d.map(|d| d.outcome.as_str())).collect()
    }

    #[test]
    fn consent_limit_cap_and_budget_in_that_order() {
        let spec = spec(json!({"budget": "1.00", "per_customer_limit": 1}));
        let settings = settings();
        let round =
            Round { campaign: Uuid::from_u128(1), spec: &spec, settings: &settings, spent: Decimal::ZERO, now: now() };
        let busy = [SentMessage { channel: clientele_profiles::Channel::Sms, at: now() - TimeDelta::days(1) }];
        let targets = [
            target(10, false, 0),
            target(11, true, 1),
            target(12, true, 0),
            target(13, true, 0),
            target(14, true, 0),
            target(15, true, 0),
        ];
        let history = |c: Uuid| if c == Uuid::from_u128(12) { &busy[..] } else { &[][..] };
        let p = plan(&round, &targets, history);
        assert_eq!(
            outcomes(&p),
            [Some("no_consent"), None, Some("capped"), Some("scheduled"), Some("scheduled"), Some("over_budget")]
        );
        assert_eq!((p.cost, p.budget_exhausted), (Decimal::ONE, true));
        // 03:00 UTC is 11:00 in Shanghai: outside the quiet hours.
        assert!(p.decisions.iter().flatten().all(|d| d.at == now()));
    }

    #[test]
    fn quiet_hours_move_the_send_time_and_tasks_ignore_them() {
        let spec_m = spec(json!({}));
        let settings = settings();
        let late = Utc.with_ymd_and_hms(2026, 12, 4, 15, 0, 0).unwrap(); // 23:00 in Shanghai
        let round =
            Round { campaign: Uuid::from_u128(1), spec: &spec_m, settings: &settings, spent: Decimal::ZERO, now: late };
        let p = plan(&round, &[target(10, true, 0)], |_| &[][..]);
        assert_eq!(p.decisions[0].unwrap().at, Utc.with_ymd_and_hms(2026, 12, 5, 0, 0, 0).unwrap());
        let spec_t = spec(json!({"action": {"associate_task": {"note": "Call", "due_in_days": 2}}}));
        let round = Round { spec: &spec_t, ..round };
        let p = plan(&round, &[target(10, false, 0)], |_| &[][..]);
        assert_eq!(p.decisions[0].map(|d| (d.outcome, d.at)), Some((Outcome::Task, late)));
    }
}
