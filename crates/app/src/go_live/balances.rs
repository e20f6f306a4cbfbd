//! `clientele import balances FILE.csv`: each member's opening balance
//! from the previous system (docs/import.md) — points lot by lot with their
//! earn and expiry dates, growth value, the tier held and a tier floor —
//! entered in the ledger as `migration` entries by
//! `clientele_loyalty::open_balance`, so the ledger still equals the
//! balance.
//!
//! One row per lot; the rows of one member are consecutive and carry the
//! member's columns (`growth_value`, `tier`, `tier_floor`,
//! `tier_floor_until`) on the first row (later rows repeat them or leave
//! them blank). A member is opened whole or refused whole. Idempotent: a
//! member who has an opening balance is *already present*, so a run killed
//! at any point is simply run again. `--as-of` is when the previous system
//! took the balances (default: the import's moment): orders placed before
//! it are history whose points are in the balance, and earn nothing when
//! they are imported afterwards.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, MemberNo, Moment};
use clientele_loyalty::{GrowthValue, LotId, OpeningBalance, OpeningLot, Points, Tier, open_balance};
use clientele_orders::CustomerRef;
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError};
use csv::StringRecord;
use serde_json::json;

use super::{GoLiveOptions, Header, Refusal, Rejects, optional};

/// The columns read.
pub const COLUMNS: &[&str] = &[
    "member_no",
    "lot_id",
    "points",
    "earned_on",
    "expires_on",
    "growth_value",
    "tier",
    "tier_floor",
    "tier_floor_until",
];

/// The member-level columns: equal on each of a member's rows, or blank
/// after the first.
const MEMBER_COLUMNS: &[&str] = &["growth_value", "tier", "tier_floor", "tier_floor_until"];

/// Members written per transaction.
const BATCH: usize = 500;

/// How to import balances.
#[derive(Debug, Clone)]
pub struct BalancesOptions {
    pub go_live: GoLiveOptions,
    /// When the previous system took the balances.
    pub as_of: DateTime<Utc>,
}

/// What a balances import did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct BalancesSummary {
    pub rows: u64,
    /// Members opened (with `--check`: would be).
    pub opened: u64,
    pub already_present: u64,
    /// Members with nothing to open (no points, growth, tier or floor).
    pub empty: u64,
    /// Rows refused, by reason (`4 refused (lot_expired 2, …)`).
    pub refused: u64,
    pub refusals: String,
    /// Totals of what was opened, to reconcile with the previous system.
    pub points: i64,
    pub lots: u64,
    pub growth: i64,
    /// Members kept above their growth value's tier by a floor.
    pub floors: u64,
    pub ignored_columns: Vec<String>,
    pub check: bool,
    pub as_of: Option<DateTime<Utc>>,
    pub seconds: f64,
}

impl std::fmt::Display for BalancesSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.check { "would be opened" } else { "opened" };
        write!(
            f,
            "{} rows: {} members {verb} ({} points in {} lots, {} growth value, {} tier floors), {} already present, \
             {} with nothing to open, {} in {:.1} s",
            self.rows,
            self.opened,
            self.points,
            self.lots,
            self.growth,
            self.floors,
            self.already_present,
            self.empty,
            self.refusals,
            self.seconds
        )?;
        if let Some(as_of) = self.as_of {
            write!(
                f,
                "; balances as of {as_of}: orders placed before it earn nothing (their points are in the balance)"
            )?;
        }
        Ok(())
    }
}

/// One member's rows, read.
struct Member {
    member_no: MemberNo,
    opening: OpeningBalance,
    /// (line, row) of each of the member's rows.
    rows: Vec<(u64, StringRecord)>,
}

fn refusal(reason: &'static str, column: &'static str, message: impl Into<String>) -> Refusal {
    Refusal::new(reason, Some(column), message)
}

fn date(header: &Header, row: &StringRecord, column: &'static str) -> Result<Option<NaiveDate>, Refusal> {
    optional(header.get(row, column), (column, "invalid_date"), |s| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| "must be YYYY-MM-DD")
    })
}

fn tier(header: &Header, row: &StringRecord, column: &'static str) -> Result<Option<Tier>, Refusal> {
    optional(header.get(row, column), (column, "invalid_tier"), |s| s.to_ascii_uppercase().parse::<Tier>())
}

/// The lot of a row (the `n`-th of its member), or none when `points` is
/// blank or 0.
fn lot_of(header: &Header, row: &StringRecord, n: usize) -> Result<Option<OpeningLot>, Refusal> {
    let points = optional(header.get(row, "points"), ("points", "invalid_points"), |s| {
        s.parse::<i64>()
            .map_err(|_| "a whole number ≥ 0".to_owned())
            .and_then(|p| Points::new(p).map_err(|e| e.message))
    })?;
    let Some(points) = points.filter(|p| !p.is_zero()) else { return Ok(None) };
    let earned_on = date(header, row, "earned_on")?
        .ok_or_else(|| refusal("earned_on_missing", "earned_on", "the day the lot's points were earned"))?;
    let lot = match header.get(row, "lot_id") {
        "" => format!("migration-{n}"),
        s => format!("migration-{s}"),
    };
    let lot = LotId::parse(&lot).map_err(|e| refusal("invalid_lot_id", "lot_id", e.message))?;
    Ok(Some(OpeningLot { lot, points, earned_on, expires_on: date(header, row, "expires_on")? }))
}

/// Reads the member's own columns from their first row.
fn member_of(header: &Header, row: &StringRecord) -> Result<(MemberNo, OpeningBalance), Refusal> {
    let member_no = optional(header.get(row, "member_no"), ("member_no", "member_no_invalid"), MemberNo::parse)?
        .ok_or_else(|| refusal("member_no_missing", "member_no", "the member number the customers import kept"))?;
    let growth = optional(header.get(row, "growth_value"), ("growth_value", "invalid_growth"), |s| {
        s.parse::<i64>()
            .map_err(|_| "a whole number ≥ 0".to_owned())
            .and_then(|g| GrowthValue::new(g).map_err(|e| e.message))
    })?
    .unwrap_or(GrowthValue::ZERO);
    let held = tier(header, row, "tier")?;
    // A floor; or the tier held kept as one until `tier_floor_until`.
    let floor = match (tier(header, row, "tier_floor")?, held, date(header, row, "tier_floor_until")?) {
        (Some(t), _, Some(until)) => Some((t, until)),
        (Some(_), _, None) => return Err(refusal("floor_until_missing", "tier_floor_until", "a floor's last day")),
        (None, Some(h), Some(until)) => Some((h, until)),
        (None, None, Some(_)) => {
            return Err(refusal("floor_tier_missing", "tier_floor", "tier_floor_until needs tier_floor or tier"));
        }
        (None, _, None) => None,
    };
    Ok((member_no, OpeningBalance { lots: Vec::new(), growth, tier: held, floor }))
}

/// Adds a row to the member being read, or refuses it: a later row's
/// member columns must repeat the first's or be blank.
fn add_row(member: &mut Member, header: &Header, line: u64, row: &StringRecord) -> Result<(), Refusal> {
    if let Some((first_line, first)) = member.rows.first() {
        for column in MEMBER_COLUMNS {
            let value = header.get(row, column);
            if !value.is_empty() && value != header.get(first, column) {
                return Err(refusal("differs", column, format!("differs from line {first_line} of the same member")));
            }
        }
    }
    let lot = lot_of(header, row, member.rows.len() + 1)?;
    member.opening.lots.extend(lot);
    member.rows.push((line, row.clone()));
    Ok(())
}

/// Imports (or with `--check`, validates) opening balances from CSV (see
/// the [module documentation](self)).
pub fn import_balances(
    conn: &mut PgConnection,
    input: impl std::io::Read,
    options: &BalancesOptions,
    ctx: &AuditContext,
) -> anyhow::Result<BalancesSummary> {
    let started = std::time::Instant::now();
    // A date ahead would keep every order until then from earning.
    if options.as_of > ctx.at + chrono::TimeDelta::minutes(5) {
        anyhow::bail!("--as-of {} is in the future: it is when the previous system took the balances", options.as_of);
    }
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = Header::new(reader.headers()?, COLUMNS);
    let go_live = &options.go_live;
    let mut rejects = Rejects::create(go_live.rejects.as_deref(), &header, go_live.max_rejects)?;
    let mut summary = BalancesSummary {
        ignored_columns: header.ignored.clone(),
        check: go_live.check,
        as_of: Some(options.as_of),
        ..BalancesSummary::default()
    };
    let mut member: Option<Member> = None;
    let mut refused_member: Option<(String, u64)> = None;
    let mut pending: Vec<Member> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let (line, row) = (i as u64 + 2, record?);
        summary.rows += 1;
        let number = header.get(&row, "member_no").to_owned();
        if let Some((refused, first)) = &refused_member
            && *refused == number
        {
            let message = format!("refused with the member's row at line {first}");
            rejects.refuse_with(line, &row, ("member_refused", "", &message))?;
            continue;
        }
        let same = member.as_ref().is_some_and(|m| m.member_no.as_str() == number);
        if !same {
            pending.extend(member.take());
            if pending.len() >= BATCH {
                store(conn, std::mem::take(&mut pending), options, ctx, (&mut summary, &mut rejects))?;
            }
            match member_of(&header, &row) {
                Ok((member_no, opening)) => member = Some(Member { member_no, opening, rows: Vec::new() }),
                Err(r) => {
                    rejects.refuse(line, &row, &r)?;
                    refused_member = Some((number, line));
                    continue;
                }
            }
        }
        if let Some(m) = member.as_mut()
            && let Err(r) = add_row(m, &header, line, &row)
        {
            let mut rows = member.take().map(|m| m.rows).unwrap_or_default();
            rows.push((line, row));
            refuse_member(&mut rejects, &rows, line, &r)?;
            refused_member = Some((number, line));
        }
    }
    pending.extend(member.take());
    store(conn, pending, options, ctx, (&mut summary, &mut rejects))?;
    summary.refused = rejects.total();
    summary.refusals = rejects.summary();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// Refuses a member: each of their `rows` in file order, the one at
/// `fault` with the refusal, the others as `member_refused`.
fn refuse_member(
    rejects: &mut Rejects,
    rows: &[(u64, StringRecord)],
    fault: u64,
    refusal: &Refusal,
) -> anyhow::Result<()> {
    for (line, row) in rows {
        if *line == fault {
            rejects.refuse(*line, row, refusal)?;
        } else {
            let message = format!("refused with the member's row at line {fault}");
            rejects.refuse_with(*line, row, ("member_refused", "", &message))?;
        }
    }
    Ok(())
}

/// Opens a batch of members in one transaction (rolled back with
/// `--check`); refusals go to the reject file.
fn store(
    conn: &mut PgConnection,
    batch: Vec<Member>,
    options: &BalancesOptions,
    ctx: &AuditContext,
    (summary, rejects): (&mut BalancesSummary, &mut Rejects),
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let mut refused: Vec<(Member, Refusal)> = Vec::new();
    let mut tally = BalancesSummary::default();
    let work = |conn: &mut PgConnection| {
        clientele_store::transaction(conn, |tx| open_batch(tx, batch, options, ctx, (&mut tally, &mut refused)))
    };
    if options.go_live.check { clientele_store::rolled_back(conn, work) } else { work(conn) }?;
    summary.opened += tally.opened;
    summary.already_present += tally.already_present;
    summary.empty += tally.empty;
    summary.points += tally.points;
    summary.lots += tally.lots;
    summary.growth += tally.growth;
    summary.floors += tally.floors;
    for (member, r) in refused {
        let first = member.rows.first().map_or(0, |(line, _)| *line);
        refuse_member(rejects, &member.rows, first, &r)?;
    }
    Ok(())
}

/// The members of a batch opened under their account locks.
fn open_batch(
    tx: &mut clientele_store::Tx<'_>,
    batch: Vec<Member>,
    options: &BalancesOptions,
    ctx: &AuditContext,
    (tally, refused): (&mut BalancesSummary, &mut Vec<(Member, Refusal)>),
) -> Result<(), StoreError> {
    let (config, _) = clientele_store::program(tx.conn()?)?;
    let refs: Vec<CustomerRef> = batch.iter().map(|m| CustomerRef::MemberNo(m.member_no.clone())).collect();
    let resolver = clientele_store::bulk::Resolver::load(tx.conn()?, refs.iter())?;
    let mut found = Vec::with_capacity(batch.len());
    for (member, who) in batch.into_iter().zip(&refs) {
        match resolver.resolve(who, &StoreScope::All) {
            Ok(Some(id)) => found.push((member, id)),
            _ => {
                let message = format!("no member {}: import the customers first", member.member_no);
                refused.push((member, refusal("member_unknown", "member_no", message)));
            }
        }
    }
    let ids: Vec<uuid::Uuid> = found.iter().map(|(_, id)| id.as_uuid()).collect();
    let mut accounts = clientele_store::bulk::lock_accounts(tx.conn()?, &ids, ctx.at)?;
    let moment = Moment::utc(ctx.at);
    let by = Actor::parse("import").map_err(clientele_store::corrupt("actor"))?;
    for (member, id) in found {
        let account =
            accounts.get_mut(&id.as_uuid()).ok_or_else(|| StoreError::Corrupt("account not locked".into()))?;
        if account.opened_as_of.is_some() {
            tally.already_present += 1;
            continue;
        }
        if member.opening.is_empty() {
            tally.empty += 1;
            continue;
        }
        match open_balance(&config, (&account.wallet, &account.tier), &member.opening, &by, moment) {
            Ok(opening) => {
                let actor = ctx.key_name.as_deref();
                clientele_store::write_opening(tx, account, &opening, options.as_of, (actor, ctx.at))?;
                tally.opened += 1;
                tally.points += opening.change.balance().get();
                tally.lots += opening.change.lots_created().len() as u64;
                tally.growth += opening.change.growth().get();
                tally.floors += u64::from(opening.tier.floor().is_some());
            }
            Err(e) => {
                let column = e.field();
                refused.push((member, Refusal::new(e.code(), Some(column), e.to_string())));
            }
        }
    }
    if tally.opened > 0 {
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "import",
                entity: "opening_balances",
                entity_id: "batch".into(),
                customer: None,
                changes: json!({ "opened": tally.opened, "points": tally.points, "growth": tally.growth, "as_of": options.as_of }),
            },
        );
    }
    Ok(())
}
