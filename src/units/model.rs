//! Units in the database. A unit is visible to a caller whose scope covers
//! its association.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{UnitFields, UnitKind};
use crate::associations::model::{self as associations_model, in_scope};
use crate::audit::model::{record, Change};
use crate::auth::Actor;
use crate::db::schema::associations;
use crate::db::schema::units::{self, dsl};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::text;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = units, treat_none_as_null = true)]
pub struct UnitRow {
    pub id: String,
    pub code: Option<String>,
    pub name: String,
    pub search_text: String,
    pub kind: String,
    pub association_id: String,
    pub address: Option<String>,
    pub head_name: Option<String>,
    pub staff_count: Option<i32>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl UnitRow {
    pub fn kind(&self) -> UnitKind {
        // The column has a CHECK constraint listing exactly these values.
        UnitKind::parse(&self.kind).unwrap_or(UnitKind::Other)
    }

    pub fn fields(&self) -> UnitFields {
        UnitFields {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind(),
            association_id: self.association_id.clone(),
            address: self.address.clone(),
            head_name: self.head_name.clone(),
            staff_count: self.staff_count,
        }
    }

    fn set_fields(&mut self, fields: UnitFields) {
        self.search_text = text::fold(&format!(
            "{} {}",
            fields.name,
            fields.code.as_deref().unwrap_or("")
        ));
        self.code = fields.code;
        self.name = fields.name;
        self.kind = fields.kind.as_str().to_owned();
        self.association_id = fields.association_id;
        self.address = fields.address;
        self.head_name = fields.head_name;
        self.staff_count = fields.staff_count;
    }
}

/// A unit the caller may see, with its association's path; 404 otherwise.
pub fn get_visible(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<(UnitRow, String), ApiError> {
    let not_found = || ApiError::not_found("the unit");
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(not_found());
    }
    let found: Option<(UnitRow, String)> = units::table
        .inner_join(associations::table)
        .filter(dsl::id.eq(id))
        .select((units::all_columns, associations::path))
        .first(conn)
        .optional()?;
    found
        .filter(|(_, path)| in_scope(scope, path))
        .ok_or_else(not_found)
}

fn check_code_free(
    conn: &mut DbConnection,
    code: Option<&str>,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let Some(code) = code else { return Ok(()) };
    let holder: Option<String> = units::table
        .filter(dsl::code.eq(code))
        .select(dsl::id)
        .first(conn)
        .optional()?;
    match holder {
        Some(holder) if Some(holder.as_str()) != own_id => Err(ApiError::conflict(
            "DUPLICATE_CODE",
            format!("another unit already has the code {code:?}"),
        )),
        _ => Ok(()),
    }
}

fn audit(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    id: &str,
    path: &str,
    versions: (Option<i64>, Option<i64>),
) -> Result<(), ApiError> {
    record(
        conn,
        actor,
        Change {
            action,
            resource_type: "unit",
            resource_id: id,
            version_before: versions.0,
            version_after: versions.1,
            scope_path: Some(path),
        },
    )
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    fields: UnitFields,
) -> Result<UnitRow, ApiError> {
    let path = associations_model::placeable_path(conn, scope, &fields.association_id)?;
    check_code_free(conn, fields.code.as_deref(), None)?;
    let now = now();
    let mut row = UnitRow {
        id: uuid::Uuid::now_v7().to_string(),
        code: None,
        name: String::new(),
        search_text: String::new(),
        kind: String::new(),
        association_id: String::new(),
        address: None,
        head_name: None,
        staff_count: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.set_fields(fields);
    let row: UnitRow = diesel::insert_into(units::table)
        .values(&row)
        .returning(units::all_columns)
        .get_result(conn)?;
    audit(
        conn,
        actor,
        "create",
        &row.id,
        &path,
        (None, Some(row.version)),
    )?;
    Ok(row)
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    change: impl FnOnce(UnitFields) -> Result<UnitFields, ApiError>,
) -> Result<UnitRow, ApiError> {
    let (current, mut path) = get_visible(conn, scope, id)?;
    let fields = change(current.fields())?.validated()?;
    if_match.check(current.version)?;
    if fields == current.fields() {
        return Ok(current);
    }
    if fields.association_id != current.association_id {
        path = associations_model::placeable_path(conn, scope, &fields.association_id)?;
    }
    if fields.code != current.code {
        check_code_free(conn, fields.code.as_deref(), Some(id))?;
    }
    let mut row = current.clone();
    row.set_fields(fields);
    row.version = current.version + 1;
    row.updated_at = now();
    let saved: UnitRow = diesel::update(
        units::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .set(&row)
    .returning(units::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::precondition_failed(current.version))?;
    if saved.association_id != current.association_id {
        crate::assessments::model::follow_subject(conn, "unit", id, &saved.association_id)?;
    }
    audit(
        conn,
        actor,
        "update",
        id,
        &path,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let (current, path) = get_visible(conn, scope, id)?;
    if_match.check(current.version)?;
    crate::assessments::model::refuse_delete_with_assessments(
        crate::assessments::model::count_for_subject(conn, "unit", id)?,
        "unit",
    )?;
    let deleted = diesel::delete(
        units::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ApiError::precondition_failed(current.version));
    }
    audit(
        conn,
        actor,
        "delete",
        id,
        &path,
        (Some(current.version), None),
    )
}

/// The filters of the unit list.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub association_id: Option<String>,
    /// Units of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub kind: Option<UnitKind>,
    pub q: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of units, by name.
pub fn list(
    conn: &mut DbConnection,
    filter: &UnitFilter,
    page: &PageRequest,
) -> Result<Page<UnitRow>, ApiError> {
    let mut query = units::table.into_boxed::<MultiBackend>();
    let Some(subtrees) = associations_model::bounding_subtrees(
        conn,
        filter.scope.as_deref(),
        filter.ancestor_id.as_deref(),
    )?
    else {
        return Ok(page.finish(Vec::new(), |row: &UnitRow| (vec![], row.id.clone())));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(associations_model::ids_in_subtree(&path)));
    }
    if let Some(association_id) = &filter.association_id {
        query = query.filter(dsl::association_id.eq(association_id.clone()));
    }
    if let Some(kind) = filter.kind {
        query = query.filter(dsl::kind.eq(kind.as_str()));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            dsl::search_text
                .like(text::contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some((name, id)) = page.after_single_key::<String>()? {
        query = query.filter(
            dsl::name
                .gt(name.clone())
                .or(dsl::name.eq(name).and(dsl::id.gt(id))),
        );
    }
    let rows: Vec<UnitRow> = query
        .order((dsl::name.asc(), dsl::id.asc()))
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (vec![row.name.clone()], row.id.clone())))
}

/// How many units belong to an association (a delete is refused while any do).
pub fn count_in(conn: &mut DbConnection, association_id: &str) -> Result<i64, ApiError> {
    Ok(units::table
        .filter(dsl::association_id.eq(association_id))
        .count()
        .get_result(conn)?)
}
