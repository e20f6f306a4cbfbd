//! Clientele's PostgreSQL store.
//!
//! Architecture invariant: this is the only crate that knows SQL. It owns the
//! Diesel schema, the embedded migrations, the connection pool and every
//! query, and it speaks domain types (`clientele_profiles`) to its callers:
//! rows never leave this crate. It knows nothing of HTTP or JSON request
//! shapes. Functions are synchronous (Diesel + r2d2); async callers run them
//! on a blocking thread.
//!
//! Every write that a person or an integration makes takes an
//! [`AuditContext`] and appends to the audit log in the same transaction.

mod access;
mod audit;
mod batch;
mod bulk;
mod copy;
mod customers;
mod db;
mod error;
mod idempotency;
mod keys;
mod loyalty;
mod orders;
mod org;
mod outbox;
pub mod schema;
mod segments;
mod webhooks;

pub use audit::{AuditContext, AuditEntry, audit_entries_for_customer};
pub use bulk::{BulkOrderOutcome, BulkReport, create_customers_bulk, ingest_orders_bulk};
pub use customers::interactions::{TimelineCursor, TimelinePage, record_interaction, timeline};
pub use customers::{
    Created, CustomerExport, CustomerFilter, CustomerPage, DuplicateCandidates, count_customers, create_customer,
    erase_customer, export_customer, find_duplicate_candidates, get_customer, lookup_by_member_no, lookup_by_phone,
    merge_customers, record_consent, remove_tag, search_customers, set_tag, update_customer,
};
pub use db::{Conn, Db, DbConfig, MIGRATIONS_FINGERPRINT, analyze, run_migrations, with_job_lock};
pub use diesel::PgConnection;
pub use error::{Conflict, StoreError};
pub use idempotency::IdempotencyClaim;
pub use keys::{
    ApiKey, AuthenticatedKey, NewApiKey, authenticate, create_api_key, digest_token, list_api_keys, revoke_api_key,
};
pub use loyalty::redemptions::{
    NewRedemption, RedemptionStep, StoredRedemption, expire_lapsed_reservations, get_redemption, reserve, settle,
};
pub use loyalty::tiers::{reevaluate_tiers, reevaluate_tiers_if_pending};
pub use loyalty::{
    FloorChange, LedgerRow, LoyaltySummary, PointsGrant, announce_expiring_points, expire_points, explain_open_lots,
    grant_points, ledger_page, ledger_sums, loyalty_summary, program, save_program, set_tier_floor,
};
pub use orders::fx::{StoredFxRate, list_fx_rates, put_fx_rates};
pub use orders::{
    ANONYMOUS, Ingested, OrderCursor, OrderHeader, Returned, StoredLine, StoredOrder, StoredReturn, customer_orders,
    get_order, ingest_order, record_return,
};
pub use org::{create_associate, create_store, get_store, list_associates, list_stores};
pub use segments::{
    AssociateRef, CategoryShare, CellCustomer, CellPage, CellRequest, CustomerValueReport, MissingSnapshot,
    RefreshReport, RefreshStep, SegmentCuts, SegmentFigures, SegmentHistoryEntry, SegmentMember, SegmentPage,
    SegmentRun, SegmentSummary, StoreVisits, TopCustomer, TopCustomers, TransitionCount, Transitions, ValueCursor,
    ValueSnapshot, customer_value, refresh_segments, segment_customers, segment_run, segment_summary,
    segment_transitions, snapshot_dates, top_customers,
};
pub use webhooks::{
    AttemptOutcome, Delivery, DeliveryStatus, DueDelivery, NewSubscription, Subscription, WebhookSecret, claim_due,
    create_subscription, deactivate_subscription, deliveries, fan_out, list_subscriptions, record_attempt,
};
