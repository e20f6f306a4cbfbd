//! The store manager's lists and figures (issue #12): the lapsed list —
//! the clients who bought at the store in a comparison period and not in
//! the period — and the KPIs beside the same dates a year before, of a
//! store, of every store the caller may see, and of an associate's sales,
//! and the acquisition channels of the stores' customers (see
//! `clientele_store::clienteling` and docs/kpis.md). The figures and the
//! channels are separate reads, so that a caller can run them side by side
//! on two connections.

use std::collections::HashMap;

use clientele_clienteling::{
    AcquisitionGroup, ChannelFigures, FirstOrders, Period, StoreFigures, ThreePeriods, channel_figures, counting,
};
use clientele_kernel::{CustomerId, StoreId};
use clientele_profiles::{AssociateId, Store, StoreScope};
use clientele_store::clienteling::{AcquisitionRow, LapsedClient, SalesOf};
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

/// A period's figures beside those of the same dates a year before, each
/// period's churn measured against the year before it (docs/kpis.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Figures {
    pub period: StoreFigures,
    pub year_before: StoreFigures,
}

impl Figures {
    /// The figures of one store's (or several together's) facts.
    fn of(facts: &ThreePeriods, firsts: &HashMap<CustomerId, FirstOrders>, period: &Period) -> Figures {
        let (now, then) = counting::counts(facts, firsts, period);
        Figures { period: StoreFigures::from_counts(&now), year_before: StoreFigures::from_counts(&then) }
    }
}

/// The acquisition channels of the customers who joined in the period, and
/// in the same dates a year before.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Channels {
    pub period: Vec<ChannelFigures>,
    pub year_before: Vec<ChannelFigures>,
}

impl Channels {
    /// The channels of these rows.
    fn of<'a>(rows: impl Iterator<Item = &'a AcquisitionRow> + Clone) -> Channels {
        let groups = |year_before: bool| -> Vec<AcquisitionGroup> {
            rows.clone().filter(|r| r.year_before == year_before).map(|r| r.group).collect()
        };
        Channels { period: channel_figures(&groups(false)), year_before: channel_figures(&groups(true)) }
    }
}

/// Per store (by code), and over the stores together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerStore<T> {
    pub stores: Vec<(Store, T)>,
    pub total: T,
}

/// The stores a caller may see (all of them, or a store-scoped key's), by
/// code; a single store only if the caller may see it (else NotFound).
pub fn stores_in_scope(
    conn: &mut PgConnection,
    only: Option<StoreId>,
    scope: &StoreScope,
) -> Result<Vec<Store>, StoreError> {
    let stores: Vec<Store> = clientele_store::list_stores(conn)?
        .into_iter()
        .filter(|s| scope.covers(Some(s.id)) && only.is_none_or(|o| o == s.id))
        .collect();
    if only.is_some() && stores.is_empty() {
        return Err(StoreError::NotFound);
    }
    Ok(stores)
}

/// The figures of the stores the caller may see (or of `only`, NotFound
/// unless they may see it), each and together: counted in one pass over
/// all of them, not store by store.
pub fn store_figures(
    conn: &mut PgConnection,
    only: Option<StoreId>,
    period: &Period,
    scope: &StoreScope,
) -> Result<PerStore<Figures>, StoreError> {
    let stores = stores_in_scope(conn, only, scope)?;
    let ids: Vec<StoreId> = stores.iter().map(|s| s.id).collect();
    let facts = clientele_store::clienteling::sales_facts(conn, SalesOf::Stores(&ids), period)?;
    let none = ThreePeriods::default();
    let stores: Vec<(Store, Figures)> = stores
        .into_iter()
        .map(|s| {
            let figures = Figures::of(facts.stores.get(&s.id).unwrap_or(&none), &facts.firsts, period);
            (s, figures)
        })
        .collect();
    let total = match stores.as_slice() {
        [(_, one)] => *one,
        _ => Figures::of(&counting::combined(facts.stores.values()), &facts.firsts, period),
    };
    Ok(PerStore { stores, total })
}

/// The acquisition channels of the customers whose home store is one of
/// the stores the caller may see (or `only`, as [`store_figures`]), each
/// and together.
pub fn store_channels(
    conn: &mut PgConnection,
    only: Option<StoreId>,
    period: &Period,
    scope: &StoreScope,
) -> Result<PerStore<Channels>, StoreError> {
    let stores = stores_in_scope(conn, only, scope)?;
    let ids: Vec<StoreId> = stores.iter().map(|s| s.id).collect();
    let (program, _) = clientele_store::program(conn)?;
    let rows = clientele_store::clienteling::acquisition_groups(conn, &ids, period, program.base_currency())?;
    let stores = stores
        .into_iter()
        .map(|s| {
            let channels = Channels::of(rows.iter().filter(|r| r.store == s.id));
            (s, channels)
        })
        .collect();
    Ok(PerStore { stores, total: Channels::of(rows.iter()) })
}

/// The figures of the sales credited to an associate over a period, for a
/// caller who may see the associate's store.
pub fn associate_kpis(
    conn: &mut PgConnection,
    associate: AssociateId,
    period: &Period,
    scope: &StoreScope,
) -> Result<Figures, StoreError> {
    let store = clientele_store::associate_store(conn, associate)?
        .filter(|s| scope.covers(Some(*s)))
        .ok_or(StoreError::NotFound)?;
    let facts = clientele_store::clienteling::sales_facts(conn, SalesOf::Associate { store, associate }, period)?;
    let none = ThreePeriods::default();
    Ok(Figures::of(facts.stores.get(&store).unwrap_or(&none), &facts.firsts, period))
}

/// NotFound unless the store exists and the caller may see it.
fn check_store(conn: &mut PgConnection, store: StoreId, scope: &StoreScope) -> Result<(), StoreError> {
    if !scope.covers(Some(store)) || !clientele_store::store_exists(conn, store)? {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
