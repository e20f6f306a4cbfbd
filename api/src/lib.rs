//! Clientele's REST service (the `clientele` command is `crates/cli`).
//!
//! Architecture invariant: this is the only crate that knows HTTP and the
//! JSON shapes of requests and responses. Handlers are thin: they extract
//! and authenticate, convert the request into domain types (every bad field
//! reported at once), call the store, and map the result. Business rules
//! live in the domain crates; SQL lives in `clientele-store`.

pub mod body_shape;
pub mod codes;
pub mod config;
pub mod dispatcher;
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
pub mod webhook_guard;

/// The clock the handlers read: the application layer's, the one place the
/// service reads it.
pub use clientele_app::clock;
pub use config::Config;
pub use startup::{Application, openapi};
