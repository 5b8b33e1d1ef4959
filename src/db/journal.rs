//! What every write transaction writes last, before its commit.
//!
//! The platform's write journal (the change feed's events, the idempotency
//! key a request claimed) plugs in here: this layer runs the transactions
//! and knows the journal only through [`Journal`], given when a
//! [`Db`](super::Db) is opened. Events are staged per thread, since a write
//! runs on one blocking thread from its begin to its commit.

use std::sync::OnceLock;

use super::DbConnection;
use crate::error::ApiError;

pub trait Journal: Send + Sync {
    /// Forgets what this thread staged: a transaction (not a savepoint)
    /// begins, or one was rolled back.
    fn discard(&self);
    /// How much this thread has staged, for [`roll_back_to`](Self::roll_back_to).
    fn mark(&self) -> usize;
    /// Takes back what was staged after `mark` (its writes were rolled back).
    fn roll_back_to(&self, mark: usize);
    /// One write's work is done and is about to be committed (or its
    /// savepoint released): what belongs to that write alone is written.
    fn write_done(&self, conn: &mut DbConnection) -> Result<(), ApiError>;
    /// The outermost transaction is about to commit: what was staged is written.
    fn flush(&self, conn: &mut DbConnection) -> Result<(), ApiError>;
    /// The outermost transaction committed: whoever waits for what it wrote
    /// may be told.
    fn committed(&self) {}
}

static JOURNAL: OnceLock<&'static dyn Journal> = OnceLock::new();

/// Installs the process's journal (every [`Db`](super::Db) is opened with the
/// same one; the first stays).
pub(super) fn install(journal: &'static dyn Journal) {
    let _ = JOURNAL.set(journal);
}

/// The installed journal; none before a database is opened.
pub(super) fn get() -> &'static dyn Journal {
    JOURNAL.get().copied().unwrap_or(&Unjournaled)
}

/// Writes nothing: only the connections opened without a [`Db`](super::Db) use it.
struct Unjournaled;

impl Journal for Unjournaled {
    fn discard(&self) {}
    fn mark(&self) -> usize {
        0
    }
    fn roll_back_to(&self, _mark: usize) {}
    fn write_done(&self, _conn: &mut DbConnection) -> Result<(), ApiError> {
        Ok(())
    }
    fn flush(&self, _conn: &mut DbConnection) -> Result<(), ApiError> {
        Ok(())
    }
}
