//! Data in bulk, the store's side: many orders (history at go-live, demo
//! data) or many new customers per transaction, written with a handful of
//! statements per batch (`COPY … FROM STDIN` for orders, lines, lots and
//! ledger rows; multi-row `INSERT … ON CONFLICT` for keys, accounts and
//! products; one `UPDATE … FROM unnest(…)` for balances) instead of a dozen
//! per order.
//!
//! The decisions — which order is refused and why, what each member earns,
//! in which order — are `clientele_app::bulk`'s: it calls these functions
//! in one unit of work. What is here is what a batch reads (keys already
//! stored, the programme, the stores' time zones, exchange rates, the
//! customers its orders name, the members' locked accounts) and writes.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, TimeZone};
use clientele_loyalty::{
    GrowthValue, LedgerEntry, Lot, LotParts, Points, ProgramConfig, TierState, TierUpdate, Wallet, WalletChange,
    tier_after_growth_change,
};
use clientele_orders::{Order, PricedOrder};
use diesel::prelude::*;
use diesel::sql_types::{Array, Text};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::loyalty::{LockedAccount, LotRow, program};
use crate::orders::ANONYMOUS;
use crate::schema::{fx_rates, loyalty_accounts, order_keys, points_lots, stores};

mod new_customers;
mod resolve;
mod write;

pub use new_customers::{
    advance_member_sequence, all_member_numbers, next_member_numbers, taken_member_numbers, write_customers,
};
pub use resolve::Resolver;
pub use write::{flush, write_orders};

/// Rows per multi-row INSERT (PostgreSQL takes at most 65,535 parameters).
const ROWS_PER_INSERT: usize = 2000;

/// An order's (source, external id), its idempotency key.
pub type OrderKey = (String, String);

/// The key of an order.
pub fn order_key(order: &Order) -> OrderKey {
    (order.source().as_str().to_owned(), order.external_id().as_str().to_owned())
}

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    external_id: String,
}

/// An order of a batch that passed every check: what is written for it.
#[derive(Debug)]
pub struct BulkOrder {
    /// Its position in the caller's batch.
    pub index: usize,
    pub priced: PricedOrder,
    pub customer: Option<CustomerId>,
    pub date: NaiveDate,
    pub order_id: Uuid,
    /// What a member's order earned, once earned.
    pub earned: Option<Earned>,
    /// The associate who sold it, resolved and checked.
    pub associate: Option<Uuid>,
}

/// What one order earned, as its row and its lines record it.
#[derive(Debug)]
pub struct Earned {
    pub points: i64,
    pub growth: i64,
    /// The earning as the order row keeps it (JSON).
    pub earning: Value,
    /// The tier the order earned at.
    pub tier: String,
    /// Line id → (points, growth).
    pub lines: HashMap<String, (i64, i64)>,
}

/// The keys of these orders that are stored already.
pub fn keys_stored(conn: &mut PgConnection, batch: &[Order]) -> Result<HashSet<OrderKey>, StoreError> {
    let (sources, ids): (Vec<String>, Vec<String>) = batch.iter().map(order_key).unzip();
    Ok(diesel::sql_query(
        "SELECT k.source, k.external_id FROM order_keys k \
         JOIN unnest($1::text[], $2::text[]) AS b(source, external_id) \
         ON k.source = b.source AND k.external_id = b.external_id",
    )
    .bind::<Array<Text>, _>(&sources)
    .bind::<Array<Text>, _>(&ids)
    .load::<KeyRow>(conn)?
    .into_iter()
    .map(|k| (k.source, k.external_id))
    .collect())
}

/// What pricing and dating a batch's orders needs, read once: the
/// programme in force, the stores' time zones, the rates into the base
/// currency (per currency, oldest first).
#[derive(Debug)]
pub struct PricingData {
    pub config: ProgramConfig,
    pub zones: HashMap<Uuid, TimeZone>,
    pub rates: HashMap<String, Vec<(NaiveDate, Decimal)>>,
}

/// Reads [`PricingData`].
pub fn pricing_data(conn: &mut PgConnection) -> Result<PricingData, StoreError> {
    let (config, _) = program(conn)?;
    let zones: HashMap<Uuid, TimeZone> = stores::table
        .select((stores::id, stores::time_zone))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .map(|(id, tz)| Ok((id, TimeZone::parse(&tz).map_err(corrupt("stores.time_zone"))?)))
        .collect::<Result<_, StoreError>>()?;
    let mut rates: HashMap<String, Vec<(NaiveDate, Decimal)>> = HashMap::new();
    for (currency, valid_from, rate) in fx_rates::table
        .filter(fx_rates::base_currency.eq(config.base_currency().as_str()))
        .order(fx_rates::valid_from.asc())
        .select((fx_rates::currency, fx_rates::valid_from, fx_rates::rate))
        .load::<(String, NaiveDate, Decimal)>(conn)?
    {
        rates.entry(currency).or_default().push((valid_from, rate));
    }
    Ok(PricingData { config, zones, rates })
}

/// Claims the keys of these orders (with their customer and order id);
/// returns the keys claimed now — one taken meanwhile by another writer is
/// not among them.
pub fn claim_keys(conn: &mut PgConnection, orders: &[BulkOrder]) -> Result<HashSet<OrderKey>, StoreError> {
    let mut claimed: HashSet<OrderKey> = HashSet::new();
    for chunk in orders.chunks(ROWS_PER_INSERT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|c| {
                (
                    order_keys::source.eq(c.priced.order.source().as_str()),
                    order_keys::external_id.eq(c.priced.order.external_id().as_str()),
                    order_keys::customer_id.eq(c.customer.map(|id| id.as_uuid()).unwrap_or(ANONYMOUS)),
                    order_keys::order_id.eq(c.order_id),
                )
            })
            .collect();
        let got: Vec<OrderKey> = diesel::insert_into(order_keys::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning((order_keys::source, order_keys::external_id))
            .get_results(conn)?;
        claimed.extend(got);
    }
    Ok(claimed)
}

/// Wallets an import keeps from one batch to the next, each with the
/// version of its account row (`xmin`: the transaction that last wrote
/// it). A member's next batch takes their wallet from here instead of
/// reading and parsing their lots again — when the row is still at that
/// version, i.e. nothing else (an order through the API, the expiry job, a
/// rolled-back batch) wrote it since. At most [`KeptWallets::MAX`] members.
#[derive(Debug, Default)]
pub struct KeptWallets {
    wallets: HashMap<Uuid, (String, Wallet)>,
}

impl KeptWallets {
    /// Most members kept (bounds the import's memory).
    pub const MAX: usize = 50_000;

    /// Keeps the wallets of accounts this transaction wrote, at its own
    /// transaction id (the rows' `xmin` once it commits).
    pub fn keep(&mut self, conn: &mut PgConnection, accounts: BTreeMap<Uuid, LockedAccount>) -> Result<(), StoreError> {
        let xid: String =
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Text>("pg_current_xact_id()::xid::text"))
                .get_result(conn)?;
        if self.wallets.len() + accounts.len() > Self::MAX {
            self.wallets.clear();
        }
        for (id, account) in accounts.into_iter().take(Self::MAX) {
            self.wallets.insert(id, (xid.clone(), account.wallet));
        }
        Ok(())
    }

    /// The kept wallet of a member whose row is at `version`.
    fn take(&mut self, id: &Uuid, version: &str) -> Option<Wallet> {
        match self.wallets.remove(id) {
            Some((kept, wallet)) if kept == version => Some(wallet),
            _ => None,
        }
    }
}

/// Locks the accounts of these members (creating missing ones) in id order
/// and loads their wallets: the bulk form of `loyalty::lock_account`.
pub fn lock_accounts(
    conn: &mut PgConnection,
    members: &[Uuid],
    at: DateTime<Utc>,
) -> Result<BTreeMap<Uuid, LockedAccount>, StoreError> {
    lock_accounts_keeping(conn, members, at, &mut KeptWallets::default())
}

/// [`lock_accounts`], taking each wallet still current from `kept`.
pub fn lock_accounts_keeping(
    conn: &mut PgConnection,
    members: &[Uuid],
    at: DateTime<Utc>,
    kept: &mut KeptWallets,
) -> Result<BTreeMap<Uuid, LockedAccount>, StoreError> {
    let new_member = serde_json::to_value(TierState::new_member())?;
    let mut accounts = BTreeMap::new();
    for chunk in members.chunks(ROWS_PER_INSERT) {
        let rows: Vec<_> = chunk
            .iter()
            .map(|id| {
                (
                    loyalty_accounts::customer_id.eq(*id),
                    loyalty_accounts::tier_state.eq(new_member.clone()),
                    loyalty_accounts::updated_at.eq(at),
                )
            })
            .collect();
        diesel::insert_into(loyalty_accounts::table).values(rows).on_conflict_do_nothing().execute(conn)?;
        let rows: Vec<(Uuid, String, crate::loyalty::AccountRow)> = loyalty_accounts::table
            .filter(loyalty_accounts::customer_id.eq_any(chunk))
            .order(loyalty_accounts::customer_id.asc())
            .select((
                loyalty_accounts::customer_id,
                diesel::dsl::sql::<diesel::sql_types::Text>("loyalty_accounts.xmin::text"),
                (
                    loyalty_accounts::points_owed,
                    loyalty_accounts::growth_value,
                    loyalty_accounts::tier_state,
                    loyalty_accounts::opened_as_of,
                ),
            ))
            .for_update()
            .load(conn)?;
        let mut reused: HashMap<Uuid, Wallet> = HashMap::new();
        for (id, version, _) in &rows {
            reused.extend(kept.take(id, version).map(|wallet| (*id, wallet)));
        }
        let to_read: Vec<Uuid> = chunk.iter().filter(|id| !reused.contains_key(id)).copied().collect();
        let mut lots: HashMap<Uuid, Vec<Lot>> = HashMap::new();
        for row in points_lots::table
            .filter(points_lots::customer_id.eq_any(&to_read))
            .filter(points_lots::remaining.gt(0))
            .select(LotRow::as_select())
            .load::<LotRow>(conn)?
        {
            let customer = row.customer_id;
            lots.entry(customer).or_default().push(row.into_domain()?);
        }
        for (id, _, (owed, growth, tier_state, opened_as_of)) in rows {
            let wallet = match reused.remove(&id) {
                Some(wallet) => wallet,
                None => Wallet::new(
                    lots.remove(&id).unwrap_or_default(),
                    Points::new(owed).map_err(corrupt("loyalty_accounts.points_owed"))?,
                    GrowthValue::new(growth).map_err(corrupt("loyalty_accounts.growth_value"))?,
                )
                .map_err(corrupt("wallet"))?,
            };
            let tier: TierState = serde_json::from_value(tier_state).map_err(corrupt("loyalty_accounts.tier_state"))?;
            let customer = CustomerId::from_uuid(id);
            accounts.insert(id, LockedAccount { customer, wallet, tier, opened_as_of });
        }
    }
    Ok(accounts)
}

/// What a batch's wallet changes write, gathered to be written at once.
#[derive(Debug, Default)]
pub struct PendingWrites {
    new_lots: BTreeMap<(Uuid, String), LotParts>,
    updated_lots: BTreeMap<(Uuid, String), (i64, i64)>,
    entries: Vec<(Uuid, LedgerEntry)>,
    /// Customer → business date of their last change.
    touched: BTreeMap<Uuid, NaiveDate>,
}

impl PendingWrites {
    /// Records a change and applies it to the account, as
    /// [`crate::write_wallet_change`] does for a programme with cumulative
    /// growth value (no re-qualification window): the tier follows the growth.
    pub fn apply(
        &mut self,
        config: &ProgramConfig,
        account: &mut LockedAccount,
        change: &WalletChange,
        at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let customer = account.customer.as_uuid();
        for lot in change.lots_created() {
            let p = lot.to_parts();
            self.new_lots.insert((customer, p.id.as_str().to_owned()), p);
        }
        for lot in change.lots_updated() {
            let p = lot.to_parts();
            let key = (customer, p.id.as_str().to_owned());
            if let Some(pending) = self.new_lots.get_mut(&key) {
                *pending = p;
            } else {
                self.updated_lots.insert(key, (p.remaining.get(), p.held.get()));
            }
        }
        self.entries.extend(change.entries().iter().map(|e| (customer, e.clone())));
        let before_growth = account.wallet.growth();
        account.wallet.apply(change).map_err(corrupt("wallet change"))?;
        let date = change.entries().first().map(|e| e.on).unwrap_or_else(|| at.date_naive());
        if account.wallet.growth() != before_growth {
            let after = account.wallet.growth();
            let delta = after.get() - before_growth.get();
            let before = GrowthValue::new((after.get() - delta).max(0)).map_err(corrupt("growth"))?;
            let TierUpdate { state, .. } = tier_after_growth_change(config, &account.tier, before, after, date);
            account.tier = state;
        }
        self.touched.insert(customer, date);
        Ok(())
    }
}
