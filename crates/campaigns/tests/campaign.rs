//! A campaign's definition: read from JSON with the path of every bad
//! field (the audience's and the trigger's nodes included), defaults for
//! what may be left out, and written back in the same shape.
#![allow(clippy::unwrap_used)]

use clientele_campaigns::{Action, CampaignSpec, Schedule};
use serde_json::json;

fn fields(v: serde_json::Value) -> Vec<String> {
    CampaignSpec::from_json(&v).unwrap_err().iter().map(|e| e.field.clone()).collect()
}

#[test]
fn a_campaign_reads_with_defaults_and_writes_back() {
    let birthday = json!({
        "name": "Birthday greetings",
        "audience": {"all": [{"tier": ["S4", "S5", "S6"]}, {"consent": "wechat"}]},
        "schedule": {"trigger": {"important_date": {"kinds": ["birthday"], "days_before": 7}}},
        "channel": "wechat",
        "action": {"message": {"template": "birthday_2026"}},
    });
    let spec = CampaignSpec::from_json(&birthday).unwrap();
    assert!(matches!(spec.schedule, Schedule::Trigger(_)));
    assert_eq!((spec.priority, spec.per_customer_limit, spec.budget), (50, 1, None));
    let written = spec.to_json();
    assert_eq!(written["holdout_percent"], json!(0));
    assert_eq!(CampaignSpec::from_json(&written).unwrap(), spec);
    let task = json!({
        "name": "Thank-you call", "audience": {"clv": {"min": "10000"}},
        "schedule": {"once": {"at": "2026-12-10T02:00:00Z"}}, "channel": "phone",
        "action": {"associate_task": {"note": "Call to thank her", "due_in_days": 3}},
        "holdout_percent": 12.5, "priority": 80, "cost_per_message": "0", "budget": "100", "per_customer_limit": 2,
    });
    let spec = CampaignSpec::from_json(&task).unwrap();
    assert_eq!(spec.action, Action::AssociateTask { note: "Call to thank her".into(), due_in_days: 3 });
    assert_eq!(CampaignSpec::from_json(&spec.to_json()).unwrap(), spec);
}

#[test]
fn every_bad_field_is_named() {
    let bad = json!({
        "name": "",
        "audience": {"all": [{"tier": ["S9"]}]},
        "schedule": {"trigger": {"no_purchase_for": {"days": "ninety"}}},
        "channel": "fax",
        "action": {"message": {}},
        "holdout_percent": 80,
        "priority": 1000,
        "cost_per_message": "-1",
        "budget": "lots",
        "per_customer_limit": 0,
        "colour": "red",
    });
    let mut got = fields(bad);
    got.sort();
    assert_eq!(
        got,
        [
            "action.message.template",
            "audience.all[0].tier[0]",
            "budget",
            "channel",
            "colour",
            "cost_per_message",
            "holdout_percent",
            "name",
            "per_customer_limit",
            "priority",
            "schedule.trigger.no_purchase_for.days",
        ]
    );
    assert_eq!(fields(json!([])), ["body"]);
    assert_eq!(
        fields(json!({"name": "x", "audience": {"tag": "vip"}, "schedule": {"weekly": {}}, "channel": "sms",
        "action": {"message": {"template": "t"}}})),
        ["schedule.weekly"]
    );
}
