//! The rules of users that need no database.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::Role;
use crate::error::{ApiError, FieldError};
use crate::msg;
use crate::text;

pub const NAME_MAX: usize = 100;
pub const EMAIL_MAX: usize = 254;
pub const ISSUER_MAX: usize = 500;
pub const SUBJECT_MAX: usize = 255;
/// More identities than anyone signs in with.
pub const IDENTITIES_MAX: usize = 20;

/// An identity at an OpenID Connect provider that signs in as a user: the
/// provider's issuer URL and the subject (`sub`) it gives the person or
/// the machine client.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"issuer": "https://id.yenbai.gov.vn/realms/khuyenhoc",
                          "subject": "8f0c2a4e-51d2-4a7b-9c1e-3b7f6a2d9e10"}))]
pub struct Identity {
    /// The issuer (`iss`) of the provider's tokens, exactly as it writes it.
    #[schema(min_length = 1, max_length = 500)]
    pub issuer: String,
    /// The subject (`sub`) the provider gives this person or client.
    #[schema(min_length = 1, max_length = 255)]
    pub subject: String,
}

/// What a client gives of a user, and a merge patch changes.
#[derive(Debug, Clone, PartialEq)]
pub struct UserFields {
    pub name: String,
    pub email: Option<String>,
    pub role: Role,
    pub association_id: Option<String>,
    pub active: bool,
    pub identities: Vec<Identity>,
}

impl UserFields {
    /// The fields cleaned, or every rule they break.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        match text::single_line("/name", &self.name, NAME_MAX) {
            Ok(name) => self.name = name,
            Err(e) => errors.push(e),
        }
        match text::optional_line("/email", self.email.take(), EMAIL_MAX) {
            Ok(Some(email)) if email_address::EmailAddress::is_valid(&email) => {
                self.email = Some(email)
            }
            Ok(Some(_)) => errors.push(FieldError::new(
                "/email",
                "INVALID_EMAIL",
                msg!("invalid-email"),
            )),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
        if self.association_id.is_none() && self.role != Role::Admin {
            errors.push(FieldError::new(
                "/association_id",
                "SCOPE_REQUIRED",
                msg!("user-scope-required"),
            ));
        }
        if self.identities.len() > IDENTITIES_MAX {
            errors.push(FieldError::new(
                "/identities",
                "TOO_MANY",
                msg!("too-many-identities", max = IDENTITIES_MAX),
            ));
        }
        for (i, identity) in self.identities.iter().enumerate() {
            errors.extend(identity_errors(i, identity));
        }
        self.identities.sort();
        if self.identities.windows(2).any(|pair| pair[0] == pair[1]) {
            errors.push(FieldError::new(
                "/identities",
                "DUPLICATE_IDENTITY",
                msg!("identity-twice"),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// What is wrong with the identity at `index`.
fn identity_errors(index: usize, identity: &Identity) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let issuer = &identity.issuer;
    let is_url = issuer.starts_with("https://") || issuer.starts_with("http://");
    if !is_url || issuer.chars().count() > ISSUER_MAX || issuer.chars().any(char::is_whitespace) {
        errors.push(FieldError::new(
            format!("/identities/{index}/issuer"),
            "INVALID_ISSUER",
            msg!("identity-issuer-form", max = ISSUER_MAX),
        ));
    }
    let subject = &identity.subject;
    if subject.is_empty()
        || subject.chars().count() > SUBJECT_MAX
        || subject.chars().any(char::is_control)
    {
        errors.push(FieldError::new(
            format!("/identities/{index}/subject"),
            "INVALID_SUBJECT",
            msg!("identity-subject-form", max = SUBJECT_MAX),
        ));
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> UserFields {
        UserFields {
            name: " Nguyễn Thị Hoa ".into(),
            email: Some("hoa@example.vn".into()),
            role: Role::Editor,
            association_id: Some("a".into()),
            active: true,
            identities: vec![Identity {
                issuer: "https://id.example.vn/realms/k".into(),
                subject: "hoa".into(),
            }],
        }
    }

    fn codes(fields: UserFields) -> Vec<String> {
        fields
            .validated()
            .unwrap_err()
            .field_errors()
            .iter()
            .map(|e| format!("{} {}", e.pointer, e.code))
            .collect()
    }

    #[test]
    fn a_user_is_cleaned_and_every_broken_rule_is_named() {
        assert_eq!(fields().validated().unwrap().name, "Nguyễn Thị Hoa");
        let mut wrong = fields();
        wrong.email = Some("not mail".into());
        wrong.association_id = None;
        wrong.identities.push(Identity {
            issuer: "id.example.vn".into(),
            subject: String::new(),
        });
        assert_eq!(
            codes(wrong),
            [
                "/email INVALID_EMAIL",
                "/association_id SCOPE_REQUIRED",
                "/identities/1/issuer INVALID_ISSUER",
                "/identities/1/subject INVALID_SUBJECT"
            ]
        );
    }

    #[test]
    fn an_identity_is_listed_once_and_only_an_admin_covers_the_whole_tree() {
        let mut twice = fields();
        twice.identities.push(twice.identities[0].clone());
        assert_eq!(codes(twice), ["/identities DUPLICATE_IDENTITY"]);
        let mut admin = fields();
        admin.role = Role::Admin;
        admin.association_id = None;
        assert!(admin.validated().is_ok());
    }
}
