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
mod tx;
mod webhooks;

pub use access::{check_visible, check_writable};
pub use audit::{AuditContext, AuditEntry, audit_entries_for_customer, diff as audit_diff};
pub use bulk::{BulkOrderOutcome, BulkReport, create_customers_bulk, ingest_orders_bulk};
pub use customers::interactions::load_timeline_all;
pub use customers::interactions::{TimelineCursor, TimelinePage, record_interaction, timeline};
pub use customers::lifecycle::{Absorption, write_absorption, write_erasure};
pub use customers::{
    Created, CustomerExport, CustomerFilter, CustomerPage, DuplicateCandidates, count_customers, create_customer,
    export_customer, find_duplicate_candidates, flat_view, get_customer, load_checked, lookup_by_member_no,
    lookup_by_phone, record_consent, remove_tag, search_customers, set_tag, update_customer,
};
pub use db::{Conn, Db, DbConfig, MIGRATIONS_FINGERPRINT, analyze, run_migrations, with_job_lock};
pub use diesel::PgConnection;
pub use error::{Conflict, StoreError, corrupt};
pub use idempotency::IdempotencyClaim;
pub use keys::{
    ApiKey, AuthenticatedKey, NewApiKey, authenticate, create_api_key, digest_token, list_api_keys, revoke_api_key,
};
pub use loyalty::redemptions::{
    NewRedemption, RedemptionStep, StoredRedemption, find_redemption_by_key, get_redemption, insert_redemption,
    lapsed_reservations, load_redemption, redemption_owner, save_reservation,
};
pub use loyalty::tiers::{accounts_after, mark_tiers_evaluated, tiers_pending};
pub use loyalty::{
    FloorChange, LedgerRow, LockedAccount, LoyaltySummary, PointsGrant, explain_open_lots, ledger_page, ledger_sums,
    lock_account, lock_program, loyalty_summary, members_with_expired_lots, orders_exist_settled, program,
    qualifying_growth, save_account, summary_of, take_expiring_unannounced, tier_changed, write_ledger_entry,
    write_program, write_wallet_change,
};
pub use orders::fx::rate_on;
pub use orders::fx::{StoredFxRate, list_fx_rates, put_fx_rates};
pub use orders::{
    ANONYMOUS, Claim, NewOrder, NewReturn, OrderCursor, OrderHeader, ReturnTaken, StoredLine, StoredOrder,
    StoredReturn, claim_key, claim_return, customer_orders, find_by_key, find_return_by_key, get_order, insert_order,
    insert_return, load_order, locate, lock_order_earning, loyalty_error, order_limits, order_to_earn,
    resolve_customer, store_time_zone, stored_content, to_order_line,
};
pub use org::{create_associate, create_store, get_store, list_associates, list_stores};
pub use segments::{
    AssociateRef, CategoryShare, CellCustomer, CellPage, CellRequest, CustomerValueReport, MissingSnapshot, NewRun,
    SegmentCuts, SegmentFigures, SegmentHistoryEntry, SegmentMember, SegmentPage, SegmentRun, SegmentSummary,
    StoreVisits, TopCustomer, TopCustomers, TransitionCount, Transitions, ValueCursor, ValueSnapshot, customer_value,
    previous_fit, read_population, record_run, segment_customers, segment_run, segment_summary, segment_transitions,
    snapshot_dates, top_customers, write_snapshot,
};
pub use tx::{NewAuditEntry, Tx, transaction};
pub use webhooks::{
    AttemptOutcome, Delivery, DeliveryStatus, DueDelivery, NewSubscription, Subscription, WebhookSecret, claim_due,
    create_subscription, deactivate_subscription, deliveries, fan_out, list_subscriptions, record_attempt,
};
