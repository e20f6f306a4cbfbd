//! What happens to a whole customer record: merging a duplicate into its
//! survivor, erasure, the access-request export, and finding duplicates.

use chrono::{DateTime, Utc};
use clientele_kernel::CustomerId;
use clientele_profiles::{Customer, CustomerRecord, ProfileError, StoreScope, merge};
use clientele_webhooks::CustomerMerged;
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, AuditContext, AuditEntry};
use crate::customers::interactions::{self, load_timeline_all};
use crate::customers::rows::{CustomerRow, load_customers};
use crate::error::StoreError;
use crate::outbox;
use crate::schema::{
    customer_consents, customer_merges, customer_tags, customers, email_index, external_id_index, important_dates,
    member_numbers, phone_index,
};

use super::{flat_view, load_checked, write_customer};

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

/// Merges `absorbed` into `survivor`: profile gaps filled, tags, dates,
/// consents, external ids and timeline combined (rules in
/// `clientele_profiles::merge`), member numbers of the absorbed record lead
/// to the survivor from now on, and the absorbed record is left as an empty
/// tombstone pointing at the survivor. Both must be in the caller's scope.
pub fn merge_customers(
    conn: &mut PgConnection,
    survivor: CustomerId,
    absorbed: CustomerId,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    if survivor == absorbed {
        return Err(StoreError::Profile(ProfileError::MergeWithSelf));
    }
    conn.transaction(|conn| {
        // Lock in id order so two opposite merges cannot deadlock.
        let (first, second) = if survivor < absorbed { (survivor, absorbed) } else { (absorbed, survivor) };
        let a = load_checked(conn, first, scope, true)?;
        let b = load_checked(conn, second, scope, true)?;
        let (s, x) = if a.id == survivor { (a, b) } else { (b, a) };
        let s_record = CustomerRecord { timeline: load_timeline_all(conn, s.id)?, customer: s };
        let x_record = CustomerRecord { timeline: load_timeline_all(conn, x.id)?, customer: x };
        let before = flat_view(&s_record.customer);
        let outcome = merge(&s_record, &x_record, ctx.at)?;
        let merged = &outcome.merged.customer;

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
        write_customer(conn, merged)?;

        diesel::update(member_numbers::table.filter(member_numbers::customer_id.eq(xid)))
            .set(member_numbers::customer_id.eq(survivor.as_uuid()))
            .execute(conn)?;
        // Records the absorbed one had itself absorbed now belong to the survivor.
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
        let snapshot = serde_json::to_value(&x_record)?;
        let mut merges: Vec<_> = earlier
            .into_iter()
            .map(|(aid, mno, at, by, snap)| {
                (
                    customer_merges::customer_id.eq(survivor.as_uuid()),
                    customer_merges::absorbed_id.eq(aid),
                    customer_merges::absorbed_member_no.eq(mno),
                    customer_merges::merged_at.eq(at),
                    customer_merges::merged_by.eq(by),
                    customer_merges::absorbed_snapshot.eq(snap),
                )
            })
            .collect();
        merges.push((
            customer_merges::customer_id.eq(survivor.as_uuid()),
            customer_merges::absorbed_id.eq(xid),
            customer_merges::absorbed_member_no.eq(outcome.absorbed_member_no.as_str().to_owned()),
            customer_merges::merged_at.eq(ctx.at),
            customer_merges::merged_by.eq(ctx.key_id.map(|k| k.as_uuid())),
            customer_merges::absorbed_snapshot.eq(snapshot),
        ));
        diesel::insert_into(customer_merges::table).values(merges).execute(conn)?;
        diesel::update(customers::table.filter(customers::merged_into.eq(xid)))
            .set(customers::merged_into.eq(survivor.as_uuid()))
            .execute(conn)?;

        // The tombstone: personal data now lives in the survivor.
        let mut tombstone = x_record.customer.clone();
        tombstone.erase(ctx.at);
        let mut row = CustomerRow::from_domain(&tombstone)?;
        row.member_no = outcome.absorbed_member_no.as_str().to_owned();
        row.erased_at = None;
        row.merged_into = Some(survivor.as_uuid());
        row.merged_at = Some(ctx.at);
        diesel::update(customers::table.find(xid)).set(&row).execute(conn)?;

        let mut changes = audit::diff(&before, &flat_view(merged));
        if let Value::Object(map) = &mut changes {
            map.insert("absorbed".into(), json!({ "customer_id": absorbed, "member_no": outcome.absorbed_member_no }));
        }
        audit::record(conn, ctx, "merge", "customer", &survivor.to_string(), Some(survivor), changes)?;
        audit::record(
            conn,
            ctx,
            "merged_into",
            "customer",
            &absorbed.to_string(),
            Some(absorbed),
            json!({ "merged_into": survivor }),
        )?;
        let merged_event = CustomerMerged {
            survivor_id: survivor.as_uuid(),
            absorbed_id: absorbed.as_uuid(),
            absorbed_member_no: outcome.absorbed_member_no.as_str().to_owned(),
        };
        outbox::emit(conn, &merged_event.into(), ctx.at)?;
        Ok(merged.clone())
    })
}

/// Erasure (PIPL/GDPR): personal fields, tags, consents, dates, lookup keys,
/// free-text notes, merge snapshots and the old → new values of the audit
/// log are removed; the record stays, anonymised, for statistics.
pub fn erase_customer(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    conn.transaction(|conn| {
        let mut customer = load_checked(conn, id, scope, true)?;
        if customer.is_erased() {
            return Ok(customer);
        }
        customer.erase(ctx.at);
        write_customer(conn, &customer)?;
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
        // The records merged into this one were the same person: their audit
        // entries hold the same personal data.
        let absorbed: Vec<Uuid> = customers::table
            .filter(customers::merged_into.eq(id.as_uuid()))
            .select(customers::customer_id)
            .load(conn)?;
        for person in std::iter::once(id).chain(absorbed.into_iter().map(CustomerId::from_uuid)) {
            audit::redact_customer(conn, person)?;
        }
        audit::record(conn, ctx, "erase", "customer", &id.to_string(), Some(id), json!({ "erased_at": ctx.at }))?;
        Ok(customer)
    })
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
