//! Random audience rules for property tests (this crate's, and the store's
//! test that its SQL selects what the evaluator accepts): drawn from the
//! project's seeded generator, over a vocabulary of tags, categories,
//! stores and associates that the test's customers use.

use clientele_kernel::random::SplitMix64;
use clientele_profiles::Channel;
use clientele_rfm::Segment;
use serde_json::{Value, json};
use uuid::Uuid;

/// What the generated rules may name.
#[derive(Debug, Clone)]
pub struct Vocabulary {
    pub tags: Vec<String>,
    pub categories: Vec<String>,
    pub stores: Vec<Uuid>,
    pub associates: Vec<Uuid>,
}

fn pick<'a, T>(rng: &mut SplitMix64, items: &'a [T]) -> Option<&'a T> {
    (!items.is_empty()).then(|| &items[rng.below(items.len() as u64) as usize])
}

fn segment(rng: &mut SplitMix64) -> Value {
    json!(Segment::ALL[rng.below(11) as usize].code())
}

/// One leaf rule.
pub fn leaf(rng: &mut SplitMix64, v: &Vocabulary) -> Value {
    let tag = pick(rng, &v.tags).cloned().unwrap_or_else(|| "vip".into());
    let category = pick(rng, &v.categories).cloned().unwrap_or_else(|| "beauty".into());
    let store = pick(rng, &v.stores).map(Uuid::to_string).unwrap_or_else(|| Uuid::nil().to_string());
    let associate = pick(rng, &v.associates).map(Uuid::to_string).unwrap_or_else(|| Uuid::nil().to_string());
    match rng.below(20) {
        0 => json!({"segment": [segment(rng), segment(rng)]}),
        1 => json!({"segment_move": {"from": [segment(rng), segment(rng)], "to": [segment(rng), segment(rng)]}}),
        2 => json!({"tier": [format!("S{}", 1 + rng.below(6)), format!("S{}", 1 + rng.below(6))]}),
        3 => json!({"tag": tag}),
        4 => {
            let dimension = ["r", "f", "m"][rng.below(3) as usize];
            json!({ dimension: {"min": 1 + rng.below(3), "max": 3 + rng.below(3)} })
        }
        5 => json!({"clv": {"min": rng.below(3000).to_string()}}),
        6 => json!({"p_alive": {"max": format!("0.{}", rng.below(10))}}),
        7 => json!({"days_since_last_purchase": {"min": rng.below(400), "max": 400 + rng.below(400)}}),
        8 => json!({"bought": {"category": category, "within_days": rng.below(500)}}),
        9 => {
            let (from, to) = if rng.chance(50) { ("11-01", "02-29") } else { ("03-01", "06-30") };
            json!({"seasonal_lapse": {"from": from, "to": to}})
        }
        10 => json!({"important_date": {"kinds": ["birthday", "anniversary"], "within_days": rng.below(90)}}),
        11 => json!({"important_date": {"kinds": ["child_birthday", "family_trip"], "within_days": rng.below(200)}}),
        12 => json!({"gender": ["female", "non_binary"]}),
        13 => {
            let band = ["under_25", "25_34", "35_44", "45_54", "55_plus", "unknown"][rng.below(6) as usize];
            json!({"age_band": [band]})
        }
        14 => json!({"points_balance": {"min": rng.below(2000)}}),
        15 => json!({"points_expiring": {"within_days": rng.below(120), "min_points": 1 + rng.below(500)}}),
        16 => json!({"home_store": [store]}),
        17 => json!({"associate": [associate]}),
        18 => json!({"bought": {"sku": format!("SKU-{category}"), "within_days": rng.below(500)}}),
        _ => json!({"consent": Channel::ALL[rng.below(4) as usize].as_str()}),
    }
}

/// A rule tree of up to `depth` levels of all / any / not.
pub fn rule(rng: &mut SplitMix64, depth: u32, v: &Vocabulary) -> Value {
    if depth == 0 || rng.chance(40) {
        return leaf(rng, v);
    }
    match rng.below(3) {
        0 => json!({"all": (0..1 + rng.below(3)).map(|_| rule(rng, depth - 1, v)).collect::<Vec<_>>()}),
        1 => json!({"any": (0..1 + rng.below(3)).map(|_| rule(rng, depth - 1, v)).collect::<Vec<_>>()}),
        _ => json!({"not": rule(rng, depth - 1, v)}),
    }
}
