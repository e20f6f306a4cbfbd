//! The customer (member) record: profile, relationship to the brand, tags,
//! consents and external ids; partial updates and erasure.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};
use clientele_kernel::{CustomerId, InvalidValue, MemberNo, Phone, ShortText, StoreId};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::consent::{Consent, Consents};
use crate::contact::Email;
use crate::external::ExternalId;
use crate::ids::AssociateId;
use crate::person::{Birthday, Education, Gender, ImportantDate, Location, PersonName, Preferences, Sizes};
use crate::relationship::Acquisition;
use crate::tags::{Tag, TagName, Tags};

/// Ordered, duplicate-free phone numbers; the first is the primary. Max 5.
///
/// The cap of [`Phones::MAX`] applies to input ([`Phones::new`]); a merge
/// ([`Phones::union`]) keeps every number of both records and may exceed it,
/// and such a list is read back with [`Phones::from_stored`] or from JSON.
/// Serialised as a list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Phones(Vec<Phone>);

impl Phones {
    /// Most numbers accepted by [`Phones::new`].
    pub const MAX: usize = 5;

    /// Removes repeated numbers (keeping the first occurrence) and refuses
    /// more than [`Phones::MAX`] distinct ones (`too_long`).
    pub fn new(phones: Vec<Phone>) -> Result<Phones, InvalidValue> {
        let phones = Phones::from_stored(phones);
        if phones.len() > Self::MAX {
            return Err(InvalidValue::new("too_long", format!("at most {} phone numbers", Self::MAX)));
        }
        Ok(phones)
    }

    /// Removes repeated numbers (keeping the first occurrence), without the
    /// cap: for reading back a stored list, which may be a merge's union.
    pub fn from_stored(phones: Vec<Phone>) -> Phones {
        let mut out: Vec<Phone> = Vec::with_capacity(phones.len());
        for p in phones {
            if !out.contains(&p) {
                out.push(p);
            }
        }
        Phones(out)
    }

    /// The primary number (the first).
    pub fn primary(&self) -> Option<&Phone> {
        self.0.first()
    }

    /// The numbers, primary first.
    pub fn iter(&self) -> std::slice::Iter<'_, Phone> {
        self.0.iter()
    }

    /// The numbers, primary first.
    pub fn as_slice(&self) -> &[Phone] {
        &self.0
    }

    /// How many numbers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there is no number.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// True when this number is one of them.
    pub fn contains(&self, phone: &Phone) -> bool {
        self.0.contains(phone)
    }

    /// This list's numbers, then `other`'s that are not already in it. Not
    /// capped: a merge keeps every number of both records.
    pub fn union(&self, other: &Phones) -> Phones {
        Phones::from_stored(self.0.iter().chain(other.0.iter()).cloned().collect())
    }
}

impl<'a> IntoIterator for &'a Phones {
    type Item = &'a Phone;
    type IntoIter = std::slice::Iter<'a, Phone>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl Serialize for Phones {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Phones {
    /// From a list of numbers, each checked by [`Phone::parse`]; repeated
    /// numbers are dropped, and there is no cap (see [`Phones::from_stored`]).
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Phones::from_stored(Vec::<Phone>::deserialize(deserializer)?))
    }
}

/// What the customer is: identity and personal data. Every field is
/// optional, so a record can start from a phone number at the till.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    /// Name.
    pub name: Option<PersonName>,
    /// Phone numbers, primary first.
    pub phones: Phones,
    /// E-mail address.
    pub email: Option<Email>,
    /// Gender.
    pub gender: Option<Gender>,
    /// Date of birth.
    pub birthday: Option<Birthday>,
    /// Where they live.
    pub location: Location,
    /// Highest education.
    pub education: Option<Education>,
    /// Occupation.
    pub occupation: Option<ShortText>,
    /// What they like.
    pub preferences: Preferences,
    /// Their sizes.
    pub sizes: Sizes,
    /// Dates that matter to them and their family.
    pub important_dates: Vec<ImportantDate>,
}

/// The customer's relationship to the brand.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Relationship {
    /// The store the customer belongs to.
    pub home_store: Option<StoreId>,
    /// The sales associate assigned to the customer (专属导购).
    pub associate: Option<AssociateId>,
    /// How the customer was acquired.
    pub acquisition: Option<Acquisition>,
    /// The day they became a member.
    pub joined_on: NaiveDate,
}

/// A customer (member) record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Customer {
    /// Identifies the customer.
    pub id: CustomerId,
    /// The member number on their card.
    pub member_no: MemberNo,
    /// Identity and personal data.
    pub profile: Profile,
    /// Home store, associate, acquisition, date joined.
    pub relationship: Relationship,
    /// Tags.
    pub tags: Tags,
    /// Marketing consent per channel.
    pub consents: Consents,
    /// Ids in other systems.
    pub external_ids: BTreeSet<ExternalId>,
    /// When the record was created.
    pub created_at: DateTime<Utc>,
    /// When the record last changed.
    pub updated_at: DateTime<Utc>,
    /// When the customer's personal data was erased, if it was.
    pub erased_at: Option<DateTime<Utc>>,
}

/// Everything needed to create a customer (the id and member number are assigned by the store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewCustomer {
    /// Identity and personal data.
    pub profile: Profile,
    /// Home store, associate, acquisition, date joined.
    pub relationship: Relationship,
    /// Initial tags.
    pub tags: Tags,
    /// Initial consents.
    pub consents: Consents,
    /// Ids in other systems.
    pub external_ids: BTreeSet<ExternalId>,
}

impl NewCustomer {
    /// The customer record, created at `now`.
    pub fn into_customer(self, id: CustomerId, member_no: MemberNo, now: DateTime<Utc>) -> Customer {
        Customer {
            id,
            member_no,
            profile: self.profile,
            relationship: self.relationship,
            tags: self.tags,
            consents: self.consents,
            external_ids: self.external_ids,
            created_at: now,
            updated_at: now,
            erased_at: None,
        }
    }
}

/// A partial update. Outer None = leave as is; Some(None) = clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerPatch {
    /// New name, or clear it.
    pub name: Option<Option<PersonName>>,
    /// New phone list (empty to clear).
    pub phones: Option<Phones>,
    /// New e-mail, or clear it.
    pub email: Option<Option<Email>>,
    /// New gender, or clear it.
    pub gender: Option<Option<Gender>>,
    /// New birthday, or clear it.
    pub birthday: Option<Option<Birthday>>,
    /// New location (replaces the whole location).
    pub location: Option<Location>,
    /// New education, or clear it.
    pub education: Option<Option<Education>>,
    /// New occupation, or clear it.
    pub occupation: Option<Option<ShortText>>,
    /// New preferences (replace the old ones).
    pub preferences: Option<Preferences>,
    /// New sizes (replace the old ones).
    pub sizes: Option<Sizes>,
    /// New important dates (replace the old ones).
    pub important_dates: Option<Vec<ImportantDate>>,
    /// New home store, or clear it.
    pub home_store: Option<Option<StoreId>>,
    /// New associate, or clear it.
    pub associate: Option<Option<AssociateId>>,
    /// New acquisition, or clear it.
    pub acquisition: Option<Option<Acquisition>>,
    /// New date joined.
    pub joined_on: Option<NaiveDate>,
    /// New external ids (replace the old ones).
    pub external_ids: Option<BTreeSet<ExternalId>>,
}

impl CustomerPatch {
    /// True when the patch changes nothing.
    pub fn is_empty(&self) -> bool {
        *self == CustomerPatch::default()
    }
}

/// Why a change to a customer record was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    /// The record was erased; it can no longer change.
    #[error("customer {0} has been erased")]
    Erased(CustomerId),
    /// Both sides of a merge are the same customer.
    #[error("a customer cannot be merged into itself")]
    MergeWithSelf,
}

impl Customer {
    fn ensure_not_erased(&self) -> Result<(), ProfileError> {
        if self.is_erased() { Err(ProfileError::Erased(self.id)) } else { Ok(()) }
    }

    /// Applies a partial update at `now` (sets `updated_at`). Refused for an
    /// erased customer.
    pub fn apply(&mut self, patch: CustomerPatch, now: DateTime<Utc>) -> Result<(), ProfileError> {
        self.ensure_not_erased()?;
        // Destructured so that a new patch field cannot be forgotten here.
        let CustomerPatch {
            name,
            phones,
            email,
            gender,
            birthday,
            location,
            education,
            occupation,
            preferences,
            sizes,
            important_dates,
            home_store,
            associate,
            acquisition,
            joined_on,
            external_ids,
        } = patch;
        let p = &mut self.profile;
        let r = &mut self.relationship;
        if let Some(v) = name {
            p.name = v;
        }
        if let Some(v) = phones {
            p.phones = v;
        }
        if let Some(v) = email {
            p.email = v;
        }
        if let Some(v) = gender {
            p.gender = v;
        }
        if let Some(v) = birthday {
            p.birthday = v;
        }
        if let Some(v) = location {
            p.location = v;
        }
        if let Some(v) = education {
            p.education = v;
        }
        if let Some(v) = occupation {
            p.occupation = v;
        }
        if let Some(v) = preferences {
            p.preferences = v;
        }
        if let Some(v) = sizes {
            p.sizes = v;
        }
        if let Some(v) = important_dates {
            p.important_dates = v;
        }
        if let Some(v) = home_store {
            r.home_store = v;
        }
        if let Some(v) = associate {
            r.associate = v;
        }
        if let Some(v) = acquisition {
            r.acquisition = v;
        }
        if let Some(v) = joined_on {
            r.joined_on = v;
        }
        if let Some(v) = external_ids {
            self.external_ids = v;
        }
        self.updated_at = now;
        Ok(())
    }

    /// Sets a tag (replacing one of the same name) at `now`.
    pub fn set_tag(&mut self, tag: Tag, now: DateTime<Utc>) -> Result<(), ProfileError> {
        self.ensure_not_erased()?;
        self.tags.insert(tag);
        self.updated_at = now;
        Ok(())
    }

    /// Removes a tag; `updated_at` changes only if there was one to remove.
    pub fn remove_tag(&mut self, name: &TagName, now: DateTime<Utc>) -> Result<Option<Tag>, ProfileError> {
        self.ensure_not_erased()?;
        let removed = self.tags.remove(name);
        if removed.is_some() {
            self.updated_at = now;
        }
        Ok(removed)
    }

    /// Records a consent decision (see [`Consents::record`]) at `now`.
    pub fn record_consent(&mut self, consent: Consent, now: DateTime<Utc>) -> Result<(), ProfileError> {
        self.ensure_not_erased()?;
        self.consents.record(consent);
        self.updated_at = now;
        Ok(())
    }

    /// True once the customer's personal data was erased.
    pub fn is_erased(&self) -> bool {
        self.erased_at.is_some()
    }

    /// PIPL/GDPR erasure: removes every personal field, keeps the record anonymised for statistics.
    ///
    /// The profile is emptied; the member number becomes
    /// [`MemberNo::erased`]; tags, consents and external ids are removed; the
    /// relationship keeps the home store, associate, date joined and the
    /// acquisition channel and cost, but not the referrer. `erased_at` and
    /// `updated_at` become `at`. Erasing again changes nothing (the first
    /// erasure's time is kept). The timeline is not part of this record: use
    /// [`crate::merge::CustomerRecord::erase`] to redact it too.
    pub fn erase(&mut self, at: DateTime<Utc>) {
        self.profile = Profile::default();
        self.member_no = MemberNo::erased(self.id);
        self.tags.clear();
        self.consents.clear();
        self.external_ids.clear();
        self.relationship.acquisition = self.relationship.acquisition.as_ref().map(Acquisition::without_referrer);
        if self.erased_at.is_none() {
            self.erased_at = Some(at);
            self.updated_at = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contact::Channel;
    use crate::external::{ExternalSystem, ExternalValue};
    use crate::relationship::AcquisitionChannel;
    use crate::tags::TagKind;
    use chrono::TimeZone;
    use clientele_kernel::{Actor, Currency, Money};
    use rust_decimal::Decimal;
    use uuid::Uuid;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn phone(s: &str) -> Phone {
        Phone::parse(s).unwrap()
    }

    fn customer() -> Customer {
        let new = NewCustomer {
            profile: Profile {
                name: Some(PersonName::parse("Wang Fang").unwrap()),
                phones: Phones::new(vec![phone("13812345678")]).unwrap(),
                email: Some(Email::parse("fang@example.cn").unwrap()),
                ..Profile::default()
            },
            relationship: Relationship {
                home_store: Some(StoreId::from_uuid(Uuid::from_u128(7))),
                associate: Some(AssociateId::from_uuid(Uuid::from_u128(8))),
                acquisition: Some(
                    Acquisition::new(
                        AcquisitionChannel::Referral,
                        Some(CustomerId::from_uuid(Uuid::from_u128(9))),
                        Some(Money::new(Decimal::new(50, 0), Currency::parse("CNY").unwrap())),
                    )
                    .unwrap(),
                ),
                joined_on: NaiveDate::from_ymd_opt(2020, 5, 1).unwrap(),
            },
            tags: [Tag {
                name: TagName::parse("vip").unwrap(),
                kind: TagKind::System,
                set_by: Actor::system(),
                set_at: at(0),
            }]
            .into_iter()
            .collect(),
            consents: [Consent {
                channel: Channel::Sms,
                granted: true,
                at: at(0),
                source: ShortText::parse("POS").unwrap(),
            }]
            .into_iter()
            .collect(),
            external_ids: [ExternalId {
                system: ExternalSystem::parse("erp").unwrap(),
                value: ExternalValue::parse("C-1").unwrap(),
            }]
            .into_iter()
            .collect(),
        };
        new.into_customer(CustomerId::from_uuid(Uuid::from_u128(1)), MemberNo::from_sequence(1), at(0))
    }

    #[test]
    fn phones_dedup_and_cap() {
        let p = Phones::new(vec![phone("13812345678"), phone("+8613812345678"), phone("+390212345678")]).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!(p.primary().unwrap().as_str(), "+8613812345678");
        let six: Vec<Phone> = (0..6).map(|i| phone(&format!("+3902123456{i:02}"))).collect();
        assert_eq!(Phones::new(six.clone()).unwrap_err().code, "too_long");
        let a = Phones::new(six[..4].to_vec()).unwrap();
        let b = Phones::new(six[2..].to_vec()).unwrap();
        let u = a.union(&b);
        assert_eq!(u.as_slice(), six.as_slice());
        let json = serde_json::to_string(&u).unwrap();
        assert_eq!(serde_json::from_str::<Phones>(&json).unwrap(), u);
        assert!(serde_json::from_str::<Phones>(r#"["12"]"#).is_err());
    }

    #[test]
    fn new_customer_timestamps() {
        let c = customer();
        assert_eq!(c.created_at, at(0));
        assert_eq!(c.updated_at, at(0));
        assert!(!c.is_erased());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<Customer>(&json).unwrap(), c);
    }

    #[test]
    fn apply_sets_and_clears() {
        let mut c = customer();
        assert!(CustomerPatch::default().is_empty());
        let patch = CustomerPatch {
            email: Some(None),
            gender: Some(Some(Gender::Female)),
            home_store: Some(None),
            joined_on: Some(NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()),
            ..CustomerPatch::default()
        };
        assert!(!patch.is_empty());
        c.apply(patch, at(10)).unwrap();
        assert_eq!(c.profile.email, None);
        assert_eq!(c.profile.gender, Some(Gender::Female));
        assert_eq!(c.profile.name.as_ref().unwrap().as_str(), "Wang Fang");
        assert_eq!(c.relationship.home_store, None);
        assert!(c.relationship.associate.is_some());
        assert_eq!(c.relationship.joined_on, NaiveDate::from_ymd_opt(2019, 1, 1).unwrap());
        assert_eq!(c.updated_at, at(10));
    }

    #[test]
    fn tags_and_consents() {
        let mut c = customer();
        let name = TagName::parse("golf").unwrap();
        c.set_tag(Tag { name: name.clone(), kind: TagKind::Personal, set_by: Actor::system(), set_at: at(5) }, at(5))
            .unwrap();
        assert!(c.tags.contains(&name));
        assert_eq!(c.updated_at, at(5));
        assert!(c.remove_tag(&name, at(6)).unwrap().is_some());
        assert_eq!(c.updated_at, at(6));
        assert!(c.remove_tag(&name, at(7)).unwrap().is_none());
        assert_eq!(c.updated_at, at(6));
        c.record_consent(
            Consent { channel: Channel::Sms, granted: false, at: at(8), source: ShortText::parse("app").unwrap() },
            at(8),
        )
        .unwrap();
        assert!(!c.consents.allows(Channel::Sms));
    }

    #[test]
    fn erase_removes_personal_data_and_blocks_changes() {
        let mut c = customer();
        c.erase(at(100));
        assert!(c.is_erased());
        assert_eq!(c.profile, Profile::default());
        assert_eq!(c.member_no, MemberNo::erased(c.id));
        assert!(c.tags.is_empty() && c.consents.is_empty() && c.external_ids.is_empty());
        let acq = c.relationship.acquisition.as_ref().unwrap();
        assert_eq!(acq.referrer(), None);
        assert_eq!(acq.channel(), AcquisitionChannel::Referral);
        assert!(acq.cost().is_some());
        assert!(c.relationship.home_store.is_some() && c.relationship.associate.is_some());
        assert_eq!((c.erased_at, c.updated_at), (Some(at(100)), at(100)));
        let once = c.clone();
        c.erase(at(200));
        assert_eq!(c, once);
        let id = c.id;
        assert_eq!(c.apply(CustomerPatch::default(), at(300)), Err(ProfileError::Erased(id)));
        assert_eq!(c.remove_tag(&TagName::parse("vip").unwrap(), at(300)), Err(ProfileError::Erased(id)));
        assert_eq!(c, once);
    }
}
