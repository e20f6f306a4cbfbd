//! The associate's worklist: `GET /v1/associates/{id}/worklist`.

use actix_web::{HttpResponse, get, web};
use chrono::NaiveDate;
use clientele_app::worklist::WorklistItem;
use clientele_kernel::FieldErrors;
use clientele_profiles::{AssociateId, Permission};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::suggestions::SuggestionView;
use crate::error::{ApiError, Problem};
use crate::extract::Caller;
use crate::query::Query;
use crate::routes::shared::{PreferencesDto, SizesDto, date_param};
use crate::state::AppState;

/// The day and how many clients.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct WorklistQuery {
    /// The day, YYYY-MM-DD, within a year of today (default: today in the
    /// associate's store).
    pub date: Option<String>,
    /// 1–100, default 20.
    pub limit: Option<String>,
}

/// Why a client is put forward.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReasonView {
    /// `important_date`, `lapsing`, `points_expiring`, `just_upgraded`,
    /// `close_to_next_tier`, `follow_up_due` or `campaign_task`.
    #[serde(rename = "type")]
    pub kind: String,
    /// In words, e.g. "Birthday in 5 days, on 9 Dec", "CNY 3,200 more for S4 (level 4)".
    pub text: String,
    /// The reason's facts (dates, points, tiers, the follow-up's id …),
    /// with `type` as above.
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// A line bought and kept.
#[derive(Debug, Serialize, ToSchema)]
pub struct PurchaseView {
    /// The business day of the order.
    pub date: NaiveDate,
    pub sku: String,
    pub name: Option<String>,
    pub category: Option<String>,
    /// Quantity kept (returned units left out).
    pub quantity: i32,
    /// Paid for what was kept, base currency.
    #[schema(value_type = String)]
    pub paid: rust_decimal::Decimal,
}

/// One client to reach, and what to know before reaching them.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistItemView {
    pub customer_id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
    pub tier: Option<String>,
    /// Lifetime value in the latest snapshot (what is at stake), base currency.
    #[schema(value_type = Option<String>)]
    pub clv: Option<rust_decimal::Decimal>,
    pub reasons: Vec<ReasonView>,
    pub preferences: PreferencesDto,
    pub sizes: SizesDto,
    /// Up to three categories, by what the client spent on them (as of
    /// the day's build).
    pub favourite_categories: Vec<String>,
    /// Up to three lines, newest first (as of the day's build).
    pub last_purchases: Vec<PurchaseView>,
    /// Channels the client consented to marketing on.
    pub consented_channels: Vec<String>,
    /// The last contact (visit, call, message, appointment, follow-up done).
    pub last_contact: Option<NaiveDate>,
    pub days_since_contact: Option<i64>,
    /// The next-best product or category, from what the client kept (as of
    /// the day's build).
    pub next_best: Option<SuggestionView>,
}

/// An associate's worklist for a day.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorklistView {
    pub associate_id: Uuid,
    pub date: NaiveDate,
    /// Most valuable client first.
    pub items: Vec<WorklistItemView>,
}

fn view(item: WorklistItem, date: NaiveDate) -> WorklistItemView {
    let reasons = item
        .entry
        .reasons
        .iter()
        .map(|r| {
            let detail = serde_json::to_value(r).unwrap_or(serde_json::Value::Null);
            let kind = detail.get("type").and_then(|t| t.as_str()).unwrap_or_default().to_owned();
            ReasonView { kind, text: r.words(date), detail }
        })
        .collect();
    WorklistItemView {
        customer_id: item.entry.customer.as_uuid(),
        member_no: item.card.member_no,
        name: item.card.name,
        tier: item.card.tier,
        clv: item.entry.clv,
        reasons,
        preferences: PreferencesDto::from_domain(&item.card.preferences),
        sizes: SizesDto::from_domain(&item.card.sizes),
        favourite_categories: item.details.favourite_categories,
        last_purchases: item
            .details
            .last_purchases
            .into_iter()
            .map(|l| PurchaseView {
                date: l.on,
                sku: l.sku,
                name: l.name,
                category: l.category,
                quantity: l.quantity,
                paid: l.paid_base,
            })
            .collect(),
        consented_channels: item.card.consented.iter().map(|c| c.as_str().to_owned()).collect(),
        last_contact: item.entry.last_contact,
        days_since_contact: item.days_since_contact,
        next_best: item.details.next_best.map(SuggestionView::new),
    }
}

fn limit(raw: Option<&str>) -> Result<usize, ApiError> {
    match raw {
        None => Ok(20),
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=100).contains(&n) => Ok(n),
            _ => Err(ApiError::field("limit", "out_of_range", "limit must be a whole number from 1 to 100")),
        },
    }
}

/// The associate's worklist for a day: their clients to reach, most
/// valuable first (lifetime value), each with the reasons in words — an
/// important date within 14 days, a top client lapsing, a follow-up or a
/// campaign task due, points expiring within 30 days, just upgraded or
/// close to the next tier — and what to know before reaching them. A
/// client contacted within the programme's `recent_contact_days` is only
/// put forward for their follow-ups. A store-scoped key sees its stores'
/// associates only, and an associate's own key that associate only
/// (another: 404).
#[utoipa::path(tag = "clienteling", params(("id" = Uuid, Path), WorklistQuery),
    responses((status = 200, body = WorklistView), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
#[get("/v1/associates/{id}/worklist")]
pub async fn worklist(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
    query: Query<WorklistQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ReadWorklists)?;
    let associate = path.parse().map(AssociateId::from_uuid).map_err(|_| ApiError::NotFound("associate"))?;
    if !caller.grant.may_see_associate(associate) {
        return Err(ApiError::NotFound("associate"));
    }
    let mut errors = FieldErrors::new();
    let now = crate::clock::now();
    let date = date_param(&mut errors, "date", query.date.as_deref());
    if let Some(d) = date {
        errors.check("date", clientele_clienteling::worklist::check_day(d, now.date_naive()));
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let limit = limit(query.limit.as_deref())?;
    let scope = caller.scope().clone();
    let (date, items) = state
        .run(move |conn| {
            let date = match date {
                Some(d) => d,
                None => clientele_app::worklist::associate_today(conn, associate, now)?,
            };
            Ok((date, clientele_app::worklist::worklist(conn, associate, date, (&scope, limit), now)?))
        })
        .await
        .map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("associate"),
            other => other,
        })?;
    let items = items.into_iter().map(|i| view(i, date)).collect();
    Ok(HttpResponse::Ok().json(WorklistView { associate_id: associate.as_uuid(), date, items }))
}
