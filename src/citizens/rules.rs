//! The rules of citizens that need no database.

use chrono::Datelike;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::http::extract::whole_number_between;
use crate::msg;
use crate::text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Female,
    Male,
    Other,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Gender::Female => "female",
            Gender::Male => "male",
            Gender::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<Gender> {
        [Gender::Female, Gender::Male, Gender::Other]
            .into_iter()
            .find(|g| g.as_str() == value)
    }
}

pub const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// `birth_year` as sent (`#[serde(deserialize_with = …)]`): anything but a
/// whole number is told the years accepted, not the range of an `i32`.
pub fn birth_year<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i32>, D::Error> {
    let this_year = chrono::Utc::now().year();
    whole_number_between(deserializer, EARLIEST_BIRTH_YEAR.into(), this_year.into())
}

/// [`birth_year`] as a merge-patch member: absent, `null`, or a year.
pub fn birth_year_member<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<Option<i32>>, D::Error> {
    birth_year(deserializer).map(Some)
}

/// Everything a client may set on a citizen.
#[derive(Debug, Clone, PartialEq)]
pub struct CitizenFields {
    pub external_id: Option<String>,
    pub full_name: String,
    pub birth_year: Option<i32>,
    pub gender: Option<Gender>,
    pub association_id: String,
    pub occupation: Option<String>,
    pub phone: Option<String>,
    pub national_id: Option<String>,
}

impl CitizenFields {
    /// Normalises the text and checks every field rule, reporting all at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        match self.external_id.take().filter(|v| !v.is_empty()) {
            Some(id) => match text::machine_code("/external_id", &id, 64) {
                Ok(()) => self.external_id = Some(id),
                Err(error) => errors.push(error),
            },
            None => self.external_id = None,
        }
        match text::single_line("/full_name", &self.full_name, 200) {
            Ok(name) => self.full_name = name,
            Err(error) => errors.push(error),
        }
        let this_year = chrono::Utc::now().year();
        if self
            .birth_year
            .is_some_and(|y| !(EARLIEST_BIRTH_YEAR..=this_year).contains(&y))
        {
            errors.push(FieldError::new(
                "/birth_year",
                "OUT_OF_RANGE",
                msg!("year-range", min = EARLIEST_BIRTH_YEAR, max = this_year),
            ));
        }
        match text::optional_text("/occupation", self.occupation.take(), 200) {
            Ok(v) => self.occupation = v,
            Err(error) => errors.push(error),
        }
        match text::optional_phone("/phone", self.phone.take()) {
            Ok(phone) => self.phone = phone,
            Err(error) => errors.push(error),
        }
        if let Some(national_id) = self.national_id.take().filter(|n| !n.is_empty()) {
            if national_id.len() == 12 && national_id.bytes().all(|b| b.is_ascii_digit()) {
                self.national_id = Some(national_id);
            } else {
                errors.push(FieldError::new(
                    "/national_id",
                    "INVALID_NATIONAL_ID",
                    msg!("national-id-form"),
                ));
            }
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> CitizenFields {
        CitizenFields {
            external_id: None,
            full_name: " Nguyễn Thị Hoa ".into(),
            birth_year: Some(1985),
            gender: Some(Gender::Female),
            association_id: "a".into(),
            occupation: Some("Nông dân".into()),
            phone: Some("0912 345 678".into()),
            national_id: Some("015185000123".into()),
        }
    }

    #[test]
    fn a_valid_citizen_is_normalised() {
        let valid = fields().validated().unwrap();
        assert_eq!(valid.full_name, "Nguyễn Thị Hoa");
        assert_eq!(valid.national_id.as_deref(), Some("015185000123"));
    }

    #[test]
    fn national_ids_have_12_digits_and_birth_years_are_plausible() {
        for bad in ["12345678901", "1234567890123", "01518500012a"] {
            let mut input = fields();
            input.national_id = Some(bad.into());
            let error = input.validated().unwrap_err();
            assert_eq!(error.field_errors()[0].code, "INVALID_NATIONAL_ID", "{bad}");
        }
        let mut input = fields();
        input.birth_year = Some(1850);
        input.phone = Some("gọi tôi".into());
        let error = input.validated().unwrap_err();
        let pointers: Vec<&str> = error
            .field_errors()
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(pointers, vec!["/birth_year", "/phone"]);
    }
}
