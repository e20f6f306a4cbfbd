//! Audiences: a rule tree (all / any / not) over one customer's facts.
//!
//! A rule is JSON data ([`Audience::from_json`], which names the path of
//! every bad node, e.g. `rule.all[1].tier[0]`), evaluated here
//! ([`Audience::matches`]) and compiled to SQL by the store, which must
//! select exactly the customers this evaluator accepts. The leaves:
//!
//! | JSON | true when |
//! |---|---|
//! | `{"all": [r, …]}` / `{"any": [r, …]}` / `{"not": r}` | every / some / not |
//! | `{"segment": ["at_risk", …]}` | in one of them in the latest snapshot |
//! | `{"segment_move": {"from": [..], "to": [..]}}` | in `from` in the snapshot before the latest, in `to` in the latest |
//! | `{"tier": ["S4", "S5"]}` | the tier today is one of them |
//! | `{"tag": "vip"}` | has the tag |
//! | `{"r": {"min": 1, "max": 2}}` (also `f`, `m`) | the score is in the range |
//! | `{"clv": {"min": "1000"}}`, `{"p_alive": {"max": "0.3"}}` | in the range (bounds inclusive, either may be left out) |
//! | `{"days_since_last_purchase": {"min": 90}}` | has bought, that many days ago |
//! | `{"bought": {"category": "beauty", "within_days": 90}}` (or `collection`, `sku`) | bought it in the last N days (today included) |
//! | `{"seasonal_lapse": {"from": "11-01", "to": "12-31"}}` | bought in last year's season, not in this year's (up to today) |
//! | `{"important_date": {"kinds": ["birthday", "child_birthday"], "within_days": 14}}` | one comes in the next N days (today included) |
//! | `{"home_store": [id, …]}`, `{"associate": [id, …]}` | one of them |
//! | `{"gender": ["female"]}`, `{"age_band": ["25_34"]}` | one of them |
//! | `{"points_balance": {"min": 1000}}` | points available in the range |
//! | `{"points_expiring": {"within_days": 30, "min_points": 500}}` | at least that many points expire in the next N days |
//! | `{"consent": "wechat"}` | has consented to marketing on the channel |
//!
//! Dates: an anniversary of 29 February falls on 28 February in other
//! years; "within N days" crosses the year's end. A season (`from`, `to`
//! as month-day, `to` before `from` crosses the year's end) this year is
//! the latest one that has started by today; last year's is the one a year
//! before it.

mod facts;
mod parse;

use chrono::{Datelike, Days, NaiveDate};
use clientele_kernel::StoreId;
use clientele_loyalty::Tier;
use clientele_profiles::{AgeBand, AssociateId, Channel, Gender, ImportantDateKind, TagName};
use clientele_rfm::{Score, Segment};
use rust_decimal::Decimal;

pub use facts::{AudienceFacts, BoughtItem, ExpiringPoints};
pub use parse::{MAX_DEPTH, MAX_NODES};

/// An inclusive range; an absent bound is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds<T> {
    pub min: Option<T>,
    pub max: Option<T>,
}

impl<T: PartialOrd + Copy> Bounds<T> {
    /// True when `value` is within both bounds.
    pub fn contains(&self, value: T) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }
}

/// Which score of the three.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    R,
    F,
    M,
}

/// What was bought: a category, a collection or a SKU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Product {
    Category(String),
    Collection(String),
    Sku(String),
}

/// A season by month and day; `to` before `from` crosses the year's end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Season {
    /// (month, day) of the first day.
    pub from: (u32, u32),
    /// (month, day) of the last day.
    pub to: (u32, u32),
}

/// One node of an audience rule; see the [module documentation](self).
#[derive(Debug, Clone, PartialEq)]
pub enum Rule {
    All(Vec<Rule>),
    Any(Vec<Rule>),
    Not(Box<Rule>),
    Segment(Vec<Segment>),
    SegmentMove { from: Vec<Segment>, to: Vec<Segment> },
    Tier(Vec<Tier>),
    Tag(TagName),
    Score(Dimension, Bounds<Score>),
    Clv(Bounds<Decimal>),
    PAlive(Bounds<Decimal>),
    DaysSinceLastPurchase(Bounds<u32>),
    Bought { product: Product, within_days: u32 },
    SeasonalLapse(Season),
    ImportantDate { kinds: Vec<ImportantDateKind>, within_days: u32 },
    HomeStore(Vec<StoreId>),
    Associate(Vec<AssociateId>),
    Gender(Vec<Gender>),
    AgeBand(Vec<AgeBand>),
    PointsBalance(Bounds<i64>),
    PointsExpiring { within_days: u32, min_points: i64 },
    Consent(Channel),
}

/// A checked audience rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Audience {
    rule: Rule,
}

impl Audience {
    /// The rule tree.
    pub fn rule(&self) -> &Rule {
        &self.rule
    }

    /// This audience narrowed by `rule` (both must hold): a trigger's
    /// prefilter applied to the campaign's audience.
    pub fn and(&self, rule: Rule) -> Audience {
        Audience { rule: Rule::All(vec![self.rule.clone(), rule]) }
    }

    /// True when the customer with these facts is in the audience on `today`.
    pub fn matches(&self, facts: &AudienceFacts, today: NaiveDate) -> bool {
        self.rule.matches(facts, today)
    }
}

impl Rule {
    /// True when the customer with these facts satisfies this node on `today`.
    pub fn matches(&self, f: &AudienceFacts, today: NaiveDate) -> bool {
        match self {
            Rule::All(rules) => rules.iter().all(|r| r.matches(f, today)),
            Rule::Any(rules) => rules.iter().any(|r| r.matches(f, today)),
            Rule::Not(rule) => !rule.matches(f, today),
            Rule::Segment(list) => f.segment.is_some_and(|s| list.contains(&s)),
            Rule::SegmentMove { from, to } => {
                f.previous_segment.is_some_and(|s| from.contains(&s)) && f.segment.is_some_and(|s| to.contains(&s))
            }
            Rule::Tier(list) => f.tier.is_some_and(|t| list.contains(&t)),
            Rule::Tag(tag) => f.tags.contains(tag),
            Rule::Score(dimension, bounds) => f.rfm.is_some_and(|s| {
                bounds.contains(match dimension {
                    Dimension::R => s.r(),
                    Dimension::F => s.f(),
                    Dimension::M => s.m(),
                })
            }),
            Rule::Clv(bounds) => f.clv.is_some_and(|v| bounds.contains(v)),
            Rule::PAlive(bounds) => f.p_alive.is_some_and(|v| bounds.contains(v)),
            Rule::DaysSinceLastPurchase(bounds) => {
                f.last_purchase.and_then(|d| days_between(d, today)).is_some_and(|days| bounds.contains(days))
            }
            Rule::Bought { product, within_days } => {
                let since = days_before(today, *within_days);
                f.bought.iter().any(|b| b.on >= since && b.on <= today && product.is(b))
            }
            Rule::SeasonalLapse(season) => seasonal_lapse(season, &f.bought, today),
            Rule::ImportantDate { kinds, within_days } => important_date_within(f, kinds, *within_days, today),
            Rule::HomeStore(list) => f.home_store.is_some_and(|s| list.contains(&s)),
            Rule::Associate(list) => f.associate.is_some_and(|a| list.contains(&a)),
            Rule::Gender(list) => f.gender.is_some_and(|g| list.contains(&g)),
            Rule::AgeBand(list) => list.contains(&AgeBand::on(f.birthday.as_ref(), today)),
            Rule::PointsBalance(bounds) => bounds.contains(f.points),
            Rule::PointsExpiring { within_days, min_points } => {
                let until = days_after(today, *within_days);
                let expiring: i64 =
                    f.expiring.iter().filter(|e| e.on >= today && e.on <= until).map(|e| e.points).sum();
                expiring >= *min_points
            }
            Rule::Consent(channel) => f.consents.contains(channel),
        }
    }
}

impl Product {
    /// Its kind (`category`, `collection`, `sku`) and name, as in JSON.
    pub fn parts(&self) -> (&'static str, &str) {
        match self {
            Product::Category(n) => ("category", n),
            Product::Collection(n) => ("collection", n),
            Product::Sku(n) => ("sku", n),
        }
    }

    /// True when the item is this product.
    pub fn is(&self, item: &BoughtItem) -> bool {
        match self {
            Product::Category(c) => item.category.as_deref() == Some(c.as_str()),
            Product::Collection(c) => item.collection.as_deref() == Some(c.as_str()),
            Product::Sku(s) => item.sku == *s,
        }
    }
}

/// Whole days from `from` to `to`; None when `to` is earlier.
fn days_between(from: NaiveDate, to: NaiveDate) -> Option<u32> {
    u32::try_from((to - from).num_days()).ok()
}

fn days_before(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_sub_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MIN)
}

fn days_after(day: NaiveDate, n: u32) -> NaiveDate {
    day.checked_add_days(Days::new(u64::from(n))).unwrap_or(NaiveDate::MAX)
}

/// True when a date of one of `kinds` (the profile's birthday counts as a
/// birthday) comes in the `within` days from `today` (today included).
fn important_date_within(f: &AudienceFacts, kinds: &[ImportantDateKind], within: u32, today: NaiveDate) -> bool {
    let until = days_after(today, within);
    let birthday =
        kinds.contains(&ImportantDateKind::Birthday) && f.birthday.is_some_and(|b| b.next_occurrence(today) <= until);
    birthday
        || f.important_dates
            .iter()
            .filter(|d| kinds.contains(&d.kind))
            .any(|d| d.next_occurrence(today).is_some_and(|next| next <= until))
}

impl Season {
    /// The first and last day of the season that starts in `year` (the last
    /// day falls in the next year when the season crosses the year's end);
    /// 29 February as a bound falls on 28 February in other years.
    pub fn in_year(&self, year: i32) -> Option<(NaiveDate, NaiveDate)> {
        let on = |year: i32, (month, day): (u32, u32)| {
            NaiveDate::from_ymd_opt(year, month, day).or_else(|| NaiveDate::from_ymd_opt(year, month, day - 1))
        };
        let start = on(year, self.from)?;
        let end_year = if self.to < self.from { year.checked_add(1)? } else { year };
        Some((start, on(end_year, self.to)?))
    }

    /// This year's season on `today` — the latest that has started by
    /// today, cut at today — and last year's, whole.
    pub fn this_and_last(&self, today: NaiveDate) -> Option<((NaiveDate, NaiveDate), (NaiveDate, NaiveDate))> {
        let year = today.year();
        let this = match self.in_year(year)? {
            (start, end) if start <= today => (start, end),
            _ => self.in_year(year.checked_sub(1)?)?,
        };
        let last = self.in_year(this.0.year().checked_sub(1)?)?;
        Some(((this.0, this.1.min(today)), last))
    }
}

/// Bought in last year's season and not in this year's (up to today).
fn seasonal_lapse(season: &Season, bought: &[BoughtItem], today: NaiveDate) -> bool {
    let Some(((this_start, this_end), (last_start, last_end))) = season.this_and_last(today) else { return false };
    let in_range = |start: NaiveDate, end: NaiveDate| bought.iter().any(|b| b.on >= start && b.on <= end);
    in_range(last_start, last_end) && !in_range(this_start, this_end)
}
