//! A snapshot's segments read whole, for a preview of RFM settings.

use chrono::NaiveDate;
use clientele_rfm::Segment;
use diesel::prelude::*;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::segment_snapshots;

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
