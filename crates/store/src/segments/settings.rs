//! The programme's RFM settings (`programme_settings`, row `rfm`; none =
//! the defaults), and a snapshot's segments read whole for a preview.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_rfm::{RfmSettings, Segment};
use diesel::prelude::*;
use uuid::Uuid;

use crate::audit::AuditContext;
use crate::error::{StoreError, corrupt};
use crate::schema::segment_snapshots;

/// The RFM settings in force and their version (0: never saved, the
/// defaults).
pub fn rfm_settings(conn: &mut PgConnection) -> Result<(RfmSettings, i32), StoreError> {
    crate::settings::read(conn, "rfm")
}

/// Locks the settings for the rest of the transaction and reads them.
pub fn lock_rfm_settings(conn: &mut PgConnection, at: DateTime<Utc>) -> Result<(RfmSettings, i32), StoreError> {
    crate::settings::lock(conn, "rfm", at)
}

/// Stores the settings as `version`.
pub fn write_rfm_settings(
    conn: &mut PgConnection,
    settings: &RfmSettings,
    version: i32,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    crate::settings::write(conn, "rfm", settings, version, ctx)
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
