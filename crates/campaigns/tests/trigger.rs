//! Lifecycle triggers: each fires under one occurrence key for as long as
//! the occurrence is due (a grace period, so a missed job run still fires),
//! and the key is the same on every day of it — so the store's unique
//! (campaign, customer, occurrence) makes it fire once.
#![allow(clippy::unwrap_used)]

use chrono::{Days, NaiveDate};
use clientele_campaigns::audience::{AudienceFacts, BoughtItem, ExpiringPoints};
use clientele_campaigns::trigger::{GRACE_DAYS, Occurrence, Trigger};
use clientele_kernel::random::SplitMix64;
use clientele_loyalty::Tier;
use clientele_profiles::Birthday;
use proptest::prelude::*;
use serde_json::json;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn trigger(v: serde_json::Value) -> Trigger {
    Trigger::from_json(&v).unwrap_or_else(|e| panic!("{v}: {e:?}"))
}

fn key(t: &Trigger, f: &AudienceFacts, today: NaiveDate) -> Option<String> {
    t.occurrence(f, today).map(|o| o.key)
}

#[test]
fn a_birthday_fires_n_days_before_once_across_the_years_end() {
    let t = trigger(json!({"important_date": {"kinds": ["birthday"], "days_before": 7}}));
    let f = AudienceFacts { birthday: Some(Birthday::try_from(day(1990, 1, 3)).unwrap()), ..AudienceFacts::default() };
    assert_eq!(key(&t, &f, day(2026, 12, 26)), None);
    assert_eq!(
        t.occurrence(&f, day(2026, 12, 27)),
        Some(Occurrence { key: "birthday:2027-01-03".into(), due_on: day(2026, 12, 27) })
    );
    // The same key every day of the grace period, up to the birthday itself.
    for d in 27..=31 {
        assert_eq!(key(&t, &f, day(2026, 12, d)).as_deref(), Some("birthday:2027-01-03"));
    }
    assert_eq!(key(&t, &f, day(2027, 1, 3)).as_deref(), Some("birthday:2027-01-03"));
    assert_eq!(key(&t, &f, day(2027, 1, 4)), None, "next year's is far");
    // 29 February: on 28 February in 2027.
    let leap =
        AudienceFacts { birthday: Some(Birthday::try_from(day(1992, 2, 29)).unwrap()), ..AudienceFacts::default() };
    assert_eq!(key(&t, &leap, day(2027, 2, 21)).as_deref(), Some("birthday:2027-02-28"));
}

#[test]
fn lapses_replenishments_and_thank_yous_fire_once_per_purchase() {
    let item = |on, category: &str| BoughtItem {
        on,
        sku: format!("SKU-{category}"),
        category: Some(category.into()),
        collection: None,
    };
    let f = AudienceFacts {
        last_purchase: Some(day(2026, 3, 1)),
        bought: vec![item(day(2026, 2, 1), "beauty"), item(day(2026, 3, 1), "leather")],
        ..AudienceFacts::default()
    };
    let lapse = trigger(json!({"no_purchase_for": {"days": 90}}));
    assert_eq!(key(&lapse, &f, day(2026, 5, 29)), None);
    assert_eq!(key(&lapse, &f, day(2026, 5, 30)).as_deref(), Some("no_purchase:2026-03-01"));
    assert_eq!(key(&lapse, &f, day(2026, 6, 6)).as_deref(), Some("no_purchase:2026-03-01"));
    assert_eq!(key(&lapse, &f, day(2026, 6, 7)), None, "past the grace period: fired already or missed");
    let refill = trigger(json!({"replenishment": {"category": "beauty", "after_days": 60}}));
    assert_eq!(key(&refill, &f, day(2026, 4, 2)).as_deref(), Some("replenish:2026-02-01"));
    assert_eq!(key(&refill, &f, day(2026, 4, 1)), None);
    let thanks = trigger(json!({"after_purchase": {"days": 3}}));
    assert_eq!(key(&thanks, &f, day(2026, 2, 4)).as_deref(), Some("after_purchase:2026-02-01"));
    assert_eq!(key(&thanks, &f, day(2026, 3, 5)).as_deref(), Some("after_purchase:2026-03-01"));
    let expiring = AudienceFacts {
        expiring: vec![ExpiringPoints { on: day(2026, 7, 20), points: 500 }],
        ..AudienceFacts::default()
    };
    let points = trigger(json!({"points_expiring": {"within_days": 30}}));
    assert_eq!(key(&points, &expiring, day(2026, 6, 19)), None);
    assert_eq!(key(&points, &expiring, day(2026, 6, 20)).as_deref(), Some("points_expiring:2026-07-20"));
    assert_eq!(Trigger::tier_upgrade(Tier::S4, day(2026, 6, 1)).key, "tier:S4:2026-06-01");
}

#[test]
fn triggers_are_read_with_paths_and_written_back() {
    for t in [
        json!({"important_date": {"kinds": ["birthday", "child_birthday"], "days_before": 14}}),
        json!({"tier_upgrade": {}}),
        json!({"points_expiring": {"within_days": 30}}),
        json!({"no_purchase_for": {"days": 180}}),
        json!({"seasonal_lapse": {"from": "11-15", "to": "01-31"}}),
        json!({"replenishment": {"sku": "SERUM-30ML", "after_days": 45}}),
        json!({"after_purchase": {"days": 3}}),
    ] {
        assert_eq!(trigger(t.clone()).to_json(), t);
    }
    let fields = |v| -> Vec<String> { Trigger::from_json(&v).unwrap_err().iter().map(|e| e.field.clone()).collect() };
    assert_eq!(fields(json!({"birthday": {}})), ["trigger.birthday"]);
    assert_eq!(fields(json!({"no_purchase_for": {"days": -3}})), ["trigger.no_purchase_for.days"]);
    assert_eq!(fields(json!({"tier_upgrade": {"tier": "S4"}})), ["trigger.tier_upgrade.tier"]);
    assert_eq!(fields(json!({"replenishment": {"after_days": 30}})), ["trigger.replenishment"]);
    assert_eq!(
        fields(json!({"important_date": {"kinds": ["wedding"], "days_before": 1}})),
        ["trigger.important_date.kinds[0]"]
    );
    assert_eq!(fields(json!("birthday")), ["trigger"]);
}

proptest! {
    /// Whatever the purchases and the day, a due occurrence is within its
    /// grace period, and on every later day of that period the trigger
    /// finds the same occurrence or a newer one — never an older one again.
    #[test]
    fn an_occurrence_is_due_within_its_grace_period(seed in any::<u64>(), days in 1_u32..400) {
        let mut rng = SplitMix64::new(seed);
        let start = day(2026, 1, 1);
        let bought: Vec<BoughtItem> = (0..1 + rng.below(5))
            .map(|_| BoughtItem {
                on: start + Days::new(rng.below(500)),
                sku: "SKU-beauty".into(),
                category: Some("beauty".into()),
                collection: None,
            })
            .collect();
        let f = AudienceFacts { last_purchase: bought.iter().map(|b| b.on).max(), bought, ..AudienceFacts::default() };
        for t in [
            Trigger::NoPurchaseFor { days },
            trigger(json!({"replenishment": {"category": "beauty", "after_days": days}})),
            Trigger::AfterPurchase { days },
        ] {
            let mut seen: Option<Occurrence> = None;
            for offset in 0..700 {
                let today = start + Days::new(offset);
                let Some(o) = t.occurrence(&f, today) else { continue };
                prop_assert!(o.due_on <= today && today <= o.due_on + Days::new(u64::from(GRACE_DAYS)), "{o:?} on {today}");
                if let Some(before) = &seen {
                    prop_assert!(o.due_on >= before.due_on, "{o:?} after {before:?}");
                }
                seen = Some(o);
            }
        }
    }
}

/// A customer's facts as the store loads them on `today`: purchases up to
/// that day.
fn random_facts(rng: &mut SplitMix64, start: NaiveDate, today: NaiveDate) -> AudienceFacts {
    use clientele_profiles::{ImportantDate, ImportantDateId, ImportantDateKind, Relation};
    let on = |rng: &mut SplitMix64| start + Days::new(rng.below(800));
    let bought: Vec<BoughtItem> = (0..rng.below(6))
        .map(|_| {
            let category = ["beauty", "bags"][rng.below(2) as usize];
            BoughtItem {
                on: on(rng),
                sku: format!("SKU-{category}"),
                category: Some(category.into()),
                collection: None,
            }
        })
        .filter(|b| b.on <= today)
        .collect();
    let kinds = [ImportantDateKind::Anniversary, ImportantDateKind::ChildBirthday, ImportantDateKind::FamilyTrip];
    let important_dates = (0..rng.below(3))
        .map(|_| ImportantDate {
            id: ImportantDateId::from_uuid(uuid::Uuid::nil()),
            kind: kinds[rng.below(3) as usize],
            relation: Relation::Child,
            label: None,
            date: day(2000 + rng.below(30) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32),
            recurring: rng.chance(80),
        })
        .collect();
    let birthday = rng.chance(70).then(|| {
        let (m, d) = if rng.chance(10) { (2, 29) } else { (1 + rng.below(12) as u32, 1 + rng.below(28) as u32) };
        Birthday::try_from(day(1988, m, d)).unwrap()
    });
    let expiring =
        (0..rng.below(3)).map(|_| ExpiringPoints { on: on(rng), points: 1 + rng.below(900) as i64 }).collect();
    AudienceFacts {
        last_purchase: bought.iter().map(|b| b.on).max(),
        bought,
        important_dates,
        birthday,
        expiring,
        ..AudienceFacts::default()
    }
}

proptest! {
    /// The store selects a trigger's customers by its prefilter before it
    /// works out their occurrences: every customer with an occurrence on a
    /// day satisfies the prefilter on that day.
    #[test]
    fn the_prefilter_keeps_everyone_a_trigger_fires_for(seed in any::<u64>(), n in 0_u32..120) {
        let mut rng = SplitMix64::new(seed);
        let start = day(2026, 1, 1);
        let triggers = [
            trigger(json!({"important_date": {"kinds": ["birthday", "anniversary", "child_birthday"], "days_before": n}})),
            trigger(json!({"points_expiring": {"within_days": n}})),
            trigger(json!({"no_purchase_for": {"days": n + 1}})),
            trigger(json!({"seasonal_lapse": {"from": "11-01", "to": "02-29"}})),
            trigger(json!({"replenishment": {"category": "beauty", "after_days": n + 1}})),
            trigger(json!({"after_purchase": {"days": n}})),
        ];
        for _ in 0..20 {
            let today = start + Days::new(rng.below(900));
            let f = random_facts(&mut rng, start, today);
            for t in &triggers {
                let pre = t.prefilter().unwrap();
                if let Some(o) = t.occurrence(&f, today) {
                    prop_assert!(pre.matches(&f, today), "{t:?} fires ({o:?}) on {today} outside {pre:?} for {f:?}");
                }
            }
        }
    }
}
