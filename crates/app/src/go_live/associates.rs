//! `clientele import associates FILE.csv`: the sales associates
//! (docs/import.md). Columns: `code` (required, the key: their staff code),
//! `name` (required), `store_code` (required: a store imported before). An
//! associate whose code exists with the same name and store is *already
//! present*; with another name or store the row is refused
//! (`associate_differs`): nothing is overwritten.

use std::collections::HashMap;

use clientele_kernel::StoreId;
use clientele_profiles::{Code, NewAssociate, PersonName};
use clientele_store::{AuditContext, PgConnection};
use csv::StringRecord;

use super::{Counts, GoLiveOptions, Header, Outcome, Refusal, each_row, optional};

/// The columns read.
pub const COLUMNS: &[&str] = &["code", "name", "store_code"];

fn read(header: &Header, row: &StringRecord, stores: &HashMap<String, StoreId>) -> Result<NewAssociate, Refusal> {
    let get = |c| header.get(row, c);
    let code = optional(get("code"), ("code", "code_invalid"), Code::parse)?
        .ok_or_else(|| Refusal::new("code_missing", Some("code"), "every associate needs their staff code"))?;
    let name = optional(get("name"), ("name", "name_invalid"), |s| PersonName::parse(s).map_err(|e| e.message))?
        .ok_or_else(|| Refusal::new("name_missing", Some("name"), "every associate needs a name"))?;
    let store = match get("store_code") {
        "" => return Err(Refusal::new("store_missing", Some("store_code"), "every associate works at a store")),
        s => *stores.get(s).ok_or_else(|| {
            Refusal::new("store_unknown", Some("store_code"), format!("no store {s}: import the stores first"))
        })?,
    };
    Ok(NewAssociate { store, code, name })
}

/// Imports (or with `check`, validates) the associates of a CSV file (see
/// the [module documentation](self)).
pub fn import_associates(
    conn: &mut PgConnection,
    input: impl std::io::Read,
    options: &GoLiveOptions,
    ctx: &AuditContext,
) -> anyhow::Result<Counts> {
    let stores: HashMap<String, StoreId> =
        clientele_store::list_stores(conn)?.into_iter().map(|s| (s.code.as_str().to_owned(), s.id)).collect();
    let mut known: HashMap<String, NewAssociate> = clientele_store::list_associates(conn, None)?
        .into_iter()
        .map(|a| (a.code.as_str().to_owned(), NewAssociate { store: a.store, code: a.code, name: a.name }))
        .collect();
    each_row(input, COLUMNS, options, |header, row| {
        let associate = match read(header, row, &stores) {
            Ok(a) => a,
            Err(refusal) => return Ok(Err(refusal)),
        };
        if let Some(kept) = known.get(associate.code.as_str()) {
            if kept.name == associate.name && kept.store == associate.store {
                return Ok(Ok(Outcome::Present));
            }
            let column = if kept.name == associate.name { "store_code" } else { "name" };
            let message = format!("associate {} exists with another {column}: nothing is overwritten", associate.code);
            return Ok(Err(Refusal::new("associate_differs", Some(column), message)));
        }
        if !options.check {
            crate::org::create_associate(conn, associate.clone(), ctx)?;
        }
        known.insert(associate.code.as_str().to_owned(), associate);
        Ok(Ok(Outcome::Created))
    })
}
