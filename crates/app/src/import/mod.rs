//! `clientele import orders FILE.csv`: order history in bulk (go-live).
//!
//! One CSV row per order line, the order's own columns repeated on each of
//! its rows, the rows of one order consecutive (docs/import.md). Rows are
//! grouped into orders, each checked by `Order::new` exactly like a
//! `POST /v1/orders` body, and stored in batches by
//! `crate::bulk::ingest_orders_bulk`, which applies the API's rules
//! (customer resolution, exchange rate on the order's date, idempotency on
//! (source, external_id), points and growth). A bad row is reported with its
//! line number and field; the other orders are imported.

use std::collections::HashMap;
use std::io::{IsTerminal, Read};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use clientele_kernel::StoreId;
use clientele_orders::Order;
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, PgConnection};

use crate::bulk::BulkOrderOutcome;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Deserialize;

/// The columns, in the order `docs/import.md` lists them.
pub const COLUMNS: &[&str] = &[
    "source",
    "external_id",
    "ordered_at",
    "store_code",
    "associate_code",
    "channel",
    "customer_id",
    "customer_member_no",
    "customer_phone",
    "currency",
    "amount_paid",
    "payment_method",
    "coupons",
    "points_redeemed",
    "line_id",
    "sku",
    "product_name",
    "category",
    "collection",
    "quantity",
    "unit_price",
    "discount",
];

/// One row as read: every column is text, checked afterwards so that each
/// problem names its column.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CsvRow {
    pub source: String,
    pub external_id: String,
    pub ordered_at: String,
    pub store_code: String,
    pub associate_code: String,
    pub channel: String,
    pub customer_id: String,
    pub customer_member_no: String,
    pub customer_phone: String,
    pub currency: String,
    pub amount_paid: String,
    pub payment_method: String,
    pub coupons: String,
    pub points_redeemed: String,
    pub line_id: String,
    pub sku: String,
    pub product_name: String,
    pub category: String,
    pub collection: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
}

/// How to import.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Orders per transaction.
    pub batch: usize,
    /// Show a progress bar (on a terminal, outside CI).
    pub progress: bool,
    /// The reject file, `--max-rejects`, `--check` (docs/import.md).
    pub go_live: crate::go_live::GoLiveOptions,
    /// An order may name a member who is not there yet: a minimal member is
    /// created from its member number (and phone), joined on the day of
    /// their first order in the batch.
    pub create_customers: bool,
}

impl ImportOptions {
    /// A progress bar only on a terminal and when `CI` is not `true`.
    pub fn progress_wanted() -> bool {
        std::io::stderr().is_terminal() && std::env::var("CI").map(|v| v != "true" && v != "1").unwrap_or(true)
    }
}

/// A refused row: its line in the file, the column, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    /// Stable: the validation code (`required`, `invalid_format`,
    /// `unknown_reference`, …), `differs` (an order column not the same on
    /// each of its rows), `refused` (by the store: unknown customer, no
    /// exchange rate, …), `unreadable`.
    pub code: String,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.field, self.message)
    }
}

/// What an import did.
#[derive(Debug, Default)]
pub struct ImportSummary {
    /// A `--check` run: nothing was written.
    pub checked: bool,
    /// Members created for orders that named them (`--create-customers`).
    pub created_customers: u64,
    /// Columns not read, named once.
    pub ignored_columns: Vec<String>,
    pub rows: u64,
    pub orders: u64,
    pub imported: u64,
    pub imported_lines: u64,
    pub already_present: u64,
    pub refused_orders: u64,
    pub errors: Vec<RowError>,
    pub elapsed: Duration,
    /// How long the closing `ANALYZE` took.
    pub analyzed_in: Duration,
}

impl ImportSummary {
    /// Orders stored per second.
    pub fn orders_per_second(&self) -> f64 {
        self.imported as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows, {} orders: {} {} ({} lines), {} already present, {} refused ({} row errors) in {:.1} s ({:.0} orders/s){}",
            self.rows,
            self.orders,
            self.imported,
            if self.checked { "would be imported" } else { "imported" },
            self.imported_lines,
            self.already_present,
            self.refused_orders,
            self.errors.len(),
            self.elapsed.as_secs_f64(),
            self.orders_per_second(),
            if self.imported > 0 {
                format!("; statistics refreshed (ANALYZE) in {:.1} s", self.analyzed_in.as_secs_f64())
            } else {
                String::new()
            },
        )?;
        if self.created_customers > 0 {
            write!(f, "; {} members created for their orders (--create-customers)", self.created_customers)?;
        }
        Ok(())
    }
}

/// The rows of one order: (line number, row).
type Group = Vec<(u64, CsvRow)>;

/// An order ready to store, with the line numbers of its rows and the
/// rows as read (for the reject file).
struct Pending {
    order: Order,
    lines: Vec<u64>,
    raw: Vec<csv::StringRecord>,
    /// The phone given with the member number, for a new member.
    phone: Option<clientele_kernel::Phone>,
}

mod rows;
use rows::{new_member_phone, store_error_to_rows, to_order};

/// Writes every row of a refused order to the reject file: each with its
/// own first problem, or `order_refused` naming the line that has one.
fn reject_order(
    rejects: &mut crate::go_live::Rejects,
    raw: &[csv::StringRecord],
    lines: &[u64],
    errors: &[RowError],
) -> anyhow::Result<()> {
    let first = errors.first();
    for (record, line) in raw.iter().zip(lines) {
        match errors.iter().find(|e| e.line == *line) {
            Some(e) => rejects.refuse_with(*line, record, (&e.code, &e.field, &e.message))?,
            None => {
                let message = first.map_or("refused with its order".to_owned(), |e| {
                    format!("refused with its order: line {} {}: {}", e.line, e.field, e.message)
                });
                rejects.refuse_with(*line, record, ("order_refused", "", &message))?;
            }
        }
    }
    Ok(())
}

/// The columns an import cannot do without.
const REQUIRED_COLUMNS: &[&str] =
    &["source", "external_id", "ordered_at", "currency", "amount_paid", "sku", "quantity", "unit_price"];

/// An error unless the header has every required column; the columns
/// not read (ignored, named once in the summary).
fn check_columns(headers: &csv::StringRecord) -> anyhow::Result<Vec<String>> {
    for required in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == *required) {
            anyhow::bail!("the CSV has no `{required}` column (see docs/import.md)");
        }
    }
    Ok(headers.iter().filter(|h| !COLUMNS.contains(h)).map(str::to_owned).collect())
}

/// A progress bar over `total_bytes` of a file, or a hidden one (every
/// import's: the CLI wraps the go-live imports' files in it).
pub fn progress_bar(show: bool, total_bytes: Option<u64>) -> anyhow::Result<ProgressBar> {
    if !show {
        return Ok(ProgressBar::hidden());
    }
    let bar = ProgressBar::new(total_bytes.unwrap_or(0));
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent}% ETA {eta} {msg}")
            .map_err(|e| anyhow::anyhow!("progress template: {e}"))?,
    );
    Ok(bar)
}

/// What the reader gave next.
enum NextRow {
    /// Boxed: a row is large, the other answers are nothing.
    Row(Box<CsvRow>),
    /// A row that could not be read, and why.
    Bad(RowError),
    End,
}

/// Reads the next record (at `line`) into a row.
fn next_row<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    headers: &csv::StringRecord,
    line: u64,
) -> anyhow::Result<NextRow> {
    let unreadable =
        |message: String| RowError { line, field: "row".to_owned(), code: "unreadable".to_owned(), message };
    let more = match reader.read_record(record) {
        Ok(more) => more,
        Err(e) if e.is_io_error() => return Err(e.into()),
        Err(e) => return Ok(NextRow::Bad(unreadable(e.to_string()))),
    };
    if !more {
        return Ok(NextRow::End);
    }
    match record.deserialize::<CsvRow>(Some(headers)) {
        Ok(r) => Ok(NextRow::Row(Box::new(r))),
        Err(e) => Ok(NextRow::Bad(unreadable(e.to_string()))),
    }
}

/// An order refused while reading (or a row that could not be read): its
/// rows as read, their lines, and the problems.
struct Refused {
    raw: Vec<csv::StringRecord>,
    lines: Vec<u64>,
    errors: Vec<RowError>,
    /// An order (false: a row that could not be read).
    order: bool,
}

/// What the reading thread hands over: checked orders to store, with what
/// it refused and counted while reading them.
#[derive(Default)]
struct ReadBatch {
    pending: Vec<Pending>,
    refused: Vec<Refused>,
    rows: u64,
    orders: u64,
    /// Where the reader is in the file (for the progress bar).
    byte: u64,
}

/// Checks the complete order in `group` (emptied) and queues it in the
/// batch, or as refused with its errors.
fn close_group(
    (group, raw): (&mut Group, &mut Vec<csv::StringRecord>),
    stores: &HashMap<String, StoreId>,
    batch: &mut ReadBatch,
) {
    batch.orders += 1;
    let lines: Vec<u64> = group.iter().map(|(l, _)| *l).collect();
    let raw = std::mem::take(raw);
    match to_order(group, stores) {
        Ok(order) => batch.pending.push(Pending { order, lines, raw, phone: new_member_phone(group) }),
        Err(errors) => batch.refused.push(Refused { raw, lines, errors, order: true }),
    }
    group.clear();
}

/// The reading thread: reads, groups and checks orders, and hands them
/// over `batch_size` at a time (at most two batches ahead of the writer,
/// so memory stays bounded); an error reading the file is handed over
/// last. Stops when the writer is gone.
fn read_orders<R: Read>(
    mut reader: csv::Reader<R>,
    (headers, stores): (&csv::StringRecord, &HashMap<String, StoreId>),
    batch_size: usize,
    out: &std::sync::mpsc::SyncSender<anyhow::Result<ReadBatch>>,
) {
    let (mut group, mut raw): (Group, Vec<csv::StringRecord>) = (Vec::new(), Vec::new());
    let mut batch = ReadBatch::default();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        let row = match next_row(&mut reader, &mut record, headers, line) {
            Err(e) => {
                let _ = out.send(Err(e));
                return;
            }
            Ok(NextRow::End) => None,
            Ok(NextRow::Bad(error)) => {
                batch.rows += 1;
                let refused =
                    Refused { raw: vec![record.clone()], lines: vec![line], errors: vec![error], order: false };
                batch.refused.push(refused);
                continue;
            }
            Ok(NextRow::Row(row)) => Some(*row),
        };
        let same_order = match (&row, group.first()) {
            (Some(r), Some((_, head))) => r.source == head.source && r.external_id == head.external_id,
            _ => false,
        };
        if !same_order && !group.is_empty() {
            close_group((&mut group, &mut raw), stores, &mut batch);
        }
        if batch.pending.len() >= batch_size || row.is_none() {
            batch.byte = reader.position().byte();
            if out.send(Ok(std::mem::take(&mut batch))).is_err() {
                return;
            }
        }
        match row {
            Some(r) => {
                batch.rows += 1;
                group.push((line, r));
                raw.push(record.clone());
            }
            None => return,
        }
    }
}

/// Imports orders from CSV. `total_bytes` sizes the progress bar. Returns
/// the summary; refused rows are in `errors` and, as they are refused, in
/// the reject file (the caller decides the exit code). With `--check`,
/// every batch is stored and rolled back: the whole file is validated
/// against the database and nothing is written but the reject file. The
/// file is read and checked on a second thread while batches are stored.
pub fn import_orders<R: Read + Send>(
    conn: &mut PgConnection,
    input: R,
    total_bytes: Option<u64>,
    options: &ImportOptions,
    now: DateTime<Utc>,
) -> anyhow::Result<ImportSummary> {
    let started = Instant::now();
    let stores: HashMap<String, StoreId> =
        clientele_store::list_stores(conn)?.into_iter().map(|s| (s.code.as_str().to_owned(), s.id)).collect();
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).flexible(false).from_reader(input);
    let headers = reader.headers()?.clone();
    let ignored_columns = check_columns(&headers)?;
    let go_live = &options.go_live;
    let header = crate::go_live::Header::new(&headers, COLUMNS);
    let mut rejects = crate::go_live::Rejects::create(go_live.rejects.as_deref(), &header, go_live.max_rejects)?;
    let bar = progress_bar(options.progress, total_bytes)?;
    let ctx = AuditContext { key_name: Some("import".to_owned()), ..AuditContext::system(now) };
    let mut summary = ImportSummary { checked: go_live.check, ignored_columns, ..ImportSummary::default() };
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let (out, batches) = std::sync::mpsc::sync_channel(1);
        let (headers, stores) = (&headers, &stores);
        scope.spawn(move || read_orders(reader, (headers, stores), options.batch.max(1), &out));
        for batch in batches {
            let batch = batch?;
            summary.rows += batch.rows;
            summary.orders += batch.orders;
            for r in batch.refused {
                summary.refused_orders += u64::from(r.order);
                reject_order(&mut rejects, &r.raw, &r.lines, &r.errors)?;
                summary.errors.extend(r.errors);
            }
            if !batch.pending.is_empty() {
                let flags = (go_live.check, options.create_customers);
                store_or_check(conn, batch.pending, &ctx, (&mut summary, &mut rejects), flags)?;
            }
            bar.set_position(batch.byte);
            bar.set_message(format!("{} orders imported", summary.imported));
        }
        Ok(())
    })?;
    bar.finish_and_clear();
    summary.errors.sort_by_key(|e| e.line);
    if summary.imported > 0 && !go_live.check {
        summary.analyzed_in = clientele_store::analyze(conn)?;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

/// Stores a batch; with `check`, stores it in a transaction rolled back.
fn store_or_check(
    conn: &mut PgConnection,
    batch: Vec<Pending>,
    ctx: &AuditContext,
    (summary, rejects): (&mut ImportSummary, &mut crate::go_live::Rejects),
    (check, create): (bool, bool),
) -> anyhow::Result<()> {
    if check {
        clientele_store::rolled_back(conn, |tx| store_batch(tx, batch, ctx, (summary, rejects), create))
    } else {
        store_batch(conn, batch, ctx, (summary, rejects), create)
    }
}

/// Creates the members the batch's orders name by a member number nobody
/// has: a minimal record of the number and the phone given with it, home
/// store the first order's, joined on that order's day (UTC). Returns how
/// many.
fn create_missing_members(conn: &mut PgConnection, batch: &[Pending], ctx: &AuditContext) -> anyhow::Result<u64> {
    use clientele_orders::CustomerRef;
    let mut first: std::collections::BTreeMap<String, &Pending> = std::collections::BTreeMap::new();
    for p in batch {
        if let CustomerRef::MemberNo(m) = p.order.customer() {
            let earlier = |q: &&Pending| q.order.ordered_at() <= p.order.ordered_at();
            if !first.get(m.as_str()).is_some_and(earlier) {
                first.insert(m.as_str().to_owned(), p);
            }
        }
    }
    let numbers: Vec<String> = first.keys().cloned().collect();
    let taken = clientele_store::bulk::taken_member_numbers(conn, &numbers)?;
    let mut new = Vec::new();
    for (number, p) in first.into_iter().filter(|(n, _)| !taken.contains(n)) {
        let phones = clientele_profiles::Phones::new(p.phone.iter().cloned().collect())
            .map_err(|e| anyhow::anyhow!("phone: {}", e.message))?;
        let customer = clientele_profiles::NewCustomer {
            profile: clientele_profiles::Profile { phones, ..clientele_profiles::Profile::default() },
            relationship: clientele_profiles::Relationship {
                home_store: p.order.store(),
                associate: None,
                acquisition: None,
                joined_on: p.order.ordered_at().date_naive(),
            },
            tags: clientele_profiles::Tags::default(),
            consents: clientele_profiles::Consents::new(),
            external_ids: Default::default(),
        };
        new.push((
            customer,
            Some(clientele_kernel::MemberNo::parse(&number).map_err(|e| anyhow::anyhow!("{}", e.message))?),
        ));
    }
    let created = new.len() as u64;
    crate::bulk::create_customers_numbered(conn, new, ctx)?;
    Ok(created)
}

fn store_batch(
    conn: &mut PgConnection,
    batch: Vec<Pending>,
    ctx: &AuditContext,
    (summary, rejects): (&mut ImportSummary, &mut crate::go_live::Rejects),
    create: bool,
) -> anyhow::Result<()> {
    if create {
        summary.created_customers += create_missing_members(conn, &batch, ctx)?;
    }
    let mut orders = Vec::with_capacity(batch.len());
    let mut rows = Vec::with_capacity(batch.len());
    for p in batch {
        orders.push(p.order);
        rows.push((p.lines, p.raw));
    }
    let line_counts: Vec<usize> = orders.iter().map(|o| o.lines().len()).collect();
    let report = crate::bulk::ingest_orders_bulk(conn, orders, &StoreScope::All, ctx)?;
    for ((outcome, (lines, raw)), count) in report.outcomes.iter().zip(&rows).zip(line_counts) {
        match outcome {
            BulkOrderOutcome::Imported { .. } => {
                summary.imported += 1;
                summary.imported_lines += count as u64;
            }
            BulkOrderOutcome::AlreadyPresent => summary.already_present += 1,
            BulkOrderOutcome::Refused(e) => {
                summary.refused_orders += 1;
                let errors = store_error_to_rows(e, lines);
                reject_order(rejects, raw, lines, &errors)?;
                summary.errors.extend(errors);
            }
        }
    }
    Ok(())
}
