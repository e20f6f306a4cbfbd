//! RFM segments and customer value (issue #4): the segment summary, a
//! segment's customers, transitions between two snapshots, one customer's
//! value, and the most valuable customers. All read the snapshots that
//! `clientele refresh-segments` and the scheduled job write; a store-scoped
//! key sees only its stores' customers. And the programme's RFM settings
//! (issue #17): read, replaced, and previewed against the latest snapshot.

pub(crate) mod settings;
pub(crate) mod shapes;

use actix_web::{HttpResponse, get, post, put, web};
use clientele_profiles::Permission;

use self::settings::{PreviewView, RfmSettingsBody, SegmentSettingsView};
use self::shapes::{
    AsOfQuery, CustomerValueView, CutsQuery, SegmentCustomerList, SegmentListing, SegmentPageQuery, SegmentSummaryView,
    TopCustomerList, TopQuery, TransitionsQuery, TransitionsRequest, TransitionsView,
};
use super::shared::{customer_error, customer_id};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;

/// Per segment: customers, revenue and its share, average CLV — of the
/// latest snapshot or the one of `as_of`, for the customers matching every
/// cut given.
#[utoipa::path(tag = "segments", params(CutsQuery),
    responses((status = 200, body = SegmentSummaryView), (status = 404, description = "No snapshot (of that date)", body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/segments")]
pub async fn summary(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<CutsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let (as_of, cuts) = query.to_domain()?;
    let scope = caller.scope().clone();
    let s = state.run(move |conn| clientele_store::segment_summary(conn, as_of, &cuts, &scope)).await??;
    Ok(HttpResponse::Ok().json(SegmentSummaryView::new(&s)))
}

/// A segment's customers, most valuable (by CLV) first; customers whose CLV
/// is unknown come last. Takes the same cuts as `GET /v1/segments`.
#[utoipa::path(tag = "segments",
    params(("segment" = String, Path, description = "`champions`, `loyal_customers`, `potential_loyalists`, `new_customers`, `promising`, `need_attention`, `about_to_sleep`, `at_risk`, `cant_lose_them`, `hibernating`, `lost`"),
        CutsQuery, SegmentPageQuery),
    responses((status = 200, body = SegmentCustomerList), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/segments/{segment}/customers")]
pub async fn customers(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    cuts: Query<CutsQuery>,
    page: Query<SegmentPageQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let SegmentListing { segment, as_of, cuts, after, limit } = page.to_domain(&path, &cuts)?;
    let scope = caller.scope().clone();
    let p = state
        .run(move |conn| {
            let request = clientele_store::SegmentPageRequest { as_of, segment, cuts, after, limit };
            clientele_store::segment_customers(conn, &request, &scope)
        })
        .await??;
    Ok(HttpResponse::Ok().json(SegmentCustomerList::new(&p, segment)))
}

/// Who moved from which segment to which between two snapshots: the
/// matrix's non-empty cells with their counts, and on request the customers
/// behind one cell (by customer id).
#[utoipa::path(tag = "segments", params(TransitionsQuery),
    responses((status = 200, body = TransitionsView), (status = 404, description = "No snapshot of one of the dates", body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/segments/transitions")]
pub async fn transitions(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<TransitionsQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let TransitionsRequest { from, to, cell } = query.into_inner().into_domain()?;
    let scope = caller.scope().clone();
    let t = state.run(move |conn| clientele_store::segment_transitions(conn, from, to, cell, &scope)).await??;
    Ok(HttpResponse::Ok().json(TransitionsView::new(t)))
}

/// A customer's scores, segment, CLV and its parts (expected purchases,
/// probability alive, expected spend) as of a snapshot, and their segment
/// in every snapshot up to it.
#[utoipa::path(tag = "segments", params(("id" = Uuid, Path), AsOfQuery),
    responses((status = 200, body = CustomerValueView), (status = 404, body = Problem),
        (status = 410, description = "Merged into another customer (see `merged_into`)", body = Problem), (status = 422, body = Problem)))]
#[get("/v1/customers/{id}/value")]
pub async fn customer_value(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<AsOfQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let id = customer_id(&path)?;
    let as_of = query.as_of()?;
    let scope = caller.scope().clone();
    let v = state
        .run(move |conn| clientele_store::customer_value(conn, id, as_of, &scope))
        .await
        .map_err(customer_error)??;
    Ok(HttpResponse::Ok().json(CustomerValueView::new(id, &v)))
}

/// The most valuable customers by CLV (then by net paid in the window),
/// with their favourite categories and stores and their associate.
#[utoipa::path(tag = "segments", params(TopQuery),
    responses((status = 200, body = TopCustomerList), (status = 404, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/analytics/top-customers")]
pub async fn top_customers(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<TopQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadAnalytics)?;
    let (as_of, limit) = query.to_domain()?;
    let scope = caller.scope().clone();
    let top = state.run(move |conn| clientele_store::top_customers(conn, as_of, limit, &scope)).await??;
    Ok(HttpResponse::Ok().json(TopCustomerList::new(&top)))
}

/// The programme's RFM settings in force: the window, the recency bands,
/// how frequency and monetary are scored, New Customers' days (admin,
/// crm_manager). See docs/segments.md for the defaults and why.
#[utoipa::path(tag = "segments", responses((status = 200, body = SegmentSettingsView)))]
#[get("/v1/segments/config")]
pub async fn get_config(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let (settings, version) = state.run(clientele_store::settings::settings::<clientele_rfm::RfmSettings>).await?;
    Ok(HttpResponse::Ok().json(SegmentSettingsView { version, config: RfmSettingsBody::new(&settings) }))
}

/// Replaces the RFM settings (admin, crm_manager; audited). The next
/// refresh scores by them; snapshots already taken keep what they said. See
/// what a change does first with `POST /v1/segments/preview`.
#[utoipa::path(tag = "segments", request_body = RfmSettingsBody,
    responses((status = 200, body = SegmentSettingsView), (status = 422, body = Problem)))]
#[put("/v1/segments/config")]
pub async fn put_config(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<RfmSettingsBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let settings = body.value.into_domain()?;
    let audit = caller.audit();
    let version = state.run(move |conn| clientele_app::settings::save(conn, &settings, &audit)).await?;
    Ok(HttpResponse::Ok().json(SegmentSettingsView { version, config: RfmSettingsBody::new(&settings) }))
}

/// What candidate RFM settings would do to the latest snapshot (admin,
/// crm_manager): each segment's size now and under them, and how many
/// customers would move from each segment to each other. The population is
/// read as of the snapshot's date, as a refresh reads it; nothing is
/// written. 404 before the first snapshot.
#[utoipa::path(tag = "segments", request_body = RfmSettingsBody,
    responses((status = 200, body = PreviewView), (status = 404, description = "No snapshot yet", body = Problem),
        (status = 422, body = Problem)))]
#[post("/v1/segments/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<RfmSettingsBody>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let settings = body.value.into_domain()?;
    let threads = clientele_app::machine_threads();
    let preview = state
        .run(move |conn| clientele_app::segments::preview_settings(conn, &settings, threads))
        .await?
        .ok_or(ApiError::NotFound("segment snapshot"))?;
    Ok(HttpResponse::Ok().json(PreviewView::new(&preview, &settings)))
}
