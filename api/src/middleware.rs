//! The request middleware: gives every request an id (kept from a sane
//! incoming `X-Request-Id`), opens the tracing span every log line of the
//! request is written in, echoes the id in the response header, writes it
//! into every problem body, and logs one line per request.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage};
use tracing::Instrument;

use crate::error::ApiError;
use crate::extract::{Caller, RequestId};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn incoming_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(&REQUEST_ID)?.to_str().ok()?;
    let sane = !value.is_empty()
        && value.len() <= 64
        && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    sane.then(|| value.to_owned())
}

/// Authenticates every request under `/v1/` before anything else about it
/// is looked at — its path parameters, query or body — so a caller without
/// a valid key learns nothing but 401 (not which fields its body lacks).
/// The authenticated [`Caller`] is kept in the request for the handler.
pub async fn authenticate(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if req.path().starts_with("/v1/") {
        match req.extract::<Caller>().await {
            Ok(caller) => {
                req.extensions_mut().insert(caller);
            }
            // Answered here, with the error kept on the response so the
            // `request_id` middleware fills the problem body in.
            Err(e) => return Ok(req.error_response(e).map_into_right_body()),
        }
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// Refuses a path or query that carries a NUL character (`%00`), which
/// PostgreSQL cannot store in text: 422 naming the path parameter or the
/// query parameter, instead of a database error. (A JSON body is checked
/// by [`crate::extract::JsonBody`]; headers cannot carry NUL.) Runs after
/// [`authenticate`].
pub async fn refuse_nul(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    if let Some(field) = nul_field(&req) {
        let error = ApiError::field(field, "invalid_format", "may not contain a NUL character");
        return Ok(req.error_response(error).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

/// The escape of a NUL byte in a URI, in either case.
fn has_nul_escape(raw: &str) -> bool {
    raw.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// The name of the path or query parameter with a NUL in it, if any.
fn nul_field(req: &ServiceRequest) -> Option<String> {
    let path = req.path();
    if has_nul_escape(path) {
        let pattern = req.resource_map().match_pattern(path);
        let named = pattern.and_then(|pattern| {
            pattern.split('/').zip(path.split('/')).find_map(|(template, segment)| {
                let name = template.strip_prefix('{')?.strip_suffix('}')?;
                has_nul_escape(segment).then(|| name.split(':').next().unwrap_or(name).to_owned())
            })
        });
        return Some(named.unwrap_or_else(|| "path".to_owned()));
    }
    let query = req.query_string();
    if has_nul_escape(query) {
        let named = query.split('&').find(|pair| has_nul_escape(pair)).and_then(|pair| {
            let key = pair.split('=').next().unwrap_or("");
            (!key.is_empty() && !has_nul_escape(key)).then(|| key.to_owned())
        });
        return Some(named.unwrap_or_else(|| "query".to_owned()));
    }
    None
}

/// See the module documentation.
pub async fn request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let id = incoming_id(&req).unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path(),
        key_id = tracing::field::Empty,
    );
    let started = std::time::Instant::now();
    let res = next.call(req).instrument(span.clone()).await?;
    let mut res = match res.response().error().and_then(|e| e.as_error::<ApiError>()) {
        Some(api_error) => {
            let rebuilt = api_error.to_response(&id);
            res.into_response(rebuilt)
        }
        None => res.map_into_boxed_body(),
    };
    if let Ok(value) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(REQUEST_ID, value);
    }
    let status = res.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    span.in_scope(|| {
        if status >= 500 {
            tracing::error!(status, elapsed_ms, "request failed");
        } else {
            tracing::info!(status, elapsed_ms, "request completed");
        }
    });
    Ok(res)
}
