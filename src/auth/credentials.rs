//! Credentials: the hash an API token is stored under and the caller a
//! presented token stands for, and the user a verified OpenID Connect
//! identity signs in as. Issuing tokens and managing users is the `tokens`
//! and `users` resources' job.
//!
//! Only a token's SHA-256 is stored: a fast hash is right for high-entropy
//! secrets (256 random bits), there is nothing to guess.

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;
use sha2::{Digest, Sha256};

use super::oidc::Subject;
use super::{Caller, Credential, Role, Scope};
use crate::db::schema::api_tokens::{self, dsl};
use crate::db::schema::{associations, user_identities, users};
use crate::db::{now, DbConnection};
use crate::error::ApiError;
use crate::msg;

/// What is stored of a token: its SHA-256, in hex.
pub fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What verifying a token reads of its row.
#[derive(Queryable)]
struct StoredToken {
    id: String,
    name: String,
    role: String,
    association_id: Option<String>,
    expires_at: Option<NaiveDateTime>,
    last_used_at: Option<NaiveDateTime>,
    revoked_at: Option<NaiveDateTime>,
}

/// The caller a token stands for, and how long until it expires (`None`:
/// never); 401 when it is unknown, expired or revoked. `key` is the
/// token's [`hash`].
pub fn authenticate(
    conn: &mut DbConnection,
    key: &str,
) -> Result<(Caller, Option<std::time::Duration>), ApiError> {
    let row: Option<StoredToken> = api_tokens::table
        .filter(dsl::token_hash.eq(key))
        .select((
            dsl::id,
            dsl::name,
            dsl::role,
            dsl::association_id,
            dsl::expires_at,
            dsl::last_used_at,
            dsl::revoked_at,
        ))
        .first(conn)
        .optional()?;
    let row =
        row.ok_or_else(|| ApiError::unauthorized("INVALID_TOKEN", msg!("token-unknown"), true))?;
    let now = now();
    if row.revoked_at.is_some() {
        return Err(ApiError::unauthorized(
            "TOKEN_REVOKED",
            msg!("token-revoked"),
            true,
        ));
    }
    if row.expires_at.is_some_and(|at| at <= now) {
        return Err(ApiError::unauthorized(
            "TOKEN_EXPIRED",
            msg!("token-expired"),
            true,
        ));
    }
    let scope = scope_of(conn, row.association_id)?;
    // last_used_at to the minute: a write per request would serialise
    // SQLite's readers behind its one writer.
    if row
        .last_used_at
        .is_none_or(|at| now - at > TimeDelta::minutes(1))
    {
        diesel::update(api_tokens::table.find(&row.id))
            .set(dsl::last_used_at.eq(now))
            .execute(conn)?;
    }
    let expires_in = row
        .expires_at
        .map(|at| (at - now).to_std().unwrap_or_default());
    let caller = Caller {
        // The column has a CHECK constraint listing exactly these values.
        role: Role::parse(&row.role).unwrap_or(Role::Viewer),
        credential: Credential::Token { id: row.id },
        name: row.name,
        scope,
    };
    Ok((caller, expires_in))
}

/// The scope of an association (`None`: the whole tree).
fn scope_of(
    conn: &mut DbConnection,
    association_id: Option<String>,
) -> Result<Option<Scope>, ApiError> {
    Ok(match association_id {
        Some(id) => Some(Scope {
            path: associations::table
                .find(&id)
                .select(associations::path)
                .first(conn)?,
            association_id: id,
        }),
        None => None,
    })
}

/// The user a verified identity signs in as: 403 `NOT_REGISTERED` when no
/// user holds it, `USER_DEACTIVATED` when its user is deactivated.
pub fn signed_in(conn: &mut DbConnection, subject: &Subject) -> Result<Caller, ApiError> {
    let user: Option<(String, String, String, Option<String>, bool)> = user_identities::table
        .inner_join(users::table)
        .filter(user_identities::issuer.eq(&subject.issuer))
        .filter(user_identities::subject.eq(&subject.subject))
        .select((
            users::id,
            users::name,
            users::role,
            users::association_id,
            users::active,
        ))
        .first(conn)
        .optional()?;
    let Some((id, name, role, association_id, active)) = user else {
        return Err(ApiError::forbidden(
            "NOT_REGISTERED",
            msg!("user-not-registered"),
        ));
    };
    if !active {
        return Err(ApiError::forbidden(
            "USER_DEACTIVATED",
            msg!("user-deactivated"),
        ));
    }
    Ok(Caller {
        credential: Credential::User {
            user_id: id,
            issuer: subject.issuer.clone(),
        },
        name,
        // The column has a CHECK constraint listing exactly these values.
        role: Role::parse(&role).unwrap_or(Role::Viewer),
        scope: scope_of(conn, association_id)?,
    })
}
