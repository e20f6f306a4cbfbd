//! The text of `COPY … FROM STDIN` (CSV) and of PostgreSQL array literals,
//! shared by the bulk import and the segment refresh.

use chrono::{DateTime, Utc};

/// An error writing COPY text, as Diesel reports it.
pub(crate) fn copy_err(e: std::io::Error) -> diesel::result::Error {
    diesel::result::Error::SerializationError(Box::new(e))
}

/// Appends a CSV field (quoted; `None` is NULL).
pub(crate) fn field(buf: &mut String, value: Option<&str>) {
    if let Some(v) = value {
        buf.push('"');
        for ch in v.chars() {
            if ch == '"' {
                buf.push('"');
            }
            buf.push(ch);
        }
        buf.push('"');
    }
}

/// Appends unquoted values (numbers, ids, dates), separated by commas.
macro_rules! put {
    ($buf:expr, $first:expr $(, $rest:expr)* $(,)?) => {{
        let _ = write!($buf, "{}", $first);
        $(
            $buf.push(',');
            let _ = write!($buf, "{}", $rest);
        )*
    }};
}
pub(crate) use put;

pub(crate) fn pg_array(items: &[String]) -> String {
    let mut s = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push('"');
        for ch in item.chars() {
            if ch == '"' || ch == '\\' {
                s.push('\\');
            }
            s.push(ch);
        }
        s.push('"');
    }
    s.push('}');
    s
}

pub(crate) fn ts(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
}

/// An optional value as a COPY field: empty (NULL) when absent.
pub(crate) fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_default()
}
