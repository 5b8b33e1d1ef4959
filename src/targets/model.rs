//! Targets in the database, visible to callers whose scope covers their association.

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{Metric, TargetFields};
use crate::db::schema::targets::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest};
use crate::msg;
use crate::resource::Resource;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = targets, treat_none_as_null = true, treat_none_as_default_value = false)]
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

impl Resource for TargetRow {
    const TYPE: &'static str = "target";
    const NOUN: &'static str = "noun-target";
    type Fields = TargetFields;

    crate::row_basics!(TargetFields);

    fn placed_in(fields: &TargetFields) -> Option<&str> {
        Some(&fields.association_id)
    }

    crate::table_queries!(targets);

    /// One target per association, metric and year.
    fn check_unique(conn: &mut DbConnection, row: &Self) -> Result<(), ApiError> {
        let taken: i64 = targets::table
            .filter(dsl::association_id.eq(&row.association_id))
            .filter(dsl::metric.eq(&row.metric))
            .filter(dsl::year.eq(row.year))
            .filter(dsl::id.ne(&row.id))
            .count()
            .get_result(conn)?;
        if taken == 0 {
            return Ok(());
        }
        Err(ApiError::conflict(
            "DUPLICATE_TARGET",
            msg!("target-taken-named", metric = &row.metric, year = row.year),
        ))
    }
}

/// The stored targets that may hold the association and year of any of
/// `rows` (a superset: the caller matches them on their keys), with their
/// associations' paths.
pub fn holders(
    conn: &mut DbConnection,
    rows: &[&TargetRow],
) -> Result<Vec<(TargetRow, String)>, ApiError> {
    use crate::db::schema::associations;
    let associations: Vec<&str> = rows.iter().map(|r| r.association_id.as_str()).collect();
    let years: Vec<i32> = rows.iter().map(|r| r.year).collect();
    Ok(targets::table
        .inner_join(associations::table)
        .filter(dsl::association_id.eq_any(associations))
        .filter(dsl::year.eq_any(years))
        .filter(dsl::metric.eq_any(rows.iter().map(|r| r.metric.as_str()).collect::<Vec<_>>()))
        .select((targets::all_columns, associations::path))
        .load(conn)?)
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
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), cursor_of));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(tree::ids_in_subtree(&path)));
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

inventory::submit! {
    UniqueKey {
        constraint: "targets_association_id_metric_year_key",
        columns: "targets.association_id, targets.metric, targets.year",
        code: "DUPLICATE_TARGET",
        message: "target-taken",
    }
}
