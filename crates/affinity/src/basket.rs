//! [`Baskets`]: the sets of items that were bought together, and the two
//! ways to form them from purchase lines ([`group_lines`]): one basket per
//! order, or one per customer's whole history in a [`Window`].

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

use chrono::NaiveDate;

use crate::error::AffinityError;
use crate::item::ItemId;
use crate::window::Window;

/// A list of baskets, each a set of distinct items, stored flat.
///
/// Invariant: every basket holds at least one item, its items ascending and
/// distinct. [`Baskets::push`] sorts a new basket, drops its repeated items
/// (an item bought twice in one basket counts once) and skips it when it
/// is empty, so an empty order does not count as a basket.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baskets {
    items: Vec<ItemId>,
    ends: Vec<usize>,
}

impl Baskets {
    /// No baskets.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a basket of `items` (in any order, repeats allowed). Returns
    /// false, and adds nothing, when `items` is empty.
    pub fn push<I: IntoIterator<Item = ItemId>>(&mut self, items: I) -> bool {
        let start = self.items.len();
        self.items.extend(items);
        self.seal(start)
    }

    /// The baskets dated in `window`, the others left out: `dated` gives
    /// each basket's date and items.
    pub fn from_dated<I, B>(dated: I, window: &Window) -> Self
    where
        I: IntoIterator<Item = (NaiveDate, B)>,
        B: IntoIterator<Item = ItemId>,
    {
        let mut baskets = Baskets::new();
        for (date, items) in dated {
            if window.contains(date) {
                baskets.push(items);
            }
        }
        baskets
    }

    /// The same baskets with each item replaced by `f(item)`: a product by
    /// its category, for affinity by category. An item `f` maps to `None`
    /// is dropped; items that map to the same one count once; a basket left
    /// empty is no longer a basket.
    pub fn map_items<F: FnMut(ItemId) -> Option<ItemId>>(&self, mut f: F) -> Self {
        let mut mapped = Baskets { items: Vec::with_capacity(self.items.len()), ends: Vec::new() };
        for basket in self.iter() {
            mapped.push(basket.iter().filter_map(|&item| f(item)));
        }
        mapped
    }

    /// How many baskets.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when there is no basket.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// How many items all baskets hold together (a basket's distinct items
    /// each count once).
    pub fn total_items(&self) -> usize {
        self.items.len()
    }

    /// Basket `index`: its items, ascending and distinct.
    pub fn get(&self, index: usize) -> Option<&[ItemId]> {
        let end = *self.ends.get(index)?;
        let start = if index == 0 { 0 } else { self.ends[index - 1] };
        Some(&self.items[start..end])
    }

    /// Every basket in order, each as its items ascending and distinct.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &[ItemId]> + '_ {
        (0..self.ends.len()).map(|index| {
            let start = if index == 0 { 0 } else { self.ends[index - 1] };
            &self.items[start..self.ends[index]]
        })
    }

    /// The flat items and each basket's end in them, for the counter.
    pub(crate) fn flat(&self) -> (&[ItemId], &[usize]) {
        (&self.items, &self.ends)
    }

    /// Sorts and dedups the items from `start` on as one basket; closes it
    /// unless it is empty.
    fn seal(&mut self, start: usize) -> bool {
        let len = self.items.len();
        let end = sort_dedup(&mut self.items, start, len, start);
        self.items.truncate(end);
        if end == start {
            return false;
        }
        self.ends.push(end);
        true
    }
}

/// Sorts `items[start..end]`, copies its distinct values to `items[to..]`
/// (`to <= start`) and returns where they end.
fn sort_dedup(items: &mut [ItemId], start: usize, end: usize, to: usize) -> usize {
    items[start..end].sort_unstable();
    let mut write = to;
    for read in start..end {
        if write == to || items[write - 1] != items[read] {
            items[write] = items[read];
            write += 1;
        }
    }
    write
}

impl<B: IntoIterator<Item = ItemId>> FromIterator<B> for Baskets {
    fn from_iter<T: IntoIterator<Item = B>>(iter: T) -> Self {
        let mut baskets = Baskets::new();
        for basket in iter {
            baskets.push(basket);
        }
        baskets
    }
}

/// One item bought on one day, and the basket it goes into: the order for
/// baskets by order, the customer for baskets by customer history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PurchaseLine<K> {
    /// What groups the lines into baskets: an order id or a customer id.
    pub basket: K,
    /// The (business) day it was bought.
    pub date: NaiveDate,
    /// What was bought.
    pub item: ItemId,
}

/// Baskets formed from purchase lines, each with the key it was grouped by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grouped<K> {
    keys: Vec<K>,
    baskets: Baskets,
}

impl<K> Grouped<K> {
    /// Each basket's key (order or customer), in the order of the baskets:
    /// the order in which each key's first line in the window came.
    pub fn keys(&self) -> &[K] {
        &self.keys
    }

    /// The baskets, `baskets().get(i)` being the basket of `keys()[i]`.
    pub fn baskets(&self) -> &Baskets {
        &self.baskets
    }

    /// The keys and the baskets, apart.
    pub fn into_parts(self) -> (Vec<K>, Baskets) {
        (self.keys, self.baskets)
    }
}

/// Groups the purchase lines dated in `window` into one basket per distinct
/// [`PurchaseLine::basket`] key: with the order as key, each order is a
/// basket; with the customer as key, each basket is everything that
/// customer bought in the window (the union of their orders' items).
/// Lines outside the window are left out, so a key whose lines all fall
/// outside has no basket. Linear in the number of lines (at most one hash
/// look-up each, none when a line has the same key as the one before, as
/// when lines come sorted by key) plus sorting each basket's items. A caller
/// that already holds its lines one basket at a time can skip the grouping
/// and [`Baskets::push`] each basket.
///
/// Refused only past 4,294,967,295 baskets.
pub fn group_lines<K: Clone + Eq + Hash>(
    lines: &[PurchaseLine<K>],
    window: &Window,
) -> Result<Grouped<K>, AffinityError> {
    let mut index: HashMap<K, u32, BuildMixHasher> = HashMap::default();
    let mut keys: Vec<K> = Vec::new();
    let mut group_of: Vec<u32> = Vec::with_capacity(lines.len());
    let mut starts: Vec<usize> = Vec::new();
    for line in lines.iter().filter(|line| window.contains(line.date)) {
        // Lines usually come sorted by order or customer: the previous
        // line's group saves a look-up.
        let previous = group_of.last().copied().filter(|&group| keys[group as usize] == line.basket);
        let group = match previous.or_else(|| index.get(&line.basket).copied()) {
            Some(group) => group,
            None => {
                let group = u32::try_from(keys.len()).map_err(|_| AffinityError::TooManyBaskets(keys.len() + 1))?;
                index.insert(line.basket.clone(), group);
                keys.push(line.basket.clone());
                starts.push(0);
                group
            }
        };
        starts[group as usize] += 1;
        group_of.push(group);
    }
    // Counting sort by group: sizes become each group's start, then its end.
    let mut total = 0;
    for start in starts.iter_mut() {
        let size = *start;
        *start = total;
        total += size;
    }
    let mut items = vec![ItemId::new(0); total];
    let kept = lines.iter().filter(|line| window.contains(line.date));
    for (line, &group) in kept.zip(&group_of) {
        let slot = &mut starts[group as usize];
        items[*slot] = line.item;
        *slot += 1;
    }
    // `starts` now holds each group's end; sort and dedup each in place.
    let mut ends = Vec::with_capacity(starts.len());
    let mut read = 0;
    let mut write = 0;
    for &end in &starts {
        write = sort_dedup(&mut items, read, end, write);
        ends.push(write);
        read = end;
    }
    items.truncate(write);
    Ok(Grouped { keys, baskets: Baskets { items, ends } })
}

/// A fast hasher for grouping keys (order and customer ids from the
/// caller's own records, not from strangers, so resistance to crafted
/// collisions is not needed): each word is mixed in by a rotation, an xor
/// and a multiplication by an odd constant.
#[derive(Debug, Clone, Copy, Default)]
struct MixHasher(u64);

impl Hasher for MixHasher {
    fn finish(&self) -> u64 {
        // Spread the high bits, which the multiplication fills best, down.
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u32(&mut self, word: u32) {
        self.write_u64(u64::from(word));
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }
}

type BuildMixHasher = BuildHasherDefault<MixHasher>;

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(raw: &[u32]) -> Vec<ItemId> {
        raw.iter().copied().map(ItemId::new).collect()
    }

    #[test]
    fn a_basket_is_sorted_distinct_and_never_empty() {
        let mut baskets = Baskets::new();
        assert!(baskets.push(ids(&[5, 1, 5, 3])));
        assert!(!baskets.push(ids(&[])));
        assert!(baskets.push(ids(&[2])));
        assert_eq!(baskets.len(), 2);
        assert_eq!(baskets.get(0), Some(&ids(&[1, 3, 5])[..]));
        assert_eq!(baskets.get(1), Some(&ids(&[2])[..]));
        assert_eq!(baskets.get(2), None);
        assert_eq!(baskets.total_items(), 4);
        let all: Vec<Vec<ItemId>> = baskets.iter().map(<[ItemId]>::to_vec).collect();
        assert_eq!(all, vec![ids(&[1, 3, 5]), ids(&[2])]);
    }

    #[test]
    fn mapping_to_categories_merges_and_drops() {
        let baskets: Baskets = [ids(&[1, 2, 3]), ids(&[4]), ids(&[2, 5])].into_iter().collect();
        // 1 and 2 are one category (10), 3 is another (11), 4 and 5 have none.
        let category = |item: ItemId| match item.get() {
            1 | 2 => Some(ItemId::new(10)),
            3 => Some(ItemId::new(11)),
            _ => None,
        };
        let mapped = baskets.map_items(category);
        let all: Vec<Vec<ItemId>> = mapped.iter().map(<[ItemId]>::to_vec).collect();
        assert_eq!(all, vec![ids(&[10, 11]), ids(&[10])]);
    }

    #[test]
    fn lines_group_by_key_inside_the_window_only() {
        let day = |d| NaiveDate::from_ymd_opt(2026, 10, d).unwrap();
        let line = |basket: &'static str, d, item| PurchaseLine { basket, date: day(d), item: ItemId::new(item) };
        let lines = [line("ann", 2, 7), line("bob", 3, 1), line("ann", 5, 2), line("ann", 5, 7), line("cy", 20, 4)];
        let grouped = group_lines(&lines, &Window::new(day(1), day(10)).unwrap()).unwrap();
        assert_eq!(grouped.keys(), &["ann", "bob"]);
        assert_eq!(grouped.baskets().get(0), Some(&ids(&[2, 7])[..]));
        assert_eq!(grouped.baskets().get(1), Some(&ids(&[1])[..]));
        let (keys, baskets) = grouped.into_parts();
        assert_eq!((keys.len(), baskets.len()), (2, 2));
    }
}
