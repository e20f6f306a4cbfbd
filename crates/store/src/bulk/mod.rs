//! Data in bulk: many orders (history at go-live, demo data) or many new
//! customers per transaction.
//!
//! [`ingest_orders_bulk`] applies the rules of [`crate::ingest_order`] to a
//! batch of checked orders in ONE transaction: the same customer
//! resolution, business date in the store's time zone, pricing in the base
//! currency at the rate valid on that date (no rate → that order is
//! refused), idempotency on (source, external id) through `order_keys`, and
//! the same loyalty functions (`calculate_order_earning`,
//! `post_order_earning`, `tier_after_growth_change`) applied to each member's
//! wallet in time order under one account lock per member per batch. What
//! differs is only how rows are written: a handful of statements per batch
//! (`COPY … FROM STDIN` for orders, lines, lots and ledger rows; multi-row
//! `INSERT … ON CONFLICT` for keys, accounts and products; one `UPDATE … FROM
//! unnest(…)` for balances) instead of a dozen per order.
//!
//! Two deliberate differences from the API path, both documented in
//! `docs/import.md`: a batch writes one audit entry (not one per order), and
//! it emits no `order.ingested` / `points.changed` / `tier.changed` events —
//! importing years of history must not fire a webhook per historical order.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Currency, CustomerId, Moment, TimeZone};
use clientele_loyalty::{
    GrowthValue, LedgerEntry, Lot, LotId, LotParts, Points, ProgramConfig, TierState, TierUpdate, Wallet, WalletChange,
    calculate_order_earning, post_order_earning, tier_after_growth_change,
};
use clientele_orders::{FxRate, Order, PricedOrder, business_date, price_in_base};
use clientele_profiles::StoreScope;
use diesel::prelude::*;
use diesel::sql_types::{Array, Text};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, AuditContext, NewAuditEntry};
use crate::error::{StoreError, corrupt};
use crate::loyalty::{LockedAccount, LotRow, program, write_change};
use crate::orders::ANONYMOUS;
use crate::schema::{fx_rates, loyalty_accounts, order_keys, points_lots, stores};

mod new_customers;
mod resolve;
mod write;

pub use new_customers::create_customers_bulk;
use resolve::Resolver;
use write::{flush, write_orders};

/// What became of one order of a batch.
#[derive(Debug)]
pub enum BulkOrderOutcome {
    /// Stored now, with what it earned (0 for an anonymous order).
    Imported { order_id: Uuid, points: i64 },
    /// Its (source, external id) was stored before (or earlier in the same batch).
    AlreadyPresent,
    /// Refused, nothing written for it: unknown store or customer, no exchange rate, …
    Refused(StoreError),
}

/// The outcome of a batch: one entry per order, in the order given.
#[derive(Debug, Default)]
pub struct BulkReport {
    pub outcomes: Vec<BulkOrderOutcome>,
}

impl BulkReport {
    /// How many orders were stored now.
    pub fn imported(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o, BulkOrderOutcome::Imported { .. })).count()
    }
    /// How many were there already.
    pub fn already_present(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o, BulkOrderOutcome::AlreadyPresent)).count()
    }
    /// How many were refused.
    pub fn refused(&self) -> usize {
        self.outcomes.iter().filter(|o| matches!(o, BulkOrderOutcome::Refused(_))).count()
    }
}

/// Rows per multi-row INSERT (PostgreSQL takes at most 65,535 parameters).
const ROWS_PER_INSERT: usize = 2000;

#[derive(QueryableByName)]
struct KeyRow {
    #[diesel(sql_type = Text)]
    source: String,
    #[diesel(sql_type = Text)]
    external_id: String,
}

/// An order that passed every check and whose key this batch claimed.
struct Claimed {
    index: usize,
    priced: PricedOrder,
    customer: Option<CustomerId>,
    date: NaiveDate,
    order_id: Uuid,
    /// Set for members once earned: (points, growth, earning json, tier, per-line points).
    earned: Option<Earned>,
}

struct Earned {
    points: i64,
    growth: i64,
    earning: Value,
    tier: String,
    lines: HashMap<String, (i64, i64)>,
}

/// Stores a batch of checked orders in one transaction; see the module
/// documentation. Orders refused for a reason of their own (unknown store
/// or customer, no rate) are reported and do not stop the others; a
/// database failure rolls the whole batch back.
pub fn ingest_orders_bulk(
    conn: &mut PgConnection,
    batch: Vec<Order>,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<BulkReport, StoreError> {
    conn.transaction(|conn| {
        // 1. Keys stored before, and repeats within the batch.
        let mut outcomes = already_present(conn, &batch)?;
        // 2. What the checks need, loaded once.
        let checks = Checks::load(conn)?;
        let resolver = Resolver::load(conn, &batch, &outcomes, scope)?;
        // 3. Check each new order as `ingest_order` does, in the same order of checks.
        let mut candidates: Vec<Claimed> = Vec::new();
        for (index, order) in batch.into_iter().enumerate() {
            if outcomes[index].is_some() {
                continue;
            }
            match checks.check(order, &resolver, scope, ctx.at) {
                Ok((priced, customer, date)) => {
                    candidates.push(Claimed { index, priced, customer, date, order_id: Uuid::now_v7(), earned: None })
                }
                Err(e) => outcomes[index] = Some(BulkOrderOutcome::Refused(e)),
            }
        }
        // 4. Claim the keys; one taken meanwhile by another writer is already present.
        let mut claimed = claim_keys(conn, candidates, &mut outcomes)?;
        if !claimed.is_empty() {
            checks.base_currency_unchanged(conn)?;
        }
        // 5. Earn, member by member, orders in time order, under one lock per member.
        earn_all(conn, &checks.config, &mut claimed, ctx)?;
        // 6. Orders, lines, products.
        write_orders(conn, &claimed, ctx.at)?;
        for c in &claimed {
            let points = c.earned.as_ref().map(|e| e.points).unwrap_or(0);
            outcomes[c.index] = Some(BulkOrderOutcome::Imported { order_id: c.order_id, points });
        }
        let outcomes: Vec<BulkOrderOutcome> = outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| BulkOrderOutcome::Refused(StoreError::Corrupt("order left unhandled".into()))))
            .collect();
        let report = BulkReport { outcomes };
        audit_batch(conn, &report, &claimed, ctx)?;
        Ok(report)
    })
}

/// One slot per order of the batch: already present (its key was stored
/// before, or it repeats an earlier order of the batch), or not decided yet.
fn already_present(conn: &mut PgConnection, batch: &[Order]) -> Result<Vec<Option<BulkOrderOutcome>>, StoreError> {
    let mut outcomes: Vec<Option<BulkOrderOutcome>> = (0..batch.len()).map(|_| None).collect();
    let (sources, ids): (Vec<String>, Vec<String>) =
        batch.iter().map(|o| (o.source().as_str().to_owned(), o.external_id().as_str().to_owned())).unzip();
    let existing: HashSet<(String, String)> = diesel::sql_query(
        "SELECT k.source, k.external_id FROM order_keys k \
         JOIN unnest($1::text[], $2::text[]) AS b(source, external_id) \
         ON k.source = b.source AND k.external_id = b.external_id",
    )
    .bind::<Array<Text>, _>(&sources)
    .bind::<Array<Text>, _>(&ids)
    .load::<KeyRow>(conn)?
    .into_iter()
    .map(|k| (k.source, k.external_id))
    .collect();
    let mut seen = HashSet::new();
    for (i, key) in sources.into_iter().zip(ids).enumerate() {
        if existing.contains(&key) || !seen.insert(key) {
            outcomes[i] = Some(BulkOrderOutcome::AlreadyPresent);
        }
    }
    Ok(outcomes)
}

/// What checking an order needs, loaded once per batch: the programme and
/// its limits, the stores' time zones, the rates into the base currency.
struct Checks {
    config: ProgramConfig,
    limits: clientele_orders::OrderLimits,
    base: Currency,
    zones: HashMap<Uuid, TimeZone>,
    rates: HashMap<String, Vec<(NaiveDate, Decimal)>>,
}

impl Checks {
    fn load(conn: &mut PgConnection) -> Result<Checks, StoreError> {
        let (config, _) = program(conn)?;
        let limits = crate::orders::order_limits(&config);
        let base = config.base_currency().clone();
        let zones: HashMap<Uuid, TimeZone> = stores::table
            .select((stores::id, stores::time_zone))
            .load::<(Uuid, String)>(conn)?
            .into_iter()
            .map(|(id, tz)| Ok((id, TimeZone::parse(&tz).map_err(corrupt("stores.time_zone"))?)))
            .collect::<Result<_, StoreError>>()?;
        let mut rates: HashMap<String, Vec<(NaiveDate, Decimal)>> = HashMap::new();
        for (currency, valid_from, rate) in fx_rates::table
            .filter(fx_rates::base_currency.eq(base.as_str()))
            .order(fx_rates::valid_from.asc())
            .select((fx_rates::currency, fx_rates::valid_from, fx_rates::rate))
            .load::<(String, NaiveDate, Decimal)>(conn)?
        {
            rates.entry(currency).or_default().push((valid_from, rate));
        }
        Ok(Checks { config, limits, base, zones, rates })
    }

    /// The order priced, its customer and business date — or why not.
    fn check(
        &self,
        order: Order,
        resolver: &Resolver,
        scope: &StoreScope,
        at: DateTime<Utc>,
    ) -> Result<(PricedOrder, Option<CustomerId>, NaiveDate), StoreError> {
        if !scope.covers(order.store()) {
            return Err(StoreError::invalid(
                "store_id",
                "not_allowed",
                "this key may only send orders of its own stores",
            ));
        }
        let customer = resolver.resolve(order.customer(), scope)?;
        let zone = match order.store() {
            None => None,
            Some(store) => Some(*self.zones.get(&store.as_uuid()).ok_or_else(|| {
                StoreError::invalid("store_id", "unknown_reference", format!("no store with id {store}"))
            })?),
        };
        let date = business_date(order.ordered_at(), zone);
        let base = &self.base;
        let rate = if order.currency() == base {
            None
        } else {
            self.rates.get(order.currency().as_str()).and_then(|list| {
                list.iter().rev().find(|(from, _)| *from <= date).map(|(valid_from, rate)| FxRate {
                    from: order.currency().clone(),
                    to: base.clone(),
                    valid_from: *valid_from,
                    rate: *rate,
                })
            })
        };
        let priced = price_in_base(order, base, rate.as_ref()).map_err(StoreError::Invalid)?;
        self.limits.check(&priced, at).map_err(StoreError::Invalid)?;
        Ok((priced, customer, date))
    }

    /// The programme was read before the keys were claimed: a change of
    /// base currency committed in between (possible only while no order
    /// exists) would price this batch in the old one. Claimed keys hold off
    /// any later change, so one look after claiming is enough.
    fn base_currency_unchanged(&self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let (now_in_force, _) = program(conn)?;
        if now_in_force.base_currency() != self.config.base_currency() {
            return Err(StoreError::Loyalty(clientele_loyalty::LoyaltyError::BaseCurrencyLocked {
                current: now_in_force.base_currency().clone(),
                requested: self.config.base_currency().clone(),
            }));
        }
        Ok(())
    }
}

/// Claims the candidates' keys; those taken meanwhile by another writer
/// are already present. Returns the claimed orders.
fn claim_keys(
    conn: &mut PgConnection,
    candidates: Vec<Claimed>,
    outcomes: &mut [Option<BulkOrderOutcome>],
) -> Result<Vec<Claimed>, StoreError> {
    let mut claimed_keys: HashSet<(String, String)> = HashSet::new();
    for chunk in candidates.chunks(ROWS_PER_INSERT) {
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
        let got: Vec<(String, String)> = diesel::insert_into(order_keys::table)
            .values(rows)
            .on_conflict_do_nothing()
            .returning((order_keys::source, order_keys::external_id))
            .get_results(conn)?;
        claimed_keys.extend(got);
    }
    let mut claimed: Vec<Claimed> = Vec::with_capacity(candidates.len());
    for c in candidates {
        let key = (c.priced.order.source().as_str().to_owned(), c.priced.order.external_id().as_str().to_owned());
        if claimed_keys.contains(&key) {
            claimed.push(c);
        } else {
            outcomes[c.index] = Some(BulkOrderOutcome::AlreadyPresent);
        }
    }
    Ok(claimed)
}

/// One audit entry for a batch that imported anything.
fn audit_batch(
    conn: &mut PgConnection,
    report: &BulkReport,
    claimed: &[Claimed],
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    if report.imported() == 0 {
        return Ok(());
    }
    let entry = NewAuditEntry {
        action: "import",
        entity: "orders",
        entity_id: "batch".into(),
        customer: None,
        changes: json!({
            "imported": report.imported(),
            "already_present": report.already_present(),
            "refused": report.refused(),
            "first": claimed.first().map(|c| c.priced.order.external_id().as_str().to_owned()),
            "last": claimed.last().map(|c| c.priced.order.external_id().as_str().to_owned()),
        }),
    };
    audit::record(conn, ctx, &entry)
}

/// Locks the accounts of these members (creating missing ones) in id order
/// and loads their wallets: the bulk form of `loyalty::lock_account`.
fn lock_accounts(
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
        let rows: Vec<(Uuid, i64, i64, Value)> = loyalty_accounts::table
            .filter(loyalty_accounts::customer_id.eq_any(chunk))
            .order(loyalty_accounts::customer_id.asc())
            .select((
                loyalty_accounts::customer_id,
                loyalty_accounts::points_owed,
                loyalty_accounts::growth_value,
                loyalty_accounts::tier_state,
            ))
            .for_update()
            .load(conn)?;
        let mut lots: HashMap<Uuid, Vec<Lot>> = HashMap::new();
        for row in points_lots::table
            .filter(points_lots::customer_id.eq_any(chunk))
            .filter(points_lots::remaining.gt(0))
            .select(LotRow::as_select())
            .load::<LotRow>(conn)?
        {
            let customer = row.customer_id;
            lots.entry(customer).or_default().push(row.into_domain()?);
        }
        for (id, owed, growth, tier_state) in rows {
            let wallet = Wallet::new(
                lots.remove(&id).unwrap_or_default(),
                Points::new(owed).map_err(corrupt("loyalty_accounts.points_owed"))?,
                GrowthValue::new(growth).map_err(corrupt("loyalty_accounts.growth_value"))?,
            )
            .map_err(corrupt("wallet"))?;
            let tier: TierState = serde_json::from_value(tier_state).map_err(corrupt("loyalty_accounts.tier_state"))?;
            accounts.insert(id, LockedAccount { customer: CustomerId::from_uuid(id), wallet, tier });
        }
    }
    Ok(accounts)
}

/// What a batch's wallet changes write, gathered to be written at once.
#[derive(Default)]
struct PendingWrites {
    new_lots: BTreeMap<(Uuid, String), LotParts>,
    updated_lots: BTreeMap<(Uuid, String), (i64, i64)>,
    entries: Vec<(Uuid, LedgerEntry)>,
    /// Customer → business date of their last change.
    touched: BTreeMap<Uuid, NaiveDate>,
}

impl PendingWrites {
    /// Records a change and applies it to the account, like `write_change`
    /// does (for a programme with cumulative growth value).
    fn apply(
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

/// Earns every member's orders of the batch, in time order per member.
fn earn_all(
    conn: &mut PgConnection,
    config: &ProgramConfig,
    claimed: &mut [Claimed],
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    let mut by_member: BTreeMap<Uuid, Vec<usize>> = BTreeMap::new();
    for (i, c) in claimed.iter().enumerate() {
        if let Some(customer) = c.customer {
            by_member.entry(customer.as_uuid()).or_default().push(i);
        }
    }
    if by_member.is_empty() {
        return Ok(());
    }
    let members: Vec<Uuid> = by_member.keys().copied().collect();
    let mut accounts = lock_accounts(conn, &members, ctx.at)?;
    // Under a re-qualification window the tier depends on the ledger's dated
    // sums: write each change as the API does.
    let windowed = config.upgrade_window(ctx.at.date_naive()).is_some();
    let mut pending = PendingWrites::default();
    for (member, mut indexes) in by_member {
        let account = accounts.get_mut(&member).ok_or_else(|| StoreError::Corrupt("account not locked".into()))?;
        indexes.sort_by_key(|&i| (claimed[i].priced.order.ordered_at(), claimed[i].index));
        for i in indexes {
            let c = &mut claimed[i];
            let to_earn = crate::orders::order_to_earn(&c.priced, c.order_id)?;
            let moment = Moment::new(c.priced.order.ordered_at(), c.date).map_err(corrupt("moment"))?;
            let tier = account.tier.effective_on(c.date);
            let earning = calculate_order_earning(config, tier, &to_earn).map_err(StoreError::loyalty_rule)?;
            let lot = LotId::parse(&c.order_id.to_string()).map_err(corrupt("lot id"))?;
            let change = post_order_earning(config, &account.wallet, &earning, &lot, moment)
                .map_err(StoreError::loyalty_rule)?;
            if windowed {
                write_change(conn, account, &change, config, ctx.key_name.as_deref(), ctx.at)?;
            } else {
                pending.apply(config, account, &change, ctx.at)?;
            }
            c.earned = Some(Earned {
                points: earning.points().get(),
                growth: earning.growth().get(),
                earning: serde_json::to_value(&earning)?,
                tier: tier.as_str().to_owned(),
                lines: earning
                    .lines()
                    .iter()
                    .map(|l| (l.line.as_str().to_owned(), (l.points.get(), l.growth.get())))
                    .collect(),
            });
        }
    }
    flush(conn, &pending, &accounts, ctx)
}
