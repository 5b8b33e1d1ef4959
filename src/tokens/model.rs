//! API tokens in the database: issuing, listing, revoking (a token is
//! verified by `auth::credentials`).
//!
//! A token is 256 random bits, shown once; only its SHA-256 is stored.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::associations::model::{self as associations_model};
use crate::audit::model::record;
use crate::auth::{credentials, Actor, Role};
use crate::changes::model::Change;
use crate::db::schema::api_tokens::{self, dsl};
use crate::db::schema::associations;
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::{ApiError, FieldError};
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::text;
use crate::tree;

/// Tokens start with this, so that a leaked one is easy to recognise.
pub const TOKEN_PREFIX: &str = "khk_";
pub const NAME_MAX: usize = 100;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, Identifiable)]
#[diesel(table_name = api_tokens)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub role: String,
    pub association_id: Option<String>,
    pub token_hash: String,
    pub created_at: NaiveDateTime,
    pub expires_at: Option<NaiveDateTime>,
    pub last_used_at: Option<NaiveDateTime>,
    pub revoked_at: Option<NaiveDateTime>,
    pub version: i64,
}

impl TokenRow {
    pub fn role(&self) -> Role {
        // The column has a CHECK constraint listing exactly these values.
        Role::parse(&self.role).unwrap_or(Role::Viewer)
    }
}

/// What a new token is for.
#[derive(Debug, Clone)]
pub struct NewToken {
    pub name: String,
    pub role: Role,
    pub association_id: Option<String>,
    pub expires_at: Option<NaiveDateTime>,
}

/// A new token: [`TOKEN_PREFIX`] and 256 random bits.
fn generate() -> Result<String, ApiError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal(format!("no randomness: {e}")))?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// Issues a token; returns its record and, this once, its value. `issuer`
/// is the scope path of whoever issues it (`None`: the whole tree).
pub fn issue(
    conn: &mut DbConnection,
    actor: &Actor,
    issuer: Option<&str>,
    new: NewToken,
) -> Result<(TokenRow, String), ApiError> {
    let mut errors = Vec::new();
    let name = text::single_line("/name", &new.name, NAME_MAX).unwrap_or_else(|e| {
        errors.push(e);
        String::new()
    });
    let now = now();
    if new.expires_at.is_some_and(|at| at <= now) {
        errors.push(FieldError::new(
            "/expires_at",
            "IN_THE_PAST",
            msg!("must-be-future"),
        ));
    }
    let scope_path = match &new.association_id {
        Some(id) => match associations_model::find(conn, id)? {
            Some(association) if issuer.is_none_or(|scope| association.path.starts_with(scope)) => {
                Some(association.path)
            }
            _ => {
                errors.push(FieldError::new(
                    "/association_id",
                    "NOT_FOUND",
                    msg!("association-id-unknown"),
                ));
                None
            }
        },
        None if new.role != Role::Admin => {
            errors.push(FieldError::new(
                "/association_id",
                "SCOPE_REQUIRED",
                msg!("token-scope-required"),
            ));
            None
        }
        None => None,
    };
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if new.association_id.is_none() && issuer.is_some() {
        return Err(ApiError::forbidden(
            "OUTSIDE_SCOPE",
            msg!("token-whole-tree"),
        ));
    }
    let token = generate()?;
    let row = TokenRow {
        id: uuid::Uuid::now_v7().to_string(),
        name,
        role: new.role.as_str().to_owned(),
        association_id: new.association_id,
        token_hash: credentials::hash(&token),
        created_at: now,
        expires_at: new.expires_at,
        last_used_at: None,
        revoked_at: None,
        version: 1,
    };
    let row: TokenRow = diesel::insert_into(api_tokens::table)
        .values(&row)
        .returning(api_tokens::all_columns)
        .get_result(conn)?;
    record(
        conn,
        actor,
        Change {
            action: "issue",
            resource_type: "token",
            resource_id: &row.id,
            version_before: None,
            version_after: Some(row.version),
            scope_path: scope_path.as_deref(),
        },
    )?;
    Ok((row, token))
}

/// Tokens whose association lies in `scope` (`None`: every token).
fn visible(scope: Option<&str>) -> api_tokens::BoxedQuery<'static, MultiBackend> {
    let mut query = api_tokens::table.into_boxed::<MultiBackend>();
    if let Some(scope) = scope {
        let in_scope = tree::ids_in_subtree(scope).select(associations::id.nullable());
        query = query.filter(dsl::association_id.eq_any(in_scope));
    }
    query
}

pub fn get(conn: &mut DbConnection, scope: Option<&str>, id: &str) -> Result<TokenRow, ApiError> {
    visible(scope)
        .filter(dsl::id.eq(id.to_owned()))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(msg!("noun-token")))
}

/// One page of tokens, oldest first.
pub fn list(
    conn: &mut DbConnection,
    scope: Option<&str>,
    page: &PageRequest,
) -> Result<Page<TokenRow>, ApiError> {
    let mut query = visible(scope);
    if let Some(cursor) = &page.after {
        query = query.filter(dsl::id.gt(cursor.id.clone()));
    }
    let rows: Vec<TokenRow> = query
        .order(dsl::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

/// Revokes a token at once; revoking a revoked token changes nothing.
pub fn revoke(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<TokenRow, ApiError> {
    let current = get(conn, scope, id)?;
    if_match.check(current.version)?;
    if current.revoked_at.is_some() {
        return Ok(current);
    }
    let revoked: TokenRow = diesel::update(
        api_tokens::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .set((
        dsl::revoked_at.eq(now()),
        dsl::version.eq(current.version + 1),
    ))
    .returning(api_tokens::all_columns)
    .get_result(conn)?;
    let scope_path = match &revoked.association_id {
        Some(association) => Some(associations_model::get(conn, association)?.path),
        None => None,
    };
    record(
        conn,
        actor,
        Change {
            action: "revoke",
            resource_type: "token",
            resource_id: &revoked.id,
            version_before: Some(current.version),
            version_after: Some(revoked.version),
            scope_path: scope_path.as_deref(),
        },
    )?;
    Ok(revoked)
}

/// Whether a usable admin token exists (for the first-start hint).
pub fn admin_exists(conn: &mut DbConnection) -> Result<bool, ApiError> {
    let count: i64 = api_tokens::table
        .filter(dsl::role.eq(Role::Admin.as_str()))
        .filter(dsl::revoked_at.is_null())
        .filter(dsl::expires_at.is_null().or(dsl::expires_at.gt(now())))
        .count()
        .get_result(conn)?;
    Ok(count > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_prefixed() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert!(a.starts_with(TOKEN_PREFIX));
        assert_ne!(a, b);
        // 32 bytes in unpadded base64url.
        assert_eq!(a.len(), TOKEN_PREFIX.len() + 43);
        assert_eq!(credentials::hash(&a).len(), 64);
        assert_eq!(credentials::hash(&a), credentials::hash(&a));
    }
}
