//! Follow-ups: something a client's associate must do by a day — call her
//! back about the alteration, thank her for a purchase, call before her
//! birthday. Made by hand, by a campaign step, or by the thank-you rule;
//! the worklist puts the due ones forward.
//!
//! A follow-up is `open` until it is `done` (with what came of it and on
//! which channel) or `cancelled`; then it is closed and changes no more.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{FieldErrors, InvalidValue, LongText, keyword_enum};

use crate::contact::Channel;
use crate::ids::{AssociateId, FollowUpId};

keyword_enum! {
    /// Where a follow-up stands.
    pub enum FollowUpStatus {
        /// To do.
        Open => "open",
        /// Done; `outcome` says what came of it.
        Done => "done",
        /// Called off.
        Cancelled => "cancelled",
    }
}

/// A follow-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    pub id: FollowUpId,
    /// Who is to do it (None: the client has no associate; the store's
    /// manager sees it).
    pub associate: Option<AssociateId>,
    pub due_on: NaiveDate,
    pub reason: LongText,
    pub status: FollowUpStatus,
    /// What came of it (done only).
    pub outcome: Option<LongText>,
    /// How the client was reached (done only).
    pub channel: Option<Channel>,
    /// When it was done or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
}

/// A change asked of a follow-up: each field given replaces the current.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FollowUpChange {
    pub status: Option<FollowUpStatus>,
    pub outcome: Option<LongText>,
    pub channel: Option<Channel>,
    pub due_on: Option<NaiveDate>,
    pub associate: Option<AssociateId>,
}

/// Why a change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FollowUpError {
    /// A done or cancelled follow-up changes no more.
    #[error("the follow-up is {0}: it changes no more")]
    Closed(FollowUpStatus),
    /// A field that does not fit the change.
    #[error("invalid follow-up change")]
    Invalid(FieldErrors),
}

impl FollowUp {
    /// The follow-up after `change`, made at `at`. Closing it sets
    /// `closed_at`; an outcome or a channel is only for a follow-up done
    /// (now or in this change); a reopening is refused, as is any change
    /// of a closed follow-up.
    pub fn apply(&self, change: &FollowUpChange, at: DateTime<Utc>) -> Result<FollowUp, FollowUpError> {
        if self.status != FollowUpStatus::Open {
            return Err(FollowUpError::Closed(self.status));
        }
        let status = change.status.unwrap_or(self.status);
        let mut errors = FieldErrors::new();
        if change.status == Some(FollowUpStatus::Open) {
            errors.push("status", InvalidValue::new("invalid_value", "must be done or cancelled: it is open"));
        }
        if status != FollowUpStatus::Done {
            for (field, given) in [("outcome", change.outcome.is_some()), ("channel", change.channel.is_some())] {
                if given {
                    errors.push(field, InvalidValue::new("not_allowed", "only with \"status\": \"done\""));
                }
            }
        }
        if !errors.is_empty() {
            return Err(FollowUpError::Invalid(errors));
        }
        Ok(FollowUp {
            id: self.id,
            associate: change.associate.or(self.associate),
            due_on: change.due_on.unwrap_or(self.due_on),
            reason: self.reason.clone(),
            status,
            outcome: change.outcome.clone().or_else(|| self.outcome.clone()),
            channel: change.channel.or(self.channel),
            closed_at: (status != FollowUpStatus::Open).then_some(at),
        })
    }

    /// True when it is open and due on or before `day`.
    pub fn is_due(&self, day: NaiveDate) -> bool {
        self.status == FollowUpStatus::Open && self.due_on <= day
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use uuid::Uuid;

    use super::*;

    fn open() -> FollowUp {
        FollowUp {
            id: FollowUpId::from_uuid(Uuid::from_u128(1)),
            associate: None,
            due_on: NaiveDate::from_ymd_opt(2026, 12, 10).unwrap(),
            reason: LongText::parse("Thank her for the bag").unwrap(),
            status: FollowUpStatus::Open,
            outcome: None,
            channel: None,
            closed_at: None,
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 11, 9, 0, 0).unwrap()
    }

    fn fields(e: FollowUpError) -> Vec<String> {
        match e {
            FollowUpError::Invalid(errors) => errors.0.into_iter().map(|f| f.field).collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn done_with_an_outcome_closes_it_for_good() {
        let done = FollowUpChange {
            status: Some(FollowUpStatus::Done),
            outcome: Some(LongText::parse("Loves it; wants the matching wallet").unwrap()),
            channel: Some(Channel::Wechat),
            ..FollowUpChange::default()
        };
        let closed = open().apply(&done, at()).unwrap();
        assert_eq!(
            (closed.status, closed.channel, closed.closed_at),
            (FollowUpStatus::Done, Some(Channel::Wechat), Some(at()))
        );
        assert_eq!(closed.apply(&FollowUpChange::default(), at()), Err(FollowUpError::Closed(FollowUpStatus::Done)));
        assert!(!closed.is_due(closed.due_on));
    }

    #[test]
    fn an_outcome_needs_done_and_nothing_reopens() {
        let early = FollowUpChange { channel: Some(Channel::Phone), ..FollowUpChange::default() };
        assert_eq!(fields(open().apply(&early, at()).unwrap_err()), ["channel"]);
        let cancel_with_outcome = FollowUpChange {
            status: Some(FollowUpStatus::Cancelled),
            outcome: Some(LongText::parse("x").unwrap()),
            ..FollowUpChange::default()
        };
        assert_eq!(fields(open().apply(&cancel_with_outcome, at()).unwrap_err()), ["outcome"]);
        let reopen = FollowUpChange { status: Some(FollowUpStatus::Open), ..FollowUpChange::default() };
        assert_eq!(fields(open().apply(&reopen, at()).unwrap_err()), ["status"]);
        let later = NaiveDate::from_ymd_opt(2026, 12, 20).unwrap();
        let moved = open().apply(&FollowUpChange { due_on: Some(later), ..FollowUpChange::default() }, at()).unwrap();
        assert_eq!((moved.due_on, moved.status, moved.closed_at), (later, FollowUpStatus::Open, None));
        assert!(moved.is_due(later) && !moved.is_due(later.pred_opt().unwrap()));
    }
}
