//! `clientele import coupons FILE.csv --coupon ID` (issue #13): a brand's
//! own codes (printed on cards, sent by an agency) brought in as codes of
//! one coupon — personal when a row names the member, shared otherwise.
//! Idempotent: a code already issued the same way is counted as present; a
//! code issued otherwise (another coupon, another customer) is refused with
//! its line. Columns (docs/import.md): `code`, and at most one of
//! `member_no` and `customer_id`.

use std::collections::HashMap;
use std::io::Read;

use clientele_kernel::{CustomerId, MemberNo};
use clientele_offers::{CouponCode, normalize};
use clientele_profiles::StoreScope;
use clientele_store::offers::NewCode;
use clientele_store::{AuditContext, NewAuditEntry, PgConnection};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use uuid::Uuid;

use crate::import::RowError;

const COLUMNS: [&str; 3] = ["code", "member_no", "customer_id"];
/// Rows per transaction.
const BATCH: usize = 1_000;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CouponImport {
    pub rows: u64,
    pub issued: u64,
    pub already_present: u64,
    pub errors: Vec<RowError>,
}

impl std::fmt::Display for CouponImport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} rows: {} codes issued, {} already present, {} refused",
            self.rows,
            self.issued,
            self.already_present,
            self.errors.len()
        )
    }
}

/// A row read and checked: its line, code, text as written, owner.
struct Row {
    line: u64,
    code: CouponCode,
    shown_as: String,
    customer: Option<CustomerId>,
}

fn refuse(line: u64, field: &str, message: impl Into<String>) -> RowError {
    RowError { line, field: field.to_owned(), code: "refused".to_owned(), message: message.into() }
}

/// Reads one record into a row, or says why not.
fn check_row(
    conn: &mut PgConnection,
    line: u64,
    record: &csv::StringRecord,
    index: &HashMap<&str, usize>,
) -> Result<Row, RowError> {
    let get = |name: &str| index.get(name).and_then(|&i| record.get(i)).map(str::trim).filter(|v| !v.is_empty());
    let text = get("code").ok_or_else(|| refuse(line, "code", "a code is required"))?;
    let code = normalize(text).map_err(|e| refuse(line, "code", e.to_string()))?;
    let customer = match (get("member_no"), get("customer_id")) {
        (Some(_), Some(_)) => return Err(refuse(line, "member_no", "at most one of member_no and customer_id")),
        (Some(m), None) => {
            let member = MemberNo::parse(m).map_err(|e| refuse(line, "member_no", e.message))?;
            let found = clientele_store::lookup_by_member_no(conn, &member, &StoreScope::All)
                .map_err(|_| refuse(line, "member_no", format!("no member {m}")))?;
            Some(found.id)
        }
        (None, Some(id)) => {
            let id = id.parse().map(CustomerId::from_uuid).map_err(|_| refuse(line, "customer_id", "not a UUID"))?;
            clientele_store::check_writable(conn, id, &StoreScope::All)
                .map_err(|_| refuse(line, "customer_id", format!("no customer {id}")))?;
            Some(id)
        }
        (None, None) => None,
    };
    Ok(Row { line, code, shown_as: text.to_owned(), customer })
}

/// Issues one batch's rows; counts what was issued, present or refused.
fn write_batch(
    conn: &mut PgConnection,
    coupon: Uuid,
    rows: Vec<Row>,
    ctx: &AuditContext,
    done: &mut CouponImport,
) -> anyhow::Result<()> {
    let new: Vec<NewCode> = rows
        .iter()
        .map(|r| NewCode { code: r.code.clone(), shown_as: r.shown_as.clone(), customer: r.customer })
        .collect();
    let issued = clientele_store::transaction(conn, |tx| {
        let issued = clientele_store::offers::insert_codes(tx.conn()?, coupon, &new, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "import_codes",
                entity: "coupon",
                entity_id: coupon.to_string(),
                customer: None,
                changes: json!({ "codes": issued.len() }),
            },
        );
        Ok(issued)
    })?;
    let fresh: std::collections::HashSet<&CouponCode> = issued.iter().map(|c| &c.code).collect();
    let left: Vec<&Row> = rows.iter().filter(|r| !fresh.contains(&r.code)).collect();
    done.issued += issued.len() as u64;
    let codes: Vec<CouponCode> = left.iter().map(|r| r.code.clone()).collect();
    let stored = clientele_store::offers::presented(conn, &codes)?;
    for row in left {
        match stored.get(&row.code) {
            Some((code, _)) if code.coupon == coupon && code.customer == row.customer => done.already_present += 1,
            Some(_) => done.errors.push(refuse(row.line, "code", "already issued for another coupon or customer")),
            // Not issued and not stored: the customer has another code of
            // this coupon.
            None => done.errors.push(refuse(row.line, "member_no", "already has another code of this coupon")),
        }
    }
    Ok(())
}

/// Imports the codes of `input` (a CSV with a header) as codes of the
/// coupon, `BATCH` rows per transaction.
pub fn import_coupon_codes(
    conn: &mut PgConnection,
    coupon: Uuid,
    (input, size): (impl Read, Option<u64>),
    progress: bool,
    ctx: &AuditContext,
) -> anyhow::Result<CouponImport> {
    clientele_store::offers::coupon(conn, coupon)?.ok_or_else(|| anyhow::anyhow!("no coupon with id {coupon}"))?;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers()?.clone();
    let index: HashMap<&str, usize> = headers.iter().enumerate().map(|(i, h)| (h.trim(), i)).collect();
    if let Some(unknown) = index.keys().find(|h| !COLUMNS.contains(h)) {
        anyhow::bail!("unknown column `{unknown}` (columns: code, member_no, customer_id; see docs/import.md)");
    }
    if !index.contains_key("code") {
        anyhow::bail!("the file has no `code` column (see docs/import.md)");
    }
    let bar = if progress { ProgressBar::new(size.unwrap_or(0)) } else { ProgressBar::hidden() };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {percent}% ETA {eta} {msg}")
            .map_err(|e| anyhow::anyhow!("progress template: {e}"))?,
    );
    let mut done = CouponImport::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut record = csv::StringRecord::new();
    loop {
        let more = reader.read_record(&mut record)?;
        if more {
            done.rows += 1;
            let line = record.position().map_or(0, |p| p.line());
            match check_row(conn, line, &record, &index) {
                Ok(row) => batch.push(row),
                Err(e) => done.errors.push(e),
            }
        }
        if batch.len() >= BATCH || (!more && !batch.is_empty()) {
            write_batch(conn, coupon, std::mem::take(&mut batch), ctx, &mut done)?;
            bar.set_position(reader.position().byte());
            bar.set_message(format!("{} codes", done.issued + done.already_present));
        }
        if !more {
            break;
        }
    }
    bar.finish_and_clear();
    done.errors.sort_by_key(|e| e.line);
    Ok(done)
}
