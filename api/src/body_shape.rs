//! Which top-level JSON a request body type takes.
//!
//! serde's derived `Deserialize` for a struct accepts a JSON array as well as
//! an object (the fields in declaration order), so `[]` would be an empty
//! customer. Every struct (or map) body of this API is a JSON object on the
//! wire; [`BodyShape`] lets the JSON body extractor refuse anything else with
//! 422 `body` `invalid_type` ([`not_an_object`]), whatever the type's fields are.

use std::fmt;

use clientele_kernel::{FieldErrors, InvalidValue};
use serde::de::{self, DeserializeOwned, Visitor};

use crate::error::ApiError;

/// What a body must look like at the top level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyShape {
    /// A struct or a map: only a JSON object will do.
    Object,
    /// Anything else (a list, a scalar, an untagged enum): serde decides.
    Any,
}

impl BodyShape {
    /// The shape `T` deserialises from, found by asking `T` which kind of
    /// value it would request from a deserializer (nothing is parsed).
    pub fn of<T: DeserializeOwned>() -> BodyShape {
        match T::deserialize(Probe) {
            Err(ProbeAnswer::Object) => BodyShape::Object,
            _ => BodyShape::Any,
        }
    }

    /// Whether `raw` has this shape at the top level (a body that is not
    /// JSON at all passes: that is for the parser to say).
    pub fn admits(self, raw: &[u8]) -> bool {
        let first = raw.iter().copied().find(|b| !b.is_ascii_whitespace());
        !(self == BodyShape::Object && matches!(first, Some(b'[' | b'"' | b'-' | b'0'..=b'9' | b't' | b'f' | b'n')))
    }
}

/// 422: the body is JSON, but not the object the operation takes.
pub fn not_an_object() -> ApiError {
    ApiError::Validation(FieldErrors::single(
        "body",
        InvalidValue::new("invalid_type", "the body must be a JSON object"),
    ))
}

/// The answer of the probe: which `deserialize_*` the type called.
#[derive(Debug)]
enum ProbeAnswer {
    Object,
    Other,
}

impl fmt::Display for ProbeAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for ProbeAnswer {}

impl de::Error for ProbeAnswer {
    fn custom<M: fmt::Display>(_: M) -> Self {
        ProbeAnswer::Other
    }
}

/// A deserializer that produces nothing and only records what was asked of it.
struct Probe;

impl<'de> de::Deserializer<'de> for Probe {
    type Error = ProbeAnswer;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeAnswer> {
        Err(ProbeAnswer::Other)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, ProbeAnswer> {
        Err(ProbeAnswer::Object)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeAnswer> {
        Err(ProbeAnswer::Object)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Thing {
        name: Option<String>,
    }

    #[test]
    fn structs_and_maps_take_an_object_only() {
        assert_eq!(BodyShape::of::<Thing>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<BTreeMap<String, u32>>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<Vec<Thing>>(), BodyShape::Any);
        assert_eq!(BodyShape::of::<serde_json::Value>(), BodyShape::Any);
        for refused in ["[]", " [{}]", "5", "-1", "\"x\"", "true", "false", "null"] {
            assert!(!BodyShape::Object.admits(refused.as_bytes()), "{refused}");
        }
        for passed in ["{}", "\n {\"name\": null}", "", "x"] {
            assert!(BodyShape::Object.admits(passed.as_bytes()), "{passed}");
        }
        assert!(BodyShape::Any.admits(b"[]"));
    }

    #[test]
    fn every_request_body_of_the_api_is_an_object() {
        assert_eq!(BodyShape::of::<crate::routes::customers::shapes::CreateCustomerRequest>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<crate::routes::customers::shapes::PatchCustomerRequest>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<crate::routes::timeline::shapes::CreateInteractionRequest>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<crate::routes::orders::shapes::CreateOrderRequest>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<clientele_loyalty::ProgramConfig>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<crate::routes::segments::settings::RfmSettingsBody>(), BodyShape::Object);
        assert_eq!(BodyShape::of::<clientele_campaigns::CampaignSettings>(), BodyShape::Object);
    }
}
