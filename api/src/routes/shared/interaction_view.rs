//! A timeline entry as the API shows it: the timeline's answers and the
//! privacy export both carry it.

use chrono::{DateTime, Utc};
use clientele_profiles::{Interaction, InteractionDetail};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A timeline entry. Only the fields of its `type` are present.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InteractionView {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub store_id: Option<Uuid>,
    pub associate_id: Option<Uuid>,
    pub note: Option<String>,
    pub recorded_by: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub direction: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scheduled_for: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appointment_status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<DateTime<Utc>>,
    /// Minutes from opening to resolution, for resolved cases.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resolution_minutes: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub survey_scale: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<u8>,
    /// For a follow-up's entry: the follow-up.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_id: Option<Uuid>,
    /// For a follow-up's entry: `open` (made), `done` or `cancelled`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub follow_up_status: Option<String>,
    /// For a follow-up's entry: when it is due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_on: Option<chrono::NaiveDate>,
    /// For a campaign's entry: the campaign.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_id: Option<Uuid>,
    /// For a campaign's entry: `message`, `held_out` or `task`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub campaign_step: Option<String>,
}

impl InteractionView {
    pub fn new(i: &Interaction) -> Self {
        let mut v = InteractionView {
            id: i.id.as_uuid(),
            kind: i.detail.kind().as_str().to_owned(),
            at: i.at,
            store_id: i.store.map(|s| s.as_uuid()),
            associate_id: i.associate.map(|a| a.as_uuid()),
            note: i.note.as_ref().map(|n| n.as_str().to_owned()),
            recorded_by: i.recorded_by.as_str().to_owned(),
            direction: None,
            channel: None,
            scheduled_for: None,
            appointment_status: None,
            status: None,
            resolved_at: None,
            resolution_minutes: i.resolution_time().map(|d| d.num_minutes()),
            survey_scale: None,
            score: None,
            follow_up_id: None,
            follow_up_status: None,
            due_on: None,
            campaign_id: None,
            campaign_step: None,
        };
        match &i.detail {
            InteractionDetail::Visit | InteractionDetail::Note => {}
            InteractionDetail::Call { direction } => v.direction = Some(direction.as_str().to_owned()),
            InteractionDetail::Message { channel, direction } => {
                v.channel = Some(channel.as_str().to_owned());
                v.direction = Some(direction.as_str().to_owned());
            }
            InteractionDetail::Appointment { scheduled_for, status } => {
                v.scheduled_for = Some(*scheduled_for);
                v.appointment_status = Some(status.as_str().to_owned());
            }
            InteractionDetail::Complaint { case } | InteractionDetail::ServiceRequest { case } => {
                v.status = Some(case.status().as_str().to_owned());
                v.resolved_at = case.resolved_at();
            }
            InteractionDetail::Survey { answer } => {
                v.survey_scale = Some(answer.scale().as_str().to_owned());
                v.score = Some(answer.score());
            }
            InteractionDetail::FollowUp { follow_up, status, due_on, channel } => {
                v.follow_up_id = Some(*follow_up);
                v.follow_up_status = Some(status.as_str().to_owned());
                v.due_on = Some(*due_on);
                v.channel = channel.map(|c| c.as_str().to_owned());
            }
            InteractionDetail::Campaign { campaign, step, channel } => {
                v.campaign_id = Some(*campaign);
                v.campaign_step = Some(step.as_str().to_owned());
                v.channel = Some(channel.as_str().to_owned());
            }
        }
        v
    }
}
