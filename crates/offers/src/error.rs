//! [`OfferError`]: why a definition, an input or a state change was
//! refused, each with a stable machine-readable code for the API's error
//! table. A code that cannot be read has its own [`CodeError`](crate::CodeError)
//! (in [`crate::code`]). The *business* refusals at the till (a coupon that
//! does not apply, a reward the member may not have) are not errors but
//! outcomes with codes of their own: [`crate::CouponRefusal`],
//! [`crate::OfferRefusal`], [`crate::RewardRefusal`],
//! [`crate::EntitlementRefusal`].

use clientele_kernel::FieldErrors;

/// Why something was refused. Nothing was built or changed: the caller's
/// data is as it was.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OfferError {
    /// A definition (coupon, points offer, gift, reward) or a basket with
    /// refused fields; each names its field (`"kind.percent"`,
    /// `"valid_to"`, `"lines[2].line_id"`), so the API answers 422 with
    /// the list.
    #[error("{}", describe(.0))]
    InvalidFields(FieldErrors),
    /// A state change the state machine does not have (confirming a coupon
    /// that is not reserved, collecting a cancelled reward).
    #[error("cannot {event} a coupon or reward that is {from}")]
    TransitionNotAllowed {
        /// The state it is in.
        from: &'static str,
        /// The event refused.
        event: &'static str,
    },
    /// Reserving a coupon before its validity starts.
    #[error("the coupon is not valid yet")]
    NotYetValid,
    /// Reserving, or releasing after a return, a coupon whose validity is
    /// over.
    #[error("the coupon's validity is over")]
    ValidityOver,
    /// Expiring a coupon that is still within its validity.
    #[error("the coupon is still within its validity")]
    StillValid,
    /// Releasing a redeemed coupon after a full return in a programme that
    /// does not give coupons back.
    #[error("the programme does not give a coupon back after a return")]
    ReleaseNotAllowed,
    /// A return of more units of a line than were bought.
    #[error("cannot return {returned_now} more of {quantity} units, {already_returned} already returned")]
    ReturnExceedsQuantity {
        /// Units bought.
        quantity: u32,
        /// Units returned before.
        already_returned: u32,
        /// Units returned now.
        returned_now: u32,
    },
}

fn describe(errors: &FieldErrors) -> String {
    errors.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; ")
}

impl OfferError {
    /// A stable machine-readable code (the API serves it as it is).
    pub fn code(&self) -> &'static str {
        match self {
            OfferError::InvalidFields(_) => "invalid_offer",
            OfferError::TransitionNotAllowed { .. } => "transition_not_allowed",
            OfferError::NotYetValid => "coupon_not_yet_valid",
            OfferError::ValidityOver => "coupon_expired",
            OfferError::StillValid => "coupon_still_valid",
            OfferError::ReleaseNotAllowed => "coupon_release_not_allowed",
            OfferError::ReturnExceedsQuantity { .. } => "return_exceeds_quantity",
        }
    }

    /// The refused fields, for [`OfferError::InvalidFields`].
    pub fn fields(&self) -> Option<&FieldErrors> {
        match self {
            OfferError::InvalidFields(errors) => Some(errors),
            _ => None,
        }
    }
}

impl From<FieldErrors> for OfferError {
    fn from(errors: FieldErrors) -> OfferError {
        OfferError::InvalidFields(errors)
    }
}

#[cfg(test)]
mod tests {
    use clientele_kernel::InvalidValue;

    use super::*;

    #[test]
    fn codes_are_stable_and_messages_name_the_fields() {
        let mut errors = FieldErrors::single("kind.percent", InvalidValue::new("out_of_range", "must be above 0"));
        errors.push("valid_to", InvalidValue::new("out_of_range", "valid_to must be after valid_from"));
        let e = OfferError::from(errors);
        assert_eq!(e.code(), "invalid_offer");
        assert_eq!(e.to_string(), "kind.percent: must be above 0; valid_to: valid_to must be after valid_from");
        assert_eq!(e.fields().map(FieldErrors::len), Some(2));
        let e = OfferError::TransitionNotAllowed { from: "redeemed", event: "confirm" };
        assert_eq!(e.to_string(), "cannot confirm a coupon or reward that is redeemed");
        assert_eq!(e.code(), "transition_not_allowed");
        assert!(e.fields().is_none());
        assert_eq!(OfferError::ValidityOver.code(), "coupon_expired");
    }
}
