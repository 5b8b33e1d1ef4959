//! Clans in the database, on the resource layer. A clan is visible to a
//! caller whose scope covers its association.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::ClanFields;
use crate::communities::model::CommunityRow;
use crate::db::schema::clans::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::http::paging::{Page, PageRequest};
use crate::messages::Message;
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::resource::{self, Resource};
use crate::text;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = clans, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct ClanRow {
    pub id: String,
    pub name: String,
    pub search_text: String,
    pub association_id: String,
    pub community_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl ClanRow {
    pub fn fields(&self) -> ClanFields {
        ClanFields {
            name: self.name.clone(),
            association_id: self.association_id.clone(),
            community_id: self.community_id.clone(),
        }
    }

    fn set_fields(&mut self, fields: ClanFields) {
        self.search_text = text::fold(&fields.name);
        self.name = fields.name;
        self.association_id = fields.association_id;
        self.community_id = fields.community_id;
    }
}

impl Resource for ClanRow {
    const TYPE: &'static str = "clan";
    const NOUN: &'static str = "noun-clan";
    type Fields = ClanFields;

    crate::row_basics!(ClanFields);

    fn placed_in(fields: &ClanFields) -> Option<&str> {
        Some(&fields.association_id)
    }

    crate::table_queries!(clans);

    fn check_place(
        conn: &mut DbConnection,
        scope: Option<&str>,
        path: &str,
        row: &Self,
    ) -> Result<(), ApiError> {
        match &row.community_id {
            Some(id) => {
                resource::check_reference::<CommunityRow>(conn, scope, ("/community_id", id), path)
            }
            None => Ok(()),
        }
    }
}

/// The filters of the clan list.
#[derive(Debug, Clone, Default)]
pub struct ClanFilter {
    pub association_id: Option<String>,
    /// Clans of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub community_id: Option<String>,
    pub q: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of clans, by name.
pub fn list(
    conn: &mut DbConnection,
    filter: &ClanFilter,
    page: &PageRequest,
) -> Result<Page<ClanRow>, ApiError> {
    let mut query = clans::table.into_boxed::<MultiBackend>();
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |row: &ClanRow| (vec![], row.id.clone())));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(tree::ids_in_subtree(&path)));
    }
    if let Some(association_id) = &filter.association_id {
        query = query.filter(dsl::association_id.eq(association_id.clone()));
    }
    if let Some(community_id) = &filter.community_id {
        query = query.filter(dsl::community_id.eq(community_id.clone()));
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
    let rows: Vec<ClanRow> = query
        .order((dsl::name.asc(), dsl::id.asc()))
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (vec![row.name.clone()], row.id.clone())))
}

/// How many clans belong to an association or name a community.
pub fn count_in(
    conn: &mut DbConnection,
    association_id: Option<&str>,
    community_id: Option<&str>,
) -> Result<i64, ApiError> {
    let mut query = clans::table.into_boxed::<MultiBackend>();
    if let Some(id) = association_id {
        query = query.filter(dsl::association_id.eq(id.to_owned()));
    }
    if let Some(id) = community_id {
        query = query.filter(dsl::community_id.eq(id.to_owned()));
    }
    Ok(query.count().get_result(conn)?)
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 40,
        refuse_delete: |conn, id| {
            refuse_while(count_in(conn, Some(id), None)?, "HAS_CLANS", |n| {
                msg!("association-has-clans", count = n)
            })
        },
        follow_move: None,
    }
}

/// 409 while clans name the community `id`: it is not `done`.
fn refuse_while_named(
    conn: &mut DbConnection,
    id: &str,
    done: &'static str,
) -> Result<(), ApiError> {
    refuse_while(count_in(conn, None, Some(id))?, "HAS_CLANS", |n| {
        msg!("clans-name-it", count = n, done = Message::new(done))
    })
}

inventory::submit! {
    Dependant {
        on: "community",
        order: 20,
        refuse_delete: |conn, id| refuse_while_named(conn, id, "done-deleted"),
        follow_move: Some(|conn, id, _| refuse_while_named(conn, id, "done-moved-commune")),
    }
}
