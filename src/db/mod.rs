//! Persistence: one connection type over PostgreSQL and SQLite, a pool, the
//! embedded migrations, and the helpers that keep database work off actix's
//! event loop and inside transactions.

mod group_commit;
pub mod journal;
pub mod schema;

use actix_web::web;
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::{ManageConnection, Pool, PooledConnection};
use diesel::{Connection, ConnectionError, PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

use crate::config::DatabaseUrl;
use crate::context;
use crate::error::{self, ApiError};
use crate::messages::Message;
use crate::msg;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

/// The time to store: UTC, to the microsecond (PostgreSQL's precision), so
/// that both backends give back exactly what was written.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::SubsecRound;
    chrono::Utc::now().naive_utc().trunc_subsecs(6)
}

/// A connection to either backend; queries are written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// Runs `$body` with `$c` bound to the connection of the backend in use, for
/// the hottest reads: a query run through [`DbConnection`] has its SQL
/// written anew at each execution to find its prepared statement (the
/// multi-backend query has no static type to be found by), a query on the
/// backend's own connection is found by its type (a fifth more reads by id
/// per second on SQLite, measured: bench/RESULTS.md).
macro_rules! on_backend {
    ($conn:expr, |$c:ident| $body:expr) => {
        match $conn {
            $crate::db::DbConnection::Postgres($c) => $body,
            $crate::db::DbConnection::Sqlite($c) => $body,
        }
    };
}
pub(crate) use on_backend;

/// A connection as the pool keeps it: with the time it was last handed out,
/// so that only one that sat idle is tested before use (see [`Db::checkout`]).
/// Derefs to the [`DbConnection`] queries are written against.
pub struct Pooled {
    conn: DbConnection,
    handed_out: Instant,
}

impl Deref for Pooled {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.conn
    }
}

impl DerefMut for Pooled {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.conn
    }
}

/// A connection used this recently is trusted without a test: a request
/// that meets one the server has just dropped gets a 503 and the connection
/// is discarded (as HikariCP's "alive bypass window" does).
const TRUSTED_IDLE: Duration = Duration::from_millis(500);

/// Opens connections for the backend named by the URL's scheme. (Diesel's own
/// manager would try each backend in turn, and SQLite accepts any string as a
/// file name: a mistyped PostgreSQL URL would silently become a file.)
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("cannot connect to the database: {0}")]
    Connection(#[from] ConnectionError),
    #[error("cannot set up the database connection: {0}")]
    Query(#[from] diesel::result::Error),
}

impl ManageConnection for ConnectionManager {
    type Connection = Pooled;
    type Error = ConnectError;

    fn connect(&self) -> Result<Pooled, ConnectError> {
        let conn = match &self.url {
            DatabaseUrl::Postgres(url) => {
                // libpq speaks TLS through OpenSSL. Initialised so, OpenSSL does
                // not free its state in an atexit handler while threads that
                // used it are still ending (a crash at process exit, in
                // `init_thread_deregister`, seen once at the end of a test run).
                openssl_sys::init();
                DbConnection::Postgres(PgConnection::establish(url)?)
            }
            DatabaseUrl::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(path)?;
                // WAL lets readers run beside the one writer; busy_timeout makes
                // a writer wait for the lock instead of failing at once.
                // busy_timeout first: switching to WAL takes a lock that the
                // pool's other new connections wait for.
                // journal_size_limit: a checkpointed log is cut back to 64 MiB.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA journal_size_limit = 67108864;",
                )?;
                DbConnection::Sqlite(conn)
            }
        };
        Ok(Pooled {
            conn,
            handed_out: Instant::now(),
        })
    }

    fn is_valid(&self, conn: &mut Pooled) -> Result<(), ConnectError> {
        Ok(conn.batch_execute("SELECT 1")?)
    }

    /// Broken: a query met a fault of the connection (on this thread, where
    /// the pool takes it back), or a transaction was left open or failed.
    fn has_broken(&self, conn: &mut Pooled) -> bool {
        error::take_connection_fault()
            || match &mut conn.conn {
                DbConnection::Postgres(c) => {
                    AnsiTransactionManager::is_broken_transaction_manager(c)
                }
                DbConnection::Sqlite(c) => AnsiTransactionManager::is_broken_transaction_manager(c),
            }
    }
}

/// How long a request waits for a pooled connection by default before it
/// is answered 503: well below a client's patience.
pub const DEFAULT_POOL_TIMEOUT: Duration = Duration::from_secs(2);

/// How many times a write transaction is tried when the database ends it
/// for a deadlock or a serialization failure.
pub const WRITE_ATTEMPTS: u64 = 3;

/// How long `/readyz` waits for the database before it says why it is not ready.
const READY_TIMEOUT: Duration = Duration::from_millis(800);

/// What the layers above give this one when they open a database: it
/// knows no resource, so the write journal and the seed rows come from
/// start-up (`startup::DB_SETUP`).
#[derive(Clone, Copy)]
pub struct Setup {
    /// What every write transaction writes last (see [`journal`]).
    pub journal: &'static dyn journal::Journal,
    /// Writes the rows a database has from its first migration on (the
    /// criteria-set templates), skipping those already there; run by
    /// [`Db::migrate`] inside the migrations' lock or transaction.
    pub seed: fn(&mut DbConnection) -> Result<(), ApiError>,
}

/// The pool shared by all workers.
#[derive(Clone)]
pub struct Db {
    pool: Pool<ConnectionManager>,
    seed: fn(&mut DbConnection) -> Result<(), ApiError>,
    /// SQLite takes one writer at a time: writes wait for their turn in
    /// line, on the event loop, instead of each holding a pooled connection
    /// and a blocking thread while it sleeps in SQLite's busy handler, and
    /// those that wait together are committed together. PostgreSQL (row
    /// locks) has none.
    writer: Option<Arc<group_commit::Writer>>,
    /// Turns at the pool, taken in order of arrival on the event loop before
    /// a blocking thread is asked for: as many as the pool has connections
    /// (one fewer on SQLite, kept for the writer). Without them every request
    /// took a blocking thread that slept on the pool, where a connection
    /// given back goes to whichever thread wakes first, not the one waiting
    /// longest: more threads than cores to schedule, and a long tail.
    turns: Arc<Semaphore>,
    /// The SQLite database file, whose file system `/readyz` watches.
    sqlite_file: Option<std::path::PathBuf>,
}

impl Db {
    /// Opens the pool and applies pending migrations.
    pub fn connect(
        url: &DatabaseUrl,
        pool_size: u32,
        timeout: Duration,
        setup: Setup,
    ) -> anyhow::Result<Self> {
        let db = Self::open(url, pool_size, timeout, setup)?;
        db.migrate()?;
        Ok(db)
    }

    /// Opens the pool without migrating. `timeout` bounds the wait for a
    /// connection (and so for a database that does not answer).
    pub fn open(
        url: &DatabaseUrl,
        pool_size: u32,
        timeout: Duration,
        setup: Setup,
    ) -> anyhow::Result<Self> {
        journal::install(setup.journal);
        // No `SELECT 1` before every use: `checkout` tests only a connection
        // that sat idle, and a faulty one is dropped when given back.
        let pool = Pool::builder()
            .max_size(pool_size)
            .connection_timeout(timeout)
            .test_on_check_out(false)
            .build(ConnectionManager { url: url.clone() })?;
        let writer =
            matches!(url, DatabaseUrl::Sqlite(_)).then(|| Arc::new(group_commit::Writer::new()));
        let sqlite_file = match url {
            DatabaseUrl::Sqlite(path) => Some(path.into()),
            DatabaseUrl::Postgres(_) => None,
        };
        let kept_for_writer = u32::from(writer.is_some());
        let turns = Arc::new(Semaphore::new(
            pool_size.saturating_sub(kept_for_writer).max(1) as usize,
        ));
        Ok(Self {
            pool,
            seed: setup.seed,
            writer,
            turns,
            sqlite_file,
        })
    }

    /// Applies every pending migration of the backend and seeds the
    /// templates; returns how many migrations ran. Instances started together
    /// take turns instead of racing to create the same tables (the later ones
    /// find nothing pending): on PostgreSQL the whole of it holds an advisory
    /// lock; on SQLite it is one exclusive transaction (each migration a
    /// savepoint inside it), which the other processes wait for.
    pub fn migrate(&self) -> anyhow::Result<usize> {
        let mut conn = self.connection()?;
        match &mut **conn {
            DbConnection::Postgres(c) => {
                c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
                let result = migrate_and_seed(&mut conn, self.seed);
                if let DbConnection::Postgres(c) = &mut **conn {
                    c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))?;
                }
                result
            }
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN EXCLUSIVE")?;
                type Manager = <DbConnection as Connection>::TransactionManager;
                match migrate_and_seed(&mut conn, self.seed) {
                    Ok(applied) => {
                        Manager::commit_transaction(&mut *conn)?;
                        Ok(applied)
                    }
                    Err(error) => {
                        let _ = Manager::rollback_transaction(&mut *conn);
                        Err(error)
                    }
                }
            }
        }
    }

    /// Writes a consistent copy of a SQLite database to `to` while it is in
    /// use (`VACUUM INTO`: one read transaction, so writers go on); the copy
    /// is a database of its own, ready to serve or to check. PostgreSQL is
    /// backed up with its own tools (`pg_dump`), as the README says.
    pub fn backup(&self, to: &std::path::Path) -> anyhow::Result<()> {
        if to.exists() {
            anyhow::bail!("{} exists already: name a new file", to.display());
        }
        let mut conn = self.connection()?;
        match &mut **conn {
            DbConnection::Sqlite(c) => {
                let target = to.to_string_lossy().replace('\'', "''");
                c.batch_execute(&format!("VACUUM INTO '{target}'"))?;
                Ok(())
            }
            DbConnection::Postgres(_) => anyhow::bail!(
                "back up PostgreSQL with pg_dump (see the README's \"Backups\"); \
                 `khuyenhoc backup` copies SQLite databases"
            ),
        }
    }

    /// Whether the database answers and has every migration applied, within
    /// a second whatever the database does; for SQLite, also whether its file
    /// system has room to write.
    pub async fn ready(&self) -> Result<(), ApiError> {
        let pool = self.pool.clone();
        let sqlite_file = self.sqlite_file.clone();
        let check = web::block(move || {
            if let Some(problem) = sqlite_file.as_deref().and_then(disk_problem) {
                return Err(ApiError::unavailable(problem));
            }
            let mut conn = checkout(&pool, READY_TIMEOUT).map_err(|e| {
                ApiError::unavailable(msg!(
                    "db-not-connected",
                    seconds = READY_TIMEOUT.as_secs_f64(),
                    reason = e.message().clone()
                ))
            })?;
            let pending = match &mut **conn {
                DbConnection::Postgres(c) => c.has_pending_migration(POSTGRES_MIGRATIONS),
                DbConnection::Sqlite(c) => c.has_pending_migration(SQLITE_MIGRATIONS),
            };
            match pending {
                Ok(false) => Ok(()),
                Ok(true) => Err(ApiError::unavailable(msg!("db-migrations-pending"))),
                Err(e) => {
                    error::note_connection_fault();
                    log::warn!("database not ready: {e}");
                    Err(ApiError::unavailable(msg!("db-not-ready")))
                }
            }
        });
        match tokio::time::timeout(READY_TIMEOUT + Duration::from_millis(150), check).await {
            Ok(result) => result?,
            Err(_) => Err(ApiError::unavailable(msg!("db-no-answer"))),
        }
    }

    /// A pooled connection, for start-up and the command line (not for handlers:
    /// they use [`Db::run`], off the event loop).
    pub fn connection(&self) -> Result<PooledConnection<ConnectionManager>, ApiError> {
        checkout(&self.pool, self.pool.connection_timeout())
    }

    /// Runs `f` on a pooled connection on the blocking thread pool.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let pool = self.pool.clone();
        let waited = Instant::now();
        let turn = tokio::time::timeout(
            pool.connection_timeout(),
            self.turns.clone().acquire_owned(),
        )
        .await
        .map_err(|_| {
            log::warn!(
                "database pool (request {}): no turn within {:?}",
                context::log_id(),
                pool.connection_timeout()
            );
            ApiError::unavailable(msg!("db-no-free-connection"))
        })?
        .map_err(ApiError::internal)?;
        let left = pool.connection_timeout().saturating_sub(waited.elapsed());
        let context = context::current();
        web::block(move || {
            let _turn = turn;
            context::within(context, || {
                let mut conn = checkout(&pool, left)?;
                f(&mut conn)
            })
        })
        .await?
    }

    /// Runs `f` in one write transaction: all of it is committed, or none.
    /// A transaction PostgreSQL ends for a deadlock or a serialization
    /// failure is run again (up to [`WRITE_ATTEMPTS`] times, after a short
    /// pause), so `f` may run more than once and must only write through
    /// `conn`. On SQLite, `f` runs in a savepoint of a transaction shared with
    /// the writes queued beside it (see [`group_commit`]), and is answered
    /// once that transaction is committed.
    pub async fn write<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: Fn(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        match &self.writer {
            Some(writer) => writer.write(&self.pool, f).await,
            None => self.run(move |conn| with_retries(conn, &f)).await,
        }
    }

    /// Runs `f` on a connection while holding the writer's turn (SQLite), for
    /// work that makes transactions of its own (`write_transaction` per batch
    /// of an import). Not retried: `f` runs once.
    pub async fn with_writer<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<T, ApiError> + Send + 'static,
    {
        let _turn = match &self.writer {
            Some(writer) => Some(writer.turn.acquire().await.map_err(ApiError::internal)?),
            None => None,
        };
        self.run(f).await
    }

    /// Keeps SQLite's write-ahead log bounded: every `every`, in a pause
    /// between writes (it takes the writer's turn), the log is checkpointed
    /// into the database and truncated. Does nothing on PostgreSQL.
    pub fn keep_wal_bounded(&self, every: Duration) {
        let Some(writer) = self.writer.clone() else {
            return;
        };
        let db = self.clone();
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(every).await;
                let Ok(_turn) = writer.turn.acquire().await else {
                    return;
                };
                let checkpoint = db
                    .run(|conn| Ok(conn.batch_execute("PRAGMA wal_checkpoint(TRUNCATE)")?))
                    .await;
                if let Err(error) = checkpoint {
                    log::warn!("checkpointing the write-ahead log: {error}");
                }
            }
        });
    }
}

/// A connection from the pool within `timeout`, tested first if it sat
/// idle longer than [`TRUSTED_IDLE`] (the server may have dropped it
/// meanwhile: restarted, or an idle timeout of its own). One that fails the
/// test is dropped and the next one taken.
fn checkout(
    pool: &Pool<ConnectionManager>,
    timeout: Duration,
) -> Result<PooledConnection<ConnectionManager>, ApiError> {
    let deadline = Instant::now() + timeout;
    loop {
        // A fault noted earlier on this thread was a connection's already given back.
        error::take_connection_fault();
        let left = deadline.saturating_duration_since(Instant::now());
        let mut conn = pool.get_timeout(left)?;
        let idle = conn.handed_out.elapsed();
        conn.handed_out = Instant::now();
        if idle < TRUSTED_IDLE || conn.batch_execute("SELECT 1").is_ok() {
            return Ok(conn);
        }
        // Dropped (not given back) by `has_broken`.
        error::note_connection_fault();
    }
}

/// Below this much free space on the SQLite database's file system the
/// instance says it is not ready: writes are about to fail for a full disk.
pub const MIN_FREE_BYTES: u64 = 1 << 20;

/// Why the file system of a SQLite database cannot take writes, if it cannot.
fn disk_problem(file: &std::path::Path) -> Option<Message> {
    use rustix::fs::StatVfsMountFlags;
    let dir = match file.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let stats = rustix::fs::statvfs(dir).ok()?;
    if stats.f_flag.contains(StatVfsMountFlags::RDONLY) {
        return Some(msg!("disk-read-only", dir = dir.display().to_string()));
    }
    let free = stats.f_bavail.saturating_mul(stats.f_frsize);
    (free < MIN_FREE_BYTES).then(|| {
        msg!(
            "disk-full",
            free = free,
            dir = dir.display().to_string(),
            needed = MIN_FREE_BYTES
        )
    })
}

/// The PostgreSQL advisory lock key that serialises migrations ("khuc").
const MIGRATION_LOCK: i64 = 0x6B68_7563;

fn migrate_and_seed(
    conn: &mut DbConnection,
    seed: fn(&mut DbConnection) -> Result<(), ApiError>,
) -> anyhow::Result<usize> {
    let applied = match conn {
        DbConnection::Postgres(c) => c
            .run_pending_migrations(POSTGRES_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!(e))?
            .len(),
        DbConnection::Sqlite(c) => c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| anyhow::anyhow!(e))?
            .len(),
    };
    // The seed rows belong to the schema: a fresh database has them. On
    // SQLite this runs inside the caller's exclusive transaction.
    match conn {
        DbConnection::Postgres(_) => write_transaction(conn, seed),
        DbConnection::Sqlite(_) => seed(conn),
    }
    .map_err(|e| anyhow::anyhow!("seeding the database: {e}"))?;
    Ok(applied)
}

/// Rows per multi-row `INSERT`: within SQLite's 32,766 bound values for
/// tables of up to 65 columns.
pub const ROWS_PER_INSERT: usize = 500;

/// From how many rows PostgreSQL gets a `COPY` rather than an `INSERT`
/// (a `COPY` costs more round trips, and pays off on many rows).
pub const ROWS_FOR_COPY: usize = 100;

/// Inserts `rows` (a slice of one table's `Insertable` rows, derived with
/// `treat_none_as_default_value = false`) in few statements: multi-row
/// `INSERT`s, or on PostgreSQL one binary `COPY … FROM STDIN` for many rows.
/// How many rows went in. (A macro: each backend needs its own bounds.)
#[macro_export]
macro_rules! insert_many {
    ($conn:expr, $table:expr, $rows:expr) => {{
        let rows = $rows;
        match $conn {
            $crate::db::DbConnection::Postgres(c) if rows.len() >= $crate::db::ROWS_FOR_COPY => {
                diesel::copy_from($table).from_insertable(rows).execute(c)?
            }
            $crate::db::DbConnection::Postgres(c) => $crate::insert_many!(@values c, $table, rows),
            $crate::db::DbConnection::Sqlite(c) => $crate::insert_many!(@values c, $table, rows),
        }
    }};
    (@values $c:expr, $table:expr, $rows:expr) => {{
        let mut inserted = 0;
        for chunk in $rows.chunks($crate::db::ROWS_PER_INSERT) {
            inserted += diesel::insert_into($table).values(chunk).execute($c)?;
        }
        inserted
    }};
}
pub use insert_many;

/// [`write_transaction`], run again (up to [`WRITE_ATTEMPTS`] times, after a
/// short pause) when the database ends it for a deadlock or a serialization failure.
fn with_retries<T, F>(conn: &mut DbConnection, f: &F) -> Result<T, ApiError>
where
    F: Fn(&mut DbConnection) -> Result<T, ApiError>,
{
    let mut attempt = 1;
    loop {
        match write_transaction(conn, f) {
            Err(error) if error.is_transient() && attempt < WRITE_ATTEMPTS => {
                log::info!(
                    "request {}: retrying a transaction the database ended ({})",
                    context::log_id(),
                    error
                );
                std::thread::sleep(Duration::from_millis(10 * attempt));
                attempt += 1;
            }
            result => return result,
        }
    }
}

/// A transaction that takes SQLite's write lock at its start (`BEGIN
/// IMMEDIATE`). A deferred transaction that reads and then writes can fail at
/// once with "database is locked" when another writer got in between, since
/// SQLite cannot wait there without a deadlock; an immediate one waits its turn
/// (busy_timeout). PostgreSQL takes row locks as it goes.
/// Inside a transaction already open (a write of a group, see
/// [`group_commit`]), it is a savepoint of that transaction instead.
pub fn write_transaction<T, F>(conn: &mut DbConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    write_transaction_or_roll_back(conn, |conn| f(conn).map(|value| (value, true)))
}

/// [`write_transaction`] where `f` also says whether to commit (`true`) or
/// to roll everything back and still answer its value (a dry run).
pub fn write_transaction_or_roll_back<T, F>(conn: &mut DbConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<(T, bool), ApiError>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    // Within a group's transaction: a savepoint, whose events are staged
    // after the group's others and written with them at the group's commit.
    let nested = group_commit::depth(conn) > 0;
    if nested {
        Manager::begin_transaction(conn)?;
    } else {
        match conn {
            DbConnection::Sqlite(c) => {
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
            }
            DbConnection::Postgres(c) => AnsiTransactionManager::begin_transaction(c)?,
        }
        journal::get().discard();
    }
    let journal = journal::get();
    let mark = journal.mark();
    // The derived connection's transaction manager hands each call to the
    // inner connection's, so the transaction begun above is the one ended here.
    // The change-feed events the writes staged go last, just before the commit.
    match f(conn).and_then(|(value, commit)| {
        if commit && !nested {
            journal.flush(conn).map(|()| (value, commit))
        } else {
            Ok((value, commit))
        }
    }) {
        Ok((value, true)) => {
            // What belongs to this write alone (a request's idempotency
            // claim) is committed with it, so a retry never makes it twice.
            if let Err(error) = journal.write_done(conn) {
                journal.roll_back_to(mark);
                let _ = Manager::rollback_transaction(conn);
                return Err(error);
            }
            Manager::commit_transaction(conn)?;
            if !nested {
                journal.committed();
            }
            Ok(value)
        }
        Ok((value, false)) => {
            journal.roll_back_to(mark);
            Manager::rollback_transaction(conn)?;
            Ok(value)
        }
        Err(error) => {
            journal.roll_back_to(mark);
            if let Err(rollback) = Manager::rollback_transaction(conn) {
                log::error!("rollback failed: {rollback}");
            }
            Err(error)
        }
    }
}

/// Runs `f` in a read-only transaction that sees one snapshot of the
/// database, so that the several queries of a report agree with each other
/// when writes happen meanwhile. SQLite (WAL) reads one snapshot from the
/// first read of a transaction; PostgreSQL needs REPEATABLE READ for it.
pub fn read_snapshot<T, F>(conn: &mut DbConnection, f: F) -> Result<T, ApiError>
where
    F: FnOnce(&mut DbConnection) -> Result<T, ApiError>,
{
    conn.transaction(|conn| {
        if let DbConnection::Postgres(c) = conn {
            c.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        f(conn)
    })
}

#[cfg(test)]
mod tests {
    use diesel::prelude::*;
    use diesel::sql_types::Text;

    #[derive(QueryableByName)]
    struct CompileOption {
        #[diesel(sql_type = Text)]
        compile_options: String,
    }

    #[test]
    fn the_bundled_sqlite_is_built_for_many_threads_and_stable_plans() {
        // Set by .cargo/config.toml: without them every allocation or page
        // read takes a global mutex, and statements with a bound LIMIT are
        // prepared again at each execution.
        let mut conn = SqliteConnection::establish(":memory:").unwrap();
        let options: Vec<String> = diesel::sql_query("PRAGMA compile_options")
            .load::<CompileOption>(&mut conn)
            .unwrap()
            .into_iter()
            .map(|o| o.compile_options)
            .collect();
        assert!(options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"));
        assert!(options.iter().any(|o| o == "ENABLE_QPSG"));
        assert!(!options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"));
    }
}
