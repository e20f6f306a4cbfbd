//! The store manager's lists and figures (issue #12): the lapsed list —
//! the clients who bought at the store in a comparison period and not in
//! the period — and the store's KPIs beside the same dates a year before
//! (see `clientele_store::clienteling` and docs/kpis.md).

use clientele_clienteling::{Period, StoreFigures};
use clientele_kernel::StoreId;
use clientele_profiles::{AssociateId, StoreScope};
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
    check_store(conn, store, scope)?;
    clientele_store::clienteling::lapsed_clients(conn, store, period, compare, after, limit)
}

/// A store's figures over a period and over the same dates a year before,
/// each period's churn measured against the year before it (see
/// docs/kpis.md), for a caller who may see the store.
pub fn store_kpis(
    conn: &mut PgConnection,
    store: StoreId,
    period: &Period,
    scope: &StoreScope,
) -> Result<(StoreFigures, StoreFigures), StoreError> {
    check_store(conn, store, scope)?;
    let before = period.year_before();
    let now = clientele_store::clienteling::store_counts(conn, store, period, &before)?;
    let then = clientele_store::clienteling::store_counts(conn, store, &before, &before.year_before())?;
    Ok((StoreFigures::from_counts(&now), StoreFigures::from_counts(&then)))
}

/// NotFound unless the store exists and the caller may see it.
fn check_store(conn: &mut PgConnection, store: StoreId, scope: &StoreScope) -> Result<(), StoreError> {
    let visible = match scope {
        StoreScope::All => true,
        StoreScope::Stores(mine) => mine.contains(&store),
    };
    if !visible || !clientele_store::store_exists(conn, store)? {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// [`store_kpis`] for the sales credited to an associate, for a caller who
/// may see the associate's store (another store's associate: NotFound).
pub fn associate_kpis(
    conn: &mut PgConnection,
    associate: AssociateId,
    period: &Period,
    scope: &StoreScope,
) -> Result<(StoreFigures, StoreFigures), StoreError> {
    let mut errors = clientele_kernel::FieldErrors::new();
    clientele_store::check_org_references(conn, &mut errors, scope, None, Some(("id", associate)))?;
    if !errors.is_empty() {
        return Err(StoreError::NotFound);
    }
    let before = period.year_before();
    let now = clientele_store::clienteling::associate_counts(conn, associate, period, &before)?;
    let then = clientele_store::clienteling::associate_counts(conn, associate, &before, &before.year_before())?;
    Ok((StoreFigures::from_counts(&now), StoreFigures::from_counts(&then)))
}
