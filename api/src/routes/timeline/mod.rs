//! A customer's timeline: visits, calls, messages, appointments, notes,
//! complaints, service requests and survey answers.

pub(crate) mod shapes;

use actix_web::{HttpResponse, get, post, web};

use self::shapes::{CreateInteractionRequest, TimelineList, TimelineQuery, parse_timeline_cursor};
use super::shared::{InteractionView, actor, customer_error, customer_id, parse_limit};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;
use clientele_profiles::Permission;

/// Records a visit, call, message, appointment, note, complaint, service request or survey answer.
#[utoipa::path(tag = "timeline", params(("id" = Uuid, Path)), request_body = CreateInteractionRequest,
    responses((status = 201, body = InteractionView), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/customers/{id}/interactions")]
pub async fn record(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<CreateInteractionRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::RecordInteractions)?;
    let id = customer_id(&path)?;
    let interaction = body.value.into_domain(actor(&caller)?, crate::clock::now())?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let saved = state
        .run(move |conn| clientele_app::timeline::record_interaction(conn, id, &scope, interaction, &audit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Created().json(InteractionView::new(&saved)))
}

/// A customer's timeline, newest first.
#[utoipa::path(tag = "timeline", params(("id" = Uuid, Path), TimelineQuery),
    responses((status = 200, body = TimelineList), (status = 404, body = Problem)))]
#[get("/v1/customers/{id}/timeline")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<TimelineQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadTimeline)?;
    let id = customer_id(&path)?;
    let before = query.cursor.as_deref().map(parse_timeline_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())?;
    let scope = caller.scope().clone();
    let page = state
        .run(move |conn| clientele_store::timeline(conn, id, &scope, before, limit))
        .await
        .map_err(customer_error)?;
    Ok(HttpResponse::Ok().json(TimelineList::new(&page)))
}
