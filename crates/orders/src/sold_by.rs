//! Who sold an order: the sales associate named by the POS or the import
//! file, by id or by code (checked against the order's store when it is
//! stored; the store resolves the code).

use uuid::Uuid;

/// The associate an order names.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SoldBy {
    /// By id.
    Id(Uuid),
    /// By associate code (as the associates' codes are kept: upper case).
    Code(String),
}

impl SoldBy {
    /// The request field it was given in.
    pub const fn field(&self) -> &'static str {
        match self {
            SoldBy::Id(_) => "associate_id",
            SoldBy::Code(_) => "associate_code",
        }
    }
}

/// An associate as an order is checked against: who, where they work, and
/// whether they still sell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seller {
    pub id: Uuid,
    pub store: Uuid,
    pub active: bool,
}

impl SoldBy {
    /// The associate's id if `found` (the associate this names) may be
    /// credited with an order of `store`: they exist, still sell, and work
    /// at the order's store (any store for an order without one). The
    /// error is for the field the associate was named in.
    pub fn check(&self, found: Option<Seller>, store: Option<Uuid>) -> Result<Uuid, clientele_kernel::FieldErrors> {
        let refuse = |code: &'static str, message: &str| {
            Err(clientele_kernel::FieldErrors::single(self.field(), clientele_kernel::InvalidValue::new(code, message)))
        };
        match found {
            None => refuse("unknown_reference", "no associate with this id or code"),
            Some(s) if !s.active => refuse("inactive", "this associate no longer sells"),
            Some(s) if store.is_some_and(|st| st != s.store) => {
                refuse("not_at_store", "this associate works at another store")
            }
            Some(s) => Ok(s.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_associate_is_credited_at_their_own_store_only() {
        let (shop, other) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let lin = Seller { id: Uuid::from_u128(9), store: shop, active: true };
        let code = SoldBy::Code("LIN".into());
        assert_eq!(code.check(Some(lin), Some(shop)), Ok(lin.id));
        assert_eq!(code.check(Some(lin), None), Ok(lin.id));
        let code_of = |r: Result<Uuid, clientele_kernel::FieldErrors>| r.unwrap_err().0[0].code;
        assert_eq!(code_of(code.check(Some(lin), Some(other))), "not_at_store");
        assert_eq!(code_of(code.check(Some(Seller { active: false, ..lin }), Some(shop))), "inactive");
        let by_id = SoldBy::Id(lin.id).check(None, Some(shop)).unwrap_err();
        assert_eq!((by_id.0[0].field.as_str(), by_id.0[0].code), ("associate_id", "unknown_reference"));
    }
}
