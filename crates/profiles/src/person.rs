//! Who the customer is: name, gender, birthday, where they live, what they
//! like, their sizes and the dates that matter to them. (The member number
//! is [`clientele_kernel::MemberNo`]: orders name a member by it too.)

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use clientele_kernel::text::single_line;
use clientele_kernel::{InvalidValue, Label, ShortText, keyword_enum, string_newtype};
use serde::{Deserialize, Serialize};

use crate::ids::ImportantDateId;

/// A person's name as they write it: trimmed, whitespace runs collapsed,
/// 1 to 100 characters, no control characters. Chinese and Latin names alike.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// Longest accepted name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Normalises and checks; empty after trimming is `required`.
    pub fn parse(s: &str) -> Result<PersonName, InvalidValue> {
        single_line(s, Self::MAX_CHARS).map(PersonName)
    }

    /// The key two names are compared by when looking for duplicates:
    /// lowercased, with whitespace and the separators `.` `-` `·` `‧` `・`
    /// `'` `’` removed, so "Wang Fang", "wang-fang" and "WangFang" match.
    /// Chinese characters pass through unchanged. May be empty (a name made
    /// only of separators).
    pub fn match_key(&self) -> String {
        self.0
            .to_lowercase()
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '.' | '-' | '·' | '‧' | '・' | '\'' | '’'))
            .collect()
    }
}
string_newtype!(PersonName);

keyword_enum! {
    /// Gender, as the customer states it.
    pub enum Gender {
        /// Female.
        Female => "female",
        /// Male.
        Male => "male",
        /// Non-binary.
        NonBinary => "non_binary",
        /// The customer prefers not to say.
        Undisclosed => "undisclosed",
    }
}

/// `date`'s anniversary in `year`; 29 February falls on 28 February in a
/// year that is not a leap year. None only outside chrono's range of years.
pub(crate) fn anniversary_in(date: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, date.month(), date.day())
        .or_else(|| if date.month() == 2 && date.day() == 29 { NaiveDate::from_ymd_opt(year, 2, 28) } else { None })
}

/// The first anniversary of `date` on or after `on_or_after`; `date` itself
/// when `on_or_after` is not after it. Saturates at [`NaiveDate::MAX`].
pub(crate) fn next_anniversary(date: NaiveDate, on_or_after: NaiveDate) -> NaiveDate {
    if on_or_after <= date {
        return date;
    }
    match anniversary_in(date, on_or_after.year()) {
        Some(this_year) if this_year >= on_or_after => this_year,
        _ => on_or_after.year().checked_add(1).and_then(|next| anniversary_in(date, next)).unwrap_or(NaiveDate::MAX),
    }
}

/// A date of birth: not in the future, not before 1900.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "NaiveDate", into = "NaiveDate")]
pub struct Birthday(NaiveDate);

impl Birthday {
    /// Earliest accepted year of birth.
    pub const MIN_YEAR: i32 = 1900;

    /// Checks a date of birth against `today` (code `out_of_range` for a date
    /// after today or before 1900).
    pub fn parse(date: NaiveDate, today: NaiveDate) -> Result<Birthday, InvalidValue> {
        if date > today {
            return Err(InvalidValue::new("out_of_range", "a birthday cannot be in the future"));
        }
        Birthday::try_from(date)
    }

    /// The date of birth.
    pub fn date(&self) -> NaiveDate {
        self.0
    }

    /// Age in whole years on `today` (0 before the birth). Someone born on
    /// 29 February turns a year older on 28 February in other years, the day
    /// [`Birthday::next_occurrence`] gives.
    pub fn age_on(&self, today: NaiveDate) -> u32 {
        let years = today.year() - self.0.year();
        let before_birthday = anniversary_in(self.0, today.year()).is_some_and(|this_year| today < this_year);
        u32::try_from(years - i32::from(before_birthday)).unwrap_or(0)
    }

    /// The next birthday on or after `on_or_after` (29 February falls on
    /// 28 February in other years).
    pub fn next_occurrence(&self, on_or_after: NaiveDate) -> NaiveDate {
        next_anniversary(self.0, on_or_after)
    }
}

/// An age band, for finer cuts of segments and lists. Codes are stable
/// (`under_25`, `25_34`, `35_44`, `45_54`, `55_plus`, `unknown`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AgeBand {
    Under25,
    From25To34,
    From35To44,
    From45To54,
    From55,
    /// No birthday on record.
    Unknown,
}

/// The birthdays of an age band on a date: born on or after the first date
/// (if any) and before the second (if any).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BirthdayRange {
    pub born_on_or_after: Option<NaiveDate>,
    pub born_before: Option<NaiveDate>,
}

impl AgeBand {
    /// Every band, youngest first.
    pub const ALL: [AgeBand; 6] = [
        AgeBand::Under25,
        AgeBand::From25To34,
        AgeBand::From35To44,
        AgeBand::From45To54,
        AgeBand::From55,
        AgeBand::Unknown,
    ];

    /// The stable code.
    pub const fn code(self) -> &'static str {
        match self {
            AgeBand::Under25 => "under_25",
            AgeBand::From25To34 => "25_34",
            AgeBand::From35To44 => "35_44",
            AgeBand::From45To54 => "45_54",
            AgeBand::From55 => "55_plus",
            AgeBand::Unknown => "unknown",
        }
    }

    /// The band of a code.
    pub fn from_code(code: &str) -> Option<AgeBand> {
        AgeBand::ALL.into_iter().find(|b| b.code() == code)
    }

    /// The band of someone born on `birthday` (or of no known birthday), on
    /// `today`.
    pub fn on(birthday: Option<&Birthday>, today: NaiveDate) -> AgeBand {
        match birthday.map(|b| b.age_on(today)) {
            None => AgeBand::Unknown,
            Some(0..=24) => AgeBand::Under25,
            Some(25..=34) => AgeBand::From25To34,
            Some(35..=44) => AgeBand::From35To44,
            Some(45..=54) => AgeBand::From45To54,
            Some(_) => AgeBand::From55,
        }
    }

    /// The birthdays in this band on `today`, as dates a query can compare
    /// with; None for [`AgeBand::Unknown`] (no birthday on record). Agrees
    /// with [`AgeBand::on`] and [`Birthday::age_on`], 29 February included.
    pub fn birthdays_on(self, today: NaiveDate) -> Option<BirthdayRange> {
        let (youngest, oldest) = match self {
            AgeBand::Under25 => (None, Some(24)),
            AgeBand::From25To34 => (Some(25), Some(34)),
            AgeBand::From35To44 => (Some(35), Some(44)),
            AgeBand::From45To54 => (Some(45), Some(54)),
            AgeBand::From55 => (Some(55), None),
            AgeBand::Unknown => return None,
        };
        // Age ≥ n ⇔ born before (today + 1 day − n years); age ≤ n ⇔ not
        // (age ≥ n + 1).
        let born_before_for_age = |age: u32| {
            today.checked_add_days(chrono::Days::new(1))?.checked_sub_months(chrono::Months::new(age.checked_mul(12)?))
        };
        Some(BirthdayRange {
            born_on_or_after: oldest.and_then(|a| born_before_for_age(a + 1)),
            born_before: youngest.and_then(born_before_for_age),
        })
    }
}

impl TryFrom<NaiveDate> for Birthday {
    type Error = InvalidValue;

    /// Checks everything but "not in the future", which needs today's date.
    /// Used to read stored birthdays back (they were checked with
    /// [`Birthday::parse`] on the way in) and by `Deserialize`.
    fn try_from(date: NaiveDate) -> Result<Self, Self::Error> {
        if date.year() < Self::MIN_YEAR {
            return Err(InvalidValue::new("out_of_range", "a birthday cannot be before 1900"));
        }
        Ok(Birthday(date))
    }
}

impl From<Birthday> for NaiveDate {
    fn from(b: Birthday) -> NaiveDate {
        b.0
    }
}

/// An ISO 3166-1 alpha-2 country code, e.g. `CN`, `IT` (two ASCII letters,
/// uppercased).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CountryCode(String);

impl CountryCode {
    /// Trims, uppercases and checks against the ISO 3166-1 list (code
    /// `invalid_country`): `XX` or `ZZ` are refused.
    pub fn parse(s: &str) -> Result<CountryCode, InvalidValue> {
        let code = s.trim().to_ascii_uppercase();
        if code.len() != 2
            || !code.bytes().all(|b| b.is_ascii_uppercase())
            || celes::Country::from_alpha2(&code).is_err()
        {
            return Err(InvalidValue::new("invalid_country", "must be a two-letter ISO country code, e.g. CN"));
        }
        Ok(CountryCode(code))
    }
}
string_newtype!(CountryCode);

keyword_enum! {
    /// Highest education completed.
    pub enum Education {
        /// High school.
        HighSchool => "high_school",
        /// Vocational school.
        Vocational => "vocational",
        /// Bachelor's degree.
        Bachelor => "bachelor",
        /// Master's degree.
        Master => "master",
        /// Doctorate.
        Doctorate => "doctorate",
        /// Anything else.
        Other => "other",
    }
}

/// Where the customer lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Location {
    /// City.
    pub city: Option<ShortText>,
    /// Region, province or state.
    pub region: Option<ShortText>,
    /// Country.
    pub country: Option<CountryCode>,
    /// Postal address.
    pub address: Option<ShortText>,
}

impl Location {
    /// Per field, this location's value if it has one, else `other`'s.
    pub fn or(&self, other: &Location) -> Location {
        Location {
            city: self.city.clone().or_else(|| other.city.clone()),
            region: self.region.clone().or_else(|| other.region.clone()),
            country: self.country.clone().or_else(|| other.country.clone()),
            address: self.address.clone().or_else(|| other.address.clone()),
        }
    }

    /// True when no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Location::default()
    }
}

/// What the customer likes, as short labels ("minimalist", "navy",
/// "handbags", "likes films").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// Styles.
    pub styles: BTreeSet<Label>,
    /// Colours.
    pub colours: BTreeSet<Label>,
    /// Product categories.
    pub categories: BTreeSet<Label>,
    /// Hobbies and interests.
    pub hobbies: BTreeSet<Label>,
}

impl Preferences {
    /// Every label of both, per kind.
    pub fn union(&self, other: &Preferences) -> Preferences {
        let join = |a: &BTreeSet<Label>, b: &BTreeSet<Label>| a.union(b).cloned().collect();
        Preferences {
            styles: join(&self.styles, &other.styles),
            colours: join(&self.colours, &other.colours),
            categories: join(&self.categories, &other.categories),
            hobbies: join(&self.hobbies, &other.hobbies),
        }
    }

    /// True when no label is set.
    pub fn is_empty(&self) -> bool {
        self.styles.is_empty() && self.colours.is_empty() && self.categories.is_empty() && self.hobbies.is_empty()
    }
}

/// The customer's sizes, as free labels ("IT 40", "EU 38.5", "52").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Sizes {
    /// Clothing size.
    pub clothing: Option<Label>,
    /// Shoe size.
    pub shoe: Option<Label>,
    /// Ring size.
    pub ring: Option<Label>,
}

impl Sizes {
    /// Per field, this value if set, else `other`'s.
    pub fn or(&self, other: &Sizes) -> Sizes {
        Sizes {
            clothing: self.clothing.clone().or_else(|| other.clothing.clone()),
            shoe: self.shoe.clone().or_else(|| other.shoe.clone()),
            ring: self.ring.clone().or_else(|| other.ring.clone()),
        }
    }

    /// True when no size is set.
    pub fn is_empty(&self) -> bool {
        self.clothing.is_none() && self.shoe.is_none() && self.ring.is_none()
    }
}

keyword_enum! {
    /// What an important date is.
    pub enum ImportantDateKind {
        /// A birthday (the customer's own is also in their profile).
        Birthday => "birthday",
        /// A wedding or relationship anniversary.
        Anniversary => "anniversary",
        /// A child's birthday.
        ChildBirthday => "child_birthday",
        /// A family trip.
        FamilyTrip => "family_trip",
        /// Anything else (see the label).
        Other => "other",
    }
}

keyword_enum! {
    /// Whose date it is, seen from the customer.
    pub enum Relation {
        /// The customer's own.
        Own => "own",
        /// Spouse.
        Spouse => "spouse",
        /// Partner.
        Partner => "partner",
        /// Child.
        Child => "child",
        /// Parent.
        Parent => "parent",
        /// Friend.
        Friend => "friend",
        /// Anyone else.
        Other => "other",
    }
}

/// A date that matters to the customer or their family (an anniversary, a
/// child's birthday, a family trip), for the associate's worklist and for
/// campaigns.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ImportantDate {
    /// Identifies this entry.
    pub id: ImportantDateId,
    /// What it is.
    pub kind: ImportantDateKind,
    /// Whose it is.
    pub relation: Relation,
    /// Free label, e.g. a child's name or "trip to Kyoto".
    pub label: Option<ShortText>,
    /// The date (for a recurring date, its first occurrence).
    pub date: NaiveDate,
    /// True when it comes back every year.
    pub recurring: bool,
}

impl ImportantDate {
    /// True when both describe the same event: same kind, relation, label
    /// and date (the id and the recurring flag are not compared).
    pub fn same_event(&self, other: &ImportantDate) -> bool {
        self.kind == other.kind
            && self.relation == other.relation
            && self.label == other.label
            && self.date == other.date
    }

    /// The next time it happens on or after `on_or_after`: for a recurring
    /// date the next anniversary (29 February falls on 28 February in other
    /// years; never before `date` itself), for a one-off date the date if it
    /// is not before `on_or_after`, else None.
    pub fn next_occurrence(&self, on_or_after: NaiveDate) -> Option<NaiveDate> {
        if self.recurring {
            Some(next_anniversary(self.date, on_or_after))
        } else {
            (self.date >= on_or_after).then_some(self.date)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_band_bounds_follow_whole_years() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // 25 on 2026-05-10 ⇔ born on or before 2001-05-10.
        let under_25 = AgeBand::Under25.birthdays_on(day(2026, 5, 10)).unwrap();
        assert_eq!(under_25, BirthdayRange { born_on_or_after: Some(day(2001, 5, 11)), born_before: None });
        // Born 29 February: a year older on 28 February in other years.
        let on_28_feb = AgeBand::From25To34.birthdays_on(day(2026, 2, 28)).unwrap();
        assert_eq!(on_28_feb.born_before, Some(day(2001, 3, 1)));
        assert_eq!(on_28_feb.born_on_or_after, Some(day(1991, 3, 1)));
        assert_eq!(AgeBand::Unknown.birthdays_on(day(2026, 2, 28)), None);
        for band in AgeBand::ALL {
            assert_eq!(AgeBand::from_code(band.code()), Some(band));
        }
        assert_eq!(AgeBand::from_code("teen"), None);
    }

    use uuid::Uuid;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn person_names_and_match_keys() {
        let a = PersonName::parse("  Wang   Fang ").unwrap();
        assert_eq!(a.as_str(), "Wang Fang");
        assert_eq!(a.match_key(), "wangfang");
        assert_eq!(PersonName::parse("wangfang").unwrap().match_key(), "wangfang");
        assert_eq!(PersonName::parse("O’Neil-Smith Jr.").unwrap().match_key(), "oneilsmithjr");
        assert_eq!(PersonName::parse("王 芳").unwrap().match_key(), "王芳");
        assert_eq!(PersonName::parse("阿依·买买提").unwrap().match_key(), "阿依买买提");
        assert_eq!(PersonName::parse("").unwrap_err().code, "required");
        assert_eq!(PersonName::parse(&"a".repeat(101)).unwrap_err().code, "too_long");
    }

    #[test]
    fn birthday_checks_and_ages() {
        let today = d(2025, 6, 15);
        assert_eq!(Birthday::parse(d(2025, 6, 16), today).unwrap_err().code, "out_of_range");
        assert_eq!(Birthday::parse(d(1899, 12, 31), today).unwrap_err().code, "out_of_range");
        let b = Birthday::parse(d(1990, 6, 15), today).unwrap();
        assert_eq!(b.age_on(today), 35);
        assert_eq!(b.age_on(d(2025, 6, 14)), 34);
        assert_eq!(b.age_on(d(1980, 1, 1)), 0);
        assert_eq!(b.next_occurrence(today), today);
        assert_eq!(b.next_occurrence(d(2025, 6, 16)), d(2026, 6, 15));
        assert_eq!(b.next_occurrence(d(1980, 1, 1)), d(1990, 6, 15));
        assert_eq!(serde_json::to_string(&b).unwrap(), "\"1990-06-15\"");
        assert_eq!(serde_json::from_str::<Birthday>("\"1990-06-15\"").unwrap(), b);
        assert!(serde_json::from_str::<Birthday>("\"1800-06-15\"").is_err());
    }

    #[test]
    fn leap_day_birthdays() {
        let b = Birthday::parse(d(2000, 2, 29), d(2025, 1, 1)).unwrap();
        assert_eq!(b.next_occurrence(d(2025, 1, 1)), d(2025, 2, 28));
        assert_eq!(b.next_occurrence(d(2025, 3, 1)), d(2026, 2, 28));
        assert_eq!(b.next_occurrence(d(2027, 3, 1)), d(2028, 2, 29));
        assert_eq!(b.age_on(d(2025, 2, 27)), 24);
        assert_eq!(b.age_on(d(2025, 2, 28)), 25);
        assert_eq!(b.age_on(d(2028, 2, 28)), 27);
        assert_eq!(b.age_on(d(2028, 2, 29)), 28);
    }

    #[test]
    fn country_codes() {
        assert_eq!(CountryCode::parse(" it ").unwrap().as_str(), "IT");
        for bad in ["ITA", "I", "1T", "", "ÄÖ"] {
            assert_eq!(CountryCode::parse(bad).unwrap_err().code, "invalid_country", "{bad:?}");
        }
    }

    #[test]
    fn preferences_sizes_location_combine() {
        let label = |s: &str| Label::parse(s).unwrap();
        let mut a = Preferences::default();
        a.styles.insert(label("minimalist"));
        let mut b = Preferences::default();
        b.styles.insert(label("classic"));
        b.hobbies.insert(label("likes films"));
        let u = a.union(&b);
        assert_eq!(u.styles.len(), 2);
        assert_eq!(u.hobbies.len(), 1);
        assert!(!u.is_empty());
        assert!(Preferences::default().is_empty());

        let s1 = Sizes { clothing: Some(label("IT 40")), ..Sizes::default() };
        let s2 = Sizes { clothing: Some(label("IT 42")), shoe: Some(label("38")), ring: None };
        assert_eq!(s1.or(&s2), Sizes { clothing: Some(label("IT 40")), shoe: Some(label("38")), ring: None });

        let l1 = Location { city: Some(ShortText::parse("Milan").unwrap()), ..Location::default() };
        let l2 = Location {
            city: Some(ShortText::parse("Shanghai").unwrap()),
            country: Some(CountryCode::parse("CN").unwrap()),
            ..Location::default()
        };
        let l = l1.or(&l2);
        assert_eq!(l.city.unwrap().as_str(), "Milan");
        assert_eq!(l.country.unwrap().as_str(), "CN");
        assert!(Location::default().is_empty());
        let parsed: Location = serde_json::from_str(r#"{"city":"Paris"}"#).unwrap();
        assert_eq!(parsed.city.unwrap().as_str(), "Paris");
    }

    #[test]
    fn important_dates() {
        let trip = ImportantDate {
            id: ImportantDateId::from_uuid(Uuid::from_u128(1)),
            kind: ImportantDateKind::FamilyTrip,
            relation: Relation::Own,
            label: Some(ShortText::parse("Kyoto").unwrap()),
            date: d(2025, 10, 1),
            recurring: false,
        };
        assert_eq!(trip.next_occurrence(d(2025, 9, 1)), Some(d(2025, 10, 1)));
        assert_eq!(trip.next_occurrence(d(2025, 10, 1)), Some(d(2025, 10, 1)));
        assert_eq!(trip.next_occurrence(d(2025, 10, 2)), None);
        let wedding = ImportantDate {
            id: ImportantDateId::from_uuid(Uuid::from_u128(2)),
            kind: ImportantDateKind::Anniversary,
            relation: Relation::Spouse,
            label: None,
            date: d(2012, 2, 29),
            recurring: true,
        };
        assert_eq!(wedding.next_occurrence(d(2025, 3, 1)), Some(d(2026, 2, 28)));
        assert_eq!(wedding.next_occurrence(d(2000, 1, 1)), Some(d(2012, 2, 29)));
        let copy = ImportantDate { id: ImportantDateId::from_uuid(Uuid::from_u128(3)), ..wedding.clone() };
        assert!(wedding.same_event(&copy));
        assert!(!wedding.same_event(&trip));
    }

    #[test]
    fn keyword_enums_serialise_as_their_names() {
        for g in Gender::ALL {
            assert_eq!(serde_json::to_value(g).unwrap(), serde_json::json!(g.as_str()));
            assert_eq!(g.as_str().parse::<Gender>(), Ok(g));
        }
        for e in Education::ALL {
            assert_eq!(serde_json::to_value(e).unwrap(), serde_json::json!(e.as_str()));
            assert_eq!(e.as_str().parse::<Education>(), Ok(e));
        }
        for k in ImportantDateKind::ALL {
            assert_eq!(serde_json::to_value(k).unwrap(), serde_json::json!(k.as_str()));
            assert_eq!(k.as_str().parse::<ImportantDateKind>(), Ok(k));
        }
        for r in Relation::ALL {
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.as_str()));
            assert_eq!(r.as_str().parse::<Relation>(), Ok(r));
        }
    }
}
