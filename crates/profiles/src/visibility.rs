//! Who may see and who may change a customer record: the rule every read and
//! write of one customer applies, whether it reads the record alone or a
//! whole import file's customers at once.
//!
//! - Out of the caller's store scope, a record does not exist for them: the
//!   refusal says nothing about whether it was merged or erased.
//! - A record merged into another is answered with the survivor.
//! - An erased record stays visible (its anonymised profile and history)
//!   but takes no change.

use crate::access::StoreScope;
use clientele_kernel::{CustomerId, StoreId};

/// What decides who may see and change a customer: its home store, the
/// record it was merged into, and whether it was erased.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    /// The customer's home store, if any.
    pub home_store: Option<StoreId>,
    /// The record it was merged into, if it was.
    pub merged_into: Option<CustomerId>,
    /// Whether it was erased.
    pub erased: bool,
}

/// Why a caller may not see, or not change, a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Outside the caller's scope: answered as if there were no such record.
    OutOfScope,
    /// Merged into this record.
    Merged(CustomerId),
    /// Erased: visible, not changeable.
    Erased,
}

impl Standing {
    /// The caller may read the record (an erased one included). `Ok(true)`
    /// when it was erased.
    pub fn visible_to(&self, scope: &StoreScope) -> Result<bool, Refusal> {
        if !scope.covers(self.home_store) {
            return Err(Refusal::OutOfScope);
        }
        if let Some(into) = self.merged_into {
            return Err(Refusal::Merged(into));
        }
        Ok(self.erased)
    }

    /// The caller may change the record: visible and not erased.
    pub fn writable_by(&self, scope: &StoreScope) -> Result<(), Refusal> {
        match self.visible_to(scope)? {
            true => Err(Refusal::Erased),
            false => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn store(n: u8) -> StoreId {
        StoreId::from_uuid(uuid::Uuid::from_u128(u128::from(n) + 1))
    }

    fn standing() -> impl Strategy<Value = Standing> {
        (proptest::option::of(0u8..4), proptest::option::of(0u8..4), any::<bool>()).prop_map(
            |(home, merged, erased)| Standing {
                home_store: home.map(store),
                merged_into: merged.map(|n| CustomerId::from_uuid(uuid::Uuid::from_u128(u128::from(n) + 100))),
                erased,
            },
        )
    }

    fn scope() -> impl Strategy<Value = StoreScope> {
        prop_oneof![
            Just(StoreScope::All),
            proptest::collection::btree_set(0u8..4, 0..3)
                .prop_map(|s| StoreScope::Stores(s.into_iter().map(store).collect::<BTreeSet<_>>())),
        ]
    }

    proptest! {
        #[test]
        fn out_of_scope_reveals_nothing(s in standing(), scope in scope()) {
            if !scope.covers(s.home_store) {
                prop_assert_eq!(s.visible_to(&scope), Err(Refusal::OutOfScope));
                prop_assert_eq!(s.writable_by(&scope), Err(Refusal::OutOfScope));
            }
        }

        #[test]
        fn writable_means_visible_and_not_erased(s in standing(), scope in scope()) {
            let writable = s.writable_by(&scope).is_ok();
            prop_assert_eq!(writable, s.visible_to(&scope) == Ok(false));
            prop_assert!(!(writable && s.erased));
        }

        #[test]
        fn in_scope_a_merged_record_names_its_survivor(s in standing()) {
            match s.merged_into {
                Some(into) => prop_assert_eq!(s.visible_to(&StoreScope::All), Err(Refusal::Merged(into))),
                None => prop_assert_eq!(s.visible_to(&StoreScope::All), Ok(s.erased)),
            }
        }

        #[test]
        fn an_erased_record_is_refused_as_erased(s in standing()) {
            let unmerged = Standing { merged_into: None, erased: true, ..s };
            prop_assert_eq!(unmerged.writable_by(&StoreScope::All), Err(Refusal::Erased));
        }
    }
}
