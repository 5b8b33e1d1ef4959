//! The rules of yearly statistics that need no database.

use crate::error::{ApiError, FieldError};
use crate::msg;
use crate::text;

/// The Vietnam Association for Promoting Education was founded in 1996.
pub const EARLIEST_YEAR: i32 = 1996;
pub const LATEST_YEAR: i32 = 2100;
pub const NOTE_MAX: usize = 4000;
/// Far above any real count or sum of money (10^14: a hundred thousand
/// billion đồng), far below `i64::MAX`, so that sums over 10,000
/// associations cannot overflow.
pub const COUNT_MAX: i64 = 100_000_000_000_000;

/// Checks a year of a statistic, target or report parameter.
pub fn check_year(pointer: &str, year: i32) -> Result<(), FieldError> {
    if (EARLIEST_YEAR..=LATEST_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(FieldError::new(
            pointer,
            "OUT_OF_RANGE",
            msg!("year-range", min = EARLIEST_YEAR, max = LATEST_YEAR),
        ))
    }
}

/// A fraction `numerator / denominator`, `None` when the denominator is 0
/// or absent. Rounded to 6 decimals so that 23,793 / 91,161 reads 0.261
/// and not a float artefact; the counts themselves are always given beside it.
pub fn ratio(numerator: i64, denominator: Option<i64>) -> Option<f64> {
    denominator
        .filter(|d| *d > 0)
        .map(|d| round6(numerator as f64 / d as f64))
}

pub fn round6(value: f64) -> f64 {
    (value * 1e6).round() / 1e6
}

/// Everything a client may set on the statistics of one year.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct StatsFields {
    pub year: i32,
    pub member_count: i64,
    pub population: Option<i64>,
    pub households: Option<i64>,
    pub branch_count: Option<i64>,
    pub fund_raised_vnd: Option<i64>,
    pub scholarship_count: Option<i64>,
    pub scholarship_value_vnd: Option<i64>,
    pub note: Option<String>,
}

impl StatsFields {
    /// Normalises the note and checks every rule, reporting all at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(error) = check_year("/year", self.year) {
            errors.push(error);
        }
        let counts = [
            ("/member_count", Some(self.member_count)),
            ("/population", self.population),
            ("/households", self.households),
            ("/branch_count", self.branch_count),
            ("/fund_raised_vnd", self.fund_raised_vnd),
            ("/scholarship_count", self.scholarship_count),
            ("/scholarship_value_vnd", self.scholarship_value_vnd),
        ];
        for (pointer, value) in counts {
            if value.is_some_and(|v| !(0..=COUNT_MAX).contains(&v)) {
                errors.push(FieldError::new(
                    pointer,
                    "OUT_OF_RANGE",
                    msg!("count-range", min = 0, max = COUNT_MAX),
                ));
            }
        }
        if let Some(population) = self.population.filter(|p| *p >= 0) {
            if self.member_count > population {
                errors.push(FieldError::new(
                    "/member_count",
                    "MEMBERS_ABOVE_POPULATION",
                    msg!(
                        "members-above-population",
                        members = self.member_count,
                        population = population
                    ),
                ));
            }
        }
        match text::optional_text("/note", self.note.take(), NOTE_MAX) {
            Ok(note) => self.note = note,
            Err(error) => errors.push(error),
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::validation(errors))
        }
    }

    /// Members over population, as a fraction; `None` without a population.
    pub fn membership_ratio(&self) -> Option<f64> {
        ratio(self.member_count, self.population)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> StatsFields {
        StatsFields {
            year: 2020,
            member_count: 23_793,
            population: Some(91_161),
            note: Some("  ".into()),
            ..StatsFields::default()
        }
    }

    #[test]
    fn the_ratio_is_members_over_population() {
        let valid = fields().validated().unwrap();
        assert_eq!(valid.note, None);
        assert_eq!(valid.membership_ratio(), Some(0.261));
    }

    #[test]
    fn no_ratio_without_a_population() {
        let mut zero = fields();
        zero.member_count = 0;
        zero.population = Some(0);
        assert_eq!(zero.validated().unwrap().membership_ratio(), None);
        let mut absent = fields();
        absent.population = None;
        assert_eq!(absent.membership_ratio(), None);
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let mut input = fields();
        input.year = 1980;
        input.population = Some(100);
        input.households = Some(-1);
        input.scholarship_value_vnd = Some(-5);
        let error = input.validated().unwrap_err();
        let found: Vec<(&str, &str)> = error
            .field_errors()
            .iter()
            .map(|e| (e.pointer.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![
                ("/year", "OUT_OF_RANGE"),
                ("/households", "OUT_OF_RANGE"),
                ("/scholarship_value_vnd", "OUT_OF_RANGE"),
                ("/member_count", "MEMBERS_ABOVE_POPULATION"),
            ]
        );
    }
}
