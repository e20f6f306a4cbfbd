//! Launching, pausing and resuming a campaign, each audited.
//!
//! A launch moves a draft to `running`; the campaign job then reaches its
//! audience (see [`super::round`]). A pause stops its rounds and holds back
//! its messages not yet sent; a resume lets them go again. A campaign
//! stopped by its budget (`budget_exhausted`) stays stopped: its budget is
//! part of what was launched.

use clientele_profiles::StoreScope;
use clientele_store::campaigns::{CampaignStatus, StoredCampaign};
use clientele_store::{AuditContext, Conflict, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;
use uuid::Uuid;

/// What a caller asks of a campaign's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Launch,
    Pause,
    Resume,
}

impl StatusChange {
    const fn as_str(self) -> &'static str {
        match self {
            StatusChange::Launch => "launch",
            StatusChange::Pause => "pause",
            StatusChange::Resume => "resume",
        }
    }

    /// The status it starts from and the one it leads to.
    const fn transition(self) -> (CampaignStatus, CampaignStatus) {
        match self {
            StatusChange::Launch => (CampaignStatus::Draft, CampaignStatus::Running),
            StatusChange::Pause => (CampaignStatus::Running, CampaignStatus::Paused),
            StatusChange::Resume => (CampaignStatus::Paused, CampaignStatus::Running),
        }
    }
}

/// Launches, pauses or resumes a campaign the caller may see (audited);
/// 409 `campaign_status` when its status does not allow it.
pub fn change_status(
    conn: &mut PgConnection,
    id: Uuid,
    change: StatusChange,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredCampaign, StoreError> {
    let (from, to) = change.transition();
    clientele_store::transaction(conn, |tx| {
        let current = match clientele_store::campaigns::get_campaign(tx.conn()?, id, true)? {
            Some(c) if c.visible_to(scope) => c,
            _ => return Err(StoreError::NotFound),
        };
        if current.status != from {
            return Err(StoreError::Conflict(Conflict::CampaignStatus {
                action: change.as_str(),
                status: current.status.as_str(),
            }));
        }
        let launch = change == StatusChange::Launch;
        clientele_store::campaigns::set_campaign_status(tx.conn()?, id, to, ctx.at, launch)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: change.as_str(),
                entity: "campaign",
                entity_id: id.to_string(),
                customer: None,
                changes: json!({ "status": { "before": from.as_str(), "after": to.as_str() } }),
            },
        );
        clientele_store::campaigns::get_campaign(tx.conn()?, id, false)?.ok_or(StoreError::NotFound)
    })
}
