//! The member number ([`MemberNo`]): printed on the member card, unique per
//! brand, and one of the keys a POS finds a member by (with the phone).

use serde::{Deserialize, Serialize};

use crate::ids::CustomerId;
use crate::validation::InvalidValue;

/// A member number, unique per brand and printed on the member card: 4 to 32
/// characters of `A-Z`, `0-9` and `-`, starting with a letter or digit
/// (input is trimmed and uppercased).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberNo(String);

/// The Luhn check digit of `digits` (ASCII digits): the digit that, appended,
/// makes the whole string pass the Luhn test.
fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

impl MemberNo {
    /// Trims, uppercases and checks (code `invalid_format`; empty input is
    /// `required`).
    pub fn parse(s: &str) -> Result<MemberNo, InvalidValue> {
        let no = s.trim().to_ascii_uppercase();
        if no.is_empty() {
            return Err(InvalidValue::new("required", "must not be empty"));
        }
        let allowed = no.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
        let len = no.chars().count();
        if !allowed || !(4..=32).contains(&len) || no.starts_with('-') {
            return Err(InvalidValue::new(
                "invalid_format",
                "must be 4 to 32 characters of A-Z, 0-9 and '-', starting with a letter or digit",
            ));
        }
        Ok(MemberNo(no))
    }

    /// The member number for the `n`-th member: `M`, then `n` zero-padded to
    /// 9 digits, then one Luhn check digit computed over those digits (not
    /// the `M`), which catches any single mistyped digit and most swaps of
    /// two neighbours. `from_sequence(1)` is `M0000000018`. Numbers of 10
    /// digits or more are not padded further.
    pub fn from_sequence(n: u64) -> MemberNo {
        let digits = format!("{n:09}");
        let check = luhn_check_digit(&digits);
        MemberNo(format!("M{digits}{check}"))
    }

    /// The `n` of [`MemberNo::from_sequence`] when this number is in its
    /// format (`M`, at least 10 digits, the last the Luhn check digit of
    /// the others); None otherwise. An import of legacy numbers moves the
    /// sequence past the largest, so that no new number meets one.
    pub fn sequence_number(&self) -> Option<u64> {
        let digits = self.0.strip_prefix('M')?;
        if digits.len() < 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let (body, check) = digits.split_at(digits.len() - 1);
        let n: u64 = body.parse().ok()?;
        (MemberNo::from_sequence(n).0 == self.0 && check.parse::<u32>().ok()? == luhn_check_digit(body)).then_some(n)
    }

    /// The member number an erased customer keeps: `ERASED-` and the last 20
    /// hex digits of the customer id, uppercased. Those are the random part
    /// of a UUID (v4 or v7: about 74 random bits), so two erased customers
    /// never share one — the leading digits of a v7 id are its creation time
    /// and would collide for customers created in the same millisecond. It
    /// says nothing about the person.
    pub fn erased(id: CustomerId) -> MemberNo {
        let hex = id.as_uuid().simple().to_string();
        MemberNo(format!("ERASED-{}", hex[hex.len() - 20..].to_ascii_uppercase()))
    }

    /// True when this number was given by [`MemberNo::erased`].
    pub fn is_erased(&self) -> bool {
        self.0.starts_with("ERASED-")
    }
}
string_newtype!(MemberNo);

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    fn luhn_valid(digits: &str) -> bool {
        let (payload, check) = digits.split_at(digits.len() - 1);
        luhn_check_digit(payload).to_string() == check
    }

    #[test]
    fn member_no_rules() {
        assert_eq!(MemberNo::parse(" m-0001 ").unwrap().as_str(), "M-0001");
        assert_eq!(MemberNo::parse("ABC").unwrap_err().code, "invalid_format");
        assert_eq!(MemberNo::parse("-ABC").unwrap_err().code, "invalid_format");
        assert_eq!(MemberNo::parse("AB_C").unwrap_err().code, "invalid_format");
        assert_eq!(MemberNo::parse(&"A".repeat(33)).unwrap_err().code, "invalid_format");
        assert!(MemberNo::parse(&"A".repeat(32)).is_ok());
        assert_eq!(MemberNo::parse(" ").unwrap_err().code, "required");
    }

    #[test]
    fn the_sequence_number_is_read_back_only_from_its_own_format() {
        for n in [1_u64, 42, 999_999_999, 1_000_000_000, 123_456_789_012] {
            assert_eq!(MemberNo::from_sequence(n).sequence_number(), Some(n), "{n}");
        }
        for other in ["M0000000017", "M000000001", "A0000000018", "M00000000018X", "VIP-0001"] {
            assert_eq!(MemberNo::parse(other).unwrap().sequence_number(), None, "{other}");
        }
    }

    #[test]
    fn luhn_matches_the_textbook_example() {
        assert_eq!(luhn_check_digit("7992739871"), 3);
        assert!(luhn_valid("79927398713"));
        assert!(!luhn_valid("79927398710"));
    }

    #[test]
    fn member_no_from_sequence() {
        assert_eq!(MemberNo::from_sequence(1).as_str(), "M0000000018");
        assert_eq!(MemberNo::from_sequence(0).as_str(), "M0000000000");
        for n in [1_u64, 42, 123_456_789, 999_999_999, 1_000_000_000, u64::MAX] {
            let no = MemberNo::from_sequence(n);
            assert_eq!(MemberNo::parse(no.as_str()), Ok(no.clone()));
            assert!(luhn_valid(&no.as_str()[1..]), "{no}");
        }
        // A single mistyped digit is caught.
        let no = MemberNo::from_sequence(123_456_789);
        let typo = no.as_str().replacen('5', "6", 1);
        assert!(!luhn_valid(&typo[1..]));
    }

    #[test]
    fn erased_member_no() {
        let id = CustomerId::from_uuid(Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8));
        let no = MemberNo::erased(id);
        assert_eq!(no.as_str(), "ERASED-426F9247BB680E5FE0C8");
        assert_eq!(MemberNo::parse(no.as_str()), Ok(no.clone()));
        assert!(no.is_erased());
    }
}
