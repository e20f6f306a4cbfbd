//! What the areas' handlers and shapes share, so that no area imports
//! another: the customer id in a path, the caller as author, the small
//! parsers of request fields, `limit`, and the customer paging cursor.

mod customer_view;
mod interaction_view;

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clientele_kernel::{Actor, CustomerId, FieldErrors, InvalidValue};
use serde::Deserialize;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::error::ApiError;
use crate::extract::Caller;

pub use self::customer_view::{AcquisitionDto, CustomerView, ExternalIdDto, LocationDto, PreferencesDto, SizesDto};
pub use self::interaction_view::InteractionView;

/// A customer id from the path; anything that is not a UUID is simply not found.
pub(crate) fn customer_id(raw: &str) -> Result<CustomerId, ApiError> {
    raw.parse::<Uuid>().map(CustomerId::from_uuid).map_err(|_| ApiError::NotFound("customer"))
}

/// Store errors about a customer, with "customer" named in a not-found.
pub(crate) fn customer_error(e: ApiError) -> ApiError {
    match e {
        ApiError::NotFound(_) => ApiError::NotFound("customer"),
        other => other,
    }
}

/// The caller's name as author of tags, interactions and ledger entries.
pub(crate) fn actor(caller: &Caller) -> Result<Actor, ApiError> {
    actor_named(&caller.key_name)
}

/// [`actor`] from the key's name, for a request shape that needs it only
/// once its fields are good.
pub(crate) fn actor_named(key_name: &str) -> Result<Actor, ApiError> {
    Actor::new(key_name.to_owned())
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("key name is not a valid actor: {e}")))
}

/// Parses an optional string with a domain parser, recording failures under `field`.
pub(crate) fn opt<T>(
    errors: &mut FieldErrors,
    field: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Option<T> {
    value.and_then(|v| errors.check(field, parse(v)))
}

/// [`opt`] for a field inside an object: recorded as `prefix.name`.
pub(crate) fn nested<T>(
    errors: &mut FieldErrors,
    prefix: &str,
    name: &str,
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Option<T> {
    opt(errors, &format!("{prefix}.{name}"), value, parse)
}

pub(crate) fn keyword<T: FromStr<Err = InvalidValue>>(s: &str) -> Result<T, InvalidValue> {
    s.parse::<T>()
}

/// Parses `limit` (default 50, 1..=200).
pub fn parse_limit(s: Option<&str>) -> Result<u32, ApiError> {
    match s {
        None => Ok(50),
        Some(v) => match v.parse::<u32>() {
            Ok(n) if (1..=200).contains(&n) => Ok(n),
            _ => Err(ApiError::field("limit", "out_of_range", "limit must be a whole number from 1 to 200")),
        },
    }
}

/// Paging through a list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

pub(crate) fn bad_cursor() -> ApiError {
    ApiError::field("cursor", "invalid_format", "not a cursor returned by this endpoint")
}

/// Encodes a customer cursor (opaque to clients).
pub fn customer_cursor(id: CustomerId) -> String {
    URL_SAFE_NO_PAD.encode(format!("c:{id}"))
}

/// Decodes a customer cursor.
pub fn parse_customer_cursor(s: &str) -> Result<CustomerId, ApiError> {
    let bad = || ApiError::field("cursor", "invalid_format", "not a cursor returned by this endpoint");
    let raw = URL_SAFE_NO_PAD.decode(s).map_err(|_| bad())?;
    let text = String::from_utf8(raw).map_err(|_| bad())?;
    text.strip_prefix("c:").and_then(|id| id.parse::<Uuid>().ok()).map(CustomerId::from_uuid).ok_or_else(bad)
}

/// A date query parameter (`YYYY-MM-DD`), its error named by `field`.
pub(crate) fn date_param(
    e: &mut clientele_kernel::FieldErrors,
    field: &str,
    value: Option<&str>,
) -> Option<chrono::NaiveDate> {
    value.and_then(|v| {
        e.check(
            field,
            chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| clientele_kernel::InvalidValue::new("invalid_format", "must be a date, YYYY-MM-DD")),
        )
    })
}
