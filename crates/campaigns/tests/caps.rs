//! The frequency cap's rules, stated as properties (issue #11, item 3):
//! however many campaigns compete, no customer exceeds the cap on any
//! channel in any rolling window (checked by a brute-force oracle, not by
//! the allocator's own window arithmetic); nothing is capped that could
//! have gone; the decisions do not depend on the candidates' order; and
//! priority decides between competitors.
//!
//! Scenarios are dense on purpose: up to 50 campaigns with few distinct
//! priorities, a handful of customers, two channels most of the time, due
//! times on a 6-hour grid and a random history, so that candidates collide
//! and ties are common.
#![allow(clippy::unwrap_used)]

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use clientele_campaigns::{Candidate, CapDecision, CapRule, SentMessage, allocate};
use clientele_kernel::random::SplitMix64;
use clientele_profiles::Channel;
use proptest::prelude::*;
use uuid::Uuid;

// ---------------------------------------------------------------- helpers

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 5, 4, 9, 30, 0).unwrap()
}

/// Six-hour steps from now: the grid due times and history fall on.
fn step(n: i64) -> DateTime<Utc> {
    now() + TimeDelta::hours(6 * n)
}

#[derive(Debug, Clone)]
struct Scenario {
    cap: CapRule,
    candidates: Vec<Candidate>,
    history: HashMap<Uuid, Vec<SentMessage>>,
}

impl Scenario {
    fn decide(&self, candidates: &[Candidate]) -> Vec<CapDecision> {
        let history = |customer| self.history.get(&customer).map_or(&[][..], Vec::as_slice);
        allocate(candidates, history, &self.cap, now())
    }

    /// A customer's earlier messages on a channel.
    fn sent_before(&self, customer: Uuid, channel: Channel) -> Vec<DateTime<Utc>> {
        let all = self.history.get(&customer).map_or(&[][..], Vec::as_slice);
        all.iter().filter(|m| m.channel == channel).map(|m| m.at).collect()
    }
}

/// A channel: SMS and WeChat most of the time, so that messages compete.
fn channel(n: u8) -> Channel {
    match n % 8 {
        0..=3 => Channel::Sms,
        4..=6 => Channel::Wechat,
        _ => Channel::ALL[usize::from(n / 8) % Channel::ALL.len()],
    }
}

fn scenario() -> impl Strategy<Value = Scenario> {
    let cap = (1_u32..=4, prop_oneof![1_u32..=14, Just(90)]).prop_map(|(n, d)| CapRule::new(n, d).unwrap());
    let campaigns = prop::collection::vec((any::<u128>(), -2_i32..=2), 1..=50);
    let customers = prop::collection::vec(any::<u128>(), 1..=12);
    // (campaign, customer, channel, due step): indices taken modulo the lists.
    let candidates = prop::collection::vec((any::<usize>(), any::<usize>(), any::<u8>(), -8_i64..=80), 0..=300);
    // (customer, channel, step): up to 45 days back, a few days ahead.
    let history = prop::collection::vec((any::<usize>(), any::<u8>(), -180_i64..=12), 0..=80);
    (cap, campaigns, customers, candidates, history).prop_map(|(cap, campaigns, customers, wanted, sent)| {
        let candidates = wanted
            .into_iter()
            .map(|(campaign, customer, ch, due)| {
                let (id, priority) = campaigns[campaign % campaigns.len()];
                Candidate {
                    campaign: Uuid::from_u128(id),
                    priority,
                    channel: channel(ch),
                    customer: Uuid::from_u128(customers[customer % customers.len()]),
                    due: step(due),
                }
            })
            .collect();
        let mut history: HashMap<Uuid, Vec<SentMessage>> = HashMap::new();
        for (customer, ch, at) in sent {
            let customer = Uuid::from_u128(customers[customer % customers.len()]);
            history.entry(customer).or_default().push(SentMessage { channel: channel(ch), at: step(at) });
        }
        Scenario { cap, candidates, history }
    })
}

/// The oracle: the windows `[start, start + window)` that hold a message
/// sent now and more messages than the cap, over one customer's messages on
/// one channel (`true` marks those sent now). Only windows starting at a
/// message need checking: moving a window's start forward to its first
/// message keeps everything in it. Quadratic, on purpose.
fn overfull_windows(messages: &[(DateTime<Utc>, bool)], cap: &CapRule) -> Vec<DateTime<Utc>> {
    let limit = cap.max_messages() as usize;
    messages
        .iter()
        .map(|&(start, _)| start)
        .filter(|&start| {
            let inside: Vec<bool> = messages
                .iter()
                .filter(|(at, _)| start <= *at && *at < start + cap.window())
                .map(|&(_, new)| new)
                .collect();
            inside.contains(&true) && inside.len() > limit
        })
        .collect()
}

type Group = (Uuid, Channel);

/// The candidates and their decisions, by customer and channel.
fn by_group<'a>(
    candidates: &'a [Candidate],
    decisions: &'a [CapDecision],
) -> BTreeMap<Group, Vec<(&'a Candidate, CapDecision)>> {
    let mut groups: BTreeMap<Group, Vec<_>> = BTreeMap::new();
    for (candidate, decision) in candidates.iter().zip(decisions) {
        groups.entry((candidate.customer, candidate.channel)).or_default().push((candidate, *decision));
    }
    groups
}

/// A candidate and its decision as a sortable key.
fn key(c: &Candidate, d: CapDecision) -> (Uuid, Channel, i32, DateTime<Utc>, Uuid, Option<DateTime<Utc>>) {
    let sent_at = match d {
        CapDecision::Send { at } => Some(at),
        CapDecision::Capped => None,
    };
    (c.customer, c.channel, c.priority, c.due, c.campaign, sent_at)
}

// ------------------------------------------------------------- properties

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// (a) No customer exceeds the cap on any channel in any rolling window
    /// that holds a message sent now (the past is as it is), by the oracle;
    /// and every capped candidate, added to what was sent, would have
    /// exceeded it. A sent message goes at its due time, or now if overdue.
    #[test]
    fn no_customer_ever_exceeds_the_cap(s in scenario()) {
        let decisions = s.decide(&s.candidates);
        prop_assert_eq!(decisions.len(), s.candidates.len());
        for ((customer, channel), group) in by_group(&s.candidates, &decisions) {
            let mut messages: Vec<(DateTime<Utc>, bool)> =
                s.sent_before(customer, channel).into_iter().map(|at| (at, false)).collect();
            for (candidate, decision) in &group {
                if let CapDecision::Send { at } = decision {
                    prop_assert_eq!(*at, candidate.due.max(now()));
                    messages.push((*at, true));
                }
            }
            let overfull = overfull_windows(&messages, &s.cap);
            prop_assert!(overfull.is_empty(), "{customer} on {channel}: windows from {overfull:?} are over the cap");
            for (candidate, decision) in &group {
                if *decision == CapDecision::Capped {
                    let mut with_it = messages.clone();
                    with_it.push((candidate.due.max(now()), true));
                    prop_assert!(
                        !overfull_windows(&with_it, &s.cap).is_empty(),
                        "{candidate:?} was capped but fits"
                    );
                }
            }
        }
    }

    /// (b) The decisions are the same for any order of the candidates: each
    /// candidate gets the same decision (identical candidates, the same
    /// decisions between them).
    #[test]
    fn the_order_of_the_candidates_does_not_matter(s in scenario(), seed in any::<u64>()) {
        let decisions = s.decide(&s.candidates);
        let mut shuffled: Vec<usize> = (0..s.candidates.len()).collect();
        SplitMix64::new(seed).shuffle(&mut shuffled);
        let permuted: Vec<Candidate> = shuffled.iter().map(|&i| s.candidates[i]).collect();
        let permuted_decisions = s.decide(&permuted);
        let mut before: Vec<_> = s.candidates.iter().zip(&decisions).map(|(c, d)| key(c, *d)).collect();
        let mut after: Vec<_> = permuted.iter().zip(&permuted_decisions).map(|(c, d)| key(c, *d)).collect();
        before.sort_unstable();
        after.sort_unstable();
        prop_assert_eq!(before, after);
        // And where candidates differ, decision by decision.
        for (position, &i) in shuffled.iter().enumerate() {
            let twins = s.candidates.iter().filter(|c| **c == s.candidates[i]).count();
            if twins == 1 {
                prop_assert_eq!(permuted_decisions[position], decisions[i]);
            }
        }
    }

    /// (c) Among candidates for the same customer and channel that would go
    /// at the same time, a capped one never has a strictly higher priority
    /// than a sent one (and with equal priorities and due times, the sent
    /// one has the smaller campaign id).
    #[test]
    fn priority_decides_between_competitors(s in scenario()) {
        let decisions = s.decide(&s.candidates);
        for group in by_group(&s.candidates, &decisions).values() {
            for (capped, _) in group.iter().filter(|(_, d)| *d == CapDecision::Capped) {
                for (sent, _) in group.iter().filter(|(_, d)| d.is_send()) {
                    if capped.due.max(now()) != sent.due.max(now()) {
                        continue;
                    }
                    prop_assert!(capped.priority <= sent.priority, "{capped:?} capped, {sent:?} sent");
                    if capped.priority == sent.priority && capped.due == sent.due {
                        prop_assert!(capped.campaign >= sent.campaign, "{capped:?} capped, {sent:?} sent");
                    }
                }
            }
        }
    }
}

/// The scenario: 50 campaigns launched at once at 2,000 customers
/// who already had a message this week; each customer gets at most one
/// more SMS this week, from the campaign of the highest priority.
#[test]
fn fifty_campaigns_at_once() {
    let mut rng = SplitMix64::new(50);
    let customers: Vec<Uuid> = (0..2_000).map(|_| Uuid::from_u64_pair(rng.next_u64(), rng.next_u64())).collect();
    let campaigns: Vec<(Uuid, i32)> =
        (0..50).map(|p| (Uuid::from_u64_pair(rng.next_u64(), rng.next_u64()), p)).collect();
    let history: HashMap<Uuid, Vec<SentMessage>> = customers
        .iter()
        .map(|&c| (c, vec![SentMessage { channel: Channel::Sms, at: now() - TimeDelta::days(3) }]))
        .collect();
    let mut candidates: Vec<Candidate> = customers
        .iter()
        .flat_map(|&customer| {
            campaigns.iter().map(move |&(campaign, priority)| Candidate {
                campaign,
                priority,
                channel: Channel::Sms,
                customer,
                due: now(),
            })
        })
        .collect();
    rng.shuffle(&mut candidates);
    let history_of = |customer| history.get(&customer).map_or(&[][..], Vec::as_slice);
    let decisions = allocate(&candidates, history_of, &CapRule::default(), now());
    let sent: Vec<&Candidate> =
        candidates.iter().zip(&decisions).filter(|(_, d)| d.is_send()).map(|(c, _)| c).collect();
    assert_eq!(sent.len(), customers.len());
    assert!(sent.iter().all(|c| c.priority == 49));
}
