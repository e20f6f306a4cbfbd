//! [`CampaignSpec`]: what a CRM manager defines — who (the audience), when
//! (once, or on a trigger), how (a message on a channel, or a task for the
//! client's associate), the control group, the priority against other
//! campaigns, and what it may cost. Read from JSON with the path of every
//! bad field, written back in the same shape.
//!
//! ```json
//! {
//!   "name": "Win back at-risk top clients",
//!   "audience": {"all": [{"segment": ["at_risk", "cant_lose_them"]}, {"clv": {"min": "5000"}}]},
//!   "schedule": {"once": {"at": null}},
//!   "channel": "wechat",
//!   "action": {"message": {"template": "winback_2026_q4"}},
//!   "holdout_percent": 20,
//!   "priority": 50,
//!   "cost_per_message": "0.35",
//!   "budget": "20000",
//!   "per_customer_limit": 1,
//!   "promoted": {"categories": ["bags"], "collections": [], "skus": []}
//! }
//! ```
//!
//! Offers (a coupon, bonus points, a gift) will attach to the action; the
//! dry run's cost will then add their expected cost.

use chrono::{DateTime, Utc};
use clientele_kernel::{FieldErrors, InvalidValue};
use clientele_profiles::Channel;
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use crate::audience::Audience;
use crate::holdout::HoldoutPercent;
use crate::trigger::Trigger;

/// When a campaign contacts its audience.
#[derive(Debug, Clone, PartialEq)]
pub enum Schedule {
    /// Once, at launch (`at` None) or at a time.
    Once { at: Option<DateTime<Utc>> },
    /// Whenever the trigger fires for a customer in the audience, while the
    /// campaign runs.
    Trigger(Trigger),
}

/// What a contact is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A `campaign.message` event for the brand's gateway: the template and
    /// the customer's contact on the channel.
    Message { template: String },
    /// A follow-up for the client's associate, due in `due_in_days`.
    AssociateTask { note: String, due_in_days: u32 },
}

/// A campaign as defined; see the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub struct CampaignSpec {
    pub name: String,
    pub audience: Audience,
    pub schedule: Schedule,
    pub channel: Channel,
    pub action: Action,
    pub holdout: HoldoutPercent,
    /// 0–100; when two campaigns compete for a customer's capped channel,
    /// the higher goes.
    pub priority: i32,
    /// Cost of one contact, base currency.
    pub cost_per_message: Decimal,
    /// The most the campaign may spend; None: no limit.
    pub budget: Option<Decimal>,
    /// The most contacts one customer gets from this campaign (1–100).
    pub per_customer_limit: u32,
    /// What the campaign promotes: its results count who bought it.
    pub promoted: Promoted,
}

/// The products a campaign promotes: a line bought counts when its
/// category or collection (compared without case) or its SKU (exactly) is
/// listed. All empty: the campaign promotes nothing in particular.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Promoted {
    pub categories: Vec<String>,
    pub collections: Vec<String>,
    pub skus: Vec<String>,
}

impl Promoted {
    /// Whether anything is promoted.
    pub fn is_empty(&self) -> bool {
        self.categories.is_empty() && self.collections.is_empty() && self.skus.is_empty()
    }

    fn from_json(v: Option<&Value>, e: &mut FieldErrors) -> Option<Promoted> {
        let o = match v {
            None | Some(Value::Null) => return Some(Promoted::default()),
            Some(Value::Object(o)) => o,
            Some(_) => {
                e.push(
                    "promoted",
                    invalid("invalid_type", "must be {\"categories\": […], \"collections\": […], \"skus\": […]}"),
                );
                return None;
            }
        };
        let mut ok = true;
        for key in o.keys().filter(|k| !["categories", "collections", "skus"].contains(&k.as_str())) {
            e.push(format!("promoted.{key}"), invalid("unknown_field", "one of: categories, collections, skus"));
            ok = false;
        }
        let mut list = |key: &str| -> Vec<String> {
            let Some(v) = o.get(key) else { return Vec::new() };
            let Some(items) = v.as_array().filter(|a| a.len() <= 100) else {
                e.push(format!("promoted.{key}"), invalid("invalid_type", "must be a list of at most 100 names"));
                ok = false;
                return Vec::new();
            };
            let mut names = Vec::new();
            for (i, item) in items.iter().enumerate() {
                match text(Some(item), 100) {
                    Ok(name) => names.push(name),
                    Err(err) => {
                        e.push(format!("promoted.{key}[{i}]"), err);
                        ok = false;
                    }
                }
            }
            names
        };
        let promoted =
            Promoted { categories: list("categories"), collections: list("collections"), skus: list("skus") };
        ok.then_some(promoted)
    }

    fn to_json(&self) -> Value {
        if self.is_empty() {
            return Value::Null;
        }
        json!({ "categories": self.categories, "collections": self.collections, "skus": self.skus })
    }
}

const FIELDS: [&str; 11] = [
    "name",
    "audience",
    "schedule",
    "channel",
    "action",
    "holdout_percent",
    "priority",
    "cost_per_message",
    "budget",
    "per_customer_limit",
    "promoted",
];

fn invalid(code: &'static str, message: impl Into<String>) -> InvalidValue {
    InvalidValue::new(code, message)
}

fn text(v: Option<&Value>, max: usize) -> Result<String, InvalidValue> {
    let s = v.and_then(Value::as_str).ok_or_else(|| invalid("invalid_type", "must be a string"))?.trim();
    if s.is_empty() || s.chars().count() > max || s.chars().any(char::is_control) {
        return Err(invalid("invalid_length", format!("must be 1 to {max} characters, no control characters")));
    }
    Ok(s.to_owned())
}

fn money(v: Option<&Value>) -> Result<Decimal, InvalidValue> {
    let d = match v {
        Some(Value::String(s)) => s.trim().parse::<Decimal>().ok(),
        Some(Value::Number(n)) => n.to_string().parse::<Decimal>().ok(),
        _ => None,
    }
    .ok_or_else(|| invalid("invalid_type", "must be an amount, e.g. \"0.35\""))?;
    if d.is_sign_negative() || d > Decimal::from(1_000_000_000_i64) || d.scale() > 4 {
        return Err(invalid("out_of_range", "must be 0 to 1,000,000,000 with at most 4 decimals"));
    }
    Ok(d)
}

fn whole(v: Option<&Value>, range: std::ops::RangeInclusive<i64>) -> Result<i64, InvalidValue> {
    let n = v.and_then(Value::as_i64).ok_or_else(|| invalid("invalid_type", "must be a whole number"))?;
    if !range.contains(&n) {
        return Err(invalid("out_of_range", format!("must be {} to {}", range.start(), range.end())));
    }
    Ok(n)
}

fn schedule(v: Option<&Value>, e: &mut FieldErrors) -> Option<Schedule> {
    let o = v.and_then(Value::as_object).filter(|o| o.len() == 1);
    let Some((key, body)) = o.and_then(|o| o.iter().next()) else {
        e.push("schedule", invalid("invalid_type", "must be {\"once\": {\"at\": …}} or {\"trigger\": {…}}"));
        return None;
    };
    match key.as_str() {
        "once" => {
            let at = body.as_object().and_then(|o| o.get("at")).unwrap_or(&Value::Null);
            match at {
                Value::Null => Some(Schedule::Once { at: None }),
                Value::String(s) => match DateTime::parse_from_rfc3339(s) {
                    Ok(t) => Some(Schedule::Once { at: Some(t.with_timezone(&Utc)) }),
                    Err(_) => {
                        e.push("schedule.once.at", invalid("invalid_format", "must be an RFC 3339 time"));
                        None
                    }
                },
                _ => {
                    e.push("schedule.once.at", invalid("invalid_type", "must be a time or null"));
                    None
                }
            }
        }
        "trigger" => match Trigger::from_json_at(body, "schedule.trigger") {
            Ok(t) => Some(Schedule::Trigger(t)),
            Err(errors) => {
                e.0.extend(errors.0);
                None
            }
        },
        other => {
            e.push(format!("schedule.{other}"), invalid("unknown_field", "one of: once, trigger"));
            None
        }
    }
}

fn action(v: Option<&Value>, e: &mut FieldErrors) -> Option<Action> {
    let o = v.and_then(Value::as_object).filter(|o| o.len() == 1);
    let Some((key, body)) = o.and_then(|o| o.iter().next()) else {
        e.push("action", invalid("invalid_type", "must be {\"message\": {…}} or {\"associate_task\": {…}}"));
        return None;
    };
    let body = body.as_object();
    let get = |k: &str| body.and_then(|b| b.get(k));
    match key.as_str() {
        "message" => {
            e.check("action.message.template", text(get("template"), 100)).map(|template| Action::Message { template })
        }
        "associate_task" => {
            let note = e.check("action.associate_task.note", text(get("note"), 500));
            let due = e.check("action.associate_task.due_in_days", whole(get("due_in_days"), 0..=90));
            Some(Action::AssociateTask { note: note?, due_in_days: u32::try_from(due?).ok()? })
        }
        other => {
            e.push(format!("action.{other}"), invalid("unknown_field", "one of: message, associate_task"));
            None
        }
    }
}

impl CampaignSpec {
    /// Reads a campaign; every bad field is an error naming its path.
    pub fn from_json(value: &Value) -> Result<CampaignSpec, FieldErrors> {
        let mut e = FieldErrors::new();
        let Some(o) = value.as_object() else {
            return Err(FieldErrors::single("body", invalid("invalid_type", "must be an object")));
        };
        for key in o.keys().filter(|k| !FIELDS.contains(&k.as_str())) {
            e.push(key.clone(), invalid("unknown_field", format!("one of: {}", FIELDS.join(", "))));
        }
        let name = e.check("name", text(o.get("name"), 200));
        let audience = match Audience::from_json_at(o.get("audience").unwrap_or(&Value::Null), "audience") {
            Ok(a) => Some(a),
            Err(errors) => {
                e.0.extend(errors.0);
                None
            }
        };
        let schedule = schedule(o.get("schedule"), &mut e);
        let channel = e.check(
            "channel",
            o.get("channel")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid("invalid_type", "must be a string"))
                .and_then(str::parse),
        );
        let action = action(o.get("action"), &mut e);
        let holdout = read_holdout(o, &mut e);
        let priority = e.check("priority", whole(o.get("priority").or(Some(&json!(50))), 0..=100));
        let cost = e.check("cost_per_message", money(o.get("cost_per_message").or(Some(&json!("0")))));
        let budget = match o.get("budget") {
            None | Some(Value::Null) => Some(None),
            v => e.check("budget", money(v)).map(Some),
        };
        let limit = e.check("per_customer_limit", whole(o.get("per_customer_limit").or(Some(&json!(1))), 1..=100));
        let promoted = Promoted::from_json(o.get("promoted"), &mut e);
        if !e.is_empty() {
            return Err(e);
        }
        let Some(promoted) = promoted else {
            return Err(FieldErrors::single("promoted", invalid("invalid_type", "not a promotion")));
        };
        match (name, audience, schedule, channel, action, holdout, priority, cost, budget, limit) {
            (
                Some(name),
                Some(audience),
                Some(schedule),
                Some(channel),
                Some(action),
                Some(holdout),
                Some(p),
                Some(cost),
                Some(budget),
                Some(l),
            ) => Ok(CampaignSpec {
                name,
                audience,
                schedule,
                channel,
                action,
                holdout,
                priority: i32::try_from(p).unwrap_or(50),
                cost_per_message: cost,
                budget,
                per_customer_limit: u32::try_from(l).unwrap_or(1),
                promoted,
            }),
            _ => Err(FieldErrors::single("body", invalid("invalid_campaign", "not a campaign"))),
        }
    }

    /// The campaign as JSON, in the shape [`CampaignSpec::from_json`] reads.
    pub fn to_json(&self) -> Value {
        let schedule = match &self.schedule {
            Schedule::Once { at } => json!({ "once": { "at": at.map(|t| t.to_rfc3339()) } }),
            Schedule::Trigger(t) => json!({ "trigger": t.to_json() }),
        };
        let action = match &self.action {
            Action::Message { template } => json!({ "message": { "template": template } }),
            Action::AssociateTask { note, due_in_days } => {
                json!({ "associate_task": { "note": note, "due_in_days": due_in_days } })
            }
        };
        json!({
            "name": self.name,
            "audience": self.audience.to_json(),
            "schedule": schedule,
            "channel": self.channel.as_str(),
            "action": action,
            "holdout_percent": self.holdout,
            "priority": self.priority,
            "cost_per_message": self.cost_per_message.to_string(),
            "budget": self.budget.map(|b| b.to_string()),
            "per_customer_limit": self.per_customer_limit,
            "promoted": self.promoted.to_json(),
        })
    }
}

fn read_holdout(o: &Map<String, Value>, e: &mut FieldErrors) -> Option<HoldoutPercent> {
    match o.get("holdout_percent") {
        None => Some(HoldoutPercent::ZERO),
        Some(v) => match serde_json::from_value::<HoldoutPercent>(v.clone()) {
            Ok(h) => Some(h),
            Err(err) => {
                e.push("holdout_percent", invalid("out_of_range", err.to_string()));
                None
            }
        },
    }
}
