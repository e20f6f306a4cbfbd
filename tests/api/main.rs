//! End-to-end tests of the REST API: one binary, each test with its own
//! service and database.

mod health;
