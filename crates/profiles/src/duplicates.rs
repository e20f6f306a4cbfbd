//! Finding likely duplicates: two records of one person (registered twice,
//! or once in Milan and once in Shanghai).

use std::collections::{BTreeSet, HashMap};

use chrono::NaiveDate;
use clientele_kernel::{CustomerId, Phone, keyword_enum};
use serde::Serialize;

use crate::contact::Email;
use crate::customer::Customer;

keyword_enum! {
    /// Why two records look like one person.
    pub enum MatchReason {
        /// They share a phone number.
        SamePhone => "same_phone",
        /// They have the same e-mail address.
        SameEmail => "same_email",
        /// Same name (by [`crate::PersonName::match_key`]) and same birthday.
        SameNameAndBirthday => "same_name_and_birthday",
        /// Same name only (weak on its own).
        SameName => "same_name",
    }
}

/// How likely two records are one person, 0 to 100, and why.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DuplicateScore {
    /// 0 (no sign) to 100.
    pub score: u8,
    /// The reasons, in the order of [`MatchReason`].
    pub reasons: Vec<MatchReason>,
}

/// Pairs scoring at least this are reported by [`find_duplicate_pairs`].
pub const DUPLICATE_THRESHOLD: u8 = 40;

const SAME_PHONE: u8 = 60;
const SAME_EMAIL: u8 = 50;
const SAME_NAME_AND_BIRTHDAY: u8 = 40;
const SAME_NAME: u8 = 10;

/// A value that two records of one person are likely to share; records are
/// compared only with records that share one of their keys.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MatchKey {
    /// A phone number.
    Phone(Phone),
    /// An e-mail address.
    Email(Email),
    /// A name's [`crate::PersonName::match_key`] with a birthday.
    NameBirthday {
        /// The name's match key.
        name: String,
        /// The date of birth.
        birthday: NaiveDate,
    },
}

/// The name's match key, unless there is no name or the key is empty.
fn name_key(c: &Customer) -> Option<String> {
    c.profile.name.as_ref().map(|n| n.match_key()).filter(|k| !k.is_empty())
}

/// The keys a customer can be matched by: each phone, the e-mail, and name +
/// birthday when both are known. None for an erased customer. Any pair
/// scoring at least [`DUPLICATE_THRESHOLD`] shares one of these keys.
pub fn match_keys(c: &Customer) -> Vec<MatchKey> {
    if c.is_erased() {
        return Vec::new();
    }
    let mut keys: Vec<MatchKey> = c.profile.phones.iter().cloned().map(MatchKey::Phone).collect();
    keys.extend(c.profile.email.clone().map(MatchKey::Email));
    if let (Some(name), Some(birthday)) = (name_key(c), c.profile.birthday) {
        keys.push(MatchKey::NameBirthday { name, birthday: birthday.date() });
    }
    keys
}

/// Symmetric. Any shared phone +60, same email +50, same name match_key and birthday +40, else same name match_key alone +10; capped at 100. Erased customers score 0.
pub fn duplicate_score(a: &Customer, b: &Customer) -> DuplicateScore {
    let mut score: u32 = 0;
    let mut reasons = Vec::new();
    if a.is_erased() || b.is_erased() {
        return DuplicateScore { score: 0, reasons };
    }
    let (pa, pb) = (&a.profile, &b.profile);
    if pa.phones.iter().any(|p| pb.phones.contains(p)) {
        score += u32::from(SAME_PHONE);
        reasons.push(MatchReason::SamePhone);
    }
    if pa.email.is_some() && pa.email == pb.email {
        score += u32::from(SAME_EMAIL);
        reasons.push(MatchReason::SameEmail);
    }
    let same_name = name_key(a).is_some_and(|k| Some(k) == name_key(b));
    if same_name {
        if pa.birthday.is_some() && pa.birthday == pb.birthday {
            score += u32::from(SAME_NAME_AND_BIRTHDAY);
            reasons.push(MatchReason::SameNameAndBirthday);
        } else {
            score += u32::from(SAME_NAME);
            reasons.push(MatchReason::SameName);
        }
    }
    DuplicateScore { score: u8::try_from(score.min(100)).unwrap_or(100), reasons }
}

/// Two records that look like one person.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DuplicatePair {
    /// The smaller id.
    pub a: CustomerId,
    /// The larger id.
    pub b: CustomerId,
    /// How likely, and why.
    pub score: DuplicateScore,
}

/// All pairs at or above the threshold among `customers`, found through shared match keys (not O(n²) over everyone); sorted by score desc, then a, then b.
///
/// Customers are grouped by [`match_keys`] and only customers sharing a key
/// are scored, so the work grows with the sizes of those groups (a phone
/// number shared by many records, such as a store's own number typed in for
/// walk-ins, makes a large group). Ids are expected to be distinct; two
/// entries with the same id are never paired.
pub fn find_duplicate_pairs(customers: &[Customer]) -> Vec<DuplicatePair> {
    let mut groups: HashMap<MatchKey, Vec<usize>> = HashMap::new();
    for (i, c) in customers.iter().enumerate() {
        // A customer with the same key twice (cannot happen today) is listed once.
        let keys: BTreeSet<MatchKey> = match_keys(c).into_iter().collect();
        for key in keys {
            groups.entry(key).or_default().push(i);
        }
    }
    let mut candidates: BTreeSet<(usize, usize)> = BTreeSet::new();
    for members in groups.values() {
        for (n, &i) in members.iter().enumerate() {
            for &j in &members[n + 1..] {
                if customers[i].id != customers[j].id {
                    let (lo, hi) = if customers[i].id < customers[j].id { (i, j) } else { (j, i) };
                    candidates.insert((lo, hi));
                }
            }
        }
    }
    let mut pairs: Vec<DuplicatePair> = candidates
        .into_iter()
        .filter_map(|(i, j)| {
            let score = duplicate_score(&customers[i], &customers[j]);
            (score.score >= DUPLICATE_THRESHOLD).then(|| DuplicatePair {
                a: customers[i].id,
                b: customers[j].id,
                score,
            })
        })
        .collect();
    pairs.sort_by(|x, y| y.score.score.cmp(&x.score.score).then(x.a.cmp(&y.a)).then(x.b.cmp(&y.b)));
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::{NewCustomer, Phones, Profile, Relationship};
    use crate::person::{Birthday, PersonName};
    use chrono::{DateTime, TimeZone, Utc};
    use clientele_kernel::MemberNo;
    use uuid::Uuid;

    fn now() -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000, 0).unwrap()
    }

    fn person(
        id: u128,
        name: Option<&str>,
        phone: Option<&str>,
        email: Option<&str>,
        born: Option<(i32, u32, u32)>,
    ) -> Customer {
        let today = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
        NewCustomer {
            profile: Profile {
                name: name.map(|n| PersonName::parse(n).unwrap()),
                phones: Phones::new(phone.into_iter().map(|p| Phone::parse(p).unwrap()).collect()).unwrap(),
                email: email.map(|e| Email::parse(e).unwrap()),
                birthday: born
                    .map(|(y, m, d)| Birthday::parse(NaiveDate::from_ymd_opt(y, m, d).unwrap(), today).unwrap()),
                ..Profile::default()
            },
            relationship: Relationship { home_store: None, associate: None, acquisition: None, joined_on: today },
            tags: Default::default(),
            consents: Default::default(),
            external_ids: Default::default(),
        }
        .into_customer(CustomerId::from_uuid(Uuid::from_u128(id)), MemberNo::from_sequence(id as u64), now())
    }

    #[test]
    fn scores_and_reasons() {
        let a = person(1, Some("Wang Fang"), Some("13812345678"), Some("fang@example.cn"), Some((1990, 5, 1)));
        let b = person(2, Some("wangfang"), Some("+86 138 1234 5678"), Some("FANG@example.cn"), Some((1990, 5, 1)));
        let s = duplicate_score(&a, &b);
        assert_eq!(s.score, 100, "60 + 50 + 40 is capped");
        assert_eq!(s.reasons, [MatchReason::SamePhone, MatchReason::SameEmail, MatchReason::SameNameAndBirthday]);

        let c = person(3, Some("Wang  Fang"), None, None, Some((1990, 5, 1)));
        assert_eq!(
            duplicate_score(&a, &c),
            DuplicateScore { score: 40, reasons: vec![MatchReason::SameNameAndBirthday] }
        );
        let d = person(4, Some("Wang Fang"), None, None, None);
        assert_eq!(duplicate_score(&a, &d), DuplicateScore { score: 10, reasons: vec![MatchReason::SameName] });
        let e = person(5, None, None, Some("fang@example.cn"), None);
        assert_eq!(duplicate_score(&a, &e).score, 50);
        let nobody = person(6, None, None, None, None);
        assert_eq!(duplicate_score(&nobody, &person(7, None, None, None, None)).score, 0);
        // Names made only of separators never match.
        let dots = person(8, Some("..."), None, None, Some((1990, 5, 1)));
        assert_eq!(duplicate_score(&dots, &person(9, Some("-"), None, None, Some((1990, 5, 1)))).score, 0);
        assert!(!match_keys(&dots).iter().any(|k| matches!(k, MatchKey::NameBirthday { .. })));
    }

    #[test]
    fn erased_customers_never_match() {
        let a = person(1, Some("Li Na"), Some("13812345678"), None, None);
        let mut b = person(2, Some("Li Na"), Some("13812345678"), None, None);
        assert_eq!(duplicate_score(&a, &b).score, 70);
        b.erase(now());
        assert_eq!(duplicate_score(&a, &b), DuplicateScore { score: 0, reasons: vec![] });
        assert!(match_keys(&b).is_empty());
        assert!(find_duplicate_pairs(&[a, b]).is_empty());
    }

    #[test]
    fn pairs_are_ordered_and_thresholded() {
        let customers = [
            person(30, Some("Giulia Rossi"), None, Some("giulia@example.it"), None),
            person(10, Some("Giulia Rossi"), None, Some("giulia@example.it"), None),
            person(20, None, Some("+390212345678"), None, None),
            person(5, None, Some("+390212345678"), Some("giulia@example.it"), None),
            person(40, Some("Giulia Rossi"), None, None, None),
        ];
        let pairs = find_duplicate_pairs(&customers);
        let got: Vec<(u128, u128, u8)> =
            pairs.iter().map(|p| (p.a.as_uuid().as_u128(), p.b.as_uuid().as_u128(), p.score.score)).collect();
        // 10-30 is e-mail and name (60); 5-20 phone (60); 5-10 and 5-30 e-mail (50).
        // 10-40 and 30-40 share only a name (10): below the threshold.
        assert_eq!(got, [(5, 20, 60), (10, 30, 60), (5, 10, 50), (5, 30, 50)]);
        assert!(find_duplicate_pairs(&[]).is_empty());
    }

    #[test]
    fn reason_names() {
        for r in MatchReason::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.as_str()));
        }
    }
}
