//! Who is calling and what they may do: roles, scopes in the association
//! tree, and the checks every handler makes. A presented token is verified
//! in [`credentials`]; the middleware that turns a bearer token into a
//! [`Caller`] is in [`middleware`]. Issuing and revoking tokens is the
//! `tokens` resource's.

pub mod cache;
pub mod credentials;
pub mod middleware;
pub mod oidc;
pub mod throttle;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::msg;

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Everything, including tokens and the audit trail.
    Admin,
    /// Read and write within its scope; reads the audit trail of its scope.
    Editor,
    /// Read within its scope.
    Viewer,
    /// Read within its scope, and the bulk endpoints; never edits one by one.
    Integration,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Editor, Role::Viewer, Role::Integration];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
            Role::Integration => "integration",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    pub fn edits(self) -> bool {
        matches!(self, Role::Admin | Role::Editor)
    }
}

/// The part of the tree a token covers: an association and everything below it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub association_id: String,
    /// The association's materialised path ("/root/…/id/").
    pub path: String,
}

/// Who performs a write, as the audit trail records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub token_id: Option<String>,
    /// The signed-in user, for a caller of an OpenID Connect token.
    pub user_id: Option<String>,
    pub name: String,
    pub request_id: Option<String>,
    /// Writes of a bulk import: each row's change goes to the change feed,
    /// the audit trail gets one event for the whole import.
    pub bulk: bool,
}

impl Actor {
    /// The operator at the command line (`khuyenhoc token …`).
    pub fn command_line() -> Self {
        Actor {
            token_id: None,
            user_id: None,
            name: "command line".to_owned(),
            request_id: None,
            bulk: false,
        }
    }

    /// Who it is, for a log line: ids only, never a name (a user's name is
    /// personal data).
    pub fn describe(&self) -> String {
        match (&self.token_id, &self.user_id) {
            (Some(token), _) => format!("token {token}"),
            (None, Some(user)) => format!("user {user}"),
            (None, None) => "the command line".to_owned(),
        }
    }
}

/// What authenticated a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// An API token.
    Token { id: String },
    /// An OpenID Connect access token of `issuer`, whose subject is linked
    /// to the user `user_id`.
    User { user_id: String, issuer: String },
    /// The operator at the command line.
    CommandLine,
}

/// The [`Caller::key`] of the user `user_id`.
pub fn user_key(user_id: &str) -> String {
    format!("user:{user_id}")
}

/// The authenticated caller of a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub credential: Credential,
    /// The token's or the user's name.
    pub name: String,
    pub role: Role,
    /// `None`: the whole tree.
    pub scope: Option<Scope>,
}

impl Caller {
    /// What idempotency keys and rate limits belong to: the token's id, or
    /// `user:` and the user's id.
    pub fn key(&self) -> String {
        match &self.credential {
            Credential::Token { id } => id.clone(),
            Credential::User { user_id, .. } => user_key(user_id),
            Credential::CommandLine => "command-line".to_owned(),
        }
    }

    pub fn token_id(&self) -> Option<&str> {
        match &self.credential {
            Credential::Token { id } => Some(id),
            _ => None,
        }
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.credential {
            Credential::User { user_id, .. } => Some(user_id),
            _ => None,
        }
    }

    /// The path prefix of everything the caller may see; `None` for all.
    pub fn scope_path(&self) -> Option<&str> {
        self.scope.as_ref().map(|s| s.path.as_str())
    }

    /// Whether the association at `path` is in the caller's scope.
    pub fn sees(&self, path: &str) -> bool {
        self.scope_path()
            .is_none_or(|scope| path.starts_with(scope))
    }

    /// Whether the association at `path` is strictly below the caller's
    /// scope and the caller edits: the rule for reviewing (approving) the
    /// work of an association, which belongs to the level above it.
    pub fn is_strictly_above(&self, path: &str) -> bool {
        self.role.edits()
            && self
                .scope_path()
                .is_none_or(|scope| path.starts_with(scope) && path != scope)
    }

    /// 403 unless the caller's role edits data.
    pub fn require_editor(&self) -> Result<(), ApiError> {
        if self.role.edits() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "ROLE_CANNOT_EDIT",
                msg!("role-cannot-edit", role = self.role.as_str()),
            ))
        }
    }

    /// 403 unless the caller is an admin.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        if self.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::forbidden("ADMIN_ONLY", msg!("admin-only")))
        }
    }

    /// The command line's caller: an admin of the whole tree.
    pub fn command_line() -> Self {
        Caller {
            credential: Credential::CommandLine,
            name: "command line".to_owned(),
            role: Role::Admin,
            scope: None,
        }
    }

    pub fn actor(&self) -> Actor {
        Actor {
            token_id: self.token_id().map(str::to_owned),
            user_id: self.user_id().map(str::to_owned),
            name: self.name.clone(),
            request_id: crate::context::current().map(|c| c.request_id),
            bulk: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, scope: Option<&str>) -> Caller {
        Caller {
            credential: Credential::Token { id: "t".into() },
            name: "n".into(),
            role,
            scope: scope.map(|path| Scope {
                association_id: "d".into(),
                path: path.into(),
            }),
        }
    }

    #[test]
    fn a_scope_covers_its_association_and_everything_below() {
        let district = caller(Role::Editor, Some("/p/d/"));
        assert!(district.sees("/p/d/"));
        assert!(district.sees("/p/d/c/"));
        assert!(!district.sees("/p/"));
        assert!(!district.sees("/p/d2/"));
        assert!(caller(Role::Viewer, None).sees("/anything/"));
    }

    #[test]
    fn reviewing_belongs_to_an_editor_strictly_above() {
        assert!(caller(Role::Editor, Some("/p/d/")).is_strictly_above("/p/d/c/"));
        assert!(!caller(Role::Editor, Some("/p/d/")).is_strictly_above("/p/d/"));
        assert!(!caller(Role::Editor, Some("/p/d/")).is_strictly_above("/p/"));
        assert!(!caller(Role::Viewer, Some("/p/")).is_strictly_above("/p/d/"));
        assert!(caller(Role::Admin, None).is_strictly_above("/p/"));
    }

    #[test]
    fn only_editors_and_admins_edit() {
        assert!(caller(Role::Admin, None).require_editor().is_ok());
        assert!(caller(Role::Editor, Some("/p/")).require_editor().is_ok());
        assert!(caller(Role::Viewer, None).require_editor().is_err());
        assert!(caller(Role::Integration, None).require_editor().is_err());
        assert!(caller(Role::Editor, None).require_admin().is_err());
    }
}
