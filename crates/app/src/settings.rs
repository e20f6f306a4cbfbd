//! The programme's settings beyond the loyalty programme — the RFM settings
//! (`clientele_rfm::RfmSettings`) and the campaign settings
//! (`clientele_campaigns::CampaignSettings`): saved as the area's next
//! version, audited.

use clientele_store::settings::{ProgrammeSettings, lock_settings, write_settings};
use clientele_store::{AuditContext, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;

/// Saves an area's settings as its next version, with an audit entry of
/// what they were and what they are. Returns the version.
pub fn save<T: ProgrammeSettings>(conn: &mut PgConnection, value: &T, ctx: &AuditContext) -> Result<i32, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let (before, version): (T, i32) = lock_settings(tx.conn()?, ctx.at)?;
        let version = version + 1;
        write_settings(tx.conn()?, value, version, ctx)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "update",
                entity: "programme_settings",
                entity_id: format!("{}:{version}", T::AREA),
                customer: None,
                changes: json!({ "before": before, "after": value }),
            },
        );
        Ok(version)
    })
}
