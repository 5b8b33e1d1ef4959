//! The rules of associations that need no database: levels and their order,
//! and the checks on each field.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::messages::Message;
use crate::msg;
use crate::text;

/// The administrative level of an association, from the top of the tree down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Central,
    Province,
    District,
    Commune,
    Branch,
}

impl Level {
    pub const ALL: [Level; 5] = [
        Level::Central,
        Level::Province,
        Level::District,
        Level::Commune,
        Level::Branch,
    ];

    /// The level said in a sentence ("a commune", "hội cấp xã").
    pub fn noun(self) -> Message {
        Message::new(match self {
            Level::Central => "level-central",
            Level::Province => "level-province",
            Level::District => "level-district",
            Level::Commune => "level-commune",
            Level::Branch => "level-branch",
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Central => "central",
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
            Level::Branch => "branch",
        }
    }

    pub fn parse(value: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.as_str() == value)
    }

    /// A parent is strictly above its children; levels may be skipped (since
    /// the 2025 reform communes sit directly under provinces).
    pub fn may_parent(self, child: Level) -> bool {
        (self as u8) < (child as u8)
    }
}

pub const CODE_MAX: usize = 32;
pub const NAME_MAX: usize = 200;
pub const ADDRESS_MAX: usize = 500;
pub const PERSON_NAME_MAX: usize = 200;
pub const EMAIL_MAX: usize = 254;
pub const EARLIEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap();
pub const LATEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).unwrap();

/// Everything a client may set on an association. Built from a create body,
/// or from the stored association with a merge patch applied, then checked
/// by [`AssociationFields::validated`] in one place.
#[derive(Debug, Clone, PartialEq)]
pub struct AssociationFields {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_id: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub chair_name: Option<String>,
    pub founded_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
    pub successor_id: Option<String>,
}

impl AssociationFields {
    /// An association with a code, a name and a level, and nothing else (tests).
    #[cfg(test)]
    pub fn named(code: &str, name: &str, level: Level) -> Self {
        AssociationFields {
            code: code.to_owned(),
            name: name.to_owned(),
            level,
            parent_id: None,
            address: None,
            phone: None,
            email: None,
            chair_name: None,
            founded_on: None,
            dissolved_on: None,
            successor_id: None,
        }
    }

    /// Normalises the text fields and checks every rule that needs no
    /// database, reporting all broken rules at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        if let Err(error) = text::machine_code("/code", &self.code, CODE_MAX) {
            errors.push(error);
        }
        match text::single_line("/name", &self.name, NAME_MAX) {
            Ok(name) => self.name = name,
            Err(error) => errors.push(error),
        }
        {
            let mut keep = |result: Result<Option<String>, FieldError>| {
                result.unwrap_or_else(|error| {
                    errors.push(error);
                    None
                })
            };
            self.address = keep(text::optional_line("/address", self.address, ADDRESS_MAX));
            self.chair_name = keep(text::optional_line(
                "/chair_name",
                self.chair_name,
                PERSON_NAME_MAX,
            ));
            self.phone = keep(text::optional_phone("/phone", self.phone));
            // Blank free text counts as absent, but a blank e-mail is no e-mail.
            self.email = keep(match self.email {
                Some(email) if email.trim().is_empty() => Err(invalid_email()),
                email => text::optional_line("/email", email, EMAIL_MAX).and_then(check_email),
            });
        }
        for (pointer, date) in [
            ("/founded_on", self.founded_on),
            ("/dissolved_on", self.dissolved_on),
        ] {
            if date.is_some_and(|d| !(EARLIEST_DATE..=LATEST_DATE).contains(&d)) {
                errors.push(FieldError::new(
                    pointer,
                    "OUT_OF_RANGE",
                    msg!(
                        "date-range",
                        min = EARLIEST_DATE.to_string(),
                        max = LATEST_DATE.to_string()
                    ),
                ));
            }
        }
        if let (Some(founded), Some(dissolved)) = (self.founded_on, self.dissolved_on) {
            if dissolved < founded {
                errors.push(FieldError::new(
                    "/dissolved_on",
                    "DATE_ORDER",
                    msg!("dissolved-before-founded"),
                ));
            }
        }
        if self.successor_id.is_some() && self.dissolved_on.is_none() {
            errors.push(FieldError::new(
                "/successor_id",
                "NOT_DISSOLVED",
                msg!("successor-not-dissolved"),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

fn check_email(email: Option<String>) -> Result<Option<String>, FieldError> {
    let Some(email) = email else { return Ok(None) };
    if email_address::EmailAddress::is_valid(&email) {
        Ok(Some(email))
    } else {
        Err(invalid_email())
    }
}

fn invalid_email() -> FieldError {
    FieldError::new("/email", "INVALID_EMAIL", msg!("invalid-email"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> AssociationFields {
        AssociationFields::named("15", "Hội Khuyến học tỉnh Yên Bái", Level::Province)
    }

    fn codes(result: Result<AssociationFields, ApiError>) -> Vec<(String, String)> {
        result
            .unwrap_err()
            .field_errors()
            .iter()
            .map(|e| (e.pointer.clone(), e.code.clone()))
            .collect()
    }

    #[test]
    fn levels_are_ordered_and_may_be_skipped() {
        assert!(Level::Province.may_parent(Level::District));
        assert!(Level::Province.may_parent(Level::Commune));
        assert!(!Level::Commune.may_parent(Level::District));
        assert!(!Level::Commune.may_parent(Level::Commune));
    }

    #[test]
    fn a_valid_association_is_normalised() {
        let mut input = fields();
        input.name = "  Hội Khuyến học  ".into();
        input.address = Some("   ".into());
        input.chair_name = Some(String::new());
        input.email = Some("hkh@yenbai.gov.vn".into());
        input.phone = Some("+84 216 385 2222".into());
        let valid = input.validated().unwrap();
        assert_eq!(valid.name, "Hội Khuyến học");
        assert_eq!(valid.address, None);
        assert_eq!(valid.chair_name, None);
        assert_eq!(valid.email.as_deref(), Some("hkh@yenbai.gov.vn"));
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let mut input = fields();
        input.code = "bad code".into();
        input.name = String::new();
        input.email = Some("not-an-email".into());
        input.phone = Some("call me".into());
        input.founded_on = NaiveDate::from_ymd_opt(2000, 1, 1);
        input.dissolved_on = NaiveDate::from_ymd_opt(1999, 1, 1);
        assert_eq!(
            codes(input.validated()),
            vec![
                ("/code".into(), "INVALID_CODE".into()),
                ("/name".into(), "REQUIRED".into()),
                ("/phone".into(), "INVALID_PHONE".into()),
                ("/email".into(), "INVALID_EMAIL".into()),
                ("/dissolved_on".into(), "DATE_ORDER".into()),
            ]
        );
    }

    #[test]
    fn a_blank_email_is_invalid_not_absent() {
        let mut input = fields();
        input.email = Some(String::new());
        assert_eq!(
            codes(input.validated()),
            vec![("/email".into(), "INVALID_EMAIL".into())]
        );
    }

    #[test]
    fn only_a_dissolved_association_has_a_successor() {
        let mut input = fields();
        input.successor_id = Some("x".into());
        assert_eq!(
            codes(input.clone().validated()),
            vec![("/successor_id".into(), "NOT_DISSOLVED".into())]
        );
        input.dissolved_on = NaiveDate::from_ymd_opt(2025, 7, 1);
        assert!(input.validated().is_ok());
    }
}
