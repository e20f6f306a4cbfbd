//! API keys (admin only): create, list, revoke.

pub(crate) mod shapes;

use std::collections::BTreeSet;

use actix_web::{HttpResponse, delete, get, post, web};
use clientele_kernel::StoreId;
use clientele_profiles::{ApiKeyId, Permission};
use uuid::Uuid;

use self::shapes::{CreateKeyRequest, CreatedKey, KeyView};
use crate::error::{ApiError, Problem};
use crate::extract::{Caller, JsonBody};
use crate::keygen;
use crate::state::AppState;

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
    let (name, grant) = body.value.into_domain()?;
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
    let key = state.run(move |conn| clientele_app::keys::create_api_key(conn, new, &audit)).await?;
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
    let key =
        state.run(move |conn| clientele_app::keys::revoke_api_key(conn, id, &audit)).await.map_err(|e| match e {
            ApiError::NotFound(_) => ApiError::NotFound("api key"),
            other => other,
        })?;
    state.keys.evict(id);
    Ok(HttpResponse::Ok().json(KeyView::new(&key)))
}
