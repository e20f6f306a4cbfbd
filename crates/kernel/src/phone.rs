//! A phone number in E.164 form ([`Phone`]): how a customer is reached, and
//! one of the keys a POS finds a member by (with the member number).

use crate::validation::InvalidValue;

const PHONE_HELP: &str = "use international format with + and country code, or an 11-digit Chinese mobile number";

/// True for an 11-digit Chinese mobile number: `1[3-9]` followed by 9 digits.
fn is_chinese_mobile(digits: &str) -> bool {
    let b = digits.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

/// A phone number in E.164 form (`+` and 8 to 15 digits), e.g. `+8613812345678`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Phone(String);

impl Phone {
    /// Normalises a phone number to E.164.
    ///
    /// Whitespace, `-`, `.`, `(` and `)` are removed, and a leading `00`
    /// becomes `+`. A number with `+` needs 8 to 15 digits after it, the first
    /// not `0`; a Chinese one (`+86` then 11 digits starting with `1`) must be
    /// a valid mobile number (`1[3-9]` and 9 more digits). Without `+`, only an
    /// 11-digit Chinese mobile number is accepted, and it gets `+86`. Anything
    /// else is refused with `invalid_phone` (an empty input with `required`).
    /// Parsing a parsed number gives it
    /// back unchanged.
    pub fn parse(s: &str) -> Result<Phone, InvalidValue> {
        let invalid = || InvalidValue::new("invalid_phone", format!("not a valid phone number: {PHONE_HELP}"));
        let compact: String =
            s.chars().filter(|c| !(c.is_whitespace() || matches!(c, '-' | '.' | '(' | ')'))).collect();
        if compact.is_empty() {
            return Err(InvalidValue::new("required", "must not be empty"));
        }
        let compact = match compact.strip_prefix("00") {
            Some(rest) => format!("+{rest}"),
            None => compact,
        };
        if let Some(digits) = compact.strip_prefix('+') {
            let all_digits = digits.bytes().all(|b| b.is_ascii_digit());
            if !all_digits || !(8..=15).contains(&digits.len()) || digits.starts_with('0') {
                return Err(invalid());
            }
            if let Some(national) = digits.strip_prefix("86")
                && national.len() == 11
                && national.starts_with('1')
                && !is_chinese_mobile(national)
            {
                return Err(invalid());
            }
            Ok(Phone(compact))
        } else if is_chinese_mobile(&compact) {
            Ok(Phone(format!("+86{compact}")))
        } else {
            Err(invalid())
        }
    }

    /// The number with its middle hidden, to confirm identity without
    /// revealing it: the first `max(len - 8, 2)` characters, stars, and the
    /// last 4 characters, e.g. `+8613812345678` → `+86138****5678`. There are
    /// 4 stars, except for the shortest numbers (`+` and 8 digits) where 3
    /// stars keep the masked form as long as the number.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        let len = chars.len();
        let head = len.saturating_sub(8).max(2).min(len);
        let tail_start = len.saturating_sub(4).max(head);
        let mut out: String = chars[..head].iter().collect();
        out.extend(std::iter::repeat_n('*', tail_start - head));
        out.extend(&chars[tail_start..]);
        out
    }
}
string_newtype!(Phone);

#[cfg(test)]
mod tests {
    use super::*;

    fn phone(s: &str) -> String {
        Phone::parse(s).unwrap().into_string()
    }

    fn phone_err(s: &str) -> &'static str {
        Phone::parse(s).unwrap_err().code
    }

    #[test]
    fn chinese_mobiles_are_normalised() {
        assert_eq!(phone("13812345678"), "+8613812345678");
        assert_eq!(phone("+86 138-1234-5678"), "+8613812345678");
        assert_eq!(phone("0086 138 1234 5678"), "+8613812345678");
        assert_eq!(phone("(+86) 138.1234.5678"), "+8613812345678");
        assert_eq!(phone("+8619912345678"), "+8619912345678");
    }

    #[test]
    fn international_numbers_are_kept() {
        assert_eq!(phone("+39 02 1234 5678"), "+390212345678");
        assert_eq!(phone("0033 1 23 45 67 89"), "+33123456789");
        assert_eq!(phone("+1 (212) 555-0100"), "+12125550100");
        assert_eq!(phone("+12345678"), "+12345678");
        assert_eq!(phone("+123456789012345"), "+123456789012345");
        // Chinese landlines (not 11 digits starting with 1) pass as E.164.
        assert_eq!(phone("+86 21 6123 4567"), "+862161234567");
    }

    #[test]
    fn bad_numbers_are_refused() {
        assert_eq!(phone_err(" - "), "required");
        for bad in [
            "12812345678",       // 1 then 2: not a Chinese mobile
            "1381234567",        // 10 digits
            "138123456789",      // 12 digits
            "+8612812345678",    // +86 with an invalid mobile prefix
            "+1234567",          // too short
            "+1234567890123456", // too long
            "+0123456789",       // country code cannot start with 0
            "000123456789",      // 00 then 0
            "+86 138 1234 567a",
            "++8613812345678",
            "021 6123 4567",
            "phone",
        ] {
            assert_eq!(phone_err(bad), "invalid_phone", "{bad:?}");
        }
        assert!(Phone::parse("x").unwrap_err().message.contains("11-digit Chinese mobile"));
    }

    #[test]
    fn masking_hides_the_middle() {
        let p = Phone::parse("+8613812345678").unwrap();
        assert_eq!(p.masked(), "+86138****5678");
        assert_eq!(Phone::parse("+390212345678").unwrap().masked(), "+3902****5678");
        assert_eq!(Phone::parse("+1234567890").unwrap().masked(), "+12****7890");
        assert_eq!(Phone::parse("+12345678").unwrap().masked(), "+1***5678");
    }
}
