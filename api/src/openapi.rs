//! The OpenAPI document's frame: title, security scheme, tags. Paths and
//! schemas are collected from the handlers' `#[utoipa::path]` annotations.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

/// See the module documentation.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Clientele",
        description = "Customer-relationship and loyalty engine for fashion, luxury, cosmetics and jewelry brands.\n\n\
Authenticate with `Authorization: Bearer <key>`. Errors are `application/problem+json` (RFC 9457) with a stable `code`; \
validation errors list each offending field in `errors`. Lists use cursor pagination: pass `next_cursor` back as `cursor`.",
        license(name = "Apache-2.0")
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "organisation", description = "Stores and sales associates"),
        (name = "customers", description = "Member profiles, search and POS lookup"),
        (name = "tags and consent", description = "Tags and marketing consent per channel"),
        (name = "timeline", description = "Visits, calls, messages, appointments, notes, complaints, service requests, surveys"),
        (name = "duplicates", description = "Finding and merging duplicate records"),
        (name = "privacy", description = "Export and erasure (PIPL / GDPR)"),
        (name = "orders", description = "Orders and returns from POS, e-shop and ERP; exchange rates"),
        (name = "loyalty", description = "Points, growth value, tiers and the ledger"),
        (name = "access", description = "API keys (admin only)"),
        (name = "webhooks", description = "Signed event delivery: subscriptions and the delivery log (see docs/webhooks.md)"),
    )
)]
pub struct ApiDoc;

impl ApiDoc {
    /// The frame of the document.
    pub fn build() -> utoipa::openapi::OpenApi {
        let mut doc = ApiDoc::openapi();
        doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
        doc
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("clt_…").build()),
        );
    }
}
