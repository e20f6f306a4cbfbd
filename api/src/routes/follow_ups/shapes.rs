//! Follow-ups as the API reads and shows them.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{FieldErrors, InvalidValue, LongText};
use clientele_profiles::{AssociateId, Channel, FollowUpChange, FollowUpStatus};
use clientele_store::StoredFollowUp;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

/// A follow-up asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFollowUpRequest {
    /// The day it is due.
    pub due_on: NaiveDate,
    /// Why: what the associate is to do (1–4,000 characters).
    pub reason: String,
    /// Who is to do it (default: the client's associate).
    pub associate_id: Option<Uuid>,
}

impl CreateFollowUpRequest {
    pub fn into_new(self) -> Result<clientele_app::follow_ups::NewFollowUp, ApiError> {
        let reason = LongText::parse(&self.reason).map_err(|e| ApiError::field("reason", e.code, e.message))?;
        if reason.as_str().is_empty() {
            return Err(ApiError::field("reason", "required", "must not be empty"));
        }
        Ok(clientele_app::follow_ups::NewFollowUp {
            due_on: self.due_on,
            reason,
            associate: self.associate_id.map(AssociateId::from_uuid),
        })
    }
}

/// A change of a follow-up: each field given replaces the current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeFollowUpRequest {
    /// `done` or `cancelled`.
    pub status: Option<String>,
    /// What came of it (with `done`).
    pub outcome: Option<String>,
    /// How the client was reached (with `done`): sms, email, wechat, phone.
    pub channel: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub associate_id: Option<Uuid>,
}

fn parsed<T: std::str::FromStr<Err = InvalidValue>>(
    e: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<T> {
    value.and_then(|v| e.check(field, v.parse::<T>()))
}

impl ChangeFollowUpRequest {
    pub fn into_change(self) -> Result<FollowUpChange, ApiError> {
        let mut e = FieldErrors::new();
        let status = parsed::<FollowUpStatus>(&mut e, "status", self.status.as_deref());
        let channel = parsed::<Channel>(&mut e, "channel", self.channel.as_deref());
        let outcome = self.outcome.as_deref().and_then(|o| e.check("outcome", LongText::parse(o)));
        if !e.is_empty() {
            return Err(ApiError::Validation(e));
        }
        Ok(FollowUpChange {
            status,
            outcome,
            channel,
            due_on: self.due_on,
            associate: self.associate_id.map(AssociateId::from_uuid),
        })
    }
}

/// Which follow-ups to list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FollowUpQuery {
    /// `open` for the open ones only; all by default.
    pub status: Option<String>,
}

/// A follow-up.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpView {
    pub id: Uuid,
    pub customer_id: Uuid,
    /// Who is to do it (null: the client has no associate).
    pub associate_id: Option<Uuid>,
    /// The client's home store when it was made.
    pub store_id: Option<Uuid>,
    pub due_on: NaiveDate,
    pub reason: String,
    /// `open`, `done` or `cancelled`.
    pub status: String,
    pub outcome: Option<String>,
    pub channel: Option<String>,
    /// The campaign whose step made it, if one did.
    pub campaign_id: Option<Uuid>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When it was done or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
}

impl FollowUpView {
    pub fn new(s: &StoredFollowUp) -> Self {
        let f = &s.follow_up;
        FollowUpView {
            id: f.id.as_uuid(),
            customer_id: s.customer.as_uuid(),
            associate_id: f.associate.map(|a| a.as_uuid()),
            store_id: s.store.map(|x| x.as_uuid()),
            due_on: f.due_on,
            reason: f.reason.as_str().to_owned(),
            status: f.status.as_str().to_owned(),
            outcome: f.outcome.as_ref().map(|o| o.as_str().to_owned()),
            channel: f.channel.map(|c| c.as_str().to_owned()),
            campaign_id: s.campaign,
            created_by: s.created_by.clone(),
            created_at: s.created_at,
            closed_at: f.closed_at,
        }
    }
}

/// A customer's follow-ups, by due date.
#[derive(Debug, Serialize, ToSchema)]
pub struct FollowUpList {
    pub items: Vec<FollowUpView>,
}

/// A hand-over of an associate's client book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandOverRequest {
    /// The associate who takes the clients over.
    pub to: Uuid,
    /// Only these clients (default: all the associate's clients in the
    /// caller's stores).
    pub customers: Option<Vec<Uuid>>,
}

/// What a hand-over moved.
#[derive(Debug, Serialize, ToSchema)]
pub struct HandOverView {
    /// The clients moved, by id.
    pub customers: Vec<Uuid>,
    /// Their open follow-ups that moved with them.
    pub follow_ups: usize,
}

/// The programme's clienteling settings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ClientelingSettingsView {
    /// 0 until first saved (the defaults).
    pub version: i32,
    /// `{"thank_you": {"min_amount": "5000", "after_days": 3},
    /// "recent_contact_days": 14}`. `thank_you` null (the default): no
    /// thank-you follow-ups. `recent_contact_days` (0–366, default 14): a
    /// client contacted in these last days is not put forward on the
    /// worklist again, but for their follow-ups.
    #[schema(value_type = Object)]
    pub config: serde_json::Value,
}

impl ClientelingSettingsView {
    pub fn new(settings: &clientele_profiles::ClientelingSettings, version: i32) -> Self {
        ClientelingSettingsView { version, config: serde_json::to_value(settings).unwrap_or(serde_json::Value::Null) }
    }
}
