//! Associations in the database: the row, and every query and write on it.
//!
//! The tree is a materialised path (see the migration): `path` lists the ids
//! from the root down to the row itself, so a subtree is one index range and
//! the ancestors are read off the path without a recursive query.

use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::dsl::{count_star, sql};
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Text};

use super::rules::{AssociationFields, Level};
use crate::audit::model::record;
use crate::auth::Actor;
use crate::changes::model::Change;
use crate::db::schema::associations::{self, dsl};
use crate::db::{now, on_backend, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest, SortKey};
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::resource::dependants;
use crate::text;
use crate::tree::{in_scope, subtree_end};

/// The fields a list may be sorted by.
pub const SORT_FIELDS: [&str; 2] = ["name", "code"];

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = associations, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AssociationRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub search_text: String,
    pub level: String,
    pub parent_id: Option<String>,
    pub path: String,
    pub depth: i32,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub chair_name: Option<String>,
    pub founded_on: Option<chrono::NaiveDate>,
    pub dissolved_on: Option<chrono::NaiveDate>,
    pub successor_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AssociationRow {
    pub fn level(&self) -> Level {
        // The column has a CHECK constraint listing exactly these values.
        Level::parse(&self.level).unwrap_or(Level::Branch)
    }

    /// The ids above this association, root first.
    pub fn ancestor_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self
            .path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        ids.pop();
        ids
    }

    pub fn fields(&self) -> AssociationFields {
        AssociationFields {
            code: self.code.clone(),
            name: self.name.clone(),
            level: self.level(),
            parent_id: self.parent_id.clone(),
            address: self.address.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            chair_name: self.chair_name.clone(),
            founded_on: self.founded_on,
            dissolved_on: self.dissolved_on,
            successor_id: self.successor_id.clone(),
        }
    }

    fn set_fields(&mut self, fields: AssociationFields) {
        self.search_text = text::fold(&format!("{} {}", fields.name, fields.code));
        self.code = fields.code;
        self.name = fields.name;
        self.level = fields.level.as_str().to_owned();
        self.parent_id = fields.parent_id;
        self.address = fields.address;
        self.phone = fields.phone;
        self.email = fields.email;
        self.chair_name = fields.chair_name;
        self.founded_on = fields.founded_on;
        self.dissolved_on = fields.dissolved_on;
        self.successor_id = fields.successor_id;
    }

    /// Places the row under `parent` (or at a root).
    fn place_under(&mut self, parent: Option<&AssociationRow>) {
        let parent_path = parent.map_or("/", |p| p.path.as_str());
        self.path = format!("{parent_path}{}/", self.id);
        self.depth = parent.map_or(0, |p| p.depth + 1);
    }
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<AssociationRow>, ApiError> {
    // Ids are UUIDs: anything else names nothing, and need not reach the database.
    if uuid::Uuid::try_parse(id).is_err() {
        return Ok(None);
    }
    let query = associations::table.find(id);
    Ok(on_backend!(conn, |c| query.first(c)).optional()?)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<AssociationRow, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::not_found(msg!("noun-association")))
}

/// An association the caller may see; 404 for one outside its scope, as for
/// one that does not exist.
pub fn get_visible(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<AssociationRow, ApiError> {
    find(conn, id)?
        .filter(|row| in_scope(scope, &row.path))
        .ok_or_else(|| ApiError::not_found(msg!("noun-association")))
}

/// How a write depends on an association it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Hold {
    /// Its place in the tree (path, depth, level, being there at all) must
    /// not change until the write commits: a parent, a new parent.
    Position,
    /// The row itself is written as well: the association updated or deleted.
    Row,
}

/// How many times [`hold`] follows paths that moved while it waited.
const HOLD_ROUNDS: usize = 8;

/// Reads the associations a tree write depends on, after locking what keeps
/// them true until the transaction ends, and returns them in the order asked
/// (`None` for one that does not exist).
///
/// Paths are copies of the ancestors' ids, so a write that reads a path and
/// writes one (a create under a parent, a move) races every move above it.
/// On PostgreSQL the rows decide: every row on each path is locked FOR SHARE
/// and a written row FOR UPDATE, all in id order (so two writes locking the
/// same rows cannot deadlock), and the rows are read again once locked. A
/// move locks its row FOR UPDATE and rewrites every row below it, so it waits
/// for the writes that hold any of them and they wait for it; a write that
/// waited reads the path the move left, and holds that path in turn. SQLite
/// needs none of it: a write transaction there (`BEGIN IMMEDIATE`) is the
/// only writer.
pub fn hold(
    conn: &mut DbConnection,
    targets: &[(&str, Hold)],
) -> Result<Vec<Option<AssociationRow>>, ApiError> {
    let read = |conn: &mut DbConnection| -> Result<Vec<Option<AssociationRow>>, ApiError> {
        targets.iter().map(|(id, _)| find(conn, id)).collect()
    };
    let mut rows = read(conn)?;
    if !matches!(conn, DbConnection::Postgres(_)) {
        return Ok(rows);
    }
    let mut locked: BTreeMap<String, Hold> = BTreeMap::new();
    for _ in 0..HOLD_ROUNDS {
        let mut wanted: BTreeMap<String, Hold> = BTreeMap::new();
        for ((_, how), row) in targets.iter().zip(&rows) {
            let Some(row) = row else { continue };
            for ancestor in row.ancestor_ids() {
                wanted.entry(ancestor).or_insert(Hold::Position);
            }
            let entry = wanted.entry(row.id.clone()).or_insert(*how);
            *entry = (*entry).max(*how);
        }
        wanted.retain(|id, how| locked.get(id).is_none_or(|held| held < how));
        lock_rows(conn, &wanted)?;
        locked.extend(wanted);
        let again = read(conn)?;
        let paths = |rows: &[Option<AssociationRow>]| -> Vec<Option<String>> {
            rows.iter()
                .map(|r| r.as_ref().map(|r| r.path.clone()))
                .collect()
        };
        if paths(&again) == paths(&rows) {
            return Ok(again);
        }
        rows = again;
    }
    Err(ApiError::unavailable(msg!("tree-kept-changing")))
}

/// Locks the rows in id order (PostgreSQL only): each run of rows held the
/// same way in one statement, whose ORDER BY is the order rows are locked in.
fn lock_rows(conn: &mut DbConnection, rows: &BTreeMap<String, Hold>) -> Result<(), ApiError> {
    let DbConnection::Postgres(pg) = conn else {
        return Ok(());
    };
    let mut rows = rows.iter().peekable();
    while let Some((id, how)) = rows.next() {
        let mut run = vec![id.clone()];
        while let Some((id, _)) = rows.next_if(|(_, next)| *next == how) {
            run.push(id.clone());
        }
        let query = associations::table
            .filter(dsl::id.eq_any(run))
            .order(dsl::id)
            .select(dsl::id);
        match how {
            Hold::Position => query.for_share().execute(pg)?,
            Hold::Row => query.for_update().execute(pg)?,
        };
    }
    Ok(())
}

fn audit(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    before: Option<&AssociationRow>,
    after: Option<&AssociationRow>,
) -> Result<(), ApiError> {
    let Some(row) = after.or(before) else {
        return Ok(());
    };
    record(
        conn,
        actor,
        Change {
            action,
            resource_type: "association",
            resource_id: &row.id,
            version_before: before.map(|r| r.version),
            version_after: after.map(|r| r.version),
            scope_path: Some(&row.path),
        },
    )
}

/// Creates an association with the given id (an import keeps the ids it is
/// given) or a new one.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: Option<String>,
    fields: AssociationFields,
) -> Result<AssociationRow, ApiError> {
    let parent = match fields.parent_id.as_deref() {
        Some(parent_id) => hold(conn, &[(parent_id, Hold::Position)])?.pop().flatten(),
        None => None,
    };
    let parent = check_new_parent(
        scope,
        fields.parent_id.as_deref(),
        parent,
        fields.level,
        None,
    )?;
    check_successor(conn, scope, fields.successor_id.as_deref(), None)?;
    // A code taken is refused by the table's unique key (409 DUPLICATE_CODE),
    // as it must be anyway for two creates racing with one code.
    let now = now();
    let mut row = AssociationRow {
        id: id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        code: String::new(),
        name: String::new(),
        search_text: String::new(),
        level: String::new(),
        parent_id: None,
        path: String::new(),
        depth: 0,
        address: None,
        phone: None,
        email: None,
        chair_name: None,
        founded_on: None,
        dissolved_on: None,
        successor_id: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.set_fields(fields);
    row.place_under(parent.as_ref());
    let created: AssociationRow = diesel::insert_into(associations::table)
        .values(&row)
        .returning(associations::all_columns)
        .get_result(conn)?;
    audit(conn, actor, "create", None, Some(&created))?;
    Ok(created)
}

/// Applies `change` to the stored fields and writes the result, keeping the
/// tree consistent; moving an association moves its whole subtree.
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    change: impl Fn(AssociationFields) -> Result<AssociationFields, ApiError>,
) -> Result<AssociationRow, ApiError> {
    let read = get_visible(conn, scope, id)?;
    // An invalid body is a 422 whatever the precondition (RFC 9110 §13.2.1:
    // preconditions are evaluated after the request itself is found valid).
    let planned = change(read.fields())?.validated()?;
    if_match.check(read.version)?;
    if planned == read.fields() {
        return Ok(read);
    }
    // The row is written and its place in the tree must hold; so must the
    // new parent's when it moves (the one planned from the unlocked read).
    let mut targets = vec![(id, Hold::Row)];
    if let Some(parent_id) = planned.parent_id.as_deref() {
        targets.push((parent_id, Hold::Position));
    }
    let mut held = hold(conn, &targets)?.into_iter();
    let current = held
        .next()
        .flatten()
        .filter(|row| in_scope(scope, &row.path))
        .ok_or_else(|| ApiError::not_found(msg!("noun-association")))?;
    let mut parent = held.next().flatten();
    if_match.check(current.version)?;
    // Another write got in before the lock: the change applies to what it
    // left. A parent it did not plan for is the current one, held already
    // as an ancestor of the row.
    let fields = if current.version == read.version {
        planned
    } else {
        let fields = change(current.fields())?.validated()?;
        if fields.parent_id != planned.parent_id {
            parent = match fields.parent_id.as_deref() {
                Some(parent_id) => find(conn, parent_id)?,
                None => None,
            };
        }
        fields
    };
    if fields == current.fields() {
        return Ok(current);
    }
    let moving = fields.parent_id != current.parent_id;
    let mut row = current.clone();
    if moving {
        if scope == Some(current.path.as_str()) {
            return Err(ApiError::forbidden("SCOPE_ROOT", msg!("scope-root-move")));
        }
        let parent = check_new_parent(
            scope,
            fields.parent_id.as_deref(),
            parent,
            fields.level,
            Some(&current),
        )?;
        row.place_under(parent.as_ref());
    } else if fields.level != current.level() {
        if let Some(parent) = &parent {
            check_level_order(parent.level(), fields.level)?;
        }
    }
    if fields.level != current.level() {
        check_children_below(conn, id, fields.level)?;
    }
    if fields.successor_id != current.successor_id {
        check_successor(conn, scope, fields.successor_id.as_deref(), Some(id))?;
    }
    if fields.code != current.code {
        check_code_free(conn, &fields.code, Some(id))?;
    }
    row.set_fields(fields);
    row.version = current.version + 1;
    row.updated_at = now();

    let updated: Option<AssociationRow> = diesel::update(
        associations::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .set(&row)
    .returning(associations::all_columns)
    .get_result(conn)
    .optional()?;
    let updated = updated.ok_or_else(|| concurrent_change(if_match, current.version))?;
    if updated.path != current.path {
        move_descendants(conn, &current, &updated)?;
    }
    audit(conn, actor, "update", Some(&current), Some(&updated))?;
    Ok(updated)
}

/// Rewrites the paths below a moved association; their `ancestor_ids`
/// change, so each is a new version.
fn move_descendants(
    conn: &mut DbConnection,
    before: &AssociationRow,
    after: &AssociationRow,
) -> Result<(), ApiError> {
    diesel::define_sql_function!(fn substr(text: Text, start: Integer) -> Text);
    let tail_start = i32::try_from(before.path.len() + 1).map_err(ApiError::internal)?;
    diesel::update(
        associations::table
            .filter(dsl::path.gt(&before.path))
            .filter(dsl::path.lt(subtree_end(&before.path))),
    )
    .set((
        dsl::path.eq(after
            .path
            .clone()
            .into_sql::<Text>()
            .concat(substr(dsl::path, tail_start))),
        dsl::depth.eq(dsl::depth + (after.depth - before.depth)),
        dsl::version.eq(dsl::version + 1),
        dsl::updated_at.eq(after.updated_at),
    ))
    .execute(conn)?;
    Ok(())
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    // Locked first: a child created meanwhile either committed before (and is
    // counted below) or waits for this delete and finds its parent gone.
    let current = hold(conn, &[(id, Hold::Row)])?
        .pop()
        .flatten()
        .filter(|row| in_scope(scope, &row.path))
        .ok_or_else(|| ApiError::not_found(msg!("noun-association")))?;
    if_match.check(current.version)?;
    let children: i64 = associations::table
        .filter(dsl::parent_id.eq(id))
        .select(count_star())
        .get_result(conn)?;
    if children > 0 {
        return Err(ApiError::conflict(
            "HAS_CHILDREN",
            msg!("association-has-children", count = children),
        ));
    }
    // What else hangs from it (units, citizens, households, assessments,
    // its history, …) says so itself: see `resource::dependants`.
    dependants::refuse_delete(conn, "association", id)?;
    let successors_of: i64 = associations::table
        .filter(dsl::successor_id.eq(id))
        .select(count_star())
        .get_result(conn)?;
    if successors_of > 0 {
        return Err(ApiError::conflict(
            "IS_SUCCESSOR",
            msg!("association-is-successor", count = successors_of),
        ));
    }
    let deleted = diesel::delete(
        associations::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(concurrent_change(if_match, current.version));
    }
    audit(conn, actor, "delete", Some(&current), None)
}

fn concurrent_change(if_match: &IfMatch, version: i64) -> ApiError {
    if if_match.is_absent() {
        ApiError::conflict("CONCURRENT_UPDATE", msg!("association-changed-meanwhile"))
    } else {
        ApiError::precondition_failed(version, true)
    }
}

/// Checks the parent an association is created under or moved to (`parent`:
/// the row `parent_id` names, read under [`hold`]). Both ends stay in the
/// caller's scope: the root takes a token for the whole tree, and a parent
/// outside the scope is reported like a missing one.
fn check_new_parent(
    scope: Option<&str>,
    parent_id: Option<&str>,
    parent: Option<AssociationRow>,
    level: Level,
    moving: Option<&AssociationRow>,
) -> Result<Option<AssociationRow>, ApiError> {
    if parent_id.is_none() {
        return match scope {
            None => Ok(None),
            Some(_) => Err(ApiError::forbidden(
                "OUTSIDE_SCOPE",
                msg!("root-needs-whole-tree"),
            )),
        };
    }
    let parent = parent.filter(|p| in_scope(scope, &p.path)).ok_or_else(|| {
        ApiError::invalid_field("/parent_id", "NOT_FOUND", msg!("association-id-unknown"))
    })?;
    if let Some(moving) = moving {
        if parent.path.starts_with(&moving.path) {
            return Err(ApiError::conflict("CYCLE", msg!("move-cycle")));
        }
    }
    check_level_order(parent.level(), level)?;
    if parent.dissolved_on.is_some() {
        return Err(ApiError::conflict(
            "PARENT_DISSOLVED",
            msg!("parent-dissolved"),
        ));
    }
    Ok(Some(parent))
}

fn check_level_order(parent: Level, child: Level) -> Result<(), ApiError> {
    if parent.may_parent(child) {
        Ok(())
    } else {
        Err(ApiError::invalid_field(
            "/parent_id",
            "LEVEL_ORDER",
            msg!("level-order", parent = parent.noun(), child = child.noun()),
        ))
    }
}

fn check_children_below(conn: &mut DbConnection, id: &str, level: Level) -> Result<(), ApiError> {
    let child_levels: Vec<String> = associations::table
        .filter(dsl::parent_id.eq(id))
        .select(dsl::level)
        .distinct()
        .load(conn)?;
    match child_levels
        .iter()
        .filter_map(|l| Level::parse(l))
        .find(|child| !level.may_parent(*child))
    {
        None => Ok(()),
        Some(child) => Err(ApiError::invalid_field(
            "/level",
            "LEVEL_ORDER",
            msg!(
                "level-order-children",
                child = child.noun(),
                level = level.noun()
            ),
        )),
    }
}

/// The successor named must exist and be one the caller sees (reported like
/// a missing one otherwise, so that ids outside the scope reveal nothing).
fn check_successor(
    conn: &mut DbConnection,
    scope: Option<&str>,
    successor_id: Option<&str>,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let Some(successor_id) = successor_id else {
        return Ok(());
    };
    if own_id == Some(successor_id) {
        return Err(ApiError::invalid_field(
            "/successor_id",
            "SELF_REFERENCE",
            msg!("successor-self"),
        ));
    }
    if find(conn, successor_id)?
        .filter(|s| in_scope(scope, &s.path))
        .is_none()
    {
        return Err(ApiError::invalid_field(
            "/successor_id",
            "NOT_FOUND",
            msg!("association-id-unknown"),
        ));
    }
    Ok(())
}

fn check_code_free(
    conn: &mut DbConnection,
    code: &str,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let holder: Option<String> = associations::table
        .filter(dsl::code.eq(code))
        .select(dsl::id)
        .first(conn)
        .optional()?;
    match holder {
        Some(holder) if Some(holder.as_str()) != own_id => Err(ApiError::conflict(
            "DUPLICATE_CODE",
            msg!("association-code-taken-named", code = code),
        )),
        _ => Ok(()),
    }
}

/// The ancestors of an association, root first.
/// Only those the caller sees are listed.
pub fn ancestors(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<Vec<AssociationRow>, ApiError> {
    let row = get_visible(conn, scope, id)?;
    let rows: Vec<AssociationRow> = associations::table
        .filter(dsl::id.eq_any(row.ancestor_ids()))
        .order(dsl::depth.asc())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter(|r| in_scope(scope, &r.path))
        .collect())
}

/// The filters of a list, already parsed.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub parent_id: Option<String>,
    pub level: Option<Level>,
    pub ancestor_id: Option<String>,
    pub q: Option<String>,
    pub updated_since: Option<NaiveDateTime>,
    pub sort: Vec<SortKey>,
    /// The caller's scope: only this subtree, its root included.
    pub scope: Option<String>,
}

impl ListFilter {
    /// Every filter and the sort, for the page-token fingerprint.
    pub fn fingerprint(&self) -> String {
        format!("{self:?}")
    }
}

type Condition = Box<dyn BoxableExpression<associations::table, MultiBackend, SqlType = Bool>>;

/// The rows matching the filters (without paging); `subtree_of` is the path
/// of the association named by `ancestor_id`.
fn filtered(
    filter: &ListFilter,
    subtree_of: Option<&str>,
    plan: Plan,
) -> associations::BoxedQuery<'static, MultiBackend> {
    let mut query = associations::table.into_boxed::<MultiBackend>();
    if let Some(scope) = &filter.scope {
        query = query.filter(path_within(scope, true, plan));
    }
    if let Some(path) = subtree_of {
        // Strictly greater than the ancestor's own path: the ancestor itself
        // is not part of the subtree below it.
        query = query.filter(path_within(path, false, plan));
    }
    if let Some(parent_id) = &filter.parent_id {
        query = query.filter(dsl::parent_id.eq(parent_id.clone()));
    }
    if let Some(level) = filter.level {
        query = query.filter(dsl::level.eq(level.as_str()));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            dsl::search_text
                .like(text::contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some(since) = filter.updated_since {
        query = query.filter(dsl::updated_at.ge(since));
    }
    query
}

/// How a page of the list is read from the path index's range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// The database's choice (a subtree read through the `path` index, then sorted).
    Chosen,
    /// SQLite, a large subtree: the rows are read in the sort's own index
    /// order and the path is checked on each, so a page stops after about
    /// `page_size × table / subtree` rows instead of sorting the subtree.
    SortIndex,
}

/// The rows whose path lies in the subtree at `path` (the root itself only
/// when `with_root`). For [`Plan::SortIndex`] compared as `path || ''`, an
/// expression, which SQLite cannot look up in an index (a typed expression,
/// unlike SQL text, keeps the statement in the prepared statements' cache).
fn path_within(path: &str, with_root: bool, plan: Plan) -> Condition {
    let end = subtree_end(path);
    match plan {
        Plan::Chosen if with_root => Box::new(dsl::path.ge(path.to_owned()).and(dsl::path.lt(end))),
        Plan::Chosen => Box::new(dsl::path.gt(path.to_owned()).and(dsl::path.lt(end))),
        Plan::SortIndex if with_root => Box::new(
            dsl::path
                .concat("")
                .ge(path.to_owned())
                .and(dsl::path.concat("").lt(end)),
        ),
        Plan::SortIndex => Box::new(
            dsl::path
                .concat("")
                .gt(path.to_owned())
                .and(dsl::path.concat("").lt(end)),
        ),
    }
}

/// The plan for a page of the subtree at `subtree_of` with no other filter:
/// on SQLite (which keeps no statistics of a range) the sort index when
/// reading it in order is the cheaper — the subtree holds `n` of the
/// table's `total` rows, so a page of `fetch` reads about `fetch × total / n`
/// rows in index order against `n` read and sorted, the former smaller when
/// `n² > fetch × total`. Both counts are cheap: the table's largest rowid,
/// and the subtree's rows counted in the `path` index only up to where the
/// answer is known (√(fetch × total) + 1 of them).
fn plan_for(
    conn: &mut DbConnection,
    filter: &ListFilter,
    subtree_of: Option<&str>,
    fetch: i64,
) -> Result<Plan, ApiError> {
    let (DbConnection::Sqlite(_), Some(path)) = (&*conn, subtree_of) else {
        return Ok(Plan::Chosen);
    };
    if filter.parent_id.is_some()
        || filter.level.is_some()
        || filter.q.is_some()
        || filter.updated_since.is_some()
    {
        return Ok(Plan::Chosen);
    }
    let total: Option<i64> = associations::table
        .select(sql::<diesel::sql_types::Nullable<BigInt>>("max(rowid)"))
        .get_result(conn)?;
    let threshold = fetch * total.unwrap_or(0);
    #[derive(QueryableByName)]
    struct Counted {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let counted: Counted = diesel::sql_query(
        "SELECT count(*) AS n FROM \
         (SELECT 1 FROM associations WHERE path > ? AND path < ? LIMIT ?)",
    )
    .bind::<Text, _>(path)
    .bind::<Text, _>(subtree_end(path))
    .bind::<BigInt, _>(threshold.isqrt() + 1)
    .get_result(conn)?;
    let n = counted.n;
    Ok(if n * n > threshold {
        Plan::SortIndex
    } else {
        Plan::Chosen
    })
}

fn sort_value(row: &AssociationRow, field: &str) -> String {
    match field {
        "code" => row.code.clone(),
        _ => row.name.clone(),
    }
}

/// Rows strictly after `value` of `field` in the sort direction.
fn after_value(field: &str, descending: bool, value: String) -> Condition {
    match (field, descending) {
        ("code", false) => Box::new(dsl::code.gt(value)),
        ("code", true) => Box::new(dsl::code.lt(value)),
        ("name", false) => Box::new(dsl::name.gt(value)),
        ("name", true) => Box::new(dsl::name.lt(value)),
        (_, _) => Box::new(dsl::id.gt(value)),
    }
}

fn equal_value(field: &str, value: String) -> Condition {
    match field {
        "code" => Box::new(dsl::code.eq(value)),
        "name" => Box::new(dsl::name.eq(value)),
        _ => Box::new(dsl::id.eq(value)),
    }
}

/// The keyset condition "after the cursor": (k1 > v1) OR (k1 = v1 AND k2 > v2)
/// OR … OR (all keys equal AND id > last id).
fn after_cursor(sort: &[SortKey], keys: &[String], id: &str) -> Result<Condition, ApiError> {
    if keys.len() != sort.len() {
        return Err(ApiError::bad_parameter(
            "page_token",
            "INVALID_PAGE_TOKEN",
            msg!("page-token-foreign"),
        ));
    }
    let mut fields: Vec<(&str, bool, &String)> = sort
        .iter()
        .zip(keys)
        .map(|(k, v)| (k.field, k.descending, v))
        .collect();
    let id = id.to_owned();
    fields.push(("id", false, &id));
    let mut any: Option<Condition> = None;
    for i in 0..fields.len() {
        let (field, descending, value) = fields[i];
        let mut all: Condition = after_value(field, descending, value.clone());
        for (prefix_field, _, prefix_value) in &fields[..i] {
            all = Box::new(equal_value(prefix_field, (*prefix_value).clone()).and(all));
        }
        any = Some(match any {
            None => all,
            Some(previous) => Box::new(previous.or(all)),
        });
    }
    any.ok_or_else(|| ApiError::internal("empty keyset"))
}

/// One page of the list, and the total when asked for.
pub fn list(
    conn: &mut DbConnection,
    filter: &ListFilter,
    page: &PageRequest,
    with_total: bool,
) -> Result<Page<AssociationRow>, ApiError> {
    let subtree_of = match &filter.ancestor_id {
        None => None,
        Some(ancestor_id) => match find(conn, ancestor_id)? {
            Some(ancestor) => Some(ancestor.path),
            // No such association: nothing is below it.
            None => {
                return Ok(Page {
                    items: Vec::new(),
                    next_page_token: None,
                    total_size: with_total.then_some(0),
                })
            }
        },
    };
    let total_size = if with_total {
        Some(
            filtered(filter, subtree_of.as_deref(), Plan::Chosen)
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let plan = plan_for(conn, filter, subtree_of.as_deref(), page.fetch_limit())?;
    let mut query = filtered(filter, subtree_of.as_deref(), plan);
    if let Some(cursor) = &page.after {
        query = query.filter(after_cursor(&filter.sort, &cursor.keys, &cursor.id)?);
    }
    for key in &filter.sort {
        query = match (key.field, key.descending) {
            ("code", false) => query.then_order_by(dsl::code.asc()),
            ("code", true) => query.then_order_by(dsl::code.desc()),
            (_, false) => query.then_order_by(dsl::name.asc()),
            (_, true) => query.then_order_by(dsl::name.desc()),
        };
    }
    let rows: Vec<AssociationRow> = query
        .then_order_by(dsl::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    let mut page = page.finish(rows, |row| {
        let keys = filter
            .sort
            .iter()
            .map(|k| sort_value(row, k.field))
            .collect();
        (keys, row.id.clone())
    });
    page.total_size = total_size;
    Ok(page)
}

inventory::submit! {
    UniqueKey {
        constraint: "associations_code_key",
        columns: "associations.code",
        code: "DUPLICATE_CODE",
        message: "association-code-taken",
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use diesel::connection::InstrumentationEvent;
    use diesel::sqlite::SqliteConnection;
    use diesel_migrations::MigrationHarness;

    use super::*;
    use crate::http::paging::parse_sort;

    fn add(conn: &mut DbConnection, code: &str, level: Level, parent: Option<&str>) -> String {
        // Names in an order of their own, unlike the order of the paths.
        let name = format!("Hội {}", code.chars().rev().collect::<String>());
        let fields = AssociationFields {
            parent_id: parent.map(str::to_owned),
            ..AssociationFields::named(code, &name, level)
        };
        create(conn, &Actor::command_line(), None, None, fields)
            .unwrap()
            .id
    }

    /// A tree of 69: a province with 63 below it, another with 3.
    fn tree() -> (DbConnection, String, String) {
        let mut sqlite = SqliteConnection::establish(":memory:").unwrap();
        sqlite
            .run_pending_migrations(crate::db::SQLITE_MIGRATIONS)
            .unwrap();
        let mut conn = DbConnection::Sqlite(sqlite);
        let root = add(&mut conn, "VN", Level::Central, None);
        let big = add(&mut conn, "P1", Level::Province, Some(&root));
        for d in 0..3 {
            let district = add(&mut conn, &format!("D{d}"), Level::District, Some(&big));
            for c in 0..20 {
                add(
                    &mut conn,
                    &format!("C{d}-{c:02}"),
                    Level::Commune,
                    Some(&district),
                );
            }
        }
        let small = add(&mut conn, "P2", Level::Province, Some(&root));
        let district = add(&mut conn, "D9", Level::District, Some(&small));
        for c in 0..2 {
            add(
                &mut conn,
                &format!("C9-{c}"),
                Level::Commune,
                Some(&district),
            );
        }
        (conn, big, small)
    }

    fn filter(ancestor: &str, sort: &str) -> ListFilter {
        ListFilter {
            parent_id: None,
            level: None,
            ancestor_id: Some(ancestor.to_owned()),
            q: None,
            updated_since: None,
            sort: parse_sort(Some(sort), &SORT_FIELDS, "name").unwrap(),
            scope: None,
        }
    }

    /// Every page of the list, and SQLite's plan of each page's query.
    fn pages(conn: &mut DbConnection, filter: &ListFilter) -> (Vec<AssociationRow>, Vec<String>) {
        let statements = Arc::new(Mutex::new(Vec::<String>::new()));
        let seen = statements.clone();
        conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
            if let InstrumentationEvent::StartQuery { query, .. } = event {
                seen.lock().unwrap().push(query.to_string());
            }
        });
        let (mut rows, mut token) = (Vec::new(), None);
        loop {
            let page = PageRequest::new(Some(10), token.as_deref(), &filter.fingerprint()).unwrap();
            let page = list(conn, filter, &page, false).unwrap();
            rows.extend(page.items);
            token = page.next_page_token;
            if token.is_none() {
                break;
            }
        }
        conn.set_instrumentation(|_: InstrumentationEvent<'_>| {});
        let page_queries: Vec<String> = statements
            .lock()
            .unwrap()
            .iter()
            .filter(|sql| sql.contains("ORDER BY"))
            .map(|sql| sql.split(" -- binds").next().unwrap().to_owned())
            .collect();
        let plans = page_queries
            .iter()
            .map(|sql| {
                #[derive(QueryableByName)]
                struct Step {
                    #[diesel(sql_type = Text)]
                    detail: String,
                }
                let steps: Vec<Step> = diesel::sql_query(format!("EXPLAIN QUERY PLAN {sql}"))
                    .load(conn)
                    .unwrap();
                steps
                    .into_iter()
                    .map(|s| s.detail)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .collect();
        (rows, plans)
    }

    #[test]
    fn a_large_subtree_is_paged_in_the_sort_index_order_and_a_small_one_sorted() {
        let (mut conn, big, small) = tree();
        for sort in ["name", "code", "-name"] {
            let (rows, plans) = pages(&mut conn, &filter(&big, sort));
            assert_eq!(rows.len(), 63, "{sort}");
            let mut expected = rows.clone();
            expected.sort_by(|a, b| {
                let (a_key, b_key) = (
                    sort_value(a, &sort[sort.len() - 4..]),
                    sort_value(b, &sort[sort.len() - 4..]),
                );
                let order = if sort.starts_with('-') {
                    b_key.cmp(&a_key)
                } else {
                    a_key.cmp(&b_key)
                };
                order.then(a.id.cmp(&b.id))
            });
            let ids =
                |rows: &[AssociationRow]| rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
            assert_eq!(ids(&rows), ids(&expected), "{sort}");
            assert_eq!(plans.len(), 7, "{plans:?}");
            for plan in &plans {
                assert!(!plan.contains("TEMP B-TREE FOR ORDER BY"), "{sort}: {plan}");
                assert!(!plan.contains("associations_path"), "{sort}: {plan}");
            }
        }
        let (rows, plans) = pages(&mut conn, &filter(&small, "name"));
        assert_eq!(rows.len(), 3);
        assert!(plans[0].contains("associations_path"), "{plans:?}");
        // The children of one association, and one level, in name order.
        let district: String = associations::table
            .filter(dsl::code.eq("D1"))
            .select(dsl::id)
            .first(&mut conn)
            .unwrap();
        let children = ListFilter {
            ancestor_id: None,
            parent_id: Some(district),
            ..filter(&big, "name")
        };
        let communes = ListFilter {
            ancestor_id: None,
            level: Some(Level::Commune),
            ..filter(&big, "name")
        };
        for (filter, count) in [(children, 20), (communes, 62)] {
            let (rows, plans) = pages(&mut conn, &filter);
            assert_eq!(rows.len(), count);
            assert!(
                plans
                    .iter()
                    .all(|p| !p.contains("TEMP B-TREE FOR ORDER BY")),
                "{plans:?}"
            );
        }
    }
}
