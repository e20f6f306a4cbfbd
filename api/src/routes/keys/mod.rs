use std::collections::BTreeSet;

use actix_web::{HttpResponse, delete, get, post, web};
use chrono::{DateTime, Utc};
use clientele_profiles::{Actor, ApiKeyId, FieldErrors, KeyGrant, Permission, Role, StoreId, StoreScope};
use clientele_store::ApiKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::keygen;
use crate::state::AppState;

/// A new API key.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// Who or what uses it: "POS Shanghai IFC", "Li Na (store manager)".
    pub name: String,
    /// `admin`, `crm_manager`, `store_manager`, `associate`, `pos`, `analyst`.
    pub role: String,
    /// Stores the key is limited to. Required for `store_manager` and
    /// `associate`; optional for `pos` and `analyst`; not allowed for `admin`
    /// and `crm_manager`.
    pub store_ids: Option<Vec<Uuid>>,
}

/// An API key (never its token, which is shown once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub store_ids: Option<Vec<Uuid>>,
    /// The start of the token, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl KeyView {
    fn new(k: &ApiKey) -> Self {
        KeyView {
            id: k.id.as_uuid(),
            name: k.name.clone(),
            role: k.role.as_str().to_owned(),
            store_ids: k.store_ids.as_ref().map(|s| s.iter().map(|i| i.as_uuid()).collect()),
            prefix: k.prefix.clone(),
            created_at: k.created_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A key just created, with its token: store it now, it is not shown again.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    pub key: KeyView,
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
}

/// Parses a role and store list into a grant.
pub(crate) fn grant(role: &str, store_ids: Option<Vec<Uuid>>) -> Result<KeyGrant, FieldErrors> {
    let mut e = FieldErrors::new();
    let role = e.check("role", role.parse::<Role>());
    let scope = match store_ids {
        None => StoreScope::All,
        Some(ids) => StoreScope::Stores(ids.into_iter().map(StoreId::from_uuid).collect::<BTreeSet<_>>()),
    };
    let role = role.ok_or(e)?;
    KeyGrant::new(role, scope).map_err(|err| FieldErrors::single("store_ids", err))
}

/// Creates an API key (admin only). The token is in the answer, once.
#[utoipa::path(tag = "access", request_body = CreateKeyRequest,
    responses((status = 201, body = CreatedKey), (status = 403, body = Problem), (status = 422, body = Problem)))]
#[post("/v1/api-keys")]
pub async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: JsonBody<CreateKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageApiKeys)?;
    let req = body.value;
    // The name is what tags and timeline entries record as their author, so
    // it follows the same rule.
    let name = Actor::parse(&req.name).map_err(|e| ApiError::Validation(FieldErrors::single("name", e)))?;
    let grant = grant(&req.role, req.store_ids)?;
    if let Some(stores) = grant.scope().store_ids() {
        let wanted = stores.clone();
        let known = state.run(clientele_store::list_stores).await?;
        let known: BTreeSet<StoreId> = known.iter().map(|s| s.id).collect();
        if let Some(missing) = wanted.iter().find(|s| !known.contains(s)) {
            return Err(ApiError::field("store_ids", "unknown_reference", format!("no store with id {missing}")));
        }
    }
    let generated = keygen::generate();
    let new = clientele_store::NewApiKey {
        name: name.as_str().to_owned(),
        grant,
        digest: generated.digest,
        prefix: generated.prefix.clone(),
    };
    let audit = caller.audit();
    let key = state.run(move |conn| clientele_store::create_api_key(conn, new, &audit)).await?;
    Ok(HttpResponse::Created().json(CreatedKey { key: KeyView::new(&key), token: generated.token }))
}

/// Lists API keys, revoked ones included (admin only).
#[utoipa::path(tag = "access", responses((status = 200, body = [KeyView]), (status = 403, body = Problem)))]
#[get("/v1/api-keys")]
pub async fn list(state: web::Data<AppState>, caller: Caller) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageApiKeys)?;
    let keys = state.run(clientele_store::list_api_keys).await?;
    Ok(HttpResponse::Ok().json(keys.iter().map(KeyView::new).collect::<Vec<_>>()))
}

/// Revokes an API key at once (admin only).
#[utoipa::path(tag = "access", params(("id" = Uuid, Path)), responses((status = 200, body = KeyView), (status = 404, body = Problem)))]
#[delete("/v1/api-keys/{id}")]
pub async fn revoke(
    state: web::Data<AppState>,
    caller: Caller,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(Permission::ManageApiKeys)?;
    let id = path.parse::<Uuid>().map(ApiKeyId::from_uuid).map_err(|_| ApiError::NotFound("api key"))?;
    let audit = caller.audit();
    let key = state.run(move |conn| clientele_store::revoke_api_key(conn, id, &audit)).await.map_err(|e| match e {
        ApiError::NotFound(_) => ApiError::NotFound("api key"),
        other => other,
    })?;
    state.keys.evict(id);
    Ok(HttpResponse::Ok().json(KeyView::new(&key)))
}
