//! The customer's timeline: store visits, calls, messages, appointments,
//! notes, complaints and service requests, survey answers.

use chrono::{DateTime, TimeDelta, Utc};
use clientele_kernel::{Actor, FieldErrors, InvalidValue, LongText, StoreId, keyword_enum};
use serde::{Deserialize, Serialize};

use crate::contact::Channel;
use crate::ids::{AssociateId, InteractionId};

keyword_enum! {
    /// What a campaign did with a customer, as the timeline shows it.
    pub enum CampaignStep {
        /// A message went out.
        Message => "message",
        /// The customer was in the campaign's control group and got
        /// nothing (at the time they would have been contacted).
        HeldOut => "held_out",
        /// A follow-up was created for the client's associate.
        Task => "task",
    }
}

keyword_enum! {
    /// Who started a call or a message.
    pub enum Direction {
        /// The customer reached the brand.
        Inbound => "inbound",
        /// The brand reached the customer.
        Outbound => "outbound",
    }
}

keyword_enum! {
    /// Where an appointment stands.
    pub enum AppointmentStatus {
        /// Booked, not yet happened.
        Scheduled => "scheduled",
        /// Took place.
        Completed => "completed",
        /// Called off.
        Cancelled => "cancelled",
        /// The customer did not come.
        NoShow => "no_show",
    }
}

keyword_enum! {
    /// Where a complaint or service request stands.
    pub enum CaseStatus {
        /// Received, nobody on it yet.
        Open => "open",
        /// Being worked on.
        InProgress => "in_progress",
        /// Solved.
        Resolved => "resolved",
        /// Closed (solved or given up).
        Closed => "closed",
    }
}

impl CaseStatus {
    /// True for `Resolved` and `Closed`: the case has a resolution time.
    pub fn is_finished(self) -> bool {
        match self {
            CaseStatus::Open | CaseStatus::InProgress => false,
            CaseStatus::Resolved | CaseStatus::Closed => true,
        }
    }
}

/// A complaint or service request: resolved_at is Some exactly when status is Resolved or Closed, and never before the case was opened.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "CaseFields", into = "CaseFields")]
pub struct Case {
    status: CaseStatus,
    resolved_at: Option<DateTime<Utc>>,
}

/// The serialised form of [`Case`], checked by `TryFrom`.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct CaseFields {
    status: CaseStatus,
    #[serde(default)]
    resolved_at: Option<DateTime<Utc>>,
}

/// The error, if any, of pairing `status` with `resolved_at`.
fn pairing_error(status: CaseStatus, resolved_at: Option<DateTime<Utc>>) -> Option<InvalidValue> {
    match (status.is_finished(), resolved_at.is_some()) {
        (true, false) => {
            Some(InvalidValue::new("required", format!("a case that is {status} needs its resolution time")))
        }
        (false, true) => {
            Some(InvalidValue::new("not_allowed", format!("a case that is {status} has no resolution time")))
        }
        _ => None,
    }
}

impl Case {
    /// Checks and builds a case opened at `opened_at` (the interaction's
    /// time). Errors are on field `resolved_at`: `required` when a resolved
    /// or closed case has none, `not_allowed` when an open or in-progress
    /// case has one, `out_of_range` when it is before `opened_at`.
    pub fn new(
        status: CaseStatus,
        resolved_at: Option<DateTime<Utc>>,
        opened_at: DateTime<Utc>,
    ) -> Result<Case, FieldErrors> {
        if let Some(e) = pairing_error(status, resolved_at) {
            return Err(FieldErrors::single("resolved_at", e));
        }
        if resolved_at.is_some_and(|r| r < opened_at) {
            return Err(FieldErrors::single(
                "resolved_at",
                InvalidValue::new("out_of_range", "a case cannot be resolved before it was opened"),
            ));
        }
        Ok(Case { status, resolved_at })
    }

    /// A case just opened.
    pub fn open() -> Case {
        Case { status: CaseStatus::Open, resolved_at: None }
    }

    /// Where the case stands.
    pub fn status(&self) -> CaseStatus {
        self.status
    }

    /// When it was resolved or closed.
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.resolved_at
    }

    /// How long it took from `opened_at` to resolution; None while open.
    pub fn resolution_time(&self, opened_at: DateTime<Utc>) -> Option<TimeDelta> {
        self.resolved_at.map(|r| r - opened_at)
    }
}

impl TryFrom<CaseFields> for Case {
    type Error = InvalidValue;

    /// Checks the status / resolved_at pairing only (the opening time is not
    /// part of the serialised case).
    fn try_from(f: CaseFields) -> Result<Self, Self::Error> {
        match pairing_error(f.status, f.resolved_at) {
            Some(e) => Err(e),
            None => Ok(Case { status: f.status, resolved_at: f.resolved_at }),
        }
    }
}

impl From<Case> for CaseFields {
    fn from(c: Case) -> Self {
        CaseFields { status: c.status, resolved_at: c.resolved_at }
    }
}

keyword_enum! {
    /// The scale of a survey answer.
    pub enum SurveyScale {
        /// Satisfaction, 1 (very unhappy) to 5 (very happy).
        Satisfaction => "satisfaction",
        /// Net promoter score, 0 to 10.
        Nps => "nps",
    }
}

impl SurveyScale {
    /// The lowest and highest score on this scale.
    pub const fn range(self) -> (u8, u8) {
        match self {
            SurveyScale::Satisfaction => (1, 5),
            SurveyScale::Nps => (0, 10),
        }
    }
}

/// A survey answer: a score on its scale, always within it. Serialised as
/// `{"scale": "satisfaction", "score": 4}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "SurveyAnswerFields", into = "SurveyAnswerFields")]
pub struct SurveyAnswer {
    scale: SurveyScale,
    score: u8,
}

/// The serialised form of [`SurveyAnswer`], checked by `TryFrom`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct SurveyAnswerFields {
    scale: SurveyScale,
    score: u8,
}

impl SurveyAnswer {
    /// A score on a scale (code `out_of_range` outside it).
    pub fn new(scale: SurveyScale, score: u8) -> Result<SurveyAnswer, InvalidValue> {
        let (low, high) = scale.range();
        if !(low..=high).contains(&score) {
            return Err(InvalidValue::new("out_of_range", format!("a {scale} score must be from {low} to {high}")));
        }
        Ok(SurveyAnswer { scale, score })
    }

    /// A satisfaction score, 1 to 5.
    pub fn satisfaction(score: u8) -> Result<SurveyAnswer, InvalidValue> {
        SurveyAnswer::new(SurveyScale::Satisfaction, score)
    }

    /// A net promoter score, 0 to 10.
    pub fn nps(score: u8) -> Result<SurveyAnswer, InvalidValue> {
        SurveyAnswer::new(SurveyScale::Nps, score)
    }

    /// The scale.
    pub fn scale(&self) -> SurveyScale {
        self.scale
    }

    /// The score, within the scale.
    pub fn score(&self) -> u8 {
        self.score
    }
}

impl TryFrom<SurveyAnswerFields> for SurveyAnswer {
    type Error = InvalidValue;

    fn try_from(f: SurveyAnswerFields) -> Result<Self, Self::Error> {
        SurveyAnswer::new(f.scale, f.score)
    }
}

impl From<SurveyAnswer> for SurveyAnswerFields {
    fn from(a: SurveyAnswer) -> Self {
        SurveyAnswerFields { scale: a.scale, score: a.score }
    }
}

/// What happened, with what is particular to each kind. Serialised with a
/// `type` field: `{"type": "call", "direction": "inbound"}`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InteractionDetail {
    /// A visit to a store.
    Visit,
    /// A phone call.
    Call {
        /// Who called.
        direction: Direction,
    },
    /// A message on some channel.
    Message {
        /// The channel.
        channel: Channel,
        /// Who wrote.
        direction: Direction,
    },
    /// An appointment (a private viewing, a fitting).
    Appointment {
        /// When it is (or was) booked for.
        scheduled_for: DateTime<Utc>,
        /// Where it stands.
        status: AppointmentStatus,
    },
    /// A note by an associate.
    Note,
    /// A complaint.
    Complaint {
        /// Its status and resolution.
        case: Case,
    },
    /// A service request (repair, alteration, engraving).
    ServiceRequest {
        /// Its status and resolution.
        case: Case,
    },
    /// An answer to a survey.
    Survey {
        /// The score.
        answer: SurveyAnswer,
    },
    /// A follow-up made, done or cancelled (written with the follow-up,
    /// never through the timeline's API).
    FollowUp {
        /// The follow-up.
        follow_up: uuid::Uuid,
        /// Its status after this step.
        status: crate::follow_up::FollowUpStatus,
        /// When it is due.
        due_on: chrono::NaiveDate,
        /// How the client was reached, when it was done.
        channel: Option<Channel>,
    },
    /// A campaign's contact, or its decision not to (written by the
    /// campaign job, never through the API).
    Campaign {
        /// The campaign.
        campaign: uuid::Uuid,
        /// What it did.
        step: CampaignStep,
        /// On which channel.
        channel: Channel,
    },
}

impl InteractionDetail {
    /// The kind, without the details.
    pub fn kind(&self) -> InteractionKind {
        match self {
            InteractionDetail::Visit => InteractionKind::Visit,
            InteractionDetail::Call { .. } => InteractionKind::Call,
            InteractionDetail::Message { .. } => InteractionKind::Message,
            InteractionDetail::Appointment { .. } => InteractionKind::Appointment,
            InteractionDetail::Note => InteractionKind::Note,
            InteractionDetail::Complaint { .. } => InteractionKind::Complaint,
            InteractionDetail::ServiceRequest { .. } => InteractionKind::ServiceRequest,
            InteractionDetail::Survey { .. } => InteractionKind::Survey,
            InteractionDetail::FollowUp { .. } => InteractionKind::FollowUp,
            InteractionDetail::Campaign { .. } => InteractionKind::Campaign,
        }
    }

    /// The case of a complaint or service request.
    pub fn case(&self) -> Option<&Case> {
        match self {
            InteractionDetail::Complaint { case } | InteractionDetail::ServiceRequest { case } => Some(case),
            _ => None,
        }
    }
}

keyword_enum! {
    /// The kind of an interaction (for filters and counts).
    pub enum InteractionKind {
        /// A store visit.
        Visit => "visit",
        /// A phone call.
        Call => "call",
        /// A message.
        Message => "message",
        /// An appointment.
        Appointment => "appointment",
        /// A note.
        Note => "note",
        /// A complaint.
        Complaint => "complaint",
        /// A service request.
        ServiceRequest => "service_request",
        /// A survey answer.
        Survey => "survey",
        /// A follow-up made, done or cancelled.
        FollowUp => "follow_up",
        /// A campaign's message, hold-out or task.
        Campaign => "campaign",
    }
}

/// One entry of a customer's timeline. A complaint's or service request's
/// case counts as opened at `at`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Interaction {
    /// Identifies the entry.
    pub id: InteractionId,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// At which store, if any.
    pub store: Option<StoreId>,
    /// With which associate, if any.
    pub associate: Option<AssociateId>,
    /// Free text.
    pub note: Option<LongText>,
    /// What happened.
    pub detail: InteractionDetail,
    /// Who recorded it.
    pub recorded_by: Actor,
}

impl Interaction {
    /// Removes the free-text note (used by erasure; the rest says nothing
    /// about the person once the customer record is anonymised).
    pub fn redact(&mut self) {
        self.note = None;
    }

    /// How long the complaint or service request took to resolve, counted
    /// from this interaction's time.
    pub fn resolution_time(&self) -> Option<TimeDelta> {
        self.detail.case().and_then(|c| c.resolution_time(self.at))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn case_err(status: CaseStatus, resolved: Option<i64>) -> (String, &'static str) {
        let e = Case::new(status, resolved.map(at), at(0)).unwrap_err();
        (e.0[0].field.clone(), e.0[0].code)
    }

    #[test]
    fn case_pairing() {
        assert!(Case::new(CaseStatus::Open, None, at(0)).is_ok());
        assert!(Case::new(CaseStatus::InProgress, None, at(0)).is_ok());
        let c = Case::new(CaseStatus::Resolved, Some(at(3600)), at(0)).unwrap();
        assert_eq!(c.resolution_time(at(0)), Some(TimeDelta::hours(1)));
        assert_eq!(Case::open().resolution_time(at(0)), None);
        assert!(Case::new(CaseStatus::Closed, Some(at(0)), at(0)).is_ok());
        assert_eq!(case_err(CaseStatus::Resolved, None), ("resolved_at".to_owned(), "required"));
        assert_eq!(case_err(CaseStatus::Closed, None), ("resolved_at".to_owned(), "required"));
        assert_eq!(case_err(CaseStatus::Open, Some(5)), ("resolved_at".to_owned(), "not_allowed"));
        assert_eq!(case_err(CaseStatus::InProgress, Some(5)), ("resolved_at".to_owned(), "not_allowed"));
        assert_eq!(case_err(CaseStatus::Resolved, Some(-1)), ("resolved_at".to_owned(), "out_of_range"));
    }

    #[test]
    fn case_serde_checks_pairing() {
        let c = Case::new(CaseStatus::Resolved, Some(at(60)), at(0)).unwrap();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["status"], "resolved");
        assert_eq!(serde_json::from_value::<Case>(json).unwrap(), c);
        assert!(serde_json::from_str::<Case>(r#"{"status":"closed"}"#).is_err());
        assert!(serde_json::from_str::<Case>(r#"{"status":"open","resolved_at":"2024-01-01T00:00:00Z"}"#).is_err());
        assert_eq!(serde_json::from_str::<Case>(r#"{"status":"open"}"#).unwrap(), Case::open());
    }

    #[test]
    fn survey_scales() {
        assert!(SurveyAnswer::satisfaction(0).is_err());
        assert!(SurveyAnswer::satisfaction(1).is_ok());
        assert!(SurveyAnswer::satisfaction(5).is_ok());
        assert_eq!(SurveyAnswer::satisfaction(6).unwrap_err().code, "out_of_range");
        assert!(SurveyAnswer::nps(0).is_ok());
        assert!(SurveyAnswer::nps(10).is_ok());
        assert_eq!(SurveyAnswer::nps(11).unwrap_err().code, "out_of_range");
        let a = SurveyAnswer::satisfaction(4).unwrap();
        assert_eq!((a.scale(), a.score()), (SurveyScale::Satisfaction, 4));
        let json = serde_json::to_value(a).unwrap();
        assert_eq!(json, serde_json::json!({"scale": "satisfaction", "score": 4}));
        assert_eq!(serde_json::from_value::<SurveyAnswer>(json).unwrap(), a);
        assert!(serde_json::from_str::<SurveyAnswer>(r#"{"scale":"nps","score":11}"#).is_err());
    }

    #[test]
    fn details_serialise_with_a_type_tag() {
        let detail = InteractionDetail::Message { channel: Channel::Wechat, direction: Direction::Outbound };
        assert_eq!(
            serde_json::to_value(&detail).unwrap(),
            serde_json::json!({"type": "message", "channel": "wechat", "direction": "outbound"})
        );
        assert_eq!(serde_json::to_value(InteractionDetail::Visit).unwrap(), serde_json::json!({"type": "visit"}));
        let complaint = InteractionDetail::Complaint { case: Case::open() };
        let json = serde_json::to_value(&complaint).unwrap();
        assert_eq!(json, serde_json::json!({"type": "complaint", "case": {"status": "open", "resolved_at": null}}));
        assert_eq!(serde_json::from_value::<InteractionDetail>(json).unwrap(), complaint);
        let bad = r#"{"type":"survey","answer":{"scale":"satisfaction","score":9}}"#;
        assert!(serde_json::from_str::<InteractionDetail>(bad).is_err());
    }

    #[test]
    fn kinds_and_redaction() {
        let details = [
            InteractionDetail::Visit,
            InteractionDetail::Call { direction: Direction::Inbound },
            InteractionDetail::Message { channel: Channel::Sms, direction: Direction::Inbound },
            InteractionDetail::Appointment { scheduled_for: at(0), status: AppointmentStatus::NoShow },
            InteractionDetail::Note,
            InteractionDetail::Complaint { case: Case::open() },
            InteractionDetail::ServiceRequest { case: Case::open() },
            InteractionDetail::Survey { answer: SurveyAnswer::nps(9).unwrap() },
            InteractionDetail::FollowUp {
                follow_up: Uuid::nil(),
                status: crate::follow_up::FollowUpStatus::Open,
                due_on: at(0).date_naive(),
                channel: None,
            },
            InteractionDetail::Campaign { campaign: Uuid::nil(), step: CampaignStep::HeldOut, channel: Channel::Sms },
        ];
        for (detail, kind) in details.iter().zip(InteractionKind::ALL) {
            assert_eq!(detail.kind(), kind);
            let json = serde_json::to_value(detail).unwrap();
            assert_eq!(json["type"], kind.as_str());
        }
        let mut i = Interaction {
            id: InteractionId::from_uuid(Uuid::from_u128(1)),
            at: at(0),
            store: None,
            associate: None,
            note: Some(LongText::parse("She likes films.").unwrap()),
            detail: InteractionDetail::ServiceRequest {
                case: Case::new(CaseStatus::Closed, Some(at(7200)), at(0)).unwrap(),
            },
            recorded_by: Actor::system(),
        };
        assert_eq!(i.resolution_time(), Some(TimeDelta::hours(2)));
        i.redact();
        assert_eq!(i.note, None);
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Interaction>(&json).unwrap(), i);
    }
}
