//! Stores and associates: the organisation, small reference tables.

use chrono::{DateTime, Utc};
use clientele_kernel::{Currency, FieldErrors, InvalidValue, ShortText, StoreId, TimeZone};
use clientele_profiles::{
    Associate, AssociateId, Code, CountryCode, NewAssociate, NewStore, PersonName, Store, StoreScope,
};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use uuid::Uuid;

use crate::error::{Conflict, StoreError, corrupt};
use crate::schema::{associates, stores};

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = stores)]
struct StoreRow {
    id: Uuid,
    code: String,
    name: String,
    city: Option<String>,
    country: String,
    time_zone: String,
    currency: String,
    created_at: DateTime<Utc>,
}

impl StoreRow {
    fn into_domain(self) -> Result<Store, StoreError> {
        Ok(Store {
            id: StoreId::from_uuid(self.id),
            code: Code::parse(&self.code).map_err(corrupt("stores.code"))?,
            name: ShortText::parse(&self.name).map_err(corrupt("stores.name"))?,
            city: self.city.as_deref().map(ShortText::parse).transpose().map_err(corrupt("stores.city"))?,
            country: CountryCode::parse(&self.country).map_err(corrupt("stores.country"))?,
            time_zone: TimeZone::parse(&self.time_zone).map_err(corrupt("stores.time_zone"))?,
            currency: Currency::parse(&self.currency).map_err(corrupt("stores.currency"))?,
            created_at: self.created_at,
        })
    }
}

#[derive(Queryable, Selectable, Insertable)]
#[diesel(table_name = associates)]
struct AssociateRow {
    id: Uuid,
    store_id: Uuid,
    code: String,
    name: String,
    active: bool,
    created_at: DateTime<Utc>,
}

impl AssociateRow {
    fn into_domain(self) -> Result<Associate, StoreError> {
        Ok(Associate {
            id: AssociateId::from_uuid(self.id),
            store: StoreId::from_uuid(self.store_id),
            code: Code::parse(&self.code).map_err(corrupt("associates.code"))?,
            name: PersonName::parse(&self.name).map_err(corrupt("associates.name"))?,
            active: self.active,
            created_at: self.created_at,
        })
    }
}

fn is_unique_violation(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))
}

/// Writes a new store. A taken code is a [`Conflict::StoreCode`].
pub fn insert_store(conn: &mut PgConnection, new: &NewStore, at: DateTime<Utc>) -> Result<Store, StoreError> {
    let row = StoreRow {
        id: Uuid::now_v7(),
        code: new.code.as_str().to_owned(),
        name: new.name.as_str().to_owned(),
        city: new.city.as_ref().map(|c| c.as_str().to_owned()),
        country: new.country.as_str().to_owned(),
        time_zone: new.time_zone.as_str().to_owned(),
        currency: new.currency.as_str().to_owned(),
        created_at: at,
    };
    let inserted = diesel::insert_into(stores::table)
        .values(&row)
        .on_conflict_do_nothing()
        .returning(StoreRow::as_returning())
        .get_result(conn)
        .optional()?;
    let Some(inserted) = inserted else {
        return Err(StoreError::Conflict(Conflict::StoreCode(row.code)));
    };
    inserted.into_domain()
}

/// Whether a store with this id exists.
pub fn store_exists(conn: &mut PgConnection, id: StoreId) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(stores::table.find(id.as_uuid()))).get_result(conn)?)
}

/// All stores, by code.
pub fn list_stores(conn: &mut PgConnection) -> Result<Vec<Store>, StoreError> {
    stores::table
        .order(stores::code.asc())
        .select(StoreRow::as_select())
        .load(conn)?
        .into_iter()
        .map(StoreRow::into_domain)
        .collect()
}

/// One store.
pub fn get_store(conn: &mut PgConnection, id: StoreId) -> Result<Store, StoreError> {
    stores::table
        .find(id.as_uuid())
        .select(StoreRow::as_select())
        .first(conn)
        .optional()?
        .ok_or(StoreError::NotFound)?
        .into_domain()
}

/// Writes a new associate (its store exists: see [`store_exists`]). A
/// code taken is a [`Conflict::AssociateCode`].
pub fn insert_associate(
    conn: &mut PgConnection,
    new: &NewAssociate,
    at: DateTime<Utc>,
) -> Result<Associate, StoreError> {
    let row = AssociateRow {
        id: Uuid::now_v7(),
        store_id: new.store.as_uuid(),
        code: new.code.as_str().to_owned(),
        name: new.name.as_str().to_owned(),
        active: true,
        created_at: at,
    };
    let inserted =
        diesel::insert_into(associates::table).values(&row).returning(AssociateRow::as_returning()).get_result(conn);
    match inserted {
        Err(e) if is_unique_violation(&e) => Err(StoreError::Conflict(Conflict::AssociateCode(row.code))),
        other => other?.into_domain(),
    }
}

/// Associates, optionally only those of some stores, by code.
pub fn list_associates(conn: &mut PgConnection, only_stores: Option<&[StoreId]>) -> Result<Vec<Associate>, StoreError> {
    let mut query = associates::table.order(associates::code.asc()).select(AssociateRow::as_select()).into_boxed();
    if let Some(ids) = only_stores {
        let ids: Vec<Uuid> = ids.iter().map(|s| s.as_uuid()).collect();
        query = query.filter(associates::store_id.eq_any(ids));
    }
    query.load(conn)?.into_iter().map(AssociateRow::into_domain).collect()
}

/// Checks that a store and an associate a record points at exist and are
/// within the caller's scope: a store outside it, or an associate of a
/// store outside it, is reported exactly like one that does not exist
/// (`unknown_reference`), so a scoped key can neither point its records at
/// another store's things nor learn that they exist.
pub fn check_org_references(
    conn: &mut PgConnection,
    errors: &mut FieldErrors,
    scope: &StoreScope,
    store: Option<(&str, StoreId)>,
    associate: Option<(&str, AssociateId)>,
) -> Result<(), StoreError> {
    if let Some((field, store)) = store {
        let exists = store_exists(conn, store)?;
        if !exists || !scope.covers(Some(store)) {
            errors.push(field, InvalidValue::new("unknown_reference", format!("no store with id {store}")));
        }
    }
    if let Some((field, associate)) = associate {
        let home: Option<Uuid> =
            associates::table.find(associate.as_uuid()).select(associates::store_id).first(conn).optional()?;
        if !home.is_some_and(|s| scope.covers(Some(StoreId::from_uuid(s)))) {
            errors.push(field, InvalidValue::new("unknown_reference", format!("no associate with id {associate}")));
        }
    }
    Ok(())
}
