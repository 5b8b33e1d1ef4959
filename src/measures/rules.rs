//! What a measured criterion's value was made of, without the database.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::criteria_sets::measure::Measure;
use crate::criteria_sets::rules::SubjectKind;
use crate::messages::Message;

/// Where the denominator of a measured share came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Denominator {
    /// The population of the yearly statistics.
    Population,
    /// The subjects with an approved assessment of the year.
    ApprovedAssessments,
    /// Households registered individually (`/households`).
    RegisteredHouseholds,
    /// The `households` of the yearly statistics: no household is registered individually.
    YearlyStatsHouseholds,
    /// Clans registered (`/clans`).
    RegisteredClans,
    /// Village communities registered (`/communities`).
    RegisteredCommunities,
    /// The community's stated `household_count`: none of its households is registered.
    StatedHouseholdCount,
    /// Units registered (`/units`).
    RegisteredUnits,
    /// The associations of the subject's level.
    Associations,
}

impl Denominator {
    /// Where the count of every subject of `kind` comes from; none for
    /// citizens, whose register holds those put forward for assessment, not
    /// every adult.
    pub fn registered(kind: SubjectKind) -> Option<Denominator> {
        match kind {
            SubjectKind::Citizen => None,
            SubjectKind::Unit => Some(Denominator::RegisteredUnits),
            SubjectKind::Family => Some(Denominator::RegisteredHouseholds),
            SubjectKind::Clan => Some(Denominator::RegisteredClans),
            SubjectKind::Community => Some(Denominator::RegisteredCommunities),
            SubjectKind::Province | SubjectKind::District | SubjectKind::Commune => {
                Some(Denominator::Associations)
            }
        }
    }
}

/// Where the threshold of a measured criterion came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdSource {
    /// The criterion's own fraction.
    Fixed,
    /// The subject's target (`target_id`).
    Target,
    /// The criterion asks for the target and the subject has none for the
    /// year or later: the criterion is not met.
    NoTarget,
}

impl ThresholdSource {
    /// Where the threshold came from, as a printed report says it.
    pub fn noun(self) -> Message {
        Message::new(match self {
            ThresholdSource::Fixed => "threshold-source-fixed",
            ThresholdSource::Target => "threshold-source-target",
            ThresholdSource::NoTarget => "threshold-source-no-target",
        })
    }
}

/// What the service measured for a criterion, stored with its result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(example = json!({
    "measure": "recognised_family_ratio", "value": 0.936776, "numerator": 23218, "denominator": 24785,
    "denominator_source": "registered_households", "threshold": 0.7, "threshold_source": "target",
    "target_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa2", "measured_at": "2026-11-28T09:00:00Z"
}))]
pub struct Measurement {
    pub measure: Measure,
    /// `numerator / denominator`, rounded to 6 decimals; `null` when the denominator is 0.
    pub value: Option<f64>,
    pub numerator: i64,
    pub denominator: i64,
    pub denominator_source: Denominator,
    /// The bar the value had to reach; `null` when the subject has no target.
    pub threshold: Option<f64>,
    pub threshold_source: ThresholdSource,
    #[schema(format = Uuid)]
    pub target_id: Option<String>,
    /// When it was measured (UTC): on create and change of a draft and on
    /// submit; an approved assessment keeps the values it was approved with.
    pub measured_at: DateTime<Utc>,
}

impl Measurement {
    /// Met when the value reaches the threshold (exactly 50 % meets "at least 50 %").
    pub fn met(&self) -> bool {
        match (self.value, self.threshold) {
            // Both are rounded to 6 decimals; the tolerance absorbs the last bit.
            (Some(value), Some(threshold)) => value + 1e-9 >= threshold,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(value: Option<f64>, threshold: Option<f64>) -> Measurement {
        Measurement {
            measure: Measure::MemberHouseholdsRecognisedRatio,
            value,
            numerator: 0,
            denominator: 0,
            denominator_source: Denominator::RegisteredHouseholds,
            threshold,
            threshold_source: ThresholdSource::Fixed,
            target_id: None,
            measured_at: DateTime::default(),
        }
    }

    #[test]
    fn exactly_the_threshold_is_met_and_just_below_is_not() {
        assert!(measured(Some(0.5), Some(0.5)).met());
        assert!(!measured(Some(0.499), Some(0.5)).met());
        assert!(!measured(None, Some(0.0)).met());
        assert!(!measured(Some(1.0), None).met());
    }
}
