//! Merging two records of one person into one: the survivor keeps its id and
//! member number and gains everything the absorbed record knew.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use clientele_kernel::{CustomerId, MemberNo};
use serde::{Deserialize, Serialize};

use crate::customer::{Customer, Profile, ProfileError, Relationship};
use crate::ids::InteractionId;
use crate::interaction::Interaction;
use crate::person::ImportantDate;

/// A customer with their timeline: what a merge moves, and what an export
/// contains.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomerRecord {
    /// The customer.
    pub customer: Customer,
    /// Their interactions.
    pub timeline: Vec<Interaction>,
}

impl CustomerRecord {
    /// Erases the customer ([`Customer::erase`]) and removes the free-text
    /// note of every interaction ([`Interaction::redact`]). Idempotent.
    pub fn erase(&mut self, at: DateTime<Utc>) {
        self.customer.erase(at);
        for interaction in &mut self.timeline {
            interaction.redact();
        }
    }
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeOutcome {
    /// The surviving record with everything of both.
    pub merged: CustomerRecord,
    /// The id of the absorbed record (to retire, and to redirect).
    pub absorbed_id: CustomerId,
    /// The member number of the absorbed record (to retire, and to redirect).
    pub absorbed_member_no: MemberNo,
}

/// The order merged important dates are listed in: (date, kind, relation,
/// label, id, recurring) — every field, so the order is total.
fn important_date_order(a: &ImportantDate, b: &ImportantDate) -> Ordering {
    (a.date, a.kind, a.relation, &a.label, a.id, a.recurring).cmp(&(
        b.date,
        b.kind,
        b.relation,
        &b.label,
        b.id,
        b.recurring,
    ))
}

/// All of `survivor`'s dates, plus `absorbed`'s that are not the same event
/// as one already kept (taken in [`important_date_order`], so the result does
/// not depend on the order of either list), sorted.
fn merge_important_dates(survivor: &[ImportantDate], absorbed: &[ImportantDate]) -> Vec<ImportantDate> {
    let mut kept = survivor.to_vec();
    let mut candidates = absorbed.to_vec();
    candidates.sort_by(important_date_order);
    for candidate in candidates {
        if !kept.iter().any(|k| k.same_event(&candidate)) {
            kept.push(candidate);
        }
    }
    kept.sort_by(important_date_order);
    kept
}

fn merge_profiles(s: &Profile, a: &Profile) -> Profile {
    fn first<T: Clone>(s: &Option<T>, a: &Option<T>) -> Option<T> {
        s.as_ref().or(a.as_ref()).cloned()
    }
    Profile {
        name: first(&s.name, &a.name),
        phones: s.phones.union(&a.phones),
        email: first(&s.email, &a.email),
        gender: first(&s.gender, &a.gender),
        birthday: first(&s.birthday, &a.birthday),
        location: s.location.or(&a.location),
        education: first(&s.education, &a.education),
        occupation: first(&s.occupation, &a.occupation),
        preferences: s.preferences.union(&a.preferences),
        sizes: s.sizes.or(&a.sizes),
        important_dates: merge_important_dates(&s.important_dates, &a.important_dates),
    }
}

/// Both timelines, one entry per id (the survivor's copy wins), sorted by
/// (time, id). Should one list repeat an id, the greatest entry of that id
/// (by `Ord`) is kept, so the result never depends on the lists' order.
fn merge_timelines(survivor: &[Interaction], absorbed: &[Interaction]) -> Vec<Interaction> {
    let mut by_id: BTreeMap<InteractionId, Interaction> = BTreeMap::new();
    for side in [absorbed, survivor] {
        let mut entries = side.to_vec();
        entries.sort();
        for entry in entries {
            by_id.insert(entry.id, entry);
        }
    }
    let mut timeline: Vec<Interaction> = by_id.into_values().collect();
    timeline.sort_by_key(|x| (x.at, x.id));
    timeline
}

/// Merges `absorbed` into `survivor` at `now`.
///
/// Refused when both are the same customer ([`ProfileError::MergeWithSelf`])
/// or either is erased ([`ProfileError::Erased`], survivor checked first).
///
/// The result keeps the survivor's id and member number, the earlier
/// `created_at`, and `updated_at = now`. Profile: each single-valued field
/// is the survivor's if set, else the absorbed's (location and sizes field
/// by field); phones are the survivor's then the absorbed's new ones;
/// preferences are united; important dates are all of the survivor's plus
/// the absorbed's that are not the same event as one kept, sorted by (date,
/// kind, relation, label, id). Relationship: home store, associate and
/// acquisition are the survivor's if set, else the absorbed's; the date
/// joined is the earlier. Tags: every name of both, the earlier-set tag per
/// name ([`crate::Tags::union`]). Consents: per channel the newer
/// ([`crate::Consents::merge`]). External ids: all of both. Timeline: every
/// entry of both, the survivor's copy for a shared id, sorted by (time, id).
///
/// The result depends only on the arguments, never on the order of the
/// entries inside the inputs' timelines or important dates.
pub fn merge(
    survivor: &CustomerRecord,
    absorbed: &CustomerRecord,
    now: DateTime<Utc>,
) -> Result<MergeOutcome, ProfileError> {
    let (s, a) = (&survivor.customer, &absorbed.customer);
    if s.id == a.id {
        return Err(ProfileError::MergeWithSelf);
    }
    for c in [s, a] {
        if c.is_erased() {
            return Err(ProfileError::Erased(c.id));
        }
    }
    let relationship = Relationship {
        home_store: s.relationship.home_store.or(a.relationship.home_store),
        associate: s.relationship.associate.or(a.relationship.associate),
        acquisition: s.relationship.acquisition.as_ref().or(a.relationship.acquisition.as_ref()).cloned(),
        joined_on: s.relationship.joined_on.min(a.relationship.joined_on),
    };
    let customer = Customer {
        id: s.id,
        member_no: s.member_no.clone(),
        profile: merge_profiles(&s.profile, &a.profile),
        relationship,
        tags: s.tags.union(&a.tags),
        consents: s.consents.merge(&a.consents),
        external_ids: s.external_ids.union(&a.external_ids).cloned().collect(),
        created_at: s.created_at.min(a.created_at),
        updated_at: now,
        erased_at: None,
    };
    Ok(MergeOutcome {
        merged: CustomerRecord { customer, timeline: merge_timelines(&survivor.timeline, &absorbed.timeline) },
        absorbed_id: a.id,
        absorbed_member_no: a.member_no.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consent::Consent;
    use crate::contact::{Channel, Email};
    use crate::customer::{NewCustomer, Phones};
    use crate::ids::ImportantDateId;
    use crate::interaction::InteractionDetail;
    use crate::person::{ImportantDateKind, PersonName, Relation};
    use crate::tags::{Tag, TagKind, TagName};
    use chrono::{NaiveDate, TimeZone};
    use clientele_kernel::{Actor, LongText, Phone, ShortText, StoreId};
    use uuid::Uuid;

    fn at(minutes: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + minutes * 60, 0).unwrap()
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn record(id: u128, created: i64) -> CustomerRecord {
        let customer = NewCustomer {
            profile: Profile::default(),
            relationship: Relationship {
                home_store: None,
                associate: None,
                acquisition: None,
                joined_on: date(2022, 1, 1),
            },
            tags: Default::default(),
            consents: Default::default(),
            external_ids: Default::default(),
        }
        .into_customer(
            CustomerId::from_uuid(Uuid::from_u128(id)),
            MemberNo::from_sequence(id as u64),
            at(created),
        );
        CustomerRecord { customer, timeline: Vec::new() }
    }

    fn visit(id: u128, minutes: i64, note: &str) -> Interaction {
        Interaction {
            id: InteractionId::from_uuid(Uuid::from_u128(id)),
            at: at(minutes),
            store: None,
            associate: None,
            note: Some(LongText::parse(note).unwrap()),
            detail: InteractionDetail::Visit,
            recorded_by: Actor::system(),
        }
    }

    fn important(id: u128, kind: ImportantDateKind, d: NaiveDate) -> ImportantDate {
        ImportantDate {
            id: ImportantDateId::from_uuid(Uuid::from_u128(id)),
            kind,
            relation: Relation::Spouse,
            label: None,
            date: d,
            recurring: true,
        }
    }

    fn tag(name: &str, by: &str, minutes: i64) -> Tag {
        Tag {
            name: TagName::parse(name).unwrap(),
            kind: TagKind::System,
            set_by: Actor::new(by).unwrap(),
            set_at: at(minutes),
        }
    }

    #[test]
    fn merges_two_records() {
        let mut s = record(1, 10);
        let mut a = record(2, 5);
        s.customer.profile.name = Some(PersonName::parse("Wang Fang").unwrap());
        s.customer.profile.phones = Phones::new(vec![Phone::parse("13812345678").unwrap()]).unwrap();
        a.customer.profile.name = Some(PersonName::parse("Fang Wang").unwrap());
        a.customer.profile.email = Some(Email::parse("fang@example.cn").unwrap());
        a.customer.profile.phones =
            Phones::new(vec![Phone::parse("+390212345678").unwrap(), Phone::parse("13812345678").unwrap()]).unwrap();
        a.customer.relationship.home_store = Some(StoreId::from_uuid(Uuid::from_u128(77)));
        a.customer.relationship.joined_on = date(2019, 3, 3);
        s.customer.profile.important_dates = vec![important(10, ImportantDateKind::Anniversary, date(2015, 6, 1))];
        a.customer.profile.important_dates = vec![
            important(11, ImportantDateKind::Anniversary, date(2015, 6, 1)),
            important(12, ImportantDateKind::ChildBirthday, date(2018, 2, 1)),
        ];
        s.customer.tags = [tag("vip", "crm", 30)].into_iter().collect();
        a.customer.tags = [tag("vip", "pos", 20), tag("golf", "pos", 25)].into_iter().collect();
        let source = ShortText::parse("POS").unwrap();
        s.customer.consents.record(Consent { channel: Channel::Sms, granted: true, at: at(1), source: source.clone() });
        a.customer.consents.record(Consent { channel: Channel::Sms, granted: false, at: at(2), source });
        s.timeline = vec![visit(100, 50, "survivor's copy"), visit(101, 40, "s")];
        a.timeline = vec![visit(100, 50, "absorbed's copy"), visit(102, 45, "a")];

        let out = merge(&s, &a, at(1000)).unwrap();
        let m = &out.merged.customer;
        assert_eq!(out.absorbed_id, a.customer.id);
        assert_eq!(out.absorbed_member_no, a.customer.member_no);
        assert_eq!((m.id, &m.member_no), (s.customer.id, &s.customer.member_no));
        assert_eq!((m.created_at, m.updated_at), (at(5), at(1000)));
        assert_eq!(m.profile.name.as_ref().unwrap().as_str(), "Wang Fang");
        assert_eq!(m.profile.email.as_ref().unwrap().as_str(), "fang@example.cn");
        let phones: Vec<&str> = m.profile.phones.iter().map(Phone::as_str).collect();
        assert_eq!(phones, ["+8613812345678", "+390212345678"]);
        assert_eq!(m.relationship.home_store, Some(StoreId::from_uuid(Uuid::from_u128(77))));
        assert_eq!(m.relationship.joined_on, date(2019, 3, 3));
        let dates: Vec<u128> = m.profile.important_dates.iter().map(|d| d.id.as_uuid().as_u128()).collect();
        assert_eq!(dates, [10, 12]);
        let vip = m.tags.get(&TagName::parse("vip").unwrap()).unwrap();
        assert_eq!(vip.set_by.as_str(), "pos", "the earlier tag is kept");
        assert_eq!(m.tags.len(), 2);
        assert!(!m.consents.allows(Channel::Sms), "the newer withdrawal stands");
        let timeline: Vec<(u128, Option<&str>)> = out
            .merged
            .timeline
            .iter()
            .map(|i| (i.id.as_uuid().as_u128(), i.note.as_ref().map(LongText::as_str)))
            .collect();
        assert_eq!(timeline, [(101, Some("s")), (102, Some("a")), (100, Some("survivor's copy"))]);
    }

    #[test]
    fn refuses_self_and_erased() {
        let s = record(1, 0);
        let mut a = record(2, 0);
        assert_eq!(merge(&s, &s, at(1)), Err(ProfileError::MergeWithSelf));
        a.customer.erase(at(1));
        assert_eq!(merge(&s, &a, at(2)), Err(ProfileError::Erased(a.customer.id)));
        assert_eq!(merge(&a, &s, at(2)), Err(ProfileError::Erased(a.customer.id)));
    }

    #[test]
    fn record_erasure_redacts_the_timeline() {
        let mut r = record(1, 0);
        r.timeline = vec![visit(1, 1, "She likes films."), visit(2, 2, "Size 38.")];
        r.erase(at(10));
        assert!(r.customer.is_erased());
        assert!(r.timeline.iter().all(|i| i.note.is_none()));
        assert_eq!(r.timeline.len(), 2);
    }
}
