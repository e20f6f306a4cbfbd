//! The store manager's lists and figures (issue #12): the lapsed list —
//! the clients who bought at the store in a comparison period and not in
//! the period — and the KPIs beside the same dates a year before, of a
//! store and of an associate's sales (see `clientele_store::clienteling`
//! and docs/kpis.md).

use clientele_clienteling::{Period, StoreFigures};
use clientele_kernel::StoreId;
use clientele_profiles::{AssociateId, StoreScope};
use clientele_store::clienteling::{LapsedClient, SalesOf};
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

/// Whose figures: a store's, or the sales credited to an associate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FiguresOf {
    Store(StoreId),
    Associate(AssociateId),
}

/// The figures over a period and over the same dates a year before, each
/// period's churn measured against the year before it (see docs/kpis.md),
/// for a caller who may see the store (an associate's: their store).
pub fn kpis(
    conn: &mut PgConnection,
    of: FiguresOf,
    period: &Period,
    scope: &StoreScope,
) -> Result<(StoreFigures, StoreFigures), StoreError> {
    let sales = match of {
        FiguresOf::Store(store) => {
            check_store(conn, store, scope)?;
            SalesOf::Stores(&[store])
        }
        FiguresOf::Associate(associate) => {
            let store = clientele_store::associate_store(conn, associate)?
                .filter(|s| scope.covers(Some(*s)))
                .ok_or(StoreError::NotFound)?;
            SalesOf::Associate { store, associate }
        }
    };
    let counts = clientele_store::clienteling::sales_counts(conn, sales, period)?;
    Ok((StoreFigures::from_counts(&counts.total.period), StoreFigures::from_counts(&counts.total.year_before)))
}

/// NotFound unless the store exists and the caller may see it.
fn check_store(conn: &mut PgConnection, store: StoreId, scope: &StoreScope) -> Result<(), StoreError> {
    if !scope.covers(Some(store)) || !clientele_store::store_exists(conn, store)? {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
