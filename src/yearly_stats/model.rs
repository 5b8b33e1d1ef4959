//! Yearly statistics in the database, one row per association and year,
//! visible to callers whose scope covers the association.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::StatsFields;
use crate::associations::model::{self as associations_model, AssociationRow};
use crate::auth::Actor;
use crate::db::schema::yearly_stats::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::resource::{self, Resource};
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = yearly_stats, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct StatsRow {
    pub id: String,
    pub association_id: String,
    pub year: i32,
    pub member_count: i64,
    pub population: Option<i64>,
    pub households: Option<i64>,
    pub branch_count: Option<i64>,
    pub fund_raised_vnd: Option<i64>,
    pub scholarship_count: Option<i64>,
    pub scholarship_value_vnd: Option<i64>,
    pub note: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl StatsRow {
    pub fn fields(&self) -> StatsFields {
        StatsFields {
            year: self.year,
            member_count: self.member_count,
            population: self.population,
            households: self.households,
            branch_count: self.branch_count,
            fund_raised_vnd: self.fund_raised_vnd,
            scholarship_count: self.scholarship_count,
            scholarship_value_vnd: self.scholarship_value_vnd,
            note: self.note.clone(),
        }
    }

    fn set_fields(&mut self, fields: StatsFields) {
        self.year = fields.year;
        self.member_count = fields.member_count;
        self.population = fields.population;
        self.households = fields.households;
        self.branch_count = fields.branch_count;
        self.fund_raised_vnd = fields.fund_raised_vnd;
        self.scholarship_count = fields.scholarship_count;
        self.scholarship_value_vnd = fields.scholarship_value_vnd;
        self.note = fields.note;
    }
}

/// The statistics of a year of an association the caller may see; 404 otherwise.
pub fn get_visible(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: &str,
    year: i32,
) -> Result<(StatsRow, AssociationRow), ApiError> {
    let association = associations_model::get_visible(conn, scope, association_id)?;
    let row = yearly_stats::table
        .filter(dsl::association_id.eq(association_id))
        .filter(dsl::year.eq(year))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(msg!("noun-statistics-of", year = year)))?;
    Ok((row, association))
}

impl Resource for StatsRow {
    const TYPE: &'static str = "yearly_stats";
    const NOUN: &'static str = "noun-statistics";
    type Fields = StatsFields;

    crate::row_basics!(StatsFields);

    crate::table_queries!(yearly_stats);

    /// One row per association and year.
    fn check_unique(conn: &mut DbConnection, row: &Self) -> Result<(), ApiError> {
        let taken: i64 = yearly_stats::table
            .filter(dsl::association_id.eq(&row.association_id))
            .filter(dsl::year.eq(row.year))
            .filter(dsl::id.ne(&row.id))
            .count()
            .get_result(conn)?;
        if taken == 0 {
            return Ok(());
        }
        Err(ApiError::conflict(
            "DUPLICATE_YEAR",
            msg!("statistics-year-taken-named", year = row.year),
        ))
    }
}

pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    association_id: &str,
    fields: StatsFields,
) -> Result<StatsRow, ApiError> {
    let association = associations_model::get_visible(conn, scope, association_id)?;
    resource::insert_under(
        conn,
        (actor, scope),
        (association.id, &association.path),
        None,
        fields,
    )
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    (association_id, year): (&str, i32),
    if_match: &IfMatch,
    change: impl FnOnce(StatsFields) -> Result<StatsFields, ApiError>,
) -> Result<StatsRow, ApiError> {
    let (current, association) = get_visible(conn, scope, association_id, year)?;
    let found = (current, association.path);
    resource::update_found(conn, actor, scope, found, if_match, change)
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    (association_id, year): (&str, i32),
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let (current, association) = get_visible(conn, scope, association_id, year)?;
    resource::delete_found(conn, actor, (current, association.path), if_match)
}

/// The stored statistics that may hold the association and year of any of
/// `rows` (a superset: the caller matches them on their keys), with their
/// associations' paths.
pub fn holders(
    conn: &mut DbConnection,
    rows: &[&StatsRow],
) -> Result<Vec<(StatsRow, String)>, ApiError> {
    use crate::db::schema::associations;
    let associations: Vec<&str> = rows.iter().map(|r| r.association_id.as_str()).collect();
    let years: Vec<i32> = rows.iter().map(|r| r.year).collect();
    Ok(yearly_stats::table
        .inner_join(associations::table)
        .filter(dsl::association_id.eq_any(associations))
        .filter(dsl::year.eq_any(years))
        .select((yearly_stats::all_columns, associations::path))
        .load(conn)?)
}

/// The filters of the statistics list.
#[derive(Debug, Clone, Default)]
pub struct StatsFilter {
    pub association_id: Option<String>,
    /// Statistics of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub year: Option<i32>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of statistics, by year.
pub fn list(
    conn: &mut DbConnection,
    filter: &StatsFilter,
    page: &PageRequest,
) -> Result<Page<StatsRow>, ApiError> {
    let cursor_of = |row: &StatsRow| (vec![row.year.to_string()], row.id.clone());
    let mut query = yearly_stats::table.into_boxed::<MultiBackend>();
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
    let rows: Vec<StatsRow> = query
        .order((dsl::year.asc(), dsl::id.asc()))
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, cursor_of))
}

/// One page of one association's years; 404 for an association the caller cannot see.
pub fn list_for_association(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: &str,
    page: &PageRequest,
) -> Result<Page<StatsRow>, ApiError> {
    associations_model::get_visible(conn, scope, association_id)?;
    let filter = StatsFilter {
        association_id: Some(association_id.to_owned()),
        scope: scope.map(str::to_owned),
        ..StatsFilter::default()
    };
    list(conn, &filter, page)
}

/// How many yearly statistics and targets an association has: its
/// history, so it stays while it has any.
fn count_for_association(conn: &mut DbConnection, id: &str) -> Result<i64, ApiError> {
    use crate::db::schema::targets;
    let stats: i64 = yearly_stats::table
        .filter(dsl::association_id.eq(id))
        .count()
        .get_result(conn)?;
    let targets: i64 = targets::table
        .filter(targets::association_id.eq(id))
        .count()
        .get_result(conn)?;
    Ok(stats + targets)
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 70,
        refuse_delete: |conn, id| {
            refuse_while(count_for_association(conn, id)?, "HAS_STATISTICS", |n| {
                msg!("association-has-statistics", count = n)
            })
        },
        follow_move: None,
    }
}

inventory::submit! {
    UniqueKey {
        constraint: "yearly_stats_association_id_year_key",
        columns: "yearly_stats.association_id, yearly_stats.year",
        code: "DUPLICATE_YEAR",
        message: "statistics-year-taken",
    }
}
