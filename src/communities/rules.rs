//! The rules of village communities that need no database.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::msg;
use crate::text;

/// What kind of place a community is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CommunityKind {
    /// Thôn, làng: a village.
    Village,
    /// Bản: a village of the uplands.
    MountainVillage,
    /// Ấp: a hamlet of the south.
    Hamlet,
    /// Tổ dân phố, khu phố: a residential group of a town.
    ResidentialGroup,
    Other,
}

impl CommunityKind {
    pub const ALL: [CommunityKind; 5] = [
        CommunityKind::Village,
        CommunityKind::MountainVillage,
        CommunityKind::Hamlet,
        CommunityKind::ResidentialGroup,
        CommunityKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CommunityKind::Village => "village",
            CommunityKind::MountainVillage => "mountain_village",
            CommunityKind::Hamlet => "hamlet",
            CommunityKind::ResidentialGroup => "residential_group",
            CommunityKind::Other => "other",
        }
    }

    pub fn parse(value: &str) -> Option<CommunityKind> {
        CommunityKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

pub const CODE_MAX: usize = 32;
pub const NAME_MAX: usize = 200;
/// The largest household count or population a community may state.
pub const COUNT_MAX: i32 = 1_000_000;

/// Everything a client may set on a community.
#[derive(Debug, Clone, PartialEq)]
pub struct CommunityFields {
    pub code: String,
    pub name: String,
    pub kind: CommunityKind,
    pub association_id: String,
    pub household_count: Option<i32>,
    pub population: Option<i32>,
}

impl CommunityFields {
    /// Normalises the text and checks every field rule, reporting all at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(error) = text::machine_code("/code", &self.code, CODE_MAX) {
            errors.push(error);
        }
        match text::single_line("/name", &self.name, NAME_MAX) {
            Ok(name) => self.name = name,
            Err(error) => errors.push(error),
        }
        for (pointer, value) in [
            ("/household_count", self.household_count),
            ("/population", self.population),
        ] {
            if value.is_some_and(|n| !(0..=COUNT_MAX).contains(&n)) {
                errors.push(FieldError::new(
                    pointer,
                    "OUT_OF_RANGE",
                    msg!("count-range", min = 0, max = 1_000_000),
                ));
            }
        }
        if let (Some(households), Some(population)) = (self.household_count, self.population) {
            if households > population {
                errors.push(FieldError::new(
                    "/household_count",
                    "MORE_THAN_POPULATION",
                    msg!(
                        "households-above-population",
                        households = households,
                        population = population
                    ),
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

    fn fields() -> CommunityFields {
        CommunityFields {
            code: "THON-3".into(),
            name: " Thôn 3 ".into(),
            kind: CommunityKind::Village,
            association_id: "a".into(),
            household_count: Some(180),
            population: Some(720),
        }
    }

    #[test]
    fn a_valid_community_is_normalised() {
        assert_eq!(fields().validated().unwrap().name, "Thôn 3");
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let mut input = fields();
        input.code = "thôn 3".into();
        input.name = String::new();
        input.population = Some(100);
        let error = input.validated().unwrap_err();
        let reasons: Vec<(&str, &str)> = error
            .field_errors()
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            reasons[1..],
            [
                ("/name", "REQUIRED"),
                ("/household_count", "MORE_THAN_POPULATION")
            ][..],
            "{reasons:?}"
        );
        assert_eq!(reasons[0].0, "/code");
        let mut negative = fields();
        negative.household_count = Some(-1);
        assert_eq!(
            negative.validated().unwrap_err().field_errors()[0].code,
            "OUT_OF_RANGE"
        );
    }
}
