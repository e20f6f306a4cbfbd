//! Property tests of the event and delivery rules: the event names come from
//! the one declaration of the events and are the ones docs/webhooks.md
//! lists, a subscription's filter accepts exactly the types it names (or
//! all under `*`), and the retry schedule doubles up to its cap and gives up
//! exactly after the last attempt.

use std::collections::BTreeSet;
use std::time::Duration;

use clientele_webhooks::{ALL_EVENTS, EventFilter, EventType, RetryPolicy};
use proptest::prelude::*;
use proptest::sample::subsequence;

fn owned(names: &[&str]) -> Vec<String> {
    names.iter().map(|n| (*n).to_owned()).collect()
}

/// A text that is not an event type nor `*`.
fn unknown_name() -> impl Strategy<Value = String> {
    "[a-z.*_]{0,20}".prop_filter("not a known name", |s| EventType::parse(s).is_none() && s != ALL_EVENTS)
}

#[test]
fn every_type_has_one_distinct_name_that_parses_back() {
    assert_eq!(EventType::ALL.len(), EventType::NAMES.len());
    let names: BTreeSet<&str> = EventType::ALL.iter().map(|t| t.as_str()).collect();
    assert_eq!(names.len(), EventType::ALL.len(), "distinct");
    for (t, name) in EventType::ALL.into_iter().zip(EventType::NAMES) {
        assert_eq!(t.as_str(), name);
        assert_eq!(EventType::parse(name), Some(t));
        let (area, verb) = name.split_once('.').unwrap_or_else(|| panic!("{name} is area.verb"));
        assert!(!area.is_empty() && !verb.is_empty() && !verb.contains('.'), "{name}");
        assert!(name.chars().all(|c| c.is_ascii_lowercase() || c == '.' || c == '_'), "{name}");
    }
}

#[test]
fn docs_webhooks_md_lists_exactly_the_event_types() {
    let docs = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/webhooks.md"));
    let section = docs.split("\n## Event types\n").nth(1).expect("an Event types section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut listed: Vec<&str> = section
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|rest| rest.split_once('`').map(|(name, _)| name))
        .collect();
    listed.sort_unstable();
    let mut names = EventType::NAMES;
    names.sort_unstable();
    assert_eq!(listed, names, "each once, in any order");
}

proptest! {
    #[test]
    fn a_name_parses_exactly_when_it_is_listed(name in "[a-z.*_]{0,20}") {
        prop_assert_eq!(EventType::parse(&name).is_some(), EventType::NAMES.contains(&name.as_str()));
    }

    #[test]
    fn a_filter_accepts_exactly_the_types_it_names(
        named in subsequence(EventType::NAMES.to_vec(), 1..=EventType::NAMES.len()).prop_shuffle(),
        other in unknown_name(),
    ) {
        let filter = EventFilter::parse(&owned(&named)).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        for name in EventType::NAMES {
            prop_assert_eq!(filter.accepts(name), named.contains(&name), "{}", name);
        }
        prop_assert!(!filter.accepts(&other));
        prop_assert!(!filter.accepts(ALL_EVENTS));
        let mut sorted = named.clone();
        sorted.sort_unstable();
        prop_assert_eq!(filter.names(), sorted, "stored in alphabetical order");
        prop_assert_eq!(EventFilter::parse(&owned(&filter.names())), Ok(filter), "read back as the same filter");
    }

    #[test]
    fn the_wildcard_accepts_every_type_present_and_future(other in "[a-z._]{0,20}") {
        let all = EventFilter::parse(&owned(&[ALL_EVENTS])).map_err(|e| TestCaseError::fail(format!("{e:?}")))?;
        prop_assert!(EventType::NAMES.iter().all(|n| all.accepts(n)));
        prop_assert!(all.accepts(&other));
        prop_assert_eq!(all.names(), [ALL_EVENTS]);
    }

    #[test]
    fn an_unknown_type_is_refused_by_its_index(
        named in subsequence(EventType::NAMES.to_vec(), 0..=EventType::NAMES.len()),
        other in unknown_name(),
        at in any::<prop::sample::Index>(),
    ) {
        let mut types = owned(&named);
        let i = at.index(types.len() + 1);
        types.insert(i, other);
        let errors = EventFilter::parse(&types).err().unwrap_or_default();
        let found: Vec<_> = errors.iter().map(|(i, e)| (*i, e.code)).collect();
        prop_assert_eq!(found, [(Some(i), "unknown_event_type")]);
    }

    #[test]
    fn a_type_named_twice_is_refused_at_its_second_mention(
        named in subsequence(EventType::NAMES.to_vec(), 1..=EventType::NAMES.len()),
        which in any::<prop::sample::Index>(),
    ) {
        let mut types = owned(&named);
        types.push(types[which.index(types.len())].clone());
        let errors = EventFilter::parse(&types).err().unwrap_or_default();
        let found: Vec<_> = errors.iter().map(|(i, e)| (*i, e.code)).collect();
        prop_assert_eq!(found, [(Some(named.len()), "duplicate")]);
    }

    #[test]
    fn the_wildcard_stands_alone(named in subsequence(EventType::NAMES.to_vec(), 1..=EventType::NAMES.len())) {
        let mut types = owned(&named);
        types.push(ALL_EVENTS.to_owned());
        let errors = EventFilter::parse(&types).err().unwrap_or_default();
        let found: Vec<_> = errors.iter().map(|(i, e)| (*i, e.code)).collect();
        prop_assert_eq!(found, [(None, "not_allowed")]);
    }

    #[test]
    fn backoff_doubles_from_the_base_and_never_exceeds_the_cap(
        base_ms in 0u64..1_000_000,
        cap_ms in 0u64..10_000_000,
        n in 1u32..200,
    ) {
        let p = RetryPolicy { base: Duration::from_millis(base_ms), cap: Duration::from_millis(cap_ms), max_attempts: 8 };
        let expected = (u128::from(base_ms) << (n - 1).min(100)).min(u128::from(cap_ms));
        prop_assert_eq!(p.delay_after(n).as_millis(), expected);
        prop_assert!(p.delay_after(n) <= p.cap);
        prop_assert!(p.delay_after(n) <= p.delay_after(n + 1), "non-decreasing");
        prop_assert_eq!(p.delay_after(0), p.delay_after(1), "no failure yet waits as after one");
    }

    #[test]
    fn a_delivery_is_given_up_exactly_after_its_last_attempt(
        max_attempts in 0u32..50,
        base_s in 0u64..100,
        cap_s in 0u64..10_000,
    ) {
        let p = RetryPolicy { base: Duration::from_secs(base_s), cap: Duration::from_secs(cap_s), max_attempts };
        // Attempts are made until one fails with no retry left.
        let mut attempts = 0;
        let mut waited = Duration::ZERO;
        loop {
            attempts += 1;
            if p.gives_up_after(attempts) {
                break;
            }
            waited += p.delay_after(attempts);
            prop_assert!(attempts < 1_000, "it stops");
        }
        prop_assert_eq!(attempts, max_attempts.max(1), "at least one attempt, and exactly max_attempts");
        prop_assert!(waited <= p.cap * (attempts - 1), "the whole schedule is bounded");
        prop_assert!((attempts..attempts + 100).all(|n| p.gives_up_after(n)), "given up stays given up");
    }
}
