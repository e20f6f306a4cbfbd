//! Who may see and who may change one customer, read from the database:
//! the store's half of `clientele_profiles::visibility` (the rule is
//! there). Every area that touches a customer checks through here, so no
//! area imports another for it.

use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, StoreId};
use clientele_profiles::{ProfileError, Refusal, Standing, StoreScope};
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::StoreError;
use crate::schema::customers;

/// The customer exists, the scope covers it, and it was not merged away
/// (an erased customer is still visible: its anonymised record and history).
pub fn check_visible(conn: &mut PgConnection, id: CustomerId, scope: &StoreScope) -> Result<(), StoreError> {
    check_state(conn, id, scope).map(|_| ())
}

/// Like [`check_visible`], and the customer is not erased.
pub fn check_writable(conn: &mut PgConnection, id: CustomerId, scope: &StoreScope) -> Result<(), StoreError> {
    judge_writable(id, read_state(conn, id)?, scope)
}

/// A customer's home store, the record it was merged into, and when it was
/// erased, as read: what decides who may see and change it.
pub(crate) type CustomerState = (Option<Uuid>, Option<Uuid>, Option<DateTime<Utc>>);

/// Checks existence, scope and merge; answers whether the customer is erased.
fn check_state(conn: &mut PgConnection, id: CustomerId, scope: &StoreScope) -> Result<bool, StoreError> {
    let (home, merged_into, erased_at) = read_state(conn, id)?;
    standing(home, merged_into, erased_at.is_some()).visible_to(scope).map_err(|r| refused(id, r))
}

fn read_state(conn: &mut PgConnection, id: CustomerId) -> Result<CustomerState, StoreError> {
    let row: Option<CustomerState> = customers::table
        .find(id.as_uuid())
        .select((customers::home_store_id, customers::merged_into, customers::erased_at))
        .first(conn)
        .optional()?;
    row.ok_or(StoreError::NotFound)
}

/// [`check_writable`] on a state already read.
pub(crate) fn judge_writable(id: CustomerId, state: CustomerState, scope: &StoreScope) -> Result<(), StoreError> {
    let (home, merged_into, erased_at) = state;
    standing(home, merged_into, erased_at.is_some()).writable_by(scope).map_err(|r| refused(id, r))
}

/// The columns that decide visibility, as the domain's [`Standing`].
pub(crate) fn standing(home: Option<Uuid>, merged_into: Option<Uuid>, erased: bool) -> Standing {
    Standing { home_store: home.map(StoreId::from_uuid), merged_into: merged_into.map(CustomerId::from_uuid), erased }
}

/// The store's answer to a refusal of customer `id`.
pub(crate) fn refused(id: CustomerId, refusal: Refusal) -> StoreError {
    match refusal {
        Refusal::OutOfScope => StoreError::NotFound,
        Refusal::Merged(into) => StoreError::Merged { id, into },
        Refusal::Erased => StoreError::Profile(ProfileError::Erased(id)),
    }
}
