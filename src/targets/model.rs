//! Targets in the database, visible to callers whose scope covers their association.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{Metric, TargetFields};
use crate::associations::model::{self as associations_model, in_scope};
use crate::audit::model::{record, Change};
use crate::auth::Actor;
use crate::db::schema::associations;
use crate::db::schema::targets::{self, dsl};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = targets, treat_none_as_null = true)]
pub struct TargetRow {
    pub id: String,
    pub association_id: String,
    pub metric: String,
    pub year: i32,
    pub min_value: f64,
    pub max_value: Option<f64>,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl TargetRow {
    pub fn metric(&self) -> Metric {
        // The column has a CHECK constraint listing exactly these values.
        Metric::parse(&self.metric).unwrap_or(Metric::MembershipRatio)
    }

    pub fn fields(&self) -> TargetFields {
        TargetFields {
            association_id: self.association_id.clone(),
            metric: self.metric(),
            year: self.year,
            min_value: self.min_value,
            max_value: self.max_value,
            note: self.note.clone(),
        }
    }

    fn set_fields(&mut self, fields: TargetFields) {
        self.association_id = fields.association_id;
        self.metric = fields.metric.as_str().to_owned();
        self.year = fields.year;
        self.min_value = fields.min_value;
        self.max_value = fields.max_value;
        self.note = fields.note;
    }
}

/// A target the caller may see, with its association's path; 404 otherwise.
pub fn get_visible(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<(TargetRow, String), ApiError> {
    let not_found = || ApiError::not_found("the target");
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(not_found());
    }
    let found: Option<(TargetRow, String)> = targets::table
        .inner_join(associations::table)
        .filter(dsl::id.eq(id))
        .select((targets::all_columns, associations::path))
        .first(conn)
        .optional()?;
    found
        .filter(|(_, path)| in_scope(scope, path))
        .ok_or_else(not_found)
}

fn check_free(
    conn: &mut DbConnection,
    fields: &TargetFields,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let holder: Option<String> = targets::table
        .filter(dsl::association_id.eq(&fields.association_id))
        .filter(dsl::metric.eq(fields.metric.as_str()))
        .filter(dsl::year.eq(fields.year))
        .select(dsl::id)
        .first(conn)
        .optional()?;
    match holder {
        Some(holder) if Some(holder.as_str()) != own_id => Err(ApiError::conflict(
            "DUPLICATE_TARGET",
            format!(
                "the association already has a {} target for {}: change that one",
                fields.metric.as_str(),
                fields.year
            ),
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
            resource_type: "target",
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
    fields: TargetFields,
) -> Result<TargetRow, ApiError> {
    let path = associations_model::placeable_path(conn, scope, &fields.association_id)?;
    check_free(conn, &fields, None)?;
    let now = now();
    let mut row = TargetRow {
        id: uuid::Uuid::now_v7().to_string(),
        association_id: String::new(),
        metric: String::new(),
        year: 0,
        min_value: 0.0,
        max_value: None,
        note: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.set_fields(fields);
    let row: TargetRow = diesel::insert_into(targets::table)
        .values(&row)
        .returning(targets::all_columns)
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
    change: impl FnOnce(TargetFields) -> Result<TargetFields, ApiError>,
) -> Result<TargetRow, ApiError> {
    let (current, mut path) = get_visible(conn, scope, id)?;
    let fields = change(current.fields())?.validated()?;
    if_match.check(current.version)?;
    if fields == current.fields() {
        return Ok(current);
    }
    if fields.association_id != current.association_id {
        path = associations_model::placeable_path(conn, scope, &fields.association_id)?;
    }
    check_free(conn, &fields, Some(id))?;
    let mut row = current.clone();
    row.set_fields(fields);
    row.version = current.version + 1;
    row.updated_at = now();
    let saved: TargetRow = diesel::update(
        targets::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .set(&row)
    .returning(targets::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::precondition_failed(current.version))?;
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
    let deleted = diesel::delete(
        targets::table
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

/// The filters of the target list.
#[derive(Debug, Clone, Default)]
pub struct TargetFilter {
    pub association_id: Option<String>,
    pub ancestor_id: Option<String>,
    pub metric: Option<Metric>,
    pub year: Option<i32>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of targets, by year.
pub fn list(
    conn: &mut DbConnection,
    filter: &TargetFilter,
    page: &PageRequest,
) -> Result<Page<TargetRow>, ApiError> {
    let cursor_of = |row: &TargetRow| (vec![row.year.to_string()], row.id.clone());
    let mut query = targets::table.into_boxed::<MultiBackend>();
    let Some(subtrees) = associations_model::bounding_subtrees(
        conn,
        filter.scope.as_deref(),
        filter.ancestor_id.as_deref(),
    )?
    else {
        return Ok(page.finish(Vec::new(), cursor_of));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(associations_model::ids_in_subtree(&path)));
    }
    if let Some(association_id) = &filter.association_id {
        query = query.filter(dsl::association_id.eq(association_id.clone()));
    }
    if let Some(metric) = filter.metric {
        query = query.filter(dsl::metric.eq(metric.as_str()));
    }
    if let Some(year) = filter.year {
        query = query.filter(dsl::year.eq(year));
    }
    if let Some((year, id)) = page.after_single_key::<i32>()? {
        query = query.filter(
            dsl::year
                .gt(year)
                .or(dsl::year.eq(year).and(dsl::id.gt(id))),
        );
    }
    let rows: Vec<TargetRow> = query
        .order((dsl::year.asc(), dsl::id.asc()))
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, cursor_of))
}

/// The `metric` targets of `association_ids` due in `from` or later, nearest first.
pub fn due_from(
    conn: &mut DbConnection,
    association_ids: &[String],
    metric: Metric,
    from: i32,
) -> Result<Vec<TargetRow>, ApiError> {
    Ok(targets::table
        .filter(dsl::association_id.eq_any(association_ids))
        .filter(dsl::metric.eq(metric.as_str()))
        .filter(dsl::year.ge(from))
        .order((dsl::year.asc(), dsl::id.asc()))
        .load(conn)?)
}

/// The target a year is measured against, among one association's targets
/// nearest first: the nearest one due that year or later ("35–40 % by 2025"
/// is what a 2020 report measures against).
pub fn applicable_to(targets: &[TargetRow], year: i32) -> Option<&TargetRow> {
    targets.iter().find(|t| t.year >= year)
}

/// The target that applies to `year` for each of `association_ids` (see [`applicable_to`]).
pub fn applicable(
    conn: &mut DbConnection,
    association_ids: &[String],
    metric: Metric,
    year: i32,
) -> Result<HashMap<String, TargetRow>, ApiError> {
    let mut nearest = HashMap::new();
    for row in due_from(conn, association_ids, metric, year)? {
        nearest.entry(row.association_id.clone()).or_insert(row);
    }
    Ok(nearest)
}
