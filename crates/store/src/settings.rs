//! Settings of the programme, one row per area in `programme_settings`
//! (`rfm`, `campaigns`, `clienteling`): read (the area's defaults until first saved),
//! locked for a save, and written as the next version.

use clientele_campaigns::CampaignSettings;
use clientele_rfm::RfmSettings;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::audit::AuditContext;
use crate::error::{StoreError, corrupt};
use crate::schema::programme_settings;

/// Settings kept as one area's row.
pub trait ProgrammeSettings: Serialize + DeserializeOwned + Default {
    /// The row's name.
    const AREA: &'static str;
}

impl ProgrammeSettings for RfmSettings {
    const AREA: &'static str = "rfm";
}

impl ProgrammeSettings for CampaignSettings {
    const AREA: &'static str = "campaigns";
}

impl ProgrammeSettings for clientele_profiles::ClientelingSettings {
    const AREA: &'static str = "clienteling";
}

/// An area's settings and their version (0: never saved, the defaults).
pub fn settings<T: ProgrammeSettings>(conn: &mut PgConnection) -> Result<(T, i32), StoreError> {
    read(conn, T::AREA)
}

/// [`settings`], holding the area's row for the rest of the transaction
/// (see [`lock`]).
pub fn lock_settings<T: ProgrammeSettings>(conn: &mut PgConnection, at: DateTime<Utc>) -> Result<(T, i32), StoreError> {
    lock(conn, T::AREA, at)
}

/// Stores an area's settings as `version`.
pub fn write_settings<T: ProgrammeSettings>(
    conn: &mut PgConnection,
    value: &T,
    version: i32,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    write(conn, T::AREA, value, version, ctx)
}

fn read<T: DeserializeOwned + Default>(conn: &mut PgConnection, name: &str) -> Result<(T, i32), StoreError> {
    let row: Option<(Value, i32)> = programme_settings::table
        .find(name)
        .select((programme_settings::config, programme_settings::version))
        .first(conn)
        .optional()?;
    match row {
        None => Ok((T::default(), 0)),
        Some((config, version)) => {
            Ok((serde_json::from_value(config).map_err(corrupt("programme_settings.config"))?, version))
        }
    }
}

/// [`read`], holding the area's row for the rest of the transaction, so
/// that two saves are one after the other, each against what the other
/// left. An area never saved gets its row first, with the defaults as
/// version 0 (what [`read`] answers anyway), so there is a row to hold.
fn lock<T: Serialize + DeserializeOwned + Default>(
    conn: &mut PgConnection,
    name: &str,
    at: DateTime<Utc>,
) -> Result<(T, i32), StoreError> {
    diesel::insert_into(programme_settings::table)
        .values((
            programme_settings::name.eq(name),
            programme_settings::config.eq(serde_json::to_value(T::default())?),
            programme_settings::version.eq(0),
            programme_settings::updated_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    diesel::sql_query("SELECT 1 FROM programme_settings WHERE name = $1 FOR UPDATE")
        .bind::<diesel::sql_types::Text, _>(name)
        .execute(conn)?;
    read(conn, name)
}

/// Stores an area's settings as `version`.
fn write<T: Serialize>(
    conn: &mut PgConnection,
    name: &str,
    value: &T,
    version: i32,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    let config = serde_json::to_value(value)?;
    diesel::insert_into(programme_settings::table)
        .values((
            programme_settings::name.eq(name),
            programme_settings::config.eq(&config),
            programme_settings::version.eq(version),
            programme_settings::updated_at.eq(ctx.at),
            programme_settings::updated_by.eq(ctx.key_name.clone()),
        ))
        .on_conflict(programme_settings::name)
        .do_update()
        .set((
            programme_settings::config.eq(&config),
            programme_settings::version.eq(version),
            programme_settings::updated_at.eq(ctx.at),
            programme_settings::updated_by.eq(ctx.key_name.clone()),
        ))
        .execute(conn)?;
    Ok(())
}
