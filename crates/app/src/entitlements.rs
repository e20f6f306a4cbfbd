//! Tier benefits as entitlements (issue #13): the programme's offer
//! settings say how many uses of a benefit each tier has per period (a
//! birthday gift once per member year, two jewelry cleanings a year for
//! S5); the till draws one down, under the member's account lock so two
//! tills cannot both take the last, and is refused `entitlement_used_up`
//! when none is left. The counting is `clientele_offers`' rule.

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, StoreId};
use clientele_offers::{EntitlementStatus, OffersSettings, check_entitlement, entitlement_status};
use clientele_orders::business_date;
use clientele_profiles::StoreScope;
use clientele_store::offers::EntitlementUse;
use clientele_store::{AuditContext, Conflict, NewAuditEntry, PgConnection, StoreError};
use serde_json::json;
use uuid::Uuid;

/// A use of a benefit to draw at the till.
#[derive(Debug, Clone)]
pub struct Draw {
    pub customer: CustomerId,
    pub benefit: String,
    /// Where: the day it counts in is that store's.
    pub store: Option<StoreId>,
    /// With `external_id`: a retried draw is made once.
    pub source: Option<String>,
    pub external_id: Option<String>,
}

/// A draw made: where the member stands with the benefit after it.
#[derive(Debug, Clone)]
pub struct Drawn {
    pub status: EntitlementStatus,
    /// The same (source, external id) was drawn before: nothing was drawn now.
    pub replayed: bool,
}

fn field(name: &str, code: &'static str, message: &str) -> StoreError {
    StoreError::Invalid(FieldErrors::single(name, InvalidValue::new(code, message)))
}

/// Draws one use of a benefit (audited). A benefit the programme does not
/// count is NotFound; none left this period is 409 `entitlement_used_up`.
pub fn draw_entitlement(
    conn: &mut PgConnection,
    draw: Draw,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Drawn, StoreError> {
    clientele_store::transaction(conn, |tx| {
        let (settings, _) = clientele_store::settings::settings::<OffersSettings>(tx.conn()?)?;
        let entitlement = settings.entitlement(&draw.benefit).cloned().ok_or(StoreError::NotFound)?;
        if draw.store.is_some() && !scope.covers(draw.store) {
            return Err(field("store_id", "not_allowed", "this key may only name its own stores"));
        }
        let zone = clientele_store::store_time_zone(tx.conn()?, draw.store)
            .map_err(|_| field("store_id", "unknown_reference", "no such store"))?;
        let today = business_date(ctx.at, zone);
        let (_, account) = crate::loyalty::lock_member(tx, draw.customer, scope, ctx.at)?;
        let tier = account.tier.effective_on(today);
        let joined = clientele_store::get_customer(tx.conn()?, draw.customer, scope)?.relationship.joined_on;
        let mut uses = clientele_store::offers::entitlement_uses(tx.conn()?, draw.customer)?
            .remove(&draw.benefit)
            .unwrap_or_default();
        if let (Some(source), Some(external_id)) = (&draw.source, &draw.external_id)
            && let Some(made) = clientele_store::offers::entitlement_use_by_key(tx.conn()?, source, external_id)?
        {
            if made != (draw.customer, draw.benefit.clone()) {
                return Err(field("external_id", "duplicate", "this key was used by another draw"));
            }
            let status = entitlement_status(&entitlement, tier, joined, &uses, today);
            return Ok(Drawn { status, replayed: true });
        }
        check_entitlement(&entitlement, tier, joined, &uses, today)
            .map_err(|_| StoreError::Conflict(Conflict::EntitlementUsedUp { benefit: draw.benefit.clone() }))?;
        let made = EntitlementUse {
            id: Uuid::now_v7(),
            customer: draw.customer,
            benefit: draw.benefit.clone(),
            used_on: today,
            used_at: ctx.at,
            store: draw.store.map(|s| s.as_uuid()),
            source: draw.source.clone(),
            external_id: draw.external_id.clone(),
            created_by: ctx.actor_name(),
        };
        clientele_store::offers::insert_entitlement_use(tx.conn()?, &made)?;
        tx.audit(
            ctx,
            NewAuditEntry {
                action: "draw",
                entity: "entitlement",
                entity_id: draw.benefit.clone(),
                customer: Some(draw.customer),
                changes: json!({ "benefit": draw.benefit, "used_on": today, "store_id": made.store }),
            },
        );
        uses.push(today);
        Ok(Drawn { status: entitlement_status(&entitlement, tier, joined, &uses, today), replayed: false })
    })
}

/// Where the member stands with each benefit the programme counts, today
/// (UTC): allowed for their tier (`position`, the member's loyalty
/// position), used and left this period.
pub fn member_entitlements(
    conn: &mut PgConnection,
    position: &clientele_store::LoyaltySummary,
    scope: &StoreScope,
    at: DateTime<Utc>,
) -> Result<Vec<EntitlementStatus>, StoreError> {
    let (settings, _) = clientele_store::settings::settings::<OffersSettings>(conn)?;
    if settings.entitlements.is_empty() {
        return Ok(Vec::new());
    }
    let today: NaiveDate = at.date_naive();
    let joined = clientele_store::get_customer(conn, position.customer, scope)?.relationship.joined_on;
    let mut uses = clientele_store::offers::entitlement_uses(conn, position.customer)?;
    Ok(settings
        .entitlements
        .iter()
        .map(|e| {
            let dates = uses.remove(e.benefit.as_str()).unwrap_or_default();
            entitlement_status(e, position.tier, joined, &dates, today)
        })
        .collect())
}
