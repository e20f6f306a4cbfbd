//! Next-best-product (issue #12): the daily job counts co-purchase affinity
//! (`clientele_affinity`) over the last [`WINDOW_DAYS`] of kept purchases —
//! by product and by category, each order a basket and each customer's
//! purchases a basket — and keeps the rules; a client's suggestions come
//! from what they bought and kept, each with its reason in words.

use std::collections::{BTreeMap, HashMap};
use std::num::NonZeroUsize;
use std::time::Instant;

use chrono::{DateTime, Days, NaiveDate, Utc};
use clientele_affinity::{
    AffinityError, Baskets, Interner, ItemId, Owned, PairCounts, Params, PurchaseLine, Rule, Rules, Window,
    group_lines, pairs, suggest,
};
use clientele_kernel::CustomerId;
use clientele_profiles::StoreScope;
use clientele_store::clienteling::{AffinityRun, KeptLine, StoredRule};
use clientele_store::{PgConnection, StoreError};
use uuid::Uuid;

/// Days of purchases counted, up to the day before the run.
pub const WINDOW_DAYS: u64 = 365;
/// The least number of baskets two items must share to make a rule.
pub const MIN_SHARED: u32 = 5;
/// Rules kept from each item: its strongest.
pub const RULES_PER_ITEM: usize = 20;

/// What a basket is: an order, or a customer's purchases in the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    Order,
    Customer,
}

impl Basis {
    pub const fn as_str(self) -> &'static str {
        match self {
            Basis::Order => "order",
            Basis::Customer => "customer",
        }
    }
}

/// What a run counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AffinityReport {
    pub lines: usize,
    pub orders: usize,
    pub customers: usize,
    pub rules: usize,
    pub duration_ms: i64,
    /// Of which reading the purchases out of the database.
    pub read_ms: i64,
}

fn counting(e: AffinityError) -> StoreError {
    StoreError::Corrupt(format!("affinity: {e}"))
}

/// Counts the rules over the purchases of the window ending the day before
/// `as_of`, and replaces the kept ones. `threads`: how many the counting
/// may use.
pub fn refresh_affinity(
    conn: &mut PgConnection,
    as_of: NaiveDate,
    at: DateTime<Utc>,
    threads: usize,
) -> Result<AffinityReport, StoreError> {
    let started = Instant::now();
    let to = as_of.pred_opt().unwrap_or(as_of);
    let from = to.checked_sub_days(Days::new(WINDOW_DAYS - 1)).unwrap_or(NaiveDate::MIN);
    let window = Window::new(from, to).map_err(counting)?;
    let (catalogue, rows) = clientele_store::clienteling::kept_purchases(conn, (from, to))?;
    let skus: Vec<String> = catalogue.iter().map(|p| p.sku.clone()).collect();
    let mut categories: Interner<String> = Interner::new();
    let category_of_product = catalogue
        .iter()
        .map(|p| p.category.as_ref().map(|c| categories.intern(c)).transpose())
        .collect::<Result<Vec<Option<ItemId>>, _>>()
        .map_err(counting)?;
    let params = Params::new(MIN_SHARED)
        .map_err(counting)?
        .with_max_per_antecedent(NonZeroUsize::new(RULES_PER_ITEM).unwrap_or(NonZeroUsize::MIN))
        .with_threads(NonZeroUsize::new(threads).unwrap_or(NonZeroUsize::MIN));
    let read_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let mut report = AffinityReport { lines: rows.len(), read_ms, ..AffinityReport::default() };
    let mut stored = Vec::new();
    for basis in [Basis::Order, Basis::Customer] {
        let key = |r: &clientele_store::clienteling::PurchaseRow| match basis {
            Basis::Order => r.order_id,
            Basis::Customer => r.customer_id,
        };
        let lines: Vec<PurchaseLine<Uuid>> = rows
            .iter()
            .filter_map(|r| {
                let item = ItemId::new(u32::try_from(r.product).ok()?);
                Some(PurchaseLine { basket: key(r), date: r.business_date, item })
            })
            .collect();
        let (_, baskets) = group_lines(&lines, &window).map_err(counting)?.into_parts();
        match basis {
            Basis::Order => report.orders = baskets.len(),
            Basis::Customer => report.customers = baskets.len(),
        }
        let by_category = baskets.map_items(|p| category_of_product.get(p.index()).copied().flatten());
        let levels: [(&str, &Baskets, NameOf<'_>); 2] = [
            ("product", &baskets, &|id| skus.get(id.index()).cloned()),
            ("category", &by_category, &|id| categories.key(id).cloned()),
        ];
        for (level, baskets, name) in levels {
            for rule in pairs(baskets, &params).map_err(counting)?.iter() {
                stored.extend(stored_rule((level, basis), rule, name));
            }
        }
    }
    report.rules = stored.len();
    report.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    let min_shared = i32::try_from(MIN_SHARED).unwrap_or(i32::MAX);
    let run = AffinityRun { as_of, window: (from, to), min_shared, duration_ms: report.duration_ms, at };
    clientele_store::clienteling::replace_rules(conn, &stored, run)?;
    Ok(report)
}

/// The key (SKU or category) of an item of a level.
type NameOf<'a> = &'a dyn Fn(ItemId) -> Option<String>;

fn stored_rule((level, basis): (&str, Basis), rule: &Rule<ItemId>, name: NameOf<'_>) -> Option<StoredRule> {
    let count = |n: u32| i32::try_from(n).ok();
    let c = rule.counts();
    Some(StoredRule {
        level: level.to_owned(),
        basis: basis.as_str().to_owned(),
        antecedent: name(*rule.antecedent())?,
        consequent: name(*rule.consequent())?,
        shared: count(c.shared())?,
        antecedent_count: count(c.antecedent_count())?,
        consequent_count: count(c.consequent_count())?,
        baskets: count(c.baskets())?,
    })
}

/// One suggestion for a client (kept as JSON with the worklist's build,
/// as [`SuggestedParts`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Suggested {
    /// `product` (a SKU) or `category`.
    pub level: &'static str,
    pub item: String,
    /// The product's name (the category's own for a category).
    pub name: String,
    /// What the client bought that it comes from, and its name.
    pub because: String,
    pub because_name: String,
    pub bought_on: NaiveDate,
    pub counts: PairCounts,
    pub reason: String,
}

/// [`Suggested`] as JSON: the counts spelt out.
#[derive(serde::Serialize, serde::Deserialize)]
struct SuggestedParts {
    level: String,
    item: String,
    name: String,
    because: String,
    because_name: String,
    bought_on: NaiveDate,
    shared: u32,
    antecedent_count: u32,
    consequent_count: u32,
    baskets: u32,
    reason: String,
}

impl TryFrom<SuggestedParts> for Suggested {
    type Error = String;

    fn try_from(p: SuggestedParts) -> Result<Suggested, String> {
        let level = match p.level.as_str() {
            "product" => "product",
            "category" => "category",
            other => return Err(format!("unknown level {other}")),
        };
        let counts =
            PairCounts::new(p.shared, p.antecedent_count, p.consequent_count, p.baskets).map_err(|e| e.to_string())?;
        Ok(Suggested {
            level,
            item: p.item,
            name: p.name,
            because: p.because,
            because_name: p.because_name,
            bought_on: p.bought_on,
            counts,
            reason: p.reason,
        })
    }
}

impl serde::Serialize for Suggested {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        SuggestedParts::from(self.clone()).serialize(serializer)
    }
}

impl<'de> serde::Deserialize<'de> for Suggested {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Suggested, D::Error> {
        Suggested::try_from(SuggestedParts::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl From<Suggested> for SuggestedParts {
    fn from(s: Suggested) -> SuggestedParts {
        SuggestedParts {
            level: s.level.to_owned(),
            shared: s.counts.shared(),
            antecedent_count: s.counts.antecedent_count(),
            consequent_count: s.counts.consequent_count(),
            baskets: s.counts.baskets(),
            item: s.item,
            name: s.name,
            because: s.because,
            because_name: s.because_name,
            bought_on: s.bought_on,
            reason: s.reason,
        }
    }
}

fn rules_of(rows: Vec<StoredRule>) -> Result<Rules<String>, StoreError> {
    let count = |n: i32| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("affinity_rules count {n}")));
    let rules = rows
        .into_iter()
        .map(|r| {
            let counts = PairCounts::new(
                count(r.shared)?,
                count(r.antecedent_count)?,
                count(r.consequent_count)?,
                count(r.baskets)?,
            )
            .map_err(counting)?;
            Rule::new(r.antecedent, r.consequent, counts).map_err(counting)
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Rules::new(rules).map_err(counting)
}

/// A line's item at a level.
type ItemOf = fn(&KeptLine) -> Option<&str>;

fn sku_of(line: &KeptLine) -> Option<&str> {
    Some(line.sku.as_str())
}

fn category_of(line: &KeptLine) -> Option<&str> {
    line.category.as_deref()
}

/// What a client owns at a level: each item kept, with the last day bought.
fn owned(kept: &[KeptLine], item: ItemOf) -> Vec<Owned<String>> {
    let mut last: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for line in kept {
        if let Some(i) = item(line) {
            let day = last.entry(i).or_insert(line.on);
            *day = (*day).max(line.on);
        }
    }
    last.into_iter().map(|(item, last_bought)| Owned { item: item.to_owned(), last_bought }).collect()
}

/// The suggestions for each client from what they kept (`kept`, by client):
/// products first considered with categories, merged by strength (lift,
/// then confidence, then shared baskets), at most `limit` each.
pub fn suggestions_for(
    conn: &mut PgConnection,
    kept: &HashMap<Uuid, Vec<KeptLine>>,
    basis: Basis,
    limit: usize,
) -> Result<HashMap<Uuid, Vec<Suggested>>, StoreError> {
    let all = |f: ItemOf| -> Vec<String> {
        let mut v: Vec<String> = kept.values().flatten().filter_map(|l| f(l).map(str::to_owned)).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let products =
        rules_of(clientele_store::clienteling::rules_from(conn, ("product", basis.as_str()), &all(sku_of))?)?;
    let categories =
        rules_of(clientele_store::clienteling::rules_from(conn, ("category", basis.as_str()), &all(category_of))?)?;
    let mut found: HashMap<Uuid, Vec<Suggested>> = HashMap::new();
    let mut named: Vec<String> = Vec::new();
    for (client, lines) in kept {
        let mut list: Vec<Suggested> = Vec::new();
        for (level, rules, item) in [("product", &products, sku_of as ItemOf), ("category", &categories, category_of)] {
            for s in suggest(&owned(lines, item), rules, limit) {
                if level == "product" {
                    named.extend([s.item.clone(), s.because.clone()]);
                }
                list.push(Suggested {
                    level,
                    name: s.item.clone(),
                    because_name: s.because.clone(),
                    item: s.item,
                    because: s.because,
                    bought_on: s.bought_on,
                    counts: s.counts,
                    reason: String::new(),
                });
            }
        }
        list.sort_by(|a, b| b.counts.cmp_strength(&a.counts).then(a.level.cmp(b.level)).then(a.item.cmp(&b.item)));
        list.truncate(limit);
        found.insert(*client, list);
    }
    let names: HashMap<String, String> =
        clientele_store::clienteling::product_names(conn, &named)?.into_iter().collect();
    for s in found.values_mut().flatten() {
        if s.level == "product" {
            s.name = names.get(&s.item).cloned().unwrap_or_else(|| s.item.clone());
            s.because_name = names.get(&s.because).cloned().unwrap_or_else(|| s.because.clone());
        }
        s.reason = clientele_affinity::reason(&s.because_name, s.bought_on, &s.name, s.counts.lift());
    }
    Ok(found)
}

/// A client's suggestions, for a caller who may see them.
pub fn suggestions(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    (basis, limit): (Basis, usize),
) -> Result<Vec<Suggested>, StoreError> {
    clientele_store::check_visible(conn, customer, scope)?;
    let id = customer.as_uuid();
    let kept = HashMap::from([(id, clientele_store::clienteling::kept_lines(conn, &[id])?)]);
    Ok(suggestions_for(conn, &kept, basis, limit)?.remove(&id).unwrap_or_default())
}
