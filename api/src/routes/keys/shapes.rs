//! The API keys' shapes.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use clientele_kernel::{Actor, FieldErrors, StoreId};
use clientele_profiles::{AssociateId, KeyGrant, Role, StoreScope};
use clientele_store::ApiKey;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;

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
    /// For an `associate` key: the associate it belongs to (one who works
    /// at one of its stores). Such a key reads only that associate's
    /// worklist and figures; without it, an associate's key reads those of
    /// every associate of its stores.
    pub associate_id: Option<Uuid>,
}

impl CreateKeyRequest {
    /// The key's name and grant, or the first bad field.
    pub fn into_domain(self) -> Result<(Actor, KeyGrant), ApiError> {
        let req = self;
        // The name is what tags and timeline entries record as their author, so
        // it follows the same rule.
        let name = Actor::parse(&req.name).map_err(|e| ApiError::Validation(FieldErrors::single("name", e)))?;
        let grant = grant(&req.role, req.store_ids)?;
        let grant = match req.associate_id {
            Some(a) => grant
                .for_associate(AssociateId::from_uuid(a))
                .map_err(|e| ApiError::Validation(FieldErrors::single("associate_id", e)))?,
            None => grant,
        };
        Ok((name, grant))
    }
}

/// An API key (never its token, which is shown once at creation).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    pub id: Uuid,
    pub name: String,
    pub role: String,
    pub store_ids: Option<Vec<Uuid>>,
    /// The associate an associate's own key belongs to.
    pub associate_id: Option<Uuid>,
    /// The start of the token, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl KeyView {
    pub fn new(k: &ApiKey) -> Self {
        KeyView {
            id: k.id.as_uuid(),
            name: k.name.clone(),
            role: k.role.as_str().to_owned(),
            store_ids: k.store_ids.as_ref().map(|s| s.iter().map(|i| i.as_uuid()).collect()),
            associate_id: k.associate_id.map(|a| a.as_uuid()),
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
