//! Export and erasure of a customer's personal data (PIPL / GDPR).

pub(crate) mod shapes;

use actix_web::{HttpResponse, delete, get, web};

use self::shapes::CustomerExportView;
use super::shared::{CustomerView, customer_error, customer_id};
use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::state::AppState;
use clientele_profiles::Permission;

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
    Ok(HttpResponse::Ok()
        .insert_header(("Content-Disposition", format!("attachment; filename=\"customer-{id}.json\"")))
        .json(CustomerExportView::new(export)?))
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
        .run(move |conn| clientele_app::customers::erase_customer(conn, id, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}
