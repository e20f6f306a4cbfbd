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
    GrowthValue, LedgerEntry, LotParts, Points, PointsBalance, ProgramConfig, TierState, TierUpdate, Wallet,
    WalletChange, tier_after_growth_change,
};
use clientele_orders::{Order, PricedOrder};
use diesel::prelude::*;
use diesel::sql_types::{Array, Text};
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::loyalty::{LockedAccount, program};
use crate::orders::ANONYMOUS;
use crate::schema::{fx_rates, loyalty_accounts, order_keys, stores};

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

/// Locks the accounts of these members (creating missing ones) in id order
/// and loads their wallets **for earning** (`Wallet::for_earning`: the
/// totals of their lots, not the lots — posting an earning draws from no
/// existing lot): the bulk form of `loyalty::lock_account` for an import,
/// whose cost and memory do not grow with the lots members hold.
pub fn lock_accounts(
    conn: &mut PgConnection,
    members: &[Uuid],
    at: DateTime<Utc>,
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
        let rows: Vec<(Uuid, (i64, i64), crate::loyalty::AccountRow)> = loyalty_accounts::table
            .filter(loyalty_accounts::customer_id.eq_any(chunk))
            .order(loyalty_accounts::customer_id.asc())
            .select((
                loyalty_accounts::customer_id,
                (loyalty_accounts::points_balance, loyalty_accounts::points_held),
                (
                    loyalty_accounts::points_owed,
                    loyalty_accounts::growth_value,
                    loyalty_accounts::tier_state,
                    loyalty_accounts::opened_as_of,
                ),
            ))
            .for_update()
            .load(conn)?;
        for (id, (balance, held), (owed, growth, tier_state, opened_as_of)) in rows {
            let wallet = Wallet::for_earning(
                PointsBalance::new(balance),
                Points::new(held).map_err(corrupt("loyalty_accounts.points_held"))?,
                Points::new(owed).map_err(corrupt("loyalty_accounts.points_owed"))?,
                GrowthValue::new(growth).map_err(corrupt("loyalty_accounts.growth_value"))?,
            );
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
