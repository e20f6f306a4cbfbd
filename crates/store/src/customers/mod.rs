//! Customers as stored: written whole or a tag or consent at a time, read,
//! searched, looked up; merge and erasure written, exported (the use cases
//! are `clientele_app::customers`).

use clientele_kernel::{CustomerId, FieldErrors, InvalidValue, MemberNo, Phone, StoreId};
use clientele_profiles::{AssociateId, Channel, Customer, StoreScope, Tag, TagName};
use diesel::dsl::{count_star, exists};
use diesel::prelude::*;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::customers::rows::{ConsentRow, CustomerRow, DateRow, TagRow, assemble, load_customers};
use crate::error::{Conflict, StoreError};
use crate::org::check_org_references;
use crate::schema::{
    customer_consents, customer_tags, customers, email_index, external_id_index, important_dates, member_numbers,
    phone_index,
};

pub(crate) mod follow_ups;
pub(crate) mod interactions;
pub(crate) mod lifecycle;
pub(crate) mod rows;

pub use lifecycle::{CustomerExport, DuplicateCandidates, export_customer, find_duplicate_candidates};

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

/// A customer as the audit log compares it, field by field.
pub fn flat_view(c: &Customer) -> Value {
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
pub fn check_customer_references(
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
pub fn write_customer(conn: &mut PgConnection, c: &Customer) -> Result<(), StoreError> {
    let row = CustomerRow::from_domain(c)?;
    diesel::update(customers::table.find(row.customer_id)).set(&row).execute(conn)?;
    sync_satellites(conn, c)?;
    sync_lookup_keys(conn, c)
}

/// The next member number of the sequence.
pub fn next_member_no(conn: &mut PgConnection) -> Result<MemberNo, StoreError> {
    let n: i64 =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>("nextval('member_no_seq')")).get_result(conn)?;
    Ok(MemberNo::from_sequence(n.unsigned_abs()))
}

/// Writes a new customer: its member number (a [`Conflict::MemberNo`] when
/// another customer holds it), row, satellites and lookup keys.
pub fn insert_customer(conn: &mut PgConnection, customer: &Customer) -> Result<(), StoreError> {
    let taken = diesel::insert_into(member_numbers::table)
        .values((
            member_numbers::member_no.eq(customer.member_no.as_str()),
            member_numbers::customer_id.eq(customer.id.as_uuid()),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?
        == 0;
    if taken {
        return Err(StoreError::Conflict(Conflict::MemberNo(customer.member_no.as_str().to_owned())));
    }
    diesel::insert_into(customers::table).values(CustomerRow::from_domain(customer)?).execute(conn)?;
    sync_satellites(conn, customer)?;
    sync_lookup_keys(conn, customer)
}

/// A customer by id, whatever the caller's scope (not found when merged
/// away): for a caller that may see it already, as the replay of its own
/// create.
pub fn load_unchecked(conn: &mut PgConnection, id: CustomerId) -> Result<Customer, StoreError> {
    load_customers(conn, &[id.as_uuid()])?.remove(&id.as_uuid()).ok_or(StoreError::NotFound)
}

/// The row of a customer, locked for update when `lock` is set, checked
/// against the caller's scope (out of scope = not found) and refused when
/// merged away.
pub fn load_checked(
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

fn touch(conn: &mut PgConnection, c: &Customer) -> Result<(), StoreError> {
    diesel::update(customers::table.find(c.id.as_uuid())).set(customers::updated_at.eq(c.updated_at)).execute(conn)?;
    Ok(())
}

/// Writes a tag a customer was given (replacing one of the same name) and
/// the customer's `updated_at`.
pub fn write_tag(conn: &mut PgConnection, customer: &Customer, tag: &Tag) -> Result<(), StoreError> {
    diesel::insert_into(customer_tags::table)
        .values(TagRow::from_domain(customer.id, tag))
        .on_conflict((customer_tags::customer_id, customer_tags::name))
        .do_update()
        .set((
            customer_tags::kind.eq(tag.kind.as_str()),
            customer_tags::set_by.eq(tag.set_by.as_str()),
            customer_tags::set_at.eq(tag.set_at),
        ))
        .execute(conn)?;
    touch(conn, customer)
}

/// Deletes a tag a customer no longer has, and writes its `updated_at`.
pub fn delete_tag(conn: &mut PgConnection, customer: &Customer, name: &TagName) -> Result<(), StoreError> {
    diesel::delete(customer_tags::table.find((customer.id.as_uuid(), name.as_str()))).execute(conn)?;
    touch(conn, customer)
}

/// Writes the consent a customer holds now for one channel, if any, and
/// the customer's `updated_at`.
pub fn write_consent(conn: &mut PgConnection, customer: &Customer, channel: Channel) -> Result<(), StoreError> {
    if let Some(current) = customer.consents.get(channel) {
        diesel::insert_into(customer_consents::table)
            .values(ConsentRow::from_domain(customer.id, current))
            .on_conflict((customer_consents::customer_id, customer_consents::channel))
            .do_update()
            .set((
                customer_consents::granted.eq(current.granted),
                customer_consents::at.eq(current.at),
                customer_consents::source.eq(current.source.as_str()),
            ))
            .execute(conn)?;
    }
    touch(conn, customer)
}

/// Number of live customers (for readiness pages and demo output).
pub fn count_customers(conn: &mut PgConnection) -> Result<i64, StoreError> {
    Ok(customers::table
        .filter(customers::merged_into.is_null())
        .filter(customers::erased_at.is_null())
        .select(count_star())
        .first(conn)?)
}
