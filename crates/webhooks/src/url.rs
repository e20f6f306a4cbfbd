//! A subscription's endpoint: an absolute `http` or `https` URL, and the
//! host it names as the sender will read it.

use std::net::IpAddr;

use clientele_kernel::InvalidValue;

/// Longest URL accepted.
pub const MAX_URL_LEN: usize = 2048;

/// The host of a webhook URL, as the sender reads it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Host {
    /// An IP literal, in whatever spelling the URL used (`2130706433`,
    /// `0177.0.0.1`, `0x7f.1`, `[::ffff:7f00:1]` are all here as the address
    /// they mean). No name is looked up for it.
    Ip(IpAddr),
    /// A name to resolve: lower-case ASCII (an internationalised name in its
    /// `xn--` form), without a trailing dot.
    Name(String),
}

impl std::fmt::Display for Host {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// A subscription's endpoint: an absolute `http` or `https` URL with a host.
/// Only syntax is checked here; whether its host may be reached is
/// [`crate::check_url_literal`] (IP literals) and [`crate::check_resolved`]
/// (names, once resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    raw: String,
    host: Host,
    port: u16,
}

impl WebhookUrl {
    /// Checks the scheme (`http` or `https`), that there is a host, that a
    /// port (if any) is a number, and that there are no spaces, backslashes
    /// or control characters; reads the host with the WHATWG URL parser
    /// (the one reqwest uses), so odd IPv4 spellings come out as the address
    /// they mean, and a host that ends in a number but is no IPv4 address
    /// (`1.2.3.999`) is refused.
    pub fn parse(raw: &str) -> Result<WebhookUrl, InvalidValue> {
        let bad = |why: &str| InvalidValue::new("invalid_url", format!("{why}: give an absolute http(s) URL"));
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(InvalidValue::new("required", "give the URL to deliver events to"));
        }
        if raw.len() > MAX_URL_LEN {
            return Err(InvalidValue::new("too_long", format!("a URL has at most {MAX_URL_LEN} characters")));
        }
        if raw.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
            return Err(bad("the URL contains spaces, backslashes or control characters"));
        }
        let (scheme, rest) = raw.split_once("://").ok_or_else(|| bad("no scheme"))?;
        if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
            return Err(bad("the scheme must be http or https"));
        }
        // The WHATWG parser would read `http:///path` as host `path`; a
        // missing host is an error here.
        if rest.is_empty() || rest.starts_with(['/', '?', '#']) {
            return Err(bad("no host"));
        }
        let parsed = ::url::Url::parse(raw).map_err(|e| bad(&format!("not a valid URL ({e})")))?;
        let host = match parsed.host() {
            Some(::url::Host::Ipv4(a)) => Host::Ip(IpAddr::V4(a)),
            Some(::url::Host::Ipv6(a)) => Host::Ip(IpAddr::V6(a)),
            Some(::url::Host::Domain(name)) if !name.is_empty() => {
                Host::Name(name.trim_end_matches('.').to_ascii_lowercase())
            }
            _ => return Err(bad("no host")),
        };
        if matches!(&host, Host::Name(n) if n.is_empty()) {
            return Err(bad("no host"));
        }
        let port = parsed.port_or_known_default().ok_or_else(|| bad("no port"))?;
        Ok(WebhookUrl { raw: raw.to_owned(), host, port })
    }

    /// The URL as given (trimmed): what is stored and shown.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The host the sender will connect to.
    pub fn host(&self) -> &Host {
        &self.host
    }

    /// The port: the URL's, or the scheme's (80, 443).
    pub fn port(&self) -> u16 {
        self.port
    }
}

/// Longest description accepted, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 500;

/// Checks a subscription's description: at most 500 characters, line breaks
/// and tabs allowed but no other control character (PostgreSQL cannot store
/// a NUL); blank is none.
pub fn parse_description(raw: Option<&str>) -> Result<Option<String>, InvalidValue> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) if d.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') => Err(InvalidValue::new(
            "invalid_format",
            "must not contain control characters other than line breaks and tabs",
        )),
        Some(d) if d.chars().count() > MAX_DESCRIPTION_CHARS => {
            Err(InvalidValue::new("too_long", format!("at most {MAX_DESCRIPTION_CHARS} characters")))
        }
        Some(d) => Ok(Some(d.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn host(url: &str) -> Host {
        WebhookUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}")).host().clone()
    }

    #[test]
    fn urls() {
        for ok in [
            "http://127.0.0.1:8080/hook",
            "https://hooks.example.com",
            "HTTPS://example.com/a?b=c#d",
            "http://[::1]:9000/x",
            "https://user:pw@example.com/x",
        ] {
            assert!(WebhookUrl::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "example.com/hook",
            "ftp://example.com",
            "http://",
            "http:///path",
            "http://?x",
            "http://exa mple.com",
            "http://example.com:port/",
            "http://example.com:99999/",
            "http://[::1/x",
            "javascript:alert(1)",
            "http://1.2.3.999/",
            "http://1.2.3.4.5/",
            "http://0x100000000/",
            "http://evil.example\\@127.0.0.1/",
            "http://[fe80::1%25eth0]/",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn odd_ipv4_spellings_are_the_address_they_mean() {
        let localhost = Host::Ip(IpAddr::V4(Ipv4Addr::LOCALHOST));
        for spelling in [
            "http://127.0.0.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0X7F000001/",
            "http://017700000001/",
            "http://0177.0.0.1/",
            "http://0177.1/",
            "http://0x7f.1/",
            "http://0x7f.0.0.1/",
            "http://127.1/",
            "http://127.0.1/",
            "http://127.0.0.1./",
            "http://%31%32%37.0.0.1/",
            "http://１２７.0.0.1/",
        ] {
            assert_eq!(host(spelling), localhost, "{spelling}");
        }
        assert_eq!(host("http://[::ffff:127.0.0.1]/"), Host::Ip(IpAddr::V6(Ipv4Addr::LOCALHOST.to_ipv6_mapped())));
        assert_eq!(host("http://[::1]:81/"), Host::Ip(IpAddr::V6(Ipv6Addr::LOCALHOST)));
        assert_eq!(
            host("http://169.254.169.254/latest/meta-data"),
            Host::Ip(IpAddr::V4(Ipv4Addr::new(169, 254, 169, 254)))
        );
    }

    #[test]
    fn names_are_lower_case_without_the_trailing_dot() {
        assert_eq!(host("https://Hooks.Example.COM./x"), Host::Name("hooks.example.com".into()));
        assert_eq!(host("https://bücher.example/"), Host::Name("xn--bcher-kva.example".into()));
        assert_eq!(host("http://localhost:8080/"), Host::Name("localhost".into()));
    }

    #[test]
    fn descriptions() {
        assert_eq!(parse_description(None), Ok(None));
        assert_eq!(parse_description(Some("  ")), Ok(None));
        assert_eq!(parse_description(Some(" CDP\nbridge ")), Ok(Some("CDP\nbridge".into())));
        assert_eq!(parse_description(Some("a\u{0}b")).map_err(|e| e.code), Err("invalid_format"));
        assert_eq!(parse_description(Some("a\u{1b}[2J")).map_err(|e| e.code), Err("invalid_format"));
        assert_eq!(parse_description(Some(&"é".repeat(500))).map(|d| d.map(|d| d.chars().count())), Ok(Some(500)));
        assert_eq!(parse_description(Some(&"é".repeat(501))).map_err(|e| e.code), Err("too_long"));
    }

    #[test]
    fn ports_default_by_scheme() {
        assert_eq!(WebhookUrl::parse("https://example.com/").map(|u| u.port()), Ok(443));
        assert_eq!(WebhookUrl::parse("http://example.com/").map(|u| u.port()), Ok(80));
        assert_eq!(WebhookUrl::parse("http://example.com:8443/").map(|u| u.port()), Ok(8443));
    }
}
