//! A unit of work: one database transaction, driven by the application
//! layer (`clientele_app`), in which the store's functions read and write.
//!
//! Writes that read nothing back — appending an order's rows, a ledger
//! entry, an outbox event, an audit entry — are collected in a [`Batch`]
//! and sent together (one round trip), either when something next reads
//! through [`Tx::conn`] or when the work ends, before the commit. A read
//! therefore always sees every write made before it in the same unit of
//! work: batching saves round trips and changes no result.

use chrono::{DateTime, Utc};
use clientele_webhooks::Event;
use diesel::{Connection, PgConnection};

use crate::audit::{self, AuditContext, NewAuditEntry};
use crate::batch::Batch;
use crate::error::StoreError;
use crate::outbox;

/// One transaction, with the writes collected so far; see the module
/// documentation.
pub struct Tx<'c> {
    conn: &'c mut PgConnection,
    writes: Batch,
}

impl std::fmt::Debug for Tx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tx").finish_non_exhaustive()
    }
}

/// Runs `work` in one transaction: committed if it returns `Ok` (after the
/// collected writes are sent), rolled back if it returns an error or panics.
pub fn transaction<T>(
    conn: &mut PgConnection,
    work: impl FnOnce(&mut Tx<'_>) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    conn.transaction(|conn| {
        let mut tx = Tx { conn, writes: Batch::new() };
        let out = work(&mut tx)?;
        tx.flush()?;
        Ok(out)
    })
}

/// Runs `work` in a transaction that is always rolled back: what it would
/// have written is checked by the database (constraints, triggers) and
/// then forgotten (an import's `--check`). `work`'s own error comes back
/// as it was.
pub fn rolled_back<T, E>(conn: &mut PgConnection, work: impl FnOnce(&mut PgConnection) -> Result<T, E>) -> Result<T, E>
where
    E: From<StoreError>,
{
    enum End<T, E> {
        Done(T),
        Failed(E),
        Database(diesel::result::Error),
    }
    impl<T, E> From<diesel::result::Error> for End<T, E> {
        fn from(e: diesel::result::Error) -> Self {
            End::Database(e)
        }
    }
    let ended = conn.transaction::<(), End<T, E>, _>(|conn| match work(conn) {
        Ok(out) => Err(End::Done(out)),
        Err(e) => Err(End::Failed(e)),
    });
    match ended {
        Err(End::Done(out)) => Ok(out),
        Err(End::Failed(e)) => Err(e),
        Err(End::Database(e)) => Err(E::from(StoreError::from(e))),
        Ok(()) => Err(E::from(StoreError::Corrupt("a rolled-back transaction committed".into()))),
    }
}

impl<'c> Tx<'c> {
    /// The connection, for a read (or a write whose effect is read back):
    /// the writes collected so far are sent first.
    pub fn conn(&mut self) -> Result<&mut PgConnection, StoreError> {
        self.flush()?;
        Ok(self.conn)
    }

    /// The writes that will be sent with the next read or at the end.
    pub(crate) fn writes(&mut self) -> &mut Batch {
        &mut self.writes
    }

    /// Appends an event to the outbox, committed with this unit of work.
    pub fn emit(&mut self, event: &Event, at: DateTime<Utc>) -> Result<(), StoreError> {
        outbox::emit_into(&mut self.writes, event, at)
    }

    /// Appends an entry to the audit log, committed with this unit of work.
    pub fn audit(&mut self, ctx: &AuditContext, entry: NewAuditEntry<'_>) {
        audit::record_into(&mut self.writes, ctx, &entry);
    }

    /// The connection without sending the collected writes, and those
    /// writes: for a read that must see the state before them (the growth
    /// already in the ledger, to which a change's own is then added).
    pub(crate) fn parts(&mut self) -> (&mut PgConnection, &mut Batch) {
        (self.conn, &mut self.writes)
    }

    fn flush(&mut self) -> Result<(), StoreError> {
        if !self.writes.is_empty() {
            std::mem::take(&mut self.writes).execute(self.conn)?;
        }
        Ok(())
    }
}
