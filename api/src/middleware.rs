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
            span.in_scope(|| api_error.log());
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::{Arc, Mutex};

    use actix_web::middleware::from_fn;
    use actix_web::{App, test, web};

    use super::*;
    use crate::telemetry::{MAX_FAILURE_LOG_BYTES, install_panic_hook};

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Store work that panics, run as `AppState::run` runs it.
    async fn boom() -> Result<actix_web::HttpResponse, ApiError> {
        let span = tracing::Span::current();
        web::block(move || {
            let _entered = span.enter();
            let message = "overflow ".repeat(30_000);
            if !message.is_empty() {
                panic!("{message}");
            }
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("blocking task failed: {e}")))?;
        Ok(actix_web::HttpResponse::Ok().finish())
    }

    /// Store work that panics with a huge message: the client gets a 500
    /// problem with the request id; the log gets one bounded line for the
    /// panic, one for the internal error and one for the request, each
    /// with the request id.
    #[actix_web::test]
    async fn a_panicking_handler_answers_500_and_logs_a_bounded_line() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt().with_writer(move || writer.clone()).with_ansi(false).finish();
        // Global: the panic is logged on a blocking-pool thread. (nextest
        // runs each test in a process of its own.)
        tracing::subscriber::set_global_default(subscriber).unwrap();
        install_panic_hook();
        let app = test::init_service(App::new().wrap(from_fn(request_id)).route("/boom", web::get().to(boom))).await;
        let res = test::call_service(&app, test::TestRequest::get().uri("/boom").to_request()).await;
        drop(std::panic::take_hook()); // the default hook again, for this test's own assertions
        assert_eq!(res.status(), 500);
        let id = res.headers().get("x-request-id").unwrap().to_str().unwrap().to_owned();
        let body: serde_json::Value = test::read_body_json(res).await;
        assert_eq!(body["code"], "internal_error");
        assert_eq!(body["request_id"], id.as_str());
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(log.matches("panicked").count(), 1, "{log}");
        assert!(log.len() < 3 * MAX_FAILURE_LOG_BYTES, "{} bytes of log for one panic", log.len());
        assert!(log.lines().all(|line| line.contains(&id)), "every line carries the request id: {log}");
    }
}
