//! Customer profiles for Clientele: the member record and everything it is
//! made of, duplicate detection and merge, erasure, and access roles.
//!
//! # Invariant
//!
//! This crate knows nothing of databases, HTTP, async or the clock; every
//! value type can only hold a valid value. Values are built through `parse`
//! or `new` constructors that normalise and check their input (deserialising
//! goes through the same checks), so code that holds an [`Email`] or a
//! [`Birthday`] never checks it again. Time is always a parameter: no
//! function here reads the clock, and none draws random numbers, so every
//! result depends only on the arguments. The values other crates hold too
//! (ids, [`MemberNo`](clientele_kernel::MemberNo),
//! [`Phone`](clientele_kernel::Phone), money, text, the actor, why a value
//! was refused) are `clientele_kernel`'s.
//!
//! ```
//! use clientele_kernel::{InvalidValue, Phone};
//! use clientele_profiles::Role;
//!
//! # fn main() -> Result<(), InvalidValue> {
//! let phone = Phone::parse("138 1234 5678")?;
//! assert_eq!(phone.as_str(), "+8613812345678");
//! let shown = if Role::Pos.sees_contact_details() { phone.to_string() } else { phone.masked() };
//! assert_eq!(shown, "+86138****5678");
//! # Ok(())
//! # }
//! ```
//!
//! # Map
//!
//! - [`ids`], [`text`], [`contact`], [`person`], [`external`]: value types.
//! - [`relationship`], [`tags`], [`consent`], [`interaction`]: the parts of a
//!   customer record with rules of their own.
//! - [`customer`]: [`Customer`], [`NewCustomer`], [`CustomerPatch`], erasure.
//! - [`mod@merge`] and [`duplicates`]: finding and merging two records of one
//!   person.
//! - [`org`]: stores and sales associates; [`access`]: roles, permissions and
//!   store scopes of API keys.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod consent;
pub mod contact;
pub mod customer;
pub mod duplicates;
pub mod external;
pub mod follow_up;
pub mod ids;
pub mod interaction;
pub mod merge;
pub mod org;
pub mod person;
pub mod relationship;
pub mod tags;
pub mod text;
pub mod visibility;

pub use access::{KeyGrant, Permission, Role, StoreScope};
pub use consent::{Consent, Consents};
pub use contact::{Channel, Email};
pub use customer::{Customer, CustomerPatch, NewCustomer, Phones, Profile, ProfileError, Relationship};
pub use duplicates::{
    DUPLICATE_THRESHOLD, DuplicatePair, DuplicateScore, MatchKey, MatchReason, duplicate_score, find_duplicate_pairs,
    match_keys,
};
pub use external::{ExternalId, ExternalSystem, ExternalValue};
pub use follow_up::{ClientelingSettings, FollowUp, FollowUpChange, FollowUpError, FollowUpStatus, ThankYouRule};
pub use ids::{ApiKeyId, AssociateId, FollowUpId, ImportantDateId, InteractionId};
pub use interaction::{
    AppointmentStatus, CampaignStep, Case, CaseStatus, Direction, Interaction, InteractionDetail, InteractionKind,
    SurveyAnswer, SurveyScale,
};
pub use merge::{CustomerRecord, MergeOutcome, merge};
pub use org::{Associate, NewAssociate, NewStore, Store};
pub use person::{
    AgeBand, Birthday, BirthdayRange, CountryCode, Education, Gender, ImportantDate, ImportantDateKind, Location,
    PersonName, Preferences, Relation, Sizes,
};
pub use relationship::{Acquisition, AcquisitionChannel};
pub use tags::{Tag, TagKind, TagName, Tags};
pub use text::Code;
pub use visibility::{Refusal, Standing};
