//! Units in the database, on the resource layer. A unit is visible to a
//! caller whose scope covers its association.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{UnitFields, UnitKind};
use crate::db::schema::units::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest};
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::resource::Resource;
use crate::text;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = units, treat_none_as_null = true, treat_none_as_default_value = false)]
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

impl Resource for UnitRow {
    const TYPE: &'static str = "unit";
    const NOUN: &'static str = "noun-unit";
    type Fields = UnitFields;

    crate::row_basics!(UnitFields);

    fn placed_in(fields: &UnitFields) -> Option<&str> {
        Some(&fields.association_id)
    }

    crate::table_queries!(units);

    fn check_unique(conn: &mut DbConnection, row: &Self) -> Result<(), ApiError> {
        let Some(code) = &row.code else { return Ok(()) };
        let holder: Option<String> = units::table
            .filter(dsl::code.eq(code))
            .filter(dsl::id.ne(&row.id))
            .select(dsl::id)
            .first(conn)
            .optional()?;
        match holder {
            Some(_) => Err(ApiError::conflict(
                "DUPLICATE_CODE",
                msg!("unit-code-taken-named", code = code),
            )),
            None => Ok(()),
        }
    }
}

/// The units holding any of `codes`, with their associations' paths.
pub fn holding_codes<'a>(
    conn: &mut DbConnection,
    codes: impl Iterator<Item = &'a str>,
) -> Result<Vec<(UnitRow, String)>, ApiError> {
    use crate::db::schema::associations;
    Ok(units::table
        .inner_join(associations::table)
        .filter(dsl::code.eq_any(codes.collect::<Vec<_>>()))
        .select((units::all_columns, associations::path))
        .load(conn)?)
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
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |row: &UnitRow| (vec![], row.id.clone())));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(tree::ids_in_subtree(&path)));
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
fn count_in(conn: &mut DbConnection, association_id: &str) -> Result<i64, ApiError> {
    Ok(units::table
        .filter(dsl::association_id.eq(association_id))
        .count()
        .get_result(conn)?)
}

inventory::submit! {
    UniqueKey {
        constraint: "units_code_key",
        columns: "units.code",
        code: "DUPLICATE_CODE",
        message: "unit-code-taken",
    }
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 20,
        refuse_delete: |conn, id| {
            refuse_while(count_in(conn, id)?, "HAS_UNITS", |n| {
                msg!("association-has-units", count = n)
            })
        },
        follow_move: None,
    }
}
