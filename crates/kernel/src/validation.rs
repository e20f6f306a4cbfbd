//! Errors of validation: one refused value ([`InvalidValue`]) and the refused
//! fields of a form ([`FieldErrors`]).
//!
//! Codes are stable and machine-readable (the API serves them as they are).
//! The value types use `required`, `too_long`, `too_short`,
//! `invalid_format`, `invalid_phone`, `invalid_email`, `invalid_date`,
//! `out_of_range`, `invalid_time_zone`, `invalid_currency`,
//! `invalid_country`, `invalid_tier_table`, `not_allowed`, `duplicate`;
//! docs/errors.md lists every code the API serves.

use serde::Serialize;

/// Why one value was refused. `code` is a stable machine code, `message` is for humans (English).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct InvalidValue {
    /// Stable machine-readable code, e.g. `"invalid_phone"`.
    pub code: &'static str,
    /// Explanation for people, in English.
    pub message: String,
}

impl InvalidValue {
    /// An error with this code and message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        InvalidValue { code, message: message.into() }
    }
}

/// One refused field of a form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name; nested fields are dotted (`"acquisition.cost"`).
    pub field: String,
    /// Stable machine-readable code.
    pub code: &'static str,
    /// Explanation for people, in English.
    pub message: String,
}

/// Errors of several fields at once (a form with three bad fields reports three).
/// Shown as `2 invalid field(s): a (required): a is required; …` — what
/// a command line or a log needs to name the fields.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error("{} invalid field(s): {}", .0.len(), .0.iter().map(|e| format!("{} ({}): {}", e.field, e.code, e.message)).collect::<Vec<_>>().join("; "))]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// No errors yet.
    pub fn new() -> Self {
        FieldErrors(Vec::new())
    }

    /// Records that `field` was refused for `err`.
    pub fn push(&mut self, field: impl Into<String>, err: InvalidValue) {
        self.0.push(FieldError { field: field.into(), code: err.code, message: err.message });
    }

    /// Parse helper: on Err records it under `field` and returns None.
    pub fn check<T>(&mut self, field: &str, r: Result<T, InvalidValue>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.push(field, e);
                None
            }
        }
    }

    /// True when no field was refused.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// How many fields were refused.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The refused fields, in the order they were recorded.
    pub fn iter(&self) -> std::slice::Iter<'_, FieldError> {
        self.0.iter()
    }

    /// `Ok(value)` if no field was refused, else these errors.
    pub fn into_result<T>(self, value: T) -> Result<T, FieldErrors> {
        if self.is_empty() { Ok(value) } else { Err(self) }
    }

    /// Exactly one refused field.
    pub fn single(field: impl Into<String>, err: InvalidValue) -> Self {
        let mut errors = FieldErrors::new();
        errors.push(field, err);
        errors
    }

    /// Adds `other`'s errors with their field names under `prefix`:
    /// `"acquisition"` + `"cost"` gives `"acquisition.cost"`. An empty prefix
    /// keeps the names; an empty field name becomes the prefix itself.
    pub fn extend_prefixed(&mut self, prefix: &str, other: FieldErrors) {
        for e in other.0 {
            let field = match (prefix.is_empty(), e.field.is_empty()) {
                (true, _) => e.field,
                (false, true) => prefix.to_owned(),
                (false, false) => format!("{prefix}.{}", e.field),
            };
            self.0.push(FieldError { field, ..e });
        }
    }
}

impl IntoIterator for FieldErrors {
    type Item = FieldError;
    type IntoIter = std::vec::IntoIter<FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a FieldErrors {
    type Item = &'a FieldError;
    type IntoIter = std::slice::Iter<'a, FieldError>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_records_errors_and_passes_values() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check("a", Ok::<_, InvalidValue>(3)), Some(3));
        assert!(errors.is_empty());
        assert_eq!(errors.check::<u8>("b", Err(InvalidValue::new("required", "b is required"))), None);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors.0[0].field, "b");
        assert_eq!(errors.0[0].code, "required");
        assert_eq!(errors.to_string(), "1 invalid field(s): b (required): b is required");
        assert!(errors.clone().into_result(()).is_err());
        assert_eq!(FieldErrors::new().into_result(7), Ok(7));
    }

    #[test]
    fn extend_prefixed_dots_the_names() {
        let mut outer = FieldErrors::single("name", InvalidValue::new("required", "x"));
        let mut inner = FieldErrors::single("cost", InvalidValue::new("out_of_range", "y"));
        inner.push("", InvalidValue::new("invalid_format", "z"));
        outer.extend_prefixed("acquisition", inner.clone());
        outer.extend_prefixed("", inner);
        let fields: Vec<&str> = outer.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "acquisition.cost", "acquisition", "cost", ""]);
    }

    #[test]
    fn field_error_serialises_flat() {
        let e = FieldErrors::single("phone", InvalidValue::new("invalid_phone", "bad"));
        let json = serde_json::to_value(&e.0).unwrap();
        assert_eq!(json, serde_json::json!([{"field": "phone", "code": "invalid_phone", "message": "bad"}]));
    }
}
