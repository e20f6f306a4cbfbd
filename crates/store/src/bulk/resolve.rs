//! Customer references of a batch resolved with a few queries, each answer
//! the one a single order would get.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_orders::CustomerRef;
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use uuid::Uuid;

use crate::access::refused;
use crate::error::StoreError;
use crate::schema::{customers, member_numbers, phone_index};

/// The state of one customer as the order refers to them.
#[derive(Debug)]
struct CustomerState {
    home_store: Option<Uuid>,
    merged_into: Option<Uuid>,
    erased: bool,
}

/// Customer references of a batch, resolved with a few queries.
#[derive(Debug)]
pub struct Resolver {
    by_member_no: HashMap<String, Uuid>,
    by_phone: HashMap<String, Vec<Uuid>>,
    state: HashMap<Uuid, CustomerState>,
}

impl Resolver {
    /// Loads what resolving these references needs.
    pub fn load<'a>(
        conn: &mut PgConnection,
        refs: impl IntoIterator<Item = &'a CustomerRef>,
    ) -> Result<Resolver, StoreError> {
        let (mut member_nos, mut phones, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for who in refs {
            match who {
                CustomerRef::Anonymous => {}
                CustomerRef::Id(id) => ids.push(id.as_uuid()),
                CustomerRef::MemberNo(m) => member_nos.push(m.as_str().to_owned()),
                CustomerRef::Phone(p) => phones.push(p.as_str().to_owned()),
            }
        }
        member_nos.sort_unstable();
        member_nos.dedup();
        phones.sort_unstable();
        phones.dedup();
        let by_member_no: HashMap<String, Uuid> = if member_nos.is_empty() {
            HashMap::new()
        } else {
            member_numbers::table
                .filter(member_numbers::member_no.eq_any(&member_nos))
                .select((member_numbers::member_no, member_numbers::customer_id))
                .load::<(String, Uuid)>(conn)?
                .into_iter()
                .collect()
        };
        let mut by_phone: HashMap<String, Vec<Uuid>> = HashMap::new();
        if !phones.is_empty() {
            for (phone, id) in phone_index::table
                .filter(phone_index::phone.eq_any(&phones))
                .select((phone_index::phone, phone_index::customer_id))
                .load::<(String, Uuid)>(conn)?
            {
                by_phone.entry(phone).or_default().push(id);
            }
        }
        ids.extend(by_member_no.values().copied());
        ids.extend(by_phone.values().flatten().copied());
        ids.sort_unstable();
        ids.dedup();
        let mut state = HashMap::new();
        for chunk in ids.chunks(10_000) {
            for (id, home, merged_into, erased_at) in customers::table
                .filter(customers::customer_id.eq_any(chunk))
                .select((
                    customers::customer_id,
                    customers::home_store_id,
                    customers::merged_into,
                    customers::erased_at,
                ))
                .load::<(Uuid, Option<Uuid>, Option<Uuid>, Option<DateTime<Utc>>)>(conn)?
            {
                state.insert(id, CustomerState { home_store: home, merged_into, erased: erased_at.is_some() });
            }
        }
        Ok(Resolver { by_member_no, by_phone, state })
    }

    /// `check_writable` on the loaded state: Ok(None) = writable, Err as the store would answer.
    fn check(&self, id: Uuid, scope: &StoreScope) -> Result<(), StoreError> {
        let s = self.state.get(&id).ok_or(StoreError::NotFound)?;
        let id = CustomerId::from_uuid(id);
        crate::access::standing(s.home_store, s.merged_into, s.erased).writable_by(scope).map_err(|r| refused(id, r))
    }

    /// The same answers as `orders::resolve_customer`.
    pub fn resolve(&self, who: &CustomerRef, scope: &StoreScope) -> Result<Option<CustomerId>, StoreError> {
        let (id, field) = match who {
            CustomerRef::Anonymous => return Ok(None),
            CustomerRef::Id(id) => (Some(id.as_uuid()), "customer.id"),
            CustomerRef::MemberNo(m) => (self.by_member_no.get(m.as_str()).copied(), "customer.member_no"),
            CustomerRef::Phone(p) => {
                let visible: Vec<Uuid> = self
                    .by_phone
                    .get(p.as_str())
                    .map(|ids| ids.iter().copied().filter(|id| self.check(*id, scope).is_ok()).collect())
                    .unwrap_or_default();
                let id = match visible.as_slice() {
                    [] => None,
                    [one] => Some(*one),
                    _ => {
                        return Err(StoreError::invalid(
                            "customer.phone",
                            "ambiguous",
                            "several customers have this phone: send the member number",
                        ));
                    }
                };
                (id, "customer.phone")
            }
        };
        let id = id.ok_or_else(|| StoreError::invalid(field, "unknown_reference", "no such customer"))?;
        match self.check(id, scope) {
            Ok(()) => Ok(Some(CustomerId::from_uuid(id))),
            Err(StoreError::NotFound) => Err(StoreError::invalid(field, "unknown_reference", "no such customer")),
            Err(StoreError::Merged { into, .. }) => Ok(Some(into)),
            Err(other) => Err(other),
        }
    }
}
