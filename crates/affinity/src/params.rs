//! [`Params`]: which pairs become rules, how many are kept, and how many
//! threads may count them.

use std::num::NonZeroUsize;

use crate::error::AffinityError;

/// What [`pairs`](crate::pairs) keeps and how it may work.
///
/// Invariant: `min_shared >= 1`. Built with [`Params::new`] and the
/// `with_*` methods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Params {
    min_shared: u32,
    max_per_antecedent: Option<NonZeroUsize>,
    threads: NonZeroUsize,
}

impl Params {
    /// Rules for every pair of items found together in at least
    /// `min_shared` baskets, all kept, counted on one thread. Refused when
    /// `min_shared` is 0.
    pub fn new(min_shared: u32) -> Result<Self, AffinityError> {
        if min_shared == 0 {
            return Err(AffinityError::ZeroMinShared);
        }
        Ok(Params { min_shared, max_per_antecedent: None, threads: NonZeroUsize::MIN })
    }

    /// Keeps at most `max` rules from each antecedent: the best ones in
    /// the ranking of [`Rules`](crate::Rules).
    pub fn with_max_per_antecedent(self, max: NonZeroUsize) -> Self {
        Params { max_per_antecedent: Some(max), ..self }
    }

    /// Lets the counting use up to `threads` threads. The result does not
    /// depend on it. The caller decides (this crate never asks the machine).
    pub fn with_threads(self, threads: NonZeroUsize) -> Self {
        Params { threads, ..self }
    }

    /// The least number of baskets two items must share to make a rule.
    pub fn min_shared(&self) -> u32 {
        self.min_shared
    }

    /// At most this many rules are kept from each antecedent, if set.
    pub fn max_per_antecedent(&self) -> Option<NonZeroUsize> {
        self.max_per_antecedent
    }

    /// How many threads the counting may use.
    pub fn threads(&self) -> NonZeroUsize {
        self.threads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_min_shared_is_refused_and_options_stick() {
        assert_eq!(Params::new(0), Err(AffinityError::ZeroMinShared));
        let two = NonZeroUsize::new(2).unwrap();
        let params = Params::new(3).unwrap().with_max_per_antecedent(two).with_threads(two);
        assert_eq!((params.min_shared(), params.max_per_antecedent(), params.threads()), (3, Some(two), two));
        assert_eq!(Params::new(1).unwrap().max_per_antecedent(), None);
    }
}
