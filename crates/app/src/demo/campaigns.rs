//! The demo's campaigns, so campaigns and their messages show from the
//! first start: a birthday programme (a WeChat greeting a week before the
//! birthday), a win-back of at-risk top clients with a 20 % control group,
//! a beauty replenishment trigger (an SMS 60 days after the last beauty
//! purchase, when the sample runs out), and a birthday call of top clients
//! (a task on their associate's worklist ten days before). Each is launched
//! and the campaign
//! job runs once; messages inside the quiet hours wait for the service's
//! job. The segments they read are refreshed first (as of yesterday), if
//! that snapshot does not exist yet.

use chrono::{DateTime, Utc};
use clientele_campaigns::CampaignSpec;
use clientele_profiles::{ClientelingSettings, StoreScope, ThankYouRule};
use clientele_store::{AuditContext, PgConnection};
use serde_json::json;

use crate::campaigns::{CampaignJobReport, StatusChange, change_status, create_campaign, run_campaigns};

/// The four definitions.
fn definitions() -> [serde_json::Value; 4] {
    [
        json!({
            "name": "Birthday programme",
            "audience": {"consent": "wechat"},
            "schedule": {"trigger": {"important_date": {"kinds": ["birthday"], "days_before": 7}}},
            "channel": "wechat",
            "action": {"message": {"template": "birthday_greeting"}},
            "holdout_percent": 10,
            "priority": 80,
            "cost_per_message": "0.05",
        }),
        json!({
            "name": "Win-back: at-risk top clients",
            "audience": {"all": [{"segment": ["at_risk", "cant_lose_them"]}, {"m": {"min": 4}}]},
            "schedule": {"once": {"at": null}},
            "channel": "sms",
            "action": {"message": {"template": "winback_private_preview"}},
            "holdout_percent": 20,
            "priority": 60,
            "cost_per_message": "0.35",
            "budget": "2000",
        }),
        json!({
            "name": "Beauty replenishment",
            "audience": {"consent": "sms"},
            "schedule": {"trigger": {"replenishment": {"category": "beauty", "after_days": 60}}},
            "channel": "sms",
            "action": {"message": {"template": "beauty_replenish"}},
            "holdout_percent": 10,
            "priority": 40,
            "cost_per_message": "0.35",
        }),
        json!({
            "name": "Birthday call of top clients",
            "audience": {"m": {"min": 4}},
            "schedule": {"trigger": {"important_date": {"kinds": ["birthday"], "days_before": 10}}},
            "channel": "phone",
            "action": {"associate_task": {
                "note": "Call to wish her a happy birthday and invite her to the private preview",
                "due_in_days": 3,
            }},
            "holdout_percent": 0,
            "priority": 90,
        }),
    ]
}

/// The demo's thank-you call: a follow-up for the client's associate two
/// days after each purchase of at least 8,000 (base currency); the
/// follow-ups of the purchases of the last days are made at once.
pub fn thank_you_calls(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<usize> {
    let rule = ThankYouRule::new(rust_decimal::Decimal::from(8_000), 2).map_err(anyhow::Error::msg)?;
    let settings = ClientelingSettings { thank_you: Some(rule), ..ClientelingSettings::default() };
    crate::settings::save(conn, &settings, ctx)?;
    Ok(crate::follow_ups::thank_you_follow_ups(conn, now)?.unwrap_or(0))
}

/// Refreshes yesterday's segments if needed, creates and launches the
/// demo's campaigns, and runs the campaign job once.
pub fn campaigns(conn: &mut PgConnection, ctx: &AuditContext, now: DateTime<Utc>) -> anyhow::Result<CampaignJobReport> {
    let yesterday = now.date_naive().pred_opt().unwrap_or(now.date_naive());
    if clientele_store::segment_run(conn, Some(yesterday))?.is_err() {
        let config = crate::segments::refresh_config(conn)?;
        let run =
            crate::segments::RefreshRun { as_of: yesterday, config: &config, now, threads: crate::machine_threads() };
        crate::segments::refresh_segments(conn, &mut [], &run, &mut |_| {})?;
    }
    for definition in definitions() {
        let spec = CampaignSpec::from_json(&definition).map_err(|e| anyhow::anyhow!("demo campaign: {e:?}"))?;
        let created = create_campaign(conn, &spec, &StoreScope::All, ctx)?;
        change_status(conn, created.id, StatusChange::Launch, &StoreScope::All, ctx)?;
    }
    Ok(run_campaigns(conn, now)?)
}
