//! Audience rules: read from JSON with the path of every bad node, written
//! back in the same shape, and evaluated over a customer's facts — dates
//! across the year's end and 29 February, seasons, windows — and the laws of
//! all / any / not on generated rules and customers.
#![allow(clippy::unwrap_used)]

use chrono::NaiveDate;
use clientele_campaigns::audience::{Audience, AudienceFacts, BoughtItem, ExpiringPoints};
use clientele_campaigns::testing::{self, Vocabulary};
use clientele_kernel::random::SplitMix64;
use clientele_loyalty::Tier;
use clientele_profiles::{
    Birthday, Channel, Gender, ImportantDate, ImportantDateId, ImportantDateKind, Relation, TagName,
};
use clientele_rfm::{RfmScore, Score, Segment};
use proptest::prelude::*;
use rust_decimal::Decimal;
use serde_json::{Value, json};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn audience(rule: Value) -> Audience {
    Audience::from_json(&rule).unwrap_or_else(|e| panic!("{rule}: {e:?}"))
}

fn errors(rule: Value) -> Vec<(String, String)> {
    let errors = Audience::from_json(&rule).expect_err("refused");
    errors.iter().map(|e| (e.field.clone(), e.code.to_owned())).collect()
}

fn pair(field: &str, code: &str) -> (String, String) {
    (field.to_owned(), code.to_owned())
}

#[test]
fn every_bad_node_is_named_by_its_path() {
    let bad = json!({"all": [
        {"tier": ["S4", "S9"]},
        {"segment": []},
        {"favourite_colour": "red"},
        {"not": {"r": {"min": 4, "max": 2}}},
        {"bought": {"category": "beauty", "sku": "X", "within_days": 30}},
        {"important_date": {"kinds": ["birthday"], "within_days": -1, "extra": 1}},
        {"clv": {"min": "lots"}},
        {"seasonal_lapse": {"from": "02-30", "to": "03-31"}},
    ]});
    assert_eq!(errors(bad), expected_errors());
}

/// The errors of the rule above, in the order of its nodes; a `bought`
/// naming two products is one error on the node.
fn expected_errors() -> Vec<(String, String)> {
    vec![
        pair("rule.all[0].tier[1]", "invalid_format"),
        pair("rule.all[1].segment", "invalid_type"),
        pair("rule.all[2].favourite_colour", "unknown_rule"),
        pair("rule.all[3].not.r", "invalid_range"),
        pair("rule.all[4].bought", "invalid_rule"),
        pair("rule.all[5].important_date.extra", "unknown_field"),
        pair("rule.all[6].clv.min", "invalid_type"),
        pair("rule.all[7].seasonal_lapse.from", "invalid_format"),
    ]
}

#[test]
fn shapes_that_are_not_rules_are_refused() {
    assert_eq!(errors(json!([])), [pair("rule", "invalid_type")]);
    assert_eq!(errors(json!({})), [pair("rule", "invalid_rule")]);
    assert_eq!(errors(json!({"tier": ["S1"], "tag": "vip"})), [pair("rule", "invalid_rule")]);
    assert_eq!(errors(json!({"any": "tier"})), [pair("rule.any", "invalid_type")]);
    assert_eq!(errors(json!({"r": {}})), [pair("rule.r", "invalid_range")]);
    assert_eq!(errors(json!({"r": {"min": 6}})), [pair("rule.r.min", "out_of_range")]);
    assert_eq!(errors(json!({"p_alive": {"max": "1.5"}})), [pair("rule.p_alive.max", "out_of_range")]);
    assert_eq!(errors(json!({"consent": "pigeon"})), [pair("rule.consent", "invalid_format")]);
    assert_eq!(errors(json!({"home_store": ["not-a-uuid"]})), [pair("rule.home_store[0]", "invalid_format")]);
    assert_eq!(
        errors(json!({"seasonal_lapse": {"from": "05-01", "to": "05-01"}})),
        [pair("rule.seasonal_lapse", "invalid_range")]
    );
    // Too deep, and too large.
    let mut deep = json!({"tag": "vip"});
    for _ in 0..20 {
        deep = json!({ "not": deep });
    }
    assert_eq!(errors(deep).first().map(|e| e.1.clone()), Some("rule_too_deep".to_owned()));
    let wide = json!({ "any": vec![json!({"tag": "vip"}); 300] });
    assert!(errors(wide).iter().any(|e| e.1 == "rule_too_large"));
}

fn facts() -> AudienceFacts {
    AudienceFacts::default()
}

#[test]
fn a_birthday_within_n_days_crosses_the_years_end_and_29_february() {
    let rule = audience(json!({"important_date": {"kinds": ["birthday"], "within_days": 14}}));
    let born = |y, m, d| AudienceFacts { birthday: Some(Birthday::try_from(day(y, m, d)).unwrap()), ..facts() };
    assert!(rule.matches(&born(1990, 1, 3), day(2026, 12, 25)), "9 days, over new year");
    assert!(!rule.matches(&born(1990, 1, 9), day(2026, 12, 25)), "15 days");
    assert!(rule.matches(&born(1990, 12, 25), day(2026, 12, 25)), "today");
    assert!(!rule.matches(&born(1990, 12, 24), day(2026, 12, 25)), "yesterday: next year's is far");
    // 29 February falls on 28 February in 2027.
    assert!(rule.matches(&born(1992, 2, 29), day(2027, 2, 20)));
    let on_28th = audience(json!({"important_date": {"kinds": ["birthday"], "within_days": 0}}));
    assert!(on_28th.matches(&born(1992, 2, 29), day(2027, 2, 28)));
    assert!(on_28th.matches(&born(1992, 2, 29), day(2028, 2, 29)));
    assert!(!on_28th.matches(&born(1992, 2, 29), day(2028, 2, 28)));
}

#[test]
fn important_dates_count_by_kind_and_one_off_dates_once() {
    let date = |kind, d: NaiveDate, recurring| ImportantDate {
        id: ImportantDateId::from_uuid(uuid::Uuid::nil()),
        kind,
        relation: Relation::Child,
        label: None,
        date: d,
        recurring,
    };
    let f = AudienceFacts {
        important_dates: vec![
            date(ImportantDateKind::ChildBirthday, day(2015, 1, 2), true),
            date(ImportantDateKind::FamilyTrip, day(2026, 12, 30), false),
        ],
        ..facts()
    };
    let child = audience(json!({"important_date": {"kinds": ["child_birthday"], "within_days": 10}}));
    let trip = audience(json!({"important_date": {"kinds": ["family_trip", "anniversary"], "within_days": 10}}));
    let birthday = audience(json!({"important_date": {"kinds": ["birthday"], "within_days": 10}}));
    assert!(child.matches(&f, day(2026, 12, 25)));
    assert!(trip.matches(&f, day(2026, 12, 25)));
    assert!(!birthday.matches(&f, day(2026, 12, 25)));
    assert!(!trip.matches(&f, day(2027, 12, 25)), "a one-off date does not come back");
}

fn bought(on: NaiveDate, category: &str) -> BoughtItem {
    BoughtItem { on, sku: format!("SKU-{category}"), category: Some(category.to_owned()), collection: None }
}

#[test]
fn bought_within_n_days_counts_today_and_the_nth_day_back() {
    let rule = audience(json!({"bought": {"category": "beauty", "within_days": 30}}));
    let f = |on| AudienceFacts { bought: vec![bought(on, "beauty")], ..facts() };
    assert!(rule.matches(&f(day(2026, 6, 30)), day(2026, 6, 30)));
    assert!(rule.matches(&f(day(2026, 5, 31)), day(2026, 6, 30)));
    assert!(!rule.matches(&f(day(2026, 5, 30)), day(2026, 6, 30)));
    assert!(!rule.matches(&f(day(2026, 7, 1)), day(2026, 6, 30)), "not a later order");
    let sku = audience(json!({"bought": {"sku": "SKU-beauty", "within_days": 30}}));
    assert!(sku.matches(&f(day(2026, 6, 1)), day(2026, 6, 30)));
}

#[test]
fn a_seasonal_lapse_is_last_years_season_without_this_years() {
    // The winter season crosses the year's end.
    let winter = audience(json!({"seasonal_lapse": {"from": "11-15", "to": "01-31"}}));
    let f =
        |days: &[NaiveDate]| AudienceFacts { bought: days.iter().map(|d| bought(*d, "coats")).collect(), ..facts() };
    let last_winter = day(2025, 12, 20);
    // In January 2027 "this" season started on 15 November 2026.
    assert!(winter.matches(&f(&[last_winter]), day(2027, 1, 10)));
    assert!(!winter.matches(&f(&[last_winter, day(2026, 11, 20)]), day(2027, 1, 10)));
    // In June 2027 this season is still the one of November 2026.
    assert!(!winter.matches(&f(&[last_winter, day(2027, 1, 5)]), day(2027, 6, 1)));
    assert!(winter.matches(&f(&[last_winter]), day(2027, 6, 1)));
    // Before this year's season has started (October 2026), it is last
    // winter against the one before.
    assert!(!winter.matches(&f(&[last_winter]), day(2026, 10, 1)));
    assert!(winter.matches(&f(&[day(2024, 12, 1)]), day(2026, 10, 1)));
    // A purchase after today does not count for this season.
    let spring = audience(json!({"seasonal_lapse": {"from": "03-01", "to": "05-31"}}));
    assert!(spring.matches(&f(&[day(2025, 4, 1), day(2026, 4, 20)]), day(2026, 4, 10)));
}

#[test]
fn points_scores_and_snapshot_values() {
    let f = AudienceFacts {
        points: 1500,
        expiring: vec![
            ExpiringPoints { on: day(2026, 7, 15), points: 300 },
            ExpiringPoints { on: day(2026, 9, 1), points: 900 },
        ],
        rfm: Some(RfmScore::new(Score::new(2).unwrap(), Score::new(5).unwrap(), Score::new(4).unwrap())),
        clv: Some(Decimal::new(12_500, 0)),
        p_alive: Some(Decimal::new(35, 2)),
        segment: Some(Segment::AtRisk),
        previous_segment: Some(Segment::Champions),
        tier: Some(Tier::S4),
        gender: Some(Gender::Female),
        tags: [TagName::parse("vip").unwrap()].into(),
        consents: [Channel::Wechat].into(),
        last_purchase: Some(day(2026, 1, 1)),
        ..facts()
    };
    let today = day(2026, 6, 30);
    for (rule, expected) in [
        (json!({"points_balance": {"min": 1000}}), true),
        (json!({"points_balance": {"max": 1499}}), false),
        (json!({"points_expiring": {"within_days": 30}}), true),
        (json!({"points_expiring": {"within_days": 30, "min_points": 301}}), false),
        (json!({"points_expiring": {"within_days": 90, "min_points": 1200}}), true),
        (json!({"r": {"max": 2}}), true),
        (json!({"f": {"min": 5, "max": 5}}), true),
        (json!({"m": {"min": 5}}), false),
        (json!({"clv": {"min": "10000", "max": 20000}}), true),
        (json!({"p_alive": {"max": "0.3"}}), false),
        (json!({"segment": ["at_risk", "cant_lose_them"]}), true),
        (json!({"segment_move": {"from": ["champions", "loyal_customers"], "to": ["at_risk"]}}), true),
        (json!({"segment_move": {"from": ["at_risk"], "to": ["at_risk"]}}), false),
        (json!({"tier": ["S4", "S5", "S6"]}), true),
        (json!({"gender": ["male"]}), false),
        (json!({"tag": "vip"}), true),
        (json!({"consent": "wechat"}), true),
        (json!({"consent": "sms"}), false),
        (json!({"days_since_last_purchase": {"min": 180}}), true),
        (json!({"days_since_last_purchase": {"min": 181}}), false),
        (json!({"age_band": ["unknown"]}), true),
        (json!({"all": [{"tag": "vip"}, {"not": {"consent": "sms"}}]}), true),
        (json!({"any": [{"tier": ["S1"]}, {"gender": ["male"]}]}), false),
    ] {
        assert_eq!(audience(rule.clone()).matches(&f, today), expected, "{rule}");
    }
    // No snapshot, no purchase: the rules that need them are false (and
    // their negation true).
    let blank = facts();
    for rule in
        [json!({"r": {"min": 1}}), json!({"segment": ["lost"]}), json!({"days_since_last_purchase": {"min": 0}})]
    {
        assert!(!audience(rule.clone()).matches(&blank, today), "{rule}");
        assert!(audience(json!({ "not": rule })).matches(&blank, today));
    }
}

// ---- generated rules and customers ----------------------------------------------------------

const TAGS: [&str; 3] = ["vip", "press", "gifting"];
const CATEGORIES: [&str; 3] = ["beauty", "leather", "jewelry"];

fn tree(rng: &mut SplitMix64, depth: u32) -> Value {
    let words = Vocabulary {
        tags: TAGS.map(String::from).to_vec(),
        categories: CATEGORIES.map(String::from).to_vec(),
        stores: Vec::new(),
        associates: Vec::new(),
    };
    testing::rule(rng, depth, &words)
}

/// A customer drawn from `rng`, around `today`.
fn customer(rng: &mut SplitMix64, today: NaiveDate) -> AudienceFacts {
    let back = |rng: &mut SplitMix64, n: u64| today - chrono::Days::new(rng.below(n));
    let segment = |rng: &mut SplitMix64| rng.chance(80).then(|| Segment::ALL[rng.below(11) as usize]);
    let score = |rng: &mut SplitMix64| Score::new(1 + rng.below(5) as u8).unwrap();
    let bought: Vec<BoughtItem> =
        (0..rng.below(6)).map(|_| bought(back(rng, 900), CATEGORIES[rng.below(3) as usize])).collect();
    AudienceFacts {
        segment: segment(rng),
        previous_segment: segment(rng),
        rfm: rng.chance(80).then(|| RfmScore::new(score(rng), score(rng), score(rng))),
        clv: rng.chance(70).then(|| Decimal::from(rng.below(8000))),
        p_alive: rng.chance(70).then(|| Decimal::new(rng.below(101) as i64, 2)),
        tier: Some(Tier::ALL[rng.below(6) as usize]),
        tags: TAGS.iter().filter(|_| rng.chance(30)).map(|t| TagName::parse(t).unwrap()).collect(),
        last_purchase: bought.iter().map(|b| b.on).max(),
        bought,
        birthday: rng.chance(70).then(|| {
            let born = if rng.chance(20) {
                day(1992, 2, 29)
            } else {
                day(1960 + rng.below(45) as i32, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32)
            };
            Birthday::try_from(born).unwrap()
        }),
        gender: rng.chance(80).then(|| Gender::ALL[rng.below(4) as usize]),
        points: rng.below(3000) as i64,
        expiring: (0..rng.below(3))
            .map(|_| ExpiringPoints { on: today + chrono::Days::new(rng.below(120)), points: rng.below(800) as i64 })
            .collect(),
        consents: Channel::ALL.into_iter().filter(|_| rng.chance(50)).collect(),
        ..AudienceFacts::default()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// A rule read, written and read again is the same rule.
    #[test]
    fn a_rule_survives_writing_and_reading(seed in any::<u64>()) {
        let mut rng = SplitMix64::new(seed);
        let rule = audience(tree(&mut rng, 4));
        prop_assert_eq!(audience(rule.to_json()), rule);
    }

    /// not / all / any obey the laws of logic on every customer.
    #[test]
    fn all_any_and_not_obey_the_laws_of_logic(seed in any::<u64>()) {
        let mut rng = SplitMix64::new(seed);
        let today = day(2026, 1 + rng.below(12) as u32, 1 + rng.below(28) as u32);
        let (a, b) = (tree(&mut rng, 3), tree(&mut rng, 3));
        let f = customer(&mut rng, today);
        let is = |rule: Value| audience(rule).matches(&f, today);
        let (ra, rb) = (is(a.clone()), is(b.clone()));
        prop_assert_eq!(is(json!({"not": {"not": a.clone()}})), ra);
        prop_assert_eq!(is(json!({"all": [a.clone(), b.clone()]})), ra && rb);
        prop_assert_eq!(is(json!({"any": [a.clone(), b.clone()]})), ra || rb);
        prop_assert_eq!(
            is(json!({"not": {"all": [a.clone(), b.clone()]}})),
            is(json!({"any": [{"not": a}, {"not": b}]}))
        );
    }
}
