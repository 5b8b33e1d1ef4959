//! Change events: staged by the audit record of each write, written at the
//! end of the write's transaction, read in `seq` order.

use std::cell::{Cell, RefCell};

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

use crate::db::schema::changes::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::tree::subtree_end;

/// Resources that are not data to keep in sync: tokens hold credentials,
/// users personal data.
const NOT_IN_THE_FEED: [&str; 3] = ["token", "user", "webhook"];

/// The PostgreSQL advisory lock that writers hold from writing their events
/// to their commit ("khch"), so that `seq` order is commit order.
const FEED_LOCK: i64 = 0x6B68_6368;

/// One change a write made, as the audit trail records it and the feed
/// tells it.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    /// `create`, `update`, `delete`, `issue`, `revoke`, …
    pub action: &'static str,
    /// `association`, `token`, …
    pub resource_type: &'static str,
    pub resource_id: &'a str,
    pub version_before: Option<i64>,
    pub version_after: Option<i64>,
    /// The tree path of the association the change belongs to; `None` when
    /// it belongs to the whole tree.
    pub scope_path: Option<&'a str>,
}

#[derive(Debug, Clone, Queryable)]
pub struct ChangeRow {
    pub seq: i64,
    pub resource_type: String,
    pub resource_id: String,
    pub op: String,
    pub version: Option<i64>,
    pub changed_at: NaiveDateTime,
    pub scope_path: Option<String>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = changes, treat_none_as_default_value = false)]
struct NewChange {
    resource_type: &'static str,
    resource_id: String,
    op: &'static str,
    version: Option<i64>,
    scope_path: Option<String>,
}

thread_local! {
    /// The events of the write transaction running on this thread. A write
    /// runs on one blocking thread from begin to commit (`db::write_transaction`).
    static STAGED: RefCell<Vec<NewChange>> = const { RefCell::new(Vec::new()) };
    /// Whether the transaction running on this thread wrote events.
    static FLUSHED: Cell<bool> = const { Cell::new(false) };
}

/// Told when a transaction that wrote events commits.
static COMMITS: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Stages the event of an audited change; `flush` writes it before commit.
pub fn stage(change: &Change<'_>) {
    // Only what made a new version or deleted one: not a refusal written to
    // the audit trail, nor the import event that sums up its rows.
    if NOT_IN_THE_FEED.contains(&change.resource_type)
        || change.version_before == change.version_after
    {
        return;
    }
    let (op, version) = match change.action {
        "delete" => ("delete", change.version_before),
        _ => ("upsert", change.version_after),
    };
    let event = NewChange {
        resource_type: change.resource_type,
        resource_id: change.resource_id.to_owned(),
        op,
        version,
        scope_path: change.scope_path.map(str::to_owned),
    };
    STAGED.with_borrow_mut(|staged| staged.push(event));
}

/// How many events are staged: [`forget_since`] takes back those staged
/// after, when a savepoint rolls back their writes.
pub fn staged() -> usize {
    STAGED.with_borrow(Vec::len)
}

/// Forgets the events staged since [`staged`] said `mark`.
pub fn forget_since(mark: usize) {
    STAGED.with_borrow_mut(|staged| staged.truncate(mark));
}

/// Forgets the staged events (a transaction begins, or is rolled back).
pub fn discard() {
    STAGED.with_borrow_mut(Vec::clear);
    FLUSHED.set(false);
}

/// The transaction of this thread committed: if it wrote events, whoever
/// waits in [`next_commit`] wakes.
pub fn committed() {
    if FLUSHED.replace(false) {
        COMMITS.notify_one();
    }
}

/// Resolves after a transaction of this process that wrote events has
/// committed (at once if one did since the last wait). One waiter: the
/// webhooks' dispatcher.
pub async fn next_commit() {
    COMMITS.notified().await;
}

/// Writes the staged events: the last statements of a write transaction.
/// On PostgreSQL the feed's lock is taken first and held to the commit, so
/// a transaction that takes its numbers later also commits later.
pub fn flush(conn: &mut DbConnection) -> Result<(), ApiError> {
    let staged = STAGED.with_borrow_mut(std::mem::take);
    if staged.is_empty() {
        return Ok(());
    }
    if let DbConnection::Postgres(c) = conn {
        c.batch_execute(&format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"))?;
    }
    crate::db::insert_many!(conn, changes::table, &staged);
    FLUSHED.set(true);
    Ok(())
}

/// The filters of the feed.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    /// Only these resource types; all when empty.
    pub types: Vec<String>,
    /// The caller's scope path: events of its subtree only.
    pub scope: Option<String>,
}

/// Up to `limit` events after `after`, in `seq` order.
pub fn list(
    conn: &mut DbConnection,
    filter: &FeedFilter,
    after: i64,
    limit: i64,
) -> Result<Vec<ChangeRow>, ApiError> {
    let mut query = changes::table
        .filter(dsl::seq.gt(after))
        .into_boxed::<MultiBackend>();
    if !filter.types.is_empty() {
        query = query.filter(dsl::resource_type.eq_any(filter.types.clone()));
    }
    if let Some(scope) = &filter.scope {
        query = query
            .filter(dsl::scope_path.ge(scope.clone()))
            .filter(dsl::scope_path.lt(subtree_end(scope)));
    }
    Ok(query.order(dsl::seq.asc()).limit(limit).load(conn)?)
}

/// The event `seq`, if it is kept.
pub fn find(conn: &mut DbConnection, seq: i64) -> Result<Option<ChangeRow>, ApiError> {
    Ok(changes::table.find(seq).first(conn).optional()?)
}

/// The `seq` of the latest event; 0 when there is none.
pub fn head(conn: &mut DbConnection) -> Result<i64, ApiError> {
    let latest: Option<i64> = changes::table
        .select(diesel::dsl::max(dsl::seq))
        .first(conn)?;
    Ok(latest.unwrap_or(0))
}
