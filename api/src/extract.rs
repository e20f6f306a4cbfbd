//! Request extractors: the JSON body (with the path of a bad field), the
//! authenticated caller, and the request id.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpMessage, HttpRequest, web};
use clientele_kernel::{FieldErrors, InvalidValue};
use clientele_profiles::{ApiKeyId, KeyGrant, Permission, Role, StoreScope};
use clientele_store::{AuditContext, AuthenticatedKey};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::state::AppState;

/// Largest JSON body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The request id: taken from a sane incoming `X-Request-Id`, else a new UUID.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

impl FromRequest for RequestId {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(request_id_of(req)))
    }
}

/// The request id stored by the middleware (empty if the middleware did not run).
pub fn request_id_of(req: &HttpRequest) -> RequestId {
    req.extensions().get::<RequestId>().cloned().unwrap_or_else(|| RequestId(String::new()))
}

/// A JSON body, parsed with the path of the offending field on error, and
/// its raw bytes (for idempotency hashing).
#[derive(Debug)]
pub struct JsonBody<T> {
    pub value: T,
    pub raw: Bytes,
}

impl<T: DeserializeOwned + 'static> FromRequest for JsonBody<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type_ok = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                let mime = v.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
                mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"))
            })
            .unwrap_or(false);
        let declared_len = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<usize>().ok());
        let mut payload = payload.take();
        Box::pin(async move {
            if !content_type_ok {
                return Err(ApiError::UnsupportedMediaType("send the body as Content-Type: application/json".into()));
            }
            if declared_len.is_some_and(|n| n > MAX_BODY_BYTES) {
                return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
            }
            let mut body = BytesMut::new();
            while let Some(chunk) = payload.next().await {
                let chunk = chunk.map_err(|e| ApiError::MalformedJson(format!("could not read the body: {e}")))?;
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err(ApiError::PayloadTooLarge(MAX_BODY_BYTES));
                }
                body.extend_from_slice(&chunk);
            }
            let raw = body.freeze();
            refuse_nul_in_json(&raw)?;
            let value = parse_json::<T>(&raw)?;
            Ok(JsonBody { value, raw })
        })
    }
}

/// Refuses a JSON body with a NUL character (`\u0000`) in any string, key
/// or value, which PostgreSQL cannot store in text or jsonb: 422 naming
/// every field that has one. The body is only walked when the escape
/// appears in it.
fn refuse_nul_in_json(raw: &[u8]) -> Result<(), ApiError> {
    let escaped = raw
        .windows(6)
        .enumerate()
        .any(|(i, w)| w == b"\\u0000" && raw[..i].iter().rev().take_while(|b| **b == b'\\').count() % 2 == 0);
    if !escaped {
        return Ok(());
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(raw) else {
        return Ok(()); // not JSON: the parser will say so
    };
    fn walk(value: &serde_json::Value, path: &str, out: &mut Vec<String>) {
        let field = |key: &str| if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") };
        match value {
            serde_json::Value::String(s) if s.contains('\0') => {
                out.push(if path.is_empty() { "body".to_owned() } else { path.to_owned() })
            }
            serde_json::Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{path}[{i}]"), out);
                }
            }
            serde_json::Value::Object(members) => {
                for (key, member) in members {
                    if key.contains('\0') {
                        out.push(field(&key.replace('\0', "\\u0000")));
                    } else {
                        walk(member, &field(key), out);
                    }
                }
            }
            _ => {}
        }
    }
    let mut fields = Vec::new();
    walk(&value, "", &mut fields);
    let mut errors = FieldErrors::new();
    for field in fields {
        errors.push(field, InvalidValue::new("invalid_format", "may not contain a NUL character"));
    }
    if errors.is_empty() { Ok(()) } else { Err(ApiError::Validation(errors)) }
}

/// Parses JSON; a syntax error is 400 `malformed_json`, a value of the wrong
/// type or an unknown field is 422 naming the field's path.
pub fn parse_json<T: DeserializeOwned>(raw: &[u8]) -> Result<T, ApiError> {
    // A struct would also take a JSON array (`[]` = an empty customer): refuse any other top-level shape.
    let shape_ok = crate::body_shape::BodyShape::of::<T>().admits(raw);
    if raw.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson("the body is empty: this operation takes a JSON body".into()));
    }
    let mut de = serde_json::Deserializer::from_slice(raw);
    let result: Result<T, _> = serde_path_to_error::deserialize(&mut de);
    let value = result.map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            serde_json::error::Category::Data if !shape_ok => crate::body_shape::not_an_object(),
            serde_json::error::Category::Data => {
                let field = if path == "." { "body".to_owned() } else { path };
                let message = inner.to_string();
                let message = match message.find(" at line ") {
                    Some(i) => message[..i].to_owned(),
                    None => message,
                };
                let code = if message.starts_with("unknown field") {
                    "unknown_field"
                } else if message.starts_with("missing field") {
                    "required"
                } else {
                    "invalid_type"
                };
                ApiError::Validation(FieldErrors::single(field, InvalidValue::new(code, message)))
            }
            _ => ApiError::MalformedJson(format!("the body is not valid JSON: {inner}")),
        }
    })?;
    de.end().map_err(|e| ApiError::MalformedJson(format!("the body is not valid JSON: {e}")))?;
    if !shape_ok {
        return Err(crate::body_shape::not_an_object());
    }
    Ok(value)
}

/// The caller, authenticated by `Authorization: Bearer <key>`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub key_id: ApiKeyId,
    pub key_name: String,
    pub grant: KeyGrant,
    pub request_id: String,
}

impl Caller {
    /// Fails with 403 unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if self.grant.role().allows(permission) { Ok(()) } else { Err(ApiError::Forbidden) }
    }

    pub fn role(&self) -> Role {
        self.grant.role()
    }

    pub fn scope(&self) -> &StoreScope {
        self.grant.scope()
    }

    /// The audit record of a change this caller makes now.
    pub fn audit(&self) -> AuditContext {
        AuditContext {
            key_id: Some(self.key_id),
            key_name: Some(self.key_name.clone()),
            role: Some(self.grant.role()),
            request_id: Some(self.request_id.clone()),
            at: crate::clock::now(),
        }
    }
}

impl FromRequest for Caller {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Authenticated already by the `authenticate` middleware.
        if let Some(caller) = req.extensions().get::<Caller>().cloned() {
            return Box::pin(std::future::ready(Ok(caller)));
        }
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned());
        let state = req.app_data::<web::Data<AppState>>().cloned();
        let request_id = request_id_of(req).0;
        Box::pin(async move {
            let token = token.filter(|t| !t.is_empty() && t.len() <= 200).ok_or(ApiError::Unauthorized)?;
            let state = state.ok_or_else(|| ApiError::Internal(anyhow::anyhow!("application state missing")))?;
            let digest = clientele_store::digest_token(&token);
            let key = match state.keys.get(&digest) {
                Some(key) => key,
                None => {
                    let key: Option<AuthenticatedKey> =
                        state.run(move |conn| clientele_store::authenticate(conn, &token)).await?;
                    let key = key.ok_or(ApiError::Unauthorized)?;
                    state.keys.put(digest, key.clone());
                    key
                }
            };
            tracing::Span::current().record("key_id", tracing::field::display(key.id));
            Ok(Caller { key_id: key.id, key_name: key.name, grant: key.grant, request_id })
        })
    }
}
