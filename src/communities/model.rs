//! Village communities in the database, on the resource layer. A community
//! is visible to a caller whose scope covers its commune association.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{CommunityFields, CommunityKind};
use crate::associations::model as associations_model;
use crate::associations::rules::Level;
use crate::db::schema::communities::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::UniqueKey;
use crate::error::{ApiError, FieldError};
use crate::http::paging::{Page, PageRequest};
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::resource::Resource;
use crate::text;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = communities, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct CommunityRow {
    pub id: String,
    pub code: String,
    pub name: String,
    pub search_text: String,
    pub kind: String,
    pub association_id: String,
    pub household_count: Option<i32>,
    pub population: Option<i32>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CommunityRow {
    pub fn kind(&self) -> CommunityKind {
        // The column has a CHECK constraint listing exactly these values.
        CommunityKind::parse(&self.kind).unwrap_or(CommunityKind::Other)
    }

    pub fn fields(&self) -> CommunityFields {
        CommunityFields {
            code: self.code.clone(),
            name: self.name.clone(),
            kind: self.kind(),
            association_id: self.association_id.clone(),
            household_count: self.household_count,
            population: self.population,
        }
    }

    fn set_fields(&mut self, fields: CommunityFields) {
        self.search_text = text::fold(&format!("{} {}", fields.name, fields.code));
        self.code = fields.code;
        self.name = fields.name;
        self.kind = fields.kind.as_str().to_owned();
        self.association_id = fields.association_id;
        self.household_count = fields.household_count;
        self.population = fields.population;
    }
}

impl Resource for CommunityRow {
    const TYPE: &'static str = "community";
    const NOUN: &'static str = "noun-community";
    type Fields = CommunityFields;

    crate::row_basics!(CommunityFields);

    fn placed_in(fields: &CommunityFields) -> Option<&str> {
        Some(&fields.association_id)
    }

    crate::table_queries!(communities);

    /// A village belongs to a commune: 422 under any other level.
    fn check_place(
        conn: &mut DbConnection,
        _: Option<&str>,
        _: &str,
        row: &Self,
    ) -> Result<(), ApiError> {
        let level = associations_model::find(conn, &row.association_id)?.map(|a| a.level());
        match level {
            Some(Level::Commune) => Ok(()),
            _ => Err(ApiError::validation(vec![FieldError::new(
                "/association_id",
                "NOT_A_COMMUNE",
                msg!("community-not-commune"),
            )])),
        }
    }

    fn check_unique(conn: &mut DbConnection, row: &Self) -> Result<(), ApiError> {
        let holder: Option<String> = communities::table
            .filter(dsl::association_id.eq(&row.association_id))
            .filter(dsl::code.eq(&row.code))
            .filter(dsl::id.ne(&row.id))
            .select(dsl::id)
            .first(conn)
            .optional()?;
        match holder {
            Some(_) => Err(ApiError::conflict(
                "DUPLICATE_CODE",
                msg!("community-code-taken-named", code = &row.code),
            )),
            None => Ok(()),
        }
    }
}

/// The filters of the community list.
#[derive(Debug, Clone, Default)]
pub struct CommunityFilter {
    pub association_id: Option<String>,
    /// Communities of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub kind: Option<CommunityKind>,
    pub q: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of communities, by name.
pub fn list(
    conn: &mut DbConnection,
    filter: &CommunityFilter,
    page: &PageRequest,
) -> Result<Page<CommunityRow>, ApiError> {
    let mut query = communities::table.into_boxed::<MultiBackend>();
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |row: &CommunityRow| (vec![], row.id.clone())));
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
    let rows: Vec<CommunityRow> = query
        .order((dsl::name.asc(), dsl::id.asc()))
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (vec![row.name.clone()], row.id.clone())))
}

/// How many communities belong to an association (a delete is refused while any do).
fn count_in(conn: &mut DbConnection, association_id: &str) -> Result<i64, ApiError> {
    Ok(communities::table
        .filter(dsl::association_id.eq(association_id))
        .count()
        .get_result(conn)?)
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 50,
        refuse_delete: |conn, id| {
            refuse_while(count_in(conn, id)?, "HAS_COMMUNITIES", |n| {
                msg!("association-has-communities", count = n)
            })
        },
        follow_move: None,
    }
}

/// The communities holding any of the (association, code) keys (and perhaps a few
/// more of those associations and codes), with their associations' paths.
pub fn holding_codes<'a>(
    conn: &mut DbConnection,
    keys: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<(CommunityRow, String)>, ApiError> {
    use crate::db::schema::associations;
    let (held_by, codes): (Vec<&str>, Vec<&str>) = keys.unzip();
    Ok(communities::table
        .inner_join(associations::table.on(associations::id.eq(dsl::association_id)))
        .filter(dsl::association_id.eq_any(held_by))
        .filter(dsl::code.eq_any(codes))
        .select((communities::all_columns, associations::path))
        .load(conn)?)
}

inventory::submit! {
    UniqueKey {
        constraint: "communities_association_id_code_key",
        columns: "communities.association_id, communities.code",
        code: "DUPLICATE_CODE",
        message: "community-code-taken",
    }
}
