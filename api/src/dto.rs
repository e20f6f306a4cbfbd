//! Request and response shapes of the REST API, and their conversion to and
//! from domain types. Requests refuse unknown fields; every value goes
//! through its domain parser, and all bad fields are reported at once.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_profiles::{
    Acquisition, AcquisitionChannel, Actor, AssociateId, Birthday, Channel, Consent, Consents, CountryCode, Currency,
    Customer, CustomerId, CustomerPatch, Education, Email, ExternalId, ExternalSystem, ExternalValue, FieldErrors,
    Gender, ImportantDate, ImportantDateId, ImportantDateKind, InvalidValue, Label, Location, Money, NewCustomer,
    PersonName, Phone, Phones, Preferences, Relation, Relationship, ShortText, Sizes, StoreId, StoreScope, Tag,
    TagKind, TagName, Tags,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::{keyword, nested, opt};

/// Deserialises a present field (even `null`) as `Some(...)`, so that
/// "absent" (leave as is) and `null` (clear) can be told apart in a PATCH.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

fn labels(errors: &mut FieldErrors, field: &str, values: &[String]) -> BTreeSet<Label> {
    values.iter().enumerate().filter_map(|(i, v)| errors.check(&format!("{field}[{i}]"), Label::parse(v))).collect()
}

// ---- shared pieces ----------------------------------------------------------

/// City, region, country (ISO 3166-1 alpha-2) and address.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationDto {
    pub city: Option<String>,
    pub region: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. `CN`, `IT`.
    pub country: Option<String>,
    pub address: Option<String>,
}

impl LocationDto {
    fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Location {
        Location {
            city: nested(errors, prefix, "city", self.city.as_deref(), ShortText::parse),
            region: nested(errors, prefix, "region", self.region.as_deref(), ShortText::parse),
            country: nested(errors, prefix, "country", self.country.as_deref(), CountryCode::parse),
            address: nested(errors, prefix, "address", self.address.as_deref(), ShortText::parse),
        }
    }
    fn from_domain(l: &Location) -> Self {
        LocationDto {
            city: l.city.as_ref().map(|s| s.as_str().to_owned()),
            region: l.region.as_ref().map(|s| s.as_str().to_owned()),
            country: l.country.as_ref().map(|s| s.as_str().to_owned()),
            address: l.address.as_ref().map(|s| s.as_str().to_owned()),
        }
    }
}

/// Styles, colours, categories and hobbies the client likes ("likes films", "gardening").
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PreferencesDto {
    pub styles: Vec<String>,
    pub colours: Vec<String>,
    pub categories: Vec<String>,
    pub hobbies: Vec<String>,
}

impl PreferencesDto {
    fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Preferences {
        Preferences {
            styles: labels(errors, &format!("{prefix}.styles"), &self.styles),
            colours: labels(errors, &format!("{prefix}.colours"), &self.colours),
            categories: labels(errors, &format!("{prefix}.categories"), &self.categories),
            hobbies: labels(errors, &format!("{prefix}.hobbies"), &self.hobbies),
        }
    }
    fn from_domain(p: &Preferences) -> Self {
        let list = |s: &BTreeSet<Label>| s.iter().map(|l| l.as_str().to_owned()).collect();
        PreferencesDto {
            styles: list(&p.styles),
            colours: list(&p.colours),
            categories: list(&p.categories),
            hobbies: list(&p.hobbies),
        }
    }
}

/// Clothing, shoe and ring sizes, as the brand writes them ("IT 40", "38.5", "52").
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SizesDto {
    pub clothing: Option<String>,
    pub shoe: Option<String>,
    pub ring: Option<String>,
}

impl SizesDto {
    fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Sizes {
        Sizes {
            clothing: nested(errors, prefix, "clothing", self.clothing.as_deref(), Label::parse),
            shoe: nested(errors, prefix, "shoe", self.shoe.as_deref(), Label::parse),
            ring: nested(errors, prefix, "ring", self.ring.as_deref(), Label::parse),
        }
    }
    fn from_domain(s: &Sizes) -> Self {
        SizesDto {
            clothing: s.clothing.as_ref().map(|l| l.as_str().to_owned()),
            shoe: s.shoe.as_ref().map(|l| l.as_str().to_owned()),
            ring: s.ring.as_ref().map(|l| l.as_str().to_owned()),
        }
    }
}

/// An important date of the client or their family.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportantDateInput {
    /// `birthday`, `anniversary`, `child_birthday`, `family_trip`, `other`.
    pub kind: String,
    /// Whose date: `own` (default), `spouse`, `partner`, `child`, `parent`, `friend`, `other`.
    pub relation: Option<String>,
    /// e.g. "Lily's birthday", "trip to Kyoto".
    pub label: Option<String>,
    pub date: NaiveDate,
    /// Comes back every year (default true).
    pub recurring: Option<bool>,
}

/// An important date, as stored.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ImportantDateView {
    pub id: Uuid,
    pub kind: String,
    pub relation: String,
    pub label: Option<String>,
    pub date: NaiveDate,
    pub recurring: bool,
}

fn parse_dates(errors: &mut FieldErrors, field: &str, inputs: &[ImportantDateInput]) -> Vec<ImportantDate> {
    inputs
        .iter()
        .enumerate()
        .filter_map(|(i, d)| {
            let at = |f: &str| format!("{field}[{i}].{f}");
            let kind = errors.check(&at("kind"), keyword::<ImportantDateKind>(&d.kind));
            let relation = match &d.relation {
                Some(r) => errors.check(&at("relation"), keyword::<Relation>(r)),
                None => Some(Relation::Own),
            };
            let label = opt(errors, &at("label"), d.label.as_deref(), ShortText::parse);
            Some(ImportantDate {
                id: ImportantDateId::from_uuid(Uuid::now_v7()),
                kind: kind?,
                relation: relation?,
                label,
                date: d.date,
                recurring: d.recurring.unwrap_or(true),
            })
        })
        .collect()
}

/// A sum of money in a currency (ISO 4217). The amount is a decimal string.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyDto {
    #[schema(value_type = String, example = "120.00")]
    pub amount: Decimal,
    #[schema(example = "CNY")]
    pub currency: String,
}

/// How the client was acquired.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AcquisitionDto {
    /// `mall_walk_in`, `referral`, `online_campaign`, `street_promotion`, `cross_industry_partner`, `event`, `ecommerce`, `other`.
    pub channel: String,
    /// The member who referred them (channel `referral` only).
    pub referrer_id: Option<Uuid>,
    /// What acquiring them cost.
    pub cost: Option<MoneyDto>,
}

impl AcquisitionDto {
    fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Option<Acquisition> {
        let channel = errors.check(&format!("{prefix}.channel"), keyword::<AcquisitionChannel>(&self.channel));
        let cost = self.cost.as_ref().and_then(|m| {
            errors
                .check(&format!("{prefix}.cost.currency"), Currency::parse(&m.currency))
                .map(|currency| Money { amount: m.amount, currency })
        });
        let channel = channel?;
        match Acquisition::new(channel, self.referrer_id.map(CustomerId::from_uuid), cost) {
            Ok(a) => Some(a),
            Err(e) => {
                errors.extend_prefixed(prefix, e);
                None
            }
        }
    }
    fn from_domain(a: &Acquisition) -> Self {
        AcquisitionDto {
            channel: a.channel().as_str().to_owned(),
            referrer_id: a.referrer().map(|r| r.as_uuid()),
            cost: a.cost().map(|m| MoneyDto { amount: m.amount, currency: m.currency.as_str().to_owned() }),
        }
    }
}

/// An id in another system: `erp`, `eshop`, `wechat_openid`, `wechat_unionid`, ...
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalIdDto {
    pub system: String,
    pub value: String,
}

fn parse_external_ids(errors: &mut FieldErrors, field: &str, inputs: &[ExternalIdDto]) -> BTreeSet<ExternalId> {
    inputs
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let system = errors.check(&format!("{field}[{i}].system"), ExternalSystem::parse(&e.system));
            let value = errors.check(&format!("{field}[{i}].value"), ExternalValue::parse(&e.value));
            Some(ExternalId { system: system?, value: value? })
        })
        .collect()
}

fn parse_phones(errors: &mut FieldErrors, field: &str, inputs: &[String]) -> Option<Phones> {
    let phones: Vec<Phone> = inputs
        .iter()
        .enumerate()
        .filter_map(|(i, p)| errors.check(&format!("{field}[{i}]"), Phone::parse(p)))
        .collect();
    errors.check(field, Phones::new(phones))
}

/// A tag on a customer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagView {
    pub name: String,
    /// `system` (brand-wide) or `personal` (an associate's own).
    pub kind: String,
    /// The key that set it.
    pub set_by: String,
    pub set_at: DateTime<Utc>,
}

impl TagView {
    fn from_domain(t: &Tag) -> Self {
        TagView {
            name: t.name.as_str().to_owned(),
            kind: t.kind.as_str().to_owned(),
            set_by: t.set_by.as_str().to_owned(),
            set_at: t.set_at,
        }
    }
}

/// The latest consent decision for a channel.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    /// `sms`, `email`, `wechat`, `phone`.
    pub channel: String,
    pub granted: bool,
    pub at: DateTime<Utc>,
    /// Where it was given: "POS Shanghai IFC", "e-shop sign-up form", ...
    pub source: String,
}

impl ConsentView {
    fn from_domain(c: &Consent) -> Self {
        ConsentView {
            channel: c.channel.as_str().to_owned(),
            granted: c.granted,
            at: c.at,
            source: c.source.as_str().to_owned(),
        }
    }
}

/// A consent decision given with a new customer.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentInput {
    /// `sms`, `email`, `wechat`, `phone`.
    pub channel: String,
    pub granted: bool,
    pub source: String,
    /// When it was given (default: now).
    pub at: Option<DateTime<Utc>>,
}

/// A consent decision for the channel named in the path.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentRequest {
    pub granted: bool,
    /// Where it was given: "POS Shanghai IFC", "e-shop sign-up form", ...
    pub source: String,
    /// When it was given (default: now). An older decision than the one on file changes nothing.
    pub at: Option<DateTime<Utc>>,
}

impl ConsentRequest {
    /// The domain consent for `channel`.
    pub fn into_domain(self, channel: &str, now: DateTime<Utc>) -> Result<Consent, ApiError> {
        let mut errors = FieldErrors::new();
        let channel = errors.check("channel", keyword::<Channel>(channel));
        let source = errors.check("source", ShortText::parse(&self.source));
        let at = self.at.map(crate::clock::stored).unwrap_or(now);
        if at > now + chrono::Duration::minutes(5) {
            errors.push("at", InvalidValue::new("out_of_range", "a consent cannot be given in the future"));
        }
        match (channel, source) {
            (Some(channel), Some(source)) if errors.is_empty() => {
                Ok(Consent { channel, granted: self.granted, at, source })
            }
            _ => Err(errors.into()),
        }
    }
}

// ---- customers ----------------------------------------------------------------

/// A new customer. Everything is optional but the POS usually sends at least
/// a phone number. `home_store_id` defaults to the caller's store when its
/// key is scoped to exactly one store.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct CreateCustomerRequest {
    /// Keep a number from a legacy system; if absent one is assigned (`M` + 9 digits + check digit).
    pub member_no: Option<String>,
    pub name: Option<String>,
    /// Mobile numbers, E.164 (`+8613812345678`) or 11-digit Chinese mobiles; the first is the primary.
    pub phones: Vec<String>,
    pub email: Option<String>,
    /// `female`, `male`, `non_binary`, `undisclosed`.
    pub gender: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub location: Option<LocationDto>,
    /// `high_school`, `vocational`, `bachelor`, `master`, `doctorate`, `other`.
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub preferences: Option<PreferencesDto>,
    pub sizes: Option<SizesDto>,
    pub important_dates: Vec<ImportantDateInput>,
    pub home_store_id: Option<Uuid>,
    /// The client's own sales associate (专属导购).
    pub associate_id: Option<Uuid>,
    pub acquisition: Option<AcquisitionDto>,
    /// Default: today.
    pub joined_on: Option<NaiveDate>,
    /// System tags to set at once.
    pub tags: Vec<String>,
    pub consents: Vec<ConsentInput>,
    pub external_ids: Vec<ExternalIdDto>,
}

/// The store a new customer belongs to, given the caller's scope.
fn home_store_for(errors: &mut FieldErrors, requested: Option<Uuid>, scope: &StoreScope) -> Option<StoreId> {
    let requested = requested.map(StoreId::from_uuid);
    match (requested, scope.store_ids()) {
        (store, None) => store,
        (Some(store), Some(_)) if scope.covers(Some(store)) => Some(store),
        (Some(_), Some(_)) => {
            errors.push(
                "home_store_id",
                InvalidValue::new("not_allowed", "this key may only create customers of its own stores"),
            );
            None
        }
        (None, Some(stores)) if stores.len() == 1 => stores.iter().next().copied(),
        (None, Some(_)) => {
            errors.push(
                "home_store_id",
                InvalidValue::new("required", "this key covers several stores: name the customer's home store"),
            );
            None
        }
    }
}

impl CreateCustomerRequest {
    /// The domain customer, or every bad field.
    pub fn into_domain(
        self,
        scope: &StoreScope,
        actor: &Actor,
        now: DateTime<Utc>,
    ) -> Result<(NewCustomer, Option<clientele_profiles::MemberNo>), ApiError> {
        let today = now.date_naive();
        let mut e = FieldErrors::new();
        let member_no = opt(&mut e, "member_no", self.member_no.as_deref(), clientele_profiles::MemberNo::parse);
        let name = opt(&mut e, "name", self.name.as_deref(), PersonName::parse);
        let phones = parse_phones(&mut e, "phones", &self.phones);
        let email = opt(&mut e, "email", self.email.as_deref(), Email::parse);
        let gender = opt(&mut e, "gender", self.gender.as_deref(), keyword::<Gender>);
        let birthday = self.birthday.and_then(|d| e.check("birthday", Birthday::parse(d, today)));
        let location = self.location.as_ref().map(|l| l.parse(&mut e, "location")).unwrap_or_default();
        let education = opt(&mut e, "education", self.education.as_deref(), keyword::<Education>);
        let occupation = opt(&mut e, "occupation", self.occupation.as_deref(), ShortText::parse);
        let preferences = self.preferences.as_ref().map(|p| p.parse(&mut e, "preferences")).unwrap_or_default();
        let sizes = self.sizes.as_ref().map(|s| s.parse(&mut e, "sizes")).unwrap_or_default();
        let important_dates = parse_dates(&mut e, "important_dates", &self.important_dates);
        let home_store = home_store_for(&mut e, self.home_store_id, scope);
        let acquisition = self.acquisition.as_ref().and_then(|a| a.parse(&mut e, "acquisition"));
        let joined_on = self.joined_on.unwrap_or(today);
        if joined_on > today {
            e.push("joined_on", InvalidValue::new("out_of_range", "a customer cannot join in the future"));
        }
        let tags: Tags = self
            .tags
            .iter()
            .enumerate()
            .filter_map(|(i, t)| e.check(&format!("tags[{i}]"), TagName::parse(t)))
            .map(|name| Tag { name, kind: TagKind::System, set_by: actor.clone(), set_at: now })
            .collect();
        let mut consents = Consents::new();
        for (i, c) in self.consents.into_iter().enumerate() {
            let req = ConsentRequest { granted: c.granted, source: c.source, at: c.at };
            match req.into_domain(&c.channel, now) {
                Ok(consent) => consents.record(consent),
                Err(ApiError::Validation(inner)) => e.extend_prefixed(&format!("consents[{i}]"), inner),
                Err(other) => return Err(other),
            }
        }
        let external_ids = parse_external_ids(&mut e, "external_ids", &self.external_ids);
        if !e.is_empty() {
            return Err(e.into());
        }
        let new = NewCustomer {
            profile: clientele_profiles::Profile {
                name,
                phones: phones.unwrap_or_default(),
                email,
                gender,
                birthday,
                location,
                education,
                occupation,
                preferences,
                sizes,
                important_dates,
            },
            relationship: Relationship {
                home_store,
                associate: self.associate_id.map(AssociateId::from_uuid),
                acquisition,
                joined_on,
            },
            tags,
            consents,
            external_ids,
        };
        Ok((new, member_no))
    }
}

/// A partial update: a field left out stays as it is; `null` clears it
/// (an object or list becomes empty; `joined_on` cannot be cleared). Lists
/// (phones, important dates, external ids) are replaced whole.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct PatchCustomerRequest {
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub name: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<String>>)]
    pub phones: Option<Option<Vec<String>>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub email: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub gender: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub birthday: Option<Option<NaiveDate>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<LocationDto>)]
    pub location: Option<Option<LocationDto>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub education: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<String>)]
    pub occupation: Option<Option<String>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<PreferencesDto>)]
    pub preferences: Option<Option<PreferencesDto>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<SizesDto>)]
    pub sizes: Option<Option<SizesDto>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<ImportantDateInput>>)]
    pub important_dates: Option<Option<Vec<ImportantDateInput>>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub home_store_id: Option<Option<Uuid>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<Uuid>)]
    pub associate_id: Option<Option<Uuid>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<AcquisitionDto>)]
    pub acquisition: Option<Option<AcquisitionDto>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<NaiveDate>)]
    pub joined_on: Option<Option<NaiveDate>>,
    #[serde(deserialize_with = "double_option")]
    #[schema(value_type = Option<Vec<ExternalIdDto>>)]
    pub external_ids: Option<Option<Vec<ExternalIdDto>>>,
}

/// Parses an `Option<Option<String>>` PATCH field.
fn patch_field<T>(
    e: &mut FieldErrors,
    field: &str,
    value: Option<Option<String>>,
    parse: impl FnOnce(&str) -> Result<T, InvalidValue>,
) -> Option<Option<T>> {
    match value {
        None => None,
        Some(None) => Some(None),
        Some(Some(v)) => e.check(field, parse(&v)).map(Some),
    }
}

impl PatchCustomerRequest {
    /// The domain patch, or every bad field.
    pub fn into_domain(self, scope: &StoreScope, now: DateTime<Utc>) -> Result<CustomerPatch, ApiError> {
        let today = now.date_naive();
        let mut e = FieldErrors::new();
        let home_store = match self.home_store_id {
            None => None,
            Some(target) => {
                let target = target.map(StoreId::from_uuid);
                if scope.covers(target) {
                    Some(target)
                } else {
                    e.push(
                        "home_store_id",
                        InvalidValue::new("not_allowed", "this key may not move a customer out of its stores"),
                    );
                    None
                }
            }
        };
        let birthday = match self.birthday {
            None => None,
            Some(None) => Some(None),
            Some(Some(d)) => e.check("birthday", Birthday::parse(d, today)).map(Some),
        };
        let joined_on = match self.joined_on {
            None => None,
            Some(None) => {
                e.push("joined_on", InvalidValue::new("required", "the join date can be changed, not removed"));
                None
            }
            Some(Some(d)) if d > today => {
                e.push("joined_on", InvalidValue::new("out_of_range", "a customer cannot join in the future"));
                None
            }
            Some(Some(d)) => Some(d),
        };
        // `null` for an object or a list clears it.
        let phones = self.phones.map(Option::unwrap_or_default);
        let location = self.location.map(Option::unwrap_or_default);
        let preferences = self.preferences.map(Option::unwrap_or_default);
        let sizes = self.sizes.map(Option::unwrap_or_default);
        let important_dates = self.important_dates.map(Option::unwrap_or_default);
        let external_ids = self.external_ids.map(Option::unwrap_or_default);
        let acquisition = match &self.acquisition {
            None => None,
            Some(None) => Some(None),
            Some(Some(a)) => a.parse(&mut e, "acquisition").map(Some),
        };
        let patch = CustomerPatch {
            name: patch_field(&mut e, "name", self.name, PersonName::parse),
            phones: phones.as_ref().and_then(|p| parse_phones(&mut e, "phones", p)),
            email: patch_field(&mut e, "email", self.email, Email::parse),
            gender: patch_field(&mut e, "gender", self.gender, keyword::<Gender>),
            birthday,
            location: location.as_ref().map(|l| l.parse(&mut e, "location")),
            education: patch_field(&mut e, "education", self.education, keyword::<Education>),
            occupation: patch_field(&mut e, "occupation", self.occupation, ShortText::parse),
            preferences: preferences.as_ref().map(|p| p.parse(&mut e, "preferences")),
            sizes: sizes.as_ref().map(|s| s.parse(&mut e, "sizes")),
            important_dates: important_dates.as_ref().map(|d| parse_dates(&mut e, "important_dates", d)),
            home_store,
            associate: self.associate_id.map(|a| a.map(AssociateId::from_uuid)),
            acquisition,
            joined_on,
            external_ids: external_ids.as_ref().map(|x| parse_external_ids(&mut e, "external_ids", x)),
        };
        if !e.is_empty() {
            return Err(e.into());
        }
        if patch.is_empty() {
            return Err(ApiError::field("body", "required", "the patch changes nothing: name at least one field"));
        }
        Ok(patch)
    }
}

/// A customer as the API shows it. Phones and e-mail are masked for roles
/// that do not need them (`pos`, `analyst`); `contact_masked` says so.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CustomerView {
    pub id: Uuid,
    pub member_no: String,
    pub name: Option<String>,
    pub phones: Vec<String>,
    pub email: Option<String>,
    pub contact_masked: bool,
    pub gender: Option<String>,
    pub birthday: Option<NaiveDate>,
    pub location: LocationDto,
    pub education: Option<String>,
    pub occupation: Option<String>,
    pub preferences: PreferencesDto,
    pub sizes: SizesDto,
    pub important_dates: Vec<ImportantDateView>,
    pub home_store_id: Option<Uuid>,
    pub associate_id: Option<Uuid>,
    pub acquisition: Option<AcquisitionDto>,
    pub joined_on: NaiveDate,
    pub tags: Vec<TagView>,
    pub consents: Vec<ConsentView>,
    pub external_ids: Vec<ExternalIdDto>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Set when the customer was erased (personal data removed).
    pub erased_at: Option<DateTime<Utc>>,
}

impl CustomerView {
    /// The view of a customer; contact details masked unless `reveal_contact`.
    pub fn new(c: &Customer, reveal_contact: bool) -> Self {
        let p = &c.profile;
        CustomerView {
            id: c.id.as_uuid(),
            member_no: c.member_no.as_str().to_owned(),
            name: p.name.as_ref().map(|n| n.as_str().to_owned()),
            phones: p
                .phones
                .iter()
                .map(|ph| if reveal_contact { ph.as_str().to_owned() } else { ph.masked() })
                .collect(),
            email: p.email.as_ref().map(|m| if reveal_contact { m.as_str().to_owned() } else { m.masked() }),
            contact_masked: !reveal_contact,
            gender: p.gender.map(|g| g.as_str().to_owned()),
            birthday: p.birthday.as_ref().map(Birthday::date),
            location: LocationDto::from_domain(&p.location),
            education: p.education.map(|x| x.as_str().to_owned()),
            occupation: p.occupation.as_ref().map(|o| o.as_str().to_owned()),
            preferences: PreferencesDto::from_domain(&p.preferences),
            sizes: SizesDto::from_domain(&p.sizes),
            important_dates: p
                .important_dates
                .iter()
                .map(|d| ImportantDateView {
                    id: d.id.as_uuid(),
                    kind: d.kind.as_str().to_owned(),
                    relation: d.relation.as_str().to_owned(),
                    label: d.label.as_ref().map(|l| l.as_str().to_owned()),
                    date: d.date,
                    recurring: d.recurring,
                })
                .collect(),
            home_store_id: c.relationship.home_store.map(|s| s.as_uuid()),
            associate_id: c.relationship.associate.map(|a| a.as_uuid()),
            acquisition: c.relationship.acquisition.as_ref().map(AcquisitionDto::from_domain),
            joined_on: c.relationship.joined_on,
            tags: c.tags.iter().map(TagView::from_domain).collect(),
            consents: c.consents.iter().map(ConsentView::from_domain).collect(),
            external_ids: c
                .external_ids
                .iter()
                .map(|x| ExternalIdDto { system: x.system.as_str().to_owned(), value: x.value.as_str().to_owned() })
                .collect(),
            created_at: c.created_at,
            updated_at: c.updated_at,
            erased_at: c.erased_at,
        }
    }
}

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    pub items: Vec<CustomerView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
