//! Frequency caps across all campaigns: [`CapRule`] and [`allocate`], which
//! decides which of the messages the campaigns want to send go out.
//! (Quiet hours, the other limit on when a client is contacted, are in
//! [`crate::quiet_hours`].)
//!
//! # The rule
//!
//! Per customer and per channel, at most [`CapRule::max_messages`] messages
//! in any rolling window of [`CapRule::window_days`] × 24 hours, counting
//! the messages already sent ([`SentMessage`]) and those decided now. A
//! window is half-open, `[start, start + window)`: with a cap of 1 in 7
//! days, two messages exactly 7 days apart are both sent.
//!
//! A [`Candidate`] is sent at its due time, or at `now` if it is overdue;
//! that is the time it counts at. When candidates compete for the same
//! customer and channel, they are taken in order of priority (higher
//! first), then due time (earlier first), then campaign id: each is sent if
//! the cap still allows it given what was sent before and the candidates
//! taken before it, and is capped otherwise. So:
//!
//! - no window that holds a message sent now holds more than the cap
//!   (the past is as it is: if it already breaks the cap — the cap was
//!   lowered — nothing more goes into those windows);
//! - a capped candidate could not have been sent on top of what was sent
//!   without breaking the cap;
//! - of two candidates that would go at the same time, the one capped
//!   never has the higher priority;
//! - the decisions depend on the candidates, not on their order in the
//!   input.
//!
//! Which customers a campaign may reach (consent, holdout) is decided
//! before; the candidates here are messages that would otherwise go out.
//! Their due time should already be past quiet hours
//! ([`crate::quiet_hours::next_send_time`] of the later of the planned time
//! and now), so that the time the cap counts is the time the message
//! really leaves, and an overdue message is not sent at night.

use std::cmp::Reverse;

use chrono::{DateTime, TimeDelta, Utc};
use clientele_profiles::Channel;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CampaignError;

/// Per customer and channel, at most `max_messages` messages in any rolling
/// window of `window_days` days (of 24 hours). Serialised as
/// `{"max_messages": 2, "window_days": 7}` (the default); deserialising
/// goes through [`CapRule::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "CapRuleParts", into = "CapRuleParts")]
pub struct CapRule {
    max_messages: u32,
    window_days: u32,
}

/// The fields of [`CapRule`], unchecked (for serde).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CapRuleParts {
    max_messages: u32,
    window_days: u32,
}

impl TryFrom<CapRuleParts> for CapRule {
    type Error = CampaignError;

    fn try_from(parts: CapRuleParts) -> Result<CapRule, CampaignError> {
        CapRule::new(parts.max_messages, parts.window_days)
    }
}

impl From<CapRule> for CapRuleParts {
    fn from(rule: CapRule) -> CapRuleParts {
        CapRuleParts { max_messages: rule.max_messages, window_days: rule.window_days }
    }
}

impl Default for CapRule {
    /// Two messages in seven days.
    fn default() -> CapRule {
        CapRule { max_messages: 2, window_days: 7 }
    }
}

impl CapRule {
    /// The longest window, in days.
    pub const MAX_WINDOW_DAYS: u32 = 90;

    /// Checks `max_messages` ≥ 1 (a cap of 0 would stop every campaign: pause
    /// them instead) and `window_days` in 1..=90; each refusal is
    /// [`CampaignError::InvalidCapRule`] naming its field.
    pub fn new(max_messages: u32, window_days: u32) -> Result<CapRule, CampaignError> {
        if max_messages == 0 {
            return Err(CampaignError::InvalidCapRule {
                field: "max_messages",
                reason: "must be at least 1 message per window".into(),
            });
        }
        if !(1..=CapRule::MAX_WINDOW_DAYS).contains(&window_days) {
            return Err(CampaignError::InvalidCapRule {
                field: "window_days",
                reason: format!("must be between 1 and {} days, got {window_days}", CapRule::MAX_WINDOW_DAYS),
            });
        }
        Ok(CapRule { max_messages, window_days })
    }

    /// The most messages per customer and channel in one window.
    pub const fn max_messages(&self) -> u32 {
        self.max_messages
    }

    /// The window's length in days.
    pub const fn window_days(&self) -> u32 {
        self.window_days
    }

    /// The window's length: `window_days` × 24 hours.
    pub fn window(&self) -> TimeDelta {
        TimeDelta::days(i64::from(self.window_days))
    }
}

/// A message a customer was sent earlier (by any campaign), or one already
/// scheduled: what the cap counts besides the candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SentMessage {
    /// The channel it went out on.
    pub channel: Channel,
    /// When it went out.
    pub at: DateTime<Utc>,
}

/// A message a campaign wants to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Candidate {
    /// The campaign sending it.
    pub campaign: Uuid,
    /// The campaign's priority: when messages compete, the higher goes first.
    pub priority: i32,
    /// The channel.
    pub channel: Channel,
    /// The customer.
    pub customer: Uuid,
    /// When it would go out (after quiet hours); a time before `now` means
    /// now.
    pub due: DateTime<Utc>,
}

impl Candidate {
    /// When the message goes out if it is sent: its due time, or `now` if
    /// that is later.
    pub fn send_time(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        self.due.max(now)
    }
}

/// What [`allocate`] decided for one candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CapDecision {
    /// Send it, at this time (the due time, or now if it was overdue).
    Send {
        /// When it goes out, and counts against the cap.
        at: DateTime<Utc>,
    },
    /// Not sent: the customer had as many messages on the channel as the
    /// cap allows in a window around its time.
    Capped,
}

impl CapDecision {
    /// True for [`CapDecision::Send`].
    pub const fn is_send(&self) -> bool {
        matches!(self, CapDecision::Send { .. })
    }
}

/// Decides, for each candidate, whether it is sent or capped (see the
/// [module documentation](self) for the rule); the result has one decision
/// per candidate, in the order of `candidates`.
///
/// `history` gives a customer's earlier messages on every channel, in any
/// order (those more than a window before `now` may be left out; they do
/// not count); it is asked once per customer and channel among the
/// candidates.
pub fn allocate<'h>(
    candidates: &[Candidate],
    history: impl Fn(Uuid) -> &'h [SentMessage],
    cap: &CapRule,
    now: DateTime<Utc>,
) -> Vec<CapDecision> {
    // Candidate indices in the order they are taken: grouped by customer
    // and channel, then by precedence within a group. Every key part is a
    // field of the candidate, so the order does not depend on the input's.
    let mut order: Vec<usize> = (0..candidates.len()).collect();
    order.sort_by_key(|&i| {
        let c = &candidates[i];
        (c.customer, c.channel, Reverse(c.priority), c.due, c.campaign)
    });
    let mut decisions = vec![CapDecision::Capped; candidates.len()];
    for group in order.chunk_by(|&a, &b| {
        (candidates[a].customer, candidates[a].channel) == (candidates[b].customer, candidates[b].channel)
    }) {
        let Some(&first) = group.first() else { continue };
        let (customer, channel) = (candidates[first].customer, candidates[first].channel);
        let mut times: Vec<DateTime<Utc>> =
            history(customer).iter().filter(|m| m.channel == channel).map(|m| m.at).collect();
        times.sort_unstable();
        for &i in group {
            let at = candidates[i].send_time(now);
            if fits(&times, at, cap) {
                let position = times.partition_point(|t| *t <= at);
                times.insert(position, at);
                decisions[i] = CapDecision::Send { at };
            }
        }
    }
    decisions
}

/// Whether one more message at `at` keeps every window that holds it within
/// the cap, given the messages at `times` (sorted).
///
/// The windows holding `at` start in `(at − window, at]`; the fullest of
/// them start at a message: at `at` itself or at an earlier message less
/// than a window before it (moving a window's start forward to the first
/// message in it loses nothing and can only take more in at its end).
fn fits(times: &[DateTime<Utc>], at: DateTime<Utc>, cap: &CapRule) -> bool {
    let window = cap.window();
    let count_from = |start: DateTime<Utc>| {
        let end = start + window;
        times.partition_point(|t| *t < end) - times.partition_point(|t| *t < start)
    };
    let earliest = times.partition_point(|t| *t <= at - window);
    let latest = times.partition_point(|t| *t <= at);
    let limit = usize::try_from(cap.max_messages()).unwrap_or(usize::MAX);
    // `+ 1`: the message at `at`, in every one of these windows.
    std::iter::once(at).chain(times[earliest..latest].iter().copied()).all(|start| count_from(start) < limit)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use chrono::TimeZone as _;

    use super::*;

    fn day(d: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).unwrap() + TimeDelta::days(d)
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn candidate(campaign: u128, priority: i32, channel: Channel, customer: u128, due: DateTime<Utc>) -> Candidate {
        Candidate { campaign: id(campaign), priority, channel, customer: id(customer), due }
    }

    fn sent(channel: Channel, at: DateTime<Utc>) -> SentMessage {
        SentMessage { channel, at }
    }

    fn run(candidates: &[Candidate], history: &HashMap<Uuid, Vec<SentMessage>>, cap: CapRule) -> Vec<bool> {
        let history = |customer| history.get(&customer).map_or(&[][..], Vec::as_slice);
        allocate(candidates, history, &cap, day(0)).iter().map(CapDecision::is_send).collect()
    }

    #[test]
    fn cap_rules_are_checked_and_serialised() {
        assert_eq!(CapRule::default(), CapRule::new(2, 7).unwrap());
        assert_eq!(CapRule::default().window(), TimeDelta::hours(168));
        assert_eq!(CapRule::new(0, 7).unwrap_err().field(), "max_messages");
        assert_eq!(CapRule::new(1, 0).unwrap_err().field(), "window_days");
        let err = CapRule::new(1, 91).unwrap_err();
        assert_eq!(err.to_string(), "window_days: must be between 1 and 90 days, got 91");
        assert_eq!(err.code(), "invalid_cap_rule");
        assert!(CapRule::new(1, 90).is_ok());
        let json = serde_json::to_string(&CapRule::default()).unwrap();
        assert_eq!(json, r#"{"max_messages":2,"window_days":7}"#);
        assert_eq!(serde_json::from_str::<CapRule>(&json).unwrap(), CapRule::default());
        let bad = serde_json::from_str::<CapRule>(r#"{"max_messages":0,"window_days":7}"#).unwrap_err();
        assert!(bad.to_string().contains("max_messages: must be at least 1"), "{bad}");
        assert!(serde_json::from_str::<CapRule>(r#"{"max_messages":2,"window_days":7,"x":1}"#).is_err());
    }

    #[test]
    fn the_higher_priority_goes_first_then_the_earlier_then_the_campaign_id() {
        let none = HashMap::new();
        let cap = CapRule::new(1, 7).unwrap();
        // Campaign 2 has the higher priority: it wins though it is due later.
        let c = [candidate(1, 0, Channel::Sms, 9, day(1)), candidate(2, 5, Channel::Sms, 9, day(3))];
        assert_eq!(run(&c, &none, cap), [false, true]);
        // Same priority: the earlier due wins.
        let c = [candidate(1, 0, Channel::Sms, 9, day(3)), candidate(2, 0, Channel::Sms, 9, day(1))];
        assert_eq!(run(&c, &none, cap), [false, true]);
        // Same priority and time: the smaller campaign id wins, in any order.
        let c = [candidate(2, 0, Channel::Sms, 9, day(1)), candidate(1, 0, Channel::Sms, 9, day(1))];
        assert_eq!(run(&c, &none, cap), [false, true]);
        let c = [c[1], c[0]];
        assert_eq!(run(&c, &none, cap), [true, false]);
    }

    #[test]
    fn channels_and_customers_are_capped_apart() {
        let none = HashMap::new();
        let cap = CapRule::new(1, 7).unwrap();
        let c = [
            candidate(1, 0, Channel::Sms, 9, day(1)),
            candidate(2, 0, Channel::Wechat, 9, day(1)),
            candidate(3, 0, Channel::Sms, 8, day(1)),
            candidate(4, 0, Channel::Sms, 9, day(2)),
        ];
        assert_eq!(run(&c, &none, cap), [true, true, true, false]);
    }

    #[test]
    fn the_window_is_rolling_and_half_open() {
        let none = HashMap::new();
        let cap = CapRule::default();
        // 2 in 7 days: days 1, 2 go; day 5 would be a third within 7 days of
        // day 1; day 8 is exactly 7 days after day 1, so its window holds
        // days 2 and 8 only.
        let on_days = |days: [i64; 5]| days.map(|d| candidate(d.unsigned_abs().into(), 0, Channel::Email, 9, day(d)));
        assert_eq!(run(&on_days([1, 2, 5, 8, 9]), &none, cap), [true, true, false, true, true]);
        // Days 9 and 10 share every window that holds day 15.
        assert_eq!(run(&on_days([1, 2, 9, 10, 15]), &none, cap), [true, true, true, true, false]);
    }

    #[test]
    fn what_was_sent_before_counts_and_overdue_messages_go_now() {
        let cap = CapRule::default();
        let history = HashMap::from([(id(9), vec![sent(Channel::Sms, day(-6)), sent(Channel::Email, day(-1))])]);
        // One SMS six days ago: one more fits now, a second does not...
        let c =
            [candidate(1, 0, Channel::Sms, 9, day(0)), candidate(2, 0, Channel::Sms, 9, day(0) + TimeDelta::hours(1))];
        assert_eq!(run(&c, &history, cap), [true, false]);
        // ... a message due before now goes now, and counts now.
        let c = [candidate(1, 0, Channel::Sms, 9, day(-30))];
        let history_of = |customer| history.get(&customer).map_or(&[][..], Vec::as_slice);
        assert_eq!(allocate(&c, history_of, &cap, day(0)), [CapDecision::Send { at: day(0) }]);
        // A history over the cap (it was lowered) lets nothing more in.
        let full = HashMap::from([(id(9), vec![sent(Channel::Sms, day(-1)); 3])]);
        assert_eq!(run(&[candidate(1, 9, Channel::Sms, 9, day(0))], &full, cap), [false]);
        assert_eq!(run(&[candidate(1, 9, Channel::Sms, 9, day(6))], &full, cap), [true]);
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert!(run(&[], &HashMap::new(), CapRule::default()).is_empty());
    }
}
