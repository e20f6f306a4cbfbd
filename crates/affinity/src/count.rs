//! [`pairs`]: counting, for every pair of items, the baskets that hold
//! both, and turning the pairs found often enough into rules.
//!
//! # How it counts, and what it costs
//!
//! With L item lines in all baskets, I distinct items and R rules kept:
//!
//! 1. Item ids are made dense (kept as they are when they already are, as
//!    an [`Interner`](crate::Interner) gives them; otherwise renumbered in
//!    order through a sorted table, O(L log I)).
//! 2. Each item's basket count, O(L). An item in fewer than `min_shared`
//!    baskets cannot be in any rule, so it is dropped from the baskets, and a
//!    basket left with fewer than two items is skipped for pairs (it still
//!    counts in N and in its items' counts). What remains is kept flat, each
//!    basket ended by a sentinel.
//! 3. An inverted index gives, for each item, where it occurs, O(L).
//! 4. For each item `a`, the items after it in each of its baskets (baskets
//!    are sorted, so these are exactly the pairs (a, b) with b > a) are
//!    counted in a dense array of I counters, remembering which were
//!    touched; the pairs that reach `min_shared` are kept and the touched
//!    counters reset. Every pair of a basket is visited once: O(Σ k²/2) for
//!    baskets of k frequent items, with no allocation per pair and no
//!    hashing. Reading the baskets at an item's occurrences is what waits
//!    on memory, so the occurrences are fetched 16 at a time before they
//!    are counted. Items are handed out in chunks to up to
//!    [`Params::threads`] threads (`std::thread::scope`), each with its own
//!    counters; the result does not depend on the number of threads.
//! 5. Each pair gives two directed rules, ranked, O(R log R).
//!
//! Memory: O(L + I) for the pruned baskets and the index, plus O(I) per
//! thread.
//!
//! Measured once on the 2-core development machine, with a throwaway
//! program on synthetic data (20,000 SKUs of skewed popularity, related
//! items often bought together, `min_shared` 50): 10,000,000 orders of 1 to
//! 4 items (25 million lines, sorted by order) grouped with
//! [`group_lines`](crate::group_lines) in about 2 s and counted in about
//! 1.3 s; the same lines as 1,000,000 customers' histories (25 items each)
//! grouped in about 2 s and counted in about 2.3 s on 2 threads (3.8 s on
//! one).

use std::sync::atomic::{AtomicUsize, Ordering as AtomicOrdering};

use crate::basket::Baskets;
use crate::error::AffinityError;
use crate::item::ItemId;
use crate::params::Params;
use crate::rule::{PairCounts, Rule, Rules};

/// Ends each basket in the pruned flat list.
const SENTINEL: u32 = u32::MAX;

/// How many antecedents a thread takes at a time.
const CHUNK: usize = 64;

/// How many of an item's occurrences are fetched from memory together.
const BATCH: usize = 16;

/// The co-purchase rules of `baskets`: for every two items found together
/// in at least [`Params::min_shared`] baskets, the rule each way
/// (a → b and b → a), with its counts; at most
/// [`Params::max_per_antecedent`] per antecedent, the best by
/// [`rank`](crate::rank). N is the number of baskets, a single-item basket
/// included. See the [module documentation](self) for how it counts and
/// what it costs.
///
/// Refused only past 4,294,967,295 baskets, or as many item lines once rare
/// items are dropped.
pub fn pairs(baskets: &Baskets, params: &Params) -> Result<Rules<ItemId>, AffinityError> {
    let n = u32::try_from(baskets.len()).map_err(|_| AffinityError::TooManyBaskets(baskets.len()))?;
    let (flat, ends) = baskets.flat();
    let ids = DenseIds::new(flat);
    let mut item_counts = vec![0u32; ids.universe()];
    for &item in flat {
        item_counts[ids.dense(item)] += 1;
    }
    let frequent: Vec<bool> = item_counts.iter().map(|&count| count >= params.min_shared()).collect();
    let pruned = prune(flat, ends, &ids, &frequent);
    let index = InvertedIndex::new(&pruned, ids.universe())?;
    let found = count_pairs(&pruned, &index, params);

    let mut rules = Vec::with_capacity(found.len() * 2);
    for (a, b, shared) in found {
        let counts = PairCounts::counted(shared, item_counts[a as usize], item_counts[b as usize], n);
        let (a, b) = (ids.item(a), ids.item(b));
        rules.push(Rule::counted(a, b, counts));
        rules.push(Rule::counted(b, a, counts.reversed()));
    }
    Ok(Rules::from_distinct(rules, params.max_per_antecedent().map(|keep| keep.get())))
}

/// Item ids as dense indices 0..universe, in the same order.
enum DenseIds {
    /// The ids are dense enough to index an array directly.
    Identity(usize),
    /// The distinct ids, ascending: an id's index is its position.
    Table(Vec<ItemId>),
}

impl DenseIds {
    fn new(flat: &[ItemId]) -> Self {
        let max = flat.iter().map(|item| item.index()).max().unwrap_or(0);
        if max < SENTINEL as usize && max <= flat.len().saturating_mul(4).saturating_add(1024) {
            return DenseIds::Identity(if flat.is_empty() { 0 } else { max + 1 });
        }
        let mut table = flat.to_vec();
        table.sort_unstable();
        table.dedup();
        DenseIds::Table(table)
    }

    fn universe(&self) -> usize {
        match self {
            DenseIds::Identity(size) => *size,
            DenseIds::Table(table) => table.len(),
        }
    }

    fn dense(&self, item: ItemId) -> usize {
        match self {
            DenseIds::Identity(_) => item.index(),
            DenseIds::Table(table) => table.binary_search(&item).unwrap_or_else(|missing| missing),
        }
    }

    fn item(&self, dense: u32) -> ItemId {
        match self {
            DenseIds::Identity(_) => ItemId::new(dense),
            DenseIds::Table(table) => table[dense as usize],
        }
    }
}

/// The baskets' frequent items as dense indices, flat, each basket of two
/// or more such items followed by [`SENTINEL`]; the others left out.
fn prune(flat: &[ItemId], ends: &[usize], ids: &DenseIds, frequent: &[bool]) -> Vec<u32> {
    let mut pruned = Vec::with_capacity(flat.len() + ends.len());
    let mut start = 0;
    for &end in ends {
        let basket_start = pruned.len();
        for &item in &flat[start..end] {
            let dense = ids.dense(item);
            if frequent[dense] {
                // Below SENTINEL: dense indices are under the universe.
                pruned.push(dense as u32);
            }
        }
        if pruned.len() - basket_start >= 2 {
            pruned.push(SENTINEL);
        } else {
            pruned.truncate(basket_start);
        }
        start = end;
    }
    pruned
}

/// For each dense item, the positions in the pruned list where it occurs.
struct InvertedIndex {
    starts: Vec<u32>,
    positions: Vec<u32>,
}

impl InvertedIndex {
    fn new(pruned: &[u32], universe: usize) -> Result<Self, AffinityError> {
        if u32::try_from(pruned.len()).is_err() {
            return Err(AffinityError::TooManyLines(pruned.len()));
        }
        let mut starts = vec![0u32; universe + 1];
        for &item in pruned.iter().filter(|&&item| item != SENTINEL) {
            starts[item as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut cursor = starts.clone();
        let mut positions = vec![0u32; starts[universe] as usize];
        for (position, &item) in pruned.iter().enumerate() {
            if item != SENTINEL {
                let slot = &mut cursor[item as usize];
                // The length check above keeps every position within u32.
                positions[*slot as usize] = position as u32;
                *slot += 1;
            }
        }
        Ok(InvertedIndex { starts, positions })
    }

    fn universe(&self) -> usize {
        self.starts.len() - 1
    }

    fn occurrences(&self, item: usize) -> &[u32] {
        &self.positions[self.starts[item] as usize..self.starts[item + 1] as usize]
    }
}

/// Every pair (a, b), a < b as dense indices, found together in at least
/// `min_shared` baskets, with that count; in no particular order.
fn count_pairs(pruned: &[u32], index: &InvertedIndex, params: &Params) -> Vec<(u32, u32, u32)> {
    let next = AtomicUsize::new(0);
    let worker = || count_chunks(pruned, index, params.min_shared(), &next);
    let threads = params.threads().get().min(index.universe().div_ceil(CHUNK)).max(1);
    if threads == 1 {
        return worker();
    }
    std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
        let mut found = worker();
        for helper in helpers {
            match helper.join() {
                Ok(more) => found.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        found
    })
}

/// Takes chunks of antecedents from `next` until none are left and counts
/// their pairs with one set of counters.
fn count_chunks(pruned: &[u32], index: &InvertedIndex, min_shared: u32, next: &AtomicUsize) -> Vec<(u32, u32, u32)> {
    let universe = index.universe();
    let mut counters = vec![0u32; universe];
    let mut touched: Vec<u32> = Vec::new();
    let mut found = Vec::new();
    loop {
        let first = next.fetch_add(CHUNK, AtomicOrdering::Relaxed);
        if first >= universe {
            return found;
        }
        for a in first..(first + CHUNK).min(universe) {
            for batch in index.occurrences(a).chunks(BATCH) {
                // Load each suffix's first item before using any: the loads
                // are independent, so their cache misses overlap.
                let first = batch.iter().fold(0, |seen, &position| seen ^ pruned[position as usize + 1]);
                std::hint::black_box(first);
                for &position in batch {
                    for &b in pruned[position as usize + 1..].iter().take_while(|&&b| b != SENTINEL) {
                        let counter = &mut counters[b as usize];
                        if *counter == 0 {
                            touched.push(b);
                        }
                        *counter += 1;
                    }
                }
            }
            for &b in &touched {
                let shared = std::mem::take(&mut counters[b as usize]);
                if shared >= min_shared {
                    // `a` is below the universe, itself below SENTINEL.
                    found.push((a as u32, b, shared));
                }
            }
            touched.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::num::NonZeroUsize;

    use super::*;

    fn baskets(raw: &[&[u32]]) -> Baskets {
        raw.iter().map(|basket| basket.iter().copied().map(ItemId::new)).collect()
    }

    #[test]
    fn a_small_example_by_hand() {
        // 1 and 2 together in 3 of 5 baskets; 1 in 4, 2 in 3; 3 only with 1.
        let b = baskets(&[&[1, 2], &[1, 2, 3], &[1, 2], &[1, 3], &[4]]);
        let rules = pairs(&b, &Params::new(2).unwrap()).unwrap();
        let got: Vec<(u32, u32, u32, u32, u32, u32)> = rules
            .iter()
            .map(|r| {
                let c = r.counts();
                (
                    r.antecedent().get(),
                    r.consequent().get(),
                    c.shared(),
                    c.antecedent_count(),
                    c.consequent_count(),
                    c.baskets(),
                )
            })
            .collect();
        // From 1: 2 (lift 3·5/(4·3) = 1.25) before 3 (2·5/(4·2) = 1.25, lower confidence).
        assert_eq!(got, vec![(1, 2, 3, 4, 3, 5), (1, 3, 2, 4, 2, 5), (2, 1, 3, 3, 4, 5), (3, 1, 2, 2, 4, 5)]);
    }

    #[test]
    fn sparse_ids_threads_and_a_cap_give_the_same_rules() {
        let raw: Vec<Vec<u32>> = (0..300u32).map(|i| vec![i % 7, 3_000_000_000 + i % 5, (i * 13) % 11 + 100]).collect();
        let b: Baskets = raw.iter().map(|basket| basket.iter().copied().map(ItemId::new)).collect();
        let one = pairs(&b, &Params::new(3).unwrap()).unwrap();
        let two = pairs(&b, &Params::new(3).unwrap().with_threads(NonZeroUsize::new(2).unwrap())).unwrap();
        assert_eq!(one, two);
        assert!(one.iter().any(|r| r.antecedent().get() >= 3_000_000_000));
        let capped = pairs(&b, &Params::new(3).unwrap().with_max_per_antecedent(NonZeroUsize::MIN)).unwrap();
        let a = ItemId::new(0);
        assert_eq!(capped.from_antecedent(&a), &one.from_antecedent(&a)[..1]);
    }

    #[test]
    fn no_baskets_no_rules() {
        assert!(pairs(&Baskets::new(), &Params::new(1).unwrap()).unwrap().is_empty());
        assert!(pairs(&baskets(&[&[1], &[2]]), &Params::new(1).unwrap()).unwrap().is_empty());
    }
}
