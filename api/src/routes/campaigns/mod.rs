//! Campaigns: define one, read them, change a draft, see what a launch
//! would do (the dry run), launch, pause and resume it, and list its
//! audience and its messages. crm_manager and admin for all stores; a
//! store manager for campaigns limited to their stores; analysts read; pos
//! has no access.

pub(crate) mod results;
pub(crate) mod shapes;

use actix_web::{HttpResponse, get, patch, post, put, web};
use clientele_campaigns::{CampaignSettings, CampaignSpec};
use clientele_profiles::Permission;
use serde_json::Value;
use uuid::Uuid;

use self::shapes::{
    AudiencePage, AudienceQuery, CampaignList, CampaignQuery, CampaignSettingsView, CampaignView, DryRunRequest,
    DryRunView, MessagePage, MessagesQuery, OUTCOMES, cursor, parse_audience_cursor, parse_cursor,
    parse_messages_cursor,
};
use super::shared::parse_limit;
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::query::Query;
use crate::state::AppState;
use clientele_app::campaigns::StatusChange;

fn campaign_id(raw: &str) -> Result<Uuid, ApiError> {
    raw.parse::<Uuid>().map_err(|_| ApiError::NotFound("campaign"))
}

fn campaign_error(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("campaign"),
        other => other,
    }
}

/// Defines a campaign, as a draft: its audience (a rule tree, see
/// docs/campaigns.md), schedule (once, or on a trigger), channel, action
/// (a message, or a task for the client's associate), control group,
/// priority, cost and budget. A bad rule is 422 naming the path of the bad
/// node. A store manager's campaign reaches only their stores' customers.
#[utoipa::path(tag = "campaigns", request_body(content = Object, description = "The campaign's definition (docs/campaigns.md)"),
    responses((status = 201, body = CampaignView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/campaigns")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageCampaigns)?;
    let spec = CampaignSpec::from_json(&body.value).map_err(ApiError::Validation)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let created = state.run(move |conn| clientele_app::campaigns::create_campaign(conn, &spec, &scope, &audit)).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/v1/campaigns/{}", created.id)))
        .json(CampaignView::new(&created)))
}

/// Campaigns, newest first (a store-scoped key: those limited to its stores).
#[utoipa::path(tag = "campaigns", params(CampaignQuery),
    responses((status = 200, body = CampaignList), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[get("/v1/campaigns")]
pub async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: Query<CampaignQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCampaigns)?;
    let after = query.cursor.as_deref().map(parse_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())?;
    let scope = caller.scope().clone();
    let page = state
        .run(move |conn| clientele_store::campaigns::list_campaigns(conn, &scope, after, i64::from(limit) + 1))
        .await?;
    let more = page.len() > limit as usize;
    let items: Vec<_> = page.iter().take(limit as usize).collect();
    let next_cursor = if more { items.last().map(|c| cursor(c)) } else { None };
    Ok(HttpResponse::Ok().json(CampaignList { items: items.into_iter().map(CampaignView::new).collect(), next_cursor }))
}

/// One campaign.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem)))]
#[get("/v1/campaigns/{id}")]
pub async fn get_one(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCampaigns)?;
    let id = campaign_id(&path)?;
    let scope = caller.scope().clone();
    let c =
        state.run(move |conn| clientele_app::campaigns::campaign(conn, id, &scope)).await.map_err(campaign_error)?;
    Ok(HttpResponse::Ok().json(CampaignView::new(&c)))
}

/// Changes a draft: the fields given replace the definition's (the whole
/// definition is checked again); a campaign that has run is changed no
/// more (409 `campaign_not_draft`).
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    request_body(content = Object, description = "Fields of the definition to replace"),
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
#[patch("/v1/campaigns/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<Value>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageCampaigns)?;
    let id = campaign_id(&path)?;
    let Some(patch) = body.value.as_object().cloned() else {
        return Err(ApiError::field("body", "invalid_type", "must be an object"));
    };
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::campaigns::update_campaign(conn, id, &patch, &scope, &audit))
        .await
        .map_err(campaign_error)?;
    Ok(HttpResponse::Ok().json(CampaignView::new(&c)))
}

/// What launching the campaign now would do, nothing written: the audience,
/// the control group, who is left after consent for the channel, after the
/// frequency cap and within the budget, the messages per channel, the
/// expected cost, and the smallest uplift the control group could detect
/// (95 % confidence, 80 % power) for the base rate given, and the expected
/// cost of the campaign's offers (coupons, points offers, gifts with
/// purchase) at the redemption rate given.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)), request_body = DryRunRequest,
    responses((status = 200, body = DryRunView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[post("/v1/campaigns/{id}/dry-run")]
pub async fn dry_run(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    body: JsonBody<DryRunRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageCampaigns)?;
    let id = campaign_id(&path)?;
    let base_rate = body.value.base_rate.unwrap_or(0.05);
    if !(base_rate > 0.0 && base_rate < 1.0) {
        return Err(ApiError::field("base_rate", "out_of_range", "must be between 0 and 1, exclusive"));
    }
    let redemption_rate = body.value.redemption_rate.unwrap_or(0.1);
    if !(0.0..=1.0).contains(&redemption_rate) {
        return Err(ApiError::field("redemption_rate", "out_of_range", "must be between 0 and 1"));
    }
    let target = body.value.target_uplift;
    if target.is_some_and(|t| !(t > 0.0 && t < 1.0 - base_rate)) {
        return Err(ApiError::field("target_uplift", "out_of_range", "must be above 0 and below 1 − base_rate"));
    }
    let scope = caller.scope().clone();
    let now = crate::clock::now();
    let today = now.date_naive();
    let (d, offers) = state
        .run(move |conn| {
            let d = clientele_app::campaigns::dry_run_campaign(conn, id, &scope, today, now, base_rate)?;
            let rate = (d.to_contact, redemption_rate);
            Ok((d, clientele_app::campaigns::offer_cost::campaign_offer_costs(conn, id, rate, today)?))
        })
        .await
        .map_err(campaign_error)?;
    let mut view = DryRunView::new(&d, &offers);
    view.audience_needed = target.and_then(|uplift| audience_needed(&d, uplift));
    Ok(HttpResponse::Ok().json(view))
}

/// The audience that shows `uplift` with the split of held out to
/// contacted this launch would make (None without either).
fn audience_needed(d: &clientele_campaigns::DryRun, uplift: f64) -> Option<shapes::AudienceNeededView> {
    let measured = d.held_out + d.to_contact;
    if d.held_out == 0 || d.to_contact == 0 {
        return None;
    }
    let share = d.held_out as f64 / measured as f64;
    let (treated, control) = clientele_experiments::required_audience(d.base_rate, uplift, share)?;
    Some(shapes::AudienceNeededView {
        target_uplift: uplift,
        treated,
        control,
        enough: d.to_contact >= treated && d.held_out >= control,
    })
}

/// The programme's campaign settings: the frequency cap across all
/// campaigns (messages per customer per channel in a rolling window) and
/// the quiet hours in the home store's time zone (admin, crm_manager).
#[utoipa::path(tag = "campaigns", responses((status = 200, body = CampaignSettingsView), (status = 403, body = Problem)))]
#[get("/v1/campaigns/settings")]
pub async fn get_settings(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let (settings, version) = state.run(clientele_store::settings::settings::<CampaignSettings>).await?;
    Ok(HttpResponse::Ok().json(CampaignSettingsView::new(&settings, version)))
}

/// Replaces the campaign settings (admin, crm_manager; audited); the next
/// dry run and launch apply them.
#[utoipa::path(tag = "campaigns", request_body(content = Object, description = "As GET returns them under `config`"),
    responses((status = 200, body = CampaignSettingsView), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[put("/v1/campaigns/settings")]
pub async fn put_settings(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CampaignSettings>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageProgram)?;
    let settings = body.value;
    let audit = caller.audit();
    let version = state.run(move |conn| clientele_app::settings::save(conn, &settings, &audit)).await?;
    Ok(HttpResponse::Ok().json(CampaignSettingsView::new(&settings, version)))
}

/// The campaign's audience as its rule selects it today, a page at a time
/// by customer id: each customer with whether they are in the control
/// group and what the campaign did with them so far.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), AudienceQuery),
    responses((status = 200, body = AudiencePage), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/campaigns/{id}/audience")]
pub async fn audience(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<AudienceQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCampaigns)?;
    let id = campaign_id(&path)?;
    let after = query.cursor.as_deref().map(parse_audience_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())? as usize;
    let scope = caller.scope().clone();
    let today = crate::clock::now().date_naive();
    let entries = state
        .run(move |conn| clientele_app::campaigns::audience(conn, id, &scope, today, after, limit as i64 + 1))
        .await
        .map_err(campaign_error)?;
    Ok(HttpResponse::Ok().json(AudiencePage::new(entries, limit)))
}

async fn change_status(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    change: StatusChange,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageCampaigns)?;
    let id = campaign_id(&path)?;
    let (scope, audit) = (caller.scope().clone(), caller.audit());
    let c = state
        .run(move |conn| clientele_app::campaigns::change_status(conn, id, change, &scope, &audit))
        .await
        .map_err(campaign_error)?;
    if change != StatusChange::Pause {
        // A round now rather than at the next jobs round; if another
        // instance holds the campaign job's lock, that round or the next
        // one reaches this campaign.
        let state = state.clone();
        actix_web::rt::spawn(async move {
            let now = crate::clock::now();
            match state.run(move |conn| clientele_app::campaigns::run_campaigns(conn, now)).await {
                Ok(report) => tracing::info!(%report, "campaign job after a launch"),
                Err(e) => tracing::error!(error = ?e, "campaign job after a launch failed; the jobs round retries"),
            }
        });
    }
    Ok(HttpResponse::Ok().json(CampaignView::new(&c)))
}

/// Launches a draft (audited): the campaign job reaches its audience at
/// once (a one-off campaign without a time), at its time, or (a trigger)
/// on every jobs round. 409 `campaign_status` unless it is a draft.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
#[post("/v1/campaigns/{id}/launch")]
pub async fn launch(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, StatusChange::Launch).await
}

/// Pauses a running campaign (audited): no more rounds, and its messages
/// not yet sent wait. 409 `campaign_status` unless it is running.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
#[post("/v1/campaigns/{id}/pause")]
pub async fn pause(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, StatusChange::Pause).await
}

/// Resumes a paused campaign (audited). 409 `campaign_status` unless it
/// is paused; a campaign stopped by its budget stays stopped.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path)),
    responses((status = 200, body = CampaignView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
#[post("/v1/campaigns/{id}/resume")]
pub async fn resume(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    change_status(state, caller, path, StatusChange::Resume).await
}

/// The campaign's contacts, newest first: each message scheduled or sent,
/// each task, each hold-out (at the time the customer would have been
/// contacted), and each customer left out for want of consent, by the
/// cap or by the budget.
#[utoipa::path(tag = "campaigns", params(("id" = Uuid, Path), MessagesQuery),
    responses((status = 200, body = MessagePage), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/campaigns/{id}/messages")]
pub async fn messages(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<MessagesQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadCampaigns)?;
    let id = campaign_id(&path)?;
    let outcome = match query.outcome.as_deref() {
        None => None,
        Some(o) if OUTCOMES.contains(&o) => Some(o.to_owned()),
        Some(_) => return Err(ApiError::field("outcome", "invalid_value", format!("one of: {}", OUTCOMES.join(", ")))),
    };
    let before = query.cursor.as_deref().map(parse_messages_cursor).transpose()?;
    let limit = parse_limit(query.limit.as_deref())? as usize;
    let scope = caller.scope().clone();
    let records = state
        .run(move |conn| {
            clientele_app::campaigns::messages(conn, id, &scope, outcome.as_deref(), before, limit as i64 + 1)
        })
        .await
        .map_err(campaign_error)?;
    Ok(HttpResponse::Ok().json(MessagePage::new(records, limit)))
}
