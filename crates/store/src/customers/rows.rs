//! Customer rows and their conversion to and from `clientele_profiles` types.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, Currency, CustomerId, MemberNo, Money, Phone, ShortText, StoreId};
use clientele_profiles::{
    Acquisition, AcquisitionChannel, AssociateId, Birthday, Channel, Consent, Consents, CountryCode, Customer,
    Education, Email, ExternalId, Gender, ImportantDate, ImportantDateId, ImportantDateKind, Location, PersonName,
    Phones, Preferences, Profile, Relation, Relationship, Sizes, Tag, TagKind, TagName, Tags,
};
use diesel::prelude::*;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::error::{StoreError, corrupt};
use crate::schema::{customer_consents, customer_tags, customers, important_dates};

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset)]
#[diesel(table_name = customers, treat_none_as_null = true)]
pub(crate) struct CustomerRow {
    pub customer_id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
    pub name_key: Option<String>,
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub gender: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub city: Option<String>,
    pub region: Option<String>,
    pub country: Option<String>,
    pub address: Option<String>,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub preferences: serde_json::Value,
    pub sizes: serde_json::Value,
    pub external_ids: serde_json::Value,
    pub home_store_id: Option<Uuid>,
    pub associate_id: Option<Uuid>,
    pub acquisition_channel: Option<String>,
    pub referrer_id: Option<Uuid>,
    pub acquisition_cost: Option<Decimal>,
    pub acquisition_currency: Option<String>,
    pub joined_on: NaiveDate,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
    pub merged_into: Option<Uuid>,
    pub merged_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_tags)]
pub(crate) struct TagRow {
    pub customer_id: Uuid,
    pub name: String,
    pub kind: String,
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = customer_consents)]
pub(crate) struct ConsentRow {
    pub customer_id: Uuid,
    pub channel: String,
    pub granted: bool,
    pub at: DateTime<Utc>,
    pub source: String,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = important_dates)]
pub(crate) struct DateRow {
    pub customer_id: Uuid,
    pub id: Uuid,
    pub kind: String,
    pub relation: String,
    pub label: Option<String>,
    pub date: NaiveDate,
    pub recurring: bool,
}

impl CustomerRow {
    pub fn from_domain(c: &Customer) -> Result<CustomerRow, StoreError> {
        let p = &c.profile;
        let r = &c.relationship;
        let acquisition = r.acquisition.as_ref();
        Ok(CustomerRow {
            customer_id: c.id.as_uuid(),
            member_no: c.member_no.as_str().to_owned(),
            name: p.name.as_ref().map(|n| n.as_str().to_owned()),
            name_key: p.name.as_ref().map(PersonName::match_key),
            phones: p.phones.iter().map(|ph| ph.as_str().to_owned()).collect(),
            email: p.email.as_ref().map(|e| e.as_str().to_owned()),
            gender: p.gender.map(|g| g.as_str().to_owned()),
            birthday: p.birthday.as_ref().map(Birthday::date),
            city: p.location.city.as_ref().map(|s| s.as_str().to_owned()),
            region: p.location.region.as_ref().map(|s| s.as_str().to_owned()),
            country: p.location.country.as_ref().map(|s| s.as_str().to_owned()),
            address: p.location.address.as_ref().map(|s| s.as_str().to_owned()),
            education: p.education.map(|e| e.as_str().to_owned()),
            occupation: p.occupation.as_ref().map(|s| s.as_str().to_owned()),
            preferences: serde_json::to_value(&p.preferences)?,
            sizes: serde_json::to_value(&p.sizes)?,
            external_ids: serde_json::to_value(&c.external_ids)?,
            home_store_id: r.home_store.map(|s| s.as_uuid()),
            associate_id: r.associate.map(|a| a.as_uuid()),
            acquisition_channel: acquisition.map(|a| a.channel().as_str().to_owned()),
            referrer_id: acquisition.and_then(|a| a.referrer()).map(|id| id.as_uuid()),
            acquisition_cost: acquisition.and_then(|a| a.cost()).map(|m| m.amount),
            acquisition_currency: acquisition.and_then(|a| a.cost()).map(|m| m.currency.as_str().to_owned()),
            joined_on: r.joined_on,
            created_at: c.created_at,
            updated_at: c.updated_at,
            erased_at: c.erased_at,
            merged_into: None,
            merged_at: None,
        })
    }

    pub fn into_domain(
        self,
        tags: Vec<TagRow>,
        consents: Vec<ConsentRow>,
        dates: Vec<DateRow>,
    ) -> Result<Customer, StoreError> {
        let phones = self
            .phones
            .iter()
            .map(|p| Phone::parse(p))
            .collect::<Result<Vec<_>, _>>()
            .map_err(corrupt("customers.phones"))?;
        let acquisition = self.acquisition()?;
        let profile = Profile {
            name: parsed(self.name.as_deref(), PersonName::parse, "customers.name")?,
            phones: Phones::from_stored(phones),
            email: parsed(self.email.as_deref(), Email::parse, "customers.email")?,
            gender: parsed(self.gender.as_deref(), str::parse::<Gender>, "customers.gender")?,
            // Stored birthdays were checked against the clock when written.
            birthday: self
                .birthday
                .map(|d| Birthday::parse(d, d))
                .transpose()
                .map_err(corrupt("customers.birthday"))?,
            location: Location {
                city: parsed(self.city.as_deref(), ShortText::parse, "customers.city")?,
                region: parsed(self.region.as_deref(), ShortText::parse, "customers.region")?,
                country: parsed(self.country.as_deref(), CountryCode::parse, "customers.country")?,
                address: parsed(self.address.as_deref(), ShortText::parse, "customers.address")?,
            },
            education: parsed(self.education.as_deref(), str::parse::<Education>, "customers.education")?,
            occupation: parsed(self.occupation.as_deref(), ShortText::parse, "customers.occupation")?,
            preferences: serde_json::from_value::<Preferences>(self.preferences)?,
            sizes: serde_json::from_value::<Sizes>(self.sizes)?,
            important_dates: dates.into_iter().map(DateRow::into_domain).collect::<Result<_, _>>()?,
        };
        let mut tag_set = Tags::new();
        for t in tags {
            tag_set.insert(t.into_domain()?);
        }
        let mut consent_set = Consents::new();
        for c in consents {
            consent_set.record(c.into_domain()?);
        }
        Ok(Customer {
            id: CustomerId::from_uuid(self.customer_id),
            member_no: MemberNo::parse(&self.member_no).map_err(corrupt("customers.member_no"))?,
            profile,
            relationship: Relationship {
                home_store: self.home_store_id.map(StoreId::from_uuid),
                associate: self.associate_id.map(AssociateId::from_uuid),
                acquisition,
                joined_on: self.joined_on,
            },
            tags: tag_set,
            consents: consent_set,
            external_ids: serde_json::from_value::<BTreeSet<ExternalId>>(self.external_ids)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
            erased_at: self.erased_at,
        })
    }
}

impl CustomerRow {
    /// How the customer was acquired, if recorded.
    fn acquisition(&self) -> Result<Option<Acquisition>, StoreError> {
        let Some(channel) = self.acquisition_channel.as_deref() else { return Ok(None) };
        let channel: AcquisitionChannel = channel.parse().map_err(corrupt("customers.acquisition_channel"))?;
        let cost = match (self.acquisition_cost, self.acquisition_currency.as_deref()) {
            (Some(amount), Some(currency)) => Some(Money {
                amount,
                currency: Currency::parse(currency).map_err(corrupt("customers.acquisition_currency"))?,
            }),
            _ => None,
        };
        let acquisition = Acquisition::new(channel, self.referrer_id.map(CustomerId::from_uuid), cost)
            .map_err(corrupt("customers.acquisition"))?;
        Ok(Some(acquisition))
    }
}

/// A stored optional value parsed back into its type; one that no longer
/// parses is [`StoreError::Corrupt`], naming the column.
fn parsed<T, E: std::fmt::Display>(
    value: Option<&str>,
    parse: impl FnOnce(&str) -> Result<T, E>,
    column: &'static str,
) -> Result<Option<T>, StoreError> {
    value.map(parse).transpose().map_err(corrupt(column))
}

impl TagRow {
    pub fn from_domain(customer: CustomerId, t: &Tag) -> TagRow {
        TagRow {
            customer_id: customer.as_uuid(),
            name: t.name.as_str().to_owned(),
            kind: t.kind.as_str().to_owned(),
            set_by: t.set_by.as_str().to_owned(),
            set_at: t.set_at,
        }
    }
    fn into_domain(self) -> Result<Tag, StoreError> {
        Ok(Tag {
            name: TagName::parse(&self.name).map_err(corrupt("customer_tags.name"))?,
            kind: self.kind.parse::<TagKind>().map_err(corrupt("customer_tags.kind"))?,
            set_by: Actor::new(self.set_by).map_err(corrupt("customer_tags.set_by"))?,
            set_at: self.set_at,
        })
    }
}

impl ConsentRow {
    pub fn from_domain(customer: CustomerId, c: &Consent) -> ConsentRow {
        ConsentRow {
            customer_id: customer.as_uuid(),
            channel: c.channel.as_str().to_owned(),
            granted: c.granted,
            at: c.at,
            source: c.source.as_str().to_owned(),
        }
    }
    fn into_domain(self) -> Result<Consent, StoreError> {
        Ok(Consent {
            channel: self.channel.parse::<Channel>().map_err(corrupt("customer_consents.channel"))?,
            granted: self.granted,
            at: self.at,
            source: ShortText::parse(&self.source).map_err(corrupt("customer_consents.source"))?,
        })
    }
}

impl DateRow {
    pub fn from_domain(customer: CustomerId, d: &ImportantDate) -> DateRow {
        DateRow {
            customer_id: customer.as_uuid(),
            id: d.id.as_uuid(),
            kind: d.kind.as_str().to_owned(),
            relation: d.relation.as_str().to_owned(),
            label: d.label.as_ref().map(|l| l.as_str().to_owned()),
            date: d.date,
            recurring: d.recurring,
        }
    }
    fn into_domain(self) -> Result<ImportantDate, StoreError> {
        Ok(ImportantDate {
            id: ImportantDateId::from_uuid(self.id),
            kind: self.kind.parse::<ImportantDateKind>().map_err(corrupt("important_dates.kind"))?,
            relation: self.relation.parse::<Relation>().map_err(corrupt("important_dates.relation"))?,
            label: self.label.as_deref().map(ShortText::parse).transpose().map_err(corrupt("important_dates.label"))?,
            date: self.date,
            recurring: self.recurring,
        })
    }
}

/// Loads full customers (row + tags + consents + dates) for a set of ids, in
/// four queries whatever their number. Merged records are returned as rows
/// only through [`load_rows`]; this skips them.
pub(crate) fn load_customers(conn: &mut PgConnection, ids: &[Uuid]) -> Result<HashMap<Uuid, Customer>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    // One customer (every read of a member) by `= $1`: PostgreSQL plans
    // `= ANY($1)` afresh on every execution (it never settles on a generic
    // plan for it), which cost ten times the read itself at a million members.
    let rows: Vec<CustomerRow> = match ids {
        [one] => customers::table
            .filter(customers::customer_id.eq(*one))
            .filter(customers::merged_into.is_null())
            .select(CustomerRow::as_select())
            .load(conn)?,
        _ => customers::table
            .filter(customers::customer_id.eq_any(ids))
            .filter(customers::merged_into.is_null())
            .select(CustomerRow::as_select())
            .load(conn)?,
    };
    assemble(conn, rows)
}

/// Turns customer rows into customers, loading their satellites.
pub(crate) fn assemble(conn: &mut PgConnection, rows: Vec<CustomerRow>) -> Result<HashMap<Uuid, Customer>, StoreError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.customer_id).collect();
    // By `= $1` for one customer, as in `load_customers`.
    macro_rules! satellites {
        ($table:ident, $row:ty $(, $order:expr)?) => {{
            let rows: Vec<$row> = match ids.as_slice() {
                [one] => $table::table.filter($table::customer_id.eq(*one))$(.order($order))?.select(<$row>::as_select()).load(conn)?,
                _ => $table::table.filter($table::customer_id.eq_any(&ids))$(.order($order))?.select(<$row>::as_select()).load(conn)?,
            };
            let mut by_customer: HashMap<Uuid, Vec<$row>> = HashMap::new();
            for row in rows {
                by_customer.entry(row.customer_id).or_default().push(row);
            }
            by_customer
        }};
    }
    let mut tags = satellites!(customer_tags, TagRow);
    let mut consents = satellites!(customer_consents, ConsentRow);
    let mut dates = satellites!(important_dates, DateRow, (important_dates::date.asc(), important_dates::id.asc()));
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let id = row.customer_id;
        let customer = row.into_domain(
            tags.remove(&id).unwrap_or_default(),
            consents.remove(&id).unwrap_or_default(),
            dates.remove(&id).unwrap_or_default(),
        )?;
        out.insert(id, customer);
    }
    Ok(out)
}
