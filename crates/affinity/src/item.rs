//! [`ItemId`]: an item (a product, a category, whatever is counted) as a
//! small integer, and [`Interner`], which gives each distinct key one.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::fmt;
use std::hash::Hash;

use crate::error::AffinityError;

/// An item as a small integer. Counting works on these, not on SKUs or
/// category names: an [`Interner`] gives each distinct key the next id, so
/// ids are dense (0, 1, 2, …), which keeps the counting arrays small. Any
/// `u32` is accepted, though; sparse ids cost a remapping step, not
/// correctness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ItemId(u32);

impl ItemId {
    /// The item numbered `id`.
    pub const fn new(id: u32) -> Self {
        ItemId(id)
    }

    /// Its number.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// Its number, to index an array.
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Gives each distinct key (a SKU, a category name) an [`ItemId`], in the
/// order keys are first seen, and turns ids back into keys.
#[derive(Debug, Clone)]
pub struct Interner<K> {
    ids: HashMap<K, ItemId>,
    keys: Vec<K>,
}

impl<K> Default for Interner<K> {
    fn default() -> Self {
        Interner { ids: HashMap::new(), keys: Vec::new() }
    }
}

impl<K: Clone + Eq + Hash> Interner<K> {
    /// An interner that knows no key yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The id of `key`, given now if the key is new. Refused only past
    /// 4,294,967,295 distinct keys.
    pub fn intern(&mut self, key: &K) -> Result<ItemId, AffinityError> {
        if let Some(&id) = self.ids.get(key) {
            return Ok(id);
        }
        let id = ItemId(u32::try_from(self.keys.len()).map_err(|_| AffinityError::TooManyItems)?);
        self.ids.insert(key.clone(), id);
        self.keys.push(key.clone());
        Ok(id)
    }

    /// The id of `key`, if it was interned.
    pub fn get<Q>(&self, key: &Q) -> Option<ItemId>
    where
        K: Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.ids.get(key).copied()
    }

    /// The key of `id`, if this interner gave it.
    pub fn key(&self, id: ItemId) -> Option<&K> {
        self.keys.get(id.index())
    }

    /// How many distinct keys were interned.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// True when no key was interned.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_dense_in_first_seen_order_and_round_trip() {
        let mut interner = Interner::new();
        let mascara = interner.intern(&"mascara".to_owned()).unwrap();
        let shadow = interner.intern(&"eye shadow".to_owned()).unwrap();
        assert_eq!((mascara.get(), shadow.get()), (0, 1));
        assert_eq!(interner.intern(&"mascara".to_owned()).unwrap(), mascara);
        assert_eq!(interner.get("eye shadow"), Some(shadow));
        assert_eq!(interner.get("lipstick"), None);
        assert_eq!(interner.key(shadow).map(String::as_str), Some("eye shadow"));
        assert_eq!(interner.key(ItemId::new(7)), None);
        assert_eq!(interner.len(), 2);
        assert_eq!(ItemId::new(3).to_string(), "#3");
    }
}
