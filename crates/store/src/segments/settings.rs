//! The programme's RFM settings (`segment_settings`, one row; none = the
//! defaults), and a snapshot's segments read whole for a preview.

use chrono::NaiveDate;
use clientele_rfm::{RfmSettings, Segment};
use diesel::prelude::*;
use serde_json::Value;
use uuid::Uuid;

use crate::audit::AuditContext;
use crate::error::{StoreError, corrupt};
use crate::schema::{segment_settings, segment_snapshots};

/// The RFM settings in force and their version (0: never saved, the
/// defaults).
pub fn rfm_settings(conn: &mut PgConnection) -> Result<(RfmSettings, i32), StoreError> {
    let row: Option<(Value, i32)> = segment_settings::table
        .find(1i16)
        .select((segment_settings::config, segment_settings::version))
        .first(conn)
        .optional()?;
    match row {
        None => Ok((RfmSettings::default(), 0)),
        Some((config, version)) => {
            Ok((serde_json::from_value(config).map_err(corrupt("segment_settings.config"))?, version))
        }
    }
}

/// Locks the settings row for the rest of the transaction (two saves one
/// after the other, each against what the other left) and reads them.
pub fn lock_rfm_settings(conn: &mut PgConnection) -> Result<(RfmSettings, i32), StoreError> {
    diesel::sql_query("SELECT 1 FROM segment_settings WHERE id = 1 FOR UPDATE").execute(conn)?;
    rfm_settings(conn)
}

/// Stores the settings as `version`.
pub fn write_rfm_settings(
    conn: &mut PgConnection,
    settings: &RfmSettings,
    version: i32,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    let config = serde_json::to_value(settings)?;
    diesel::insert_into(segment_settings::table)
        .values((
            segment_settings::id.eq(1i16),
            segment_settings::config.eq(&config),
            segment_settings::version.eq(version),
            segment_settings::updated_at.eq(ctx.at),
            segment_settings::updated_by.eq(ctx.key_name.clone()),
        ))
        .on_conflict(segment_settings::id)
        .do_update()
        .set((
            segment_settings::config.eq(&config),
            segment_settings::version.eq(version),
            segment_settings::updated_at.eq(ctx.at),
            segment_settings::updated_by.eq(ctx.key_name.clone()),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every customer's segment in the snapshot of `as_of` (all stores).
pub fn snapshot_segments(conn: &mut PgConnection, as_of: NaiveDate) -> Result<Vec<(Uuid, Segment)>, StoreError> {
    segment_snapshots::table
        .filter(segment_snapshots::as_of.eq(as_of))
        .select((segment_snapshots::customer_id, segment_snapshots::segment))
        .load::<(Uuid, String)>(conn)?
        .into_iter()
        .map(|(id, code)| Ok((id, code.parse().map_err(corrupt("segment_snapshots.segment"))?)))
        .collect()
}
