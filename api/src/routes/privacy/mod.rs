use actix_web::{HttpResponse, delete, get, web};
use serde::Serialize;
use utoipa::ToSchema;

use super::shared::{InteractionView, customer_error, customer_id};
use crate::dto::CustomerView;
use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::state::AppState;
use clientele_profiles::Permission;

/// Everything held about one person: profile, member numbers, timeline,
/// records merged into theirs, and the audit trail of changes to them.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerExportView {
    pub customer: CustomerView,
    pub member_numbers: Vec<String>,
    pub timeline: Vec<InteractionView>,
    #[schema(value_type = Vec<Object>)]
    pub merged_records: Vec<serde_json::Value>,
    #[schema(value_type = Vec<Object>)]
    pub audit: Vec<serde_json::Value>,
}

/// Exports everything about a customer (access request under PIPL / GDPR; admin, crm_manager).
#[utoipa::path(tag = "privacy", params(("id" = Uuid, Path)), responses((status = 200, body = CustomerExportView), (status = 404, body = Problem)))]
#[get("/v1/customers/{id}/export")]
pub async fn export(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ExportCustomers)?;
    let id = customer_id(&path)?;
    let scope = caller.scope().clone();
    let export =
        state.run(move |conn| clientele_store::export_customer(conn, id, &scope)).await.map_err(customer_error)?;
    let audit = export
        .audit
        .iter()
        .map(serde_json::to_value)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", format!("attachment; filename=\"customer-{id}.json\"")))
        .json(CustomerExportView {
            customer: CustomerView::new(&export.customer, true),
            member_numbers: export.member_numbers,
            timeline: export.timeline.iter().map(InteractionView::new).collect(),
            merged_records: export.merged_records,
            audit,
        }))
}

/// Erases a customer (PIPL / GDPR; admin, crm_manager): personal fields,
/// tags, consents, important dates, notes and audit values are removed; the
/// record stays, anonymised, so orders still count in statistics. Erasing
/// twice is not an error.
#[utoipa::path(tag = "privacy", params(("id" = Uuid, Path)), responses((status = 200, body = CustomerView), (status = 404, body = Problem)))]
#[delete("/v1/customers/{id}")]
pub async fn erase(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::EraseCustomers)?;
    let id = customer_id(&path)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_store::erase_customer(conn, id, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}
