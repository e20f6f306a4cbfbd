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

/// The programme's clienteling settings (the `clienteling` row of the
/// programme settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientelingSettings {
    /// The thank-you call: a follow-up for the client's associate some days
    /// after a purchase above an amount (None: no such follow-ups).
    pub thank_you: Option<ThankYouRule>,
    /// A client contacted in this many days before the worklist's day (and
    /// on it) is not put forward again, but for their follow-ups. 0: only
    /// a contact on the day itself counts.
    #[serde(default = "default_recent_contact_days", deserialize_with = "recent_contact_days")]
    pub recent_contact_days: u32,
}

/// The default of [`ClientelingSettings::recent_contact_days`]: two weeks.
pub const DEFAULT_RECENT_CONTACT_DAYS: u32 = 14;

/// The longest [`ClientelingSettings::recent_contact_days`]: a year.
pub const MAX_RECENT_CONTACT_DAYS: u32 = 366;

fn default_recent_contact_days() -> u32 {
    DEFAULT_RECENT_CONTACT_DAYS
}

fn recent_contact_days<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    let days = <u32 as serde::Deserialize>::deserialize(d)?;
    if days > MAX_RECENT_CONTACT_DAYS {
        return Err(serde::de::Error::custom(format!("must be at most {MAX_RECENT_CONTACT_DAYS} days")));
    }
    Ok(days)
}

impl Default for ClientelingSettings {
    fn default() -> ClientelingSettings {
        ClientelingSettings { thank_you: None, recent_contact_days: DEFAULT_RECENT_CONTACT_DAYS }
    }
}

/// A follow-up `after_days` after each purchase of at least `min_amount`
/// (base currency, what was paid).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "ThankYouParts", into = "ThankYouParts")]
pub struct ThankYouRule {
    min_amount: rust_decimal::Decimal,
    after_days: u32,
}

#[derive(Debug, Clone, Copy, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ThankYouParts {
    #[serde(with = "rust_decimal::serde::str")]
    min_amount: rust_decimal::Decimal,
    after_days: u32,
}

impl TryFrom<ThankYouParts> for ThankYouRule {
    type Error = String;

    fn try_from(p: ThankYouParts) -> Result<ThankYouRule, String> {
        ThankYouRule::new(p.min_amount, p.after_days).map_err(|e| e.to_string())
    }
}

impl From<ThankYouRule> for ThankYouParts {
    fn from(r: ThankYouRule) -> ThankYouParts {
        ThankYouParts { min_amount: r.min_amount, after_days: r.after_days }
    }
}

/// Days a thank-you call stays to be made after its day: a job run missed
/// (the service stopped) still makes it.
pub const THANK_YOU_GRACE_DAYS: u32 = 7;

impl ThankYouRule {
    /// Most days after the purchase.
    pub const MAX_DAYS: u32 = 60;

    /// Checks the rule: an amount above zero, 0 to 60 days.
    pub fn new(min_amount: rust_decimal::Decimal, after_days: u32) -> Result<ThankYouRule, InvalidValue> {
        if min_amount <= rust_decimal::Decimal::ZERO || min_amount.scale() > 2 {
            return Err(InvalidValue::new("out_of_range", "min_amount: must be above 0, with at most 2 decimals"));
        }
        if after_days > Self::MAX_DAYS {
            return Err(InvalidValue::new("out_of_range", format!("after_days: must be 0 to {}", Self::MAX_DAYS)));
        }
        Ok(ThankYouRule { min_amount, after_days })
    }

    pub const fn min_amount(&self) -> rust_decimal::Decimal {
        self.min_amount
    }

    pub const fn after_days(&self) -> u32 {
        self.after_days
    }

    /// The purchase days whose thank-you calls are to be made on `today`:
    /// from `after_days + grace` days back to `after_days` days back.
    pub fn purchase_days(&self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        let back = |n: u32| today.checked_sub_days(chrono::Days::new(u64::from(n))).unwrap_or(NaiveDate::MIN);
        (back(self.after_days + THANK_YOU_GRACE_DAYS), back(self.after_days))
    }

    /// True when a purchase of `paid` (base currency) earns a thank-you call.
    pub fn applies_to(&self, paid: rust_decimal::Decimal) -> bool {
        paid >= self.min_amount
    }
}

#[cfg(test)]
mod thank_you_tests {
    use super::*;

    #[test]
    fn the_rule_is_checked_and_read_as_json() {
        let rule: ClientelingSettings =
            serde_json::from_value(serde_json::json!({"thank_you": {"min_amount": "5000", "after_days": 3}})).unwrap();
        let r = rule.thank_you.unwrap();
        assert!(r.applies_to(rust_decimal::Decimal::from(5000)) && !r.applies_to(rust_decimal::Decimal::from(4999)));
        let today = NaiveDate::from_ymd_opt(2026, 3, 10).unwrap();
        assert_eq!(
            r.purchase_days(today),
            (NaiveDate::from_ymd_opt(2026, 2, 28).unwrap(), NaiveDate::from_ymd_opt(2026, 3, 7).unwrap())
        );
        assert_eq!(
            serde_json::to_value(rule).unwrap(),
            serde_json::json!({"thank_you": {"min_amount": "5000", "after_days": 3}, "recent_contact_days": 14})
        );
        for bad in [
            serde_json::json!({"thank_you": {"min_amount": "0", "after_days": 3}}),
            serde_json::json!({"thank_you": {"min_amount": "100", "after_days": 61}}),
            serde_json::json!({"thank_you": {"min_amount": "100"}}),
            serde_json::json!({"other": 1}),
        ] {
            assert!(serde_json::from_value::<ClientelingSettings>(bad.clone()).is_err(), "{bad}");
        }
        assert_eq!(ClientelingSettings::default().thank_you, None);
    }
}
