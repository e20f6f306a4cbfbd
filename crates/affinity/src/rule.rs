//! [`PairCounts`], [`Rule`] and [`Rules`]: what was counted for a pair of
//! items, the directed rule "who bought the antecedent also bought the
//! consequent", and a set of rules ranked and indexed by antecedent.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;
use std::ops::Range;

use crate::error::AffinityError;

/// The four counts a rule antecedent → consequent rests on. The ratios are
/// computed from them, so two results can be compared exactly.
///
/// Invariant: `1 <= shared <= antecedent_count, consequent_count <= baskets`
/// and `antecedent_count + consequent_count - shared <= baskets` (the
/// baskets with either item fit in the baskets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PairCounts {
    shared: u32,
    antecedent: u32,
    consequent: u32,
    baskets: u32,
}

impl PairCounts {
    /// The counts of a pair: `shared` baskets hold both items,
    /// `antecedent` and `consequent` baskets hold each, out of `baskets`.
    /// Refused when no set of baskets could give these counts, or when the
    /// items were never bought together (`shared` 0).
    pub fn new(shared: u32, antecedent: u32, consequent: u32, baskets: u32) -> Result<Self, AffinityError> {
        let either = u64::from(antecedent) + u64::from(consequent) - u64::from(shared.min(antecedent));
        let possible = shared >= 1 && shared <= antecedent && shared <= consequent && either <= u64::from(baskets);
        if !possible {
            return Err(AffinityError::ImpossibleCounts { shared, antecedent, consequent, baskets });
        }
        Ok(PairCounts { shared, antecedent, consequent, baskets })
    }

    /// Counts the counter produced, which hold the invariant by
    /// construction.
    pub(crate) fn counted(shared: u32, antecedent: u32, consequent: u32, baskets: u32) -> Self {
        debug_assert!(PairCounts::new(shared, antecedent, consequent, baskets).is_ok());
        PairCounts { shared, antecedent, consequent, baskets }
    }

    /// Baskets holding both items.
    pub fn shared(&self) -> u32 {
        self.shared
    }

    /// Baskets holding the antecedent.
    pub fn antecedent_count(&self) -> u32 {
        self.antecedent
    }

    /// Baskets holding the consequent.
    pub fn consequent_count(&self) -> u32 {
        self.consequent
    }

    /// Baskets in all (N).
    pub fn baskets(&self) -> u32 {
        self.baskets
    }

    /// The same pair read the other way: consequent → antecedent.
    pub fn reversed(&self) -> Self {
        PairCounts { antecedent: self.consequent, consequent: self.antecedent, ..*self }
    }

    /// The share of all baskets that hold both items: `shared / baskets`.
    pub fn support(&self) -> f64 {
        f64::from(self.shared) / f64::from(self.baskets)
    }

    /// The share of the antecedent's baskets that also hold the consequent:
    /// `shared / antecedent_count`.
    pub fn confidence(&self) -> f64 {
        f64::from(self.shared) / f64::from(self.antecedent)
    }

    /// How many times more often the two items are bought together than if
    /// they were bought independently: `(shared × baskets) /
    /// (antecedent_count × consequent_count)`, both products computed
    /// exactly in 64-bit integers and divided once in `f64`.
    pub fn lift(&self) -> f64 {
        let together = u64::from(self.shared) * u64::from(self.baskets);
        let by_chance = u64::from(self.antecedent) * u64::from(self.consequent);
        together as f64 / by_chance as f64
    }

    /// True when the items are bought together more often than by chance
    /// (lift above 1, decided exactly on the integers).
    pub fn above_chance(&self) -> bool {
        u64::from(self.shared) * u64::from(self.baskets) > u64::from(self.antecedent) * u64::from(self.consequent)
    }

    /// Which of two pairs is the stronger, `Greater` meaning `self`:
    /// the higher lift, then the higher confidence, then more shared
    /// baskets. Decided exactly on the integer counts (cross-multiplied),
    /// never on rounded ratios.
    pub fn cmp_strength(&self, other: &PairCounts) -> Ordering {
        let lift = |p: &PairCounts, q: &PairCounts| {
            u128::from(p.shared) * u128::from(p.baskets) * u128::from(q.antecedent) * u128::from(q.consequent)
        };
        let confidence = |p: &PairCounts, q: &PairCounts| u64::from(p.shared) * u64::from(q.antecedent);
        lift(self, other)
            .cmp(&lift(other, self))
            .then_with(|| confidence(self, other).cmp(&confidence(other, self)))
            .then_with(|| self.shared.cmp(&other.shared))
    }
}

/// A directed rule: baskets with `antecedent` also hold `consequent`, with
/// the counts that say how often. `K` is the item's key: an
/// [`ItemId`](crate::ItemId) as [`pairs`](crate::pairs) gives them, or the
/// caller's SKU or category once mapped back.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule<K> {
    antecedent: K,
    consequent: K,
    counts: PairCounts,
}

impl<K: Eq> Rule<K> {
    /// The rule `antecedent` → `consequent`; refused when both are the
    /// same item.
    pub fn new(antecedent: K, consequent: K, counts: PairCounts) -> Result<Self, AffinityError> {
        if antecedent == consequent {
            return Err(AffinityError::SelfRule);
        }
        Ok(Rule { antecedent, consequent, counts })
    }
}

impl<K> Rule<K> {
    /// A rule the counter produced: distinct items by construction.
    pub(crate) fn counted(antecedent: K, consequent: K, counts: PairCounts) -> Self {
        Rule { antecedent, consequent, counts }
    }

    /// The item already bought.
    pub fn antecedent(&self) -> &K {
        &self.antecedent
    }

    /// The item it leads to.
    pub fn consequent(&self) -> &K {
        &self.consequent
    }

    /// The counts behind the rule.
    pub fn counts(&self) -> PairCounts {
        self.counts
    }

    /// Baskets with both items.
    pub fn shared(&self) -> u32 {
        self.counts.shared
    }

    /// See [`PairCounts::support`].
    pub fn support(&self) -> f64 {
        self.counts.support()
    }

    /// See [`PairCounts::confidence`].
    pub fn confidence(&self) -> f64 {
        self.counts.confidence()
    }

    /// See [`PairCounts::lift`].
    pub fn lift(&self) -> f64 {
        self.counts.lift()
    }
}

/// The ranking of rules from one antecedent, best first: the stronger counts
/// ([`PairCounts::cmp_strength`]: lift, then confidence, then shared, all
/// descending), then the consequent's key ascending.
pub fn rank<K: Ord>(a: &Rule<K>, b: &Rule<K>) -> Ordering {
    b.counts.cmp_strength(&a.counts).then_with(|| a.consequent.cmp(&b.consequent))
}

/// A set of rules, at most one per (antecedent, consequent), sorted by
/// antecedent (ascending key) and, within one antecedent, best first by
/// [`rank`]; indexed by antecedent.
#[derive(Debug, Clone)]
pub struct Rules<K> {
    rules: Vec<Rule<K>>,
    index: HashMap<K, Range<usize>>,
}

/// Two sets are equal when they hold the same rules in the same order (the
/// index follows from them).
impl<K: PartialEq> PartialEq for Rules<K> {
    fn eq(&self, other: &Self) -> bool {
        self.rules == other.rules
    }
}

impl<K: Eq> Eq for Rules<K> {}

impl<K> Default for Rules<K> {
    fn default() -> Self {
        Rules { rules: Vec::new(), index: HashMap::new() }
    }
}

impl<K: Clone + Ord + Hash> Rules<K> {
    /// Ranks and indexes `rules` (for instance rules read back from the
    /// store, keyed by SKU). Refused when an (antecedent, consequent)
    /// appears twice.
    pub fn new(mut rules: Vec<Rule<K>>) -> Result<Self, AffinityError> {
        rules.sort_unstable_by(|a, b| a.antecedent.cmp(&b.antecedent).then_with(|| a.consequent.cmp(&b.consequent)));
        let twice = rules.windows(2).any(|w| w[0].antecedent == w[1].antecedent && w[0].consequent == w[1].consequent);
        if twice {
            return Err(AffinityError::DuplicateRule);
        }
        Ok(Self::from_distinct(rules, None))
    }

    /// Ranks and indexes rules known to be distinct, keeping at most `keep`
    /// per antecedent when given.
    pub(crate) fn from_distinct(mut rules: Vec<Rule<K>>, keep: Option<usize>) -> Self {
        rules.sort_unstable_by(|a, b| a.antecedent.cmp(&b.antecedent).then_with(|| rank(a, b)));
        if let Some(keep) = keep {
            let mut run = 0;
            let mut previous: Option<K> = None;
            rules.retain(|rule| {
                if previous.as_ref() != Some(&rule.antecedent) {
                    previous = Some(rule.antecedent.clone());
                    run = 0;
                }
                run += 1;
                run <= keep
            });
        }
        let mut index = HashMap::new();
        let mut start = 0;
        for end in 1..=rules.len() {
            if end == rules.len() || rules[end].antecedent != rules[start].antecedent {
                index.insert(rules[start].antecedent.clone(), start..end);
                start = end;
            }
        }
        Rules { rules, index }
    }

    /// The rules from `antecedent`, best first.
    pub fn from_antecedent(&self, antecedent: &K) -> &[Rule<K>] {
        match self.index.get(antecedent) {
            Some(range) => &self.rules[range.clone()],
            None => &[],
        }
    }
}

impl<K> Rules<K> {
    /// How many rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// True when there is no rule.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Every rule, by antecedent and then best first.
    pub fn iter(&self) -> std::slice::Iter<'_, Rule<K>> {
        self.rules.iter()
    }

    /// Every rule, in the same order as [`Rules::iter`].
    pub fn as_slice(&self) -> &[Rule<K>] {
        &self.rules
    }

    /// The rules as a list, in the same order as [`Rules::iter`].
    pub fn into_vec(self) -> Vec<Rule<K>> {
        self.rules
    }
}

impl<'a, K> IntoIterator for &'a Rules<K> {
    type Item = &'a Rule<K>;
    type IntoIter = std::slice::Iter<'a, Rule<K>>;

    fn into_iter(self) -> Self::IntoIter {
        self.rules.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_that_no_baskets_could_give_are_refused() {
        assert!(PairCounts::new(3, 4, 5, 6).is_ok());
        assert!(PairCounts::new(0, 4, 5, 9).is_err(), "never together");
        assert!(PairCounts::new(5, 4, 5, 9).is_err(), "more shared than baskets with the antecedent");
        assert!(PairCounts::new(3, 4, 5, 5).is_err(), "4 + 5 - 3 baskets hold either item, only 5 exist");
        assert!(PairCounts::new(u32::MAX, u32::MAX, u32::MAX, u32::MAX).is_ok());
    }

    #[test]
    fn ratios_follow_the_documented_formulas() {
        let counts = PairCounts::new(31, 50, 200, 1000).unwrap();
        assert_eq!(counts.support(), 0.031);
        assert_eq!(counts.confidence(), 0.62);
        assert_eq!(counts.lift(), 3.1);
        assert!(counts.above_chance());
        assert!(!PairCounts::new(10, 50, 200, 1000).unwrap().above_chance(), "lift exactly 1");
        let back = counts.reversed();
        assert_eq!((back.antecedent_count(), back.consequent_count(), back.lift()), (200, 50, 3.1));
    }

    #[test]
    fn strength_compares_lift_then_confidence_then_shared() {
        let c = |s, a, b, n| PairCounts::new(s, a, b, n).unwrap();
        assert_eq!(c(2, 2, 4, 8).cmp_strength(&c(2, 4, 4, 8)), Ordering::Greater, "lift 2 > 1");
        // Same lift (2): the higher confidence wins.
        assert_eq!(c(2, 2, 8, 16).cmp_strength(&c(2, 4, 4, 16)), Ordering::Greater);
        // Same lift and confidence: more shared baskets win.
        assert_eq!(c(2, 4, 4, 8).cmp_strength(&c(4, 8, 8, 16)), Ordering::Less);
        assert_eq!(c(2, 4, 4, 8).cmp_strength(&c(2, 4, 4, 8)), Ordering::Equal);
    }

    #[test]
    fn rules_are_ranked_indexed_and_distinct() {
        let c = |s, a, b, n| PairCounts::new(s, a, b, n).unwrap();
        let rule = |a: &str, b: &str, counts| Rule::new(a.to_owned(), b.to_owned(), counts).unwrap();
        assert_eq!(Rule::new("a", "a", c(1, 1, 1, 1)), Err(AffinityError::SelfRule));
        let rules = Rules::new(vec![
            rule("shadow", "brush", c(2, 4, 4, 8)),
            rule("shadow", "mascara", c(2, 2, 4, 8)),
            rule("lipstick", "liner", c(1, 1, 1, 1)),
            rule("shadow", "primer", c(2, 4, 4, 8)),
        ])
        .unwrap();
        let from_shadow: Vec<&str> =
            rules.from_antecedent(&"shadow".to_owned()).iter().map(|r| r.consequent().as_str()).collect();
        assert_eq!(from_shadow, ["mascara", "brush", "primer"]);
        assert_eq!(rules.from_antecedent(&"liner".to_owned()), &[]);
        assert_eq!(rules.iter().next().map(|r| r.antecedent().as_str()), Some("lipstick"));
        let twice = Rules::new(vec![rule("a", "b", c(1, 1, 1, 1)), rule("a", "b", c(1, 2, 2, 3))]);
        assert_eq!(twice, Err(AffinityError::DuplicateRule));
    }
}
