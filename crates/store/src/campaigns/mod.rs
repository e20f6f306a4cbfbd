//! Campaigns in PostgreSQL: the campaign records ([`records`]), an
//! audience rule compiled to SQL ([`select_audience`], and with what a dry
//! run counts, [`audience_reach`]), and the facts the pure evaluator reads
//! ([`audience_facts`]) — two independent readings of the same rule that a
//! property test holds equal.

mod audience;
mod facts;
pub mod records;

pub use audience::{AudienceMember, audience_page, audience_reach, count_audience, select_audience};
pub use facts::audience_facts;
pub use records::{
    CampaignStatus, ContactRecord, StoredCampaign, contacts_of, get_campaign, insert_campaign, list_campaigns,
    update_campaign_spec,
};

use chrono::{DateTime, Utc};
use clientele_campaigns::CampaignSettings;
use diesel::PgConnection;

use crate::audit::AuditContext;
use crate::error::StoreError;

/// The programme's campaign settings (cap, quiet hours) and their version
/// (0: the defaults).
pub fn campaign_settings(conn: &mut PgConnection) -> Result<(CampaignSettings, i32), StoreError> {
    crate::settings::read(conn, "campaigns")
}

/// Locks the campaign settings for the rest of the transaction and reads them.
pub fn lock_campaign_settings(
    conn: &mut PgConnection,
    at: DateTime<Utc>,
) -> Result<(CampaignSettings, i32), StoreError> {
    crate::settings::lock(conn, "campaigns", at)
}

/// Stores the campaign settings as `version`.
pub fn write_campaign_settings(
    conn: &mut PgConnection,
    settings: &CampaignSettings,
    version: i32,
    ctx: &AuditContext,
) -> Result<(), StoreError> {
    crate::settings::write(conn, "campaigns", settings, version, ctx)
}
