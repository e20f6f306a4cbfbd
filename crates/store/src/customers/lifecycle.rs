//! What happens to a whole customer record, as stored: a merge of a
//! duplicate into its survivor and an erasure written (the use cases are
//! `clientele_app::customers`), the access-request export, and finding
//! duplicates.

use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_profiles::{Customer, CustomerRecord, StoreScope};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, AuditEntry};
use crate::customers::interactions::{self, load_timeline_all};
use crate::customers::rows::{CustomerRow, load_customers};
use crate::error::StoreError;
use crate::schema::{
    customer_consents, customer_merges, customer_tags, customers, email_index, external_id_index, important_dates,
    member_numbers, phone_index,
};

use super::{load_checked, write_customer};

/// Everything the system holds about one person (PIPL/GDPR access request).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CustomerExport {
    pub customer: Customer,
    /// Every member number that leads to this customer (own and absorbed by merges).
    pub member_numbers: Vec<String>,
    pub timeline: Vec<clientele_profiles::Interaction>,
    /// What each record merged into this one held when it was merged.
    pub merged_records: Vec<Value>,
    pub audit: Vec<AuditEntry>,
}

/// Customers that share at least one match key with another customer.
#[derive(Debug, Clone)]
pub struct DuplicateCandidates {
    pub customers: Vec<Customer>,
    /// True when more candidates existed than were loaded.
    pub truncated: bool,
}

/// A merge worked out by `clientele_profiles::merge`, to be written.
#[derive(Debug, Clone, Copy)]
pub struct Absorption<'a> {
    pub survivor: CustomerId,
    /// The survivor after the merge.
    pub merged: &'a Customer,
    /// The absorbed record as it was (kept as the merge's snapshot).
    pub absorbed: &'a CustomerRecord,
    /// The absorbed record's own member number, which leads to the survivor
    /// from now on.
    pub absorbed_member_no: &'a str,
    pub at: DateTime<Utc>,
    pub by: Option<Uuid>,
}

/// Writes a merge: the absorbed record's lookup keys and satellites go,
/// its timeline, member numbers and earlier merges move to the survivor,
/// the survivor is written merged, and the absorbed record is left as an
/// empty tombstone pointing at the survivor. Both must be locked
/// (`load_checked` with `lock`).
pub fn write_absorption(conn: &mut PgConnection, m: &Absorption<'_>) -> Result<(), StoreError> {
    let (survivor, absorbed) = (m.survivor, m.absorbed.customer.id);
    // The absorbed record's lookup keys and satellites go first, so the
    // survivor can take over its external ids.
    let xid = absorbed.as_uuid();
    diesel::delete(phone_index::table.filter(phone_index::customer_id.eq(xid))).execute(conn)?;
    diesel::delete(email_index::table.filter(email_index::customer_id.eq(xid))).execute(conn)?;
    diesel::delete(external_id_index::table.filter(external_id_index::customer_id.eq(xid))).execute(conn)?;
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(xid))).execute(conn)?;
    diesel::delete(customer_consents::table.filter(customer_consents::customer_id.eq(xid))).execute(conn)?;
    diesel::delete(important_dates::table.filter(important_dates::customer_id.eq(xid))).execute(conn)?;
    interactions::move_all(conn, absorbed, survivor)?;
    move_commitments(conn, m)?;
    write_customer(conn, m.merged)?;
    diesel::update(member_numbers::table.filter(member_numbers::customer_id.eq(xid)))
        .set(member_numbers::customer_id.eq(survivor.as_uuid()))
        .execute(conn)?;
    move_merges(conn, m)?;
    diesel::update(customers::table.filter(customers::merged_into.eq(xid)))
        .set(customers::merged_into.eq(survivor.as_uuid()))
        .execute(conn)?;

    // The tombstone: personal data now lives in the survivor.
    let mut tombstone = m.absorbed.customer.clone();
    tombstone.erase(m.at);
    let mut row = CustomerRow::from_domain(&tombstone)?;
    row.member_no = m.absorbed_member_no.to_owned();
    row.erased_at = None;
    row.merged_into = Some(survivor.as_uuid());
    row.merged_at = Some(m.at);
    diesel::update(customers::table.find(xid)).set(&row).execute(conn)?;
    Ok(())
}

/// The absorbed record's follow-ups (open ones are commitments; done ones
/// are contacts the worklist counts) and personal coupon codes go to the
/// survivor — but for a rule's or campaign's occurrence the survivor has
/// too, and a coupon the survivor holds a code of: those stay behind (one
/// call, one code is enough).
fn move_commitments(conn: &mut PgConnection, m: &Absorption<'_>) -> Result<(), StoreError> {
    use diesel::sql_types::{Timestamptz, Uuid as SqlUuid};
    let (survivor, xid) = (m.survivor.as_uuid(), m.absorbed.customer.id.as_uuid());
    diesel::sql_query(
        "UPDATE follow_ups f SET customer_id = $1 WHERE f.customer_id = $2 AND NOT EXISTS ( \
           SELECT 1 FROM follow_ups s WHERE s.customer_id = $1 AND s.occurrence = f.occurrence \
             AND s.campaign_id IS NOT DISTINCT FROM f.campaign_id)",
    )
    .bind::<SqlUuid, _>(survivor)
    .bind::<SqlUuid, _>(xid)
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE coupon_codes c SET customer_id = $1, changed_at = $3 WHERE c.customer_id = $2 AND NOT EXISTS ( \
           SELECT 1 FROM coupon_codes s WHERE s.customer_id = $1 AND s.coupon_id = c.coupon_id)",
    )
    .bind::<SqlUuid, _>(survivor)
    .bind::<SqlUuid, _>(xid)
    .bind::<Timestamptz, _>(m.at)
    .execute(conn)?;
    Ok(())
}

/// The records the absorbed one had itself absorbed now belong to the
/// survivor, with the absorbed one's own snapshot.
fn move_merges(conn: &mut PgConnection, m: &Absorption<'_>) -> Result<(), StoreError> {
    let (survivor, xid) = (m.survivor.as_uuid(), m.absorbed.customer.id.as_uuid());
    type MergeRow = (Uuid, String, DateTime<Utc>, Option<Uuid>, Value);
    let earlier: Vec<MergeRow> = customer_merges::table
        .filter(customer_merges::customer_id.eq(xid))
        .select((
            customer_merges::absorbed_id,
            customer_merges::absorbed_member_no,
            customer_merges::merged_at,
            customer_merges::merged_by,
            customer_merges::absorbed_snapshot,
        ))
        .load(conn)?;
    diesel::delete(customer_merges::table.filter(customer_merges::customer_id.eq(xid))).execute(conn)?;
    let snapshot = serde_json::to_value(m.absorbed)?;
    let mut merges: Vec<_> = earlier
        .into_iter()
        .map(|(aid, mno, at, by, snap)| {
            (
                customer_merges::customer_id.eq(survivor),
                customer_merges::absorbed_id.eq(aid),
                customer_merges::absorbed_member_no.eq(mno),
                customer_merges::merged_at.eq(at),
                customer_merges::merged_by.eq(by),
                customer_merges::absorbed_snapshot.eq(snap),
            )
        })
        .collect();
    merges.push((
        customer_merges::customer_id.eq(survivor),
        customer_merges::absorbed_id.eq(xid),
        customer_merges::absorbed_member_no.eq(m.absorbed_member_no.to_owned()),
        customer_merges::merged_at.eq(m.at),
        customer_merges::merged_by.eq(m.by),
        customer_merges::absorbed_snapshot.eq(snapshot),
    ));
    diesel::insert_into(customer_merges::table).values(merges).execute(conn)?;
    Ok(())
}

/// Writes an erased customer (PIPL/GDPR): the anonymised record, its own
/// member number only, free-text notes redacted, merge snapshots and the
/// old → new values of the audit log removed — for it and for the records
/// merged into it, which were the same person.
pub fn write_erasure(conn: &mut PgConnection, customer: &Customer) -> Result<(), StoreError> {
    let id = customer.id;
    write_customer(conn, customer)?;
    diesel::delete(member_numbers::table.filter(member_numbers::customer_id.eq(id.as_uuid()))).execute(conn)?;
    diesel::insert_into(member_numbers::table)
        .values((
            member_numbers::member_no.eq(customer.member_no.as_str()),
            member_numbers::customer_id.eq(id.as_uuid()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    interactions::redact_all(conn, id)?;
    diesel::update(customer_merges::table.filter(customer_merges::customer_id.eq(id.as_uuid())))
        .set(customer_merges::absorbed_snapshot.eq(json!({ "redacted": true })))
        .execute(conn)?;
    let absorbed: Vec<Uuid> =
        customers::table.filter(customers::merged_into.eq(id.as_uuid())).select(customers::customer_id).load(conn)?;
    for person in std::iter::once(id).chain(absorbed.into_iter().map(CustomerId::from_uuid)) {
        audit::redact_customer(conn, person)?;
    }
    Ok(())
}

/// Everything held about a customer.
pub fn export_customer(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
) -> Result<CustomerExport, StoreError> {
    conn.transaction(|conn| {
        let customer = load_checked(conn, id, scope, false)?;
        let member_numbers: Vec<String> = member_numbers::table
            .filter(member_numbers::customer_id.eq(id.as_uuid()))
            .select(member_numbers::member_no)
            .order(member_numbers::member_no.asc())
            .load(conn)?;
        let timeline = load_timeline_all(conn, id)?;
        let merged_records: Vec<Value> = customer_merges::table
            .filter(customer_merges::customer_id.eq(id.as_uuid()))
            .order(customer_merges::merged_at.asc())
            .select(customer_merges::absorbed_snapshot)
            .load(conn)?;
        let audit = audit::audit_entries_for_customer(conn, id)?;
        Ok(CustomerExport { customer, member_numbers, timeline, merged_records, audit })
    })
}

/// Live customers that share a phone, an e-mail, or a name and birthday with
/// another live customer, at most `limit` of them (the scoring is the
/// domain's: `clientele_profiles::find_duplicate_pairs`).
pub fn find_duplicate_candidates(
    conn: &mut PgConnection,
    scope: &StoreScope,
    limit: u32,
) -> Result<DuplicateCandidates, StoreError> {
    use diesel::sql_types::{Array, Uuid as SqlUuid};
    let sql = "
        SELECT customer_id FROM (
            SELECT customer_id FROM phone_index WHERE phone IN (SELECT phone FROM phone_index GROUP BY phone HAVING count(*) > 1)
            UNION
            SELECT customer_id FROM email_index WHERE email IN (SELECT email FROM email_index GROUP BY email HAVING count(*) > 1)
            UNION
            SELECT c.customer_id FROM customers c
            JOIN (SELECT name_key, birthday FROM customers
                  WHERE name_key IS NOT NULL AND birthday IS NOT NULL AND merged_into IS NULL AND erased_at IS NULL
                  GROUP BY name_key, birthday HAVING count(*) > 1) d
              ON d.name_key = c.name_key AND d.birthday = c.birthday
            WHERE c.merged_into IS NULL AND c.erased_at IS NULL
        ) candidates
        JOIN customers USING (customer_id)
        WHERE customers.merged_into IS NULL AND customers.erased_at IS NULL
          AND ($1::uuid[] IS NULL OR customers.home_store_id = ANY($1))
        ORDER BY customer_id
        LIMIT $2";
    #[derive(QueryableByName)]
    struct IdRow {
        #[diesel(sql_type = SqlUuid)]
        customer_id: Uuid,
    }
    let stores: Option<Vec<Uuid>> = scope.store_ids().map(|s| s.iter().map(|id| id.as_uuid()).collect());
    let rows: Vec<IdRow> = diesel::sql_query(sql)
        .bind::<diesel::sql_types::Nullable<Array<SqlUuid>>, _>(stores)
        .bind::<diesel::sql_types::BigInt, _>(i64::from(limit) + 1)
        .load(conn)?;
    let truncated = rows.len() > limit as usize;
    let ids: Vec<Uuid> = rows.into_iter().take(limit as usize).map(|r| r.customer_id).collect();
    let mut by_id = load_customers(conn, &ids)?;
    let customers = ids.iter().filter_map(|id| by_id.remove(id)).collect();
    Ok(DuplicateCandidates { customers, truncated })
}
