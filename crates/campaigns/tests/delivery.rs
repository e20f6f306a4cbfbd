//! Rounds of many campaigns planned one after another against what the
//! earlier ones scheduled, as the campaign job runs them: however many
//! campaigns there are, no customer is sent more than the cap on a channel
//! in any window; no message is planned without consent, inside the quiet
//! hours, or to a held-out customer; no campaign passes its budget or its
//! per-customer limit.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;

use chrono::{DateTime, TimeDelta, TimeZone as _, Utc};
use clientele_campaigns::{
    CampaignSettings, CampaignSpec, CapRule, Outcome, QuietHours, Round, SentMessage, Target, held_out, plan,
};
use clientele_kernel::TimeZone;
use clientele_kernel::random::SplitMix64;
use clientele_profiles::Channel;
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap()
}

struct Campaign {
    id: Uuid,
    spec: CampaignSpec,
    spent: Decimal,
    stopped: bool,
    contacted: HashMap<Uuid, u32>,
}

fn campaign(rng: &mut SplitMix64, n: u128) -> Campaign {
    let channel = ["sms", "wechat"][rng.below(2) as usize];
    let action = if rng.chance(15) {
        json!({"associate_task": {"note": "Call", "due_in_days": 1}})
    } else {
        json!({"message": {"template": "t"}})
    };
    let budget = rng.chance(40).then(|| format!("{}.00", rng.below(8)));
    let cost = ["0", "0.5", "1"][rng.below(3) as usize];
    let spec = CampaignSpec::from_json(&json!({
        "name": format!("c{n}"),
        "audience": {"consent": "sms"},
        "schedule": {"once": {"at": null}},
        "channel": channel,
        "action": action,
        "holdout_percent": rng.below(40),
        "priority": rng.below(101),
        "cost_per_message": cost,
        "budget": budget,
        "per_customer_limit": 1 + rng.below(3),
    }))
    .unwrap();
    Campaign { id: Uuid::from_u128(n), spec, spent: Decimal::ZERO, stopped: false, contacted: HashMap::new() }
}

fn overfull(times: &[DateTime<Utc>], cap: &CapRule) -> bool {
    times.iter().any(|&from| {
        times.iter().filter(|&&t| t >= from && t < from + cap.window()).count() > cap.max_messages() as usize
    })
}

proptest! {
    #[test]
    fn rounds_of_many_campaigns_keep_every_rule(seed in any::<u64>()) {
        let mut rng = SplitMix64::new(seed);
        let zones = [TimeZone::parse("Asia/Shanghai").unwrap(), TimeZone::parse("Europe/Paris").unwrap()];
        let settings = CampaignSettings {
            cap: CapRule::new(1 + rng.below(3) as u32, 1 + rng.below(10) as u32).unwrap(),
            quiet_hours: QuietHours::default(),
            margin_rate: None,
        };
        let customers: Vec<(Uuid, TimeZone, bool, bool)> = (0..12_u128)
            .map(|i| (Uuid::from_u128(1000 + i), zones[rng.below(2) as usize], rng.chance(80), rng.chance(80)))
            .collect();
        let consented = |c: &(Uuid, TimeZone, bool, bool), channel: Channel| if channel == Channel::Sms { c.2 } else { c.3 };
        let mut campaigns: Vec<Campaign> = (0..1 + rng.below(12) as u128).map(|n| campaign(&mut rng, n)).collect();
        let mut history: HashMap<Uuid, Vec<SentMessage>> = HashMap::new();
        let mut now = start();
        for _ in 0..1 + rng.below(6) {
            now += TimeDelta::minutes(rng.below(60 * 24 * 4) as i64);
            // A round: higher priorities first, as the job runs them.
            campaigns.sort_by_key(|c| (std::cmp::Reverse(c.spec.priority), c.id));
            for c in campaigns.iter_mut().filter(|c| !c.stopped) {
                let mut targets: Vec<Target> = Vec::new();
                for cu in &customers {
                    if !rng.chance(70) {
                        continue;
                    }
                    let due = now - TimeDelta::hours(rng.below(48) as i64) + TimeDelta::hours(rng.below(48) as i64);
                    targets.push(Target {
                        customer: cu.0,
                        occurrence: format!("o{}", now.timestamp()),
                        due,
                        zone: cu.1,
                        consented: consented(cu, c.spec.channel),
                        contacted: c.contacted.get(&cu.0).copied().unwrap_or(0),
                    });
                }
                let round = Round { campaign: c.id, spec: &c.spec, settings: &settings, spent: c.spent, now };
                let p = plan(&round, &targets, |id| history.get(&id).map_or(&[][..], Vec::as_slice));
                for (t, d) in targets.iter().zip(&p.decisions) {
                    let Some(d) = d else {
                        prop_assert!(t.contacted >= c.spec.per_customer_limit, "left alone under the limit");
                        continue;
                    };
                    prop_assert!(d.at >= now);
                    if held_out(c.id, t.customer, c.spec.holdout) {
                        prop_assert_eq!(d.outcome, Outcome::HeldOut);
                    }
                    if d.outcome == Outcome::Scheduled {
                        prop_assert!(t.consented, "a message without consent");
                        prop_assert!(!settings.quiet_hours.contains_instant(d.at, t.zone), "a message at {} in quiet hours", d.at);
                        history.entry(t.customer).or_default().push(SentMessage { channel: c.spec.channel, at: d.at });
                    }
                    prop_assert_eq!(d.cost, if d.outcome.is_contact() { c.spec.cost_per_message } else { Decimal::ZERO });
                    *c.contacted.entry(t.customer).or_insert(0) += 1;
                }
                c.spent += p.cost;
                if let Some(budget) = c.spec.budget {
                    prop_assert!(c.spent <= budget, "spent {} of {}", c.spent, budget);
                }
                c.stopped = p.budget_exhausted;
                for (customer, n) in &c.contacted {
                    prop_assert!(*n <= c.spec.per_customer_limit, "{} contacts with {}", n, customer);
                }
            }
        }
        for (customer, sent) in &history {
            for channel in [Channel::Sms, Channel::Wechat] {
                let mut times: Vec<DateTime<Utc>> = sent.iter().filter(|m| m.channel == channel).map(|m| m.at).collect();
                times.sort();
                prop_assert!(!overfull(&times, &settings.cap), "{} over the cap on {:?}: {:?}", customer, channel, times);
            }
        }
    }
}
