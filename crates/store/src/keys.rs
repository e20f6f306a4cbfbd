//! API keys: random tokens stored only as a SHA-256 digest.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use clientele_kernel::StoreId;
use clientele_profiles::{ApiKeyId, AssociateId, KeyGrant, Role, StoreScope};
use diesel::prelude::*;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::api_keys;

/// SHA-256 of a token: the only form in which a key is stored.
pub fn digest_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// A key as listed (never with its token).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub name: String,
    pub role: Role,
    /// None: every store.
    pub store_ids: Option<BTreeSet<StoreId>>,
    /// The associate an associate's own key belongs to.
    pub associate_id: Option<AssociateId>,
    /// The first characters of the token, to tell keys apart.
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A key to create.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub grant: KeyGrant,
    /// The digest of the token (see [`digest_token`]); the token itself is shown once and never stored.
    pub digest: [u8; 32],
    pub prefix: String,
}

/// The caller behind a valid token.
#[derive(Debug, Clone)]
pub struct AuthenticatedKey {
    pub id: ApiKeyId,
    pub name: String,
    pub grant: KeyGrant,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = api_keys)]
struct KeyRow {
    id: Uuid,
    name: String,
    role: String,
    store_ids: Option<Vec<Uuid>>,
    digest: Vec<u8>,
    prefix: String,
    created_at: DateTime<Utc>,
    revoked_at: Option<DateTime<Utc>>,
    associate_id: Option<Uuid>,
}

impl KeyRow {
    fn grant(&self) -> Result<KeyGrant, StoreError> {
        let grant = KeyGrant::new(self.role()?, self.scope()).map_err(corrupt("api_keys.store_ids"))?;
        match self.associate_id {
            Some(a) => grant.for_associate(AssociateId::from_uuid(a)).map_err(corrupt("api_keys.associate_id")),
            None => Ok(grant),
        }
    }
    fn scope(&self) -> StoreScope {
        match &self.store_ids {
            None => StoreScope::All,
            Some(ids) => StoreScope::Stores(ids.iter().copied().map(StoreId::from_uuid).collect()),
        }
    }
    fn role(&self) -> Result<Role, StoreError> {
        self.role.parse::<Role>().map_err(corrupt("api_keys.role"))
    }
    fn into_api_key(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            id: ApiKeyId::from_uuid(self.id),
            role: self.role()?,
            store_ids: self.scope().store_ids().cloned(),
            associate_id: self.associate_id.map(AssociateId::from_uuid),
            name: self.name,
            prefix: self.prefix,
            created_at: self.created_at,
            revoked_at: self.revoked_at,
        })
    }
}

/// Writes a new key, made at `at` by `created_by` (None: the system).
pub fn insert_api_key(
    conn: &mut PgConnection,
    new: &NewApiKey,
    at: DateTime<Utc>,
    created_by: Option<ApiKeyId>,
) -> Result<ApiKey, StoreError> {
    let store_ids: Option<Vec<Uuid>> = new.grant.scope().store_ids().map(|s| s.iter().map(|i| i.as_uuid()).collect());
    let row: KeyRow = diesel::insert_into(api_keys::table)
        .values((
            api_keys::id.eq(Uuid::now_v7()),
            api_keys::name.eq(&new.name),
            api_keys::role.eq(new.grant.role().as_str()),
            api_keys::store_ids.eq(&store_ids),
            api_keys::digest.eq(new.digest.as_slice()),
            api_keys::prefix.eq(&new.prefix),
            api_keys::created_at.eq(at),
            api_keys::created_by.eq(created_by.map(|k| k.as_uuid())),
            api_keys::associate_id.eq(new.grant.associate().map(|a| a.as_uuid())),
        ))
        .returning(KeyRow::as_returning())
        .get_result(conn)?;
    row.into_api_key()
}

/// Every key, newest first, revoked ones included.
pub fn list_api_keys(conn: &mut PgConnection) -> Result<Vec<ApiKey>, StoreError> {
    api_keys::table
        .order(api_keys::id.desc())
        .select(KeyRow::as_select())
        .load(conn)?
        .into_iter()
        .map(KeyRow::into_api_key)
        .collect()
}

/// A key, locked for update until the end of the transaction.
pub fn lock_api_key(conn: &mut PgConnection, id: ApiKeyId) -> Result<ApiKey, StoreError> {
    api_keys::table
        .find(id.as_uuid())
        .select(KeyRow::as_select())
        .for_update()
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?
        .into_api_key()
}

/// Writes that a key was revoked at `at`; it stops working at once.
pub fn write_revocation(conn: &mut PgConnection, id: ApiKeyId, at: DateTime<Utc>) -> Result<ApiKey, StoreError> {
    let row: KeyRow = diesel::update(api_keys::table.find(id.as_uuid()))
        .set(api_keys::revoked_at.eq(Some(at)))
        .returning(KeyRow::as_returning())
        .get_result(conn)?;
    row.into_api_key()
}

/// The live key whose token this is, if any. The digest is looked up by its
/// unique index and then compared in constant time.
pub fn authenticate(conn: &mut PgConnection, token: &str) -> Result<Option<AuthenticatedKey>, StoreError> {
    let digest = digest_token(token);
    let row: Option<KeyRow> = api_keys::table
        .filter(api_keys::digest.eq(digest.as_slice()))
        .filter(api_keys::revoked_at.is_null())
        .select(KeyRow::as_select())
        .first(conn)
        .optional()?;
    let Some(row) = row else { return Ok(None) };
    if !bool::from(row.digest.as_slice().ct_eq(digest.as_slice())) {
        return Ok(None);
    }
    let grant = row.grant()?;
    Ok(Some(AuthenticatedKey { id: ApiKeyId::from_uuid(row.id), name: row.name, grant }))
}
