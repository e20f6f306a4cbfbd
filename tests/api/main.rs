//! End-to-end tests of the REST API: one binary, each test with its own
//! service and database.

mod api_keys;
mod audiences;
mod auth;
mod bad_input;
mod campaign_delivery;
mod campaigns;
mod contract;
mod customers;
mod follow_ups;
mod health;
mod helpers;
mod import;
mod jobs;
mod kpis;
mod lapsed;
mod limits;
mod loyalty;
mod masking;
mod merge;
mod orders;
mod org;
mod outbox;
mod plans;
mod privacy;
mod problems;
mod resilience;
mod return_policy;
mod scope;
mod search;
mod segments;
mod sold_by;
mod tags_consents;
mod timeline;
mod webhooks;
mod worklist;
