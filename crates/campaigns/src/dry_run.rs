//! The dry run: what launching a campaign now would do, with nothing
//! written — the audience, who is held out, who is left after consent and
//! after the frequency cap, what the budget allows, the expected cost, and
//! the smallest uplift the control group could detect.

use clientele_profiles::Channel;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use uuid::Uuid;

use crate::campaign::CampaignSpec;
use crate::caps::CapRule;
use crate::holdout::held_out;
use clientele_experiments::minimum_detectable_uplift;

/// One customer of the audience, as the dry run needs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub customer: Uuid,
    /// Has consented to marketing on the campaign's channel.
    pub consented: bool,
    /// Messages sent to them on the channel within the cap's window.
    pub recent: u32,
}

/// What a launch now would do.
#[derive(Debug, Clone, PartialEq)]
pub struct DryRun {
    /// Customers the audience rule takes.
    pub audience: u64,
    /// Of them, in the control group: recorded, never contacted.
    pub held_out: u64,
    /// Of the rest, without consent for the channel.
    pub without_consent: u64,
    /// Of the rest, at the frequency cap already.
    pub capped: u64,
    /// Of the rest, beyond what the budget pays for.
    pub over_budget: u64,
    /// Contacts a launch would make now.
    pub to_contact: u64,
    pub channel: Channel,
    /// `to_contact` × cost per message, base currency.
    pub expected_cost: Decimal,
    /// The response rate the uplift is measured against.
    pub base_rate: f64,
    /// The smallest absolute uplift in response rate the control group
    /// detects at 95 % confidence and 80 % power (None without a control
    /// group or contacts).
    pub minimum_detectable_uplift: Option<f64>,
}

impl DryRun {
    /// True when every customer of the audience is counted once.
    pub fn adds_up(&self) -> bool {
        self.held_out + self.without_consent + self.capped + self.over_budget + self.to_contact == self.audience
    }
}

/// The dry run of campaign `id` defined by `spec` over its audience
/// `reach` (each customer once), under the programme's `cap`, with
/// `base_rate` the response rate expected without the campaign.
pub fn dry_run(id: Uuid, spec: &CampaignSpec, reach: &[Reach], cap: &CapRule, base_rate: f64) -> DryRun {
    let (mut held, mut without_consent, mut capped, mut eligible) = (0_u64, 0_u64, 0_u64, 0_u64);
    for r in reach {
        if held_out(id, r.customer, spec.holdout) {
            held += 1;
        } else if !r.consented {
            without_consent += 1;
        } else if r.recent >= cap.max_messages() {
            capped += 1;
        } else {
            eligible += 1;
        }
    }
    let affordable = match spec.budget {
        Some(budget) if spec.cost_per_message > Decimal::ZERO => {
            (budget / spec.cost_per_message).floor().to_u64().unwrap_or(u64::MAX)
        }
        _ => u64::MAX,
    };
    let to_contact = eligible.min(affordable);
    DryRun {
        audience: reach.len() as u64,
        held_out: held,
        without_consent,
        capped,
        over_budget: eligible - to_contact,
        to_contact,
        channel: spec.channel,
        expected_cost: spec.cost_per_message * Decimal::from(to_contact),
        base_rate,
        minimum_detectable_uplift: minimum_detectable_uplift(base_rate, to_contact, held),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn spec(holdout: u32, budget: Option<&str>) -> CampaignSpec {
        CampaignSpec::from_json(&json!({
            "name": "Win back",
            "audience": {"segment": ["at_risk"]},
            "schedule": {"once": {"at": null}},
            "channel": "wechat",
            "action": {"message": {"template": "winback"}},
            "holdout_percent": holdout,
            "cost_per_message": "0.50",
            "budget": budget,
        }))
        .unwrap()
    }

    fn reach(n: u128, consented_every: u128, recent_every: u128) -> Vec<Reach> {
        (0..n)
            .map(|i| Reach {
                customer: Uuid::from_u128(i + 1),
                consented: i % consented_every != 0,
                recent: u32::from(i % recent_every == 1) * 2,
            })
            .collect()
    }

    #[test]
    fn every_customer_is_counted_once_and_the_budget_is_kept() {
        let cap = CapRule::default();
        let people = reach(10_000, 4, 10);
        let open = dry_run(Uuid::from_u128(7), &spec(20, None), &people, &cap, 0.05);
        assert!(open.adds_up(), "{open:?}");
        assert_eq!(open.over_budget, 0);
        assert!((1_800..2_200).contains(&open.held_out), "{open:?}");
        assert_eq!(open.expected_cost, Decimal::new(50, 2) * Decimal::from(open.to_contact));
        assert!(open.minimum_detectable_uplift.is_some());
        let tight = dry_run(Uuid::from_u128(7), &spec(20, Some("1000")), &people, &cap, 0.05);
        assert!(tight.adds_up(), "{tight:?}");
        assert_eq!(tight.to_contact, 2_000);
        assert_eq!(tight.expected_cost, Decimal::from(1000));
        assert_eq!(tight.over_budget, open.to_contact - 2_000);
        let none = dry_run(Uuid::from_u128(7), &spec(0, None), &people, &cap, 0.05);
        assert_eq!((none.held_out, none.minimum_detectable_uplift), (0, None));
    }
}
