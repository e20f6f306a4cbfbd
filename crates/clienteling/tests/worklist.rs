//! The worklist's rules, checked against plain restatements of the issue's
//! words: the reasons found in a client's facts, and the ranking.
#![allow(clippy::unwrap_used)]

use chrono::{Datelike, Days, NaiveDate};
use clientele_clienteling::worklist::{
    ClientFacts, Entry, Horizons, Lapse, LatestSnapshot, PreviousSnapshot, Reason, Upgrade, check_day, rank, reasons,
    usual_gap_days,
};
use clientele_kernel::CustomerId;
use clientele_loyalty::config::ProgramConfig;
use clientele_loyalty::{GrowthValue, Tier};
use clientele_profiles::{Birthday, FollowUpId};
use clientele_rfm::Segment;
use proptest::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn today() -> NaiveDate {
    day(2026, 12, 4)
}

fn client(n: u128) -> CustomerId {
    CustomerId::from_uuid(Uuid::from_u128(n))
}

fn facts() -> ClientFacts {
    ClientFacts {
        customer: client(1),
        birthday: None,
        important_dates: Vec::new(),
        latest: None,
        previous: None,
        last_purchase: None,
        expiring: Vec::new(),
        tier: None,
        upgrades: Vec::new(),
    }
}

fn snapshot(segment: Segment, m: u8, p_alive: Option<Decimal>) -> LatestSnapshot {
    LatestSnapshot {
        segment,
        monetary_score: m,
        p_alive,
        first_purchase: day(2025, 1, 1),
        last_purchase: day(2026, 6, 30),
        repeat_purchases: 3,
    }
}

fn plan() -> ProgramConfig {
    ProgramConfig::default_plan()
}

#[test]
fn a_birthday_within_two_weeks_is_put_forward_in_words() {
    let f = ClientFacts { birthday: Some(Birthday::parse(day(1990, 12, 9), today()).unwrap()), ..facts() };
    let found = reasons(&f, today(), &plan(), &Horizons::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].words(today()), "Birthday in 5 days, on 9 Dec");
    let later = ClientFacts { birthday: Some(Birthday::parse(day(1990, 12, 19), today()).unwrap()), ..facts() };
    assert!(reasons(&later, today(), &plan(), &Horizons::default()).is_empty());
}

#[test]
fn lapsing_signals_need_a_top_client() {
    let moved = ClientFacts {
        latest: Some(snapshot(Segment::AtRisk, 5, None)),
        previous: Some(PreviousSnapshot { segment: Segment::LoyalCustomers, p_alive: None }),
        last_purchase: Some(day(2026, 11, 30)),
        ..facts()
    };
    let found = reasons(&moved, today(), &plan(), &Horizons::default());
    assert_eq!(found, [Reason::Lapsing(Lapse::MovedInto { from: Segment::LoyalCustomers, to: Segment::AtRisk })]);
    assert_eq!(found[0].words(today()), "Top client moved from Loyal Customers into At Risk since the last snapshot");
    let small = ClientFacts { latest: Some(snapshot(Segment::AtRisk, 3, None)), ..moved.clone() };
    assert!(reasons(&small, today(), &plan(), &Horizons::default()).is_empty());
    let fell = ClientFacts {
        latest: Some(snapshot(Segment::LoyalCustomers, 4, Some(Decimal::new(55, 2)))),
        previous: Some(PreviousSnapshot { segment: Segment::LoyalCustomers, p_alive: Some(Decimal::new(82, 2)) }),
        ..moved.clone()
    };
    let found = reasons(&fell, today(), &plan(), &Horizons::default());
    assert_eq!(found[0].words(today()), "Top client: chance of still being active fell from 82% to 55%");
    // Exactly 20 points is not "more than 20 points".
    let twenty = ClientFacts {
        previous: Some(PreviousSnapshot { segment: Segment::LoyalCustomers, p_alive: Some(Decimal::new(75, 2)) }),
        ..fell
    };
    assert!(reasons(&twenty, today(), &plan(), &Horizons::default()).is_empty());
}

#[test]
fn overdue_means_longer_than_the_clients_own_gap() {
    // A year from first to last purchase over 5 repeat purchases: 73 days.
    let s = LatestSnapshot {
        first_purchase: day(2025, 6, 4),
        last_purchase: day(2026, 6, 4),
        repeat_purchases: 5,
        ..snapshot(Segment::LoyalCustomers, 4, None)
    };
    assert_eq!(usual_gap_days(&s), Some(73));
    let at = |last: NaiveDate| ClientFacts { latest: Some(s.clone()), last_purchase: Some(last), ..facts() };
    let on_time = day(2026, 9, 22); // 73 days before today
    assert!(reasons(&at(on_time), today(), &plan(), &Horizons::default()).is_empty());
    let found = reasons(&at(day(2026, 9, 21)), today(), &plan(), &Horizons::default());
    assert_eq!(found, [Reason::Lapsing(Lapse::Overdue { usual_gap_days: 73, days_since: 74 })]);
    assert_eq!(found[0].words(today()), "Top client: no purchase for 74 days, usually buys every 73 days");
    // Without a purchase since the snapshot, its last purchase counts.
    let found = reasons(&ClientFacts { last_purchase: None, ..at(on_time) }, today(), &plan(), &Horizons::default());
    assert_eq!(found, [Reason::Lapsing(Lapse::Overdue { usual_gap_days: 73, days_since: 183 })]);
    assert_eq!(usual_gap_days(&LatestSnapshot { repeat_purchases: 0, ..s }), None);
}

#[test]
fn close_to_the_next_tier_says_what_to_spend() {
    // S4 starts at 180,001 in the plan: 176,801 leaves 3,200 to go.
    let f = ClientFacts { tier: Some((Tier::S3, GrowthValue::new(176_801).unwrap())), ..facts() };
    let found = reasons(&f, today(), &plan(), &Horizons::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].words(today()), "CNY 3,200 more for S4 (level 4)");
    let far = ClientFacts { tier: Some((Tier::S3, GrowthValue::new(100_000).unwrap())), ..facts() };
    assert!(reasons(&far, today(), &plan(), &Horizons::default()).is_empty());
    let top = ClientFacts { tier: Some((Tier::S6, GrowthValue::new(2_000_000).unwrap())), ..facts() };
    assert!(reasons(&top, today(), &plan(), &Horizons::default()).is_empty());
    let upgraded = ClientFacts { upgrades: vec![Upgrade { from: Tier::S2, to: Tier::S3, on: day(2026, 12, 1) }], ..f };
    let found = reasons(&upgraded, today(), &plan(), &Horizons::default());
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].words(today()), "Upgraded from S2 to S3 on 1 Dec");
}

#[test]
fn a_worklists_day_is_within_a_year_of_today() {
    let ok = |d: NaiveDate| check_day(d, today()).is_ok();
    assert!(ok(today()) && ok(day(2027, 12, 5)) && ok(day(2025, 12, 3)));
    assert!(!ok(day(2027, 12, 6)) && !ok(day(2025, 12, 2)));
}

fn arb_day() -> impl Strategy<Value = NaiveDate> {
    (0u64..800).prop_map(|n| day(2025, 6, 1).checked_add_days(Days::new(n)).unwrap())
}

proptest! {
    #[test]
    fn expiring_points_are_those_within_the_horizon(
        lots in prop::collection::vec((arb_day(), 0i64..5_000), 0..8),
        today in arb_day(),
    ) {
        let f = ClientFacts { expiring: lots.clone(), ..facts() };
        let h = Horizons::default();
        let within: Vec<&(NaiveDate, i64)> = lots
            .iter()
            .filter(|(on, p)| *p > 0 && (*on - today).num_days() >= 0 && (*on - today).num_days() <= 30)
            .collect();
        let found: Vec<Reason> = reasons(&f, today, &plan(), &h);
        let expected = within.iter().map(|(on, _)| *on).min().map(|first_on| Reason::PointsExpiring {
            points: within.iter().map(|(_, p)| *p).sum(),
            first_on,
        });
        prop_assert_eq!(found.into_iter().next(), expected);
    }

    #[test]
    fn a_birthday_is_found_exactly_when_it_falls_in_the_next_14_days(born in arb_day(), today in arb_day()) {
        prop_assume!(born <= today);
        let f = ClientFacts { birthday: Some(Birthday::parse(born, today).unwrap()), ..facts() };
        let found = !reasons(&f, today, &plan(), &Horizons::default()).is_empty();
        // Walk the next 15 days and look for the same month and day (29
        // February counts on 28 February in other years).
        let expected = (0..=14u64).any(|n| {
            let d = today.checked_add_days(Days::new(n)).unwrap();
            let leap = NaiveDate::from_ymd_opt(d.year(), 2, 29).is_some();
            (d.month(), d.day()) == (born.month(), born.day())
                || (!leap && (born.month(), born.day()) == (2, 29) && (d.month(), d.day()) == (2, 28))
        });
        prop_assert_eq!(found, expected);
    }

    #[test]
    fn the_ranking_follows_value_and_spares_clients_just_reached(
        raw in prop::collection::vec((0u128..12, prop::option::of(0i64..100_000), prop::option::of(0u64..40), 0u8..3), 0..40),
        limit in 0usize..15,
    ) {
        let today = today();
        let candidates: Vec<Entry> = raw
            .iter()
            .map(|(c, clv, contact, kind)| Entry {
                customer: client(*c),
                clv: clv.map(Decimal::from),
                last_contact: contact.map(|d| today.checked_sub_days(Days::new(d)).unwrap()),
                reasons: vec![match kind {
                    0 => Reason::FollowUpDue {
                        follow_up: FollowUpId::from_uuid(Uuid::from_u128(*c)),
                        due_on: today,
                        reason: "call".into(),
                    },
                    1 => Reason::PointsExpiring { points: 10, first_on: today },
                    _ => Reason::JustUpgraded { from: Tier::S1, to: Tier::S2, on: today },
                }],
            })
            .collect();
        let ranked = rank(candidates.clone(), today, 14, limit);
        prop_assert!(ranked.len() <= limit);
        let mut seen = std::collections::BTreeSet::new();
        for e in &ranked {
            prop_assert!(seen.insert(e.customer), "a client twice");
            prop_assert!(!e.reasons.is_empty());
            let recent = candidates.iter().filter(|c| c.customer == e.customer).filter_map(|c| c.last_contact).max()
                .is_some_and(|d| (today - d).num_days() <= 14);
            if recent {
                prop_assert!(e.reasons.iter().all(Reason::is_task));
            }
        }
        for pair in ranked.windows(2) {
            let key = |e: &Entry| (e.clv.is_some(), e.clv);
            prop_assert!(key(&pair[0]) >= key(&pair[1]), "out of order");
        }
        // Nobody with a reason left is dropped while a lower-ranked one is kept.
        let all = rank(candidates, today, 14, usize::MAX);
        prop_assert_eq!(&all[..ranked.len()], &ranked[..]);
    }
}
