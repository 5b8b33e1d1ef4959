//! The write journal: what every write transaction writes besides its own
//! rows, plugged into the database layer's transactions (`db::journal`).
//! The audit row is written by the write itself (`audit::model::record`),
//! which stages the change's event; the journal writes the staged events
//! of the change feed last, and marks the request's idempotency key
//! committed in the same transaction.

use crate::db::journal::Journal;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::{changes, idempotency};

/// The journal of this service, given to the database layer at start-up.
pub struct WriteJournal;

impl Journal for WriteJournal {
    fn discard(&self) {
        changes::model::discard();
    }

    fn mark(&self) -> usize {
        changes::model::staged()
    }

    fn roll_back_to(&self, mark: usize) {
        changes::model::forget_since(mark);
    }

    fn write_done(&self, conn: &mut DbConnection) -> Result<(), ApiError> {
        idempotency::mark_committed(conn)
    }

    fn flush(&self, conn: &mut DbConnection) -> Result<(), ApiError> {
        changes::model::flush(conn)
    }

    fn committed(&self) {
        changes::model::committed();
    }
}
