//! The scoring engine: one pure function that rates results against a
//! criteria set, for both methods of `domain.md`, on one rating scale.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::messages::Message;

/// One rating scale across every framework, so that reports can compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// Tốt; level 2.
    Excellent,
    /// Khá; level 1 ("đạt").
    Good,
    /// Trung bình.
    Fair,
    /// Chưa đạt.
    NotMet,
}

impl Rating {
    pub const ALL: [Rating; 4] = [
        Rating::Excellent,
        Rating::Good,
        Rating::Fair,
        Rating::NotMet,
    ];

    /// The rating as an officer says it (Tốt, Khá, Trung bình, Chưa đạt).
    pub fn noun(self) -> Message {
        Message::new(match self {
            Rating::Excellent => "rating-excellent",
            Rating::Good => "rating-good",
            Rating::Fair => "rating-fair",
            Rating::NotMet => "rating-not-met",
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Excellent => "excellent",
            Rating::Good => "good",
            Rating::Fair => "fair",
            Rating::NotMet => "not_met",
        }
    }
}

/// How a set turns results into a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ScoringMethod {
    /// Scores add up; the highest band whose `min_score` the total reaches.
    PointsBands,
    /// Criteria are met or not; the highest level whose criteria are all met.
    Levels,
}

impl ScoringMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            ScoringMethod::PointsBands => "points_bands",
            ScoringMethod::Levels => "levels",
        }
    }
}

/// A rating band with its Vietnamese label. For `levels` sets only the label
/// is used (`excellent` is level 2, `good` level 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub rating: Rating,
    /// The label in the set's own words, e.g. "Tốt", "Khá", "Trung bình".
    #[schema(format = "text-line", max_length = 100)]
    pub label: String,
    /// For `points_bands`: the least total that earns this rating.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100000)]
    pub min_score: Option<i32>,
}

/// What the engine needs of a set.
#[derive(Debug, Clone)]
pub struct SetRules<'a> {
    pub method: ScoringMethod,
    pub bands: &'a [Band],
    pub recognised: &'a [Rating],
}

/// What the engine needs of a criterion.
#[derive(Debug, Clone)]
pub struct CriterionRules<'a> {
    pub code: &'a str,
    pub max_score: i32,
    pub min_score: Option<i32>,
    pub required: bool,
    pub level: Option<i32>,
}

/// The result entered for one criterion.
#[derive(Debug, Clone)]
pub struct CriterionResult<'a> {
    pub code: &'a str,
    pub met: bool,
    pub score: i32,
}

/// The computed outcome of an assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Outcome {
    pub total_score: i32,
    pub max_score: i32,
    pub met_count: i32,
    /// Every `required` criterion is met.
    pub required_met: bool,
    /// No criterion scores below its `min_score`.
    pub floors_respected: bool,
    pub rating: Rating,
    /// The set's label for the rating; null for `not_met` unless the set names one.
    pub label: Option<String>,
    /// The rating is one the set recognises.
    pub recognised: bool,
}

/// Rates `results` against a set and its criteria. A criterion without a
/// result counts as not met with score 0.
pub fn score(
    set: &SetRules<'_>,
    criteria: &[CriterionRules<'_>],
    results: &[CriterionResult<'_>],
) -> Outcome {
    let result_of = |code: &str| results.iter().find(|r| r.code == code);
    let met = |c: &CriterionRules<'_>| result_of(c.code).is_some_and(|r| r.met);
    let score_of = |c: &CriterionRules<'_>| result_of(c.code).map_or(0, |r| r.score);

    let met_count = criteria.iter().filter(|c| met(c)).count() as i32;
    let required_met = criteria.iter().filter(|c| c.required).all(&met);
    let (total_score, max_score, floors_respected, rating) = match set.method {
        ScoringMethod::PointsBands => {
            let total: i32 = criteria.iter().map(score_of).sum();
            let max: i32 = criteria.iter().map(|c| c.max_score).sum();
            let floors = criteria
                .iter()
                .all(|c| c.min_score.is_none_or(|floor| score_of(c) >= floor));
            let rating = if required_met && floors {
                set.bands
                    .iter()
                    .filter_map(|b| b.min_score.map(|min| (min, b.rating)))
                    .filter(|(min, _)| total >= *min)
                    .max_by_key(|(min, _)| *min)
                    .map_or(Rating::NotMet, |(_, rating)| rating)
            } else {
                Rating::NotMet
            };
            (total, max, floors, rating)
        }
        ScoringMethod::Levels => {
            let level_met = |level: i32| {
                criteria
                    .iter()
                    .filter(|c| c.level.is_some_and(|l| l <= level))
                    .all(&met)
            };
            let rating = if !required_met {
                Rating::NotMet
            } else if level_met(2) {
                Rating::Excellent
            } else if level_met(1) {
                Rating::Good
            } else {
                Rating::NotMet
            };
            (met_count, criteria.len() as i32, true, rating)
        }
    };
    Outcome {
        total_score,
        max_score,
        met_count,
        required_met,
        floors_respected,
        rating,
        label: set
            .bands
            .iter()
            .find(|b| b.rating == rating)
            .map(|b| b.label.clone()),
        recognised: set.recognised.contains(&rating),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(rating: Rating, label: &str, min_score: Option<i32>) -> Band {
        Band {
            rating,
            label: label.into(),
            min_score,
        }
    }

    fn unit_bands() -> Vec<Band> {
        vec![
            band(Rating::Excellent, "Tốt", Some(85)),
            band(Rating::Good, "Khá", Some(70)),
            band(Rating::Fair, "Trung bình", Some(50)),
        ]
    }

    const RECOGNISED: [Rating; 2] = [Rating::Excellent, Rating::Good];

    /// The unit framework: conditions 30, learning results 30, effects 40.
    fn unit_criteria() -> Vec<CriterionRules<'static>> {
        [("A", 30), ("B", 30), ("C", 40)]
            .into_iter()
            .map(|(code, max)| CriterionRules {
                code,
                max_score: max,
                min_score: None,
                required: false,
                level: None,
            })
            .collect()
    }

    fn unit_outcome(scores: [i32; 3]) -> Outcome {
        let bands = unit_bands();
        let set = SetRules {
            method: ScoringMethod::PointsBands,
            bands: &bands,
            recognised: &RECOGNISED,
        };
        let results: Vec<CriterionResult<'_>> = ["A", "B", "C"]
            .into_iter()
            .zip(scores)
            .map(|(code, score)| CriterionResult {
                code,
                met: score > 0,
                score,
            })
            .collect();
        score(&set, &unit_criteria(), &results)
    }

    #[test]
    fn points_bands_rate_at_every_band_edge() {
        for (scores, rating, recognised) in [
            ([30, 30, 40], Rating::Excellent, true),
            ([30, 25, 30], Rating::Excellent, true), // 85
            ([30, 24, 30], Rating::Good, true),      // 84
            ([20, 20, 30], Rating::Good, true),      // 70
            ([20, 19, 30], Rating::Fair, false),     // 69
            ([10, 10, 30], Rating::Fair, false),     // 50
            ([10, 9, 30], Rating::NotMet, false),    // 49
            ([0, 0, 0], Rating::NotMet, false),
        ] {
            let outcome = unit_outcome(scores);
            assert_eq!(outcome.rating, rating, "{scores:?}");
            assert_eq!(outcome.recognised, recognised, "{scores:?}");
            assert_eq!(outcome.max_score, 100);
            assert_eq!(outcome.total_score, scores.iter().sum::<i32>());
        }
        assert_eq!(unit_outcome([30, 25, 30]).label.as_deref(), Some("Tốt"));
        assert_eq!(unit_outcome([0, 0, 0]).label, None);
    }

    /// The learning citizen: 10 indicators 0–10, recognised at 80 with none below 5.
    fn citizen(scores: [i32; 10]) -> Outcome {
        let codes = [
            "C01", "C02", "C03", "C04", "C05", "C06", "C07", "C08", "C09", "C10",
        ];
        let criteria: Vec<CriterionRules<'_>> = codes
            .iter()
            .map(|code| CriterionRules {
                code,
                max_score: 10,
                min_score: Some(5),
                required: false,
                level: None,
            })
            .collect();
        let results: Vec<CriterionResult<'_>> = codes
            .iter()
            .zip(scores)
            .map(|(code, score)| CriterionResult {
                code,
                met: score >= 5,
                score,
            })
            .collect();
        let bands = vec![band(Rating::Good, "Đạt", Some(80))];
        let set = SetRules {
            method: ScoringMethod::PointsBands,
            bands: &bands,
            recognised: &RECOGNISED,
        };
        score(&set, &criteria, &results)
    }

    #[test]
    fn a_floor_below_its_minimum_fails_whatever_the_total() {
        let recognised = citizen([8; 10]);
        assert_eq!(
            (recognised.total_score, recognised.rating),
            (80, Rating::Good)
        );
        assert!(recognised.floors_respected && recognised.recognised);
        assert_eq!(
            citizen([10, 10, 10, 10, 10, 10, 10, 10, 10, 4]).rating,
            Rating::NotMet
        );
        assert!(!citizen([10, 10, 10, 10, 10, 10, 10, 10, 10, 4]).floors_respected);
        assert_eq!(
            citizen([10, 10, 10, 10, 10, 10, 10, 10, 10, 5]).rating,
            Rating::Good
        );
        assert_eq!(
            citizen([8, 8, 8, 8, 8, 8, 8, 8, 8, 7]).rating,
            Rating::NotMet,
            "79 points"
        );
    }

    #[test]
    fn a_required_criterion_not_met_fails_whatever_the_total() {
        let bands = unit_bands();
        let set = SetRules {
            method: ScoringMethod::PointsBands,
            bands: &bands,
            recognised: &RECOGNISED,
        };
        let mut criteria = unit_criteria();
        criteria[0].required = true;
        let results = [
            CriterionResult {
                code: "A",
                met: false,
                score: 30,
            },
            CriterionResult {
                code: "B",
                met: true,
                score: 30,
            },
            CriterionResult {
                code: "C",
                met: true,
                score: 40,
            },
        ];
        let outcome = score(&set, &criteria, &results);
        assert_eq!(
            (outcome.total_score, outcome.required_met, outcome.rating),
            (100, false, Rating::NotMet)
        );
    }

    /// A levels set: criteria 1–3 at level 1, 4–5 at level 2.
    fn levels(met: [bool; 5], required_first: bool) -> Outcome {
        let codes = ["L1", "L2", "L3", "L4", "L5"];
        let criteria: Vec<CriterionRules<'_>> = codes
            .iter()
            .enumerate()
            .map(|(i, code)| CriterionRules {
                code,
                max_score: 1,
                min_score: None,
                required: required_first && i == 0,
                level: Some(if i < 3 { 1 } else { 2 }),
            })
            .collect();
        let results: Vec<CriterionResult<'_>> = codes
            .iter()
            .zip(met)
            .map(|(code, met)| CriterionResult {
                code,
                met,
                score: i32::from(met),
            })
            .collect();
        let bands = vec![
            band(Rating::Excellent, "Tốt", None),
            band(Rating::Good, "Khá", None),
        ];
        let set = SetRules {
            method: ScoringMethod::Levels,
            bands: &bands,
            recognised: &RECOGNISED,
        };
        score(&set, &criteria, &results)
    }

    #[test]
    fn levels_rate_by_the_highest_level_fully_met() {
        let all = levels([true; 5], false);
        assert_eq!(
            (
                all.rating,
                all.label.as_deref(),
                all.met_count,
                all.max_score
            ),
            (Rating::Excellent, Some("Tốt"), 5, 5)
        );
        assert_eq!(
            levels([true, true, true, true, false], false).rating,
            Rating::Good
        );
        assert_eq!(
            levels([true, true, true, false, false], false).rating,
            Rating::Good
        );
        assert_eq!(
            levels([true, true, false, true, true], false).rating,
            Rating::NotMet,
            "level 2 needs level 1 too"
        );
        assert_eq!(levels([false; 5], false).rating, Rating::NotMet);
        assert!(!levels([false; 5], false).recognised);
    }
}
