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
use clientele_kernel::{
    Currency, CustomerId, FieldErrors, InvalidValue, Label, LineId, MemberNo, Phone, ShortText, StoreId,
};
use clientele_orders::{
    CustomerRef, ExternalOrderId, NewOrder, NewOrderLine, Order, OrderSource, PaymentMethod, SalesChannel, Sku,
};
use clientele_profiles::StoreScope;
use clientele_store::{AuditContext, PgConnection, StoreError};

use crate::bulk::BulkOrderOutcome;
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
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
            "{} rows, {} orders: {} imported ({} lines), {} already present, {} refused ({} row errors) in {:.1} s ({:.0} orders/s){}",
            self.rows,
            self.orders,
            self.imported,
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
        )
    }
}

/// The rows of one order: (line number, row).
type Group = Vec<(u64, CsvRow)>;

/// An order ready to store, with the line numbers of its rows.
struct Pending {
    order: Order,
    lines: Vec<u64>,
}

fn opt(s: &str) -> Option<&str> {
    let t = s.trim();
    (!t.is_empty()).then_some(t)
}

fn decimal(e: &mut FieldErrors, field: &str, s: &str, default: Option<Decimal>) -> Option<Decimal> {
    match (opt(s), default) {
        (None, Some(d)) => Some(d),
        (None, None) => {
            e.push(field, InvalidValue::new("required", format!("{field} is required")));
            None
        }
        (Some(v), _) => e.check(
            field,
            v.parse::<Decimal>().map_err(|_| InvalidValue::new("invalid_format", "not a decimal number")),
        ),
    }
}

/// The order's own columns, checked (from the first row of its group).
struct Head {
    source: OrderSource,
    external_id: ExternalOrderId,
    ordered_at: DateTime<Utc>,
    store: Option<StoreId>,
    channel: SalesChannel,
    customer: CustomerRef,
    currency: Currency,
    amount_paid: Decimal,
    payment_method: PaymentMethod,
    coupons: Vec<ShortText>,
    points_redeemed: u64,
    sold_by: Option<clientele_orders::SoldBy>,
}

/// `ordered_at`: required in an import, RFC 3339, stored to the precision
/// the database keeps.
fn ordered_at_of(e: &mut FieldErrors, value: &str) -> Option<DateTime<Utc>> {
    match opt(value) {
        None => {
            e.push("ordered_at", InvalidValue::new("required", "ordered_at is required in an import"));
            None
        }
        Some(v) => e.check(
            "ordered_at",
            DateTime::parse_from_rfc3339(v)
                .map(|t| crate::clock::stored(t.with_timezone(&Utc)))
                .map_err(|_| InvalidValue::new("invalid_format", "an RFC 3339 time, e.g. 2025-11-11T14:03:00+08:00")),
        ),
    }
}

/// `store_code`: none (`Some(None)`), a known store, or an error (`None`).
fn store_of(e: &mut FieldErrors, value: &str, stores: &HashMap<String, StoreId>) -> Option<Option<StoreId>> {
    match opt(value) {
        None => Some(None),
        Some(code) => match stores.get(code) {
            Some(id) => Some(Some(*id)),
            None => {
                e.push("store_code", InvalidValue::new("unknown_reference", format!("no store with code {code}")));
                None
            }
        },
    }
}

/// The customer: anonymous, or by exactly one of id, member number, phone.
fn customer_of(e: &mut FieldErrors, head: &CsvRow) -> Option<CustomerRef> {
    match (opt(&head.customer_id), opt(&head.customer_member_no), opt(&head.customer_phone)) {
        (None, None, None) => Some(CustomerRef::Anonymous),
        (Some(id), None, None) => e.check(
            "customer_id",
            id.parse::<uuid::Uuid>()
                .map(|u| CustomerRef::Id(CustomerId::from_uuid(u)))
                .map_err(|_| InvalidValue::new("invalid_format", "not a UUID")),
        ),
        (None, Some(m), None) => e.check("customer_member_no", MemberNo::parse(m)).map(CustomerRef::MemberNo),
        (None, None, Some(p)) => e.check("customer_phone", Phone::parse(p)).map(CustomerRef::Phone),
        _ => {
            e.push(
                "customer",
                InvalidValue::new("invalid_format", "give one of customer_id, customer_member_no or customer_phone"),
            );
            None
        }
    }
}

/// Checks the order's own columns, every one of them (each problem goes to
/// `e`, in column order); `None` if any was refused.
fn head_of(head: &CsvRow, stores: &HashMap<String, StoreId>, e: &mut FieldErrors) -> Option<Head> {
    let source = e.check("source", OrderSource::parse(&head.source));
    let external_id = e.check("external_id", ExternalOrderId::parse(&head.external_id));
    let ordered_at = ordered_at_of(e, &head.ordered_at);
    let store = store_of(e, &head.store_code, stores);
    let channel = match opt(&head.channel) {
        None => Some(SalesChannel::Store),
        Some(c) => e.check("channel", SalesChannel::parse(c)),
    };
    let customer = customer_of(e, head);
    let currency = e.check("currency", Currency::parse(&head.currency));
    let amount_paid = decimal(e, "amount_paid", &head.amount_paid, None);
    let payment_method = e.check("payment_method", PaymentMethod::parse(&head.payment_method));
    let coupons: Vec<ShortText> = head
        .coupons
        .split(';')
        .filter(|c| !c.trim().is_empty())
        .filter_map(|c| e.check("coupons", ShortText::parse(c)))
        .collect();
    let points_redeemed = match opt(&head.points_redeemed) {
        None => Some(0),
        Some(v) => e.check(
            "points_redeemed",
            v.parse::<u64>().map_err(|_| InvalidValue::new("invalid_format", "a whole number ≥ 0")),
        ),
    };
    let sold_by = opt(&head.associate_code).and_then(|c| {
        e.check("associate_code", clientele_profiles::Code::parse(c))
            .map(|code| clientele_orders::SoldBy::Code(code.as_str().to_owned()))
    });
    Some(Head {
        source: source?,
        external_id: external_id?,
        ordered_at: ordered_at?,
        store: store?,
        channel: channel?,
        customer: customer?,
        currency: currency?,
        amount_paid: amount_paid?,
        payment_method: payment_method?,
        coupons,
        points_redeemed: points_redeemed?,
        sold_by,
    })
}

/// The order's own columns must be the same on each of its rows: an error
/// for each one that is not.
fn differing_rows(group: &Group, head: &CsvRow, first_line: u64) -> Vec<RowError> {
    let mut errors = Vec::new();
    for (line, row) in group.iter().skip(1) {
        let differs = [
            ("ordered_at", &row.ordered_at, &head.ordered_at),
            ("store_code", &row.store_code, &head.store_code),
            ("associate_code", &row.associate_code, &head.associate_code),
            ("customer_id", &row.customer_id, &head.customer_id),
            ("customer_member_no", &row.customer_member_no, &head.customer_member_no),
            ("customer_phone", &row.customer_phone, &head.customer_phone),
            ("currency", &row.currency, &head.currency),
            ("amount_paid", &row.amount_paid, &head.amount_paid),
        ];
        for (field, a, b) in differs {
            if a.trim() != b.trim() {
                errors.push(RowError {
                    line: *line,
                    field: field.to_owned(),
                    message: format!("differs from line {first_line} of the same order"),
                });
            }
        }
    }
    errors
}

/// The `i`-th row of an order as a line (its id defaults to `i + 1`); its
/// problems go to `e`.
fn order_line(i: usize, row: &CsvRow, e: &mut FieldErrors) -> Option<NewOrderLine> {
    let line_id = match opt(&row.line_id) {
        Some(id) => e.check("line_id", LineId::parse(id)),
        None => LineId::parse(&(i + 1).to_string()).ok(),
    };
    let sku = e.check("sku", Sku::parse(&row.sku));
    let name = opt(&row.product_name).and_then(|n| e.check("product_name", ShortText::parse(n)));
    let category = opt(&row.category).and_then(|c| e.check("category", Label::parse(c)));
    let collection = opt(&row.collection).and_then(|c| e.check("collection", Label::parse(c)));
    let quantity = e.check(
        "quantity",
        row.quantity.trim().parse::<u32>().map_err(|_| InvalidValue::new("invalid_format", "a whole number ≥ 1")),
    );
    let unit_price = decimal(e, "unit_price", &row.unit_price, None);
    let discount = decimal(e, "discount", &row.discount, Some(Decimal::ZERO));
    Some(NewOrderLine {
        line_id: line_id?,
        sku: sku?,
        name,
        category,
        collection,
        quantity: quantity?,
        unit_price: unit_price?,
        discount: discount?,
    })
}

/// The problems of one row, all on its line.
fn row_errors(line: u64, e: &FieldErrors) -> impl Iterator<Item = RowError> + '_ {
    e.iter().map(move |f| RowError { line, field: f.field.clone(), message: f.message.clone() })
}

/// Turns the rows of one order into a checked order, or errors with the
/// (line, column) they are about.
fn to_order(group: &Group, stores: &HashMap<String, StoreId>) -> Result<Order, Vec<RowError>> {
    let first_line = group.first().map(|(l, _)| *l).unwrap_or(0);
    let Some((_, head)) = group.first() else { return Err(Vec::new()) };
    let mut e = FieldErrors::new();
    let checked = head_of(head, stores, &mut e);
    let mut errors: Vec<RowError> = row_errors(first_line, &e).collect();
    errors.extend(differing_rows(group, head, first_line));
    let mut lines = Vec::with_capacity(group.len());
    for (i, (line, row)) in group.iter().enumerate() {
        let mut le = FieldErrors::new();
        let checked_line = order_line(i, row, &mut le);
        errors.extend(row_errors(*line, &le));
        lines.extend(checked_line);
    }
    let Some(head) = checked.filter(|_| errors.is_empty()) else {
        return Err(errors);
    };
    let new = NewOrder {
        source: head.source,
        external_id: head.external_id,
        store: head.store,
        channel: head.channel,
        customer: head.customer,
        ordered_at: head.ordered_at,
        currency: head.currency,
        lines,
        amount_paid: head.amount_paid,
        payment_method: head.payment_method,
        coupons: head.coupons,
        coupon_codes: Vec::new(),
        points_redeemed: head.points_redeemed,
        sold_by: head.sold_by,
    };
    let line_numbers: Vec<u64> = group.iter().map(|(l, _)| *l).collect();
    Order::new(new).map_err(|fe| field_errors_to_rows(&fe, &line_numbers))
}

/// Maps `lines[2].quantity` to the third row of the order and its column;
/// order-level fields to the order's first row.
fn field_errors_to_rows(fe: &FieldErrors, lines: &[u64]) -> Vec<RowError> {
    let first = lines.first().copied().unwrap_or(0);
    fe.iter()
        .map(|f| {
            let (line, field) = f
                .field
                .strip_prefix("lines[")
                .and_then(|rest| rest.split_once("]."))
                .and_then(|(i, col)| i.parse::<usize>().ok().map(|i| (lines.get(i).copied().unwrap_or(first), col)))
                .map(|(l, col)| (l, if col == "name" { "product_name".to_owned() } else { col.to_owned() }))
                .unwrap_or((first, f.field.replace("customer.", "customer_").replace("store_id", "store_code")));
            RowError { line, field, message: f.message.clone() }
        })
        .collect()
}

fn store_error_to_rows(e: &StoreError, lines: &[u64]) -> Vec<RowError> {
    match e {
        StoreError::Invalid(fe) => field_errors_to_rows(fe, lines),
        other => vec![RowError {
            line: lines.first().copied().unwrap_or(0),
            field: "customer".to_owned(),
            message: other.to_string(),
        }],
    }
}

/// The columns an import cannot do without.
const REQUIRED_COLUMNS: &[&str] = &[
    "source",
    "external_id",
    "ordered_at",
    "currency",
    "amount_paid",
    "payment_method",
    "sku",
    "quantity",
    "unit_price",
];

/// An error unless the header has every required column and no unknown one.
fn check_columns(headers: &csv::StringRecord) -> anyhow::Result<()> {
    for required in REQUIRED_COLUMNS {
        if !headers.iter().any(|h| h == *required) {
            anyhow::bail!("the CSV has no `{required}` column (see docs/import.md)");
        }
    }
    if let Some(unknown) = headers.iter().find(|h| !COLUMNS.contains(h)) {
        anyhow::bail!("unknown column `{unknown}` (see docs/import.md)");
    }
    Ok(())
}

fn progress_bar(show: bool, total_bytes: Option<u64>) -> anyhow::Result<ProgressBar> {
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
    /// A row that could not be read (already counted and reported).
    Bad,
    End,
}

/// Reads the next record (at `line`) into a row; a row that cannot be read
/// is counted and reported in `summary`.
fn next_row<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::StringRecord,
    headers: &csv::StringRecord,
    line: u64,
    summary: &mut ImportSummary,
) -> anyhow::Result<NextRow> {
    let more = match reader.read_record(record) {
        Ok(more) => more,
        Err(e) if e.is_io_error() => return Err(e.into()),
        Err(e) => {
            summary.errors.push(RowError { line, field: "row".to_owned(), message: e.to_string() });
            summary.rows += 1;
            return Ok(NextRow::Bad);
        }
    };
    if !more {
        return Ok(NextRow::End);
    }
    summary.rows += 1;
    match record.deserialize::<CsvRow>(Some(headers)) {
        Ok(r) => Ok(NextRow::Row(Box::new(r))),
        Err(e) => {
            summary.errors.push(RowError { line, field: "row".to_owned(), message: e.to_string() });
            Ok(NextRow::Bad)
        }
    }
}

/// Checks the complete order in `group` (emptied) and queues it in
/// `pending`, or counts it refused with its errors.
fn close_group(
    group: &mut Group,
    stores: &HashMap<String, StoreId>,
    pending: &mut Vec<Pending>,
    summary: &mut ImportSummary,
) {
    summary.orders += 1;
    let lines: Vec<u64> = group.iter().map(|(l, _)| *l).collect();
    match to_order(group, stores) {
        Ok(order) => pending.push(Pending { order, lines }),
        Err(errors) => {
            summary.refused_orders += 1;
            summary.errors.extend(errors);
        }
    }
    group.clear();
}

/// Imports orders from CSV. `total_bytes` sizes the progress bar. Returns
/// the summary; refused rows are in `errors` (the caller decides the exit code).
pub fn import_orders<R: Read>(
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
    check_columns(&headers)?;
    let bar = progress_bar(options.progress, total_bytes)?;
    let ctx = AuditContext { key_name: Some("import".to_owned()), ..AuditContext::system(now) };
    let mut summary = ImportSummary::default();
    let mut group: Group = Vec::new();
    let mut pending: Vec<Pending> = Vec::new();
    let batch = options.batch.max(1);
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        let row = match next_row(&mut reader, &mut record, &headers, line, &mut summary)? {
            NextRow::Row(row) => Some(*row),
            NextRow::Bad => continue,
            NextRow::End => None,
        };
        let same_order = match (&row, group.first()) {
            (Some(r), Some((_, head))) => r.source == head.source && r.external_id == head.external_id,
            _ => false,
        };
        if !same_order && !group.is_empty() {
            close_group(&mut group, &stores, &mut pending, &mut summary);
        }
        if pending.len() >= batch || (row.is_none() && !pending.is_empty()) {
            store_batch(conn, std::mem::take(&mut pending), &ctx, &mut summary)?;
            bar.set_position(reader.position().byte());
            bar.set_message(format!("{} orders imported", summary.imported));
        }
        match row {
            Some(r) => group.push((line, r)),
            None => break,
        }
    }
    bar.finish_and_clear();
    summary.errors.sort_by_key(|e| e.line);
    if summary.imported > 0 {
        summary.analyzed_in = clientele_store::analyze(conn)?;
    }
    summary.elapsed = started.elapsed();
    Ok(summary)
}

fn store_batch(
    conn: &mut PgConnection,
    batch: Vec<Pending>,
    ctx: &AuditContext,
    summary: &mut ImportSummary,
) -> anyhow::Result<()> {
    let (orders, lines): (Vec<Order>, Vec<Vec<u64>>) = batch.into_iter().map(|p| (p.order, p.lines)).unzip();
    let line_counts: Vec<usize> = orders.iter().map(|o| o.lines().len()).collect();
    let report = crate::bulk::ingest_orders_bulk(conn, orders, &StoreScope::All, ctx)?;
    for ((outcome, lines), count) in report.outcomes.iter().zip(&lines).zip(line_counts) {
        match outcome {
            BulkOrderOutcome::Imported { .. } => {
                summary.imported += 1;
                summary.imported_lines += count as u64;
            }
            BulkOrderOutcome::AlreadyPresent => summary.already_present += 1,
            BulkOrderOutcome::Refused(e) => {
                summary.refused_orders += 1;
                summary.errors.extend(store_error_to_rows(e, lines));
            }
        }
    }
    Ok(())
}
