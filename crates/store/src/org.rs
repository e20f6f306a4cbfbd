//! Stores and associates: the organisation, small reference tables.

use std::collections::HashMap;

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

/// The store of an associate; None when there is no such associate.
pub fn associate_store(conn: &mut PgConnection, associate: AssociateId) -> Result<Option<StoreId>, StoreError> {
    let store: Option<Uuid> =
        associates::table.find(associate.as_uuid()).select(associates::store_id).first(conn).optional()?;
    Ok(store.map(StoreId::from_uuid))
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

/// The associate an order names (by id or code), checked as
/// [`clientele_orders::SoldBy::check`] says: its id, or a 422 on the field
/// it was named in.
pub fn resolve_associate(
    conn: &mut PgConnection,
    sold_by: &clientele_orders::SoldBy,
    store: Option<StoreId>,
) -> Result<Uuid, StoreError> {
    use clientele_orders::SoldBy;
    let query = associates::table.select((associates::id, associates::store_id, associates::active)).into_boxed();
    let query = match sold_by {
        SoldBy::Id(id) => query.filter(associates::id.eq(*id)),
        SoldBy::Code(code) => query.filter(associates::code.eq(code.clone())),
    };
    let found: Option<(Uuid, Uuid, bool)> = query.first(conn).optional()?;
    let seller = found.map(|(id, store, active)| clientele_orders::Seller { id, store, active });
    sold_by.check(seller, store.map(|s| s.as_uuid())).map_err(StoreError::Invalid)
}

/// Every associate as orders are checked against, by id and by code.
#[derive(Debug, Clone, Default)]
pub struct Sellers {
    pub by_id: HashMap<Uuid, clientele_orders::Seller>,
    pub by_code: HashMap<String, clientele_orders::Seller>,
}

impl Sellers {
    /// The associate an order names, if there is one.
    pub fn find(&self, sold_by: &clientele_orders::SoldBy) -> Option<clientele_orders::Seller> {
        match sold_by {
            clientele_orders::SoldBy::Id(id) => self.by_id.get(id).copied(),
            clientele_orders::SoldBy::Code(code) => self.by_code.get(code).copied(),
        }
    }
}

/// Every associate, for checking a batch of orders.
pub fn sellers(conn: &mut PgConnection) -> Result<Sellers, StoreError> {
    let rows: Vec<(Uuid, String, Uuid, bool)> = associates::table
        .select((associates::id, associates::code, associates::store_id, associates::active))
        .load(conn)?;
    let mut sellers = Sellers::default();
    for (id, code, store, active) in rows {
        let seller = clientele_orders::Seller { id, store, active };
        sellers.by_id.insert(id, seller);
        sellers.by_code.insert(code, seller);
    }
    Ok(sellers)
}
