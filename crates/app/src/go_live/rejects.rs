//! The header of a go-live file and its reject file.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;

use csv::StringRecord;

/// A file's header: which known column is where, and the columns ignored.
#[derive(Debug, Clone)]
pub struct Header {
    record: StringRecord,
    index: HashMap<&'static str, usize>,
    /// Columns this import does not know, in file order.
    pub ignored: Vec<String>,
}

impl Header {
    /// Reads a header against the `known` columns (compared trimmed and
    /// without case).
    pub fn new(record: &StringRecord, known: &[&'static str]) -> Header {
        let mut index = HashMap::new();
        let mut ignored = Vec::new();
        for (i, name) in record.iter().enumerate() {
            let name = name.trim().to_lowercase();
            match known.iter().find(|k| **k == name) {
                Some(k) => {
                    index.entry(*k).or_insert(i);
                }
                None => ignored.push(name),
            }
        }
        Header { record: record.clone(), index, ignored }
    }

    /// Whether the file has the column.
    pub fn has(&self, column: &str) -> bool {
        self.index.contains_key(column)
    }

    /// A row's value of a column, trimmed; "" when the column is absent.
    pub fn get<'r>(&self, row: &'r StringRecord, column: &str) -> &'r str {
        self.index.get(column).and_then(|&i| row.get(i)).map_or("", str::trim)
    }
}

/// Why a row was refused: a stable code, the column (if one), and words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub reason: &'static str,
    pub column: Option<&'static str>,
    pub message: String,
}

impl Refusal {
    pub fn new(reason: &'static str, column: Option<&'static str>, message: impl Into<String>) -> Refusal {
        Refusal { reason, column, message: message.into() }
    }
}

/// The reject file, written as rows are refused (each row flushed, so a
/// killed run leaves every refusal it made), and the count by reason.
#[derive(Debug)]
pub struct Rejects {
    file: Option<csv::Writer<File>>,
    by_reason: BTreeMap<String, u64>,
    total: u64,
    max: Option<u64>,
}

impl Rejects {
    /// A reject file at `path` (created, or emptied) with the original
    /// header and `line`, `reason`, `column`, `message`; none without a
    /// path.
    pub fn create(path: Option<&std::path::Path>, header: &Header, max: Option<u64>) -> anyhow::Result<Rejects> {
        let file = match path {
            Some(p) => {
                let mut w = csv::Writer::from_writer(File::create(p)?);
                let mut record = header.record.clone();
                for extra in ["line", "reason", "column", "message"] {
                    record.push_field(extra);
                }
                w.write_record(&record)?;
                w.flush()?;
                Some(w)
            }
            None => None,
        };
        Ok(Rejects { file, by_reason: BTreeMap::new(), total: 0, max })
    }

    /// Records a refused row; an error once more rows than `--max-rejects`
    /// were refused.
    pub fn refuse(&mut self, line: u64, row: &StringRecord, refusal: &Refusal) -> anyhow::Result<()> {
        self.refuse_with(line, row, (refusal.reason, refusal.column.unwrap_or(""), &refusal.message))
    }

    /// [`Rejects::refuse`] with the reason, column and message as text.
    pub fn refuse_with(
        &mut self,
        line: u64,
        row: &StringRecord,
        (reason, column, message): (&str, &str, &str),
    ) -> anyhow::Result<()> {
        *self.by_reason.entry(reason.to_owned()).or_default() += 1;
        self.total += 1;
        if let Some(w) = &mut self.file {
            let mut record = row.clone();
            record.push_field(&line.to_string());
            record.push_field(reason);
            record.push_field(column);
            record.push_field(message);
            w.write_record(&record)?;
            w.flush()?;
        }
        if let Some(max) = self.max
            && self.total > max
        {
            anyhow::bail!("stopped: more than {max} rows refused (--max-rejects)");
        }
        Ok(())
    }

    /// Refused rows in all.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// Refused rows by reason, in reason order.
    pub fn by_reason(&self) -> &BTreeMap<String, u64> {
        &self.by_reason
    }

    /// `3 refused (store_conflict 1, time_zone_missing 2)`.
    pub fn summary(&self) -> String {
        if self.total == 0 {
            return "0 refused".to_owned();
        }
        let reasons: Vec<String> = self.by_reason.iter().map(|(r, n)| format!("{r} {n}")).collect();
        format!("{} refused ({})", self.total, reasons.join(", "))
    }
}
