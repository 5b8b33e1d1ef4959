//! Households in the database, on the resource layer. A household is
//! visible to a caller whose scope covers its association.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::HouseholdFields;
use crate::clans::model::ClanRow;
use crate::communities::model::CommunityRow;
use crate::db::schema::households::{self, dsl};
use crate::db::{DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest};
use crate::messages::Message;
use crate::msg;
use crate::resource::dependants::{refuse_while, Dependant};
use crate::resource::{self, Resource};
use crate::text;
use crate::tree;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable, Default)]
#[diesel(table_name = households, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct HouseholdRow {
    pub id: String,
    pub code: String,
    pub head_name: String,
    pub search_text: String,
    pub association_id: String,
    pub address: Option<String>,
    pub member_count: Option<i32>,
    pub phone: Option<String>,
    pub clan_id: Option<String>,
    pub community_id: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl HouseholdRow {
    pub fn fields(&self) -> HouseholdFields {
        HouseholdFields {
            code: self.code.clone(),
            head_name: self.head_name.clone(),
            association_id: self.association_id.clone(),
            address: self.address.clone(),
            member_count: self.member_count,
            phone: self.phone.clone(),
            clan_id: self.clan_id.clone(),
            community_id: self.community_id.clone(),
        }
    }

    fn set_fields(&mut self, fields: HouseholdFields) {
        self.search_text = text::fold(&format!("{} {}", fields.head_name, fields.code));
        self.code = fields.code;
        self.head_name = fields.head_name;
        self.association_id = fields.association_id;
        self.address = fields.address;
        self.member_count = fields.member_count;
        self.phone = fields.phone;
        self.clan_id = fields.clan_id;
        self.community_id = fields.community_id;
    }
}

impl Resource for HouseholdRow {
    const TYPE: &'static str = "household";
    const NOUN: &'static str = "noun-household";
    type Fields = HouseholdFields;

    crate::row_basics!(HouseholdFields);

    fn placed_in(fields: &HouseholdFields) -> Option<&str> {
        Some(&fields.association_id)
    }

    crate::table_queries!(households);

    /// The clan and the village named must be the caller's to see, and of
    /// the household's association or one above it.
    fn check_place(
        conn: &mut DbConnection,
        scope: Option<&str>,
        path: &str,
        row: &Self,
    ) -> Result<(), ApiError> {
        if let Some(id) = &row.clan_id {
            resource::check_reference::<ClanRow>(conn, scope, ("/clan_id", id), path)?;
        }
        if let Some(id) = &row.community_id {
            let named = ("/community_id", id.as_str());
            resource::check_reference::<CommunityRow>(conn, scope, named, path)?;
        }
        Ok(())
    }

    fn check_unique(conn: &mut DbConnection, row: &Self) -> Result<(), ApiError> {
        let holder: Option<String> = households::table
            .filter(dsl::association_id.eq(&row.association_id))
            .filter(dsl::code.eq(&row.code))
            .filter(dsl::id.ne(&row.id))
            .select(dsl::id)
            .first(conn)
            .optional()?;
        match holder {
            Some(_) => Err(ApiError::conflict(
                "DUPLICATE_CODE",
                msg!("household-code-taken-named", code = &row.code),
            )),
            None => Ok(()),
        }
    }
}

/// The filters of the household list.
#[derive(Debug, Clone, Default)]
pub struct HouseholdFilter {
    pub association_id: Option<String>,
    /// Households of this association and of every association below it.
    pub ancestor_id: Option<String>,
    pub clan_id: Option<String>,
    pub community_id: Option<String>,
    pub q: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of households, in registration order (so that page tokens never
/// carry a name).
pub fn list(
    conn: &mut DbConnection,
    filter: &HouseholdFilter,
    page: &PageRequest,
) -> Result<Page<HouseholdRow>, ApiError> {
    let mut query = households::table.into_boxed::<MultiBackend>();
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |row: &HouseholdRow| (vec![], row.id.clone())));
    };
    for path in subtrees {
        query = query.filter(dsl::association_id.eq_any(tree::ids_in_subtree(&path)));
    }
    if let Some(association_id) = &filter.association_id {
        query = query.filter(dsl::association_id.eq(association_id.clone()));
    }
    if let Some(clan_id) = &filter.clan_id {
        query = query.filter(dsl::clan_id.eq(clan_id.clone()));
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
    if let Some(cursor) = &page.after {
        query = query.filter(dsl::id.gt(cursor.id.clone()));
    }
    let rows: Vec<HouseholdRow> = query
        .order(dsl::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

/// How many households belong to an association or name a community.
pub fn count_in(
    conn: &mut DbConnection,
    association_id: Option<&str>,
    community_id: Option<&str>,
) -> Result<i64, ApiError> {
    let mut query = households::table.into_boxed::<MultiBackend>();
    if let Some(id) = association_id {
        query = query.filter(dsl::association_id.eq(id.to_owned()));
    }
    if let Some(id) = community_id {
        query = query.filter(dsl::community_id.eq(id.to_owned()));
    }
    Ok(query.count().get_result(conn)?)
}

/// 409 while households name the clan or community `id` (`named_by`): it
/// is not `done`.
fn refuse_while_named(
    conn: &mut DbConnection,
    named_by: Named,
    id: &str,
    done: &'static str,
) -> Result<(), ApiError> {
    let count = match named_by {
        Named::Clan => households::table
            .filter(dsl::clan_id.eq(id))
            .count()
            .get_result(conn)?,
        Named::Community => count_in(conn, None, Some(id))?,
    };
    refuse_while(count, "HAS_HOUSEHOLDS", |n| {
        msg!("households-name-it", count = n, done = Message::new(done))
    })
}

/// What a household names besides its association.
enum Named {
    Clan,
    Community,
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 30,
        refuse_delete: |conn, id| {
            refuse_while(count_in(conn, Some(id), None)?, "HAS_HOUSEHOLDS", |n| {
                msg!("association-has-households", count = n)
            })
        },
        follow_move: None,
    }
}

inventory::submit! {
    Dependant {
        on: "community",
        order: 10,
        refuse_delete: |conn, id| refuse_while_named(conn, Named::Community, id, "done-deleted"),
        follow_move: Some(|conn, id, _| {
            refuse_while_named(conn, Named::Community, id, "done-moved-commune")
        }),
    }
}

inventory::submit! {
    Dependant {
        on: "clan",
        order: 10,
        refuse_delete: |conn, id| refuse_while_named(conn, Named::Clan, id, "done-deleted"),
        follow_move: Some(|conn, id, _| {
            refuse_while_named(conn, Named::Clan, id, "done-moved-association")
        }),
    }
}

/// The households holding any of the (association, code) keys (and perhaps a few
/// more of those associations and codes), with their associations' paths.
pub fn holding_codes<'a>(
    conn: &mut DbConnection,
    keys: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<Vec<(HouseholdRow, String)>, ApiError> {
    use crate::db::schema::associations;
    let (held_by, codes): (Vec<&str>, Vec<&str>) = keys.unzip();
    Ok(households::table
        .inner_join(associations::table.on(associations::id.eq(dsl::association_id)))
        .filter(dsl::association_id.eq_any(held_by))
        .filter(dsl::code.eq_any(codes))
        .select((households::all_columns, associations::path))
        .load(conn)?)
}

inventory::submit! {
    UniqueKey {
        constraint: "households_association_id_code_key",
        columns: "households.association_id, households.code",
        code: "DUPLICATE_CODE",
        message: "household-code-taken",
    }
}
