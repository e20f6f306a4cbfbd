//! Uses of members' tier entitlements in PostgreSQL. How many a member has
//! per period is `clientele_offers`' rule over the dates kept here.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::CustomerId;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::StoreError;
use crate::schema::entitlement_uses;

/// One use of an entitlement, to keep.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntitlementUse {
    pub id: Uuid,
    pub customer: CustomerId,
    pub benefit: String,
    /// The business day it counts in.
    pub used_on: NaiveDate,
    pub used_at: DateTime<Utc>,
    pub store: Option<Uuid>,
    pub source: Option<String>,
    pub external_id: Option<String>,
    pub created_by: String,
}

/// Keeps a use.
pub fn insert_entitlement_use(conn: &mut PgConnection, u: &EntitlementUse) -> Result<(), StoreError> {
    diesel::insert_into(entitlement_uses::table)
        .values((
            entitlement_uses::id.eq(u.id),
            entitlement_uses::customer_id.eq(u.customer.as_uuid()),
            entitlement_uses::benefit.eq(&u.benefit),
            entitlement_uses::used_on.eq(u.used_on),
            entitlement_uses::used_at.eq(u.used_at),
            entitlement_uses::store_id.eq(u.store),
            entitlement_uses::source.eq(&u.source),
            entitlement_uses::external_id.eq(&u.external_id),
            entitlement_uses::created_by.eq(&u.created_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// The days of a member's uses, by benefit.
pub fn entitlement_uses(
    conn: &mut PgConnection,
    customer: CustomerId,
) -> Result<HashMap<String, Vec<NaiveDate>>, StoreError> {
    let rows: Vec<(String, NaiveDate)> = entitlement_uses::table
        .filter(entitlement_uses::customer_id.eq(customer.as_uuid()))
        .order((entitlement_uses::benefit, entitlement_uses::used_on))
        .select((entitlement_uses::benefit, entitlement_uses::used_on))
        .load(conn)?;
    let mut uses: HashMap<String, Vec<NaiveDate>> = HashMap::new();
    for (benefit, day) in rows {
        uses.entry(benefit).or_default().push(day);
    }
    Ok(uses)
}

/// The use made under (source, external id), if any: its customer and
/// benefit.
pub fn entitlement_use_by_key(
    conn: &mut PgConnection,
    source: &str,
    external_id: &str,
) -> Result<Option<(CustomerId, String)>, StoreError> {
    let row: Option<(Uuid, String)> = entitlement_uses::table
        .filter(entitlement_uses::source.eq(source))
        .filter(entitlement_uses::external_id.eq(external_id))
        .select((entitlement_uses::customer_id, entitlement_uses::benefit))
        .first(conn)
        .optional()?;
    Ok(row.map(|(c, b)| (CustomerId::from_uuid(c), b)))
}
