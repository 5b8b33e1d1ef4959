//! Associations in the database: the row, and every query and write on it.
//!
//! The tree is a materialised path (see the migration): `path` lists the ids
//! from the root down to the row itself, so a subtree is one index range and
//! the ancestors are read off the path without a recursive query.

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::expression::BoxableExpression;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Integer, Text};

use super::rules::{AssociationFields, Level};
use crate::audit::model::{record, Change};
use crate::auth::Actor;
use crate::db::schema::associations::{self, dsl};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::http::paging::{Page, PageRequest, SortKey};
use crate::http::preconditions::IfMatch;
use crate::text;

/// The fields a list may be sorted by.
pub const SORT_FIELDS: [&str; 2] = ["name", "code"];

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = associations, treat_none_as_null = true)]
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

/// The end of the range of paths below `path` ("/a/b/" → "/a/b0": '0'
/// follows '/' in byte order, and ids hold no '/').
pub fn subtree_end(path: &str) -> String {
    format!("{}0", &path[..path.len() - 1])
}

pub fn find(conn: &mut DbConnection, id: &str) -> Result<Option<AssociationRow>, ApiError> {
    // Ids are UUIDs: anything else names nothing, and need not reach the database.
    if uuid::Uuid::try_parse(id).is_err() {
        return Ok(None);
    }
    Ok(associations::table.find(id).first(conn).optional()?)
}

pub fn get(conn: &mut DbConnection, id: &str) -> Result<AssociationRow, ApiError> {
    find(conn, id)?.ok_or_else(|| ApiError::not_found("the association"))
}

/// Whether a caller whose scope is `scope` (a path; `None`: the whole tree)
/// sees the association at `path`.
pub fn in_scope(scope: Option<&str>, path: &str) -> bool {
    scope.is_none_or(|scope| path.starts_with(scope))
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
        .ok_or_else(|| ApiError::not_found("the association"))
}

/// The tree path of an association the caller may attach a record to (a
/// unit, a citizen); a 422 on `/association_id` for one it cannot see, as for
/// one that does not exist.
pub fn placeable_path(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<String, ApiError> {
    find(conn, id)?
        .filter(|a| in_scope(scope, &a.path))
        .map(|a| a.path)
        .ok_or_else(|| {
            ApiError::invalid_field("/association_id", "NOT_FOUND", "no association has this id")
        })
}

/// The subtrees a list of records attached to associations (units, citizens,
/// assessments) is bounded by: the caller's scope and the `ancestor_id`
/// filter, each an association and everything below it. `None` when
/// `ancestor_id` names no association, so nothing can match.
pub fn bounding_subtrees(
    conn: &mut DbConnection,
    scope: Option<&str>,
    ancestor_id: Option<&str>,
) -> Result<Option<Vec<String>>, ApiError> {
    let mut paths: Vec<String> = scope.iter().map(|s| s.to_string()).collect();
    if let Some(ancestor_id) = ancestor_id {
        match find(conn, ancestor_id)? {
            Some(ancestor) => paths.push(ancestor.path),
            None => return Ok(None),
        }
    }
    Ok(Some(paths))
}

/// The ids of the associations in the subtree at `path` (itself included), as a subquery.
pub fn ids_in_subtree(path: &str) -> SubtreeIds {
    associations::table
        .filter(dsl::path.ge(path.to_owned()))
        .filter(dsl::path.lt(subtree_end(path)))
        .select(dsl::id)
}

/// The type of [`ids_in_subtree`]'s subquery.
pub type SubtreeIds = diesel::dsl::Select<
    diesel::dsl::Filter<
        diesel::dsl::Filter<associations::table, diesel::dsl::GtEq<dsl::path, String>>,
        diesel::dsl::Lt<dsl::path, String>,
    >,
    dsl::id,
>;

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

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    fields: AssociationFields,
) -> Result<AssociationRow, ApiError> {
    let parent = check_new_parent(conn, scope, fields.parent_id.as_deref(), fields.level, None)?;
    check_successor(conn, fields.successor_id.as_deref(), None)?;
    check_code_free(conn, &fields.code, None)?;
    let now = now();
    let mut row = AssociationRow {
        id: uuid::Uuid::now_v7().to_string(),
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
    change: impl FnOnce(AssociationFields) -> Result<AssociationFields, ApiError>,
) -> Result<AssociationRow, ApiError> {
    let current = get_visible(conn, scope, id)?;
    // An invalid body is a 422 whatever the precondition (RFC 9110 §13.2.1:
    // preconditions are evaluated after the request itself is found valid).
    let fields = change(current.fields())?.validated()?;
    if_match.check(current.version)?;
    if fields == current.fields() {
        return Ok(current);
    }
    let mut row = current.clone();
    if fields.parent_id != current.parent_id {
        let parent = check_new_parent(
            conn,
            scope,
            fields.parent_id.as_deref(),
            fields.level,
            Some(&current),
        )?;
        row.place_under(parent.as_ref());
    } else if fields.level != current.level() {
        if let Some(parent_id) = &fields.parent_id {
            check_level_order(get(conn, parent_id)?.level(), fields.level)?;
        }
    }
    if fields.level != current.level() {
        check_children_below(conn, id, fields.level)?;
    }
    if fields.successor_id != current.successor_id {
        check_successor(conn, fields.successor_id.as_deref(), Some(id))?;
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
    let current = get_visible(conn, scope, id)?;
    if_match.check(current.version)?;
    let children: i64 = associations::table
        .filter(dsl::parent_id.eq(id))
        .select(count_star())
        .get_result(conn)?;
    if children > 0 {
        return Err(ApiError::conflict(
            "HAS_CHILDREN",
            format!(
                "the association has {children} child association(s): move or delete them first"
            ),
        ));
    }
    crate::assessments::model::refuse_delete_with_assessments(
        crate::assessments::model::count_for_association(conn, id)?,
        "association",
    )?;
    let units = crate::units::model::count_in(conn, id)?;
    if units > 0 {
        return Err(ApiError::conflict(
            "HAS_UNITS",
            format!(
                "{units} learning unit(s) belong to the association: move or delete them first"
            ),
        ));
    }
    let citizens = crate::citizens::model::count_in(conn, id)?;
    if citizens > 0 {
        return Err(ApiError::conflict(
            "HAS_CITIZENS",
            format!(
                "{citizens} citizen(s) live in the association's area: move or delete them first"
            ),
        ));
    }
    let history = crate::yearly_stats::model::count_for_association(conn, id)?;
    if history > 0 {
        return Err(ApiError::conflict(
            "HAS_STATISTICS",
            format!(
                "{history} yearly statistic(s) or target(s) belong to the association: \
                 they are its history, so it stays (dissolve it instead)"
            ),
        ));
    }
    let successors_of: i64 = associations::table
        .filter(dsl::successor_id.eq(id))
        .select(count_star())
        .get_result(conn)?;
    if successors_of > 0 {
        return Err(ApiError::conflict(
            "IS_SUCCESSOR",
            format!("{successors_of} dissolved association(s) name this one as their successor"),
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
        ApiError::conflict(
            "CONCURRENT_UPDATE",
            "the association was changed by another request meanwhile: read it again and retry",
        )
    } else {
        ApiError::precondition_failed(version)
    }
}

/// The parent an association is created under or moved to.
fn check_new_parent(
    conn: &mut DbConnection,
    scope: Option<&str>,
    parent_id: Option<&str>,
    level: Level,
    moving: Option<&AssociationRow>,
) -> Result<Option<AssociationRow>, ApiError> {
    let Some(parent_id) = parent_id else {
        return Ok(None);
    };
    // A parent outside the caller's scope is reported like a missing one.
    let parent = find(conn, parent_id)?
        .filter(|p| in_scope(scope, &p.path))
        .ok_or_else(|| {
            ApiError::invalid_field("/parent_id", "NOT_FOUND", "no association has this id")
        })?;
    if let Some(moving) = moving {
        if parent.path.starts_with(&moving.path) {
            return Err(ApiError::conflict(
                "CYCLE",
                "an association cannot be moved under itself or one of its descendants",
            ));
        }
    }
    check_level_order(parent.level(), level)?;
    if parent.dissolved_on.is_some() {
        return Err(ApiError::conflict(
            "PARENT_DISSOLVED",
            "the parent association is dissolved and takes no new children; use its successor",
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
            format!(
                "a {} cannot be the parent of a {}: a parent's level is strictly above its children's",
                parent.as_str(),
                child.as_str()
            ),
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
            format!(
                "the association has a {} among its children, so it cannot become a {}",
                child.as_str(),
                level.as_str()
            ),
        )),
    }
}

fn check_successor(
    conn: &mut DbConnection,
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
            "an association cannot be its own successor",
        ));
    }
    if find(conn, successor_id)?.is_none() {
        return Err(ApiError::invalid_field(
            "/successor_id",
            "NOT_FOUND",
            "no association has this id",
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
            format!("another association already has the code {code:?}"),
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
) -> associations::BoxedQuery<'static, MultiBackend> {
    let mut query = associations::table.into_boxed::<MultiBackend>();
    if let Some(scope) = &filter.scope {
        query = query
            .filter(dsl::path.ge(scope.clone()))
            .filter(dsl::path.lt(subtree_end(scope)));
    }
    if let Some(path) = subtree_of {
        // Strictly greater than the ancestor's own path: the ancestor itself
        // is not part of the subtree below it.
        query = query
            .filter(dsl::path.gt(path.to_owned()))
            .filter(dsl::path.lt(subtree_end(path)));
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
            "not a page token issued by this list",
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
            filtered(filter, subtree_of.as_deref())
                .count()
                .get_result(conn)?,
        )
    } else {
        None
    };
    let mut query = filtered(filter, subtree_of.as_deref());
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
