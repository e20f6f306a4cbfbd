//! `clientele import stores FILE.csv`: the brand's stores (docs/import.md).
//!
//! Columns: `code` (required: the brand's code, the key), `name` (default:
//! the code), `city`, `country` (ISO 3166 alpha-2; or `--default-country`),
//! `time_zone` (IANA; or `--default-time-zone` — never a silent default:
//! the time zone decides every business date of the store's orders) and
//! `currency` (default: the programme's base currency). A store whose code
//! exists already with the same values is *already present*; with other
//! values it is refused (`store_differs`, naming the first column that
//! differs): nothing is overwritten. Re-running a file — after a kill at
//! any point — creates only what is missing.

use std::collections::{BTreeMap, HashMap};
use std::time::Instant;

use clientele_kernel::{Currency, ShortText, TimeZone};
use clientele_profiles::{Code, CountryCode, NewStore, Store};
use clientele_store::{AuditContext, PgConnection};
use csv::StringRecord;

use super::{GoLiveOptions, Header, Refusal, Rejects};

/// The columns read.
pub const COLUMNS: &[&str] = &["code", "name", "city", "country", "time_zone", "currency"];

/// What to assume where a column is absent or blank.
#[derive(Debug, Clone, Default)]
pub struct StoreDefaults {
    pub country: Option<String>,
    pub time_zone: Option<String>,
}

/// What an import of stores did.
#[derive(Debug, Default)]
pub struct StoresSummary {
    pub rows: u64,
    pub created: u64,
    pub already_present: u64,
    pub refused: u64,
    pub refusals: String,
    pub ignored_columns: Vec<String>,
    /// Stores (created or present) by time zone.
    pub time_zones: BTreeMap<String, u64>,
    pub check: bool,
    pub seconds: f64,
}

impl std::fmt::Display for StoresSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let verb = if self.check { "would be created" } else { "created" };
        write!(
            f,
            "{} rows: {} stores {verb}, {} already present, {} in {:.1} s",
            self.rows, self.created, self.already_present, self.refusals, self.seconds
        )?;
        let zones: Vec<String> = self.time_zones.iter().map(|(z, n)| format!("{n} in {z}")).collect();
        if !zones.is_empty() {
            write!(
                f,
                "\nbusiness dates: each order's date is its store's local date in the store's time zone ({}); \
                 an order without a store takes the programme's",
                zones.join(", ")
            )?;
        }
        Ok(())
    }
}

fn text<T>(value: &str, column: &'static str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, Refusal> {
    if value.is_empty() {
        return Ok(None);
    }
    parse(value).map(Some).map_err(|m| Refusal::new(invalid(column), Some(column), m))
}

const fn invalid(column: &'static str) -> &'static str {
    match column.as_bytes() {
        b"code" => "code_invalid",
        b"name" => "name_invalid",
        b"city" => "city_invalid",
        b"country" => "country_invalid",
        b"time_zone" => "time_zone_invalid",
        _ => "currency_invalid",
    }
}

/// One row read as a store to create.
fn read(header: &Header, row: &StringRecord, defaults: &StoreDefaults, base: &Currency) -> Result<NewStore, Refusal> {
    let get = |c| header.get(row, c);
    let code = text(get("code"), "code", |s| Code::parse(s).map_err(|e| e.to_string()))?
        .ok_or_else(|| Refusal::new("code_missing", Some("code"), "every store needs its code"))?;
    let name = text(get("name"), "name", |s| ShortText::parse(s).map_err(|e| e.message))?;
    let name = match name {
        Some(n) => n,
        None => ShortText::parse(code.as_str()).map_err(|e| Refusal::new("name_invalid", Some("name"), e.message))?,
    };
    let city = text(get("city"), "city", |s| ShortText::parse(s).map_err(|e| e.message))?;
    let country = match get("country") {
        "" => defaults.country.as_deref().unwrap_or(""),
        s => s,
    };
    let country = text(country, "country", |s| CountryCode::parse(s).map_err(|e| e.to_string()))?.ok_or_else(|| {
        Refusal::new("country_missing", Some("country"), "no country: give the column or --default-country")
    })?;
    let zone = match get("time_zone") {
        "" => defaults.time_zone.as_deref().unwrap_or(""),
        s => s,
    };
    let time_zone = text(zone, "time_zone", |s| TimeZone::parse(s).map_err(|e| e.message))?.ok_or_else(|| {
        Refusal::new(
            "time_zone_missing",
            Some("time_zone"),
            "no time zone: it decides every business date; give the column or --default-time-zone",
        )
    })?;
    let currency = text(get("currency"), "currency", |s| Currency::parse(s).map_err(|e| e.message))?
        .unwrap_or_else(|| base.clone());
    Ok(NewStore { code, name, city, country, time_zone, currency })
}

/// The first column in which a store differs from one kept under its code.
fn differs(kept: &NewStore, new: &NewStore) -> Option<&'static str> {
    if kept.name != new.name {
        Some("name")
    } else if kept.city != new.city {
        Some("city")
    } else if kept.country != new.country {
        Some("country")
    } else if kept.time_zone != new.time_zone {
        Some("time_zone")
    } else if kept.currency != new.currency {
        Some("currency")
    } else {
        None
    }
}

fn as_new(s: &Store) -> NewStore {
    NewStore {
        code: s.code.clone(),
        name: s.name.clone(),
        city: s.city.clone(),
        country: s.country.clone(),
        time_zone: s.time_zone,
        currency: s.currency.clone(),
    }
}

/// Imports (or with `check`, validates) the stores of a CSV file (see the
/// [module documentation](self)).
pub fn import_stores(
    conn: &mut PgConnection,
    input: impl std::io::Read,
    defaults: &StoreDefaults,
    options: &GoLiveOptions,
    ctx: &AuditContext,
) -> anyhow::Result<StoresSummary> {
    let started = Instant::now();
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = Header::new(reader.headers()?, COLUMNS);
    let mut rejects = Rejects::create(options.rejects.as_deref(), &header, options.max_rejects)?;
    let (config, _) = clientele_store::program(conn)?;
    let base = config.base_currency().clone();
    let mut known: HashMap<String, NewStore> =
        clientele_store::list_stores(conn)?.iter().map(|s| (s.code.as_str().to_owned(), as_new(s))).collect();
    let mut summary =
        StoresSummary { ignored_columns: header.ignored.clone(), check: options.check, ..StoresSummary::default() };
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let row = record?;
        summary.rows += 1;
        let store = match read(&header, &row, defaults, &base) {
            Ok(s) => s,
            Err(refusal) => {
                rejects.refuse(line, &row, &refusal)?;
                continue;
            }
        };
        let zone = store.time_zone.to_string();
        match known.get(store.code.as_str()) {
            Some(kept) => match differs(kept, &store) {
                None => summary.already_present += 1,
                Some(column) => {
                    let message = format!("store {} exists with another {column}: nothing is overwritten", store.code);
                    rejects.refuse(line, &row, &Refusal::new("store_differs", Some(column), message))?;
                    continue;
                }
            },
            None => {
                if !options.check {
                    crate::org::create_store(conn, store.clone(), ctx)?;
                }
                summary.created += 1;
                known.insert(store.code.as_str().to_owned(), store);
            }
        }
        *summary.time_zones.entry(zone).or_default() += 1;
    }
    summary.refused = rejects.total();
    summary.refusals = rejects.summary();
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}
