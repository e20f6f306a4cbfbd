//! The store manager's lists (issue #12): the lapsed list so far — the
//! clients who bought at the store in a comparison period and not in the
//! period (see `clientele_store::clienteling`).

use clientele_clienteling::Period;
use clientele_kernel::StoreId;
use clientele_profiles::StoreScope;
use clientele_store::clienteling::LapsedClient;
use clientele_store::{PgConnection, StoreError};
use rust_decimal::Decimal;
use uuid::Uuid;

/// A page of a store's lapsed list, for a caller who may see the store
/// (another store, or one that does not exist: NotFound).
pub fn lapsed(
    conn: &mut PgConnection,
    store: StoreId,
    (period, compare): (&Period, &Period),
    scope: &StoreScope,
    after: Option<(Decimal, Uuid)>,
    limit: i64,
) -> Result<Vec<LapsedClient>, StoreError> {
    let visible = match scope {
        StoreScope::All => true,
        StoreScope::Stores(mine) => mine.contains(&store),
    };
    if !visible || !clientele_store::store_exists(conn, store)? {
        return Err(StoreError::NotFound);
    }
    clientele_store::clienteling::lapsed_clients(conn, store, period, compare, after, limit)
}
