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

use clientele_kernel::{Currency, ShortText, TimeZone};
use clientele_profiles::{Code, CountryCode, NewStore, Store};
use clientele_store::{AuditContext, PgConnection};
use csv::StringRecord;

use super::{Counts, GoLiveOptions, Header, Outcome, Refusal, each_row, optional};

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
    pub counts: Counts,
    /// Stores (created or present) by time zone.
    pub time_zones: BTreeMap<String, u64>,
}

impl std::fmt::Display for StoresSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.counts.line("stores"))?;
        let zones: Vec<String> = self.time_zones.iter().map(|(z, n)| format!("{n} in {z}")).collect();
        if !zones.is_empty() {
            write!(
                f,
                "\nbusiness dates: each order's date is its store's local date in the store's time zone ({}); \
                 an order without a store (e-shop) is dated in UTC",
                zones.join(", ")
            )?;
        }
        Ok(())
    }
}

/// One row read as a store to create.
fn read(header: &Header, row: &StringRecord, defaults: &StoreDefaults, base: &Currency) -> Result<NewStore, Refusal> {
    let get = |c| header.get(row, c);
    let code = optional(get("code"), ("code", "code_invalid"), Code::parse)?
        .ok_or_else(|| Refusal::new("code_missing", Some("code"), "every store needs its code"))?;
    let name = match optional(get("name"), ("name", "name_invalid"), |s| ShortText::parse(s).map_err(|e| e.message))? {
        Some(n) => n,
        None => ShortText::parse(code.as_str()).map_err(|e| Refusal::new("name_invalid", Some("name"), e.message))?,
    };
    let city = optional(get("city"), ("city", "city_invalid"), |s| ShortText::parse(s).map_err(|e| e.message))?;
    let country = match get("country") {
        "" => defaults.country.as_deref().unwrap_or(""),
        s => s,
    };
    let country = optional(country, ("country", "country_invalid"), CountryCode::parse)?.ok_or_else(|| {
        Refusal::new("country_missing", Some("country"), "no country: give the column or --default-country")
    })?;
    let zone = match get("time_zone") {
        "" => defaults.time_zone.as_deref().unwrap_or(""),
        s => s,
    };
    let time_zone = optional(zone, ("time_zone", "time_zone_invalid"), |s| TimeZone::parse(s).map_err(|e| e.message))?
        .ok_or_else(|| {
            Refusal::new(
                "time_zone_missing",
                Some("time_zone"),
                "no time zone: it decides every business date; give the column or --default-time-zone",
            )
        })?;
    let currency =
        optional(get("currency"), ("currency", "currency_invalid"), |s| Currency::parse(s).map_err(|e| e.message))?
            .unwrap_or_else(|| base.clone());
    Ok(NewStore { code, name, city, country, time_zone, currency })
}

/// The first column in which a store differs from one kept under its code.
fn differs(kept: &NewStore, new: &NewStore) -> Option<&'static str> {
    [
        ("name", kept.name != new.name),
        ("city", kept.city != new.city),
        ("country", kept.country != new.country),
        ("time_zone", kept.time_zone != new.time_zone),
        ("currency", kept.currency != new.currency),
    ]
    .into_iter()
    .find_map(|(column, differ)| differ.then_some(column))
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
    let (config, _) = clientele_store::program(conn)?;
    let base = config.base_currency().clone();
    let mut known: HashMap<String, NewStore> =
        clientele_store::list_stores(conn)?.iter().map(|s| (s.code.as_str().to_owned(), as_new(s))).collect();
    let mut time_zones = BTreeMap::new();
    let counts = each_row(input, COLUMNS, options, |header, row| {
        let store = match read(header, row, defaults, &base) {
            Ok(s) => s,
            Err(refusal) => return Ok(Err(refusal)),
        };
        let outcome = match known.get(store.code.as_str()) {
            Some(kept) => match differs(kept, &store) {
                None => Outcome::Present,
                Some(column) => {
                    let message = format!("store {} exists with another {column}: nothing is overwritten", store.code);
                    return Ok(Err(Refusal::new("store_differs", Some(column), message)));
                }
            },
            None => {
                if !options.check {
                    crate::org::create_store(conn, store.clone(), ctx)?;
                }
                Outcome::Created
            }
        };
        *time_zones.entry(store.time_zone.to_string()).or_default() += 1;
        known.insert(store.code.as_str().to_owned(), store);
        Ok(Ok(outcome))
    })?;
    Ok(StoresSummary { counts, time_zones })
}
