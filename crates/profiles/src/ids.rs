//! Identifiers of the customer record's parts and of the organisation: one
//! newtype over a UUID per kind of thing (the kernel's
//! [`uuid_id!`](clientele_kernel::uuid_id)), so an associate id can never be
//! passed where an interaction id is expected. `CustomerId` and `StoreId`,
//! which orders name too, are [`clientele_kernel::ids`]'. This crate never
//! generates ids (that would need randomness or a clock); the store does.

use clientele_kernel::uuid_id;

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
    /// Identifies a follow-up for a client's associate.
    FollowUpId
);
uuid_id!(
    /// Identifies an API key.
    ApiKeyId
);

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn each_kind_parses_and_prints_its_uuid() {
        let uuid = Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
        let id = AssociateId::from_uuid(uuid);
        assert_eq!(id.to_string(), "67e55044-10b1-426f-9247-bb680e5fe0c8");
        assert_eq!(id.to_string().parse::<AssociateId>(), Ok(id));
        assert_eq!(Uuid::from(ApiKeyId::from(uuid)), uuid);
        assert_eq!("nope".parse::<InteractionId>().unwrap_err().code, "invalid_format");
        assert_eq!(serde_json::to_string(&ImportantDateId::from_uuid(uuid)).unwrap(), format!("\"{uuid}\""));
    }
}
