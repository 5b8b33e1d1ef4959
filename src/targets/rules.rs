//! The metrics targets are set on, and the rules of a target.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, FieldError};
use crate::messages::Message;
use crate::msg;
use crate::text;
use crate::yearly_stats::rules::{check_year, round6, NOTE_MAX};

/// A figure reports compute for an association and a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    /// Members over population in the subtree (a fraction).
    MembershipRatio,
    /// Citizens recognised as learning citizens over citizens assessed (approved assessments, a fraction).
    RecognisedCitizenRatio,
    /// Units recognised as learning units over units assessed (approved assessments, a fraction).
    RecognisedUnitRatio,
    /// Communes rated Tốt or Khá over communes assessed (approved assessments, a fraction).
    CommunesGoodOrAboveRatio,
    /// How many of the learning-district criteria the district meets (a count).
    LearningDistrictCriteriaMet,
    /// Households recognised as learning families (approved, recognised family
    /// assessments of the year) over all households: those registered in the
    /// subtree, or the yearly statistics' `households` where none are (a fraction).
    RecognisedFamilyRatio,
    /// Clans recognised as learning clans over all clans registered in the subtree (a fraction).
    RecognisedClanRatio,
    /// Village communities recognised over all communities registered in the subtree (a fraction).
    RecognisedCommunityRatio,
}

impl Metric {
    /// What the metric measures, as a chart names it.
    pub fn noun(self) -> Message {
        Message::new(match self {
            Metric::MembershipRatio => "metric-membership-ratio",
            Metric::RecognisedCitizenRatio => "metric-recognised-citizen-ratio",
            Metric::RecognisedUnitRatio => "metric-recognised-unit-ratio",
            Metric::CommunesGoodOrAboveRatio => "metric-communes-good-or-above-ratio",
            Metric::LearningDistrictCriteriaMet => "metric-learning-district-criteria-met",
            Metric::RecognisedFamilyRatio => "metric-recognised-family-ratio",
            Metric::RecognisedClanRatio => "metric-recognised-clan-ratio",
            Metric::RecognisedCommunityRatio => "metric-recognised-community-ratio",
        })
    }

    /// A count (the criteria met), not a fraction.
    pub fn is_count(self) -> bool {
        self == Metric::LearningDistrictCriteriaMet
    }

    pub const ALL: [Metric; 8] = [
        Metric::MembershipRatio,
        Metric::RecognisedCitizenRatio,
        Metric::RecognisedUnitRatio,
        Metric::CommunesGoodOrAboveRatio,
        Metric::LearningDistrictCriteriaMet,
        Metric::RecognisedFamilyRatio,
        Metric::RecognisedClanRatio,
        Metric::RecognisedCommunityRatio,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Metric::MembershipRatio => "membership_ratio",
            Metric::RecognisedCitizenRatio => "recognised_citizen_ratio",
            Metric::RecognisedUnitRatio => "recognised_unit_ratio",
            Metric::CommunesGoodOrAboveRatio => "communes_good_or_above_ratio",
            Metric::LearningDistrictCriteriaMet => "learning_district_criteria_met",
            Metric::RecognisedFamilyRatio => "recognised_family_ratio",
            Metric::RecognisedClanRatio => "recognised_clan_ratio",
            Metric::RecognisedCommunityRatio => "recognised_community_ratio",
        }
    }

    pub fn parse(value: &str) -> Option<Metric> {
        Metric::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// The largest value the metric can take: 1 for a fraction.
    pub fn max_value(self) -> f64 {
        match self {
            Metric::LearningDistrictCriteriaMet => 1000.0,
            _ => 1.0,
        }
    }
}

/// Everything a client may set on a target.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetFields {
    pub association_id: String,
    pub metric: Metric,
    /// The year by which the target is to be reached.
    pub year: i32,
    pub min_value: f64,
    pub max_value: Option<f64>,
    pub note: Option<String>,
}

impl TargetFields {
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors: Vec<FieldError> = Vec::new();
        if let Err(error) = check_year("/year", self.year) {
            errors.push(error);
        }
        let top = self.metric.max_value();
        for (pointer, value) in [
            ("/min_value", Some(self.min_value)),
            ("/max_value", self.max_value),
        ] {
            if value.is_some_and(|v| !(0.0..=top).contains(&v)) {
                errors.push(FieldError::new(
                    pointer,
                    "OUT_OF_RANGE",
                    msg!("target-range", metric = self.metric.as_str(), max = top),
                ));
            }
        }
        if self.max_value.is_some_and(|max| max < self.min_value) {
            errors.push(FieldError::new(
                "/max_value",
                "BELOW_MIN_VALUE",
                msg!("max-below-min"),
            ));
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
}

/// How an actual value stands against a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// Below `min_value`.
    Below,
    /// From `min_value` up to `max_value` (or above `min_value` when there is no ceiling).
    Within,
    /// Above `max_value`.
    Above,
    /// No actual value to compare (nothing reported, no population, nothing assessed).
    Unknown,
}

impl TargetStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Below => "below",
            TargetStatus::Within => "within",
            TargetStatus::Above => "above",
            TargetStatus::Unknown => "unknown",
        }
    }
}

/// The comparison of an actual value with a target.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Gap {
    /// `min_value - actual`: positive while the target is not reached.
    pub to_min: Option<f64>,
    pub status: TargetStatus,
}

pub fn gap(min_value: f64, max_value: Option<f64>, actual: Option<f64>) -> Gap {
    let Some(actual) = actual else {
        return Gap {
            to_min: None,
            status: TargetStatus::Unknown,
        };
    };
    let status = if actual < min_value {
        TargetStatus::Below
    } else if max_value.is_some_and(|max| actual > max) {
        TargetStatus::Above
    } else {
        TargetStatus::Within
    };
    Gap {
        to_min: Some(round6(min_value - actual)),
        status,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> TargetFields {
        TargetFields {
            association_id: "a".into(),
            metric: Metric::MembershipRatio,
            year: 2025,
            min_value: 0.35,
            max_value: Some(0.4),
            note: None,
        }
    }

    #[test]
    fn a_range_target_is_valid() {
        assert!(fields().validated().is_ok());
    }

    #[test]
    fn ratios_stay_between_0_and_1_and_the_ceiling_above_the_floor() {
        let mut input = fields();
        input.min_value = 35.0;
        input.max_value = Some(0.4);
        let codes: Vec<(String, String)> = input
            .validated()
            .unwrap_err()
            .field_errors()
            .iter()
            .map(|e| (e.pointer.clone(), e.code.clone()))
            .collect();
        assert_eq!(
            codes,
            vec![
                ("/min_value".to_owned(), "OUT_OF_RANGE".to_owned()),
                ("/max_value".to_owned(), "BELOW_MIN_VALUE".to_owned()),
            ]
        );
        let mut count = fields();
        count.metric = Metric::LearningDistrictCriteriaMet;
        count.min_value = 14.0;
        count.max_value = None;
        assert!(count.validated().is_ok());
    }

    #[test]
    fn the_gap_is_what_is_missing_to_the_floor() {
        let below = gap(0.35, Some(0.4), Some(0.261));
        assert_eq!(below.status, TargetStatus::Below);
        assert_eq!(below.to_min, Some(0.089));
        assert_eq!(
            gap(0.35, Some(0.4), Some(0.38)).status,
            TargetStatus::Within
        );
        assert_eq!(gap(0.35, Some(0.4), Some(0.41)).status, TargetStatus::Above);
        assert_eq!(gap(0.35, None, Some(0.9)).status, TargetStatus::Within);
        assert_eq!(gap(0.35, None, None).status, TargetStatus::Unknown);
    }
}
