//! The loyalty ledger in PostgreSQL: the programme, members' accounts, point
//! lots and the append-only ledger. The rules are `clientele_loyalty`'s:
//! this module loads a member's wallet under a row lock, lets the domain
//! work out the change, and writes it — lots, ledger rows and balances in
//! the caller's transaction, so the balances always equal the ledger's sums.

pub(crate) mod redemptions;
pub(crate) mod tiers;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::CustomerId;
use clientele_loyalty::{
    ExpiringPoints, GrowthValue, LedgerEntry, Lot, LotParts, Points, ProgramConfig, Tier, TierChange, TierState,
    TierUpdate, Wallet, WalletChange, tier_after_growth_change,
};
use clientele_profiles::StoreScope;
use clientele_webhooks::{PointsChanged, TierChangeData, TierChanged};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use serde_json::Value;

use crate::audit::AuditContext;
use crate::batch::Batch;
use crate::error::{StoreError, corrupt};
use crate::outbox;
use crate::schema::{ledger, loyalty_accounts, loyalty_program, points_lots};
use crate::tx::Tx;

/// The programme in force: the stored one, or the plan's defaults.
pub fn program(conn: &mut PgConnection) -> Result<(ProgramConfig, i32), StoreError> {
    let row: Option<(Value, i32)> = loyalty_program::table
        .find(1i16)
        .select((loyalty_program::config, loyalty_program::version))
        .first(conn)
        .optional()?;
    match row {
        None => Ok((ProgramConfig::default_plan(), 0)),
        Some((config, version)) => {
            Ok((serde_json::from_value(config).map_err(corrupt("loyalty_program.config"))?, version))
        }
    }
}

/// Locks the programme for the rest of the transaction (two saves one
/// after the other, each against the programme the other left) and reads it.
pub fn lock_program(conn: &mut PgConnection) -> Result<(ProgramConfig, i32), StoreError> {
    diesel::sql_query("SELECT 1 FROM loyalty_program WHERE id = 1 FOR UPDATE").execute(conn)?;
    program(conn)
}

/// Whether any order is stored, once the orders being stored now are: an
/// order claims its key and reads the programme in one statement
/// (`orders::claim_key`), so waiting for them means any order not yet seen
/// here will read the programme saved in this transaction.
pub fn orders_exist_settled(conn: &mut PgConnection) -> Result<bool, StoreError> {
    diesel::sql_query("LOCK TABLE order_keys IN SHARE MODE").execute(conn)?;
    Ok(diesel::select(diesel::dsl::exists(crate::schema::orders::table.select(crate::schema::orders::order_id)))
        .get_result(conn)?)
}

/// Stores the programme as `version`.
pub fn write_program(
    conn: &mut PgConnection,
    config: &ProgramConfig,
    version: i32,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    let config = serde_json::to_value(config)?;
    diesel::insert_into(loyalty_program::table)
        .values((
            loyalty_program::id.eq(1i16),
            loyalty_program::config.eq(&config),
            loyalty_program::version.eq(version),
            loyalty_program::updated_at.eq(ctx.at),
            loyalty_program::updated_by.eq(ctx.key_name.clone()),
        ))
        .on_conflict(loyalty_program::id)
        .do_update()
        .set((
            loyalty_program::config.eq(&config),
            loyalty_program::version.eq(version),
            loyalty_program::updated_at.eq(ctx.at),
            loyalty_program::updated_by.eq(ctx.key_name.clone()),
        ))
        .execute(conn)?;
    Ok(())
}

/// A change's new lots, updated lots and ledger entries, into `batch`.
fn lots_and_entries_into(
    batch: &mut Batch,
    customer_id: CustomerId,
    change: &WalletChange,
    actor: Option<&str>,
) -> Result<(), StoreError> {
    let customer = customer_id.as_uuid();
    let mut created = Vec::new();
    for lot in change.lots_created() {
        let p = lot.to_parts();
        created.push(vec![
            customer.into(),
            p.id.as_str().into(),
            serde_json::to_value(&p.origin)?.into(),
            p.earned_at.into(),
            p.earned_on.into(),
            p.expires_on.into(),
            p.original.get().into(),
            p.remaining.get().into(),
            p.held.get().into(),
        ]);
    }
    batch.insert(
        "points_lots",
        &["customer_id", "lot_id", "origin", "earned_at", "earned_on", "expires_on", "original", "remaining", "held"],
        created,
        "",
    );
    for lot in change.lots_updated() {
        let p = lot.to_parts();
        batch.statement(
            "UPDATE points_lots SET remaining = $?, held = $? WHERE customer_id = $? AND lot_id = $?",
            vec![p.remaining.get().into(), p.held.get().into(), customer.into(), p.id.as_str().into()],
        );
    }
    for entry in change.entries() {
        entry_into(batch, customer_id, entry, actor)?;
    }
    Ok(())
}

/// Writes a member's opening balance (go-live, `clientele_loyalty::open_balance`)
/// on their locked account: its lots and `migration` entries, the totals,
/// the tier state, and `as_of` — when the previous system took the
/// balance: orders placed before it earn nothing here. No event is emitted:
/// bringing a programme's members in must not send a webhook per member.
pub fn write_opening(
    tx: &mut Tx<'_>,
    account: &mut LockedAccount,
    opening: &clientele_loyalty::Opening,
    as_of: DateTime<Utc>,
    (actor, at): (Option<&str>, DateTime<Utc>),
) -> Result<(), StoreError> {
    let batch = tx.writes();
    lots_and_entries_into(batch, account.customer, &opening.change, actor)?;
    account.wallet.apply(&opening.change).map_err(corrupt("opening balance"))?;
    account.tier = opening.tier.clone();
    account.opened_as_of = Some(as_of);
    save_account_into(batch, account, at.date_naive(), at)
}

/// A member's account, locked for the rest of the transaction.
#[derive(Debug, Clone)]
pub struct LockedAccount {
    pub customer: CustomerId,
    pub wallet: Wallet,
    pub tier: TierState,
    /// When the member's opening balance was taken in the previous system
    /// (go-live): orders placed before it earn nothing here.
    pub opened_as_of: Option<DateTime<Utc>>,
}

/// What `lock_account` and `read_account` read of the account row.
pub(crate) type AccountRow = (i64, i64, Value, Option<DateTime<Utc>>);

/// A point lot as stored.
#[derive(Queryable, Selectable)]
#[diesel(table_name = points_lots)]
pub(crate) struct LotRow {
    lot_id: String,
    origin: Value,
    earned_at: DateTime<Utc>,
    earned_on: NaiveDate,
    expires_on: Option<NaiveDate>,
    original: i64,
    remaining: i64,
    held: i64,
}

impl LotRow {
    pub(crate) fn into_domain(self) -> Result<Lot, StoreError> {
        let parts = LotParts {
            id: self.lot_id.parse().map_err(corrupt("points_lots.lot_id"))?,
            origin: serde_json::from_value(self.origin)?,
            earned_at: self.earned_at,
            earned_on: self.earned_on,
            expires_on: self.expires_on,
            original: Points::new(self.original).map_err(corrupt("points_lots.original"))?,
            remaining: Points::new(self.remaining).map_err(corrupt("points_lots.remaining"))?,
            held: Points::new(self.held).map_err(corrupt("points_lots.held"))?,
        };
        Lot::from_parts(parts).map_err(corrupt("points_lots"))
    }
}

/// Locks (creating if needed) a member's account and loads their wallet:
/// every concurrent change of the same member waits here, so two
/// redemptions can never both spend the same points.
pub fn lock_account(
    conn: &mut PgConnection,
    customer: CustomerId,
    at: DateTime<Utc>,
) -> Result<LockedAccount, StoreError> {
    let row: AccountRow = diesel::insert_into(loyalty_accounts::table)
        .values((
            loyalty_accounts::customer_id.eq(customer.as_uuid()),
            loyalty_accounts::tier_state.eq(serde_json::to_value(TierState::new_member())?),
            loyalty_accounts::updated_at.eq(at),
        ))
        // Created if missing and row-locked in one statement: the no-op
        // update takes the same lock as `SELECT … FOR UPDATE` and returns the
        // latest committed state.
        .on_conflict(loyalty_accounts::customer_id)
        .do_update()
        .set(loyalty_accounts::updated_at.eq(loyalty_accounts::updated_at))
        .returning((
            loyalty_accounts::points_owed,
            loyalty_accounts::growth_value,
            loyalty_accounts::tier_state,
            loyalty_accounts::opened_as_of,
        ))
        .get_result(conn)?;
    account_from(conn, customer, Some(row))
}

/// Reads a member's account without locking or creating it (a member who
/// never earned has an empty wallet at S1).
pub(crate) fn read_account(conn: &mut PgConnection, customer: CustomerId) -> Result<LockedAccount, StoreError> {
    let row: Option<AccountRow> = loyalty_accounts::table
        .find(customer.as_uuid())
        .select((
            loyalty_accounts::points_owed,
            loyalty_accounts::growth_value,
            loyalty_accounts::tier_state,
            loyalty_accounts::opened_as_of,
        ))
        .first(conn)
        .optional()?;
    account_from(conn, customer, row)
}

fn account_from(
    conn: &mut PgConnection,
    customer: CustomerId,
    row: Option<AccountRow>,
) -> Result<LockedAccount, StoreError> {
    let Some((owed, growth, tier_state, opened_as_of)) = row else {
        let tier = TierState::new_member();
        return Ok(LockedAccount { customer, wallet: Wallet::empty(), tier, opened_as_of: None });
    };
    let lots = open_lots(customer).load(conn)?.into_iter().map(LotRow::into_domain).collect::<Result<Vec<_>, _>>()?;
    let wallet = Wallet::new(
        lots,
        Points::new(owed).map_err(corrupt("loyalty_accounts.points_owed"))?,
        GrowthValue::new(growth).map_err(corrupt("loyalty_accounts.growth_value"))?,
    )
    .map_err(corrupt("wallet"))?;
    let tier: TierState = serde_json::from_value(tier_state).map_err(corrupt("loyalty_accounts.tier_state"))?;
    Ok(LockedAccount { customer, wallet, tier, opened_as_of })
}

/// The query of [`open_lots`].
type OpenLots = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<points_lots::table, diesel::dsl::Eq<points_lots::customer_id, uuid::Uuid>>,
        diesel::dsl::Gt<points_lots::remaining, i64>,
    >,
    diesel::dsl::AsSelect<LotRow, diesel::pg::Pg>,
>;

/// A member's open lots: the read on every order, return, redemption and
/// loyalty view, served by `points_lots_member_open_idx`.
fn open_lots(customer: CustomerId) -> OpenLots {
    points_lots::table
        .filter(points_lots::customer_id.eq(customer.as_uuid()))
        .filter(points_lots::remaining.gt(0_i64))
        .select(LotRow::as_select())
}

/// The plan PostgreSQL chooses for [`open_lots`] of `customer` as things
/// stand (statistics or none), as `EXPLAIN` prints it: for the test that
/// a freshly loaded database reads one member's lots by the member's key.
pub fn explain_open_lots(conn: &mut PgConnection, customer: CustomerId) -> Result<String, StoreError> {
    let query = open_lots(customer);
    let sql = diesel::debug_query::<diesel::pg::Pg, _>(&query).to_string();
    let sql = sql.split(" -- binds:").next().unwrap_or(&sql).to_owned();
    conn.batch_execute(&format!("DEALLOCATE ALL; PREPARE open_lots AS {sql}"))?;
    #[derive(QueryableByName)]
    struct PlanLine {
        #[diesel(sql_type = diesel::sql_types::Text, column_name = "QUERY PLAN")]
        line: String,
    }
    let lines: Vec<PlanLine> =
        diesel::sql_query(format!("EXPLAIN EXECUTE open_lots('{}', 0)", customer.as_uuid())).load(conn)?;
    conn.batch_execute("DEALLOCATE open_lots")?;
    Ok(lines.into_iter().map(|l| l.line).collect::<Vec<_>>().join("\n"))
}

/// The growth value that decides the tier on `date`: the cumulative growth
/// value, or under a re-qualification window the growth earned within it.
pub fn qualifying_growth(
    conn: &mut PgConnection,
    config: &ProgramConfig,
    customer: CustomerId,
    cumulative: GrowthValue,
    date: NaiveDate,
) -> Result<GrowthValue, StoreError> {
    let Some(window) = config.upgrade_window(date) else { return Ok(cumulative) };
    let sum: Option<rust_decimal::Decimal> = ledger::table
        .filter(ledger::customer_id.eq(customer.as_uuid()))
        .filter(ledger::business_date.between(window.first, window.last))
        .select(diesel::dsl::sum(ledger::growth))
        .first(conn)?;
    let sum = sum.map(|d| i64::try_from(d).unwrap_or(i64::MAX)).unwrap_or(0).max(0);
    GrowthValue::new(sum).map_err(corrupt("ledger.growth"))
}

/// Writes a wallet change: new lots, updated lots, ledger rows, balances,
/// and the tier state (with a `tier.changed` event when the tier moved).
/// The row lock of [`lock_account`] must be held. Its writes join the unit of work's (sent with
/// its next read or at its end); only the growth of a re-qualification
/// window, if the programme has one, is read now — before this change's
/// rows are written, so its own growth in the window is added.
pub fn write_wallet_change(
    tx: &mut Tx<'_>,
    account: &mut LockedAccount,
    change: &WalletChange,
    config: &ProgramConfig,
    actor: Option<&str>,
    at: DateTime<Utc>,
) -> Result<Option<TierChange>, StoreError> {
    let (conn, batch) = tx.parts();
    lots_and_entries_into(batch, account.customer, change, actor)?;
    let before_growth = account.wallet.growth();
    account.wallet.apply(change).map_err(corrupt("wallet change"))?;
    let date = change.entries().first().map(|e| e.on).unwrap_or_else(|| at.date_naive());
    let mut tier_change = None;
    if account.wallet.growth() != before_growth {
        // The growth that qualifies for a tier: all of it, or with a
        // re-qualification window what the ledger holds in the window — read
        // before this change's rows are written, so its own growth in the
        // window is added.
        let after = match config.upgrade_window(date) {
            None => account.wallet.growth(),
            Some(w) => {
                let written = qualifying_growth(conn, config, account.customer, before_growth, date)?;
                let own: i64 = change
                    .entries()
                    .iter()
                    .filter(|e| (w.first..=w.last).contains(&e.on))
                    .map(|e| e.growth.get())
                    .sum();
                GrowthValue::new((written.get() + own).max(0)).map_err(corrupt("growth"))?
            }
        };
        let delta = account.wallet.growth().get() - before_growth.get();
        let before = GrowthValue::new((after.get() - delta).max(0)).map_err(corrupt("growth"))?;
        let TierUpdate { state, change } = tier_after_growth_change(config, &account.tier, before, after, date);
        account.tier = state;
        tier_change = change;
    }
    save_account_into(batch, account, date, at)?;
    if let Some(c) = &tier_change {
        tier_changed_into(batch, account.customer, c, at)?;
    }
    if !change.points_delta().is_zero() || !change.growth_delta().is_zero() {
        let changed = PointsChanged {
            customer_id: account.customer.as_uuid(),
            points_delta: change.points_delta().get(),
            growth_delta: change.growth_delta().get(),
            balance: account.wallet.balance().get(),
            points_owed: account.wallet.owed().get(),
            growth_value: account.wallet.growth().get(),
        };
        outbox::emit_into(batch, &changed.into(), at)?;
    }
    Ok(tier_change)
}

/// Stores the balances and tier state of an account.
pub(crate) fn save_account_into(
    batch: &mut Batch,
    account: &LockedAccount,
    date: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let w = &account.wallet;
    batch.statement(
        "UPDATE loyalty_accounts SET points_balance = $?, points_held = $?, points_owed = $?, growth_value = $?, \
         tier = $?, tier_state = $?, opened_as_of = $?, updated_at = $? WHERE customer_id = $?",
        vec![
            w.balance().get().into(),
            w.held().get().into(),
            w.owed().get().into(),
            w.growth().get().into(),
            account.tier.effective_on(date).as_str().into(),
            serde_json::to_value(&account.tier)?.into(),
            account.opened_as_of.into(),
            at.into(),
            account.customer.as_uuid().into(),
        ],
    );
    Ok(())
}

fn entry_into(batch: &mut Batch, customer: CustomerId, e: &LedgerEntry, actor: Option<&str>) -> Result<(), StoreError> {
    batch.insert(
        "ledger",
        &[
            "customer_id",
            "at",
            "business_date",
            "kind",
            "points",
            "growth",
            "points_not_taken",
            "lot_id",
            "source_kind",
            "source",
            "reason",
            "actor",
        ],
        vec![vec![
            customer.as_uuid().into(),
            e.at.into(),
            e.on.into(),
            e.kind.as_str().into(),
            e.points.get().into(),
            e.growth.get().into(),
            e.points_not_taken.get().into(),
            e.lot.as_ref().map(|l| l.as_str().to_owned()).into(),
            e.source.kind().into(),
            serde_json::to_value(&e.source)?.into(),
            e.reason.as_str().into(),
            actor.into(),
        ]],
        "",
    );
    Ok(())
}

/// Adds the `tier.changed` event of a member to a batch of writes.
pub(crate) fn tier_changed_into(
    batch: &mut Batch,
    customer: CustomerId,
    change: &TierChange,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    outbox::emit_into(batch, &tier_changed(customer, change), at)
}

/// The `tier.changed` event of a member.
pub fn tier_changed(customer: CustomerId, change: &TierChange) -> clientele_webhooks::Event {
    let change = TierChangeData {
        from: change.from.as_str().to_owned(),
        to: change.to.as_str().to_owned(),
        reason: change.reason.as_str().to_owned(),
        on: change.on,
    };
    TierChanged { customer_id: customer.as_uuid(), change }.into()
}

/// A member's loyalty position.
#[derive(Debug, Clone)]
pub struct LoyaltySummary {
    pub customer: CustomerId,
    pub balance: i64,
    pub held: i64,
    pub available: i64,
    pub owed: i64,
    pub growth_value: GrowthValue,
    pub tier: Tier,
    pub tier_state: TierState,
    pub config: ProgramConfig,
    /// The next tier and the growth value still needed to reach it.
    pub next_tier: Option<(Tier, i64)>,
    /// Points expiring from `today` through `today + 90 days`.
    pub expiring: Vec<ExpiringPoints>,
}

/// The loyalty position of a customer the scope covers.
pub fn loyalty_summary(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    today: NaiveDate,
) -> Result<LoyaltySummary, StoreError> {
    // No transaction: under READ COMMITTED it would give these reads no
    // common snapshot, only a BEGIN and a COMMIT more (two of the seven
    // round trips this read cost at a million members).
    crate::access::check_visible(conn, customer, scope)?;
    let (config, _) = program(conn)?;
    let account = read_account(conn, customer)?;
    summary_of(&config, &account, today)
}

/// One ledger entry, as listed.
#[derive(Debug, Clone)]
pub struct LedgerLine {
    pub entry_no: i64,
    pub at: DateTime<Utc>,
    pub business_date: NaiveDate,
    pub kind: String,
    pub points: i64,
    pub growth: i64,
    pub points_not_taken: i64,
    pub lot_id: Option<String>,
    pub source: Value,
    pub reason: String,
    pub actor: Option<String>,
}

/// A page of a member's ledger, newest first, before entry `before`.
pub fn ledger_page(
    conn: &mut PgConnection,
    customer: CustomerId,
    scope: &StoreScope,
    before: Option<i64>,
    limit: u32,
) -> Result<(Vec<LedgerLine>, Option<i64>), StoreError> {
    crate::access::check_visible(conn, customer, scope)?;
    let limit = i64::from(limit.clamp(1, 200));
    let mut query = ledger::table
        .filter(ledger::customer_id.eq(customer.as_uuid()))
        .order(ledger::entry_no.desc())
        .limit(limit + 1)
        .select((
            ledger::entry_no,
            ledger::at,
            ledger::business_date,
            ledger::kind,
            ledger::points,
            ledger::growth,
            ledger::points_not_taken,
            ledger::lot_id,
            ledger::source,
            ledger::reason,
            ledger::actor,
        ))
        .into_boxed();
    if let Some(b) = before {
        query = query.filter(ledger::entry_no.lt(b));
    }
    type Row = (i64, DateTime<Utc>, NaiveDate, String, i64, i64, i64, Option<String>, Value, String, Option<String>);
    let mut rows: Vec<LedgerLine> = query
        .load::<Row>(conn)?
        .into_iter()
        .map(|(entry_no, at, business_date, kind, points, growth, points_not_taken, lot_id, source, reason, actor)| {
            LedgerLine {
                entry_no,
                at,
                business_date,
                kind,
                points,
                growth,
                points_not_taken,
                lot_id,
                source,
                reason,
                actor,
            }
        })
        .collect();
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let next = if more { rows.last().map(|r| r.entry_no) } else { None };
    Ok((rows, next))
}

/// The sums of a member's ledger (points, growth): for checking that the
/// balances equal them.
pub fn ledger_sums(conn: &mut PgConnection, customer: CustomerId) -> Result<(i64, i64), StoreError> {
    let (p, g): (Option<rust_decimal::Decimal>, Option<rust_decimal::Decimal>) = ledger::table
        .filter(ledger::customer_id.eq(customer.as_uuid()))
        .select((diesel::dsl::sum(ledger::points), diesel::dsl::sum(ledger::growth)))
        .first(conn)?;
    let to_i64 = |d: Option<rust_decimal::Decimal>| d.map(|d| i64::try_from(d).unwrap_or(i64::MAX)).unwrap_or(0);
    Ok((to_i64(p), to_i64(g)))
}

/// A change of points made by a person or a campaign.
#[derive(Debug, Clone)]
pub enum PointsGrant {
    /// Activity points (a salon attended, a campaign), in a new lot.
    Activity(clientele_loyalty::ActivityGrant),
    /// A manual adjustment by a CRM manager (credit in a new lot, or debit).
    Manual(clientele_loyalty::ManualAdjustment),
}

/// A change of a member's manual tier floor.
#[derive(Debug, Clone)]
pub enum FloorChange {
    /// Set (or replace) the floor.
    Set(clientele_loyalty::TierFloorRequest),
    /// Remove it before its end date.
    Remove { by: clientele_kernel::Actor, why: clientele_loyalty::Reason },
}

/// Writes a ledger entry that moves no points (a tier floor set or
/// removed), with the writes of the unit of work.
pub fn write_ledger_entry(
    tx: &mut Tx<'_>,
    customer: CustomerId,
    entry: &LedgerEntry,
    actor: Option<&str>,
) -> Result<(), StoreError> {
    entry_into(tx.writes(), customer, entry, actor)
}

/// Stores an account's balances and tier state, with the writes of the
/// unit of work.
pub fn save_account(
    tx: &mut Tx<'_>,
    account: &LockedAccount,
    date: NaiveDate,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    save_account_into(tx.writes(), account, date, at)
}

/// A member's loyalty position from their locked account.
pub fn summary_of(
    config: &ProgramConfig,
    account: &LockedAccount,
    today: NaiveDate,
) -> Result<LoyaltySummary, StoreError> {
    let w = &account.wallet;
    let tier = account.tier.effective_on(today);
    let next_tier = config
        .tiers()
        .rules()
        .iter()
        .find(|r| r.tier > tier)
        .map(|r| (r.tier, (r.min_growth.get() - w.growth().get()).max(0)));
    Ok(LoyaltySummary {
        customer: account.customer,
        balance: w.balance().get(),
        held: w.held().get(),
        available: w.available_on(today).get(),
        owed: w.owed().get(),
        growth_value: w.growth(),
        tier,
        tier_state: account.tier.clone(),
        next_tier,
        expiring: w.expiring_between(today, today + chrono::Duration::days(90)),
        config: config.clone(),
    })
}

/// The members with points whose last usable day is before `as_of` and
/// that no reservation holds.
pub fn members_with_expired_lots(conn: &mut PgConnection, as_of: NaiveDate) -> Result<Vec<CustomerId>, StoreError> {
    let customers: Vec<uuid::Uuid> = points_lots::table
        .filter(points_lots::remaining.gt(points_lots::held))
        .filter(points_lots::expires_on.lt(as_of))
        .select(points_lots::customer_id)
        .distinct()
        .load(conn)?;
    Ok(customers.into_iter().map(CustomerId::from_uuid).collect())
}

/// Points expiring from `today` through `last` that members were not told
/// of yet, per member and expiry date; the lots are marked as told (at
/// `at`), so each is announced once.
pub fn take_expiring_unannounced(
    conn: &mut PgConnection,
    today: NaiveDate,
    last: NaiveDate,
    at: DateTime<Utc>,
) -> Result<Vec<(CustomerId, NaiveDate, i64)>, StoreError> {
    type Due = (uuid::Uuid, NaiveDate, Option<rust_decimal::Decimal>);
    let due: Vec<Due> = points_lots::table
        .filter(points_lots::remaining.gt(0))
        .filter(points_lots::expiry_notified_at.is_null())
        .filter(points_lots::expires_on.between(today, last))
        .group_by((points_lots::customer_id, points_lots::expires_on))
        .select((
            points_lots::customer_id,
            diesel::dsl::sql::<diesel::sql_types::Date>("expires_on"),
            diesel::dsl::sum(points_lots::remaining),
        ))
        .load(conn)?;
    diesel::update(
        points_lots::table
            .filter(points_lots::remaining.gt(0))
            .filter(points_lots::expiry_notified_at.is_null())
            .filter(points_lots::expires_on.between(today, last)),
    )
    .set(points_lots::expiry_notified_at.eq(Some(at)))
    .execute(conn)?;
    Ok(due
        .into_iter()
        .map(|(c, on, points)| {
            (CustomerId::from_uuid(c), on, points.map(|p| i64::try_from(p).unwrap_or(i64::MAX)).unwrap_or(0))
        })
        .collect())
}
