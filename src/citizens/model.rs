//! Citizens in the database. A citizen is visible to a caller whose scope
//! covers the association where they live.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{CitizenFields, Gender};
use crate::auth::Actor;
use crate::db::schema::associations;
use crate::db::schema::citizens::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest};
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::resource::{self, Resource};
use crate::text;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = citizens, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct CitizenRow {
    pub id: String,
    pub external_id: Option<String>,
    pub full_name: String,
    pub search_text: String,
    pub birth_year: Option<i32>,
    pub gender: Option<String>,
    pub association_id: String,
    pub occupation: Option<String>,
    pub phone: Option<String>,
    pub national_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl CitizenRow {
    pub fn gender(&self) -> Option<Gender> {
        self.gender.as_deref().and_then(Gender::parse)
    }

    pub fn fields(&self) -> CitizenFields {
        CitizenFields {
            external_id: self.external_id.clone(),
            full_name: self.full_name.clone(),
            birth_year: self.birth_year,
            gender: self.gender(),
            association_id: self.association_id.clone(),
            occupation: self.occupation.clone(),
            phone: self.phone.clone(),
            national_id: self.national_id.clone(),
        }
    }

    fn set_fields(&mut self, fields: CitizenFields) {
        self.search_text = text::fold(&fields.full_name);
        self.external_id = fields.external_id;
        self.full_name = fields.full_name;
        self.birth_year = fields.birth_year;
        self.gender = fields.gender.map(|g| g.as_str().to_owned());
        self.association_id = fields.association_id;
        self.occupation = fields.occupation;
        self.phone = fields.phone;
        self.national_id = fields.national_id;
    }
}

/// The code of the answer to a national id registered already.
pub const DUPLICATE_NATIONAL_ID: &str = "DUPLICATE_NATIONAL_ID";

/// A national id names one person, registered once in the whole country, so
/// it stays unique across every scope. The answer is the same wherever the
/// holder is registered (inside the caller's scope or not) and names neither
/// the holder nor where they are: it tells only that the id is taken, which
/// the caller needs to know to correct a typo or to ask for a transfer.
fn national_id_taken() -> ApiError {
    ApiError::conflict(DUPLICATE_NATIONAL_ID, msg!("national-id-taken"))
}

/// Records that `actor` was refused `national_id` because a citizen holds it:
/// an audit event on the holder (action `refuse_duplicate_national_id`, in
/// the holder's scope), so the editors of the holder's association and the
/// admins see who tried it, and repeated probing by one token shows in the
/// trail. Runs after the refused write rolled back; never records the number.
pub fn audit_refused_national_id(
    conn: &mut DbConnection,
    actor: &Actor,
    national_id: &str,
) -> Result<(), ApiError> {
    let holder: Option<(String, i64, String)> = citizens::table
        .inner_join(associations::table)
        .filter(dsl::national_id.eq(national_id))
        .select((dsl::id, dsl::version, associations::path))
        .first(conn)
        .optional()?;
    let Some((id, version, path)) = holder else {
        return Ok(());
    };
    resource::audit::<CitizenRow>(
        conn,
        actor,
        "refuse_duplicate_national_id",
        &id,
        &path,
        (Some(version), Some(version)),
    )
}

impl Resource for CitizenRow {
    const TYPE: &'static str = "citizen";
    const NOUN: &'static str = "noun-citizen";
    type Fields = CitizenFields;

    crate::row_basics!(CitizenFields);

    fn placed_in(fields: &CitizenFields) -> Option<&str> {
        Some(&fields.association_id)
    }

    crate::table_queries!(citizens);

    /// 409 when another citizen holds the same external id or national id.
    fn check_unique(conn: &mut DbConnection, row: &Self) -> Result<(), ApiError> {
        if let Some(external_id) = &row.external_id {
            let taken: i64 = citizens::table
                .filter(dsl::external_id.eq(external_id))
                .filter(dsl::id.ne(&row.id))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                return Err(ApiError::conflict(
                    "DUPLICATE_EXTERNAL_ID",
                    msg!("external-id-taken"),
                ));
            }
        }
        if let Some(national_id) = &row.national_id {
            let taken: i64 = citizens::table
                .filter(dsl::national_id.eq(national_id))
                .filter(dsl::id.ne(&row.id))
                .count()
                .get_result(conn)?;
            if taken > 0 {
                return Err(national_id_taken());
            }
        }
        Ok(())
    }
}

/// The citizens holding the external id or the national id of any of
/// `rows`, with their associations' paths.
pub fn holding_ids(
    conn: &mut DbConnection,
    rows: &[&CitizenRow],
) -> Result<Vec<(CitizenRow, String)>, ApiError> {
    let external: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.external_id.as_deref())
        .collect();
    let national: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.national_id.as_deref())
        .collect();
    let joined = citizens::table
        .inner_join(associations::table)
        .select((citizens::all_columns, associations::path));
    // Each side only when it has values, so that both can use their index.
    Ok(match (external.is_empty(), national.is_empty()) {
        (true, true) => Vec::new(),
        (false, true) => joined
            .filter(dsl::external_id.eq_any(external))
            .load(conn)?,
        (true, false) => joined
            .filter(dsl::national_id.eq_any(national))
            .load(conn)?,
        (false, false) => joined
            .filter(
                dsl::external_id
                    .eq_any(external)
                    .or(dsl::national_id.eq_any(national)),
            )
            .load(conn)?,
    })
}

/// The filters of the citizen list.
#[derive(Debug, Clone, Default)]
pub struct CitizenFilter {
    pub association_id: Option<String>,
    /// Citizens of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub birth_year: Option<i32>,
    pub q: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of citizens, in the order they were registered. (Not by name:
/// the page token carries the last sort key, and a name is personal data
/// that would then travel in URLs.)
pub fn list(
    conn: &mut DbConnection,
    filter: &CitizenFilter,
    page: &PageRequest,
) -> Result<Page<CitizenRow>, ApiError> {
    let mut query = citizens::table.into_boxed::<MultiBackend>();
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |row: &CitizenRow| (vec![], row.id.clone())));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(tree::ids_in_subtree(&path)));
    }
    if let Some(association_id) = &filter.association_id {
        query = query.filter(dsl::association_id.eq(association_id.clone()));
    }
    if let Some(year) = filter.birth_year {
        query = query.filter(dsl::birth_year.eq(year));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            dsl::search_text
                .like(text::contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some(cursor) = &page.after {
        query = query.filter(dsl::id.gt(cursor.id.clone()));
    }
    let rows: Vec<CitizenRow> = query
        .order(dsl::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

/// How many citizens live in an association's area (a delete is refused while any do).
fn count_in(conn: &mut DbConnection, association_id: &str) -> Result<i64, ApiError> {
    Ok(citizens::table
        .filter(dsl::association_id.eq(association_id))
        .count()
        .get_result(conn)?)
}

inventory::submit! {
    UniqueKey {
        constraint: "citizens_national_id_key",
        columns: "citizens.national_id",
        code: DUPLICATE_NATIONAL_ID,
        message: "national-id-taken",
    }
}

inventory::submit! {
    UniqueKey {
        constraint: "citizens_external_id_key",
        columns: "citizens.external_id",
        code: "DUPLICATE_EXTERNAL_ID",
        message: "external-id-taken",
    }
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 60,
        refuse_delete: |conn, id| {
            refuse_while(count_in(conn, id)?, "HAS_CITIZENS", |n| {
                msg!("association-has-citizens", count = n)
            })
        },
        follow_move: None,
    }
}
