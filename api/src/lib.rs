//! Clientele's REST service (the `clientele` command is `crates/cli`).
//!
//! Architecture invariant: this is the only crate that serves HTTP and knows
//! the JSON shapes of its requests and responses (the webhook sender's
//! client, which POSTs events out, is `clientele-app`'s). Handlers are thin: they extract
//! and authenticate, convert the request into domain types (every bad field
//! reported at once), call the store, and map the result. Business rules
//! live in the domain crates; SQL lives in `clientele-store`. What runs
//! beside the server — the scheduled jobs and the webhook sender — is
//! `clientele-app`'s; `clientele serve` runs them together, and
//! [`Config::dispatcher`] gives the sender its settings.

pub mod body_shape;
pub mod codes;
pub mod config;
pub mod error;
pub mod extract;
pub mod keygen;
mod middleware;
pub mod openapi;
pub mod query;
mod routes;
pub mod startup;
pub mod state;
pub mod telemetry;

/// The clock the handlers read: the application layer's, the one place the
/// service reads it.
pub use clientele_app::clock;
pub use config::Config;
pub use startup::{Application, openapi};
