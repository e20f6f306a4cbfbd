use clientele_kernel::{CustomerId, FieldErrors};
use clientele_profiles::ProfileError;

/// A unique key that is already taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Conflict {
    /// Another customer holds this member number.
    MemberNo(String),
    /// Another customer holds this external id.
    ExternalId { system: String, value: String },
    /// A store with this code exists.
    StoreCode(String),
    /// An associate with this code exists.
    AssociateCode(String),
    /// The same idempotency key was used with a different request body.
    IdempotencyKeyReused,
    /// Several customers share the phone number looked up.
    AmbiguousPhone(Vec<CustomerId>),
    /// An order sent under a (`source`, `external_id`) already used by a
    /// stored order that says something else about the sale.
    OrderDiffers {
        /// The stored order.
        order_id: uuid::Uuid,
        /// The request fields that differ (`amount_paid`, `lines`, …).
        fields: Vec<&'static str>,
    },
    /// A campaign that has run is changed no more.
    CampaignNotDraft {
        /// Its status (`running`, `paused`, …).
        status: &'static str,
    },
    /// A done or cancelled follow-up changes no more.
    FollowUpClosed {
        /// `done` or `cancelled`.
        status: &'static str,
    },
    /// A launch, pause or resume the campaign's status does not allow.
    CampaignStatus {
        /// What was asked (`launch`, `pause`, `resume`).
        action: &'static str,
        /// Its status.
        status: &'static str,
    },
    /// A coupon code (canonical) already issued.
    CouponCode(String),
    /// A change of a coupon code its state does not allow.
    CouponState {
        /// Its state (`redeemed`, `expired`, `void`, …).
        state: &'static str,
    },
    /// A reward the member may not take: its stable code
    /// (`reward_out_of_stock`, …).
    RewardRefused { reason: &'static str },
    /// A tier benefit with no use left this period.
    EntitlementUsedUp { benefit: String },
    /// A change of a reward redemption its state does not allow.
    RewardState {
        /// `held`, `collected`, `cancelled`.
        state: String,
    },
    /// An order's coupon codes that do not apply: the order is not stored.
    CouponRefused {
        /// Each refused code as typed, with its reason (`coupon_used`, …).
        codes: Vec<(String, &'static str)>,
    },
}

/// Everything the store can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist (or the caller's scope does not cover it).
    #[error("not found")]
    NotFound,
    /// The customer was merged into another one.
    #[error("customer {id} was merged into {into}")]
    Merged { id: CustomerId, into: CustomerId },
    /// A unique key is taken.
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// Input refers to records that do not exist, or breaks a rule that needs the database to check.
    #[error("invalid input: {0}")]
    Invalid(FieldErrors),
    /// A domain rule refused the change.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A loyalty rule refused the change (not enough points, a redemption
    /// no longer held, …).
    #[error(transparent)]
    Loyalty(#[from] clientele_loyalty::LoyaltyError),
    /// The database answered with an error.
    #[error("database error")]
    Database(#[from] diesel::result::Error),
    /// No connection could be had.
    #[error("database unavailable")]
    Pool(#[from] diesel::r2d2::PoolError),
    /// Connecting or migrating failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// A stored value no longer parses as its domain type: a bug or a manual edit.
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

impl StoreError {
    /// A refusal of one input field with its stable code.
    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> StoreError {
        StoreError::Invalid(FieldErrors::single(field, clientele_kernel::InvalidValue::new(code, message)))
    }

    /// A loyalty rule refused an order or a return (`loyalty_rule` on the
    /// field `loyalty`).
    pub fn loyalty_rule(e: clientele_loyalty::LoyaltyError) -> StoreError {
        StoreError::invalid("loyalty", "loyalty_rule", e.to_string())
    }

    /// Whether the database could not be reached or dropped the connection
    /// under the request (a restart, a failover, an administrator ending
    /// backends): worth trying again shortly, not a bug. Whatever the
    /// request was writing was rolled back with the connection.
    pub fn is_database_unavailable(&self) -> bool {
        match self {
            StoreError::Pool(_) => true,
            StoreError::Database(e) => connection_lost(e),
            _ => false,
        }
    }
}

/// Whether a Diesel error says the connection is gone.
fn connection_lost(e: &diesel::result::Error) -> bool {
    use diesel::result::{DatabaseErrorKind as Kind, Error as E};
    match e {
        E::DatabaseError(Kind::ClosedConnection | Kind::UnableToSendCommand, _) => true,
        // 57P01-57P03 (admin shutdown, crash shutdown, cannot connect now)
        // arrive as `Unknown` when libpq has not yet marked the connection bad.
        E::DatabaseError(Kind::Unknown, info) => {
            let message = info.message();
            message.contains("terminating connection")
                || message.contains("server closed the connection")
                || message.contains("no connection to the server")
                || message.contains("the database system is")
        }
        E::RollbackErrorOnCommit { commit_error, .. } => connection_lost(commit_error),
        E::BrokenTransactionManager => true,
        _ => false,
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// Turns a parse failure of a stored value into [`StoreError::Corrupt`].
pub fn corrupt<E: std::fmt::Display>(what: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Corrupt(format!("{what}: {e}"))
}
