//! The learning-district report: a district's assessment against the
//! learning-district criteria (the 19 of the pilot), criterion by criterion.

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::assessments::SetRef;
use super::figures::{decimal, percent};
use super::output::Report;
use super::print::{made_on, Align, Column, Printout};
use super::workbook::Cell;
use super::{AssociationRef, TargetComparison};
use crate::assessments::model::AssessmentRow;
use crate::associations::model as associations_model;
use crate::criteria_sets::model as sets_model;
use crate::criteria_sets::rules::AssessmentStatus;
use crate::criteria_sets::rules::SubjectKind;
use crate::criteria_sets::scoring::Rating;
use crate::db::schema::assessments::{self, dsl};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::measures::rules::{Denominator, Measurement, ThresholdSource};
use crate::messages::{Language, Message};
use crate::msg;
use crate::targets::model as targets_model;
use crate::targets::rules::Metric;

/// One criterion of the set and the district's result on it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CriterionOutcome {
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    #[schema(format = "text-line", max_length = 500)]
    pub title: String,
    #[schema(format = "text", max_length = 200)]
    pub group_name: Option<String>,
    /// The lowest level that requires the criterion (`levels` sets).
    pub level: Option<i32>,
    /// The criterion must be met for any rating (`points_bands` sets).
    pub required: bool,
    pub met: bool,
    pub score: i32,
    pub max_score: i32,
    /// The note or evidence reference entered with the result.
    #[schema(format = "text", max_length = 2000)]
    pub note: Option<String>,
    /// For a criterion the service measures: what it measured (value,
    /// numerator, denominator and where the denominator came from) and the
    /// threshold with its source, as stored with the result (frozen once
    /// approved); `null` for a criterion the assessor decides.
    pub measured: Option<Measurement>,
}

impl CriterionOutcome {
    /// A criterion some rating requires.
    fn is_required(&self) -> bool {
        self.required || self.level.is_some()
    }
}

/// A district's learning-district assessment for a period. Without one,
/// `assessment_id`, `criteria_set`, `status` and `rating` are null and
/// `criteria` is empty.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "HKH-TY", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district"},
    "period": 2021,
    "criteria_set": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a81", "code": "learning-district", "edition": "2021-pilot",
                     "name": "Huyện học tập (thí điểm 19 tiêu chí)", "subject_kind": "district"},
    "assessment_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4ab0", "status": "approved",
    "rating": "good", "recognised": true, "met_count": 17, "criteria_count": 19,
    "criteria": [{"code": "1", "title": "Huyện ủy, UBND huyện ban hành và thực hiện kế hoạch xây dựng xã hội học tập",
                  "group_name": "Điều kiện", "level": 1, "required": false, "met": true, "score": 1, "max_score": 1,
                  "note": "Kế hoạch số 12/KH-UBND", "measured": null},
                 {"code": "TC09", "title": "Gia đình học tập đạt tỷ lệ mục tiêu của chương trình",
                  "group_name": "Kết quả học tập", "level": 1, "required": false, "met": true, "score": 1, "max_score": 1,
                  "note": null,
                  "measured": {"measure": "recognised_family_ratio", "value": 0.936776, "numerator": 23218,
                               "denominator": 24785, "denominator_source": "registered_households",
                               "threshold": 0.7, "threshold_source": "target",
                               "target_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa2", "measured_at": "2026-11-28T09:00:00Z"}}],
    "missing_required": [{"code": "17", "title": "Học tập góp phần giảm nghèo và phát triển kinh tế địa phương",
                          "group_name": "Hiệu quả", "level": 2, "required": false, "met": false, "score": 0, "max_score": 1,
                          "note": null, "measured": null}],
    "target": {"target_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa1", "year": 2025, "min_value": 19.0, "max_value": null,
               "actual": 17.0, "gap_to_min": 2.0, "status": "below"}
}))]
pub struct LearningDistrictReport {
    pub association: AssociationRef,
    pub period: i32,
    pub criteria_set: Option<SetRef>,
    #[schema(format = Uuid)]
    pub assessment_id: Option<String>,
    /// Only an `approved` assessment is the recognised result.
    pub status: Option<AssessmentStatus>,
    /// The computed rating: `excellent` (Tốt, level 2), `good` (Khá, level 1) or `not_met`.
    pub rating: Option<Rating>,
    pub recognised: Option<bool>,
    pub met_count: i32,
    pub criteria_count: i32,
    /// Every criterion of the set, in order.
    pub criteria: Vec<CriterionOutcome>,
    /// The criteria some rating requires that are not met, with the level that requires each.
    pub missing_required: Vec<CriterionOutcome>,
    /// The association's `learning_district_criteria_met` target due this period or next after it.
    pub target: Option<TargetComparison>,
}

/// The district's assessment for the period against a set of `district`
/// subjects: the given set, or the latest one made.
fn find_assessment(
    conn: &mut DbConnection,
    association_id: &str,
    period: i32,
    set_id: Option<&str>,
) -> Result<Option<AssessmentRow>, ApiError> {
    let mut query = assessments::table
        .filter(dsl::subject_kind.eq(SubjectKind::District.as_str()))
        .filter(dsl::subject_id.eq(association_id))
        .filter(dsl::period.eq(period))
        .into_boxed();
    if let Some(set_id) = set_id {
        query = query.filter(dsl::criteria_set_id.eq(set_id.to_owned()));
    }
    Ok(query.order(dsl::id.desc()).first(conn).optional()?)
}

pub fn build(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: &str,
    period: i32,
    set_id: Option<&str>,
) -> Result<LearningDistrictReport, ApiError> {
    let association = associations_model::get_visible(conn, scope, association_id)?;
    if let Some(set_id) = set_id {
        sets_model::get_set(conn, set_id)?;
    }
    let targets = targets_model::applicable(
        conn,
        std::slice::from_ref(&association.id),
        Metric::LearningDistrictCriteriaMet,
        period,
    )?;
    let mut report = LearningDistrictReport {
        association: (&association).into(),
        period,
        criteria_set: None,
        assessment_id: None,
        status: None,
        rating: None,
        recognised: None,
        met_count: 0,
        criteria_count: 0,
        criteria: Vec::new(),
        missing_required: Vec::new(),
        target: None,
    };
    let Some(assessment) = find_assessment(conn, &association.id, period, set_id)? else {
        report.target = TargetComparison::of(targets.get(&association.id), None);
        return Ok(report);
    };
    let set = sets_model::get_set(conn, &assessment.criteria_set_id)?;
    let results = assessment.results();
    let criteria: Vec<CriterionOutcome> = sets_model::list_criteria(conn, &set.id)?
        .into_iter()
        .map(|c| {
            let result = results.iter().find(|r| r.criterion_code == c.code);
            CriterionOutcome {
                measured: result.and_then(|r| r.measured.clone()),
                met: result.is_some_and(|r| r.met),
                score: result.map_or(0, |r| r.score),
                note: result.and_then(|r| r.note.clone()),
                code: c.code,
                title: c.title,
                group_name: c.group_name,
                level: c.level,
                required: c.required,
                max_score: c.max_score,
            }
        })
        .collect();
    report.missing_required = criteria
        .iter()
        .filter(|c| c.is_required() && !c.met)
        .cloned()
        .collect();
    report.criteria_count = criteria.len() as i32;
    report.criteria = criteria;
    report.met_count = assessment.met_count;
    report.status = Some(assessment.status());
    report.rating = Some(assessment.rating());
    report.recognised = Some(assessment.recognised);
    report.assessment_id = Some(assessment.id);
    report.target = TargetComparison::of(
        targets.get(&association.id),
        Some(f64::from(report.met_count)),
    );
    report.criteria_set = Some(SetRef {
        subject_kind: set.subject_kind(),
        id: set.id,
        code: set.code,
        edition: set.edition,
        name: set.name,
    });
    Ok(report)
}

/// One line of the CSV form: one criterion.
#[derive(Debug, Default, Serialize)]
pub struct CriterionCsvRow<'a> {
    association_id: &'a str,
    association_name: &'a str,
    period: i32,
    criteria_set_code: Option<&'a str>,
    criteria_set_edition: Option<&'a str>,
    status: Option<&'static str>,
    rating: Option<&'static str>,
    criterion_code: &'a str,
    criterion_title: &'a str,
    group_name: Option<&'a str>,
    level: Option<i32>,
    required: bool,
    met: bool,
    score: i32,
    max_score: i32,
    note: Option<&'a str>,
    measure: Option<&'static str>,
    measured_value: Option<f64>,
    numerator: Option<i64>,
    denominator: Option<i64>,
    denominator_source: Option<Denominator>,
    threshold: Option<f64>,
    threshold_source: Option<ThresholdSource>,
}

impl Report for LearningDistrictReport {
    const SHEET: &'static str = "sheet-learning-district";

    type Line<'a> = CriterionCsvRow<'a>;

    /// One CSV line per criterion (none without an assessment).
    fn csv_lines(&self) -> Vec<Self::Line<'_>> {
        self.criteria
            .iter()
            .map(|c| CriterionCsvRow {
                association_id: &self.association.id,
                association_name: &self.association.name,
                period: self.period,
                criteria_set_code: self.criteria_set.as_ref().map(|s| s.code.as_str()),
                criteria_set_edition: self.criteria_set.as_ref().map(|s| s.edition.as_str()),
                status: self.status.map(AssessmentStatus::as_str),
                rating: self.rating.map(Rating::as_str),
                criterion_code: &c.code,
                criterion_title: &c.title,
                group_name: c.group_name.as_deref(),
                level: c.level,
                required: c.required,
                met: c.met,
                score: c.score,
                max_score: c.max_score,
                note: c.note.as_deref(),
                measure: c.measured.as_ref().map(|m| m.measure.as_str()),
                measured_value: c.measured.as_ref().and_then(|m| m.value),
                numerator: c.measured.as_ref().map(|m| m.numerator),
                denominator: c.measured.as_ref().map(|m| m.denominator),
                denominator_source: c.measured.as_ref().map(|m| m.denominator_source),
                threshold: c.measured.as_ref().and_then(|m| m.threshold),
                threshold_source: c.measured.as_ref().map(|m| m.threshold_source),
            })
            .collect()
    }

    fn file_stem(&self) -> String {
        format!("learning-district-{}", self.period)
    }

    /// The form's head: whose assessment, of which year and set, and its
    /// result; the date it was made, for the signatures below it.
    fn summary(&self) -> Vec<(Message, Cell)> {
        let score: i32 = self.criteria.iter().map(|c| c.score).sum();
        let max_score: i32 = self.criteria.iter().map(|c| c.max_score).sum();
        let mut rows = vec![
            (
                msg!("column-association-name"),
                Cell::Text(self.association.name.clone()),
            ),
            (
                msg!("column-association-code"),
                Cell::Text(self.association.code.clone()),
            ),
            (msg!("column-period"), Cell::Number(self.period.into())),
        ];
        if let Some(set) = &self.criteria_set {
            rows.push((
                msg!("column-criteria-set-code"),
                Cell::Text(set.code.clone()),
            ));
            rows.push((
                msg!("column-criteria-set-edition"),
                Cell::Text(set.edition.clone()),
            ));
        }
        if let Some(status) = self.status {
            rows.push((msg!("column-status"), Cell::Word(status.noun())));
        }
        if let Some(rating) = self.rating {
            rows.push((msg!("column-rating"), Cell::Word(rating.noun())));
        }
        rows.extend([
            (
                msg!("summary-criteria-met"),
                Cell::Number(self.met_count.into()),
            ),
            (
                msg!("summary-criteria-count"),
                Cell::Number(self.criteria_count.into()),
            ),
            (msg!("column-score"), Cell::Number(score.into())),
            (msg!("column-max-score"), Cell::Number(max_score.into())),
            (
                msg!("summary-made-on"),
                Cell::Text(chrono::Utc::now().date_naive().to_string()),
            ),
        ]);
        rows
    }

    const PRINTABLE: bool = true;

    /// The form a district sends up: a row per criterion (code, text, score
    /// and maximum, evidence, measured value, threshold and its source,
    /// met), then the totals and the rating, and the signatures.
    fn printout(&self, language: Language) -> Option<Printout> {
        let say = |id| Message::new(id).render(language);
        let column = |id, share, align| Column::named(id, share, align, language);
        let rows = self
            .criteria
            .iter()
            .map(|c| {
                let measured = c.measured.as_ref();
                vec![
                    c.code.clone(),
                    c.title.clone(),
                    format!("{}/{}", c.score, c.max_score),
                    c.note.clone().unwrap_or_default(),
                    measured
                        .and_then(|m| m.value)
                        .map_or_else(String::new, |v| percent(v, language)),
                    measured.map_or_else(String::new, |m| {
                        let source = m.threshold_source.noun().render(language);
                        match m.threshold {
                            Some(t) => format!("{} ({source})", percent(t, language)),
                            None => source,
                        }
                    }),
                    if c.met { "✓" } else { "✗" }.to_owned(),
                ]
            })
            .collect();
        let mut facts = vec![
            (
                say("column-association-name"),
                self.association.name.clone(),
            ),
            (
                say("column-association-code"),
                self.association.code.clone(),
            ),
            (say("column-period"), self.period.to_string()),
        ];
        if let Some(set) = &self.criteria_set {
            facts.push((
                say("print-criteria-set"),
                format!("{} ({})", set.name, set.edition),
            ));
        }
        if let Some(status) = self.status {
            facts.push((say("column-status"), status.noun().render(language)));
        }
        facts.push((say("summary-made-on"), made_on()));
        let closing = if self.criteria.is_empty() {
            vec![(say("column-status"), say("print-no-assessment"))]
        } else {
            let score: i32 = self.criteria.iter().map(|c| c.score).sum();
            let max_score: i32 = self.criteria.iter().map(|c| c.max_score).sum();
            let mut closing = vec![
                (
                    say("print-score-total"),
                    format!(
                        "{}/{}",
                        decimal(score.into(), 2, language),
                        decimal(max_score.into(), 2, language)
                    ),
                ),
                (
                    say("summary-criteria-met"),
                    format!("{}/{}", self.met_count, self.criteria_count),
                ),
            ];
            if let Some(rating) = self.rating {
                closing.push((say("column-rating"), rating.noun().render(language)));
            }
            if !self.missing_required.is_empty() {
                let codes: Vec<&str> = self
                    .missing_required
                    .iter()
                    .map(|c| c.code.as_str())
                    .collect();
                closing.push((say("print-missing-required"), codes.join(", ")));
            }
            closing
        };
        Some(Printout {
            title: msg!("print-learning-district", year = self.period).render(language),
            facts,
            columns: vec![
                column("column-criterion-code", 0.8, Align::Centre),
                column("column-criterion-title", 3.6, Align::Left),
                column("column-score", 0.8, Align::Centre),
                column("column-note", 2.0, Align::Left),
                column("column-measured-value", 1.1, Align::Right),
                column("column-threshold", 1.5, Align::Left),
                column("column-met", 0.6, Align::Centre),
            ],
            rows,
            total: None,
            closing,
        })
    }
}
