//! Every failure a handler can have, each mapped to its stable error code in
//! the table of `crate::codes` (which gives the HTTP status and title), and
//! served as `application/problem+json` (RFC 9457).
//!
//! The codes are part of the API: clients branch on `code`, never on `title`
//! or `detail`. docs/errors.md lists them.

use crate::codes::{Code, loyalty_code};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use clientele_kernel::{CustomerId, FieldError, FieldErrors};
use clientele_profiles::ProfileError;
use clientele_store::{Conflict, StoreError};
use serde::Serialize;
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

/// A problem details body (RFC 9457) with Clientele's extensions.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type: `urn:clientele:problem:<code>`.
    #[serde(rename = "type")]
    pub type_: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong in this occurrence.
    pub detail: String,
    /// Stable machine-readable code.
    pub code: String,
    /// The id of the request, also in the `X-Request-Id` header and in every log line.
    pub request_id: String,
    /// For validation errors: each offending field.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
    /// Further members for some codes (e.g. `merged_into`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: Map<String, Value>,
}

/// One offending field.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    /// Path of the field in the request, e.g. `phones[0]` or `acquisition.cost`; query parameters by name.
    pub field: String,
    /// Stable code of the rule it broke.
    pub code: String,
    /// For humans.
    pub message: String,
}

/// Everything a handler can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("missing or invalid API key")]
    Unauthorized,
    #[error("this key's role may not do this")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("no route for this method and path")]
    NoRoute,
    #[error("customer {id} was merged into {into}")]
    Merged { id: CustomerId, into: CustomerId },
    #[error("customer {0} has been erased")]
    Erased(CustomerId),
    #[error("{0}")]
    Validation(FieldErrors),
    #[error("{0}")]
    MalformedJson(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("the request body is larger than {0} bytes")]
    PayloadTooLarge(usize),
    #[error("{0:?}")]
    Conflict(Conflict),
    #[error("a customer cannot be merged into itself")]
    MergeWithSelf,
    #[error("{message}")]
    Rule { code: Code, message: String },
    #[error("{}", match .0 {
        Some(date) => format!("there is no segment snapshot of {date}; run `clientele refresh-segments --as-of {date}`"),
        None => "there is no segment snapshot yet; run `clientele refresh-segments` (the service refreshes daily)".to_owned(),
    })]
    SnapshotNotFound(Option<chrono::NaiveDate>),
    #[error("the database is unavailable")]
    Unavailable,
    #[error("internal error")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    /// One field failed.
    pub fn field(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::Validation(FieldErrors(vec![FieldError { field: field.into(), code, message: message.into() }]))
    }

    /// This error's code in the table (`crate::codes`), which gives its
    /// status and title.
    pub fn code(&self) -> Code {
        match self {
            ApiError::Unauthorized => Code::Unauthorized,
            ApiError::Forbidden => Code::Forbidden,
            ApiError::NotFound(_) => Code::NotFound,
            ApiError::NoRoute => Code::NoRoute,
            ApiError::Merged { .. } => Code::CustomerMerged,
            ApiError::Erased(_) => Code::CustomerErased,
            ApiError::Validation(_) => Code::ValidationFailed,
            ApiError::MalformedJson(_) => Code::MalformedJson,
            ApiError::UnsupportedMediaType(_) => Code::UnsupportedMediaType,
            ApiError::PayloadTooLarge(_) => Code::PayloadTooLarge,
            ApiError::Conflict(c) => match c {
                Conflict::MemberNo(_) => Code::MemberNoTaken,
                Conflict::ExternalId { .. } => Code::ExternalIdTaken,
                Conflict::StoreCode(_) => Code::StoreCodeTaken,
                Conflict::AssociateCode(_) => Code::AssociateCodeTaken,
                Conflict::IdempotencyKeyReused => Code::IdempotencyKeyReused,
                Conflict::AmbiguousPhone(_) => Code::AmbiguousPhone,
                Conflict::OrderDiffers { .. } => Code::OrderConflict,
                Conflict::CampaignNotDraft { .. } => Code::CampaignNotDraft,
                Conflict::CampaignStatus { .. } => Code::CampaignStatus,
                Conflict::FollowUpClosed { .. } => Code::FollowUpClosed,
                Conflict::CouponCode(_) => Code::CouponCodeTaken,
                Conflict::CouponState { .. } => Code::CouponState,
                Conflict::CouponRefused { .. } => Code::CouponRefused,
                Conflict::RewardRefused { reason } => match *reason {
                    "reward_not_available" => Code::RewardNotAvailable,
                    "reward_out_of_stock" => Code::RewardOutOfStock,
                    "reward_tier" => Code::RewardTier,
                    "reward_limit_reached" => Code::RewardLimitReached,
                    _ => Code::RewardInsufficientPoints,
                },
                Conflict::RewardState { .. } => Code::RewardState,
                Conflict::EntitlementUsedUp { .. } => Code::EntitlementUsedUp,
            },
            ApiError::MergeWithSelf => Code::MergeWithSelf,
            ApiError::Rule { code, .. } => *code,
            ApiError::SnapshotNotFound(_) => Code::SnapshotNotFound,
            ApiError::Unavailable => Code::DatabaseUnavailable,
            ApiError::Internal(_) => Code::InternalError,
        }
    }

    fn detail_and_extra(&self) -> (String, Vec<ProblemField>, Map<String, Value>) {
        let mut extra = Map::new();
        let detail = match self {
            ApiError::Validation(errors) => {
                let fields = errors
                    .0
                    .iter()
                    .map(|e| ProblemField {
                        field: e.field.clone(),
                        code: e.code.to_owned(),
                        message: e.message.clone(),
                    })
                    .collect::<Vec<_>>();
                let names: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
                return (format!("invalid field(s): {}", names.join(", ")), fields, extra);
            }
            ApiError::Merged { into, .. } => {
                extra.insert("merged_into".into(), json!(into));
                self.to_string()
            }
            ApiError::Conflict(c) => conflict_detail(c, &mut extra),
            ApiError::Internal(_) => "an unexpected error occurred; it was logged with this request id".into(),
            other => other.to_string(),
        };
        (detail, Vec::new(), extra)
    }

    /// The problem body for this error.
    pub fn problem(&self, request_id: &str) -> Problem {
        let code = self.code();
        let (detail, errors, extra) = self.detail_and_extra();
        Problem {
            type_: format!("urn:clientele:problem:{}", code.name()),
            title: code.title().into(),
            status: code.status().as_u16(),
            detail,
            code: code.name().into(),
            request_id: request_id.into(),
            errors,
            extra,
        }
    }

    /// Logs an internal error once, as one bounded line: its cause chain,
    /// without a backtrace (the `request` span adds the request id).
    pub fn log(&self) {
        if let ApiError::Internal(e) = self {
            let chain = crate::telemetry::one_line(&format!("{e:#}"));
            let chain = crate::telemetry::bounded(&chain, crate::telemetry::MAX_FAILURE_LOG_BYTES);
            tracing::error!(error = %chain, "internal error");
        }
    }

    /// The full response, with the request id filled in.
    pub fn to_response(&self, request_id: &str) -> HttpResponse {
        let mut response = HttpResponse::build(self.code().status());
        response.insert_header((header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json")));
        if let ApiError::Unauthorized = self {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        if let ApiError::Unavailable = self {
            response.insert_header((header::RETRY_AFTER, HeaderValue::from_static("1")));
        }
        response.body(serde_json::to_string(&self.problem(request_id)).unwrap_or_default())
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.code().status()
    }
    // The request id is filled in by the `request_id` middleware, which
    // rebuilds the body from the error; this is the fallback.
    fn error_response(&self) -> HttpResponse {
        self.to_response("")
    }
}

impl From<FieldErrors> for ApiError {
    fn from(e: FieldErrors) -> Self {
        ApiError::Validation(e)
    }
}

impl From<ProfileError> for ApiError {
    fn from(e: ProfileError) -> Self {
        match e {
            ProfileError::Erased(id) => ApiError::Erased(id),
            ProfileError::MergeWithSelf => ApiError::MergeWithSelf,
        }
    }
}

impl From<clientele_store::MissingSnapshot> for ApiError {
    fn from(e: clientele_store::MissingSnapshot) -> Self {
        ApiError::SnapshotNotFound(e.as_of)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        if e.is_database_unavailable() {
            tracing::warn!(error = ?e, "database unavailable");
            return ApiError::Unavailable;
        }
        match e {
            StoreError::NotFound => ApiError::NotFound("resource"),
            StoreError::Merged { id, into } => ApiError::Merged { id, into },
            StoreError::Conflict(c) => ApiError::Conflict(c),
            StoreError::Invalid(errors) => ApiError::Validation(errors),
            StoreError::Profile(p) => p.into(),
            StoreError::Loyalty(clientele_loyalty::LoyaltyError::Invalid(e)) => {
                ApiError::Validation(FieldErrors::single("body", e))
            }
            StoreError::Loyalty(e @ clientele_loyalty::LoyaltyError::OverGrantLimit { field, .. }) => {
                ApiError::Validation(FieldErrors::single(
                    field,
                    clientele_kernel::InvalidValue::new("out_of_range", e.to_string()),
                ))
            }
            StoreError::Loyalty(e) => ApiError::Rule { code: loyalty_code(&e), message: e.to_string() },
            other => ApiError::Internal(other.into()),
        }
    }
}

/// What a conflict says in its problem's `detail`, with its extra members.
fn conflict_detail(conflict: &Conflict, extra: &mut Map<String, Value>) -> String {
    match conflict {
        Conflict::AmbiguousPhone(ids) => {
            extra.insert("customer_ids".into(), json!(ids));
            "several customers share this phone number; merge the duplicates or look up by member number".into()
        }
        Conflict::OrderDiffers { order_id, fields } => {
            extra.insert("order_id".into(), json!(order_id));
            extra.insert("differences".into(), json!(fields));
            format!(
                "an order with this source and external id is stored and differs in: {}; a resend must repeat the order as it was (use a new external id for a new order)",
                fields.join(", ")
            )
        }
        Conflict::MemberNo(m) => {
            format!("member number {m} is already taken")
        }
        Conflict::ExternalId { system, value } => {
            format!("external id {system}:{value} already belongs to another customer")
        }
        Conflict::CampaignNotDraft { status } => {
            extra.insert("status".into(), json!(status));
            format!("the campaign is {status}: only a draft can be changed; create a new campaign instead")
        }
        Conflict::CampaignStatus { action, status } => {
            extra.insert("status".into(), json!(status));
            let allowed = match *action {
                "launch" => "only a draft can be launched",
                "pause" => "only a running campaign can be paused",
                _ => "only a paused campaign can be resumed",
            };
            format!("the campaign is {status}: {allowed}")
        }
        Conflict::FollowUpClosed { status } => {
            extra.insert("status".into(), json!(status));
            format!("the follow-up is {status}: it changes no more; make a new one")
        }
        Conflict::StoreCode(c) => format!("a store with code {c} exists"),
        Conflict::CouponCode(c) => format!("the coupon code {c} is already issued"),
        Conflict::CouponState { state } => {
            extra.insert("state".into(), json!(state));
            format!("the code is {state}: it cannot be voided")
        }
        Conflict::CouponRefused { codes } => {
            let refused: Vec<Value> =
                codes.iter().map(|(code, reason)| json!({ "code": code, "reason": reason })).collect();
            extra.insert("coupons".into(), Value::Array(refused));
            let list: Vec<String> = codes.iter().map(|(code, reason)| format!("{code} ({reason})")).collect();
            format!(
                "the order was not stored: {} does not apply; validate again and send the order without it",
                list.join(", ")
            )
        }
        Conflict::RewardRefused { reason } => match *reason {
            "reward_not_available" => "the reward is not offered now (outside its validity)".into(),
            "reward_out_of_stock" => "no unit of the reward is left".into(),
            "reward_tier" => "the reward is not for the member's tier".into(),
            "reward_limit_reached" => "the member has taken this reward as often as a member may".into(),
            _ => "the member's available points do not cover the reward".into(),
        },
        Conflict::EntitlementUsedUp { benefit } => {
            extra.insert("benefit".into(), json!(benefit));
            format!(
                "the member has no use of {benefit} left this period (GET /v1/customers/{{id}}/offers shows what is left)"
            )
        }
        Conflict::RewardState { state } => {
            extra.insert("state".into(), json!(state));
            format!("the reward is {state}: only a reward to collect can be collected")
        }
        Conflict::AssociateCode(c) => {
            format!("an associate with code {c} exists")
        }
        Conflict::IdempotencyKeyReused => "this Idempotency-Key was used before with a different request body".into(),
    }
}
