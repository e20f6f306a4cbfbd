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
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, MemberNo, Moment, TimeZone};
use clientele_loyalty::{
    GrowthValue, LedgerEntry, Lot, LotId, LotParts, Points, ProgramConfig, TierState, TierUpdate, Wallet, WalletChange,
    calculate_order_earning, post_order_earning, tier_after_growth_change,
};
use clientele_orders::{CustomerRef, FxRate, Order, PricedOrder, business_date, price_in_base};
use clientele_profiles::{Customer, NewCustomer, StoreScope};
use diesel::pg::CopyFormat;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Jsonb, Text, Timestamptz, Uuid as SqlUuid};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::access::refused;
use crate::audit::{self, AuditContext};
use crate::error::{StoreError, corrupt};
use crate::loyalty::{LockedAccount, LotRow, program, write_change};
use crate::orders::ANONYMOUS;
use crate::rows::{ConsentRow, CustomerRow, DateRow, TagRow};
use crate::schema::{
    customer_consents, customer_tags, customers, email_index, fx_rates, important_dates, ledger, loyalty_accounts,
    member_numbers, order_index, order_keys, order_lines, orders, phone_index, points_lots, products, stores,
};

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

fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> StoreError {
    StoreError::Invalid(FieldErrors::single(field, InvalidValue::new(code, message)))
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

/// The state of one customer as the order refers to them.
struct CustomerState {
    home_store: Option<Uuid>,
    merged_into: Option<Uuid>,
    erased: bool,
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
        let n = batch.len();
        let mut outcomes: Vec<Option<BulkOrderOutcome>> = (0..n).map(|_| None).collect();

        // 1. Keys stored before, and repeats within the batch.
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

        // 2. What the checks need, loaded once.
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
        let resolver = Resolver::load(conn, &batch, &outcomes, scope)?;

        // 3. Check each new order as `ingest_order` does, in the same order of checks.
        let mut candidates: Vec<Claimed> = Vec::new();
        for (index, order) in batch.into_iter().enumerate() {
            if outcomes[index].is_some() {
                continue;
            }
            let checked = (|| {
                if !scope.covers(order.store()) {
                    return Err(invalid("store_id", "not_allowed", "this key may only send orders of its own stores"));
                }
                let customer = resolver.resolve(order.customer(), scope)?;
                let zone = match order.store() {
                    None => None,
                    Some(store) => Some(*zones.get(&store.as_uuid()).ok_or_else(|| {
                        invalid("store_id", "unknown_reference", format!("no store with id {store}"))
                    })?),
                };
                let date = business_date(order.ordered_at(), zone);
                let rate = if order.currency() == &base {
                    None
                } else {
                    rates.get(order.currency().as_str()).and_then(|list| {
                        list.iter().rev().find(|(from, _)| *from <= date).map(|(valid_from, rate)| FxRate {
                            from: order.currency().clone(),
                            to: base.clone(),
                            valid_from: *valid_from,
                            rate: *rate,
                        })
                    })
                };
                let priced = price_in_base(order, &base, rate.as_ref()).map_err(StoreError::Invalid)?;
                limits.check(&priced, ctx.at).map_err(StoreError::Invalid)?;
                Ok((priced, customer, date))
            })();
            match checked {
                Ok((priced, customer, date)) => {
                    candidates.push(Claimed { index, priced, customer, date, order_id: Uuid::now_v7(), earned: None })
                }
                Err(e) => outcomes[index] = Some(BulkOrderOutcome::Refused(e)),
            }
        }

        // 4. Claim the keys; one taken meanwhile by another writer is already present.
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

        // The programme was read before the keys were claimed: a change of
        // base currency committed in between (possible only while no order
        // exists) would price this batch in the old one. Claimed keys hold
        // off any later change, so one look now is enough.
        if !claimed.is_empty() {
            let (now_in_force, _) = program(conn)?;
            if now_in_force.base_currency() != config.base_currency() {
                return Err(StoreError::Loyalty(clientele_loyalty::LoyaltyError::BaseCurrencyLocked {
                    current: now_in_force.base_currency().clone(),
                    requested: config.base_currency().clone(),
                }));
            }
        }

        // 5. Earn, member by member, orders in time order, under one lock per member.
        earn_all(conn, &config, &mut claimed, ctx)?;

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
        if report.imported() > 0 {
            audit::record(
                conn,
                ctx,
                "import",
                "orders",
                "batch",
                None,
                json!({
                    "imported": report.imported(),
                    "already_present": report.already_present(),
                    "refused": report.refused(),
                    "first": claimed.first().map(|c| c.priced.order.external_id().as_str().to_owned()),
                    "last": claimed.last().map(|c| c.priced.order.external_id().as_str().to_owned()),
                }),
            )?;
        }
        Ok(report)
    })
}

/// Customer references of a batch, resolved with a few queries.
struct Resolver {
    by_member_no: HashMap<String, Uuid>,
    by_phone: HashMap<String, Vec<Uuid>>,
    state: HashMap<Uuid, CustomerState>,
}

impl Resolver {
    fn load(
        conn: &mut PgConnection,
        batch: &[Order],
        outcomes: &[Option<BulkOrderOutcome>],
        _scope: &StoreScope,
    ) -> Result<Resolver, StoreError> {
        let (mut member_nos, mut phones, mut ids) = (Vec::new(), Vec::new(), Vec::new());
        for (order, outcome) in batch.iter().zip(outcomes) {
            if outcome.is_some() {
                continue;
            }
            match order.customer() {
                CustomerRef::Anonymous => {}
                CustomerRef::Id(id) => ids.push(id.as_uuid()),
                CustomerRef::MemberNo(m) => member_nos.push(m.as_str().to_owned()),
                CustomerRef::Phone(p) => phones.push(p.as_str().to_owned()),
            }
        }
        member_nos.sort_unstable();
        member_nos.dedup();
        phones.sort_unstable();
        phones.dedup();
        let by_member_no: HashMap<String, Uuid> = if member_nos.is_empty() {
            HashMap::new()
        } else {
            member_numbers::table
                .filter(member_numbers::member_no.eq_any(&member_nos))
                .select((member_numbers::member_no, member_numbers::customer_id))
                .load::<(String, Uuid)>(conn)?
                .into_iter()
                .collect()
        };
        let mut by_phone: HashMap<String, Vec<Uuid>> = HashMap::new();
        if !phones.is_empty() {
            for (phone, id) in phone_index::table
                .filter(phone_index::phone.eq_any(&phones))
                .select((phone_index::phone, phone_index::customer_id))
                .load::<(String, Uuid)>(conn)?
            {
                by_phone.entry(phone).or_default().push(id);
            }
        }
        ids.extend(by_member_no.values().copied());
        ids.extend(by_phone.values().flatten().copied());
        ids.sort_unstable();
        ids.dedup();
        let mut state = HashMap::new();
        for chunk in ids.chunks(10_000) {
            for (id, home, merged_into, erased_at) in customers::table
                .filter(customers::customer_id.eq_any(chunk))
                .select((
                    customers::customer_id,
                    customers::home_store_id,
                    customers::merged_into,
                    customers::erased_at,
                ))
                .load::<(Uuid, Option<Uuid>, Option<Uuid>, Option<DateTime<Utc>>)>(conn)?
            {
                state.insert(id, CustomerState { home_store: home, merged_into, erased: erased_at.is_some() });
            }
        }
        Ok(Resolver { by_member_no, by_phone, state })
    }

    /// `check_writable` on the loaded state: Ok(None) = writable, Err as the store would answer.
    fn check(&self, id: Uuid, scope: &StoreScope) -> Result<(), StoreError> {
        let s = self.state.get(&id).ok_or(StoreError::NotFound)?;
        let id = CustomerId::from_uuid(id);
        crate::access::standing(s.home_store, s.merged_into, s.erased).writable_by(scope).map_err(|r| refused(id, r))
    }

    /// The same answers as `orders::resolve_customer`.
    fn resolve(&self, who: &CustomerRef, scope: &StoreScope) -> Result<Option<CustomerId>, StoreError> {
        let (id, field) = match who {
            CustomerRef::Anonymous => return Ok(None),
            CustomerRef::Id(id) => (Some(id.as_uuid()), "customer.id"),
            CustomerRef::MemberNo(m) => (self.by_member_no.get(m.as_str()).copied(), "customer.member_no"),
            CustomerRef::Phone(p) => {
                let visible: Vec<Uuid> = self
                    .by_phone
                    .get(p.as_str())
                    .map(|ids| ids.iter().copied().filter(|id| self.check(*id, scope).is_ok()).collect())
                    .unwrap_or_default();
                let id = match visible.as_slice() {
                    [] => None,
                    [one] => Some(*one),
                    _ => {
                        return Err(invalid(
                            "customer.phone",
                            "ambiguous",
                            "several customers have this phone: send the member number",
                        ));
                    }
                };
                (id, "customer.phone")
            }
        };
        let id = id.ok_or_else(|| invalid(field, "unknown_reference", "no such customer"))?;
        match self.check(id, scope) {
            Ok(()) => Ok(Some(CustomerId::from_uuid(id))),
            Err(StoreError::NotFound) => Err(invalid(field, "unknown_reference", "no such customer")),
            Err(StoreError::Merged { into, .. }) => Ok(Some(into)),
            Err(other) => Err(other),
        }
    }
}

fn loyalty_error(e: clientele_loyalty::LoyaltyError) -> StoreError {
    invalid("loyalty", "loyalty_rule", e.to_string())
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
            let earning = calculate_order_earning(config, tier, &to_earn).map_err(loyalty_error)?;
            let lot = LotId::parse(&c.order_id.to_string()).map_err(corrupt("lot id"))?;
            let change = post_order_earning(config, &account.wallet, &earning, &lot, moment).map_err(loyalty_error)?;
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

fn copy_err(e: std::io::Error) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(e))
}

/// Appends a CSV field (quoted; `None` is NULL).
fn field(buf: &mut String, value: Option<&str>) {
    if let Some(v) = value {
        buf.push('"');
        for ch in v.chars() {
            if ch == '"' {
                buf.push('"');
            }
            buf.push(ch);
        }
        buf.push('"');
    }
}

/// Appends unquoted values (numbers, ids, dates), separated by commas.
macro_rules! put {
    ($buf:expr, $first:expr $(, $rest:expr)* $(,)?) => {{
        let _ = write!($buf, "{}", $first);
        $(
            $buf.push(',');
            let _ = write!($buf, "{}", $rest);
        )*
    }};
}

fn pg_array(items: &[String]) -> String {
    let mut s = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('"');
        for ch in item.chars() {
            if ch == '"' || ch == '\\' {
                s.push('\\');
            }
            s.push(ch);
        }
        s.push('"');
    }
    s.push('}');
    s
}

fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// Writes the gathered lots, ledger rows and balances.
fn flush(
    conn: &mut PgConnection,
    pending: &PendingWrites,
    accounts: &BTreeMap<Uuid, LockedAccount>,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    if !pending.new_lots.is_empty() {
        let mut buf = String::new();
        for ((customer, lot_id), p) in &pending.new_lots {
            put!(buf, customer);
            buf.push(',');
            field(&mut buf, Some(lot_id));
            buf.push(',');
            field(&mut buf, Some(&serde_json::to_string(&p.origin)?));
            buf.push(',');
            put!(buf, ts(p.earned_at), p.earned_on);
            buf.push(',');
            if let Some(e) = p.expires_on {
                put!(buf, e);
            }
            buf.push(',');
            put!(buf, p.original.get(), p.remaining.get(), p.held.get());
            buf.push('\n');
        }
        diesel::copy_from(points_lots::table)
            .from_raw_data(
                (
                    points_lots::customer_id,
                    points_lots::lot_id,
                    points_lots::origin,
                    points_lots::earned_at,
                    points_lots::earned_on,
                    points_lots::expires_on,
                    points_lots::original,
                    points_lots::remaining,
                    points_lots::held,
                ),
                |w: &mut dyn std::io::Write| w.write_all(buf.as_bytes()).map_err(copy_err),
            )
            .with_format(CopyFormat::Csv)
            .execute(conn)?;
    }
    for ((customer, lot_id), (remaining, held)) in &pending.updated_lots {
        diesel::update(points_lots::table.find((customer, lot_id)))
            .set((points_lots::remaining.eq(remaining), points_lots::held.eq(held)))
            .execute(conn)?;
    }
    if !pending.entries.is_empty() {
        let mut buf = String::new();
        for (customer, e) in &pending.entries {
            put!(buf, customer, ts(e.at), e.on);
            buf.push(',');
            field(&mut buf, Some(e.kind.as_str()));
            buf.push(',');
            put!(buf, e.points.get(), e.growth.get(), e.points_not_taken.get());
            buf.push(',');
            field(&mut buf, e.lot.as_ref().map(|l| l.as_str()));
            buf.push(',');
            field(&mut buf, Some(e.source.kind()));
            buf.push(',');
            field(&mut buf, Some(&serde_json::to_string(&e.source)?));
            buf.push(',');
            field(&mut buf, Some(e.reason.as_str()));
            buf.push(',');
            field(&mut buf, ctx.key_name.as_deref());
            buf.push('\n');
        }
        diesel::copy_from(ledger::table)
            .from_raw_data(
                (
                    ledger::customer_id,
                    ledger::at,
                    ledger::business_date,
                    ledger::kind,
                    ledger::points,
                    ledger::growth,
                    ledger::points_not_taken,
                    ledger::lot_id,
                    ledger::source_kind,
                    ledger::source,
                    ledger::reason,
                    ledger::actor,
                ),
                |w: &mut dyn std::io::Write| w.write_all(buf.as_bytes()).map_err(copy_err),
            )
            .with_format(CopyFormat::Csv)
            .execute(conn)?;
    }
    if !pending.touched.is_empty() {
        let (mut ids, mut balance, mut held, mut owed, mut growth, mut tier, mut state) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (customer, date) in &pending.touched {
            let Some(a) = accounts.get(customer) else { continue };
            let w = &a.wallet;
            ids.push(*customer);
            balance.push(w.balance().get());
            held.push(w.held().get());
            owed.push(w.owed().get());
            growth.push(w.growth().get());
            tier.push(a.tier.effective_on(*date).as_str().to_owned());
            state.push(serde_json::to_value(&a.tier)?);
        }
        diesel::sql_query(
            "UPDATE loyalty_accounts a SET points_balance = v.balance, points_held = v.held, \
             points_owed = v.owed, growth_value = v.growth, tier = v.tier, tier_state = v.state, updated_at = $8 \
             FROM unnest($1::uuid[], $2::int8[], $3::int8[], $4::int8[], $5::int8[], $6::text[], $7::jsonb[]) \
             AS v(customer_id, balance, held, owed, growth, tier, state) WHERE a.customer_id = v.customer_id",
        )
        .bind::<Array<SqlUuid>, _>(&ids)
        .bind::<Array<BigInt>, _>(&balance)
        .bind::<Array<BigInt>, _>(&held)
        .bind::<Array<BigInt>, _>(&owed)
        .bind::<Array<BigInt>, _>(&growth)
        .bind::<Array<Text>, _>(&tier)
        .bind::<Array<Jsonb>, _>(&state)
        .bind::<Timestamptz, _>(ctx.at)
        .execute(conn)?;
    }
    Ok(())
}

/// Writes the index rows, orders, lines and products of the claimed orders.
fn write_orders(conn: &mut PgConnection, claimed: &[Claimed], at: DateTime<Utc>) -> Result<(), StoreError> {
    if claimed.is_empty() {
        return Ok(());
    }
    let (mut index_buf, mut order_buf, mut line_buf) = (String::new(), String::new(), String::new());
    // SKU → (name, category, collection).
    type ProductFacts<'a> = (Option<&'a str>, Option<&'a str>, Option<&'a str>);
    let mut products_seen: BTreeMap<&str, ProductFacts<'_>> = BTreeMap::new();
    for c in claimed {
        let o = &c.priced.order;
        let customer = c.customer.map(|id| id.as_uuid()).unwrap_or(ANONYMOUS);
        put!(index_buf, c.order_id, customer);
        index_buf.push('\n');
        put!(order_buf, customer, c.order_id);
        order_buf.push(',');
        field(&mut order_buf, Some(o.source().as_str()));
        order_buf.push(',');
        field(&mut order_buf, Some(o.external_id().as_str()));
        order_buf.push(',');
        if let Some(s) = o.store() {
            put!(order_buf, s.as_uuid());
        }
        order_buf.push(',');
        field(&mut order_buf, Some(o.channel().as_str()));
        order_buf.push(',');
        put!(order_buf, ts(o.ordered_at()));
        order_buf.push(',');
        field(&mut order_buf, Some(o.currency().as_str()));
        order_buf.push(',');
        put!(order_buf, o.amount_paid());
        order_buf.push(',');
        field(&mut order_buf, Some(c.priced.base_currency.as_str()));
        order_buf.push(',');
        put!(order_buf, c.priced.fx_rate, c.priced.paid_base);
        order_buf.push(',');
        field(&mut order_buf, Some(o.payment_method().as_str()));
        order_buf.push(',');
        let coupons: Vec<String> = o.coupons().iter().map(|c| c.as_str().to_owned()).collect();
        field(&mut order_buf, Some(&pg_array(&coupons)));
        order_buf.push(',');
        put!(order_buf, i64::try_from(o.points_redeemed()).unwrap_or(i64::MAX));
        order_buf.push(',');
        let earned = c.earned.as_ref();
        field(&mut order_buf, earned.map(|e| e.tier.as_str()));
        order_buf.push(',');
        put!(order_buf, earned.map(|e| e.points).unwrap_or(0), earned.map(|e| e.growth).unwrap_or(0));
        order_buf.push(',');
        let earning_json = earned.map(|e| serde_json::to_string(&e.earning)).transpose()?;
        field(&mut order_buf, earning_json.as_deref());
        order_buf.push(',');
        put!(order_buf, ts(at), c.date);
        order_buf.push('\n');
        for l in &c.priced.lines {
            let line = &l.line;
            let (points, growth) = earned.and_then(|e| e.lines.get(line.line_id.as_str()).copied()).unwrap_or((0, 0));
            put!(line_buf, customer, c.order_id);
            line_buf.push(',');
            field(&mut line_buf, Some(line.line_id.as_str()));
            line_buf.push(',');
            field(&mut line_buf, Some(line.sku.as_str()));
            line_buf.push(',');
            let (name, category, collection) = (
                line.name.as_ref().map(|n| n.as_str()),
                line.category.as_ref().map(|n| n.as_str()),
                line.collection.as_ref().map(|n| n.as_str()),
            );
            field(&mut line_buf, name);
            line_buf.push(',');
            field(&mut line_buf, category);
            line_buf.push(',');
            field(&mut line_buf, collection);
            line_buf.push(',');
            put!(
                line_buf,
                i32::try_from(line.quantity).unwrap_or(i32::MAX),
                line.unit_price,
                line.discount,
                line.paid,
                l.paid_base,
                points,
                growth
            );
            line_buf.push('\n');
            // Products are learned from order lines: the latest name wins, as
            // `COALESCE(excluded.x, products.x)` does order after order.
            let entry = products_seen.entry(line.sku.as_str()).or_insert((None, None, None));
            *entry = (name.or(entry.0), category.or(entry.1), collection.or(entry.2));
        }
    }
    diesel::copy_from(order_index::table)
        .from_raw_data((order_index::order_id, order_index::customer_id), |w: &mut dyn std::io::Write| {
            w.write_all(index_buf.as_bytes()).map_err(copy_err)
        })
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    diesel::copy_from(orders::table)
        .from_raw_data(
            (
                orders::customer_id,
                orders::order_id,
                orders::source,
                orders::external_id,
                orders::store_id,
                orders::channel,
                orders::ordered_at,
                orders::currency,
                orders::amount_paid,
                orders::base_currency,
                orders::fx_rate,
                orders::amount_paid_base,
                orders::payment_method,
                orders::coupons,
                orders::points_redeemed,
                orders::tier_at_order,
                orders::points_earned,
                orders::growth_earned,
                orders::earning,
                orders::created_at,
                orders::business_date,
            ),
            |w: &mut dyn std::io::Write| w.write_all(order_buf.as_bytes()).map_err(copy_err),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    diesel::copy_from(order_lines::table)
        .from_raw_data(
            (
                order_lines::customer_id,
                order_lines::order_id,
                order_lines::line_id,
                order_lines::sku,
                order_lines::name,
                order_lines::category,
                order_lines::collection,
                order_lines::quantity,
                order_lines::unit_price,
                order_lines::discount,
                order_lines::paid,
                order_lines::paid_base,
                order_lines::points,
                order_lines::growth,
            ),
            |w: &mut dyn std::io::Write| w.write_all(line_buf.as_bytes()).map_err(copy_err),
        )
        .with_format(CopyFormat::Csv)
        .execute(conn)?;
    let products_rows: Vec<_> = products_seen
        .into_iter()
        .map(|(sku, (name, category, collection))| {
            (
                products::sku.eq(sku),
                products::name.eq(name),
                products::category.eq(category),
                products::collection.eq(collection),
                products::first_seen_at.eq(at),
                products::last_seen_at.eq(at),
            )
        })
        .collect();
    type NullableText = diesel::sql_types::Nullable<Text>;
    for chunk in products_rows.chunks(ROWS_PER_INSERT) {
        diesel::insert_into(products::table)
            .values(chunk)
            .on_conflict(products::sku)
            .do_update()
            .set((
                products::name.eq(diesel::dsl::sql::<NullableText>("COALESCE(excluded.name, products.name)")),
                products::category
                    .eq(diesel::dsl::sql::<NullableText>("COALESCE(excluded.category, products.category)")),
                products::collection
                    .eq(diesel::dsl::sql::<NullableText>("COALESCE(excluded.collection, products.collection)")),
                products::last_seen_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct NextNo {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Creates many customers in one transaction (demo data, a migration from a
/// legacy CRM): member numbers from the sequence, rows, satellites and
/// lookup keys written with a few multi-row statements, and one audit entry
/// for the batch. References (home store, associate) are checked by the
/// database's foreign keys: one bad reference fails the whole batch.
pub fn create_customers_bulk(
    conn: &mut PgConnection,
    batch: Vec<NewCustomer>,
    ctx: &AuditContext,
) -> Result<Vec<Customer>, StoreError> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    conn.transaction(|conn| {
        let numbers: Vec<NextNo> =
            diesel::sql_query("SELECT nextval('member_no_seq') AS n FROM generate_series(1, $1)")
                .bind::<BigInt, _>(i64::try_from(batch.len()).unwrap_or(i64::MAX))
                .load(conn)?;
        let created: Vec<Customer> = batch
            .into_iter()
            .zip(numbers)
            .map(|(new, no)| {
                new.into_customer(
                    CustomerId::from_uuid(Uuid::now_v7()),
                    MemberNo::from_sequence(no.n.unsigned_abs()),
                    ctx.at,
                )
            })
            .collect();
        let rows: Vec<CustomerRow> = created.iter().map(CustomerRow::from_domain).collect::<Result<_, _>>()?;
        for chunk in rows.chunks(500) {
            diesel::insert_into(customers::table).values(chunk).execute(conn)?;
        }
        let numbers: Vec<_> = created
            .iter()
            .map(|c| {
                (member_numbers::member_no.eq(c.member_no.as_str()), member_numbers::customer_id.eq(c.id.as_uuid()))
            })
            .collect();
        for chunk in numbers.chunks(ROWS_PER_INSERT) {
            diesel::insert_into(member_numbers::table).values(chunk).execute(conn)?;
        }
        let phones: Vec<_> = created
            .iter()
            .flat_map(|c| {
                c.profile.phones.iter().map(move |p| {
                    (phone_index::phone.eq(p.as_str().to_owned()), phone_index::customer_id.eq(c.id.as_uuid()))
                })
            })
            .collect();
        for chunk in phones.chunks(ROWS_PER_INSERT) {
            diesel::insert_into(phone_index::table).values(chunk).on_conflict_do_nothing().execute(conn)?;
        }
        let emails: Vec<_> = created
            .iter()
            .filter_map(|c| {
                c.profile.email.as_ref().map(|e| {
                    (email_index::email.eq(e.as_str().to_owned()), email_index::customer_id.eq(c.id.as_uuid()))
                })
            })
            .collect();
        for chunk in emails.chunks(ROWS_PER_INSERT) {
            diesel::insert_into(email_index::table).values(chunk).on_conflict_do_nothing().execute(conn)?;
        }
        let tags: Vec<TagRow> =
            created.iter().flat_map(|c| c.tags.iter().map(move |t| TagRow::from_domain(c.id, t))).collect();
        for chunk in tags.chunks(ROWS_PER_INSERT) {
            diesel::insert_into(customer_tags::table).values(chunk).execute(conn)?;
        }
        let consents: Vec<ConsentRow> =
            created.iter().flat_map(|c| c.consents.iter().map(move |k| ConsentRow::from_domain(c.id, k))).collect();
        for chunk in consents.chunks(ROWS_PER_INSERT) {
            diesel::insert_into(customer_consents::table).values(chunk).execute(conn)?;
        }
        let dates: Vec<DateRow> = created
            .iter()
            .flat_map(|c| c.profile.important_dates.iter().map(move |d| DateRow::from_domain(c.id, d)))
            .collect();
        for chunk in dates.chunks(ROWS_PER_INSERT) {
            diesel::insert_into(important_dates::table).values(chunk).execute(conn)?;
        }
        audit::record(
            conn,
            ctx,
            "import",
            "customers",
            "batch",
            None,
            json!({
                "created": created.len(),
                "first_member_no": created.first().map(|c| c.member_no.as_str().to_owned()),
                "last_member_no": created.last().map(|c| c.member_no.as_str().to_owned()),
            }),
        )?;
        Ok(created)
    })
}
