//! The rules of the crate, each stated as a property over random baskets,
//! purchase lines and owned items, checked against a naive recount.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::num::NonZeroUsize;

use chrono::{Days, NaiveDate};
use clientele_affinity::{
    Baskets, ItemId, Owned, PairCounts, Params, PurchaseLine, Rule, Rules, Window, group_lines, pairs, rank, suggest,
};
use proptest::prelude::*;

/// Raw baskets: small item numbers so that pairs repeat, repeats and empty
/// baskets allowed.
fn raw_baskets() -> impl Strategy<Value = Vec<Vec<u32>>> {
    prop::collection::vec(prop::collection::vec(0u32..12, 0..7), 0..60)
}

/// Spreads item numbers far apart half of the time, so the counter's
/// renumbering of sparse ids is exercised too.
fn spread(raw: &[Vec<u32>], sparse: bool) -> Baskets {
    let id = |item: u32| ItemId::new(if sparse { item * 350_000_000 + 7 } else { item });
    raw.iter().map(|basket| basket.iter().map(|&item| id(item)).collect::<Vec<_>>()).collect()
}

fn as_sets(baskets: &Baskets) -> Vec<BTreeSet<ItemId>> {
    baskets.iter().map(|basket| basket.iter().copied().collect()).collect()
}

/// Every ordered pair of distinct items with its shared count, recounted
/// the slow way: for each pair of items, look at every basket.
fn naive_shared(sets: &[BTreeSet<ItemId>]) -> BTreeMap<(ItemId, ItemId), u32> {
    let items: BTreeSet<ItemId> = sets.iter().flatten().copied().collect();
    let mut shared = BTreeMap::new();
    for &a in &items {
        for &b in &items {
            let both = sets.iter().filter(|set| set.contains(&a) && set.contains(&b)).count() as u32;
            if a != b && both > 0 {
                shared.insert((a, b), both);
            }
        }
    }
    shared
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12 * a.abs().max(b.abs())
}

fn params(min_shared: u32, threads: usize) -> Params {
    let threads = NonZeroUsize::new(threads).unwrap_or(NonZeroUsize::MIN);
    Params::new(min_shared).expect("min_shared >= 1").with_threads(threads)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Every rule's counts and ratios are what a naive recount gives, and
    /// the rules are exactly the pairs with at least `min_shared` baskets.
    #[test]
    fn rules_agree_with_a_naive_recount(
        raw in raw_baskets(),
        sparse in any::<bool>(),
        min_shared in 1u32..5,
        threads in 1usize..4,
    ) {
        let baskets = spread(&raw, sparse);
        let sets = as_sets(&baskets);
        let non_empty = raw.iter().filter(|basket| !basket.is_empty()).count();
        prop_assert_eq!(baskets.len(), non_empty);
        let n = sets.len() as f64;
        let rules = pairs(&baskets, &params(min_shared, threads)).expect("small input");
        let expected: BTreeMap<(ItemId, ItemId), u32> =
            naive_shared(&sets).into_iter().filter(|&(_, shared)| shared >= min_shared).collect();
        let got: BTreeMap<(ItemId, ItemId), u32> =
            rules.iter().map(|rule| ((*rule.antecedent(), *rule.consequent()), rule.shared())).collect();
        prop_assert_eq!(got.len(), rules.len(), "one rule per ordered pair");
        prop_assert_eq!(&got, &expected);
        for rule in &rules {
            let with = |item: &ItemId| sets.iter().filter(|set| set.contains(item)).count() as u32;
            let counts = rule.counts();
            prop_assert!(counts.shared() >= min_shared);
            prop_assert_eq!(counts.antecedent_count(), with(rule.antecedent()));
            prop_assert_eq!(counts.consequent_count(), with(rule.consequent()));
            prop_assert_eq!(counts.baskets() as usize, sets.len());
            let (s, a, c) = (counts.shared() as f64, counts.antecedent_count() as f64, counts.consequent_count() as f64);
            prop_assert!(close(rule.support(), s / n));
            prop_assert!(close(rule.confidence(), s / a));
            prop_assert!(close(rule.lift(), (s / a) / (c / n)));
        }
    }

    /// a → b exists exactly when b → a does, with the same shared count and
    /// the two item counts swapped.
    #[test]
    fn rules_are_symmetric(raw in raw_baskets(), min_shared in 1u32..4) {
        let rules = pairs(&spread(&raw, false), &params(min_shared, 1)).expect("small input");
        let by_pair: HashMap<(ItemId, ItemId), PairCounts> =
            rules.iter().map(|rule| ((*rule.antecedent(), *rule.consequent()), rule.counts())).collect();
        for (&(a, b), counts) in &by_pair {
            let back = by_pair.get(&(b, a));
            prop_assert_eq!(back.map(PairCounts::shared), Some(counts.shared()));
            prop_assert_eq!(back.copied(), Some(counts.reversed()));
        }
    }

    /// The result depends neither on the number of threads nor on the
    /// order of the baskets or of the items inside them.
    #[test]
    fn threads_and_input_order_do_not_matter(raw in raw_baskets(), min_shared in 1u32..4, threads in 2usize..5) {
        let one = pairs(&spread(&raw, false), &params(min_shared, 1)).expect("small input");
        let many = pairs(&spread(&raw, false), &params(min_shared, threads)).expect("small input");
        prop_assert_eq!(&one, &many);
        let mut shuffled: Vec<Vec<u32>> = raw.iter().rev().map(|b| b.iter().rev().copied().collect()).collect();
        shuffled.rotate_left(raw.len() / 3);
        prop_assert_eq!(&one, &pairs(&spread(&shuffled, false), &params(min_shared, 1)).expect("small input"));
    }

    /// Rules from one antecedent come best first by the documented rank
    /// (so lift never rises along the list), and a cap keeps exactly the
    /// first ones of the uncapped list.
    #[test]
    fn rules_are_ranked_and_capped(raw in raw_baskets(), min_shared in 1u32..3, cap in 1usize..4) {
        let baskets = spread(&raw, false);
        let all = pairs(&baskets, &params(min_shared, 1)).expect("small input");
        let antecedents: BTreeSet<ItemId> = all.iter().map(|rule| *rule.antecedent()).collect();
        let listed: Vec<ItemId> = all.iter().map(|rule| *rule.antecedent()).collect();
        prop_assert!(listed.windows(2).all(|w| w[0] <= w[1]), "grouped by antecedent, ascending");
        let cap_params = params(min_shared, 1).with_max_per_antecedent(NonZeroUsize::new(cap).expect("cap >= 1"));
        let capped = pairs(&baskets, &cap_params).expect("small input");
        for a in &antecedents {
            let from = all.from_antecedent(a);
            for w in from.windows(2) {
                prop_assert_eq!(rank(&w[0], &w[1]), Ordering::Less);
                prop_assert!(w[0].lift() >= w[1].lift());
            }
            prop_assert_eq!(capped.from_antecedent(a), &from[..from.len().min(cap)]);
        }
    }

    /// Filtering by window keeps exactly the baskets dated inside it, in
    /// their order.
    #[test]
    fn the_window_keeps_exactly_the_baskets_inside(
        raw in raw_baskets(),
        offsets in prop::collection::vec(0u64..40, 60),
        from in 0u64..40,
        length in 0u64..40,
    ) {
        let start = NaiveDate::from_ymd_opt(2026, 9, 1).expect("valid date");
        let date = |offset: u64| start.checked_add_days(Days::new(offset)).expect("in range");
        let window = Window::new(date(from), date(from + length)).expect("from <= to");
        let dated = raw.iter().zip(&offsets).map(|(basket, &offset)| {
            (date(offset), basket.iter().copied().map(ItemId::new).collect::<Vec<_>>())
        });
        let kept = Baskets::from_dated(dated, &window);
        let expected: Baskets = raw
            .iter()
            .zip(&offsets)
            .filter(|&(_, &offset)| offset >= from && offset <= from + length)
            .map(|(basket, _)| basket.iter().copied().map(ItemId::new))
            .collect();
        prop_assert_eq!(kept, expected);
    }

    /// A customer's basket is the union of the items they bought in the
    /// window; customers with nothing in the window have no basket; keys
    /// come in the order of each customer's first line in the window.
    #[test]
    fn a_customer_basket_is_the_union_of_their_lines_in_the_window(
        lines in prop::collection::vec((0u8..8, 0u64..30, 0u32..15), 0..120),
        from in 0u64..30,
        length in 0u64..30,
    ) {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).expect("valid date");
        let date = |offset: u64| start.checked_add_days(Days::new(offset)).expect("in range");
        let window = Window::new(date(from), date(from + length)).expect("from <= to");
        let lines: Vec<PurchaseLine<u8>> = lines
            .iter()
            .map(|&(customer, offset, item)| PurchaseLine { basket: customer, date: date(offset), item: ItemId::new(item) })
            .collect();
        let grouped = group_lines(&lines, &window).expect("small input");
        let mut first_seen: Vec<u8> = Vec::new();
        let mut union: HashMap<u8, BTreeSet<ItemId>> = HashMap::new();
        for line in lines.iter().filter(|line| window.contains(line.date)) {
            if !first_seen.contains(&line.basket) {
                first_seen.push(line.basket);
            }
            union.entry(line.basket).or_default().insert(line.item);
        }
        prop_assert_eq!(grouped.keys(), &first_seen[..]);
        prop_assert_eq!(grouped.baskets().len(), first_seen.len());
        for (customer, basket) in grouped.keys().iter().zip(grouped.baskets().iter()) {
            let expected: Vec<ItemId> = union[customer].iter().copied().collect();
            prop_assert_eq!(basket, &expected[..]);
        }
    }

    /// Mapping items (products to categories) gives the baskets a naive
    /// mapping gives: mapped items once each, unmapped ones dropped, empty
    /// baskets gone.
    #[test]
    fn mapping_items_is_a_naive_mapping(raw in raw_baskets(), categories in prop::collection::vec(prop::option::of(0u32..4), 12)) {
        let category = |item: ItemId| categories[item.index()].map(ItemId::new);
        let mapped = spread(&raw, false).map_items(category);
        let expected: Vec<BTreeSet<ItemId>> = raw
            .iter()
            .map(|basket| basket.iter().filter_map(|&item| category(ItemId::new(item))).collect::<BTreeSet<_>>())
            .filter(|set| !set.is_empty())
            .collect();
        prop_assert_eq!(as_sets(&mapped), expected);
    }
}

/// Random rules over items 0..10 (each pair once), built from counts that
/// real baskets could give.
fn random_rules() -> impl Strategy<Value = Rules<u32>> {
    let counts = (1u32..20, 0u32..20, 0u32..20, 0u32..40);
    prop::collection::btree_map((0u32..10, 0u32..10), counts, 0..60).prop_map(|map| {
        let rules = map
            .into_iter()
            .filter(|((a, c), _)| a != c)
            .filter_map(|((a, c), (shared, extra_a, extra_c, extra_n))| {
                let counts =
                    PairCounts::new(shared, shared + extra_a, shared + extra_c, shared + extra_a + extra_c + extra_n);
                Rule::new(a, c, counts.ok()?).ok()
            })
            .collect();
        Rules::new(rules).expect("each pair once")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Suggestions never name an owned item, name each item once, respect
    /// the limit, come from an owned item's above-chance rule with that
    /// item's latest date, use the strongest such rule, are sorted by the
    /// documented order, and leave out nothing stronger than what they keep.
    #[test]
    fn suggestions_follow_the_documented_rules(
        rules in random_rules(),
        owned in prop::collection::vec((0u32..10, 0u64..20), 0..6),
        limit in 0usize..8,
    ) {
        let start = NaiveDate::from_ymd_opt(2026, 10, 1).expect("valid date");
        let owned: Vec<Owned<u32>> = owned
            .iter()
            .map(|&(item, offset)| Owned { item, last_bought: start.checked_add_days(Days::new(offset)).expect("in range") })
            .collect();
        let latest = |item: u32| owned.iter().filter(|own| own.item == item).map(|own| own.last_bought).max();
        let got = suggest(&owned, &rules, limit);

        prop_assert!(got.len() <= limit);
        let items: BTreeSet<u32> = got.iter().map(|s| s.item).collect();
        prop_assert_eq!(items.len(), got.len(), "no item twice");
        // Every candidate: (item, strongest counts reaching it from an owned item).
        let mut candidates: BTreeMap<u32, PairCounts> = BTreeMap::new();
        for own in &owned {
            for rule in rules.from_antecedent(&own.item) {
                let item = *rule.consequent();
                if latest(item).is_none() && rule.counts().above_chance() {
                    let best = candidates.entry(item).or_insert(rule.counts());
                    if rule.counts().cmp_strength(best) == Ordering::Greater {
                        *best = rule.counts();
                    }
                }
            }
        }
        for s in &got {
            prop_assert!(latest(s.item).is_none(), "never an owned item");
            prop_assert_eq!(Some(s.bought_on), latest(s.because));
            let rule = rules.from_antecedent(&s.because).iter().find(|rule| *rule.consequent() == s.item);
            prop_assert_eq!(rule.map(Rule::counts), Some(s.counts));
            prop_assert!(s.lift() > 1.0);
            prop_assert_eq!(s.counts.cmp_strength(&candidates[&s.item]), Ordering::Equal, "the strongest reason");
        }
        for w in got.windows(2) {
            let order = w[1].counts.cmp_strength(&w[0].counts).then(w[0].item.cmp(&w[1].item));
            prop_assert_eq!(order, Ordering::Less, "strongest first, then by item");
        }
        prop_assert_eq!(got.len(), candidates.len().min(limit));
        if let Some(last) = got.last() {
            for (item, counts) in &candidates {
                if !items.contains(item) {
                    let order = counts.cmp_strength(&last.counts).then(last.item.cmp(item));
                    prop_assert_eq!(order, Ordering::Less, "nothing left out ranks above the last kept");
                }
            }
        }
    }
}

#[test]
fn impossible_inputs_are_refused() {
    assert!(Params::new(0).is_err());
    let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).expect("valid date");
    assert!(Window::new(day(3), day(2)).is_err());
    assert!(PairCounts::new(3, 2, 5, 9).is_err());
    assert!(Rule::new(1, 1, PairCounts::new(1, 1, 1, 1).expect("possible")).is_err());
}
