//! A customer as the API shows it, and the parts of it that the customers
//! area's requests also take (location, preferences, sizes, acquisition,
//! external ids): the customers, tags, consent, merge and privacy answers
//! all carry it.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{Currency, CustomerId, FieldErrors, Label, Money, ShortText};
use clientele_profiles::{
    Acquisition, AcquisitionChannel, Birthday, Consent, CountryCode, Customer, Location, Preferences, Sizes, Tag,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::routes::shared::{keyword, nested};

fn labels(errors: &mut FieldErrors, field: &str, values: &[String]) -> BTreeSet<Label> {
    values.iter().enumerate().filter_map(|(i, v)| errors.check(&format!("{field}[{i}]"), Label::parse(v))).collect()
}

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
    pub(crate) fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Location {
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
    pub(crate) fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Preferences {
        Preferences {
            styles: labels(errors, &format!("{prefix}.styles"), &self.styles),
            colours: labels(errors, &format!("{prefix}.colours"), &self.colours),
            categories: labels(errors, &format!("{prefix}.categories"), &self.categories),
            hobbies: labels(errors, &format!("{prefix}.hobbies"), &self.hobbies),
        }
    }
    pub(crate) fn from_domain(p: &Preferences) -> Self {
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
    pub(crate) fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Sizes {
        Sizes {
            clothing: nested(errors, prefix, "clothing", self.clothing.as_deref(), Label::parse),
            shoe: nested(errors, prefix, "shoe", self.shoe.as_deref(), Label::parse),
            ring: nested(errors, prefix, "ring", self.ring.as_deref(), Label::parse),
        }
    }
    pub(crate) fn from_domain(s: &Sizes) -> Self {
        SizesDto {
            clothing: s.clothing.as_ref().map(|l| l.as_str().to_owned()),
            shoe: s.shoe.as_ref().map(|l| l.as_str().to_owned()),
            ring: s.ring.as_ref().map(|l| l.as_str().to_owned()),
        }
    }
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
    pub(crate) fn parse(&self, errors: &mut FieldErrors, prefix: &str) -> Option<Acquisition> {
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
