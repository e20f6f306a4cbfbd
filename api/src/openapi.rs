//! The OpenAPI document's frame: title, security scheme, tags. Paths and
//! schemas are collected from the handlers' `#[utoipa::path]` annotations;
//! [`complete`] then adds what is true of every operation of a kind (the
//! common problem answers) and the allowed values of enum-like fields.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, RefOr, Response};
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
        (name = "clienteling", description = "The store manager's lists and figures (the lapsed list, KPIs) and the associate's worklist"),
        (name = "follow-ups", description = "Follow-ups for a client's associate: made, done, cancelled"),
        (name = "campaigns", description = "Audiences, control groups, caps, triggers, the dry run, launches and messages (see docs/campaigns.md)"),
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

/// What the handlers' annotations leave to one place, applied to the
/// document once the paths are collected (the same document is served and
/// snapshotted):
///
/// - every problem body is `application/problem+json`;
/// - every operation lists the problem answers any request of its kind can
///   get, so no handler repeats them: a `/v1/` operation 401 (no, unknown or
///   revoked key), 403 (the key's role may not), 500 and 503
///   (`database_unavailable`, with `Retry-After`); one with a JSON body 400
///   (`malformed_json`, also an empty body), 413, 415 and 422; one with path
///   parameters 404; and every `/v1/` operation 422, since a bad path or
///   query parameter (at the least a NUL character in one, which the NUL
///   guard refuses before any handler) is named in a validation problem;
/// - string fields and parameters with a fixed list of values get it as an
///   `enum`, taken from the domain types that parse them.
pub fn complete(doc: &mut utoipa::openapi::OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let authenticated = path.starts_with("/v1/");
        let ops = [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
        for op in ops.into_iter().flatten() {
            complete_operation(op, authenticated);
        }
    }
    if let Some(components) = doc.components.as_mut() {
        for (schema, property, values) in field_values() {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(schema)
                && let Some(field) = object.properties.get_mut(property)
            {
                restrict(field, &values);
            }
        }
    }
}

const PROBLEM_JSON: &str = "application/problem+json";

fn complete_operation(op: &mut Operation, authenticated: bool) {
    for response in op.responses.responses.values_mut() {
        if let RefOr::T(response) = response
            && let Some(content) = response.content.shift_remove("application/json")
        {
            let is_problem = matches!(&content, RefOr::T(Content { schema: Some(RefOr::Ref(r)), .. })
                if r.ref_location.ends_with("/Problem"));
            let media_type = if is_problem { PROBLEM_JSON } else { "application/json" };
            response.content.insert(media_type.to_owned(), content);
        }
    }
    let params: Vec<ParameterIn> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p.parameter_in.clone()),
            RefOr::Ref(_) => None,
        })
        .collect();
    if authenticated {
        problem(op, "401", "`unauthorized`: no `Authorization: Bearer` key, or an unknown or revoked one");
        problem(op, "403", "`forbidden`: the key's role may not do this");
        problem(op, "500", "`internal_error`: a bug, logged with the request id");
        problem(op, "503", "`database_unavailable`: nothing was written; retry after `Retry-After` seconds");
        if let Some(RefOr::T(r)) = op.responses.responses.get_mut("503") {
            r.headers.entry("Retry-After".to_owned()).or_insert_with(|| {
                RefOr::T(
                    utoipa::openapi::HeaderBuilder::new()
                        .schema(Some(utoipa::openapi::ObjectBuilder::new().schema_type(Type::Integer)))
                        .description(Some("Seconds to wait before sending the request again."))
                        .build(),
                )
            });
        }
    }
    if op.request_body.is_some() {
        problem(op, "400", "`malformed_json`: the body is not JSON, or is empty");
        problem(op, "413", "`payload_too_large`: the body is over 64 KiB");
        problem(op, "415", "`unsupported_media_type`: the body is not sent as `application/json`");
        problem(op, "422", "`validation_failed` (each offending field in `errors`) or another refusal of the input");
    }
    if params.contains(&ParameterIn::Path) {
        problem(op, "404", "`not_found`: no such record, or one outside the key's store scope");
    }
    if authenticated {
        // Whatever the operation declares: a NUL character in the path or
        // the query string is refused before the handler, naming where.
        problem(op, "422", "`validation_failed`: `errors` names each invalid field, path or query parameter");
    }
    for (status, response) in op.responses.responses.iter_mut() {
        if let RefOr::T(response) = response
            && response.description.is_empty()
        {
            response.description = default_description(status).to_owned();
        }
    }
    for param in op.parameters.iter_mut().flatten() {
        if let RefOr::T(param) = param
            && let Some(values) = parameter_values(&param.name)
            && let Some(schema) = param.schema.as_mut()
        {
            restrict(schema, &values);
        }
    }
}

/// The description of an answer whose handler gave none (OpenAPI requires one).
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "202" => "Accepted",
        "404" => "`not_found`: no such record, or one outside the key's store scope",
        "409" => "A conflict with what is stored; `code` says which (docs/errors.md)",
        "410" => "`customer_merged`: see `merged_into`",
        _ => "See `code` (docs/errors.md)",
    }
}

/// Adds a problem answer for `status`, or fills in the description and the
/// media type of the one the handler declared.
fn problem(op: &mut Operation, status: &str, description: &str) {
    let entry = op.responses.responses.entry(status.to_owned()).or_insert_with(|| RefOr::T(Response::new(description)));
    if let RefOr::T(response) = entry {
        if response.description.is_empty() {
            response.description = description.to_owned();
        }
        if response.content.is_empty() {
            response.content.insert(
                PROBLEM_JSON.to_owned(),
                RefOr::T(Content::new(Some(RefOr::Ref(utoipa::openapi::Ref::from_schema_name("Problem"))))),
            );
        }
    }
}

/// Gives a string schema (or the items of a list of strings) its allowed
/// values; a nullable one keeps `null`.
fn restrict(schema: &mut RefOr<Schema>, values: &[&str]) {
    match schema {
        RefOr::T(Schema::Object(object)) => {
            let nullable = matches!(&object.schema_type, SchemaType::Array(types) if types.contains(&Type::Null));
            let mut allowed: Vec<serde_json::Value> = values.iter().map(|v| serde_json::Value::from(*v)).collect();
            if nullable {
                allowed.push(serde_json::Value::Null);
            }
            object.enum_values = Some(allowed);
        }
        RefOr::T(Schema::Array(array)) => {
            if let utoipa::openapi::schema::ArrayItems::RefOrSchema(items) = &mut array.items {
                restrict(items, values);
            }
        }
        _ => {}
    }
}

fn names<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

/// The allowed values of request and response fields: (schema, property, values).
fn field_values() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    use clientele_loyalty::{EntryKind, ReservationState, Tier};
    use clientele_orders::{PaymentMethod, SalesChannel};
    use clientele_profiles::{
        AcquisitionChannel, AppointmentStatus, CaseStatus, Channel, Direction, Education, Gender, ImportantDateKind,
        InteractionKind, MatchReason, Relation, Role, SurveyScale,
    };
    let channel = names(&Channel::ALL, Channel::as_str);
    let role = names(&Role::ALL, Role::as_str);
    let gender = names(&Gender::ALL, Gender::as_str);
    let education = names(&Education::ALL, Education::as_str);
    let tier = names(&Tier::ALL, Tier::as_str);
    vec![
        ("ConsentInput", "channel", channel.clone()),
        ("ConsentView", "channel", channel.clone()),
        ("CreateInteractionRequest", "channel", channel.clone()),
        ("InteractionView", "channel", channel),
        ("AcquisitionDto", "channel", names(&AcquisitionChannel::ALL, AcquisitionChannel::as_str)),
        ("CreateCustomerRequest", "gender", gender.clone()),
        ("PatchCustomerRequest", "gender", gender.clone()),
        ("CustomerView", "gender", gender),
        ("CreateCustomerRequest", "education", education.clone()),
        ("PatchCustomerRequest", "education", education.clone()),
        ("CustomerView", "education", education),
        ("ImportantDateInput", "kind", names(&ImportantDateKind::ALL, ImportantDateKind::as_str)),
        ("ImportantDateView", "kind", names(&ImportantDateKind::ALL, ImportantDateKind::as_str)),
        ("ImportantDateInput", "relation", names(&Relation::ALL, Relation::as_str)),
        ("ImportantDateView", "relation", names(&Relation::ALL, Relation::as_str)),
        ("CreateInteractionRequest", "type", names(&InteractionKind::ALL, InteractionKind::as_str)),
        ("InteractionView", "type", names(&InteractionKind::ALL, InteractionKind::as_str)),
        ("CreateInteractionRequest", "direction", names(&Direction::ALL, Direction::as_str)),
        ("CreateInteractionRequest", "appointment_status", names(&AppointmentStatus::ALL, AppointmentStatus::as_str)),
        ("CreateInteractionRequest", "status", names(&CaseStatus::ALL, CaseStatus::as_str)),
        ("CreateInteractionRequest", "survey_scale", names(&SurveyScale::ALL, SurveyScale::as_str)),
        ("CreateKeyRequest", "role", role.clone()),
        ("KeyView", "role", role),
        ("CreateOrderRequest", "channel", names(&SalesChannel::ALL, SalesChannel::as_str)),
        ("OrderView", "channel", names(&SalesChannel::ALL, SalesChannel::as_str)),
        ("CreateOrderRequest", "payment_method", names(&PaymentMethod::ALL, PaymentMethod::as_str)),
        ("OrderView", "payment_method", names(&PaymentMethod::ALL, PaymentMethod::as_str)),
        ("PointsRequest", "kind", vec!["activity", "adjustment"]),
        ("RedemptionView", "state", names(&ReservationState::ALL, ReservationState::as_str)),
        ("LedgerEntryView", "kind", names(&EntryKind::ALL, EntryKind::as_str)),
        ("LoyaltyView", "tier", tier.clone()),
        ("NextTierView", "tier", tier),
        ("DuplicatePairView", "reasons", names(&MatchReason::ALL, MatchReason::as_str)),
        ("CreateWebhookRequest", "event_types", event_types()),
    ]
}

fn event_types() -> Vec<&'static str> {
    let mut all = clientele_webhooks::EventType::NAMES.to_vec();
    all.push(clientele_webhooks::ALL_EVENTS);
    all
}

/// The allowed values of path and query parameters, by name.
fn parameter_values(name: &str) -> Option<Vec<&'static str>> {
    use clientele_profiles::{AgeBand, Channel, Gender, TagKind};
    use clientele_rfm::Segment;
    let segments = || names(&Segment::ALL, Segment::code);
    Some(match name {
        "channel" => names(&Channel::ALL, Channel::as_str),
        "segment" => segments(),
        "from_segment" | "to_segment" => {
            let mut all = segments();
            all.push("none");
            all
        }
        "kind" => names(&TagKind::ALL, TagKind::as_str),
        "gender" => names(&Gender::ALL, Gender::as_str),
        "age_band" => names(&AgeBand::ALL, AgeBand::code),
        "tier" => names(&clientele_loyalty::Tier::ALL, clientele_loyalty::Tier::as_str),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_given_values_is_in_the_document() {
        let doc = crate::startup::openapi();
        let schemas = &doc.components.as_ref().expect("components").schemas;
        for (schema, property, values) in field_values() {
            assert!(!values.is_empty(), "{schema}.{property}");
            let Some(RefOr::T(Schema::Object(object))) = schemas.get(schema) else {
                panic!("no schema {schema}");
            };
            assert!(object.properties.contains_key(property), "{schema} has no {property}");
        }
    }
}
