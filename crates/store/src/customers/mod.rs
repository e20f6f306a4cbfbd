//! Customers: create, read, search, update, tags, consents, merge, erasure, export.

use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, MemberNo, Phone, StoreId};
use clientele_profiles::{
    AssociateId, Channel, Consent, Customer, CustomerPatch, NewCustomer, StoreScope, Tag, TagName,
};
use clientele_webhooks::CustomerCreated;
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, AuditContext};
use crate::customers::rows::{ConsentRow, CustomerRow, DateRow, TagRow, assemble, load_customers};
use crate::error::{Conflict, StoreError};
use crate::idempotency::{self, IdempotencyClaim};
use crate::org::check_org_references;
use crate::outbox;
use crate::schema::{
    customer_consents, customer_tags, customers, email_index, external_id_index, important_dates, member_numbers,
    phone_index,
};

pub(crate) mod interactions;
mod lifecycle;
pub(crate) mod rows;

pub use lifecycle::{
    CustomerExport, DuplicateCandidates, erase_customer, export_customer, find_duplicate_candidates, merge_customers,
};

/// Filters for searching customers. Every filter given must match.
#[derive(Debug, Clone, Default)]
pub struct CustomerFilter {
    /// Part of the name, case-insensitive.
    pub name: Option<String>,
    /// A phone number (exact, normalised).
    pub phone: Option<Phone>,
    /// A member number, current or absorbed by a merge.
    pub member_no: Option<MemberNo>,
    /// A tag name.
    pub tag: Option<TagName>,
    /// Home store.
    pub store: Option<StoreId>,
    /// Assigned associate.
    pub associate: Option<AssociateId>,
    /// Only customers after this one (the cursor).
    pub after: Option<CustomerId>,
    /// Page size (1..=200).
    pub limit: u32,
}

/// One page of a search.
#[derive(Debug, Clone)]
pub struct CustomerPage {
    pub customers: Vec<Customer>,
    /// The cursor for the next page, if there is one.
    pub next_after: Option<CustomerId>,
}

/// The outcome of a create that carried an idempotency key.
#[derive(Debug, Clone)]
pub enum Created {
    /// Newly created.
    New(Customer),
    /// The same request was made before; this is what it created.
    Replayed(Customer),
}

fn audit_view(c: &Customer) -> Value {
    json!({
        "member_no": c.member_no,
        "profile": c.profile,
        "relationship": c.relationship,
        "external_ids": c.external_ids,
        "tags": c.tags,
        "consents": c.consents,
        "erased_at": c.erased_at,
    })
}

fn flat_view(c: &Customer) -> Value {
    let mut out = serde_json::Map::new();
    if let Value::Object(view) = audit_view(c) {
        for (k, v) in view {
            match (k.as_str(), v) {
                ("profile" | "relationship", Value::Object(inner)) => out.extend(inner),
                (_, v) => {
                    out.insert(k, v);
                }
            }
        }
    }
    Value::Object(out)
}

/// Checks that the stores, associate and referrer a customer points at
/// exist, and that the store and associate it is newly given are within the
/// caller's scope (`before`: the customer as it was, for an update).
fn check_references(
    conn: &mut PgConnection,
    c: &Customer,
    before: Option<&Customer>,
    scope: &StoreScope,
) -> Result<(), StoreError> {
    let mut errors = FieldErrors::new();
    let was = |f: fn(&Customer) -> Option<uuid::Uuid>| before.and_then(f);
    let home_store = c
        .relationship
        .home_store
        .filter(|s| was(|b| b.relationship.home_store.map(|s| s.as_uuid())) != Some(s.as_uuid()));
    let associate = c
        .relationship
        .associate
        .filter(|a| was(|b| b.relationship.associate.map(|a| a.as_uuid())) != Some(a.as_uuid()));
    check_org_references(
        conn,
        &mut errors,
        scope,
        home_store.map(|s| ("home_store_id", s)),
        associate.map(|a| ("associate_id", a)),
    )?;
    if let Some(referrer) = c.relationship.acquisition.as_ref().and_then(|a| a.referrer()) {
        let found: bool = diesel::select(exists(
            customers::table
                .find(referrer.as_uuid())
                .filter(customers::merged_into.is_null())
                .filter(customers::erased_at.is_null()),
        ))
        .get_result(conn)?;
        if !found || referrer == c.id {
            errors.push(
                "acquisition.referrer_id",
                InvalidValue::new("unknown_reference", format!("no other customer with id {referrer}")),
            );
        }
    }
    if errors.is_empty() { Ok(()) } else { Err(StoreError::Invalid(errors)) }
}

/// Writes the lookup keys of a customer: phones, e-mail, external ids.
/// Replaces whatever this customer had before.
fn sync_lookup_keys(conn: &mut PgConnection, c: &Customer) -> Result<(), StoreError> {
    let id = c.id.as_uuid();
    diesel::delete(phone_index::table.filter(phone_index::customer_id.eq(id))).execute(conn)?;
    diesel::delete(email_index::table.filter(email_index::customer_id.eq(id))).execute(conn)?;
    diesel::delete(external_id_index::table.filter(external_id_index::customer_id.eq(id))).execute(conn)?;
    let phones: Vec<_> = c
        .profile
        .phones
        .iter()
        .map(|p| (phone_index::phone.eq(p.as_str().to_owned()), phone_index::customer_id.eq(id)))
        .collect();
    if !phones.is_empty() {
        diesel::insert_into(phone_index::table).values(phones).execute(conn)?;
    }
    if let Some(email) = &c.profile.email {
        diesel::insert_into(email_index::table)
            .values((email_index::email.eq(email.as_str()), email_index::customer_id.eq(id)))
            .execute(conn)?;
    }
    for ext in &c.external_ids {
        let inserted = diesel::insert_into(external_id_index::table)
            .values((
                external_id_index::system.eq(ext.system.as_str()),
                external_id_index::value.eq(ext.value.as_str()),
                external_id_index::customer_id.eq(id),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?;
        if inserted == 0 {
            return Err(StoreError::Conflict(Conflict::ExternalId {
                system: ext.system.as_str().to_owned(),
                value: ext.value.as_str().to_owned(),
            }));
        }
    }
    Ok(())
}

/// Replaces the satellites (tags, consents, important dates) of a customer.
fn sync_satellites(conn: &mut PgConnection, c: &Customer) -> Result<(), StoreError> {
    let id = c.id.as_uuid();
    diesel::delete(customer_tags::table.filter(customer_tags::customer_id.eq(id))).execute(conn)?;
    diesel::delete(customer_consents::table.filter(customer_consents::customer_id.eq(id))).execute(conn)?;
    diesel::delete(important_dates::table.filter(important_dates::customer_id.eq(id))).execute(conn)?;
    let tags: Vec<TagRow> = c.tags.iter().map(|t| TagRow::from_domain(c.id, t)).collect();
    if !tags.is_empty() {
        diesel::insert_into(customer_tags::table).values(&tags).execute(conn)?;
    }
    let consents: Vec<ConsentRow> = c.consents.iter().map(|k| ConsentRow::from_domain(c.id, k)).collect();
    if !consents.is_empty() {
        diesel::insert_into(customer_consents::table).values(&consents).execute(conn)?;
    }
    let dates: Vec<DateRow> = c.profile.important_dates.iter().map(|d| DateRow::from_domain(c.id, d)).collect();
    if !dates.is_empty() {
        diesel::insert_into(important_dates::table).values(&dates).execute(conn)?;
    }
    Ok(())
}

/// Writes the whole customer: row, satellites and lookup keys.
fn write_customer(conn: &mut PgConnection, c: &Customer) -> Result<(), StoreError> {
    let row = CustomerRow::from_domain(c)?;
    diesel::update(customers::table.find(row.customer_id)).set(&row).execute(conn)?;
    sync_satellites(conn, c)?;
    sync_lookup_keys(conn, c)
}

/// Creates a customer. The member number is the one given (e.g. imported
/// from a legacy system) or the next of the sequence. With an idempotency
/// claim, a repeat of the same request returns what the first created.
pub fn create_customer(
    conn: &mut PgConnection,
    new: NewCustomer,
    member_no: Option<MemberNo>,
    claim: Option<IdempotencyClaim>,
    scope: &StoreScope,
    ctx: &AuditContext,
) -> Result<Created, StoreError> {
    conn.transaction(|conn| {
        if let Some(claim) = &claim
            && let Some(existing) = idempotency::claim(conn, claim, ctx.at)?
        {
            let id = existing
                .get("customer_id")
                .and_then(Value::as_str)
                .and_then(|s| s.parse::<Uuid>().ok())
                .ok_or_else(|| StoreError::Corrupt("idempotency_keys.body".into()))?;
            let customer = load_customers(conn, &[id])?.remove(&id).ok_or(StoreError::NotFound)?;
            return Ok(Created::Replayed(customer));
        }
        let member_no = match member_no {
            Some(m) => m,
            None => {
                let n: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('member_no_seq')"))
                    .get_result(conn)?;
                MemberNo::from_sequence(n.unsigned_abs())
            }
        };
        let id = CustomerId::from_uuid(Uuid::now_v7());
        let customer = new.into_customer(id, member_no, ctx.at);
        check_references(conn, &customer, None, scope)?;
        let taken = diesel::insert_into(member_numbers::table)
            .values((
                member_numbers::member_no.eq(customer.member_no.as_str()),
                member_numbers::customer_id.eq(id.as_uuid()),
            ))
            .on_conflict_do_nothing()
            .execute(conn)?
            == 0;
        if taken {
            return Err(StoreError::Conflict(Conflict::MemberNo(customer.member_no.as_str().to_owned())));
        }
        diesel::insert_into(customers::table).values(CustomerRow::from_domain(&customer)?).execute(conn)?;
        sync_satellites(conn, &customer)?;
        sync_lookup_keys(conn, &customer)?;
        audit::record(
            conn,
            ctx,
            "create",
            "customer",
            &id.to_string(),
            Some(id),
            audit::diff(&json!({}), &flat_view(&customer)),
        )?;
        let created = CustomerCreated {
            customer_id: id.as_uuid(),
            member_no: customer.member_no.as_str().to_owned(),
            home_store_id: customer.relationship.home_store.map(|s| s.as_uuid()),
        };
        outbox::emit(conn, &created.into(), ctx.at)?;
        if let Some(claim) = &claim {
            idempotency::complete(conn, claim, json!({ "customer_id": id }))?;
        }
        Ok(Created::New(customer))
    })
}

/// The row of a customer, locked for update when `lock` is set, checked
/// against the caller's scope (out of scope = not found).
fn load_checked(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    lock: bool,
) -> Result<Customer, StoreError> {
    let query = customers::table.find(id.as_uuid()).select(CustomerRow::as_select());
    let row: Option<CustomerRow> =
        if lock { query.for_update().first(conn).optional()? } else { query.first(conn).optional()? };
    let row = row.ok_or(StoreError::NotFound)?;
    if !scope.covers(row.home_store_id.map(StoreId::from_uuid)) {
        return Err(StoreError::NotFound);
    }
    if let Some(into) = row.merged_into {
        return Err(StoreError::Merged { id, into: CustomerId::from_uuid(into) });
    }
    assemble(conn, vec![row])?.remove(&id.as_uuid()).ok_or(StoreError::NotFound)
}

/// One customer, as the caller's scope allows.
pub fn get_customer(conn: &mut PgConnection, id: CustomerId, scope: &StoreScope) -> Result<Customer, StoreError> {
    load_checked(conn, id, scope, false)
}

/// The customer a member number (own or absorbed by a merge) leads to.
pub fn lookup_by_member_no(
    conn: &mut PgConnection,
    member_no: &MemberNo,
    scope: &StoreScope,
) -> Result<Customer, StoreError> {
    let id: Uuid = member_numbers::table
        .find(member_no.as_str())
        .select(member_numbers::customer_id)
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?;
    load_checked(conn, CustomerId::from_uuid(id), scope, false)
}

/// The customer with this phone number. Several customers may share one
/// (duplicates not yet merged): that is a [`Conflict::AmbiguousPhone`].
pub fn lookup_by_phone(conn: &mut PgConnection, phone: &Phone, scope: &StoreScope) -> Result<Customer, StoreError> {
    let ids: Vec<Uuid> = phone_index::table
        .filter(phone_index::phone.eq(phone.as_str()))
        .select(phone_index::customer_id)
        .order(phone_index::customer_id.asc())
        .load(conn)?;
    let mut found: Vec<Customer> =
        load_customers(conn, &ids)?.into_values().filter(|c| scope.covers(c.relationship.home_store)).collect();
    match found.len() {
        0 => Err(StoreError::NotFound),
        1 => Ok(found.remove(0)),
        _ => {
            let mut ids: Vec<CustomerId> = found.iter().map(|c| c.id).collect();
            ids.sort();
            Err(StoreError::Conflict(Conflict::AmbiguousPhone(ids)))
        }
    }
}

fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for ch in s.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('%');
    out
}

/// Searches live customers (not erased, not merged away), in id order
/// (ids are time-ordered UUIDv7, so this is creation order).
pub fn search_customers(
    conn: &mut PgConnection,
    filter: &CustomerFilter,
    scope: &StoreScope,
) -> Result<CustomerPage, StoreError> {
    let limit = i64::from(filter.limit.clamp(1, 200));
    let mut query = customers::table
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .select(CustomerRow::as_select())
        .order(customers::customer_id.asc())
        .limit(limit + 1)
        .into_boxed();
    if let Some(name) = &filter.name {
        query = query.filter(customers::name.ilike(escape_like(name)));
    }
    if let Some(phone) = &filter.phone {
        query = query.filter(
            customers::customer_id.eq_any(
                phone_index::table
                    .filter(phone_index::phone.eq(phone.as_str().to_owned()))
                    .select(phone_index::customer_id),
            ),
        );
    }
    if let Some(member_no) = &filter.member_no {
        query = query.filter(
            customers::customer_id.eq_any(
                member_numbers::table
                    .filter(member_numbers::member_no.eq(member_no.as_str().to_owned()))
                    .select(member_numbers::customer_id),
            ),
        );
    }
    if let Some(tag) = &filter.tag {
        query = query.filter(
            customers::customer_id.eq_any(
                customer_tags::table
                    .filter(customer_tags::name.eq(tag.as_str().to_owned()))
                    .select(customer_tags::customer_id),
            ),
        );
    }
    if let Some(store) = filter.store {
        query = query.filter(customers::home_store_id.eq(store.as_uuid()));
    }
    if let Some(associate) = filter.associate {
        query = query.filter(customers::associate_id.eq(associate.as_uuid()));
    }
    if let Some(stores) = scope.store_ids() {
        let ids: Vec<Uuid> = stores.iter().map(|s| s.as_uuid()).collect();
        query = query.filter(customers::home_store_id.eq_any(ids));
    }
    if let Some(after) = filter.after {
        query = query.filter(customers::customer_id.gt(after.as_uuid()));
    }
    let mut rows: Vec<CustomerRow> = query.load(conn)?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    let order: Vec<Uuid> = rows.iter().map(|r| r.customer_id).collect();
    let mut by_id = assemble(conn, rows)?;
    let customers: Vec<Customer> = order.iter().filter_map(|id| by_id.remove(id)).collect();
    let next_after = if more { customers.last().map(|c| c.id) } else { None };
    Ok(CustomerPage { customers, next_after })
}

/// Applies a patch. The result is audited field by field (old → new).
pub fn update_customer(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    patch: CustomerPatch,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    conn.transaction(|conn| {
        let mut customer = load_checked(conn, id, scope, true)?;
        let unchanged = customer.clone();
        let before = flat_view(&customer);
        customer.apply(patch, ctx.at)?;
        check_references(conn, &customer, Some(&unchanged), scope)?;
        write_customer(conn, &customer)?;
        let changes = audit::diff(&before, &flat_view(&customer));
        audit::record(conn, ctx, "update", "customer", &id.to_string(), Some(id), changes)?;
        Ok(customer)
    })
}

fn touch(conn: &mut PgConnection, c: &Customer) -> Result<(), StoreError> {
    diesel::update(customers::table.find(c.id.as_uuid())).set(customers::updated_at.eq(c.updated_at)).execute(conn)?;
    Ok(())
}

/// Sets (or replaces) a tag.
pub fn set_tag(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    tag: Tag,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    conn.transaction(|conn| {
        let mut customer = load_checked(conn, id, scope, true)?;
        let old = customer.tags.get(&tag.name).cloned();
        customer.set_tag(tag.clone(), ctx.at)?;
        diesel::insert_into(customer_tags::table)
            .values(TagRow::from_domain(id, &tag))
            .on_conflict((customer_tags::customer_id, customer_tags::name))
            .do_update()
            .set((
                customer_tags::kind.eq(tag.kind.as_str()),
                customer_tags::set_by.eq(tag.set_by.as_str()),
                customer_tags::set_at.eq(tag.set_at),
            ))
            .execute(conn)?;
        touch(conn, &customer)?;
        audit::record(
            conn,
            ctx,
            "tag",
            "customer",
            &id.to_string(),
            Some(id),
            json!({ tag.name.as_str(): { "old": old, "new": tag } }),
        )?;
        Ok(customer)
    })
}

/// Removes a tag. Removing a tag the customer does not have changes nothing.
pub fn remove_tag(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    name: &TagName,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    conn.transaction(|conn| {
        let mut customer = load_checked(conn, id, scope, true)?;
        if let Some(old) = customer.remove_tag(name, ctx.at)? {
            diesel::delete(customer_tags::table.find((id.as_uuid(), name.as_str()))).execute(conn)?;
            touch(conn, &customer)?;
            audit::record(
                conn,
                ctx,
                "untag",
                "customer",
                &id.to_string(),
                Some(id),
                json!({ name.as_str(): { "old": old, "new": null } }),
            )?;
        }
        Ok(customer)
    })
}

/// Records a consent decision. A decision older than the one on file
/// changes nothing (the newer decision per channel stands).
pub fn record_consent(
    conn: &mut PgConnection,
    id: CustomerId,
    scope: &StoreScope,
    consent: Consent,
    ctx: &AuditContext,
) -> Result<Customer, StoreError> {
    conn.transaction(|conn| {
        let mut customer = load_checked(conn, id, scope, true)?;
        let channel: Channel = consent.channel;
        let old = customer.consents.get(channel).cloned();
        customer.record_consent(consent, ctx.at)?;
        let new = customer.consents.get(channel).cloned();
        if old != new {
            if let Some(current) = &new {
                diesel::insert_into(customer_consents::table)
                    .values(ConsentRow::from_domain(id, current))
                    .on_conflict((customer_consents::customer_id, customer_consents::channel))
                    .do_update()
                    .set((
                        customer_consents::granted.eq(current.granted),
                        customer_consents::at.eq(current.at),
                        customer_consents::source.eq(current.source.as_str()),
                    ))
                    .execute(conn)?;
            }
            touch(conn, &customer)?;
            audit::record(
                conn,
                ctx,
                "consent",
                "customer",
                &id.to_string(),
                Some(id),
                json!({ channel.as_str(): { "old": old, "new": new } }),
            )?;
        }
        Ok(customer)
    })
}

/// Number of live customers (for readiness pages and demo output).
pub fn count_customers(conn: &mut PgConnection) -> Result<i64, StoreError> {
    Ok(customers::table
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .select(count_star())
        .first(conn)?)
}
