//! What tier re-evaluation after a programme change reads and records:
//! the members, page by page, and the programme version a complete
//! re-evaluation last finished under, so an unfinished one is retried
//! (the re-evaluation itself is `clientele_app::loyalty`).

use clientele_kernel::CustomerId;
use diesel::prelude::*;

use crate::error::StoreError;
use crate::schema::{loyalty_accounts, loyalty_program};

/// Members with an account, in id order, after `after` (a page of `limit`).
pub fn accounts_after(
    conn: &mut PgConnection,
    after: Option<CustomerId>,
    limit: i64,
) -> Result<Vec<CustomerId>, StoreError> {
    let after = after.map(|c| c.as_uuid()).unwrap_or_else(uuid::Uuid::nil);
    let page: Vec<uuid::Uuid> = loyalty_accounts::table
        .filter(loyalty_accounts::customer_id.gt(after))
        .order(loyalty_accounts::customer_id.asc())
        .limit(limit)
        .select(loyalty_accounts::customer_id)
        .load(conn)?;
    Ok(page.into_iter().map(CustomerId::from_uuid).collect())
}

/// The programme version saved since the last complete re-evaluation, with
/// the version that one finished under; None when none is pending.
pub fn tiers_pending(conn: &mut PgConnection) -> Result<Option<(i32, i32)>, StoreError> {
    let versions: Option<(i32, i32)> = loyalty_program::table
        .find(1i16)
        .select((loyalty_program::version, loyalty_program::tiers_evaluated_version))
        .first(conn)
        .optional()?;
    Ok(versions.filter(|(version, evaluated)| evaluated < version))
}

/// Records that every member was re-evaluated under programme `version`.
pub fn mark_tiers_evaluated(conn: &mut PgConnection, version: i32) -> Result<(), StoreError> {
    diesel::update(loyalty_program::table.find(1i16).filter(loyalty_program::tiers_evaluated_version.lt(version)))
        .set(loyalty_program::tiers_evaluated_version.eq(version))
        .execute(conn)?;
    Ok(())
}
