//! The store manager's lists and figures (issue #12): the lapsed list —
//! the clients who bought at the store in a comparison period and not in
//! the period — and the KPIs beside the same dates a year before, of a
//! store, of every store the caller may see, and of an associate's sales,
//! with the acquisition channels of the stores' customers (see
//! `clientele_store::clienteling` and docs/kpis.md).

use clientele_clienteling::{AcquisitionGroup, ChannelFigures, Period, StoreFigures, channel_figures};
use clientele_kernel::StoreId;
use clientele_profiles::{AssociateId, Store, StoreScope};
use clientele_store::clienteling::{AcquisitionRow, Counted, LapsedClient, SalesOf};
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
    fn of(counted: &Counted) -> Figures {
        Figures {
            period: StoreFigures::from_counts(&counted.period),
            year_before: StoreFigures::from_counts(&counted.year_before),
        }
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

/// A store's KPIs (or those of several stores together): the figures and
/// the acquisition channels of the customers whose home store it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreKpis {
    pub figures: Figures,
    pub acquisition: Channels,
}

/// Every store a caller may see, each with its KPIs, and all of them
/// together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllStoresKpis {
    pub stores: Vec<(Store, StoreKpis)>,
    pub total: StoreKpis,
}

/// A store's KPIs over a period, for a caller who may see the store.
pub fn store_kpis(
    conn: &mut PgConnection,
    store: StoreId,
    period: &Period,
    scope: &StoreScope,
) -> Result<StoreKpis, StoreError> {
    check_store(conn, store, scope)?;
    Ok(kpis_of(conn, &[store], period)?.total)
}

/// The KPIs of every store the caller's scope covers (a store-scoped key:
/// its stores), by store code, and over those stores together: counted in
/// one pass over all of them, not store by store.
pub fn all_store_kpis(
    conn: &mut PgConnection,
    period: &Period,
    scope: &StoreScope,
) -> Result<AllStoresKpis, StoreError> {
    let stores: Vec<Store> =
        clientele_store::list_stores(conn)?.into_iter().filter(|s| scope.covers(Some(s.id))).collect();
    let ids: Vec<StoreId> = stores.iter().map(|s| s.id).collect();
    let kpis = kpis_of(conn, &ids, period)?;
    let by_store = stores
        .into_iter()
        .map(|s| {
            let figures = Figures::of(&kpis.counts.stores.get(&s.id).copied().unwrap_or_default());
            let acquisition = Channels::of(kpis.acquisition.iter().filter(|r| r.store == s.id));
            (s, StoreKpis { figures, acquisition })
        })
        .collect();
    Ok(AllStoresKpis { stores: by_store, total: kpis.total })
}

/// The counts of some stores and their acquisition rows, and the KPIs of
/// all of them together.
struct StoresCounted {
    counts: clientele_store::clienteling::SalesCounts,
    acquisition: Vec<AcquisitionRow>,
    total: StoreKpis,
}

fn kpis_of(conn: &mut PgConnection, stores: &[StoreId], period: &Period) -> Result<StoresCounted, StoreError> {
    let counts = clientele_store::clienteling::sales_counts(conn, SalesOf::Stores(stores), period)?;
    let (program, _) = clientele_store::program(conn)?;
    let acquisition = clientele_store::clienteling::acquisition_groups(conn, stores, period, program.base_currency())?;
    let total = StoreKpis { figures: Figures::of(&counts.total), acquisition: Channels::of(acquisition.iter()) };
    Ok(StoresCounted { counts, acquisition, total })
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
    let counts = clientele_store::clienteling::sales_counts(conn, SalesOf::Associate { store, associate }, period)?;
    Ok(Figures::of(&counts.total))
}

/// NotFound unless the store exists and the caller may see it.
fn check_store(conn: &mut PgConnection, store: StoreId, scope: &StoreScope) -> Result<(), StoreError> {
    if !scope.covers(Some(store)) || !clientele_store::store_exists(conn, store)? {
        return Err(StoreError::NotFound);
    }
    Ok(())
}
