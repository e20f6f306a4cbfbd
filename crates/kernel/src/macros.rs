//! The boilerplate behind every value type of the domain crates, written
//! once. Each macro expands in the calling crate, which must depend on
//! `serde` (the derives name it); refusals are this crate's
//! [`InvalidValue`](crate::InvalidValue).

/// Implements the string plumbing of a newtype `struct T(String)` that has a
/// `T::parse(&str) -> Result<T, InvalidValue>` constructor: `as_str`,
/// `into_string`, `Display`, `FromStr`, `AsRef<str>`, `TryFrom<String>`
/// (used by serde, so a deserialised value went through `parse`) and
/// `From<T> for String`.
#[macro_export]
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
            type Err = $crate::InvalidValue;

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
            type Error = $crate::InvalidValue;

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

/// Declares one line of text of at most `$max` characters: trimmed,
/// whitespace runs (newlines included) collapsed to one space, no other
/// control characters ([`text::single_line`](crate::text::single_line):
/// codes `required`, `too_long`, `invalid_format`), serialised as a string
/// through `parse`.
#[macro_export]
macro_rules! bounded_text {
    ($(#[$meta:meta])* $name:ident, $max:expr) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Longest accepted text, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims, collapses whitespace to single spaces and checks
            /// (codes `required`, `too_long`, `invalid_format`).
            pub fn parse(s: &str) -> Result<$name, $crate::InvalidValue> {
                $crate::text::single_line(s, Self::MAX_CHARS).map($name)
            }
        }
        $crate::string_newtype!($name);
    };
}

/// Declares an identifier passed in by the caller (the store, the POS): a
/// trimmed string of 1..=128 characters without control characters, with
/// whitespace runs collapsed (a [`bounded_text!`] of 128). The domain crates
/// never make such ids up; ordering is by the text, which is what "ties
/// broken by id" means in them.
#[macro_export]
macro_rules! text_id {
    ($(#[$meta:meta])* $name:ident) => {
        $crate::bounded_text!($(#[$meta])* $name, 128);
    };
}

/// Declares a code sent by another system (a source system's name, an
/// external order id, a SKU, a line id): trimmed, 1 to `$max` characters,
/// no whitespace or control characters inside. `$what` names it in the
/// messages (`"the SKU is required"`, codes `required`, `too_long`,
/// `invalid_format`). Ordered by the text, serialised as a string through
/// `parse`.
#[macro_export]
macro_rules! slug_newtype {
    ($(#[$meta:meta])* $name:ident, $max:expr, $what:expr) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            /// Trims and checks: 1 to
            #[doc = stringify!($max)]
            /// characters, no whitespace or control characters.
            pub fn parse(s: &str) -> Result<$name, $crate::InvalidValue> {
                let v = s.trim();
                if v.is_empty() {
                    return Err($crate::InvalidValue::new("required", concat!($what, " is required")));
                }
                if v.chars().count() > $max {
                    return Err($crate::InvalidValue::new(
                        "too_long",
                        format!("{} has at most {} characters", $what, $max),
                    ));
                }
                if v.chars().any(|c| c.is_whitespace() || c.is_control()) {
                    return Err($crate::InvalidValue::new(
                        "invalid_format",
                        concat!($what, " may not contain spaces or control characters"),
                    ));
                }
                Ok($name(v.to_owned()))
            }
        }
        $crate::string_newtype!($name);
    };
}

/// Declares an identifier over a UUID, so that one kind of id can never be
/// passed where another is expected. Serialised as the UUID; `Display` is
/// the hyphenated form; `FromStr` accepts any form [`uuid::Uuid`] parses
/// (hyphenated, simple, braced, URN) and refuses anything else with
/// `invalid_format`. The domain crates never generate ids (that would need
/// randomness or a clock); the store does.
#[macro_export]
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name($crate::__macro_support::Uuid);

        impl $name {
            /// Wraps a UUID.
            pub const fn from_uuid(uuid: $crate::__macro_support::Uuid) -> Self {
                $name(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> $crate::__macro_support::Uuid {
                self.0
            }
        }

        impl ::std::fmt::Display for $name {
            /// The hyphenated form, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`.
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::InvalidValue;

            /// Accepts any form of a UUID (hyphenated, simple, braced,
            /// URN); refuses anything else with `invalid_format`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::__macro_support::Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|_| $crate::InvalidValue::new("invalid_format", "must be a UUID"))
            }
        }

        impl ::std::convert::From<$crate::__macro_support::Uuid> for $name {
            fn from(uuid: $crate::__macro_support::Uuid) -> Self {
                $name(uuid)
            }
        }

        impl ::std::convert::From<$name> for $crate::__macro_support::Uuid {
            fn from(id: $name) -> $crate::__macro_support::Uuid {
                id.0
            }
        }
    };
}

/// Declares a field-less enum whose values have a stable name: `as_str`,
/// `ALL`, `Display`, `FromStr` (refusing an unknown name with
/// `invalid_format` and the list of allowed names) and serde through the
/// same names. A variant may list older names after its own
/// (`Variant => "name" | "old_name"`): they are still read, never written.
#[macro_export]
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
            type Err = $crate::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $( $text $(| $alias)* => Ok($name::$variant), )+
                    _ => Err($crate::InvalidValue::new(
                        "invalid_format",
                        format!("must be one of: {}", [$($text),+].join(", ")),
                    )),
                }
            }
        }
    };
}

#[cfg(test)]
mod tests {
    keyword_enum! {
        /// A test enum.
        enum Shortfall {
            /// The new name, with the old one still read.
            CapAtZero => "cap_at_zero" | "record",
            /// Without an older name.
            NegativeBalance => "negative_balance",
        }
    }

    #[test]
    fn keyword_enums_read_old_names_and_write_new_ones() {
        assert_eq!(Shortfall::ALL, [Shortfall::CapAtZero, Shortfall::NegativeBalance]);
        assert_eq!("record".parse::<Shortfall>(), Ok(Shortfall::CapAtZero));
        assert_eq!(serde_json::from_str::<Shortfall>("\"record\"").unwrap(), Shortfall::CapAtZero);
        assert_eq!(serde_json::to_string(&Shortfall::CapAtZero).unwrap(), "\"cap_at_zero\"");
        assert_eq!(Shortfall::NegativeBalance.to_string(), "negative_balance");
        let err = "nope".parse::<Shortfall>().unwrap_err();
        assert_eq!(err.code, "invalid_format");
        assert_eq!(err.message, "must be one of: cap_at_zero, negative_balance");
    }

    slug_newtype!(
        /// A test code.
        Sku, 4, "the SKU"
    );

    #[test]
    fn slugs_name_themselves_in_their_messages() {
        assert_eq!(Sku::parse(" ab ").unwrap().as_str(), "ab");
        assert_eq!(Sku::parse(" ").unwrap_err().message, "the SKU is required");
        assert_eq!(Sku::parse("abcde").unwrap_err().message, "the SKU has at most 4 characters");
        assert_eq!(Sku::parse("a b").unwrap_err().message, "the SKU may not contain spaces or control characters");
        assert_eq!(String::from(Sku::parse("ab").unwrap()), "ab");
    }
}
