//! `Idempotency-Key` on creating requests: the first request with a key
//! claims it inside its own transaction; a repeat waits for that transaction
//! and then finds what it created (the comparison of the two requests is
//! the application layer's).

use chrono::{DateTime, Utc};
use clientele_profiles::ApiKeyId;
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::error::StoreError;
use crate::schema::idempotency_keys;

/// An idempotency key as sent by one API key, with a digest of the request body.
#[derive(Debug, Clone)]
pub struct IdempotencyClaim {
    /// The API key sending it (keys are per client, so two clients never collide).
    pub key_id: ApiKeyId,
    /// The `Idempotency-Key` header.
    pub key: String,
    /// SHA-256 of the request body: a repeat with another body is refused.
    pub request_hash: Vec<u8>,
}

/// What the first request with a key left: the digest of its body and
/// the body of its result.
#[derive(Debug, Clone)]
pub struct FirstRequest {
    pub request_hash: Vec<u8>,
    pub body: Value,
}

/// Claims the key. Returns None when this request is the first (go on and
/// create), or what the first request left (after waiting for its
/// transaction).
pub fn claim_idempotency_key(
    conn: &mut PgConnection,
    claim: &IdempotencyClaim,
    at: DateTime<Utc>,
) -> Result<Option<FirstRequest>, StoreError> {
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::key_id.eq(claim.key_id.as_uuid()),
            idempotency_keys::idempotency_key.eq(&claim.key),
            idempotency_keys::request_hash.eq(&claim.request_hash),
            idempotency_keys::status.eq(0i16),
            idempotency_keys::body.eq(json!({})),
            idempotency_keys::created_at.eq(at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    if inserted == 1 {
        return Ok(None);
    }
    let (request_hash, body): (Vec<u8>, Value) = idempotency_keys::table
        .find((claim.key_id.as_uuid(), &claim.key))
        .select((idempotency_keys::request_hash, idempotency_keys::body))
        .first(conn)?;
    Ok(Some(FirstRequest { request_hash, body }))
}

/// Stores the result of the first request.
pub fn complete_idempotency_key(
    conn: &mut PgConnection,
    claim: &IdempotencyClaim,
    body: Value,
) -> Result<(), StoreError> {
    diesel::update(idempotency_keys::table.find((claim.key_id.as_uuid(), &claim.key)))
        .set((idempotency_keys::status.eq(201i16), idempotency_keys::body.eq(body)))
        .execute(conn)?;
    Ok(())
}
