//! SQLite's writes, committed in groups.
//!
//! SQLite takes one writer at a time, and each write transaction pays for a
//! trip to the blocking pool, its `BEGIN IMMEDIATE` and its commit (the pages
//! it changed appended to the log). The writes that queue while one group
//! runs are run together as the next group: one transaction in which each
//! write has a savepoint of its own, so that a refused write rolls back its
//! own work only. Every write is answered after its group's commit, never
//! before, and a commit that fails is the answer of every write in the group.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Mutex;

use actix_web::web;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::Pool;
use tokio::sync::{oneshot, Semaphore};

use super::{checkout, journal, with_retries, ConnectionManager, DbConnection};
use crate::context::{self, RequestContext};
use crate::error::ApiError;
use crate::msg;

type Manager = <DbConnection as diesel::Connection>::TransactionManager;

/// At most this many writes share a transaction: a group's last write waits
/// for all the others before it is answered.
const MAX_GROUP: usize = 64;

/// The one writer of a SQLite database: its turn, and the writes waiting.
pub(super) struct Writer {
    /// Held by the group being written, and by work that makes transactions
    /// of its own (an import, a checkpoint of the log).
    pub(super) turn: Semaphore,
    waiting: Mutex<Vec<Box<dyn Grouped>>>,
}

impl Writer {
    pub(super) fn new() -> Self {
        Writer {
            turn: Semaphore::new(1),
            waiting: Mutex::new(Vec::new()),
        }
    }

    /// Runs `f` in the next group to be written, and answers its value once
    /// the group is committed.
    pub(super) async fn write<T, F>(
        self: &std::sync::Arc<Self>,
        pool: &Pool<ConnectionManager>,
        f: F,
    ) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let (answer, answered) = oneshot::channel();
        let write = Write {
            f: Some(f),
            context: context::current(),
            result: None,
            answer,
        };
        self.waiting
            .lock()
            .map_err(ApiError::internal)?
            .push(Box::new(write));
        // Whoever gets the turn writes every write waiting then; this task
        // is not the request's, so a client that goes away stops nothing.
        actix_web::rt::spawn(self.clone().lead(pool.clone()));
        answered
            .await
            .unwrap_or_else(|_| Err(ApiError::internal("a grouped write was lost")))
    }

    /// Takes the turn and writes the waiting writes, if any are left.
    async fn lead(self: std::sync::Arc<Self>, pool: Pool<ConnectionManager>) {
        let Ok(_turn) = self.turn.acquire().await else {
            return;
        };
        let group: Vec<_> = match self.waiting.lock() {
            Ok(mut waiting) => {
                let n = waiting.len().min(MAX_GROUP);
                waiting.drain(..n).collect()
            }
            Err(_) => return,
        };
        if group.is_empty() {
            return;
        }
        let written = web::block(move || match checkout(&pool, pool.connection_timeout()) {
            Ok(mut conn) => commit(&mut conn, group),
            Err(error) => group.into_iter().for_each(|w| w.deliver(Err(&error))),
        })
        .await;
        if let Err(error) = written {
            log::error!("a group of writes failed: {error}");
        }
    }
}

/// A write waiting for its group.
trait Grouped: Send {
    /// Runs the write in its savepoint of the group's transaction; whether
    /// it was written.
    fn apply(&mut self, conn: &mut DbConnection) -> bool;
    /// Answers the request with the write's outcome and the group's.
    fn deliver(self: Box<Self>, group: Result<(), &ApiError>);
}

struct Write<T, F> {
    f: Option<F>,
    context: Option<RequestContext>,
    result: Option<Result<T, ApiError>>,
    answer: oneshot::Sender<Result<T, ApiError>>,
}

impl<T, F> Grouped for Write<T, F>
where
    T: Send,
    F: Fn(&mut DbConnection) -> Result<T, ApiError> + Send,
{
    fn apply(&mut self, conn: &mut DbConnection) -> bool {
        let Some(f) = self.f.take() else {
            return false;
        };
        let mark = journal::get().mark();
        let run = || catch_unwind(AssertUnwindSafe(|| with_retries(conn, &f)));
        let result = match context::within(self.context.clone(), run) {
            Ok(result) => result,
            Err(_) => {
                // A panic left the write's savepoints open: roll back its
                // work only, down to the group's own transaction.
                while depth(conn) > 1 {
                    if Manager::rollback_transaction(conn).is_err() {
                        break;
                    }
                }
                journal::get().roll_back_to(mark);
                let error = "a write panicked; its changes were rolled back";
                Err(context::within(self.context.clone(), || {
                    ApiError::internal(error)
                }))
            }
        };
        let written = result.is_ok();
        self.result = Some(result);
        written
    }

    fn deliver(self: Box<Self>, group: Result<(), &ApiError>) {
        let result = match (self.result, group) {
            // A write refused stays refused, whatever became of the others.
            (Some(Err(own)), _) => Err(own),
            (Some(Ok(value)), Ok(())) => Ok(value),
            (_, Err(error)) => Err(context::within(self.context, || {
                error.clone().in_this_request()
            })),
            (None, Ok(())) => Err(ApiError::internal("a grouped write did not run")),
        };
        let _ = self.answer.send(result);
    }
}

/// Writes `group` in one transaction and answers each of its writes.
fn commit(conn: &mut DbConnection, mut group: Vec<Box<dyn Grouped>>) {
    let begun = match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")
        }
        DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c),
    };
    if let Err(error) = begun {
        let error = ApiError::from(error);
        return group.into_iter().for_each(|w| w.deliver(Err(&error)));
    }
    journal::get().discard();
    let mut lost = None;
    for write in &mut group {
        // SQLite ends the whole transaction itself on some errors (a full
        // disk, an I/O error): the writes after would each run on their own
        // and be committed, while the group is answered as failed.
        if !write.apply(conn) && !still_in_transaction(conn) {
            crate::error::note_connection_fault();
            lost = Some(ApiError::unavailable(msg!("db-transaction-ended")));
            break;
        }
    }
    let committed = match lost {
        Some(error) => Err(error),
        None => journal::get()
            .flush(conn)
            .and_then(|()| Manager::commit_transaction(conn).map_err(ApiError::from)),
    };
    if committed.is_ok() {
        journal::get().committed();
    } else {
        journal::get().discard();
        if let Err(rollback) = Manager::rollback_transaction(conn) {
            log::error!("rollback of a group of writes failed: {rollback}");
        }
    }
    let committed = committed.as_ref().map(|_| ());
    group.into_iter().for_each(|w| w.deliver(committed));
}

/// Whether SQLite still has the group's transaction open: `BEGIN` fails
/// inside a transaction (and one begun by this probe is rolled back at once).
fn still_in_transaction(conn: &mut DbConnection) -> bool {
    use diesel::connection::SimpleConnection;
    match conn {
        DbConnection::Sqlite(c) => {
            if c.batch_execute("BEGIN").is_err() {
                return true;
            }
            let _ = c.batch_execute("ROLLBACK");
            false
        }
        DbConnection::Postgres(_) => true,
    }
}

/// How many transactions are open on `conn` (the outermost and its savepoints).
pub(super) fn depth(conn: &mut DbConnection) -> u32 {
    let status = match conn {
        DbConnection::Postgres(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
        DbConnection::Sqlite(c) => AnsiTransactionManager::transaction_manager_status_mut(c),
    };
    match status.transaction_depth() {
        Ok(depth) => depth.map_or(0, |d| d.get()),
        // A manager in error: treat it as deep, so that nothing nests in it.
        Err(_) => u32::MAX,
    }
}
