//! Property tests of the shared values: normalisation is idempotent
//! (phone, member number, text, line id, actor, currency), member numbers
//! carry a Luhn check digit, masking hides the middle of a phone number, a
//! moment and a time zone come back from JSON as they went, and the seeded
//! generator repeats itself, stays in its ranges and shuffles without
//! losing anything.
#![allow(clippy::unwrap_used)]

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use clientele_kernel::random::SplitMix64;
use clientele_kernel::{
    Actor, Currency, FieldErrors, InvalidValue, Label, LineId, LongText, MemberNo, Moment, Phone, ShortText, TimeZone,
};
use proptest::prelude::*;
use proptest::sample::select;

// ---------------------------------------------------------------- helpers

/// An independent Luhn check (validation form, not check-digit form).
fn luhn_valid(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .enumerate()
        .map(|(i, c)| {
            let d = c.to_digit(10).unwrap();
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

// ------------------------------------------------------ value generators

/// Digits with separators (spaces, dashes, dots, brackets) sprinkled in and a
/// prefix, so that many inputs are valid numbers in messy form.
fn messy_phone() -> impl Strategy<Value = String> {
    let prefix = select(vec!["", "", "+", "00", "+86", "0086", "+86 ", "(+86) ", "+39 ", "0"]);
    let digits = prop_oneof!["1[3-9][0-9]{9}", "[1-9][0-9]{7,14}", "[0-9]{1,17}",];
    let seps = prop::collection::vec(select(vec!["", "", "", " ", "-", ".", "(", ")", "  "]), 18);
    (prefix, digits, seps).prop_map(|(prefix, digits, seps)| {
        let mut s = prefix.to_owned();
        for (d, sep) in digits.chars().zip(seps) {
            s.push(d);
            s.push_str(sep);
        }
        s
    })
}

fn any_phone_input() -> impl Strategy<Value = String> {
    prop_oneof![4 => messy_phone(), 1 => any::<String>(), 1 => "[+0-9 ()a-]{0,20}"]
}

fn any_member_no_input() -> impl Strategy<Value = String> {
    prop_oneof![3 => "[ ]{0,2}[a-zA-Z0-9-]{0,36}[ ]{0,2}", 1 => any::<String>()]
}

fn valid_phone() -> impl Strategy<Value = Phone> {
    prop_oneof!["1[3-9][0-9]{9}", "\\+[1-9][0-9]{7,14}"].prop_filter_map("valid", |s| Phone::parse(&s).ok())
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0i64..4_102_444_800).prop_map(|secs| DateTime::from_timestamp(secs, 0).unwrap())
}

// ------------------------------------------------------------ properties

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn phone_parse_is_idempotent(s in any_phone_input()) {
        if let Ok(p) = Phone::parse(&s) {
            prop_assert_eq!(Phone::parse(p.as_str()), Ok(p.clone()));
            prop_assert!(p.as_str().starts_with('+'));
            prop_assert!((9..=16).contains(&p.as_str().len()));
        }
    }

    #[test]
    fn chinese_mobiles_in_any_messy_form_are_accepted(
        digits in "1[3-9][0-9]{9}",
        prefix in select(vec!["", "+86", "0086", "+86 ", "(+86) ", "0086-"]),
        seps in prop::collection::vec(select(vec!["", " ", "-", ".", "(", ")"]), 11),
    ) {
        let mut s = prefix.to_owned();
        for (d, sep) in digits.chars().zip(seps) {
            s.push(d);
            s.push_str(sep);
        }
        prop_assert_eq!(Phone::parse(&s).unwrap().into_string(), format!("+86{digits}"));
    }

    #[test]
    fn phone_masking_hides_the_middle_and_keeps_the_length(p in valid_phone()) {
        let full: Vec<char> = p.as_str().chars().collect();
        let masked: Vec<char> = p.masked().chars().collect();
        let len = full.len();
        prop_assert_eq!(masked.len(), len);
        let head = (len - 8).max(2);
        prop_assert_eq!(&masked[..head], &full[..head]);
        prop_assert_eq!(&masked[len - 4..], &full[len - 4..]);
        prop_assert!(masked[head..len - 4].iter().all(|&c| c == '*'));
        prop_assert!(len - head - 4 >= 3, "at least three digits are hidden");
    }

    #[test]
    fn member_no_parse_is_idempotent(s in any_member_no_input()) {
        if let Ok(m) = MemberNo::parse(&s) {
            prop_assert_eq!(MemberNo::parse(m.as_str()), Ok(m.clone()));
        }
    }

    #[test]
    fn member_numbers_from_sequence_are_valid_and_check_digited(n in any::<u64>(), m in any::<u64>()) {
        let no = MemberNo::from_sequence(n);
        prop_assert_eq!(MemberNo::parse(no.as_str()), Ok(no.clone()));
        prop_assert!(luhn_valid(&no.as_str()[1..]));
        prop_assert_eq!(no.as_str()[1..no.as_str().len() - 1].parse::<u64>().unwrap(), n);
        prop_assert_eq!(n == m, MemberNo::from_sequence(m) == no);
    }

    #[test]
    fn text_parse_is_idempotent(s in prop_oneof!["[ \t\r\na-zA-Z王_-]{0,80}", any::<String>()]) {
        if let Ok(v) = ShortText::parse(&s) {
            prop_assert_eq!(ShortText::parse(v.as_str()), Ok(v.clone()));
            prop_assert!(!v.as_str().contains("  ") && !v.as_str().contains('\n'));
        }
        if let Ok(v) = Label::parse(&s) {
            prop_assert_eq!(Label::parse(v.as_str()), Ok(v));
        }
        if let Ok(v) = LongText::parse(&s) {
            prop_assert_eq!(LongText::parse(v.as_str()), Ok(v.clone()));
            prop_assert!(!v.as_str().contains('\r'));
        }
    }

    #[test]
    fn line_id_parse_is_idempotent(s in prop_oneof!["[ ]{0,2}[a-zA-Z0-9 _-]{0,34}[ \t]{0,2}", any::<String>()]) {
        if let Ok(id) = LineId::parse(&s) {
            prop_assert_eq!(LineId::parse(id.as_str()), Ok(id.clone()));
            prop_assert!(!id.as_str().contains(char::is_whitespace));
            prop_assert!((1..=32).contains(&id.as_str().chars().count()));
        }
    }

    #[test]
    fn actor_parse_is_idempotent_and_keeps_the_name(s in prop_oneof!["[ \ta-zA-Z0-9王 ._-]{0,210}", any::<String>()]) {
        if let Ok(a) = Actor::parse(&s) {
            prop_assert_eq!(Actor::parse(a.as_str()), Ok(a.clone()));
            prop_assert_eq!(a.as_str(), s.trim());
        }
    }

    #[test]
    fn currency_parse_is_idempotent_and_case_blind(s in prop_oneof!["[ ]{0,1}[a-zA-Z]{3}[ ]{0,1}", any::<String>()]) {
        if let Ok(c) = Currency::parse(&s) {
            prop_assert_eq!(Currency::parse(c.as_str()), Ok(c.clone()));
            prop_assert_eq!(Currency::parse(&s.to_lowercase()), Ok(c.clone()));
            prop_assert!(c.minor_units() <= 4);
        }
    }

    #[test]
    fn moments_within_a_day_of_the_instant_round_trip(at in instant(), days in -3i64..=3) {
        let date = at.date_naive() + TimeDelta::days(days);
        match Moment::new(at, date) {
            Ok(m) => {
                prop_assert!(days.abs() <= 1);
                let json = serde_json::to_string(&m).unwrap();
                prop_assert_eq!(serde_json::from_str::<Moment>(&json).unwrap(), m);
            }
            Err(e) => {
                prop_assert!(days.abs() > 1);
                prop_assert_eq!(e.code, "invalid_date");
            }
        }
        prop_assert_eq!(Moment::utc(at).date(), at.date_naive());
    }

    #[test]
    fn a_store_day_is_within_a_day_of_the_utc_day(
        at in instant(),
        zone in select(vec!["Asia/Shanghai", "Europe/Rome", "America/Los_Angeles", "Pacific/Kiritimati", "Etc/GMT+12"]),
    ) {
        let zone = TimeZone::parse(zone).unwrap();
        let local: NaiveDate = at.with_timezone(&zone.tz()).date_naive();
        prop_assert!(Moment::new(at, local).is_ok());
        prop_assert_eq!(serde_json::from_value::<TimeZone>(serde_json::to_value(zone).unwrap()).unwrap(), zone);
    }

    #[test]
    fn field_errors_keep_every_refusal_in_order(fields in prop::collection::vec("[a-z]{1,8}", 0..8)) {
        let mut errors = FieldErrors::new();
        for f in &fields {
            prop_assert_eq!(errors.check::<()>(f, Err(InvalidValue::new("required", "x"))), None);
        }
        let seen: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        prop_assert_eq!(seen, fields.iter().map(String::as_str).collect::<Vec<_>>());
        prop_assert_eq!(errors.is_empty(), fields.is_empty());
        prop_assert_eq!(errors.into_result(()).is_ok(), fields.is_empty());
    }

    #[test]
    fn the_same_seed_gives_the_same_numbers(seed in any::<u64>(), n in 0_usize..64) {
        let (mut a, mut b) = (SplitMix64::new(seed), SplitMix64::new(seed));
        let xs: Vec<u64> = (0..n).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..n).map(|_| b.next_u64()).collect();
        prop_assert_eq!(xs, ys);
        prop_assert_ne!(SplitMix64::new(seed).next_u64(), SplitMix64::new(seed ^ 1).next_u64());
    }

    #[test]
    fn advancing_is_drawing_without_looking(seed in any::<u64>(), draws in 0_u64..200) {
        let mut jumped = SplitMix64::new(seed);
        jumped.advance(draws);
        let mut walked = SplitMix64::new(seed);
        for _ in 0..draws {
            walked.next_u64();
        }
        prop_assert_eq!(jumped.next_u64(), walked.next_u64());
        prop_assert_eq!(jumped, walked);
    }

    #[test]
    fn every_helper_stays_in_its_range(seed in any::<u64>(), n in any::<u64>(), low in any::<u64>(), high in any::<u64>()) {
        let mut rng = SplitMix64::new(seed);
        for _ in 0..16 {
            prop_assert!(rng.below(n) < n.max(1));
            let x = rng.between(low, high);
            prop_assert!(low.min(high) <= x && x <= low.max(high));
            let f = rng.next_f64();
            prop_assert!((0.0..1.0).contains(&f));
            let g = rng.next_f64_nonzero();
            prop_assert!(g > 0.0 && g <= 1.0 && g.ln().is_finite());
            prop_assert!(!rng.chance(0) && rng.chance(100));
        }
    }

    #[test]
    fn a_shuffle_keeps_every_item(seed in any::<u64>(), items in prop::collection::vec(any::<u16>(), 0..40)) {
        let mut shuffled = items.clone();
        SplitMix64::new(seed).shuffle(&mut shuffled);
        let (mut a, mut b) = (items, shuffled);
        a.sort_unstable();
        b.sort_unstable();
        prop_assert_eq!(a, b);
    }

    #[test]
    fn a_pick_is_one_of_the_items(seed in any::<u64>(), items in prop::collection::vec(any::<u16>(), 1..40)) {
        let mut rng = SplitMix64::new(seed);
        let picked = rng.pick(&items);
        prop_assert!(items.contains(&picked));
    }
}
