//! Go-live imports (issue #15, docs/import.md): a brand's past brought in
//! from CSV files — `clientele import stores`, `associates`, `customers`,
//! `balances` (and `orders`, `crate::import`) — with what every
//! such import shares: the header read once (unknown columns ignored, named
//! in one warning), every refused row written to a reject file as it
//! happens (the original row, its line, a stable reason code and a
//! message), refusals counted by reason, `--max-rejects` to stop a run
//! that goes wrong, and `--check` to validate a whole file writing nothing
//! but the reject file.

pub mod associates;
pub mod balances;
pub mod customers;
mod rejects;
pub mod stores;

use std::time::Instant;

use csv::StringRecord;

pub use rejects::{Header, Refusal, Rejects};

/// How a go-live import runs.
#[derive(Debug, Clone, Default)]
pub struct GoLiveOptions {
    /// Where refused rows go (None: not written; still counted).
    pub rejects: Option<std::path::PathBuf>,
    /// Stop after this many refused rows (None: never).
    pub max_rejects: Option<u64>,
    /// Validate only: write nothing but the reject file.
    pub check: bool,
}

/// What became of a row that was not refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Created (with `--check`: would be).
    Created,
    /// There already, with the same values.
    Present,
}

/// What a go-live import did with a file.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Counts {
    pub rows: u64,
    pub created: u64,
    pub already_present: u64,
    pub refused: u64,
    /// `3 refused (code_missing 1, …)`.
    pub refusals: String,
    pub ignored_columns: Vec<String>,
    pub check: bool,
    pub seconds: f64,
}

impl Counts {
    /// `7 rows: 3 stores created, 1 already present, 3 refused (…) in 0.1 s`.
    pub fn line(&self, what: &str) -> String {
        let verb = if self.check { "would be created" } else { "created" };
        format!(
            "{} rows: {} {what} {verb}, {} already present, {} in {:.1} s",
            self.rows, self.created, self.already_present, self.refusals, self.seconds
        )
    }
}

/// Reads a CSV file of `columns` and hands each row to `row` (with its
/// header), counting what it says and writing its refusals to the reject
/// file as they come (see the [module documentation](self)).
pub fn each_row(
    input: impl std::io::Read,
    columns: &[&'static str],
    options: &GoLiveOptions,
    mut row: impl FnMut(&Header, &StringRecord) -> anyhow::Result<Result<Outcome, Refusal>>,
) -> anyhow::Result<Counts> {
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = Header::new(reader.headers()?, columns);
    let mut rejects = Rejects::create(options.rejects.as_deref(), &header, options.max_rejects)?;
    let mut counts = Counts { ignored_columns: header.ignored.clone(), check: options.check, ..Counts::default() };
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        counts.rows += 1;
        match row(&header, &record)? {
            Ok(Outcome::Created) => counts.created += 1,
            Ok(Outcome::Present) => counts.already_present += 1,
            Err(refusal) => rejects.refuse(i as u64 + 2, &record, &refusal)?,
        }
    }
    counts.refused = rejects.total();
    counts.refusals = rejects.summary();
    counts.seconds = started.elapsed().as_secs_f64();
    Ok(counts)
}

/// A column's value parsed when not blank (None when blank); a refusal
/// `reason` naming the column when it does not parse.
pub(crate) fn optional<T, E: std::fmt::Display>(
    value: &str,
    (column, reason): (&'static str, &'static str),
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, Refusal> {
    if value.is_empty() {
        return Ok(None);
    }
    parse(value).map(Some).map_err(|e| Refusal::new(reason, Some(column), e.to_string()))
}
