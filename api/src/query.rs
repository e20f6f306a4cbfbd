//! The query-string extractor: parameters deserialised into a struct, and an
//! error that names the parameter (`limit`, not `query`).
//!
//! Every handler takes `Query<T>` from here rather than `web::Query<T>`,
//! whose error says only that the query string as a whole was wrong.

use std::ops::Deref;

use actix_web::dev::Payload;
use actix_web::{FromRequest, HttpRequest};
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// The query string, parsed into `T`.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> Deref for Query<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(parse_query(req.query_string()).map(Query))
    }
}

/// Parses a query string (`a=1&b=x`). A bad value is 422 naming its
/// parameter with `invalid_format`; a missing required one `required`, an
/// unknown one (where the type refuses them) `unknown_field`, one given
/// twice `duplicate`.
pub fn parse_query<T: DeserializeOwned>(query: &str) -> Result<T, ApiError> {
    let de = serde_urlencoded::Deserializer::new(form_urlencoded::parse(query.as_bytes()));
    serde_path_to_error::deserialize(de).map_err(|err| {
        let path = err.path().to_string();
        let message = err.into_inner().to_string();
        // serde names the parameter in the message when the path cannot.
        let named = message.split('`').nth(1).filter(|_| message.contains('`')).map(str::to_owned);
        let (code, field) = if message.starts_with("missing field") {
            ("required", named)
        } else if message.starts_with("unknown field") {
            ("unknown_field", named)
        } else if message.starts_with("duplicate field") {
            ("duplicate", named)
        } else {
            ("invalid_format", None)
        };
        let field = match field {
            Some(name) => name,
            None if path != "." && !path.is_empty() => path,
            None => "query".to_owned(),
        };
        ApiError::field(field, code, message)
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Params {
        limit: Option<u32>,
        from: String,
    }

    fn refusal(query: &str) -> (String, String) {
        match parse_query::<Params>(query) {
            Err(ApiError::Validation(errors)) => {
                let e = &errors.0[0];
                (e.field.clone(), e.code.to_owned())
            }
            other => panic!("{query}: expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn an_error_names_the_parameter() {
        assert_eq!(refusal("from=a&limit=abc"), ("limit".into(), "invalid_format".into()));
        assert_eq!(refusal("from=a&limit=-1"), ("limit".into(), "invalid_format".into()));
        assert_eq!(refusal("limit=5"), ("from".into(), "required".into()));
        assert_eq!(refusal("from=a&bogus=1"), ("bogus".into(), "unknown_field".into()));
        assert_eq!(refusal("from=a&from=b"), ("from".into(), "duplicate".into()));
    }

    #[test]
    fn a_good_query_parses() {
        let p: Params = parse_query("from=2026-01-01&limit=7").expect("parses");
        assert_eq!((p.from.as_str(), p.limit), ("2026-01-01", Some(7)));
        let p: Params = parse_query("from=%E7%8E%8B+%E8%8A%B3").expect("parses");
        assert_eq!(p.from, "王 芳");
    }
}
