//! The transactional outbox: an event is written in the transaction of the
//! change it describes, so it exists exactly when that change was committed.
//! The webhook fan-out (`webhooks::fan_out`) takes it from there.
//!
//! Every area emits through here, with a typed [`Event`]: its type is
//! [`Event::name`], its data (the `payload` column, the `data` of a
//! delivery's body) is the event serialised, and the member it is about
//! ([`Event::customer_id`]) is kept beside it.

use chrono::{DateTime, Utc};
use clientele_webhooks::Event;

use crate::batch::Batch;
use crate::error::StoreError;

/// Adds an event to a batch of writes (sent by the caller, in the
/// transaction of the change).
pub(crate) fn emit_into(batch: &mut Batch, event: &Event, at: DateTime<Utc>) -> Result<(), StoreError> {
    let data = serde_json::to_value(event)?;
    batch.insert(
        "outbox",
        &["event_type", "customer_id", "payload", "created_at"],
        vec![vec![event.name().into(), event.customer_id().into(), data.into(), at.into()]],
        "",
    );
    Ok(())
}
