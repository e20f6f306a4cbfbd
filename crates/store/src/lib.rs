//! Clientele's PostgreSQL store.
//!
//! Architecture invariant: this is the only crate that knows SQL. It owns the
//! Diesel schema, the embedded migrations, the connection pool and every
//! query, and it speaks domain types (`clientele_profiles`) to its callers:
//! rows never leave this crate. It knows nothing of HTTP or JSON request
//! shapes. Functions are synchronous (Diesel + r2d2); async callers run them
//! on a blocking thread.
//!
//! Every write that a person or an integration makes appends to the audit
//! log in the same transaction: the application layer adds the entry
//! ([`Tx::audit`]) to the unit of work that writes the change.

mod access;
mod audit;
mod batch;
pub mod bulk;
pub mod campaigns;
pub mod clienteling;
mod copy;
mod customers;
mod db;
mod error;
mod idempotency;
mod keys;
mod loyalty;
pub mod offers;
mod orders;
mod org;
mod outbox;
mod sales_days;
pub mod schema;
mod segments;
pub mod settings;
mod tx;
mod webhooks;

pub use access::{check_visible, check_writable};
pub use audit::{AuditContext, AuditEntry, NewAuditEntry, audit_entries_for_customer, diff as audit_diff};
pub use customers::follow_ups::{
    StoredFollowUp, client_book, follow_ups_of, get_follow_up, hand_over, insert_follow_up, update_follow_up,
    write_thank_yous,
};
pub use customers::interactions::load_timeline_all;
pub use customers::interactions::{TimelineCursor, TimelinePage, insert_interaction, insert_interactions, timeline};
pub use customers::lifecycle::{Absorption, write_absorption, write_erasure};
pub use customers::{
    CustomerExport, CustomerFilter, CustomerPage, DuplicateCandidates, check_customer_references, count_customers,
    delete_tag, export_customer, find_duplicate_candidates, flat_view, get_customer, insert_customer, load_checked,
    load_unchecked, lookup_by_member_no, lookup_by_phone, next_member_no, search_customers, write_consent,
    write_customer, write_tag,
};
pub use db::{Conn, Db, DbConfig, MIGRATIONS_FINGERPRINT, analyze, run_migrations, with_job_lock};
pub use diesel::PgConnection;
pub use error::{Conflict, StoreError, corrupt};
pub use idempotency::{FirstRequest, IdempotencyClaim, claim_idempotency_key, complete_idempotency_key};
pub use keys::{
    ApiKey, AuthenticatedKey, NewApiKey, authenticate, digest_token, insert_api_key, list_api_keys, lock_api_key,
    write_revocation,
};
pub use loyalty::redemptions::{
    NewRedemption, RedemptionStep, StoredRedemption, find_redemption_by_key, get_redemption, insert_redemption,
    lapsed_reservations, load_redemption, redemption_owner, save_reservation,
};
pub use loyalty::tiers::{accounts_after, mark_tiers_evaluated, tiers_pending};
pub use loyalty::{
    FloorChange, LedgerLine, LockedAccount, LoyaltySummary, PointsGrant, explain_open_lots, ledger_page, ledger_sums,
    lock_account, lock_program, loyalty_summary, members_with_expired_lots, orders_exist_settled, program,
    qualifying_growth, save_account, summary_of, take_expiring_unannounced, tier_changed, write_ledger_entry,
    write_opening, write_program, write_wallet_change,
};
pub use orders::fx::rate_on;
pub use orders::fx::{StoredFxRate, list_fx_rates, write_fx_rates};
pub use orders::{
    ANONYMOUS, Claim, NewOrder, NewReturn, OrderCursor, OrderHeader, ReturnTaken, StoredLine, StoredOrder,
    StoredReturn, claim_key, claim_return, customer_orders, find_by_key, find_return_by_key, get_order, insert_order,
    insert_return, load_order, locate, lock_order_earning, resolve_customer, store_time_zone, stored_content,
    to_order_line,
};
pub use org::{
    Sellers, associate_store, check_org_references, get_store, insert_associate, insert_store, list_associates,
    list_stores, resolve_associate, sellers, store_exists,
};
pub use segments::{
    AssociateRef, CategoryShare, CellCustomer, CellPage, CellRequest, CustomerValueReport, MissingSnapshot, NewRun,
    SegmentCuts, SegmentFigures, SegmentHistoryEntry, SegmentMember, SegmentPage, SegmentPageRequest, SegmentRun,
    SegmentSummary, StoreVisits, TopCustomer, TopCustomers, TransitionCount, Transitions, ValueCursor, ValueSnapshot,
    customer_value, previous_fit, read_population, record_run, segment_customers, segment_run, segment_summary,
    segment_transitions, snapshot_dates, snapshot_segments, top_customers, write_snapshot,
};
pub use tx::{Tx, rolled_back, transaction};
pub use webhooks::{
    AttemptOutcome, Delivery, DeliveryStatus, DueDelivery, NewSubscription, Subscription, WebhookSecret, claim_due,
    deliveries, fan_out, insert_subscription, list_subscriptions, lock_subscription, record_attempt,
    write_deactivation,
};
