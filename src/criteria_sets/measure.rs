//! What a criterion may measure, and the bar it sets: a criterion with a
//! `measure` is decided by the service from the data (`measures` computes
//! the values), without the database here.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::rules::SubjectKind;
use crate::error::FieldError;
use crate::msg;
use crate::targets::rules::Metric;

/// What the service measures for a criterion. The codes are the metric codes
/// of targets, reports and the trend; `member_households_recognised_ratio` is
/// the clan's or village community's own households recognised as learning
/// families.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Members over population in the subject's subtree (yearly statistics).
    MembershipRatio,
    /// Learning citizens recognised over citizens assessed (approved).
    RecognisedCitizenRatio,
    /// Learning units recognised over units assessed (approved).
    RecognisedUnitRatio,
    /// Communes rated Khá or above over communes assessed (approved).
    CommunesGoodOrAboveRatio,
    /// Learning families over all households of the subtree.
    RecognisedFamilyRatio,
    /// Learning clans over all clans of the subtree.
    RecognisedClanRatio,
    /// Learning village communities over all communities of the subtree.
    RecognisedCommunityRatio,
    /// For a clan or a village community: its households recognised as
    /// learning families in the same period over its households.
    MemberHouseholdsRecognisedRatio,
}

impl Measure {
    pub const ALL: [Measure; 8] = [
        Measure::MembershipRatio,
        Measure::RecognisedCitizenRatio,
        Measure::RecognisedUnitRatio,
        Measure::CommunesGoodOrAboveRatio,
        Measure::RecognisedFamilyRatio,
        Measure::RecognisedClanRatio,
        Measure::RecognisedCommunityRatio,
        Measure::MemberHouseholdsRecognisedRatio,
    ];

    pub fn as_str(self) -> &'static str {
        match self.metric() {
            Some(metric) => metric.as_str(),
            None => "member_households_recognised_ratio",
        }
    }

    pub fn parse(value: &str) -> Option<Measure> {
        Measure::ALL.into_iter().find(|m| m.as_str() == value)
    }

    /// The measure of a target metric (all but the count of district criteria met).
    pub fn of_metric(metric: Metric) -> Option<Measure> {
        Measure::ALL
            .into_iter()
            .find(|m| m.metric() == Some(metric))
    }

    /// The subjects whose recognition the measure counts, for the subtree
    /// shares of the family, clan and community models.
    pub fn model(self) -> Option<SubjectKind> {
        match self {
            Measure::RecognisedFamilyRatio => Some(SubjectKind::Family),
            Measure::RecognisedClanRatio => Some(SubjectKind::Clan),
            Measure::RecognisedCommunityRatio => Some(SubjectKind::Community),
            _ => None,
        }
    }

    /// The target metric of the same code, for `threshold: "target"`.
    pub fn metric(self) -> Option<Metric> {
        match self {
            Measure::MembershipRatio => Some(Metric::MembershipRatio),
            Measure::RecognisedCitizenRatio => Some(Metric::RecognisedCitizenRatio),
            Measure::RecognisedUnitRatio => Some(Metric::RecognisedUnitRatio),
            Measure::CommunesGoodOrAboveRatio => Some(Metric::CommunesGoodOrAboveRatio),
            Measure::RecognisedFamilyRatio => Some(Metric::RecognisedFamilyRatio),
            Measure::RecognisedClanRatio => Some(Metric::RecognisedClanRatio),
            Measure::RecognisedCommunityRatio => Some(Metric::RecognisedCommunityRatio),
            Measure::MemberHouseholdsRecognisedRatio => None,
        }
    }

    /// Whether the measure means something for subjects of this kind: the
    /// subtree metrics for an association (province, district, commune), the
    /// households' share for a clan or a village community.
    pub fn fits(self, kind: SubjectKind) -> bool {
        match kind {
            SubjectKind::Province | SubjectKind::District | SubjectKind::Commune => {
                self.metric().is_some()
            }
            SubjectKind::Clan | SubjectKind::Community => {
                self == Measure::MemberHouseholdsRecognisedRatio
            }
            SubjectKind::Citizen | SubjectKind::Unit | SubjectKind::Family => false,
        }
    }
}

/// The bar a measured value must reach: a fraction, or the subject's own
/// target for the measure's metric in the assessment's year.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Threshold {
    /// A fraction from 0 to 1, e.g. 0.5 for "at least 50 %".
    Value(f64),
    /// `"target"`: the `min_value` of the subject's target for the metric,
    /// due in the assessment's year or the next after it.
    Named(NamedThreshold),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NamedThreshold {
    Target,
}

/// Read by hand: serde's untagged enums answer a wrong value with the Rust
/// type's name; a client is told what it may send.
impl<'de> Deserialize<'de> for Threshold {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Threshold;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(crate::http::extract::FRACTION_OR_TARGET)
            }
            fn visit_f64<E>(self, v: f64) -> Result<Threshold, E> {
                Ok(Threshold::Value(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Threshold, E> {
                Ok(Threshold::Value(v as f64))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Threshold, E> {
                Ok(Threshold::Value(v as f64))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Threshold, E> {
                match v {
                    "target" => Ok(Threshold::Named(NamedThreshold::Target)),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl Threshold {
    /// The stored column: the fraction, or NULL for the target.
    pub fn stored(self) -> Option<f64> {
        match self {
            Threshold::Value(value) => Some(value),
            Threshold::Named(NamedThreshold::Target) => None,
        }
    }

    pub fn from_stored(value: Option<f64>) -> Threshold {
        value.map_or(Threshold::Named(NamedThreshold::Target), Threshold::Value)
    }
}

/// Checks a criterion's measure and threshold together: a threshold only
/// with a measure and a measure always with one; a fraction from 0 to 1;
/// `target` only for a measure that targets are set on.
pub fn check(measure: Option<Measure>, threshold: Option<Threshold>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    match (measure, threshold) {
        (None, Some(_)) => errors.push(FieldError::new(
            "/threshold",
            "WITHOUT_MEASURE",
            msg!("threshold-without-measure"),
        )),
        (Some(_), None) => errors.push(FieldError::new(
            "/threshold",
            "REQUIRED",
            msg!("threshold-required"),
        )),
        (Some(measure), Some(Threshold::Named(NamedThreshold::Target)))
            if measure.metric().is_none() =>
        {
            errors.push(FieldError::new(
                "/threshold",
                "NO_TARGET_METRIC",
                msg!("no-target-metric", measure = measure.as_str()),
            ))
        }
        (_, Some(Threshold::Value(value))) if !(0.0..=1.0).contains(&value) => errors.push(
            FieldError::new("/threshold", "OUT_OF_RANGE", msg!("fraction-range")),
        ),
        _ => {}
    }
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_metric_codes() {
        for measure in Measure::ALL {
            assert_eq!(Measure::parse(measure.as_str()), Some(measure));
            if let Some(metric) = measure.metric() {
                assert_eq!(metric.as_str(), measure.as_str());
            }
        }
    }

    #[test]
    fn a_threshold_is_read_as_a_fraction_or_target_and_anything_else_is_named_so() {
        use crate::http::extract::from_json_value;
        use serde_json::json;
        assert_eq!(
            from_json_value::<Threshold>(json!(0.5)).unwrap(),
            Threshold::Value(0.5)
        );
        assert_eq!(
            from_json_value::<Threshold>(json!(1)).unwrap(),
            Threshold::Value(1.0)
        );
        assert_eq!(
            from_json_value::<Threshold>(json!("target")).unwrap(),
            Threshold::Named(NamedThreshold::Target)
        );
        for wrong in [json!("x"), json!(true), json!([0.5])] {
            let error = from_json_value::<Threshold>(wrong).unwrap_err();
            let detail = &error.field_errors()[0].detail();
            assert!(
                detail.contains("a fraction from 0 to 1, or \"target\""),
                "{detail}"
            );
            assert!(!detail.contains("Threshold"), "{detail}");
        }
    }

    #[test]
    fn a_threshold_goes_with_a_measure_and_a_target_with_a_metric() {
        let target = Some(Threshold::Named(NamedThreshold::Target));
        assert!(check(Some(Measure::RecognisedFamilyRatio), target).is_empty());
        assert_eq!(
            check(Some(Measure::MemberHouseholdsRecognisedRatio), target)[0].code,
            "NO_TARGET_METRIC"
        );
        assert_eq!(
            check(None, Some(Threshold::Value(0.5)))[0].code,
            "WITHOUT_MEASURE"
        );
        assert_eq!(
            check(Some(Measure::MembershipRatio), None)[0].code,
            "REQUIRED"
        );
        assert_eq!(
            check(Some(Measure::MembershipRatio), Some(Threshold::Value(1.5)))[0].code,
            "OUT_OF_RANGE"
        );
    }
}
