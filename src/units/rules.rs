//! The rules of units that need no database.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::msg;
use crate::text;

/// What kind of body a unit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// A state agency or public body.
    Agency,
    School,
    Enterprise,
    ArmedForces,
    Other,
}

impl UnitKind {
    pub const ALL: [UnitKind; 5] = [
        UnitKind::Agency,
        UnitKind::School,
        UnitKind::Enterprise,
        UnitKind::ArmedForces,
        UnitKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UnitKind::Agency => "agency",
            UnitKind::School => "school",
            UnitKind::Enterprise => "enterprise",
            UnitKind::ArmedForces => "armed_forces",
            UnitKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

pub const CODE_MAX: usize = 32;
pub const NAME_MAX: usize = 200;

/// Everything a client may set on a unit.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitFields {
    pub code: Option<String>,
    pub name: String,
    pub kind: UnitKind,
    pub association_id: String,
    pub address: Option<String>,
    pub head_name: Option<String>,
    pub staff_count: Option<i32>,
}

impl UnitFields {
    /// Normalises the text and checks every field rule, reporting all at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        if let Some(code) = self.code.as_deref().filter(|c| !c.is_empty()) {
            if let Err(error) = text::machine_code("/code", code, CODE_MAX) {
                errors.push(error);
            }
        } else {
            self.code = None;
        }
        match text::single_line("/name", &self.name, NAME_MAX) {
            Ok(name) => self.name = name,
            Err(error) => errors.push(error),
        }
        for (pointer, value, max) in [
            ("/address", &mut self.address, 500),
            ("/head_name", &mut self.head_name, NAME_MAX),
        ] {
            match text::optional_line(pointer, value.take(), max) {
                Ok(clean) => *value = clean,
                Err(error) => errors.push(error),
            }
        }
        if self
            .staff_count
            .is_some_and(|n| !(0..=10_000_000).contains(&n))
        {
            errors.push(FieldError::new(
                "/staff_count",
                "OUT_OF_RANGE",
                msg!("count-range", min = 0, max = 10_000_000),
            ));
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

    fn fields() -> UnitFields {
        UnitFields {
            code: Some("THPT-TY".into()),
            name: " Trường THPT Trấn Yên ".into(),
            kind: UnitKind::School,
            association_id: "a".into(),
            address: Some("  ".into()),
            head_name: None,
            staff_count: Some(60),
        }
    }

    #[test]
    fn a_valid_unit_is_normalised() {
        let valid = fields().validated().unwrap();
        assert_eq!(valid.name, "Trường THPT Trấn Yên");
        assert_eq!(valid.address, None);
        let mut no_code = fields();
        no_code.code = Some(String::new());
        assert_eq!(no_code.validated().unwrap().code, None);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let mut input = fields();
        input.code = Some("mã sai".into());
        input.name = String::new();
        input.staff_count = Some(-1);
        let error = input.validated().unwrap_err();
        let pointers: Vec<&str> = error
            .field_errors()
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(pointers, vec!["/code", "/name", "/staff_count"]);
    }
}
