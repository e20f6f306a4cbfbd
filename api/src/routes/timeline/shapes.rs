//! The timeline's request and response shapes: a new entry (checked per
//! `type`), a page of entries, and the paging cursor.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use clientele_kernel::{Actor, FieldErrors, InvalidValue, LongText, StoreId};
use clientele_profiles::{
    AppointmentStatus, AssociateId, Case, CaseStatus, Channel, Direction, Interaction, InteractionDetail,
    InteractionId, SurveyAnswer, SurveyScale,
};
use clientele_store::{TimelineCursor, TimelinePage};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::{InteractionView, keyword, opt};

/// A new timeline entry. `type` decides which of the other fields apply:
/// `call` needs `direction`; `message` needs `channel` and `direction`;
/// `appointment` needs `scheduled_for` (and takes `appointment_status`,
/// default `scheduled`); `complaint` and `service_request` take `status`
/// (default `open`) and `resolved_at`; `survey` needs `survey_scale`
/// (`satisfaction` 1–5 or `nps` 0–10) and `score`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInteractionRequest {
    /// `visit`, `call`, `message`, `appointment`, `note`, `complaint`, `service_request`, `survey`.
    #[serde(rename = "type")]
    pub kind: String,
    /// When it happened (default: now).
    pub at: Option<DateTime<Utc>>,
    pub store_id: Option<Uuid>,
    pub associate_id: Option<Uuid>,
    pub note: Option<String>,
    /// `inbound` or `outbound`.
    pub direction: Option<String>,
    /// `sms`, `email`, `wechat`, `phone`.
    pub channel: Option<String>,
    pub scheduled_for: Option<DateTime<Utc>>,
    /// `scheduled`, `completed`, `cancelled`, `no_show`.
    pub appointment_status: Option<String>,
    /// `open`, `in_progress`, `resolved`, `closed`.
    pub status: Option<String>,
    pub resolved_at: Option<DateTime<Utc>>,
    /// `satisfaction` or `nps`.
    pub survey_scale: Option<String>,
    pub score: Option<u8>,
}

fn required<T>(e: &mut FieldErrors, field: &str, v: Option<T>, kind: &str) -> Option<T> {
    if v.is_none() {
        e.push(field, InvalidValue::new("required", format!("required for type {kind}")));
    }
    v
}

impl CreateInteractionRequest {
    /// The domain interaction, or every bad field.
    pub fn into_domain(self, actor: Actor, now: DateTime<Utc>) -> Result<Interaction, ApiError> {
        let mut e = FieldErrors::new();
        let at = self.at.map(crate::clock::stored).unwrap_or(now);
        if at > now + chrono::Duration::minutes(5) && self.kind != "appointment" {
            e.push("at", InvalidValue::new("out_of_range", "an interaction cannot be recorded in the future"));
        }
        let note = opt(&mut e, "note", self.note.as_deref(), LongText::parse);
        let detail = self.detail(&mut e, at);
        match detail {
            Some(detail) if e.is_empty() => Ok(Interaction {
                id: InteractionId::from_uuid(Uuid::now_v7()),
                at,
                store: self.store_id.map(StoreId::from_uuid),
                associate: self.associate_id.map(AssociateId::from_uuid),
                note,
                detail,
                recorded_by: actor,
            }),
            _ => Err(e.into()),
        }
    }

    /// The detail of the entry's `type`, from the fields that type takes.
    fn detail(&self, e: &mut FieldErrors, at: DateTime<Utc>) -> Option<InteractionDetail> {
        let direction = |e: &mut FieldErrors, k: &str| {
            let d = opt(e, "direction", self.direction.as_deref(), keyword::<Direction>);
            if self.direction.is_none() { required(e, "direction", None::<Direction>, k) } else { d }
        };
        let case = |e: &mut FieldErrors| {
            let status = match &self.status {
                Some(s) => e.check("status", keyword::<CaseStatus>(s)),
                None => Some(CaseStatus::Open),
            }?;
            match Case::new(status, self.resolved_at.map(crate::clock::stored), at) {
                Ok(c) => Some(c),
                Err(inner) => {
                    e.extend_prefixed("", inner);
                    None
                }
            }
        };
        match self.kind.as_str() {
            "visit" => Some(InteractionDetail::Visit),
            "note" => Some(InteractionDetail::Note),
            "call" => direction(e, "call").map(|direction| InteractionDetail::Call { direction }),
            "message" => {
                let channel = opt(e, "channel", self.channel.as_deref(), keyword::<Channel>);
                let channel = if self.channel.is_none() { required(e, "channel", None, "message") } else { channel };
                let direction = direction(e, "message");
                channel.zip(direction).map(|(channel, direction)| InteractionDetail::Message { channel, direction })
            }
            "appointment" => {
                let scheduled_for =
                    required(e, "scheduled_for", self.scheduled_for.map(crate::clock::stored), "appointment");
                let status = match &self.appointment_status {
                    Some(s) => e.check("appointment_status", keyword::<AppointmentStatus>(s)),
                    None => Some(AppointmentStatus::Scheduled),
                };
                scheduled_for
                    .zip(status)
                    .map(|(scheduled_for, status)| InteractionDetail::Appointment { scheduled_for, status })
            }
            "complaint" => case(e).map(|case| InteractionDetail::Complaint { case }),
            "service_request" => case(e).map(|case| InteractionDetail::ServiceRequest { case }),
            "survey" => {
                let scale = required(e, "survey_scale", self.survey_scale.as_deref(), "survey")
                    .and_then(|s| e.check("survey_scale", keyword::<SurveyScale>(s)));
                let score = required(e, "score", self.score, "survey");
                scale
                    .zip(score)
                    .and_then(|(scale, score)| e.check("score", SurveyAnswer::new(scale, score)))
                    .map(|answer| InteractionDetail::Survey { answer })
            }
            other => {
                e.push(
                    "type",
                    InvalidValue::new(
                        "invalid_format",
                        format!("unknown type {other:?}: use visit, call, message, appointment, note, complaint, service_request or survey"),
                    ),
                );
                None
            }
        }
    }
}

/// A page of a timeline, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimelineList {
    pub items: Vec<InteractionView>,
    pub next_cursor: Option<String>,
}

impl TimelineList {
    pub fn new(page: &TimelinePage) -> Self {
        TimelineList {
            items: page.items.iter().map(InteractionView::new).collect(),
            next_cursor: page.next.map(timeline_cursor),
        }
    }
}

/// Paging through a timeline.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TimelineQuery {
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

/// Encodes a timeline cursor.
pub fn timeline_cursor(c: TimelineCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("t:{}:{}", c.at.timestamp_micros(), c.id))
}

/// Decodes a timeline cursor.
pub fn parse_timeline_cursor(s: &str) -> Result<TimelineCursor, ApiError> {
    let bad = || ApiError::field("cursor", "invalid_format", "not a cursor returned by this endpoint");
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    let rest = text.strip_prefix("t:").ok_or_else(bad)?;
    let (micros, id) = rest.split_once(':').ok_or_else(bad)?;
    let at = micros.parse::<i64>().ok().and_then(DateTime::<Utc>::from_timestamp_micros).ok_or_else(bad)?;
    let id = id.parse::<Uuid>().map_err(|_| bad())?;
    Ok(TimelineCursor { at, id: InteractionId::from_uuid(id) })
}
