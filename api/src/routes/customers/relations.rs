use actix_web::{HttpResponse, delete, get, post, put, web};

use clientele_profiles::{FieldErrors, Permission, Role, Tag, TagKind, TagName, find_duplicate_pairs};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::shapes::ConsentRequest;
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::routes::shared::{CustomerView, actor, customer_error, customer_id};
use crate::state::AppState;

/// Which kind of tag.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// `system` (brand-wide) or `personal` (an associate's own). Default:
    /// `personal` for associate keys (which may set no other), `system` otherwise.
    pub kind: Option<String>,
}

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
    let name = TagName::parse(&tag).map_err(|e| ApiError::Validation(FieldErrors::single("tag", e)))?;
    let kind = match query.kind.as_deref() {
        None if caller.role() == Role::Associate => TagKind::Personal,
        None => TagKind::System,
        Some(k) => k.parse::<TagKind>().map_err(|e| ApiError::Validation(FieldErrors::single("kind", e)))?,
    };
    if caller.role() == Role::Associate && kind == TagKind::System {
        return Err(ApiError::Forbidden);
    }
    let tag = Tag { name, kind, set_by: actor(&caller)?, set_at: crate::clock::now() };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c =
        state.run(move |conn| clientele_store::set_tag(conn, id, &scope, tag, &audit)).await.map_err(customer_error)?;
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
    let name = TagName::parse(&tag).map_err(|e| ApiError::Validation(FieldErrors::single("tag", e)))?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_store::remove_tag(conn, id, &scope, &name, &audit))
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
        .run(move |conn| clientele_store::record_consent(conn, id, &scope, consent, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}

/// A likely duplicate pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatePairView {
    /// 0..=100; pairs from 40 up are listed.
    pub score: u8,
    /// `same_phone`, `same_email`, `same_name_and_birthday`, `same_name`.
    pub reasons: Vec<String>,
    pub a: CustomerView,
    pub b: CustomerView,
}

/// Likely duplicates.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateList {
    pub items: Vec<DuplicatePairView>,
    /// True when there were more candidates than were examined (merge some and ask again).
    pub truncated: bool,
}

/// How many candidates to examine.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// Candidates examined, 1..=5000, default 1000.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
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
    let limit = query.limit.unwrap_or(1000);
    if !(1..=5000).contains(&limit) {
        return Err(ApiError::field("limit", "out_of_range", "limit must be from 1 to 5000"));
    }
    let scope = caller.scope().clone();
    let found = state.run(move |conn| clientele_store::find_duplicate_candidates(conn, &scope, limit)).await?;
    let reveal = caller.role().sees_contact_details();
    let by_id: std::collections::HashMap<_, _> = found.customers.iter().map(|c| (c.id, c)).collect();
    let items = find_duplicate_pairs(&found.customers)
        .into_iter()
        .filter_map(|pair| {
            let (a, b) = (by_id.get(&pair.a)?, by_id.get(&pair.b)?);
            Some(DuplicatePairView {
                score: pair.score.score,
                reasons: pair.score.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                a: CustomerView::new(a, reveal),
                b: CustomerView::new(b, reveal),
            })
        })
        .collect();
    Ok(HttpResponse::Ok().json(DuplicateList { items, truncated: found.truncated }))
}

/// Which record to merge into the one in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The duplicate: its data, timeline and member number move into the customer in the path, and it stops existing on its own.
    pub absorb: Uuid,
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
    let absorbed = clientele_profiles::CustomerId::from_uuid(body.value.absorb);
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_store::merge_customers(conn, survivor, absorbed, &scope, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(CustomerView::new(&c, caller.role().sees_contact_details())))
}
