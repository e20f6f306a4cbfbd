//! Consent to marketing, per channel: no marketing message goes to a customer
//! without a standing grant for that channel.

use std::collections::BTreeMap;
use std::collections::btree_map;

use chrono::{DateTime, Utc};
use clientele_kernel::ShortText;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::contact::Channel;
/// A customer's decision about one channel, at one time, from one source
/// (e.g. "POS Milan", "WeChat mini-program").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Consent {
    /// The channel.
    pub channel: Channel,
    /// True for a grant, false for a withdrawal.
    pub granted: bool,
    /// When the customer decided.
    pub at: DateTime<Utc>,
    /// Where the decision was collected.
    pub source: ShortText,
}

impl Consent {
    /// True when `self` should stand instead of `other` (same channel): the
    /// newer wins; at the same instant a withdrawal wins over a grant; an
    /// exact tie on both is broken by the source text, so the outcome never
    /// depends on the order consents arrive in.
    fn supersedes(&self, other: &Consent) -> bool {
        (self.at, !self.granted, &self.source) > (other.at, !other.granted, &other.source)
    }
}

/// The latest consent per channel. Iterates and serialises in channel order,
/// as a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Consents(BTreeMap<Channel, Consent>);

impl Consents {
    /// No consent on any channel.
    pub fn new() -> Consents {
        Consents(BTreeMap::new())
    }

    /// Records a decision; it replaces the current one for its channel only
    /// if it is newer (at the same instant, a withdrawal wins over a grant).
    /// Recording the same decisions in any order gives the same state.
    pub fn record(&mut self, c: Consent) {
        match self.0.get(&c.channel) {
            Some(current) if !c.supersedes(current) => {}
            _ => {
                self.0.insert(c.channel, c);
            }
        }
    }

    /// The standing decision for a channel.
    pub fn get(&self, channel: Channel) -> Option<&Consent> {
        self.0.get(&channel)
    }

    /// The standing decisions, in channel order.
    pub fn iter(&self) -> btree_map::Values<'_, Channel, Consent> {
        self.0.values()
    }

    /// True only if the standing decision for the channel is a grant.
    pub fn allows(&self, channel: Channel) -> bool {
        self.0.get(&channel).is_some_and(|c| c.granted)
    }

    /// Per channel, the newer decision of both (same tie rule as
    /// [`Consents::record`]).
    pub fn merge(&self, other: &Consents) -> Consents {
        let mut out = self.clone();
        for c in other.0.values() {
            out.record(c.clone());
        }
        out
    }

    /// True when no decision is recorded.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many channels have a decision.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Forgets every decision (erasure).
    pub fn clear(&mut self) {
        self.0.clear();
    }
}

impl FromIterator<Consent> for Consents {
    /// Records each in turn (so the newest per channel stands).
    fn from_iter<I: IntoIterator<Item = Consent>>(iter: I) -> Self {
        let mut consents = Consents::new();
        for c in iter {
            consents.record(c);
        }
        consents
    }
}

impl<'a> IntoIterator for &'a Consents {
    type Item = &'a Consent;
    type IntoIter = btree_map::Values<'a, Channel, Consent>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.values()
    }
}

impl Serialize for Consents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.values())
    }
}

impl<'de> Deserialize<'de> for Consents {
    /// From a list; per channel the newest stands, as with
    /// [`Consents::record`].
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Consent>::deserialize(deserializer)?.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn consent(channel: Channel, granted: bool, secs: i64) -> Consent {
        Consent {
            channel,
            granted,
            at: Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap(),
            source: ShortText::parse("POS Milan").unwrap(),
        }
    }

    #[test]
    fn newer_wins_and_withdrawal_wins_ties() {
        let mut c = Consents::new();
        assert!(!c.allows(Channel::Sms));
        c.record(consent(Channel::Sms, true, 10));
        assert!(c.allows(Channel::Sms));
        c.record(consent(Channel::Sms, false, 5));
        assert!(c.allows(Channel::Sms), "an older withdrawal does not override");
        c.record(consent(Channel::Sms, false, 10));
        assert!(!c.allows(Channel::Sms), "a withdrawal wins a tie");
        c.record(consent(Channel::Sms, true, 10));
        assert!(!c.allows(Channel::Sms), "a grant does not win a tie");
        c.record(consent(Channel::Sms, true, 11));
        assert!(c.allows(Channel::Sms));
        assert!(!c.allows(Channel::Email));
        assert_eq!(c.len(), 1);
        c.clear();
        assert!(c.is_empty());
    }

    #[test]
    fn merge_takes_the_newer_per_channel() {
        let a: Consents = [consent(Channel::Sms, true, 10), consent(Channel::Email, false, 1)].into_iter().collect();
        let b: Consents =
            [consent(Channel::Sms, false, 5), consent(Channel::Email, true, 2), consent(Channel::Wechat, true, 3)]
                .into_iter()
                .collect();
        let m = a.merge(&b);
        assert!(m.allows(Channel::Sms));
        assert!(m.allows(Channel::Email));
        assert!(m.allows(Channel::Wechat));
        assert!(!m.allows(Channel::Phone));
        assert_eq!(m, b.merge(&a));
    }

    #[test]
    fn serde_as_a_list() {
        let c: Consents = [consent(Channel::Wechat, true, 1), consent(Channel::Sms, false, 2)].into_iter().collect();
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json[0]["channel"], "sms");
        assert_eq!(json[1]["channel"], "wechat");
        assert_eq!(serde_json::from_value::<Consents>(json).unwrap(), c);
    }
}
