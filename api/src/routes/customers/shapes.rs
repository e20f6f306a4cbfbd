//! The customers area's request and response shapes, and their conversion
//! to and from domain types. Requests refuse unknown fields; every value
//! goes through its domain parser, and all bad fields are reported at once.
//! The customer's own view and its parts are in `routes::shared`.

use std::collections::{BTreeSet, HashMap};

use actix_web::HttpRequest;
use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Actor, FieldErrors, InvalidValue, MemberNo, Phone, ShortText, StoreId};
use clientele_profiles::{
    ApiKeyId, AssociateId, Birthday, Channel, Consent, Consents, CustomerPatch, Education, Email, ExternalId,
    ExternalSystem, ExternalValue, Gender, ImportantDate, ImportantDateId, ImportantDateKind, NewCustomer, PersonName,
    Phones, Relation, Relationship, Role, StoreScope, Tag, TagKind, TagName, Tags, find_duplicate_pairs,
};
use clientele_store::{CustomerFilter, CustomerPage, DuplicateCandidates, IdempotencyClaim};
use serde::{Deserialize, Deserializer, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;
use crate::routes::shared::{
    AcquisitionDto, CustomerView, ExternalIdDto, LocationDto, PreferencesDto, SizesDto, customer_cursor, keyword, opt,
    parse_customer_cursor, parse_limit,
};

/// Deserialises a present field (even `null`) as `Some(...)`, so that
/// "absent" (leave as is) and `null` (clear) can be told apart in a PATCH.
fn double_option<'de, T: Deserialize<'de>, D: Deserializer<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
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
    ) -> Result<(NewCustomer, Option<clientele_kernel::MemberNo>), ApiError> {
        let today = now.date_naive();
        let mut e = FieldErrors::new();
        let member_no = opt(&mut e, "member_no", self.member_no.as_deref(), clientele_kernel::MemberNo::parse);
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

/// A page of customers.
#[derive(Debug, Serialize, ToSchema)]
pub struct CustomerList {
    pub items: Vec<CustomerView>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

impl CustomerList {
    /// A page of customers; contact details masked unless `reveal_contact`.
    pub fn new(page: &CustomerPage, reveal_contact: bool) -> Self {
        CustomerList {
            items: page.customers.iter().map(|c| CustomerView::new(c, reveal_contact)).collect(),
            next_cursor: page.next_after.map(customer_cursor),
        }
    }
}

/// The `Idempotency-Key` header, if sent, as a claim on this request's body.
pub fn idempotency_claim(
    req: &HttpRequest,
    key_id: ApiKeyId,
    body: &[u8],
) -> Result<Option<IdempotencyClaim>, ApiError> {
    Ok(match req.headers().get("idempotency-key") {
        None => None,
        Some(v) => {
            let key = v.to_str().ok().map(str::trim).filter(|k| !k.is_empty() && k.len() <= 200).ok_or_else(|| {
                ApiError::field("Idempotency-Key", "invalid_format", "1 to 200 visible ASCII characters")
            })?;
            Some(IdempotencyClaim { key_id, key: key.to_owned(), request_hash: Sha256::digest(body).to_vec() })
        }
    })
}

/// Search filters; all given must match.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Part of the name, case-insensitive.
    pub name: Option<String>,
    /// A phone number, any accepted format.
    pub phone: Option<String>,
    pub member_no: Option<String>,
    pub tag: Option<String>,
    #[param(value_type = Option<Uuid>)]
    pub store_id: Option<String>,
    #[param(value_type = Option<Uuid>)]
    pub associate_id: Option<String>,
    /// From `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// 1..=200, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
}

fn uuid_param(e: &mut FieldErrors, field: &str, v: Option<&str>) -> Option<Uuid> {
    v.and_then(|s| {
        e.check(
            field,
            s.parse::<Uuid>().map_err(|_| clientele_kernel::InvalidValue::new("invalid_format", "must be a UUID")),
        )
    })
}

impl SearchQuery {
    /// The store's filter, or every bad parameter.
    pub fn into_filter(self) -> Result<CustomerFilter, ApiError> {
        let q = self;
        let mut e = FieldErrors::new();
        let name = q.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(str::to_owned);
        if name.as_ref().is_some_and(|n| n.chars().any(char::is_control)) {
            e.push("name", clientele_kernel::InvalidValue::new("invalid_format", "control characters are not allowed"));
        } else if name.as_ref().is_some_and(|n| n.chars().count() > 100) {
            e.push("name", clientele_kernel::InvalidValue::new("too_long", "at most 100 characters"));
        }
        let phone = q.phone.as_deref().and_then(|p| e.check("phone", Phone::parse(p)));
        let member_no = q.member_no.as_deref().and_then(|m| e.check("member_no", MemberNo::parse(m)));
        let tag = q.tag.as_deref().and_then(|t| e.check("tag", TagName::parse(t)));
        let store = uuid_param(&mut e, "store_id", q.store_id.as_deref()).map(StoreId::from_uuid);
        let associate = uuid_param(&mut e, "associate_id", q.associate_id.as_deref()).map(AssociateId::from_uuid);
        if !e.is_empty() {
            return Err(e.into());
        }
        let after = q.cursor.as_deref().map(parse_customer_cursor).transpose()?;
        let limit = parse_limit(q.limit.as_deref())?;
        Ok(CustomerFilter { name, phone, member_no, tag, store, associate, after, limit })
    }
}

/// What the POS looks a member up by: exactly one of the two.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LookupQuery {
    /// Any accepted format: `+8613812345678`, `13812345678`, `+39 347 123 4567`.
    pub phone: Option<String>,
    /// Current member number, or one absorbed by a merge.
    pub member_no: Option<String>,
}

/// The key a member is looked up by.
#[derive(Debug)]
pub enum LookupKey {
    Phone(Phone),
    MemberNo(MemberNo),
}

impl LookupQuery {
    /// The one key given, parsed.
    pub fn key(&self) -> Result<LookupKey, ApiError> {
        match (&self.phone, &self.member_no) {
            (Some(phone), None) => Phone::parse(phone)
                .map(LookupKey::Phone)
                .map_err(|e| ApiError::Validation(FieldErrors::single("phone", e))),
            (None, Some(member_no)) => MemberNo::parse(member_no)
                .map(LookupKey::MemberNo)
                .map_err(|e| ApiError::Validation(FieldErrors::single("member_no", e))),
            _ => Err(ApiError::field("phone", "required", "give exactly one of phone or member_no")),
        }
    }
}

// ---- tags, duplicates, merge ---------------------------------------------------------

/// A tag name from the path.
pub fn tag_name(raw: &str) -> Result<TagName, ApiError> {
    TagName::parse(raw).map_err(|e| ApiError::Validation(FieldErrors::single("tag", e)))
}

/// Which kind of tag.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TagQuery {
    /// `system` (brand-wide) or `personal` (an associate's own). Default:
    /// `personal` for associate keys (which may set no other), `system` otherwise.
    pub kind: Option<String>,
}

impl TagQuery {
    /// The kind asked for, or the caller's role's default.
    pub fn kind(&self, role: Role) -> Result<TagKind, ApiError> {
        Ok(match self.kind.as_deref() {
            None if role == Role::Associate => TagKind::Personal,
            None => TagKind::System,
            Some(k) => k.parse::<TagKind>().map_err(|e| ApiError::Validation(FieldErrors::single("kind", e)))?,
        })
    }
}

/// A likely duplicate pair.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicatePairView {
    /// 0..=100; pairs from 40 up are listed.
    pub score: u8,
    /// `same_phone`, `same_email`, `same_name_and_birthday`, `same_name`.
    pub reasons: Vec<String>,
    pub a: CustomerView,
    pub b: CustomerView,
}

/// Likely duplicates.
#[derive(Debug, Serialize, ToSchema)]
pub struct DuplicateList {
    pub items: Vec<DuplicatePairView>,
    /// True when there were more candidates than were examined (merge some and ask again).
    pub truncated: bool,
}

/// How many candidates to examine.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DuplicatesQuery {
    /// Candidates examined, 1..=5000, default 1000.
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
}

impl DuplicatesQuery {
    /// Candidates to examine: 1..=5000, default 1000.
    pub fn limit(&self) -> Result<u32, ApiError> {
        let limit = self.limit.unwrap_or(1000);
        if !(1..=5000).contains(&limit) {
            return Err(ApiError::field("limit", "out_of_range", "limit must be from 1 to 5000"));
        }
        Ok(limit)
    }
}

impl DuplicateList {
    /// The likely duplicate pairs among the candidates, best first;
    /// contact details masked unless `reveal_contact`.
    pub fn new(found: &DuplicateCandidates, reveal_contact: bool) -> Self {
        let by_id: HashMap<_, _> = found.customers.iter().map(|c| (c.id, c)).collect();
        let items = find_duplicate_pairs(&found.customers)
            .into_iter()
            .filter_map(|pair| {
                let (a, b) = (by_id.get(&pair.a)?, by_id.get(&pair.b)?);
                Some(DuplicatePairView {
                    score: pair.score.score,
                    reasons: pair.score.reasons.iter().map(|r| r.as_str().to_owned()).collect(),
                    a: CustomerView::new(a, reveal_contact),
                    b: CustomerView::new(b, reveal_contact),
                })
            })
            .collect();
        DuplicateList { items, truncated: found.truncated }
    }
}

/// Which record to merge into the one in the path.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The duplicate: its data, timeline and member number move into the customer in the path, and it stops existing on its own.
    pub absorb: Uuid,
}
