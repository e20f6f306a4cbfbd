//! Ways to reach a customer: [`Phone`] (E.164), [`Email`], and the
//! [`Channel`]s that consent is given for.

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

/// An e-mail address, trimmed and lowercased, e.g. `jane.doe@example.com`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Longest accepted address, in characters.
    pub const MAX_CHARS: usize = 254;

    /// Trims, lowercases and checks an address (code `invalid_email`; empty
    /// input is `required`).
    ///
    /// Rules: no whitespace or control characters; exactly one `@`; a local
    /// part of 1 to 64 characters with no leading, trailing or doubled `.`
    /// and none of the characters that would need quoting
    /// (`"(),:;<>[\]`); a domain of at least two labels of 1 to 63 of
    /// `a-z0-9-`, not starting or ending with `-`, whose last label is at
    /// least two letters; at most 254 characters in all.
    pub fn parse(s: &str) -> Result<Email, InvalidValue> {
        let invalid = |why: &str| InvalidValue::new("invalid_email", format!("not a valid e-mail address: {why}"));
        let address = s.trim().to_lowercase();
        if address.is_empty() {
            return Err(InvalidValue::new("required", "must not be empty"));
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("it contains spaces or control characters"));
        }
        if address.chars().count() > Self::MAX_CHARS {
            return Err(invalid("it is longer than 254 characters"));
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(invalid("it has no '@'"));
        };
        if domain.contains('@') {
            return Err(invalid("it has more than one '@'"));
        }
        let local_len = local.chars().count();
        if local_len == 0 || local_len > 64 {
            return Err(invalid("the part before '@' must be 1 to 64 characters"));
        }
        if local.starts_with('.') || local.ends_with('.') || local.contains("..") {
            return Err(invalid("the part before '@' has a misplaced '.'"));
        }
        if local.chars().any(|c| matches!(c, '"' | '(' | ')' | ',' | ':' | ';' | '<' | '>' | '[' | ']' | '\\')) {
            return Err(invalid("the part before '@' contains a character that is not allowed"));
        }
        let labels: Vec<&str> = domain.split('.').collect();
        if labels.len() < 2 {
            return Err(invalid("the domain needs at least two parts, e.g. example.com"));
        }
        let label_ok = |l: &&str| {
            (1..=63).contains(&l.len())
                && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        };
        if !labels.iter().all(label_ok) {
            return Err(invalid("the domain is not valid"));
        }
        let top = labels.last().copied().unwrap_or_default();
        if top.len() < 2 || !top.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(invalid("the domain must end in a name of at least two letters"));
        }
        Ok(Email(address))
    }

    /// The part before `@`.
    pub fn local_part(&self) -> &str {
        self.0.split_once('@').map_or("", |(l, _)| l)
    }

    /// The part after `@`.
    pub fn domain(&self) -> &str {
        self.0.split_once('@').map_or("", |(_, d)| d)
    }

    /// The address with the local part hidden but its first character:
    /// `jane@example.com` → `j***@example.com`.
    pub fn masked(&self) -> String {
        let first = self.local_part().chars().next().map(String::from).unwrap_or_default();
        format!("{first}***@{}", self.domain())
    }
}
string_newtype!(Email);

keyword_enum! {
    /// A channel for contacting a customer, and for consent to marketing on it.
    pub enum Channel {
        /// Text message to a mobile phone.
        Sms => "sms",
        /// E-mail.
        Email => "email",
        /// WeChat (official account or an associate's WeChat Work).
        Wechat => "wechat",
        /// Voice call.
        Phone => "phone",
    }
}

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

    #[test]
    fn emails_are_normalised() {
        let e = Email::parse("  Jane.Doe+VIP@Example.COM ").unwrap();
        assert_eq!(e.as_str(), "jane.doe+vip@example.com");
        assert_eq!(e.masked(), "j***@example.com");
        assert_eq!(e.local_part(), "jane.doe+vip");
        assert_eq!(e.domain(), "example.com");
        assert_eq!(Email::parse(e.as_str()), Ok(e));
        assert!(Email::parse("王芳@example.cn").is_ok());
        assert!(Email::parse("a@mail-1.example.co").is_ok());
    }

    #[test]
    fn bad_emails_are_refused() {
        for bad in [
            "jane",
            "jane@",
            "@example.com",
            "jane@example",
            "jane@@example.com",
            "ja@ne@example.com",
            "jane doe@example.com",
            ".jane@example.com",
            "jane.@example.com",
            "ja..ne@example.com",
            "jane@-example.com",
            "jane@example-.com",
            "jane@example..com",
            "jane@example.c",
            "jane@example.c0m",
            "jane@exa_mple.com",
            "jane@exämple.com",
            "ja,ne@example.com",
            "<jane@example.com>",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().code, "invalid_email", "{bad:?}");
        }
        assert_eq!(Email::parse("  ").unwrap_err().code, "required");
        let long_local = format!("{}@example.com", "a".repeat(65));
        assert_eq!(Email::parse(&long_local).unwrap_err().code, "invalid_email");
        let label = "a".repeat(63);
        let long = format!("{}@{label}.{label}.{label}.{label}.com", "b".repeat(10));
        assert!(long.len() > 254);
        assert_eq!(Email::parse(&long).unwrap_err().code, "invalid_email");
    }

    #[test]
    fn channel_names() {
        assert_eq!(Channel::ALL.len(), 4);
        for c in Channel::ALL {
            assert_eq!(c.as_str().parse::<Channel>(), Ok(c));
            assert_eq!(serde_json::to_value(c).unwrap(), serde_json::json!(c.as_str()));
        }
        let err = "fax".parse::<Channel>().unwrap_err();
        assert_eq!(err.code, "invalid_format");
        assert_eq!(err.message, "must be one of: sms, email, wechat, phone");
    }
}
