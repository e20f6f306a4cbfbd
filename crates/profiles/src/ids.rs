//! Identifiers: one newtype over [`Uuid`] per kind of thing, so a store id
//! can never be passed where a customer id is expected. This crate never
//! generates ids (that would need randomness or a clock); the store does.

use uuid::Uuid;

use crate::validation::InvalidValue;

macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// Wraps a UUID.
            pub const fn from_uuid(uuid: Uuid) -> Self {
                $name(uuid)
            }

            /// The UUID inside.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            /// The hyphenated form, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`.
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = InvalidValue;

            /// Accepts any form [`Uuid`] parses (hyphenated, simple, braced, URN);
            /// refuses anything else with `invalid_format`.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim())
                    .map($name)
                    .map_err(|_| InvalidValue::new("invalid_format", "must be a UUID"))
            }
        }

        impl From<Uuid> for $name {
            fn from(uuid: Uuid) -> Self {
                $name(uuid)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    };
}

uuid_id!(
    /// Identifies a customer (member).
    CustomerId
);
uuid_id!(
    /// Identifies a store.
    StoreId
);
uuid_id!(
    /// Identifies a sales associate.
    AssociateId
);
uuid_id!(
    /// Identifies one interaction on a customer's timeline.
    InteractionId
);
uuid_id!(
    /// Identifies one important date of a customer.
    ImportantDateId
);
uuid_id!(
    /// Identifies an API key.
    ApiKeyId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_and_parse_round_trip() {
        let id = CustomerId::from_uuid(Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8));
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!("67e55044-10b1-426f-9247-bb680e5fe0c8".parse::<CustomerId>(), Ok(id));
        assert_eq!("67e5504410b1426f9247bb680e5fe0c8".parse::<CustomerId>(), Ok(id));
        assert_eq!("nope".parse::<CustomerId>().unwrap_err().code, "invalid_format");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"67e55044-10b1-426f-9247-bb680e5fe0c8\"");
        assert_eq!(serde_json::from_str::<CustomerId>("\"67e55044-10b1-426f-9247-bb680e5fe0c8\"").unwrap(), id);
    }
}
