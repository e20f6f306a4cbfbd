//! Campaigns: defining a campaign (audited), changing a draft, the dry run
//! (what a launch now would do, nothing written), launching, pausing and
//! resuming ([`change_status`]), the campaign job that reaches audiences
//! and delivers messages ([`run_campaigns`]), and what a campaign did
//! (its audience with the control-group flag, its messages).
//!
//! A store-scoped caller (a store manager) creates campaigns limited to its
//! stores: the limit is stored with the campaign and applied by the store's
//! audience query, whatever the rule says.

pub mod offer_cost;
pub mod results;
mod round;
pub mod scorecard;
mod status;

pub use round::{CAMPAIGNS_LOCK, CampaignJobReport, deliver_due, plan_campaigns, run_campaigns};
pub use status::{StatusChange, change_status};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_campaigns::{CampaignSettings, CampaignSpec, DryRun, dry_run, held_out};
use clientele_kernel::StoreId;
use clientele_profiles::StoreScope;
use clientele_store::campaigns::{AudienceMember, CampaignStatus, ContactRecord, StoredCampaign};
use clientele_store::{AuditContext, Conflict, NewAuditEntry, PgConnection, StoreError};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// Stores a new campaign as a draft, limited to the caller's stores when the
/// caller is store-scoped; audited.
pub fn create_campaign(
    conn: &mut PgConnection,
    spec: &CampaignSpec,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredCampaign, StoreError> {
    let id = Uuid::now_v7();
    let stores: Option<Vec<StoreId>> = scope.store_ids().map(|s| s.iter().copied().collect());
    clientele_store::transaction(conn, |tx| {
        clientele_store::campaigns::insert_campaign(tx.conn()?, id, spec, stores.as_deref(), ctx)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "create",
                entity: "campaign",
                entity_id: id.to_string(),
                customer: None,
                changes: json!({ "spec": spec.to_json(), "stores": stores }),
            },
        );
        clientele_store::campaigns::get_campaign(tx.conn()?, id, false)?.ok_or(StoreError::NotFound)
    })
}

/// A campaign the caller may see (a store-scoped caller: those limited to
/// its stores), or NotFound.
pub fn campaign(conn: &mut PgConnection, id: Uuid, scope: &StoreScope) -> Result<StoredCampaign, StoreError> {
    match clientele_store::campaigns::get_campaign(conn, id, false)? {
        Some(c) if c.visible_to(scope) => Ok(c),
        _ => Err(StoreError::NotFound),
    }
}

/// Changes a draft (audited): the fields of `patch` replace the
/// definition's, and the whole definition is checked again (422 naming the
/// field). Read, merged and written under the campaign's row lock, so two
/// changes never merge onto the same old definition. A campaign that has
/// run is changed no more (409 `campaign_not_draft`).
pub fn update_campaign(
    conn: &mut PgConnection,
    id: Uuid,
    patch: &Map<String, Value>,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<StoredCampaign, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let current = match clientele_store::campaigns::get_campaign(tx.conn()?, id, true)? {
            Some(c) if c.visible_to(scope) => c,
            _ => return Err(StoreError::NotFound),
        };
        if current.status != CampaignStatus::Draft {
            return Err(StoreError::Conflict(Conflict::CampaignNotDraft { status: current.status.as_str() }));
        }
        let mut definition = current.spec.to_json();
        for (key, value) in patch {
            definition[key] = value.clone();
        }
        let spec = CampaignSpec::from_json(&definition).map_err(StoreError::Invalid)?;
        clientele_store::campaigns::update_campaign_spec(tx.conn()?, id, &spec, ctx.at)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "update",
                entity: "campaign",
                entity_id: id.to_string(),
                customer: None,
                changes: json!({ "before": current.spec.to_json(), "after": definition }),
            },
        );
        clientele_store::campaigns::get_campaign(tx.conn()?, id, false)?.ok_or(StoreError::NotFound)
    })
}

/// What launching the campaign now would do (see
/// [`clientele_campaigns::dry_run`]); nothing is written. `base_rate` is the
/// response rate expected without the campaign.
pub fn dry_run_campaign(
    conn: &mut PgConnection,
    id: Uuid,
    scope: &StoreScope,
    today: NaiveDate,
    now: DateTime<Utc>,
    base_rate: f64,
) -> Result<DryRun, StoreError> {
    let stored = campaign(conn, id, scope)?;
    let (CampaignSettings { cap, .. }, _) = clientele_store::settings::settings::<CampaignSettings>(conn)?;
    let since = now - cap.window();
    let reach = clientele_store::campaigns::audience_reach(
        conn,
        &stored.spec.audience,
        today,
        &stored.scope(),
        stored.spec.channel,
        since,
    )?;
    Ok(dry_run(id, &stored.spec, &reach, &cap, base_rate))
}

/// One customer of a campaign's audience: who, whether they are in the
/// control group, and what the campaign did with them so far.
#[derive(Debug, Clone)]
pub struct AudienceEntry {
    pub member: AudienceMember,
    pub held_out: bool,
    pub contacts: Vec<ContactRecord>,
}

/// A page of the campaign's audience as of `today` (customers after
/// `after`, by id), each with the control-group flag and the contacts made.
pub fn audience(
    conn: &mut PgConnection,
    id: Uuid,
    scope: &StoreScope,
    today: NaiveDate,
    after: Option<Uuid>,
    limit: i64,
) -> Result<Vec<AudienceEntry>, StoreError> {
    let stored = campaign(conn, id, scope)?;
    let members =
        clientele_store::campaigns::audience_page(conn, &stored.spec.audience, today, &stored.scope(), after, limit)?;
    let ids: Vec<Uuid> = members.iter().map(|m| m.customer).collect();
    let mut contacts = clientele_store::campaigns::contacts_of(conn, id, &ids)?.into_iter().peekable();
    Ok(members
        .into_iter()
        .map(|member| {
            let mut mine = Vec::new();
            while let Some(c) = contacts.next_if(|c| c.customer == member.customer) {
                mine.push(c);
            }
            AudienceEntry { held_out: held_out(id, member.customer, stored.spec.holdout), member, contacts: mine }
        })
        .collect())
}

/// A page of the campaign's contacts, newest first (see
/// [`clientele_store::campaigns::campaign_messages`]), for a caller who may
/// see the campaign.
pub fn messages(
    conn: &mut PgConnection,
    id: Uuid,
    scope: &StoreScope,
    outcome: Option<&str>,
    before: Option<(DateTime<Utc>, Uuid, String)>,
    limit: i64,
) -> Result<Vec<clientele_store::campaigns::MessageRecord>, StoreError> {
    campaign(conn, id, scope)?;
    clientele_store::campaigns::campaign_messages(conn, id, outcome, before, limit)
}
