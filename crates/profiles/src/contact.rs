//! Ways to reach a customer: [`Email`], and the [`Channel`]s that consent
//! is given for. The phone number is [`clientele_kernel::Phone`] (E.164):
//! orders name a member by it too.

use clientele_kernel::{InvalidValue, keyword_enum, string_newtype};

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
