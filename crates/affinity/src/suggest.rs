//! [`suggest`]: the next best products for one client from what they own,
//! and [`reason`]: why, in words.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::Hash;

use chrono::NaiveDate;

use crate::rule::{PairCounts, Rules};

/// Something the client owns: bought and kept. The caller leaves out what
/// was returned (a returned item is not owned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Owned<K> {
    /// The item (same key as the rules').
    pub item: K,
    /// The last day the client bought it.
    pub last_bought: NaiveDate,
}

/// One suggested item and the owned item it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Suggestion<K> {
    /// The item suggested, never one the client owns.
    pub item: K,
    /// The owned item whose rule suggests it.
    pub because: K,
    /// The day the client last bought `because`.
    pub bought_on: NaiveDate,
    /// The counts of the rule `because` → `item`.
    pub counts: PairCounts,
}

impl<K> Suggestion<K> {
    /// The rule's lift (see [`PairCounts::lift`]).
    pub fn lift(&self) -> f64 {
        self.counts.lift()
    }

    /// The rule's confidence (see [`PairCounts::confidence`]).
    pub fn confidence(&self) -> f64 {
        self.counts.confidence()
    }

    /// Baskets that held both items.
    pub fn shared(&self) -> u32 {
        self.counts.shared()
    }

    /// Why, in words, given the display names of `because` and `item`
    /// (see [`reason`]).
    pub fn reason(&self, because_name: &str, item_name: &str) -> String {
        reason(because_name, self.bought_on, item_name, self.lift())
    }
}

/// Up to `limit` items to suggest to a client who owns `owned`, from
/// `rules` (keyed the same way as `owned`).
///
/// - An owned item is never suggested, and an item is suggested once.
/// - Only rules whose items are bought together more often than by chance
///   count ([`PairCounts::above_chance`]: lift above 1).
/// - An item reachable from several owned items is suggested because of
///   the one whose rule is the strongest ([`PairCounts::cmp_strength`]:
///   lift, then confidence, then shared baskets), ties going to the more
///   recently bought, then to the smaller key.
/// - Suggestions are ranked the same way: the strongest rule first, ties by
///   the suggested item's key, ascending.
///
/// When an item appears more than once in `owned`, its latest
/// `last_bought` is the one that counts. Costs O(rules from the owned items
/// + s log s) for s candidates.
pub fn suggest<K: Clone + Ord + Hash>(owned: &[Owned<K>], rules: &Rules<K>, limit: usize) -> Vec<Suggestion<K>> {
    let mut latest: HashMap<&K, NaiveDate> = HashMap::with_capacity(owned.len());
    for own in owned {
        let day = latest.entry(&own.item).or_insert(own.last_bought);
        *day = (*day).max(own.last_bought);
    }
    let mut best: HashMap<&K, Suggestion<K>> = HashMap::new();
    for (&item, &bought_on) in &latest {
        for rule in rules.from_antecedent(item) {
            let consequent = rule.consequent();
            if latest.contains_key(consequent) || !rule.counts().above_chance() {
                continue;
            }
            let candidate =
                Suggestion { item: consequent.clone(), because: item.clone(), bought_on, counts: rule.counts() };
            match best.get_mut(consequent) {
                Some(kept) if better_reason(&candidate, kept) == Ordering::Greater => *kept = candidate,
                Some(_) => {}
                None => {
                    best.insert(consequent, candidate);
                }
            }
        }
    }
    let mut suggestions: Vec<Suggestion<K>> = best.into_values().collect();
    suggestions.sort_unstable_by(|a, b| b.counts.cmp_strength(&a.counts).then_with(|| a.item.cmp(&b.item)));
    suggestions.truncate(limit);
    suggestions
}

/// Which of two reasons for the same item is better, `Greater` meaning
/// `a`: the stronger rule, then the more recent purchase, then the smaller
/// key of the owned item.
fn better_reason<K: Ord>(a: &Suggestion<K>, b: &Suggestion<K>) -> Ordering {
    a.counts.cmp_strength(&b.counts).then_with(|| a.bought_on.cmp(&b.bought_on)).then_with(|| b.because.cmp(&a.because))
}

/// The reason for a suggestion in words: `"bought eye shadow on 2 Oct →
/// mascara: bought together 3.1× more often than by chance"`. The day is
/// written as day and abbreviated English month, without the year; the lift
/// with one decimal.
pub fn reason(because_name: &str, bought_on: NaiveDate, item_name: &str, lift: f64) -> String {
    format!(
        "bought {because_name} on {} → {item_name}: bought together {lift:.1}× more often than by chance",
        bought_on.format("%-d %b")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule::Rule;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, d).unwrap()
    }

    #[test]
    fn the_reason_reads_as_the_issue_asks() {
        assert_eq!(
            reason("eye shadow", day(2), "mascara", 3.1),
            "bought eye shadow on 2 Oct → mascara: bought together 3.1× more often than by chance"
        );
        assert!(reason("a", day(12), "b", 12.345).contains("on 12 Oct → b: bought together 12.3× more"));
    }

    #[test]
    fn owned_items_are_skipped_and_the_best_reason_wins() {
        let c = |s, a, b, n| PairCounts::new(s, a, b, n).unwrap();
        let rule = |a: &'static str, b: &'static str, counts| Rule::new(a, b, counts).unwrap();
        let rules = Rules::new(vec![
            rule("shadow", "mascara", c(31, 50, 200, 1000)), // lift 3.1
            rule("shadow", "liner", c(20, 50, 200, 1000)),   // lift 2
            rule("shadow", "serum", c(10, 50, 200, 1000)),   // lift 1: never suggested
            rule("primer", "mascara", c(20, 50, 200, 1000)), // weaker reason for mascara
            rule("primer", "shadow", c(40, 50, 200, 1000)),  // shadow is owned
        ])
        .unwrap();
        let owned = [
            Owned { item: "shadow", last_bought: day(1) },
            Owned { item: "primer", last_bought: day(5) },
            Owned { item: "shadow", last_bought: day(2) },
        ];
        let got = suggest(&owned, &rules, 10);
        let items: Vec<(&str, &str, NaiveDate)> = got.iter().map(|s| (s.item, s.because, s.bought_on)).collect();
        assert_eq!(items, vec![("mascara", "shadow", day(2)), ("liner", "shadow", day(2))]);
        assert_eq!(
            got[0].reason("eye shadow", "mascara"),
            "bought eye shadow on 2 Oct → mascara: bought together 3.1× more often than by chance"
        );
        assert_eq!((got[0].shared(), got[0].confidence()), (31, 0.62));
        assert_eq!(suggest(&owned, &rules, 1).len(), 1);
        assert!(suggest(&[], &rules, 10).is_empty());
    }

    #[test]
    fn between_equally_strong_reasons_the_latest_purchase_then_the_smaller_key_wins() {
        let counts = PairCounts::new(31, 50, 200, 1000).unwrap();
        let rules = Rules::new(vec![
            Rule::new("blush", "mascara", counts).unwrap(),
            Rule::new("liner", "mascara", counts).unwrap(),
            Rule::new("primer", "mascara", counts).unwrap(),
        ])
        .unwrap();
        let owned = |blush, liner, primer| {
            [
                Owned { item: "blush", last_bought: day(blush) },
                Owned { item: "liner", last_bought: day(liner) },
                Owned { item: "primer", last_bought: day(primer) },
            ]
        };
        let because =
            |owned: &[Owned<&'static str>]| suggest(owned, &rules, 5).iter().map(|s| s.because).collect::<Vec<_>>();
        assert_eq!(because(&owned(1, 9, 3)), ["liner"]);
        assert_eq!(because(&owned(4, 2, 4)), ["blush"]);
    }
}
