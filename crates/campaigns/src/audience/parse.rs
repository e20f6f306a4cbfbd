//! Reading an audience rule from JSON, every bad node named by its path
//! (`rule.all[1].tier[0]`), and writing it back in the same shape.

use std::str::FromStr;

use clientele_kernel::{FieldErrors, InvalidValue, StoreId};
use clientele_loyalty::Tier;
use clientele_profiles::{AgeBand, AssociateId, Channel, Gender, ImportantDateKind, TagName};
use clientele_rfm::{Score, Segment};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{Audience, Bounds, Dimension, Product, Rule, Season};
use crate::trigger::Trigger;

/// The deepest a rule may nest.
pub const MAX_DEPTH: usize = 12;
/// The most nodes a rule may have.
pub const MAX_NODES: usize = 200;
/// The longest "within N days" a rule may ask for (ten years).
const MAX_DAYS: u32 = 3660;

fn invalid(code: &'static str, message: impl Into<String>) -> InvalidValue {
    InvalidValue::new(code, message)
}

/// The parser's state: the errors so far and the nodes read.
struct Reader {
    errors: FieldErrors,
    nodes: usize,
}

impl Audience {
    /// Reads a rule; every bad node is an error naming its path under
    /// `rule` (all of them, not only the first).
    pub fn from_json(value: &Value) -> Result<Audience, FieldErrors> {
        Audience::from_json_at(value, "rule")
    }

    /// [`Audience::from_json`], the paths under `root` (e.g. `audience`).
    pub fn from_json_at(value: &Value, root: &str) -> Result<Audience, FieldErrors> {
        let mut reader = Reader { errors: FieldErrors::new(), nodes: 0 };
        let rule = reader.rule(value, root, 0);
        match rule {
            Some(rule) if reader.errors.is_empty() => Ok(Audience { rule }),
            _ => {
                if reader.errors.is_empty() {
                    reader.errors.push(root, invalid("invalid_rule", "not a rule"));
                }
                Err(reader.errors)
            }
        }
    }

    /// The rule as JSON, in the shape [`Audience::from_json`] reads.
    pub fn to_json(&self) -> Value {
        rule_json(&self.rule)
    }
}

impl Trigger {
    /// Reads a trigger; every bad node is an error naming its path under
    /// `trigger`.
    pub fn from_json(value: &Value) -> Result<Trigger, FieldErrors> {
        Trigger::from_json_at(value, "trigger")
    }

    /// [`Trigger::from_json`], the paths under `root`.
    pub fn from_json_at(value: &Value, root: &str) -> Result<Trigger, FieldErrors> {
        let mut reader = Reader { errors: FieldErrors::new(), nodes: 0 };
        match reader.trigger(value, root) {
            Some(t) if reader.errors.is_empty() => Ok(t),
            _ => {
                if reader.errors.is_empty() {
                    reader.errors.push(root, invalid("invalid_rule", "not a trigger"));
                }
                Err(reader.errors)
            }
        }
    }
}

impl Reader {
    fn fail<T>(&mut self, path: &str, code: &'static str, message: impl Into<String>) -> Option<T> {
        self.errors.push(path, invalid(code, message));
        None
    }

    fn rule(&mut self, value: &Value, path: &str, depth: usize) -> Option<Rule> {
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return self.fail(path, "rule_too_large", format!("a rule may have at most {MAX_NODES} nodes"));
        }
        if depth > MAX_DEPTH {
            return self.fail(path, "rule_too_deep", format!("a rule may nest at most {MAX_DEPTH} levels"));
        }
        let Some(object) = value.as_object() else {
            return self.fail(path, "invalid_type", "must be an object with one key naming the rule");
        };
        let mut keys = object.iter();
        let (Some((key, body)), None) = (keys.next(), keys.next()) else {
            return self.fail(path, "invalid_rule", "must have exactly one key naming the rule");
        };
        let path = format!("{path}.{key}");
        self.leaf(key, body, &path, depth)
    }

    fn leaf(&mut self, key: &str, body: &Value, path: &str, depth: usize) -> Option<Rule> {
        match key {
            "all" => self.rules(body, path, depth).map(Rule::All),
            "any" => self.rules(body, path, depth).map(Rule::Any),
            "not" => self.rule(body, path, depth + 1).map(|r| Rule::Not(Box::new(r))),
            "segment" => self.list(body, path, segment).map(Rule::Segment),
            "segment_move" => {
                let o = self.object(body, path, &["from", "to"])?;
                let from = self.list(o.get("from").unwrap_or(&Value::Null), &format!("{path}.from"), segment);
                let to = self.list(o.get("to").unwrap_or(&Value::Null), &format!("{path}.to"), segment);
                Some(Rule::SegmentMove { from: from?, to: to? })
            }
            "tier" => self.list(body, path, keyword::<Tier>).map(Rule::Tier),
            "tag" => self.one(body, path, |v| TagName::parse(text(v)?)).map(Rule::Tag),
            "r" => self.bounds(body, path, score).map(|b| Rule::Score(Dimension::R, b)),
            "f" => self.bounds(body, path, score).map(|b| Rule::Score(Dimension::F, b)),
            "m" => self.bounds(body, path, score).map(|b| Rule::Score(Dimension::M, b)),
            "clv" => self.bounds(body, path, decimal).map(Rule::Clv),
            "p_alive" => self.bounds(body, path, probability).map(Rule::PAlive),
            "days_since_last_purchase" => self.bounds(body, path, days).map(Rule::DaysSinceLastPurchase),
            "bought" => self.bought(body, path),
            "seasonal_lapse" => self.season(body, path).map(Rule::SeasonalLapse),
            "important_date" => {
                let o = self.object(body, path, &["kinds", "within_days"])?;
                let kinds = self.list(field(o, "kinds"), &format!("{path}.kinds"), keyword::<ImportantDateKind>);
                let within = self.one(field(o, "within_days"), &format!("{path}.within_days"), days);
                Some(Rule::ImportantDate { kinds: kinds?, within_days: within? })
            }
            "home_store" => self.list(body, path, |v| uuid(v).map(StoreId::from_uuid)).map(Rule::HomeStore),
            "associate" => self.list(body, path, |v| uuid(v).map(AssociateId::from_uuid)).map(Rule::Associate),
            "gender" => self.list(body, path, keyword::<Gender>).map(Rule::Gender),
            "age_band" => self.list(body, path, age_band).map(Rule::AgeBand),
            "points_balance" => self.bounds(body, path, points).map(Rule::PointsBalance),
            "points_expiring" => {
                let o = self.object(body, path, &["within_days", "min_points"])?;
                let within = self.one(field(o, "within_days"), &format!("{path}.within_days"), days);
                let min = match o.get("min_points") {
                    None => Some(1),
                    Some(v) => self.one(v, &format!("{path}.min_points"), positive_points),
                };
                Some(Rule::PointsExpiring { within_days: within?, min_points: min? })
            }
            "consent" => self.one(body, path, keyword::<Channel>).map(Rule::Consent),
            other => self.fail(path, "unknown_rule", format!("{other:?} is not a rule; one of: {}", KEYS.join(", "))),
        }
    }

    fn rules(&mut self, body: &Value, path: &str, depth: usize) -> Option<Vec<Rule>> {
        let Some(items) = body.as_array().filter(|a| !a.is_empty()) else {
            return self.fail(path, "invalid_type", "must be a non-empty array of rules");
        };
        let rules: Vec<Option<Rule>> =
            items.iter().enumerate().map(|(i, v)| self.rule(v, &format!("{path}[{i}]"), depth + 1)).collect();
        rules.into_iter().collect()
    }

    fn object<'v>(&mut self, body: &'v Value, path: &str, allowed: &[&str]) -> Option<&'v Map<String, Value>> {
        let Some(o) = body.as_object() else {
            return self.fail(path, "invalid_type", format!("must be an object with {}", allowed.join(", ")));
        };
        let mut ok = true;
        for key in o.keys().filter(|k| !allowed.contains(&k.as_str())) {
            ok = false;
            self.errors
                .push(format!("{path}.{key}"), invalid("unknown_field", format!("one of: {}", allowed.join(", "))));
        }
        ok.then_some(o)
    }

    fn one<T>(&mut self, v: &Value, path: &str, read: impl Fn(&Value) -> Result<T, InvalidValue>) -> Option<T> {
        match read(v) {
            Ok(t) => Some(t),
            Err(e) => {
                self.errors.push(path, e);
                None
            }
        }
    }

    fn list<T>(&mut self, v: &Value, path: &str, read: impl Fn(&Value) -> Result<T, InvalidValue>) -> Option<Vec<T>> {
        let Some(items) = v.as_array().filter(|a| !a.is_empty()) else {
            return self.fail(path, "invalid_type", "must be a non-empty array");
        };
        let read: Vec<Option<T>> =
            items.iter().enumerate().map(|(i, item)| self.one(item, &format!("{path}[{i}]"), &read)).collect();
        read.into_iter().collect()
    }

    fn bounds<T: PartialOrd + Copy>(
        &mut self,
        body: &Value,
        path: &str,
        read: impl Fn(&Value) -> Result<T, InvalidValue>,
    ) -> Option<Bounds<T>> {
        let o = self.object(body, path, &["min", "max"])?;
        let bound = |me: &mut Reader, key: &str| match o.get(key) {
            None | Some(Value::Null) => Some(None),
            Some(v) => me.one(v, &format!("{path}.{key}"), &read).map(Some),
        };
        let (min, max) = (bound(self, "min"), bound(self, "max"));
        let (min, max) = (min?, max?);
        match (min, max) {
            (None, None) => self.fail(path, "invalid_range", "give min, max or both"),
            (Some(a), Some(b)) if a > b => self.fail(path, "invalid_range", "min must not be above max"),
            _ => Some(Bounds { min, max }),
        }
    }

    fn bought(&mut self, body: &Value, path: &str) -> Option<Rule> {
        let o = self.object(body, path, &["category", "collection", "sku", "within_days"])?;
        let within = self.one(field(o, "within_days"), &format!("{path}.within_days"), days);
        let product = self.product(o, path)?;
        Some(Rule::Bought { product, within_days: within? })
    }

    /// Exactly one of `category`, `collection`, `sku` in `o`.
    fn product(&mut self, o: &Map<String, Value>, path: &str) -> Option<Product> {
        let named: Vec<(&str, &Value)> =
            ["category", "collection", "sku"].into_iter().filter_map(|k| o.get(k).map(|v| (k, v))).collect();
        let [(kind, v)] = named.as_slice() else {
            return self.fail(path, "invalid_rule", "name exactly one of category, collection, sku");
        };
        let name = self.one(v, &format!("{path}.{kind}"), |v| {
            let s = text(v)?.trim();
            if s.is_empty() || s.chars().count() > 200 {
                return Err(invalid("invalid_length", "must be 1 to 200 characters"));
            }
            Ok(s.to_owned())
        })?;
        Some(match *kind {
            "category" => Product::Category(name),
            "collection" => Product::Collection(name),
            _ => Product::Sku(name),
        })
    }

    fn trigger(&mut self, value: &Value, root: &str) -> Option<Trigger> {
        let Some((key, body)) = value.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next()) else {
            return self.fail(root, "invalid_rule", "must be an object with one key naming the trigger");
        };
        let path = format!("{root}.{key}");
        let path = path.as_str();
        let number =
            |me: &mut Reader, o: &Map<String, Value>, key: &str| me.one(field(o, key), &format!("{path}.{key}"), days);
        match key.as_str() {
            "important_date" => {
                let o = self.object(body, path, &["kinds", "days_before"])?;
                let kinds = self.list(field(o, "kinds"), &format!("{path}.kinds"), keyword::<ImportantDateKind>);
                let days_before = number(self, o, "days_before");
                Some(Trigger::ImportantDate { kinds: kinds?, days_before: days_before? })
            }
            "tier_upgrade" => self.object(body, path, &[]).map(|_| Trigger::TierUpgrade),
            "points_expiring" => {
                let o = self.object(body, path, &["within_days"])?;
                number(self, o, "within_days").map(|within_days| Trigger::PointsExpiring { within_days })
            }
            "no_purchase_for" => {
                let o = self.object(body, path, &["days"])?;
                number(self, o, "days").map(|days| Trigger::NoPurchaseFor { days })
            }
            "seasonal_lapse" => self.season(body, path).map(Trigger::SeasonalLapse),
            "replenishment" => {
                let o = self.object(body, path, &["category", "collection", "sku", "after_days"])?;
                let after_days = number(self, o, "after_days");
                let product = self.product(o, path)?;
                Some(Trigger::Replenishment { product, after_days: after_days? })
            }
            "after_purchase" => {
                let o = self.object(body, path, &["days"])?;
                number(self, o, "days").map(|days| Trigger::AfterPurchase { days })
            }
            other => self.fail(
                path,
                "unknown_trigger",
                format!(
                    "{other:?} is not a trigger; one of: important_date, tier_upgrade, points_expiring, \
                     no_purchase_for, seasonal_lapse, replenishment, after_purchase"
                ),
            ),
        }
    }

    fn season(&mut self, body: &Value, path: &str) -> Option<Season> {
        let o = self.object(body, path, &["from", "to"])?;
        let from = self.one(field(o, "from"), &format!("{path}.from"), month_day);
        let to = self.one(field(o, "to"), &format!("{path}.to"), month_day);
        let (from, to) = (from?, to?);
        if from == to {
            return self.fail(path, "invalid_range", "a season must last more than one day");
        }
        Some(Season { from, to })
    }
}

/// Every rule key, for the message of an unknown one.
const KEYS: [&str; 23] = [
    "all",
    "any",
    "not",
    "segment",
    "segment_move",
    "tier",
    "tag",
    "r",
    "f",
    "m",
    "clv",
    "p_alive",
    "days_since_last_purchase",
    "bought",
    "seasonal_lapse",
    "important_date",
    "home_store",
    "associate",
    "gender",
    "age_band",
    "points_balance",
    "points_expiring",
    "consent",
];

fn field<'v>(o: &'v Map<String, Value>, key: &str) -> &'v Value {
    o.get(key).unwrap_or(&Value::Null)
}

fn text(v: &Value) -> Result<&str, InvalidValue> {
    v.as_str().ok_or_else(|| invalid("invalid_type", "must be a string"))
}

fn keyword<T: FromStr<Err = InvalidValue>>(v: &Value) -> Result<T, InvalidValue> {
    text(v)?.parse()
}

fn segment(v: &Value) -> Result<Segment, InvalidValue> {
    text(v)?.parse().map_err(|e: clientele_rfm::RfmError| invalid("unknown_segment", e.to_string()))
}

fn age_band(v: &Value) -> Result<AgeBand, InvalidValue> {
    let codes = AgeBand::ALL.map(AgeBand::code).join(", ");
    AgeBand::from_code(text(v)?).ok_or_else(|| invalid("invalid_format", format!("must be one of: {codes}")))
}

fn uuid(v: &Value) -> Result<Uuid, InvalidValue> {
    text(v)?.parse().map_err(|_| invalid("invalid_format", "must be a UUID"))
}

fn whole(v: &Value) -> Result<i64, InvalidValue> {
    v.as_i64().ok_or_else(|| invalid("invalid_type", "must be a whole number"))
}

fn score(v: &Value) -> Result<Score, InvalidValue> {
    let n = whole(v)?;
    u8::try_from(n).ok().and_then(|n| Score::new(n).ok()).ok_or_else(|| invalid("out_of_range", "must be 1 to 5"))
}

fn days(v: &Value) -> Result<u32, InvalidValue> {
    let n = whole(v)?;
    u32::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_DAYS)
        .ok_or_else(|| invalid("out_of_range", format!("must be 0 to {MAX_DAYS} days")))
}

fn points(v: &Value) -> Result<i64, InvalidValue> {
    let n = whole(v)?;
    if n.unsigned_abs() > 1_000_000_000_000 {
        return Err(invalid("out_of_range", "must be within ±1,000,000,000,000 points"));
    }
    Ok(n)
}

fn positive_points(v: &Value) -> Result<i64, InvalidValue> {
    points(v).and_then(|n| if n >= 1 { Ok(n) } else { Err(invalid("out_of_range", "must be at least 1 point")) })
}

/// A decimal as a string ("1200.50") or a number.
fn decimal(v: &Value) -> Result<Decimal, InvalidValue> {
    let parsed = match v {
        Value::String(s) => Decimal::from_str(s.trim()).ok(),
        Value::Number(n) => Decimal::from_str(&n.to_string()).ok(),
        _ => None,
    };
    let d = parsed.ok_or_else(|| invalid("invalid_type", "must be a decimal number, e.g. \"1200.50\""))?;
    if d.abs() > Decimal::from(1_000_000_000_000_i64) || d.scale() > 4 {
        return Err(invalid("out_of_range", "must be within ±1,000,000,000,000 with at most 4 decimals"));
    }
    Ok(d)
}

fn probability(v: &Value) -> Result<Decimal, InvalidValue> {
    decimal(v).and_then(|d| {
        if d >= Decimal::ZERO && d <= Decimal::ONE { Ok(d) } else { Err(invalid("out_of_range", "must be 0 to 1")) }
    })
}

/// "MM-DD", a day that exists in a leap year.
fn month_day(v: &Value) -> Result<(u32, u32), InvalidValue> {
    let s = text(v)?;
    let bad = || invalid("invalid_format", "must be a month and day, MM-DD");
    let (m, d) = s.split_once('-').ok_or_else(bad)?;
    if m.len() != 2 || d.len() != 2 {
        return Err(bad());
    }
    let (m, d): (u32, u32) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
    chrono::NaiveDate::from_ymd_opt(2000, m, d).map(|_| (m, d)).ok_or_else(bad)
}

// ---- writing ------------------------------------------------------------------------------

fn bounds_json<T>(b: &Bounds<T>, each: impl Fn(&T) -> Value) -> Value {
    let mut o = Map::new();
    if let Some(min) = &b.min {
        o.insert("min".into(), each(min));
    }
    if let Some(max) = &b.max {
        o.insert("max".into(), each(max));
    }
    Value::Object(o)
}

fn codes<T>(items: &[T], code: impl Fn(&T) -> String) -> Value {
    Value::Array(items.iter().map(|i| Value::String(code(i))).collect())
}

fn rule_json(rule: &Rule) -> Value {
    let score = |s: &Score| json!(s.get());
    let md = |(m, d): (u32, u32)| format!("{m:02}-{d:02}");
    match rule {
        Rule::All(rules) => json!({ "all": rules.iter().map(rule_json).collect::<Vec<_>>() }),
        Rule::Any(rules) => json!({ "any": rules.iter().map(rule_json).collect::<Vec<_>>() }),
        Rule::Not(rule) => json!({ "not": rule_json(rule) }),
        Rule::Segment(list) => json!({ "segment": codes(list, |s| s.code().to_owned()) }),
        Rule::SegmentMove { from, to } => json!({ "segment_move": {
            "from": codes(from, |s| s.code().to_owned()), "to": codes(to, |s| s.code().to_owned()) } }),
        Rule::Tier(list) => json!({ "tier": codes(list, |t| t.as_str().to_owned()) }),
        Rule::Tag(tag) => json!({ "tag": tag.as_str() }),
        Rule::Score(d, b) => {
            let key = match d {
                Dimension::R => "r",
                Dimension::F => "f",
                Dimension::M => "m",
            };
            json!({ key: bounds_json(b, score) })
        }
        Rule::Clv(b) => json!({ "clv": bounds_json(b, |d| json!(d.to_string())) }),
        Rule::PAlive(b) => json!({ "p_alive": bounds_json(b, |d| json!(d.to_string())) }),
        Rule::DaysSinceLastPurchase(b) => json!({ "days_since_last_purchase": bounds_json(b, |d| json!(d)) }),
        Rule::Bought { product, within_days } => {
            let (kind, name) = product.parts();
            json!({ "bought": { kind: name, "within_days": within_days } })
        }
        Rule::SeasonalLapse(s) => json!({ "seasonal_lapse": { "from": md(s.from), "to": md(s.to) } }),
        Rule::ImportantDate { kinds, within_days } => json!({ "important_date": {
            "kinds": codes(kinds, |k| k.as_str().to_owned()), "within_days": within_days } }),
        Rule::HomeStore(list) => json!({ "home_store": codes(list, |s| s.as_uuid().to_string()) }),
        Rule::Associate(list) => json!({ "associate": codes(list, |a| a.as_uuid().to_string()) }),
        Rule::Gender(list) => json!({ "gender": codes(list, |g| g.as_str().to_owned()) }),
        Rule::AgeBand(list) => json!({ "age_band": codes(list, |b| b.code().to_owned()) }),
        Rule::PointsBalance(b) => json!({ "points_balance": bounds_json(b, |p| json!(p)) }),
        Rule::PointsExpiring { within_days, min_points } => {
            json!({ "points_expiring": { "within_days": within_days, "min_points": min_points } })
        }
        Rule::Consent(channel) => json!({ "consent": channel.as_str() }),
    }
}
