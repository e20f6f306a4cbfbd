//! A customer's tags and consents, likely duplicates, and merging two records.

use actix_web::{HttpResponse, delete, get, post, put, web};
use clientele_profiles::{Permission, Role, Tag, TagKind};

use super::shapes::{ConsentRequest, DuplicateList, DuplicatesQuery, MergeRequest, TagQuery, tag_name};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::routes::shared::{CustomerView, actor, customer_error, customer_id};
use crate::state::AppState;

/// Sets a tag on a customer (replacing one of the same name).
#[utoipa::path(tag = "tags and consent", params(("id" = Uuid, Path), ("tag" = String, Path), TagQuery),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 409, description = "`customer_erased`", body = Problem), (status = 422, body = Problem)))]
#[put("/v1/customers/{id}/tags/{tag}")]
pub async fn set_tag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    query: Query<TagQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::TagCustomers)?;
    let (id, tag) = path.into_inner();
    let id = customer_id(&id)?;
    let name = tag_name(&tag)?;
    let kind = query.kind(caller.role())?;
    if caller.role() == Role::Associate && kind == TagKind::System {
        return Err(ApiError::Forbidden);
    }
    let tag = Tag { name, kind, set_by: actor(&caller)?, set_at: crate::clock::now() };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::customers::set_tag(conn, id, &scope, tag, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}

/// Removes a tag. Removing a tag the customer does not have is not an error.
#[utoipa::path(tag = "tags and consent", params(("id" = Uuid, Path), ("tag" = String, Path)),
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 409, description = "`customer_erased`", body = Problem)))]
#[delete("/v1/customers/{id}/tags/{tag}")]
pub async fn remove_tag(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::TagCustomers)?;
    let (id, tag) = path.into_inner();
    let id = customer_id(&id)?;
    let name = tag_name(&tag)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::customers::remove_tag(conn, id, &scope, &name, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}

/// Records a consent decision for one channel (`sms`, `email`, `wechat`, `phone`).
#[utoipa::path(tag = "tags and consent", params(("id" = Uuid, Path), ("channel" = String, Path)), request_body = ConsentRequest,
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 409, description = "`customer_erased`", body = Problem), (status = 422, body = Problem)))]
#[put("/v1/customers/{id}/consents/{channel}")]
pub async fn set_consent(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(String, String)>,
    body: JsonBody<ConsentRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::RecordConsent)?;
    let (id, channel) = path.into_inner();
    let id = customer_id(&id)?;
    let consent = body.value.into_domain(&channel, crate::clock::now())?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::customers::record_consent(conn, id, &scope, consent, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}

/// Likely duplicate customers: same phone, same e-mail, or same name and birthday; best matches first.
#[utoipa::path(tag = "duplicates", params(DuplicatesQuery), responses((status = 200, body = DuplicateList)))]
#[get("/v1/customers/duplicates")]
pub async fn duplicates(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<DuplicatesQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::MergeCustomers)?;
    let limit = query.limit()?;
    let scope = caller.scope().clone();
    let found = state.run(move |conn| clientele_store::find_duplicate_candidates(conn, &scope, limit)).await?;
    Ok(HttpResponse::Ok().json(DuplicateList::new(&found, caller.role().sees_contact_details())))
}

/// Merges another record into this one (admin, crm_manager).
#[utoipa::path(tag = "duplicates", params(("id" = Uuid, Path)), request_body = MergeRequest,
    responses((status = 200, body = CustomerView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/customers/{id}/merge")]
pub async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<MergeRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::MergeCustomers)?;
    let survivor = customer_id(&path)?;
    let absorbed = clientele_kernel::CustomerId::from_uuid(body.value.absorb);
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::customers::merge_customers(conn, survivor, absorbed, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}
