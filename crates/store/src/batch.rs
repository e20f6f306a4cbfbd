//! Several writes sent to PostgreSQL as one statement.
//!
//! A hot path such as storing an order appends rows to half a dozen tables
//! (order, lines, products, lot, ledger, balance, events, audit). Sent one by
//! one, each is a loopback round trip with its own context switches on both
//! sides, and on a small machine those round trips — not the work inside
//! PostgreSQL — set the pace. A [`Batch`] collects the writes and sends them
//! as one statement of data-modifying CTEs (`WITH w0 AS (INSERT …), w1 AS
//! (UPDATE …) INSERT …`), with every value a typed bind parameter.
//!
//! All parts of one statement see the same snapshot, so a batch must only
//! hold writes that do not read each other's effects: appends, and updates
//! of rows no other part touches. Constraints are still checked (foreign keys
//! at the end of the statement, unique keys per row).

use chrono::{DateTime, NaiveDate, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::BoxedSqlQuery;
use diesel::sql_types as st;
use rust_decimal::Decimal;
use serde_json::Value;
use uuid::Uuid;

use crate::error::StoreError;

/// PostgreSQL accepts at most 65,535 parameters per statement; a batch that
/// would pass this is sent in several statements.
const MAX_BINDS: usize = 30_000;

/// One typed bind value.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    Uuid(Uuid),
    OptUuid(Option<Uuid>),
    Text(String),
    OptText(Option<String>),
    TextArray(Vec<String>),
    I32(i32),
    I64(i64),
    Num(Decimal),
    OptNum(Option<Decimal>),
    Ts(DateTime<Utc>),
    OptTs(Option<DateTime<Utc>>),
    Date(NaiveDate),
    OptDate(Option<NaiveDate>),
    Json(Value),
    OptJson(Option<Value>),
}

impl From<Uuid> for Val {
    fn from(v: Uuid) -> Self {
        Val::Uuid(v)
    }
}
impl From<Option<Uuid>> for Val {
    fn from(v: Option<Uuid>) -> Self {
        Val::OptUuid(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(v.to_owned())
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::OptText(v)
    }
}
impl From<Option<&str>> for Val {
    fn from(v: Option<&str>) -> Self {
        Val::OptText(v.map(str::to_owned))
    }
}
impl From<Vec<String>> for Val {
    fn from(v: Vec<String>) -> Self {
        Val::TextArray(v)
    }
}
impl From<i32> for Val {
    fn from(v: i32) -> Self {
        Val::I32(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::I64(v)
    }
}
impl From<Decimal> for Val {
    fn from(v: Decimal) -> Self {
        Val::Num(v)
    }
}
impl From<Option<Decimal>> for Val {
    fn from(v: Option<Decimal>) -> Self {
        Val::OptNum(v)
    }
}
impl From<DateTime<Utc>> for Val {
    fn from(v: DateTime<Utc>) -> Self {
        Val::Ts(v)
    }
}
impl From<Option<DateTime<Utc>>> for Val {
    fn from(v: Option<DateTime<Utc>>) -> Self {
        Val::OptTs(v)
    }
}
impl From<NaiveDate> for Val {
    fn from(v: NaiveDate) -> Self {
        Val::Date(v)
    }
}
impl From<Option<NaiveDate>> for Val {
    fn from(v: Option<NaiveDate>) -> Self {
        Val::OptDate(v)
    }
}
impl From<Value> for Val {
    fn from(v: Value) -> Self {
        Val::Json(v)
    }
}
impl From<Option<Value>> for Val {
    fn from(v: Option<Value>) -> Self {
        Val::OptJson(v)
    }
}

/// One part: an insert (rows for one table, merged with later rows for the
/// same table and columns so their order — sequence numbers of the ledger and
/// the outbox — is the order they were added in), or another statement with
/// `$?` where each value goes.
#[derive(Debug)]
enum Part {
    Insert { table: &'static str, columns: &'static [&'static str], suffix: &'static str, rows: Vec<Vec<Val>> },
    Statement { sql: &'static str, vals: Vec<Val> },
}

impl Part {
    fn binds(&self) -> usize {
        match self {
            Part::Insert { columns, rows, .. } => columns.len() * rows.len(),
            Part::Statement { vals, .. } => vals.len(),
        }
    }

    /// The SQL, numbering placeholders from `n`, and the values in order.
    fn render(self, n: &mut usize) -> (String, Vec<Val>) {
        match self {
            Part::Insert { table, columns, suffix, rows } => {
                let mut sql = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
                let mut vals = Vec::with_capacity(rows.len() * columns.len());
                for (i, row) in rows.into_iter().enumerate() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push('(');
                    for j in 0..columns.len() {
                        if j > 0 {
                            sql.push_str(", ");
                        }
                        *n += 1;
                        sql.push('$');
                        sql.push_str(&n.to_string());
                    }
                    sql.push(')');
                    vals.extend(row);
                }
                if !suffix.is_empty() {
                    sql.push(' ');
                    sql.push_str(suffix);
                }
                (sql, vals)
            }
            Part::Statement { sql, vals } => (number(sql, n), vals),
        }
    }
}

/// Writes collected to be sent together; see the module documentation.
#[derive(Debug, Default)]
#[must_use = "a batch does nothing until it is executed"]
pub(crate) struct Batch {
    parts: Vec<Part>,
}

impl Batch {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// True when no write was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    /// `INSERT INTO table (columns) VALUES (row), (row) … suffix`, where
    /// `suffix` may be an `ON CONFLICT` clause. Each row must have one value
    /// per column; rows for a table already in the batch (same columns and
    /// suffix) join that insert, after its rows.
    pub(crate) fn insert(
        &mut self,
        table: &'static str,
        columns: &'static [&'static str],
        rows: Vec<Vec<Val>>,
        suffix: &'static str,
    ) {
        debug_assert!(rows.iter().all(|r| r.len() == columns.len()), "one value per column of {table}");
        if rows.is_empty() {
            return;
        }
        for part in &mut self.parts {
            if let Part::Insert { table: t, columns: c, suffix: s, rows: existing } = part
                && *t == table
                && *c == columns
                && *s == suffix
            {
                existing.extend(rows);
                return;
            }
        }
        self.parts.push(Part::Insert { table, columns, suffix, rows });
    }

    /// Any other data-modifying statement (an `UPDATE`), with `$?` for each
    /// of `vals` in order.
    pub(crate) fn statement(&mut self, sql: &'static str, vals: Vec<Val>) {
        debug_assert_eq!(sql.matches("$?").count(), vals.len(), "one value per placeholder in {sql}");
        self.parts.push(Part::Statement { sql, vals });
    }

    /// Sends the writes: one statement, or a few when there are very many
    /// values. Call inside the transaction the writes belong to.
    pub(crate) fn execute(self, conn: &mut PgConnection) -> Result<(), StoreError> {
        let mut group: Vec<Part> = Vec::new();
        let mut binds = 0;
        for part in self.parts {
            if !group.is_empty() && binds + part.binds() > MAX_BINDS {
                send(conn, std::mem::take(&mut group))?;
                binds = 0;
            }
            binds += part.binds();
            group.push(part);
        }
        if !group.is_empty() {
            send(conn, group)?;
        }
        Ok(())
    }
}

fn send(conn: &mut PgConnection, parts: Vec<Part>) -> Result<(), StoreError> {
    let last = parts.len() - 1;
    let mut sql = String::new();
    let mut vals = Vec::new();
    let mut n = 0usize;
    for (i, part) in parts.into_iter().enumerate() {
        let (numbered, part_vals) = part.render(&mut n);
        if i == last {
            if last > 0 {
                sql.push(' ');
            }
            sql.push_str(&numbered);
        } else {
            sql.push_str(if i == 0 { "WITH " } else { ", " });
            sql.push_str(&format!("w{i} AS ({numbered})"));
        }
        vals.extend(part_vals);
    }
    let mut query: BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery> = diesel::sql_query(sql).into_boxed();
    for v in vals {
        query = bind(query, v);
    }
    query.execute(conn)?;
    Ok(())
}

/// Replaces each `$?` with `$1`, `$2`, … continuing from `n`.
fn number(sql: &str, n: &mut usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut rest = sql;
    while let Some(i) = rest.find("$?") {
        *n += 1;
        out.push_str(&rest[..i]);
        out.push('$');
        out.push_str(&n.to_string());
        rest = &rest[i + 2..];
    }
    out.push_str(rest);
    out
}

pub(crate) type Query = BoxedSqlQuery<'static, Pg, diesel::query_builder::SqlQuery>;

pub(crate) fn bind(q: Query, v: Val) -> Query {
    match v {
        Val::Uuid(v) => q.bind::<st::Uuid, _>(v),
        Val::OptUuid(v) => q.bind::<st::Nullable<st::Uuid>, _>(v),
        Val::Text(v) => q.bind::<st::Text, _>(v),
        Val::OptText(v) => q.bind::<st::Nullable<st::Text>, _>(v),
        Val::TextArray(v) => q.bind::<st::Array<st::Text>, _>(v),
        Val::I32(v) => q.bind::<st::Integer, _>(v),
        Val::I64(v) => q.bind::<st::BigInt, _>(v),
        Val::Num(v) => q.bind::<st::Numeric, _>(v),
        Val::OptNum(v) => q.bind::<st::Nullable<st::Numeric>, _>(v),
        Val::Ts(v) => q.bind::<st::Timestamptz, _>(v),
        Val::OptTs(v) => q.bind::<st::Nullable<st::Timestamptz>, _>(v),
        Val::Date(v) => q.bind::<st::Date, _>(v),
        Val::OptDate(v) => q.bind::<st::Nullable<st::Date>, _>(v),
        Val::Json(v) => q.bind::<st::Jsonb, _>(v),
        Val::OptJson(v) => q.bind::<st::Nullable<st::Jsonb>, _>(v),
    }
}

#[cfg(test)]
mod tests {
    use super::number;

    #[test]
    fn placeholders_are_numbered_across_parts() {
        let mut n = 0;
        assert_eq!(number("INSERT INTO t (a, b) VALUES ($?, $?)", &mut n), "INSERT INTO t (a, b) VALUES ($1, $2)");
        assert_eq!(number("UPDATE t SET a = $? WHERE b = $?", &mut n), "UPDATE t SET a = $3 WHERE b = $4");
        assert_eq!(number("SELECT 1", &mut n), "SELECT 1");
        assert_eq!(n, 4);
    }
}
