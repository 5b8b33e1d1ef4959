//! The rules of criteria sets and criteria that need no database: field
//! checks, and the checks a set must pass before it is published. Also the
//! vocabulary every assessment shares with its set: what is assessed
//! ([`SubjectKind`]) and how far an assessment's review went
//! ([`AssessmentStatus`]: an approved one counts in measures and reports).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::measure::{self, Measure, Threshold};
use super::scoring::{Band, Rating, ScoringMethod};
use crate::error::{ApiError, FieldError};
use crate::messages::Message;
use crate::msg;
use crate::text;

/// What a criteria set assesses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SubjectKind {
    Province,
    District,
    Commune,
    Unit,
    Citizen,
    Family,
    Clan,
    Community,
}

impl SubjectKind {
    pub const ALL: [SubjectKind; 8] = [
        SubjectKind::Province,
        SubjectKind::District,
        SubjectKind::Commune,
        SubjectKind::Unit,
        SubjectKind::Citizen,
        SubjectKind::Family,
        SubjectKind::Clan,
        SubjectKind::Community,
    ];

    /// The kind said in a sentence ("a learning unit", "đơn vị học tập").
    pub fn noun(self) -> Message {
        Message::new(match self {
            SubjectKind::Province => "subject-province",
            SubjectKind::District => "subject-district",
            SubjectKind::Commune => "subject-commune",
            SubjectKind::Unit => "subject-unit",
            SubjectKind::Citizen => "subject-citizen",
            SubjectKind::Family => "subject-family",
            SubjectKind::Clan => "subject-clan",
            SubjectKind::Community => "subject-community",
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SubjectKind::Province => "province",
            SubjectKind::District => "district",
            SubjectKind::Commune => "commune",
            SubjectKind::Unit => "unit",
            SubjectKind::Citizen => "citizen",
            SubjectKind::Family => "family",
            SubjectKind::Clan => "clan",
            SubjectKind::Community => "community",
        }
    }

    pub fn parse(value: &str) -> Option<SubjectKind> {
        SubjectKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// Where an assessment is in its review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssessmentStatus {
    /// Being entered (self-assessment); the only state in which it changes.
    Draft,
    /// Sent up for review.
    Submitted,
    /// Reviewed and approved: the rating is the recognised result. Immutable.
    Approved,
}

impl AssessmentStatus {
    /// The status said in a sentence.
    pub fn noun(self) -> Message {
        Message::new(match self {
            AssessmentStatus::Draft => "assessment-status-draft",
            AssessmentStatus::Submitted => "assessment-status-submitted",
            AssessmentStatus::Approved => "assessment-status-approved",
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            AssessmentStatus::Draft => "draft",
            AssessmentStatus::Submitted => "submitted",
            AssessmentStatus::Approved => "approved",
        }
    }

    pub fn parse(value: &str) -> Option<AssessmentStatus> {
        [
            AssessmentStatus::Draft,
            AssessmentStatus::Submitted,
            AssessmentStatus::Approved,
        ]
        .into_iter()
        .find(|s| s.as_str() == value)
    }
}

/// Where a set is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SetStatus {
    /// Being written: the set and its criteria may change.
    Draft,
    /// In force: frozen, assessments are made against it.
    Published,
    /// No longer used for new assessments; still readable.
    Retired,
}

impl SetStatus {
    /// The status said in a sentence.
    pub fn noun(self) -> Message {
        Message::new(match self {
            SetStatus::Draft => "set-status-draft",
            SetStatus::Published => "set-status-published",
            SetStatus::Retired => "set-status-retired",
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SetStatus::Draft => "draft",
            SetStatus::Published => "published",
            SetStatus::Retired => "retired",
        }
    }

    pub fn parse(value: &str) -> Option<SetStatus> {
        [SetStatus::Draft, SetStatus::Published, SetStatus::Retired]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

pub const CODE_MAX: usize = 32;
pub const NAME_MAX: usize = 200;
pub const TEXT_MAX: usize = 4000;
pub const EARLIEST_YEAR: i32 = 1990;
pub const LATEST_YEAR: i32 = 2100;
pub const SCORE_MAX: i32 = 1000;

/// The default ratings a set recognises.
pub const DEFAULT_RECOGNISED: [Rating; 2] = [Rating::Excellent, Rating::Good];

/// Everything a client may set on a criteria set.
#[derive(Debug, Clone, PartialEq)]
pub struct SetFields {
    pub code: String,
    pub edition: String,
    pub name: String,
    pub description: Option<String>,
    pub subject_kind: SubjectKind,
    pub issued_by: Option<String>,
    pub legal_basis: Option<String>,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
    pub scoring_method: ScoringMethod,
    pub bands: Vec<Band>,
    pub recognised_ratings: Vec<Rating>,
}

fn collect<T>(errors: &mut Vec<FieldError>, result: Result<T, FieldError>, fallback: T) -> T {
    result.unwrap_or_else(|error| {
        errors.push(error);
        fallback
    })
}

impl SetFields {
    /// Normalises the text and checks every field rule, reporting all at once.
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        collect(
            &mut errors,
            text::machine_code("/code", &self.code, CODE_MAX),
            (),
        );
        collect(
            &mut errors,
            text::machine_code("/edition", &self.edition, CODE_MAX),
            (),
        );
        self.name = collect(
            &mut errors,
            text::single_line("/name", &self.name, NAME_MAX),
            String::new(),
        );
        self.description = collect(
            &mut errors,
            text::optional_text("/description", self.description, TEXT_MAX),
            None,
        );
        self.issued_by = collect(
            &mut errors,
            text::optional_text("/issued_by", self.issued_by, NAME_MAX),
            None,
        );
        self.legal_basis = collect(
            &mut errors,
            text::optional_text("/legal_basis", self.legal_basis, 500),
            None,
        );
        for (pointer, year) in [
            ("/valid_from", self.valid_from),
            ("/valid_to", self.valid_to),
        ] {
            if year.is_some_and(|y| !(EARLIEST_YEAR..=LATEST_YEAR).contains(&y)) {
                errors.push(FieldError::new(
                    pointer,
                    "OUT_OF_RANGE",
                    msg!("year-range", min = EARLIEST_YEAR, max = LATEST_YEAR),
                ));
            }
        }
        if let (Some(from), Some(to)) = (self.valid_from, self.valid_to) {
            if to < from {
                errors.push(FieldError::new(
                    "/valid_to",
                    "YEAR_ORDER",
                    msg!("valid-to-before-from"),
                ));
            }
        }
        for (i, band) in self.bands.iter_mut().enumerate() {
            let pointer = format!("/bands/{i}");
            band.label = collect(
                &mut errors,
                text::single_line(&format!("{pointer}/label"), &band.label, 100),
                String::new(),
            );
            if band
                .min_score
                .is_some_and(|m| !(0..=SCORE_MAX * 100).contains(&m))
            {
                errors.push(FieldError::new(
                    format!("{pointer}/min_score"),
                    "OUT_OF_RANGE",
                    msg!("count-range", min = 0, max = SCORE_MAX * 100),
                ));
            }
        }
        for (i, band) in self.bands.iter().enumerate() {
            if self.bands[..i].iter().any(|b| b.rating == band.rating) {
                errors.push(FieldError::new(
                    format!("/bands/{i}/rating"),
                    "DUPLICATE",
                    msg!("band-rating-twice"),
                ));
            }
        }
        for (i, rating) in self.recognised_ratings.iter().enumerate() {
            if self.recognised_ratings[..i].contains(rating) {
                errors.push(FieldError::new(
                    format!("/recognised_ratings/{i}"),
                    "DUPLICATE",
                    msg!("named-twice"),
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

/// Everything a client may set on a criterion.
#[derive(Debug, Clone, PartialEq)]
pub struct CriterionFields {
    pub code: String,
    pub title: String,
    pub description: Option<String>,
    pub group: Option<String>,
    pub position: i32,
    pub max_score: i32,
    pub min_score: Option<i32>,
    pub required: bool,
    pub level: Option<i32>,
    pub evidence_hint: Option<String>,
    /// What the service measures for it; with `threshold`.
    pub measure: Option<Measure>,
    pub threshold: Option<Threshold>,
}

impl CriterionFields {
    pub fn validated(mut self) -> Result<Self, ApiError> {
        let mut errors = Vec::new();
        collect(
            &mut errors,
            text::machine_code("/code", &self.code, CODE_MAX),
            (),
        );
        self.title = collect(
            &mut errors,
            text::single_line("/title", &self.title, 500),
            String::new(),
        );
        self.description = collect(
            &mut errors,
            text::optional_text("/description", self.description, TEXT_MAX),
            None,
        );
        self.group = collect(
            &mut errors,
            text::optional_text("/group", self.group, NAME_MAX),
            None,
        );
        self.evidence_hint = collect(
            &mut errors,
            text::optional_text("/evidence_hint", self.evidence_hint, TEXT_MAX),
            None,
        );
        if !(0..=10_000).contains(&self.position) {
            errors.push(FieldError::new(
                "/position",
                "OUT_OF_RANGE",
                msg!("count-range", min = 0, max = 10000),
            ));
        }
        if !(1..=SCORE_MAX).contains(&self.max_score) {
            errors.push(FieldError::new(
                "/max_score",
                "OUT_OF_RANGE",
                msg!("count-range", min = 1, max = SCORE_MAX),
            ));
        }
        if self.min_score.is_some_and(|m| m < 0 || m > self.max_score) {
            errors.push(FieldError::new(
                "/min_score",
                "OUT_OF_RANGE",
                msg!("min-score-range"),
            ));
        }
        if self.level.is_some_and(|l| !(1..=2).contains(&l)) {
            errors.push(FieldError::new(
                "/level",
                "OUT_OF_RANGE",
                msg!("criterion-level"),
            ));
        }
        errors.extend(measure::check(self.measure, self.threshold));
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(ApiError::validation(errors))
        }
    }
}

/// Why a set cannot be published yet (empty when it can).
pub fn publish_problems(set: &SetFields, criteria: &[CriterionFields]) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if criteria.is_empty() {
        problems.push(FieldError::new(
            "/criteria",
            "EMPTY",
            msg!("set-needs-criterion"),
        ));
    }
    match set.scoring_method {
        ScoringMethod::PointsBands => {
            let total: i32 = criteria.iter().map(|c| c.max_score).sum();
            if set.bands.is_empty() {
                problems.push(FieldError::new(
                    "/bands",
                    "REQUIRED",
                    msg!("set-needs-band"),
                ));
            }
            let mut previous: Option<i32> = None;
            for (i, band) in set.bands.iter().enumerate() {
                let pointer = format!("/bands/{i}/min_score");
                if band.rating == Rating::NotMet {
                    problems.push(FieldError::new(
                        format!("/bands/{i}/rating"),
                        "NOT_A_BAND",
                        msg!("band-not-met"),
                    ));
                }
                let Some(min) = band.min_score else {
                    problems.push(FieldError::new(pointer, "REQUIRED", msg!("band-needs-min")));
                    continue;
                };
                if previous.is_some_and(|p| min >= p) {
                    problems.push(FieldError::new(
                        pointer.clone(),
                        "NOT_DECREASING",
                        msg!("bands-not-decreasing"),
                    ));
                }
                if min > total {
                    problems.push(FieldError::new(
                        pointer,
                        "ABOVE_MAXIMUM",
                        msg!("band-unreachable", total = total),
                    ));
                }
                previous = Some(min);
            }
        }
        ScoringMethod::Levels => {
            for criterion in criteria.iter().filter(|c| c.level.is_none()) {
                problems.push(FieldError::new(
                    format!("/criteria/{}/level", criterion.code),
                    "REQUIRED",
                    msg!("criterion-needs-level"),
                ));
            }
        }
    }
    for criterion in criteria {
        if let Some(measure) = criterion.measure.filter(|m| !m.fits(set.subject_kind)) {
            problems.push(FieldError::new(
                format!("/criteria/{}/measure", criterion.code),
                "NOT_MEASURABLE",
                msg!(
                    "not-measurable",
                    measure = measure.as_str(),
                    kind = set.subject_kind.noun()
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(method: ScoringMethod, bands: Vec<(Rating, Option<i32>)>) -> SetFields {
        SetFields {
            code: "unit".into(),
            edition: "2020".into(),
            name: "Đơn vị học tập".into(),
            description: None,
            subject_kind: SubjectKind::Unit,
            issued_by: None,
            legal_basis: None,
            valid_from: None,
            valid_to: None,
            scoring_method: method,
            bands: bands
                .into_iter()
                .map(|(rating, min_score)| Band {
                    rating,
                    label: rating.as_str().into(),
                    min_score,
                })
                .collect(),
            recognised_ratings: DEFAULT_RECOGNISED.to_vec(),
        }
    }

    fn criterion(code: &str, max_score: i32, level: Option<i32>) -> CriterionFields {
        CriterionFields {
            code: code.into(),
            title: code.into(),
            description: None,
            group: None,
            position: 0,
            max_score,
            min_score: None,
            measure: None,
            threshold: None,
            required: false,
            level,
            evidence_hint: None,
        }
    }

    fn codes(problems: Vec<FieldError>) -> Vec<(String, String)> {
        problems.into_iter().map(|p| (p.pointer, p.code)).collect()
    }

    #[test]
    fn a_valid_points_set_can_be_published() {
        let s = set(
            ScoringMethod::PointsBands,
            vec![(Rating::Excellent, Some(85)), (Rating::Good, Some(70))],
        );
        assert!(publish_problems(&s, &[criterion("A", 100, None)]).is_empty());
    }

    #[test]
    fn bands_must_decrease_strictly_and_be_reachable() {
        let s = set(
            ScoringMethod::PointsBands,
            vec![
                (Rating::Excellent, Some(120)),
                (Rating::Good, Some(120)),
                (Rating::Fair, None),
            ],
        );
        assert_eq!(
            codes(publish_problems(&s, &[criterion("A", 100, None)])),
            vec![
                ("/bands/0/min_score".into(), "ABOVE_MAXIMUM".into()),
                ("/bands/1/min_score".into(), "NOT_DECREASING".into()),
                ("/bands/1/min_score".into(), "ABOVE_MAXIMUM".into()),
                ("/bands/2/min_score".into(), "REQUIRED".into()),
            ]
        );
    }

    #[test]
    fn a_set_needs_criteria_and_levels_need_a_level_on_each() {
        let s = set(ScoringMethod::Levels, vec![]);
        assert_eq!(
            codes(publish_problems(&s, &[])),
            vec![("/criteria".into(), "EMPTY".into())]
        );
        assert_eq!(
            codes(publish_problems(
                &s,
                &[criterion("TC01", 1, Some(1)), criterion("TC02", 1, None)]
            )),
            vec![("/criteria/TC02/level".into(), "REQUIRED".into())]
        );
        let p = set(ScoringMethod::PointsBands, vec![]);
        assert_eq!(
            codes(publish_problems(&p, &[criterion("A", 1, None)])),
            vec![("/bands".into(), "REQUIRED".into())]
        );
    }

    #[test]
    fn field_rules_are_checked_together() {
        let mut s = set(
            ScoringMethod::PointsBands,
            vec![(Rating::Good, Some(1)), (Rating::Good, Some(0))],
        );
        s.valid_from = Some(2025);
        s.valid_to = Some(2020);
        s.edition = "bad edition".into();
        let problem = s.validated().unwrap_err();
        let got: Vec<&str> = problem
            .field_errors()
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(got, vec!["/edition", "/valid_to", "/bands/1/rating"]);
        let mut c = criterion("TC01", 0, Some(3));
        c.min_score = Some(5);
        let problem = c.validated().unwrap_err();
        let got: Vec<&str> = problem
            .field_errors()
            .iter()
            .map(|e| e.pointer.as_str())
            .collect();
        assert_eq!(got, vec!["/max_score", "/min_score", "/level"]);
    }
}
