//! Boilerplate shared by the value types.

/// Implements the string plumbing of a newtype `struct T(String)` that has a
/// `T::parse(&str) -> Result<T, InvalidValue>` constructor: `as_str`,
/// `Display`, `FromStr`, `AsRef<str>`, `TryFrom<String>` (used by serde, so a
/// deserialised value went through `parse`) and `From<T> for String`.
macro_rules! string_newtype {
    ($name:ident) => {
        impl $name {
            /// The normalised text.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The normalised text, by value.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl ::std::convert::AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::error::InvalidValue;

            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl ::std::convert::From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
    };
}

/// Declares an identifier passed in by the caller (the store, the POS): a
/// trimmed string of 1..=128 characters without control characters. The
/// crate never makes ids up; ordering is by the text, which is what "ties
/// broken by id" means everywhere in this crate.
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted id, in characters.
            pub const MAX_CHARS: usize = 128;

            /// Trims and checks (codes `required`, `too_long`, `invalid_format`).
            pub fn parse(s: &str) -> Result<$name, $crate::error::InvalidValue> {
                $crate::text::checked_line(s, Self::MAX_CHARS).map($name)
            }
        }
        string_newtype!($name);
    };
}

/// Declares a field-less enum whose values have a stable snake_case name:
/// `as_str`, `ALL`, `Display`, `FromStr` (refusing an unknown name with
/// `invalid_format` and the list of allowed names) and serde through the
/// same names. A variant may list older names after its own
/// (`Variant => "name" | "old_name"`): they are still read, never written.
macro_rules! keyword_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident => $text:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        $vis enum $name {
            $( $(#[$vmeta])* #[serde(rename = $text $(, alias = $alias)*)] $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; [$($text),+].len()] = [$($name::$variant),+];

            /// The stable name (as in JSON).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::error::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text $(| $alias)* => Ok($name::$variant), )+
                    _ => Err($crate::error::InvalidValue::new(
                        "invalid_format",
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}
