//! Property tests of the profile rules: normalisation, masking, merge,
//! duplicate detection, consent, erasure and the role matrix.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, TimeZone as _, Utc};
use clientele_kernel::{Actor, Currency, CustomerId, Label, LongText, MemberNo, Money, Phone, ShortText, StoreId};
use clientele_profiles::{
    Acquisition, AcquisitionChannel, AgeBand, AppointmentStatus, AssociateId, Birthday, Case, CaseStatus, Channel,
    Code, Consent, Consents, CountryCode, Customer, CustomerRecord, DUPLICATE_THRESHOLD, Direction, DuplicatePair,
    Education, Email, ExternalId, ExternalSystem, ExternalValue, Gender, ImportantDate, ImportantDateId,
    ImportantDateKind, Interaction, InteractionDetail, InteractionId, Location, NewCustomer, Permission, PersonName,
    Phones, Preferences, Profile, ProfileError, Relation, Relationship, Role, Sizes, SurveyAnswer, Tag, TagKind,
    TagName, duplicate_score, find_duplicate_pairs, match_keys, merge,
};
use proptest::prelude::*;
use proptest::sample::select;
use rust_decimal::Decimal;
use uuid::Uuid;

// ---------------------------------------------------------------- helpers

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + minutes * 60, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

// ------------------------------------------------------ value generators

fn any_email_input() -> impl Strategy<Value = String> {
    let valid_ish = (
        "[ ]{0,2}",
        "[A-Za-z0-9._%+-]{0,20}",
        prop::collection::vec("[A-Za-z0-9-]{1,8}", 0..4),
        "[A-Za-z]{1,6}",
        "[ ]{0,2}",
    )
        .prop_map(|(lead, local, labels, tld, trail)| {
            let mut domain = labels.join(".");
            if !domain.is_empty() {
                domain.push('.');
            }
            format!("{lead}{local}@{domain}{tld}{trail}")
        });
    let clean = "[ ]{0,2}[A-Za-z0-9][A-Za-z0-9_+-]{0,8}([.][A-Za-z0-9]{1,5})?@[A-Za-z0-9]{1,10}([.-][A-Za-z0-9]{1,6})?[.][A-Za-z]{2,5}[ ]{0,2}";
    prop_oneof![3 => valid_ish, 3 => clean, 1 => any::<String>(), 1 => "[a-zA-Z@. Ää-]{0,30}"]
}

fn any_name_input() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[ \t\na-zA-Z王芳·.'’-]{0,110}", 1 => any::<String>()]
}

fn any_tag_input() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[ ]{0,2}[a-zA-Z0-9爱电影 -]{0,66}[ \t]{0,2}",
        2 => "[ \ta-zA-Z0-9/?#%爱电影-]{0,12}",
        1 => any::<String>(),
    ]
}

// ---------------------------------------------------- record generators

const PHONES: [&str; 7] = [
    "13812345678",
    "+390212345678",
    "+8613900001111",
    "+33123456789",
    "+12125550100",
    "+8615011112222",
    "+447700900123",
];
const EMAILS: [&str; 4] = ["fang@example.cn", "giulia@example.it", "li.na@example.com", "marie@example.fr"];
const NAMES: [&str; 6] = ["Wang Fang", "wangfang", "Giulia Rossi", "Li Na", "王芳", "Marie Curie"];

fn pick<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = T> {
    select(items)
}

fn opt<T: Clone + std::fmt::Debug + 'static>(items: Vec<T>) -> impl Strategy<Value = Option<T>> {
    prop::option::of(select(items))
}

fn labels_pool() -> Vec<Label> {
    ["classic", "minimalist", "navy", "likes films", "golf", "IT 40", "38"].map(|s| Label::parse(s).unwrap()).to_vec()
}

fn short(s: &str) -> ShortText {
    ShortText::parse(s).unwrap()
}

fn store(n: u128) -> StoreId {
    StoreId::from_uuid(Uuid::from_u128(n))
}

fn label_set() -> impl Strategy<Value = BTreeSet<Label>> {
    prop::collection::btree_set(pick(labels_pool()), 0..3)
}

fn preferences() -> BoxedStrategy<Preferences> {
    (label_set(), label_set(), label_set(), label_set())
        .prop_map(|(styles, colours, categories, hobbies)| Preferences { styles, colours, categories, hobbies })
        .boxed()
}

fn sizes() -> impl Strategy<Value = Sizes> {
    (opt(labels_pool()), opt(labels_pool()), opt(labels_pool())).prop_map(|(clothing, shoe, ring)| Sizes {
        clothing,
        shoe,
        ring,
    })
}

fn location() -> BoxedStrategy<Location> {
    let cities = vec![short("Milano"), short("Shanghai"), short("Paris")];
    let countries = ["IT", "CN", "FR"].map(|c| CountryCode::parse(c).unwrap()).to_vec();
    (opt(cities.clone()), opt(cities.clone()), opt(countries), opt(cities))
        .prop_map(|(city, region, country, address)| Location { city, region, country, address })
        .boxed()
}

fn important_date() -> impl Strategy<Value = ImportantDate> {
    (
        0u128..12,
        pick(vec![ImportantDateKind::Anniversary, ImportantDateKind::ChildBirthday]),
        pick(vec![Relation::Spouse, Relation::Child]),
        opt(vec![short("Leo")]),
        pick(vec![day(2012, 2, 29), day(2015, 6, 1)]),
        any::<bool>(),
    )
        .prop_map(|(id, kind, relation, label, date, recurring)| ImportantDate {
            id: ImportantDateId::from_uuid(Uuid::from_u128(id)),
            kind,
            relation,
            label,
            date,
            recurring,
        })
}

fn phones() -> impl Strategy<Value = Phones> {
    prop::collection::vec(pick(PHONES.to_vec()), 0..=5)
        .prop_map(|v| Phones::new(v.into_iter().map(|p| Phone::parse(p).unwrap()).collect()).unwrap())
}

fn profile() -> BoxedStrategy<Profile> {
    let today = day(2025, 1, 1);
    let birthdays =
        [day(1985, 3, 1), day(1992, 2, 29), day(2000, 7, 14)].map(|d| Birthday::parse(d, today).unwrap()).to_vec();
    (
        (
            opt(NAMES.map(|n| PersonName::parse(n).unwrap()).to_vec()),
            phones(),
            opt(EMAILS.map(|e| Email::parse(e).unwrap()).to_vec()),
            opt(Gender::ALL.to_vec()),
            opt(birthdays),
            location(),
        ),
        (
            opt(Education::ALL.to_vec()),
            opt(vec![short("architect"), short("doctor")]),
            preferences(),
            sizes(),
            prop::collection::vec(important_date(), 0..4),
        ),
    )
        .prop_map(
            |(
                (name, phones, email, gender, birthday, location),
                (education, occupation, preferences, sizes, important_dates),
            )| Profile {
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
            },
        )
        .boxed()
}

fn acquisition() -> impl Strategy<Value = Option<Acquisition>> {
    prop::option::of((pick(AcquisitionChannel::ALL.to_vec()), opt(vec![1u128, 2, 3]), prop::option::of(0i64..1000)))
        .prop_map(|a| {
            a.map(|(channel, referrer, cost)| {
                let referrer = referrer
                    .filter(|_| channel == AcquisitionChannel::Referral)
                    .map(|r| CustomerId::from_uuid(Uuid::from_u128(r)));
                let cost = cost.map(|c| Money::new(Decimal::new(c, 1), Currency::parse("CNY").unwrap()));
                Acquisition::new(channel, referrer, cost).unwrap()
            })
        })
}

fn relationship() -> BoxedStrategy<Relationship> {
    (
        opt(vec![store(1), store(2), store(3)]),
        opt(vec![1u128, 2, 3]),
        acquisition(),
        pick(vec![day(2019, 1, 1), day(2021, 5, 20), day(2023, 11, 11)]),
    )
        .prop_map(|(home_store, associate, acquisition, joined_on)| Relationship {
            home_store,
            associate: associate.map(|a| AssociateId::from_uuid(Uuid::from_u128(a))),
            acquisition,
            joined_on,
        })
        .boxed()
}

fn tag() -> impl Strategy<Value = Tag> {
    (
        pick(vec!["vip", "VIP", "likes films", "golf", "爱看电影"]),
        pick(vec![TagKind::System, TagKind::Personal]),
        pick(vec!["system", "crm-team", "pos-milan"]),
        0i64..20,
    )
        .prop_map(|(name, kind, by, at)| Tag {
            name: TagName::parse(name).unwrap(),
            kind,
            set_by: Actor::new(by).unwrap(),
            set_at: t(at),
        })
}

fn consent() -> impl Strategy<Value = Consent> {
    (pick(Channel::ALL.to_vec()), any::<bool>(), 0i64..12, pick(vec!["POS", "WeChat mini-program"]))
        .prop_map(|(channel, granted, at, source)| Consent { channel, granted, at: t(at), source: short(source) })
}

fn external_id() -> impl Strategy<Value = ExternalId> {
    pick(vec![("erp", "C-1"), ("erp", "C-2"), ("eshop", "E-9"), ("wechat_openid", "oAbC")]).prop_map(|(s, v)| {
        ExternalId { system: ExternalSystem::parse(s).unwrap(), value: ExternalValue::parse(v).unwrap() }
    })
}

fn new_customer() -> BoxedStrategy<NewCustomer> {
    (
        profile(),
        relationship(),
        prop::collection::vec(tag(), 0..4),
        prop::collection::vec(consent(), 0..5),
        prop::collection::btree_set(external_id(), 0..3),
    )
        .prop_map(|(profile, relationship, tags, consents, external_ids)| NewCustomer {
            profile,
            relationship,
            tags: tags.into_iter().collect(),
            consents: consents.into_iter().collect(),
            external_ids,
        })
        .boxed()
}

/// A customer (not erased) with id `id`.
fn customer_with_id(id: u128) -> impl Strategy<Value = Customer> {
    (new_customer(), 0i64..20, 0i64..20).prop_map(move |(new, created, later)| {
        let mut c = new.into_customer(
            CustomerId::from_uuid(Uuid::from_u128(id)),
            MemberNo::from_sequence(u64::try_from(id % 1_000_000).unwrap()),
            t(created),
        );
        c.updated_at = t(created + later);
        c
    })
}

fn customer() -> BoxedStrategy<Customer> {
    (1u128..10_000).prop_flat_map(customer_with_id).boxed()
}

/// (minutes, kind selector, direction, channel, appointment status, case
/// status, case delay, score)
type InteractionSeed = (i64, u8, Direction, Channel, AppointmentStatus, CaseStatus, i64, u8, Option<&'static str>);

fn interaction_seed() -> impl Strategy<Value = InteractionSeed> {
    (
        0i64..30,
        0u8..8,
        pick(Direction::ALL.to_vec()),
        pick(Channel::ALL.to_vec()),
        pick(AppointmentStatus::ALL.to_vec()),
        pick(CaseStatus::ALL.to_vec()),
        0i64..100,
        0u8..=10,
        opt(vec!["Likes films.", "Asked for a size 38.\nCall back."]),
    )
}

fn build_interaction(id: u128, seed: InteractionSeed, who: &str) -> Interaction {
    let (minutes, kind, direction, channel, appointment, status, delay, score, note) = seed;
    let at = t(minutes);
    let case = || Case::new(status, status.is_finished().then(|| at + TimeDelta::minutes(delay)), at).unwrap();
    let detail = match kind {
        0 => InteractionDetail::Visit,
        1 => InteractionDetail::Call { direction },
        2 => InteractionDetail::Message { channel, direction },
        3 => InteractionDetail::Appointment { scheduled_for: at + TimeDelta::days(2), status: appointment },
        4 => InteractionDetail::Note,
        5 => InteractionDetail::Complaint { case: case() },
        6 => InteractionDetail::ServiceRequest { case: case() },
        _ => InteractionDetail::Survey { answer: SurveyAnswer::nps(score).unwrap() },
    };
    Interaction {
        id: InteractionId::from_uuid(Uuid::from_u128(id)),
        at,
        store: Some(store(1)),
        associate: None,
        note: note.map(|n| LongText::parse(n).unwrap()),
        detail,
        recorded_by: Actor::new(who).unwrap(),
    }
}

/// A timeline with distinct ids, drawn from a small range so two records
/// often share some.
fn timeline(who: &'static str) -> BoxedStrategy<Vec<Interaction>> {
    prop::collection::btree_map(0u128..25, interaction_seed(), 0..7)
        .prop_map(move |m| m.into_iter().map(|(id, seed)| build_interaction(id, seed, who)).collect())
        .boxed()
}

fn record(who: &'static str) -> impl Strategy<Value = CustomerRecord> {
    (customer(), timeline(who)).prop_map(|(customer, timeline)| CustomerRecord { customer, timeline })
}

/// Two records of different customers.
fn two_records() -> impl Strategy<Value = (CustomerRecord, CustomerRecord)> {
    (record("survivor-side"), record("absorbed-side"))
        .prop_filter("different customers", |(s, a)| s.customer.id != a.customer.id)
}

/// The same record with its timeline and important dates in another order.
fn reordered(r: CustomerRecord) -> impl Strategy<Value = CustomerRecord> {
    let dates = r.customer.profile.important_dates.clone();
    let timeline = r.timeline.clone();
    (Just(dates).prop_shuffle(), Just(timeline).prop_shuffle()).prop_map(move |(dates, timeline)| {
        let mut r = r.clone();
        r.customer.profile.important_dates = dates;
        r.timeline = timeline;
        r
    })
}

/// Customers with distinct ids, some erased.
fn population() -> impl Strategy<Value = Vec<Customer>> {
    prop::collection::btree_set(1u128..1000, 0..14).prop_flat_map(|ids| {
        ids.into_iter()
            .map(|id| {
                (customer_with_id(id), prop::bool::weighted(0.1), any::<bool>()).prop_map(
                    |(mut c, erase, no_contact)| {
                        if no_contact {
                            strip_contact(&mut c);
                        }
                        if erase {
                            c.erase(t(100));
                        }
                        c
                    },
                )
            })
            .collect::<Vec<_>>()
    })
}

/// Removes phones and e-mail, so that only names and birthdays can match.
fn strip_contact(c: &mut Customer) {
    c.profile.phones = Phones::default();
    c.profile.email = None;
}

fn assert_fully_erased(c: &Customer) {
    assert!(c.is_erased());
    assert_eq!(c.profile, Profile::default());
    assert_eq!(c.member_no, MemberNo::erased(c.id));
    assert!(c.tags.is_empty());
    assert!(c.consents.is_empty());
    assert!(c.external_ids.is_empty());
    assert!(c.relationship.acquisition.as_ref().is_none_or(|a| a.referrer().is_none()));
    assert!(match_keys(c).is_empty());
}

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn email_parse_is_idempotent(s in any_email_input()) {
        if let Ok(e) = Email::parse(&s) {
            prop_assert_eq!(Email::parse(e.as_str()), Ok(e.clone()));
            prop_assert_eq!(e.as_str(), e.as_str().to_lowercase());
            prop_assert_eq!(e.as_str().matches('@').count(), 1);
            let tail = format!("***@{}", e.domain());
            prop_assert!(e.masked().ends_with(&tail));
        }
    }

    #[test]
    fn person_name_parse_is_idempotent(s in any_name_input()) {
        if let Ok(n) = PersonName::parse(&s) {
            prop_assert_eq!(PersonName::parse(n.as_str()), Ok(n.clone()));
            prop_assert_eq!(PersonName::parse(n.as_str()).unwrap().match_key(), n.match_key());
        }
    }

    #[test]
    fn tag_name_parse_is_idempotent(s in any_tag_input()) {
        if let Ok(n) = TagName::parse(&s) {
            prop_assert_eq!(TagName::parse(n.as_str()), Ok(n.clone()));
            prop_assert!(!n.as_str().contains(['/', '?', '#', '%']));
        }
    }

    #[test]
    fn code_and_external_value_parse_is_idempotent(s in prop_oneof!["[ \t\r\na-zA-Z王_-]{0,80}", any::<String>()]) {
        if let Ok(v) = Code::parse(&s) {
            prop_assert_eq!(Code::parse(v.as_str()), Ok(v));
        }
        if let Ok(v) = ExternalValue::parse(&s) {
            prop_assert_eq!(ExternalValue::parse(v.as_str()), Ok(v));
        }
    }

    #[test]
    fn birthdays_come_back_every_year(
        y in 1900i32..2024, doy in 0u32..366, oy in 1900i32..2100, odoy in 0u32..366,
    ) {
        let date = NaiveDate::from_yo_opt(y, doy + 1).unwrap_or(day(y, 12, 31));
        let on = NaiveDate::from_yo_opt(oy, odoy + 1).unwrap_or(day(oy, 12, 31));
        let b = Birthday::parse(date, day(2025, 1, 1)).unwrap();
        let next = b.next_occurrence(on);
        prop_assert!(next >= on && next >= date);
        let leap_day_moved = (date.month(), date.day()) == (2, 29) && (next.month(), next.day()) == (2, 28);
        prop_assert!((next.month(), next.day()) == (date.month(), date.day()) || leap_day_moved);
        if on > date {
            prop_assert!(next - on < TimeDelta::days(366));
        }
        if next > date {
            let before = next.pred_opt().unwrap();
            prop_assert_eq!(b.age_on(next), b.age_on(before) + 1);
            prop_assert_eq!(b.next_occurrence(before), next);
        }
    }

    /// The dates a query compares birthdays with select exactly the people
    /// whose age puts them in the band (29 February included).
    #[test]
    fn age_band_birthdays_agree_with_ages(
        y in 1920i32..2024, doy in 0u32..366, ty in 2024i32..2030, tdoy in 0u32..366,
    ) {
        let date = NaiveDate::from_yo_opt(y, doy + 1).unwrap_or(day(y, 12, 31));
        let today = NaiveDate::from_yo_opt(ty, tdoy + 1).unwrap_or(day(ty, 12, 31));
        let b = Birthday::parse(date, day(2024, 1, 1)).unwrap();
        let band = AgeBand::on(Some(&b), today);
        for candidate in AgeBand::ALL {
            let range = candidate.birthdays_on(today);
            let inside = range.is_some_and(|r| {
                r.born_on_or_after.is_none_or(|d| date >= d) && r.born_before.is_none_or(|d| date < d)
            });
            prop_assert_eq!(inside, candidate == band, "{:?} on {}: age {}", candidate, today, b.age_on(today));
        }
    }

    #[test]
    fn consents_are_order_independent(
        (consents, shuffled) in prop::collection::vec(consent(), 0..10)
            .prop_flat_map(|v| (Just(v.clone()), Just(v).prop_shuffle())),
    ) {
        let mut a = Consents::new();
        for c in consents.iter().cloned() {
            a.record(c);
        }
        let b: Consents = shuffled.into_iter().collect();
        prop_assert_eq!(&a, &b);
        // Each channel's standing decision is its newest, a withdrawal on a tie.
        for channel in Channel::ALL {
            let latest = consents.iter().filter(|c| c.channel == channel).map(|c| c.at).max();
            prop_assert_eq!(a.get(channel).map(|c| c.at), latest);
            let withdrawn_at_latest =
                consents.iter().any(|c| c.channel == channel && Some(c.at) == latest && !c.granted);
            if withdrawn_at_latest {
                prop_assert!(!a.allows(channel));
            }
        }
    }

    #[test]
    fn consent_merge_is_commutative(a in prop::collection::vec(consent(), 0..6), b in prop::collection::vec(consent(), 0..6)) {
        let (a, b): (Consents, Consents) = (a.into_iter().collect(), b.into_iter().collect());
        prop_assert_eq!(a.merge(&b), b.merge(&a));
    }

    #[test]
    fn merge_keeps_everything_of_both((s, a) in two_records(), now in 0i64..100) {
        let out = merge(&s, &a, t(now)).unwrap();
        let m = &out.merged.customer;
        let (sc, ac) = (&s.customer, &a.customer);
        prop_assert_eq!(out.absorbed_id, ac.id);
        prop_assert_eq!(&out.absorbed_member_no, &ac.member_no);
        prop_assert_eq!(m.id, sc.id);
        prop_assert_eq!(&m.member_no, &sc.member_no);
        prop_assert_eq!(m.created_at, sc.created_at.min(ac.created_at));
        prop_assert_eq!(m.updated_at, t(now));
        prop_assert!(!m.is_erased());

        // Tags: every name of both, the earlier-set tag.
        let names: BTreeSet<&TagName> = sc.tags.names().chain(ac.tags.names()).collect();
        prop_assert_eq!(m.tags.names().collect::<BTreeSet<_>>(), names);
        for tag in m.tags.iter() {
            let earliest = [sc.tags.get(&tag.name), ac.tags.get(&tag.name)].into_iter().flatten().map(|t| t.set_at).min();
            prop_assert_eq!(Some(tag.set_at), earliest);
            if let Some(ours) = sc.tags.get(&tag.name).filter(|ours| ours.set_at == tag.set_at) {
                prop_assert_eq!(tag, ours, "on a tie the survivor's tag is kept");
            }
        }

        // Important dates: every event of both, no event twice from the absorbed side.
        for d in sc.profile.important_dates.iter().chain(&ac.profile.important_dates) {
            prop_assert!(m.profile.important_dates.iter().any(|k| k.same_event(d)));
        }
        prop_assert!(m.profile.important_dates.len() <= sc.profile.important_dates.len() + ac.profile.important_dates.len());
        prop_assert!(m.profile.important_dates.is_sorted_by_key(|d| (d.date, d.kind, d.relation, d.label.clone(), d.id)));

        // Timeline: every id of both, the survivor's copy, sorted by (at, id).
        let ids: BTreeSet<InteractionId> = s.timeline.iter().chain(&a.timeline).map(|i| i.id).collect();
        let merged_ids: Vec<InteractionId> = out.merged.timeline.iter().map(|i| i.id).collect();
        prop_assert_eq!(merged_ids.len(), ids.len());
        prop_assert_eq!(merged_ids.iter().copied().collect::<BTreeSet<_>>(), ids);
        prop_assert!(out.merged.timeline.is_sorted_by_key(|i| (i.at, i.id)));
        for i in &s.timeline {
            prop_assert!(out.merged.timeline.contains(i));
        }

        // Consents: per channel the newer, a withdrawal on a tie.
        for channel in Channel::ALL {
            let both: Vec<&Consent> = [sc.consents.get(channel), ac.consents.get(channel)].into_iter().flatten().collect();
            let newest = both.iter().map(|c| c.at).max();
            prop_assert_eq!(m.consents.get(channel).map(|c| c.at), newest);
            if let Some(got) = m.consents.get(channel) {
                prop_assert!(both.contains(&got));
                if both.iter().any(|c| Some(c.at) == newest && !c.granted) {
                    prop_assert!(!got.granted);
                }
            }
        }

        // Contact data and ids: all of both.
        for p in sc.profile.phones.iter().chain(ac.profile.phones.iter()) {
            prop_assert!(m.profile.phones.contains(p));
        }
        prop_assert_eq!(m.profile.phones.primary(), sc.profile.phones.primary().or(ac.profile.phones.primary()));
        prop_assert!(sc.external_ids.is_subset(&m.external_ids) && ac.external_ids.is_subset(&m.external_ids));
        prop_assert_eq!(m.external_ids.len(), sc.external_ids.union(&ac.external_ids).count());
        prop_assert_eq!(&m.profile.preferences, &sc.profile.preferences.union(&ac.profile.preferences));

        // Single values: the survivor's when it has one.
        prop_assert_eq!(m.profile.name.clone(), sc.profile.name.clone().or(ac.profile.name.clone()));
        prop_assert_eq!(m.profile.email.clone(), sc.profile.email.clone().or(ac.profile.email.clone()));
        prop_assert_eq!(m.profile.birthday, sc.profile.birthday.or(ac.profile.birthday));
        prop_assert_eq!(m.relationship.home_store, sc.relationship.home_store.or(ac.relationship.home_store));
        prop_assert_eq!(m.relationship.joined_on, sc.relationship.joined_on.min(ac.relationship.joined_on));

        // The merged record survives a trip through JSON (even with more than 5 phones).
        let json = serde_json::to_string(&out.merged).unwrap();
        prop_assert_eq!(&serde_json::from_str::<CustomerRecord>(&json).unwrap(), &out.merged);
    }

    #[test]
    fn merge_ignores_the_order_of_the_inputs_lists(
        (s, a, s2, a2) in two_records().prop_flat_map(|(s, a)| {
            (Just(s.clone()), Just(a.clone()), reordered(s), reordered(a))
        }),
        now in 0i64..100,
    ) {
        let first = merge(&s, &a, t(now)).unwrap();
        prop_assert_eq!(&merge(&s, &a, t(now)).unwrap(), &first);
        prop_assert_eq!(&merge(&s2, &a2, t(now)).unwrap(), &first);
    }

    #[test]
    fn merge_refuses_self_and_erased((s, a) in two_records(), erase_survivor in any::<bool>()) {
        prop_assert_eq!(merge(&s, &s, t(0)), Err(ProfileError::MergeWithSelf));
        let (mut s, mut a) = (s, a);
        let erased_id = if erase_survivor {
            s.customer.erase(t(50));
            s.customer.id
        } else {
            a.customer.erase(t(50));
            a.customer.id
        };
        prop_assert_eq!(merge(&s, &a, t(60)), Err(ProfileError::Erased(erased_id)));
        prop_assert_eq!(merge(&a, &s, t(60)), Err(ProfileError::Erased(erased_id)));
    }

    #[test]
    fn duplicate_score_is_symmetric(a in customer(), b in customer(), no_contact in any::<bool>()) {
        let (mut a, mut b) = (a, b);
        if no_contact {
            strip_contact(&mut a);
            strip_contact(&mut b);
        }
        let ab = duplicate_score(&a, &b);
        prop_assert_eq!(&ab, &duplicate_score(&b, &a));
        prop_assert!(ab.score <= 100);
        prop_assert_eq!(ab.score == 0, ab.reasons.is_empty());
        let shares_key = match_keys(&a).iter().any(|k| match_keys(&b).contains(k));
        if ab.score >= DUPLICATE_THRESHOLD {
            prop_assert!(shares_key, "a pair above the threshold shares a match key");
        }
    }

    #[test]
    fn find_duplicate_pairs_equals_brute_force(customers in population()) {
        let mut expected = Vec::new();
        for (i, x) in customers.iter().enumerate() {
            for y in &customers[i + 1..] {
                let (a, b) = if x.id < y.id { (x, y) } else { (y, x) };
                let score = duplicate_score(a, b);
                if score.score >= DUPLICATE_THRESHOLD {
                    expected.push(DuplicatePair { a: a.id, b: b.id, score });
                }
            }
        }
        expected.sort_by(|x, y| y.score.score.cmp(&x.score.score).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
        prop_assert_eq!(find_duplicate_pairs(&customers), expected);
    }

    #[test]
    fn erase_removes_every_personal_field_and_is_idempotent(
        r in record("associate"), at in 0i64..50, later in 0i64..50,
    ) {
        let mut r = r;
        let before = r.customer.clone();
        r.erase(t(at));
        assert_fully_erased(&r.customer);
        prop_assert_eq!(r.customer.erased_at, Some(t(at)));
        prop_assert_eq!(r.customer.updated_at, t(at));
        prop_assert!(r.timeline.iter().all(|i| i.note.is_none()));
        // What is kept for statistics.
        prop_assert_eq!(r.customer.id, before.id);
        prop_assert_eq!(r.customer.created_at, before.created_at);
        prop_assert_eq!(r.customer.relationship.home_store, before.relationship.home_store);
        prop_assert_eq!(r.customer.relationship.associate, before.relationship.associate);
        prop_assert_eq!(r.customer.relationship.joined_on, before.relationship.joined_on);
        prop_assert_eq!(
            r.customer.relationship.acquisition.as_ref().map(|a| (a.channel(), a.cost().cloned())),
            before.relationship.acquisition.as_ref().map(|a| (a.channel(), a.cost().cloned())),
        );
        // Nothing personal survives in the serialised record either.
        let json = serde_json::to_string(&r).unwrap();
        for secret in PHONES.iter().chain(&EMAILS).chain(&NAMES) {
            prop_assert!(!json.contains(secret), "{} leaked", secret);
        }
        let once = r.clone();
        r.erase(t(at + later));
        prop_assert_eq!(&r, &once);
        prop_assert_eq!(duplicate_score(&r.customer, &before).score, 0);
    }

    #[test]
    fn customer_records_round_trip_through_json(r in record("associate")) {
        let json = serde_json::to_string(&r).unwrap();
        prop_assert_eq!(serde_json::from_str::<CustomerRecord>(&json).unwrap(), r);
    }
}

// ------------------------------------------------------ the role matrix

#[test]
fn every_role_that_can_update_customers_can_read_them() {
    for role in Role::ALL {
        if role.allows(Permission::UpdateCustomers) {
            assert!(role.allows(Permission::ReadCustomers), "{role}");
        }
    }
}

#[test]
fn only_admin_can_manage_api_keys() {
    let managers: Vec<Role> = Role::ALL.into_iter().filter(|r| r.allows(Permission::ManageApiKeys)).collect();
    assert_eq!(managers, [Role::Admin]);
}

#[test]
fn admin_can_do_everything_and_crm_manager_all_but_keys() {
    for p in Permission::ALL {
        assert!(Role::Admin.allows(p), "{p}");
        assert_eq!(Role::CrmManager.allows(p), p != Permission::ManageApiKeys, "{p}");
    }
}

#[test]
fn roles_without_contact_details_cannot_export() {
    for role in Role::ALL {
        if !role.sees_contact_details() {
            assert!(!role.allows(Permission::ExportCustomers), "{role}");
            assert!(!role.allows(Permission::UpdateCustomers), "{role}");
        }
    }
}
