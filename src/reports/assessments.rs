//! The assessments report: how the subjects of a criteria set in a subtree
//! fared in a year, counted by status and rating, per child and in total.

use std::collections::HashMap;

use diesel::dsl::count_star;
use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::chart::{Chart, Plot, Stack, Unit};
use super::output::{Report, TargetColumns};
use super::{AssociationRef, Subtree, TargetComparison};
use crate::criteria_sets::model as sets_model;
use crate::criteria_sets::rules::AssessmentStatus;
use crate::criteria_sets::rules::SubjectKind;
use crate::criteria_sets::scoring::Rating;
use crate::db::schema::assessments::{self, dsl};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::measures::model as measures_model;
use crate::measures::rules::Denominator;
use crate::msg;
use crate::targets::model as targets_model;
use crate::targets::rules::Metric;
use crate::tree::ids_in_subtree;
use crate::yearly_stats::rules::ratio;

/// Assessments by status.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct StatusCounts {
    pub draft: i64,
    pub submitted: i64,
    pub approved: i64,
}

/// Approved assessments by computed rating.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct RatingCounts {
    /// Tốt (level 2).
    pub excellent: i64,
    /// Khá (level 1).
    pub good: i64,
    /// Trung bình.
    pub fair: i64,
    /// Chưa đạt.
    pub not_met: i64,
}

/// The assessments of a part of the tree. Ratings and recognition count
/// approved assessments only: the official results.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct AssessmentCounts {
    /// Assessments in any status.
    pub assessment_count: i64,
    pub by_status: StatusCounts,
    pub by_rating: RatingCounts,
    /// Subjects with an approved result.
    pub assessed_count: i64,
    /// Approved results the set recognises (learning citizens, learning units, …).
    pub recognised_count: i64,
    /// `recognised_count / assessed_count`, rounded to 6 decimals; `null` when nothing was assessed.
    pub recognised_ratio: Option<f64>,
    /// `(excellent + good) / assessed_count`: the share rated Khá or above; `null` when nothing was assessed.
    pub good_or_above_ratio: Option<f64>,
    /// Every subject of the set's kind in this part of the tree, assessed or
    /// not: the units, households, clans or communities registered, or the
    /// associations of the level. For families, the yearly statistics'
    /// `households` of the period where no household is registered. `null`
    /// for citizens: the register holds those put forward for assessment,
    /// not every adult, so it is no denominator of "all".
    pub subject_count: Option<i64>,
    /// Where `subject_count` came from.
    pub subject_count_source: Option<Denominator>,
    /// `recognised_count / assessment_count`: the share of those that
    /// registered for the title (an assessment of the period in any status).
    pub recognised_of_registered_ratio: Option<f64>,
    /// `recognised_count / subject_count`: the share of all.
    pub recognised_of_all_ratio: Option<f64>,
}

impl AssessmentCounts {
    /// Adds a group of assessments; the ratios are set once all are in.
    fn add_group(&mut self, status: &str, rating: &str, recognised: bool, count: i64) {
        self.assessment_count += count;
        match AssessmentStatus::parse(status) {
            Some(AssessmentStatus::Draft) | None => self.by_status.draft += count,
            Some(AssessmentStatus::Submitted) => self.by_status.submitted += count,
            Some(AssessmentStatus::Approved) => {
                self.by_status.approved += count;
                self.assessed_count += count;
                if recognised {
                    self.recognised_count += count;
                }
                match Rating::ALL.into_iter().find(|r| r.as_str() == rating) {
                    Some(Rating::Excellent) => self.by_rating.excellent += count,
                    Some(Rating::Good) => self.by_rating.good += count,
                    Some(Rating::Fair) => self.by_rating.fair += count,
                    Some(Rating::NotMet) | None => self.by_rating.not_met += count,
                }
            }
        }
    }

    fn plus(&mut self, other: &AssessmentCounts) {
        self.assessment_count += other.assessment_count;
        self.by_status.draft += other.by_status.draft;
        self.by_status.submitted += other.by_status.submitted;
        self.by_status.approved += other.by_status.approved;
        self.by_rating.excellent += other.by_rating.excellent;
        self.by_rating.good += other.by_rating.good;
        self.by_rating.fair += other.by_rating.fair;
        self.by_rating.not_met += other.by_rating.not_met;
        self.assessed_count += other.assessed_count;
        self.recognised_count += other.recognised_count;
        self.set_ratios();
    }

    fn set_ratios(&mut self) {
        self.recognised_of_registered_ratio =
            ratio(self.recognised_count, Some(self.assessment_count));
        self.recognised_of_all_ratio = ratio(self.recognised_count, self.subject_count);
        self.recognised_ratio = ratio(self.recognised_count, Some(self.assessed_count));
        self.good_or_above_ratio = ratio(
            self.by_rating.excellent + self.by_rating.good,
            Some(self.assessed_count),
        );
    }

    /// The value of a target metric these counts give.
    fn metric_value(&self, metric: Metric) -> Option<f64> {
        match metric {
            Metric::CommunesGoodOrAboveRatio => self.good_or_above_ratio,
            Metric::RecognisedFamilyRatio
            | Metric::RecognisedClanRatio
            | Metric::RecognisedCommunityRatio => self.recognised_of_all_ratio,
            _ => self.recognised_ratio,
        }
    }
}

/// The criteria set a report is about.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SetRef {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    #[schema(format = "code", max_length = 32)]
    pub edition: String,
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    pub subject_kind: SubjectKind,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentRow {
    pub association: AssociationRef,
    pub counts: AssessmentCounts,
    /// The association's target for `target_metric` due this period or next
    /// after it; `null` without one.
    pub target: Option<TargetComparison>,
}

/// Assessment results against one criteria set in an association's subtree for one period.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "HKH-TY", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district"},
    "criteria_set": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a80", "code": "learning-community-commune", "edition": "2023",
                     "name": "Cộng đồng học tập cấp xã", "subject_kind": "commune"},
    "period": 2020, "target_metric": "communes_good_or_above_ratio",
    "own": {"assessment_count": 0, "by_status": {"draft": 0, "submitted": 0, "approved": 0},
            "by_rating": {"excellent": 0, "good": 0, "fair": 0, "not_met": 0}, "assessed_count": 0,
            "recognised_count": 0, "recognised_ratio": null, "good_or_above_ratio": null,
            "subject_count": 0, "subject_count_source": "associations",
            "recognised_of_registered_ratio": null, "recognised_of_all_ratio": null},
    "children": [],
    "total": {"association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "HKH-TY", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district"},
              "counts": {"assessment_count": 21, "by_status": {"draft": 0, "submitted": 0, "approved": 21},
                         "by_rating": {"excellent": 6, "good": 15, "fair": 0, "not_met": 0}, "assessed_count": 21,
                         "recognised_count": 21, "recognised_ratio": 1.0, "good_or_above_ratio": 1.0,
                         "subject_count": 21, "subject_count_source": "associations",
                         "recognised_of_registered_ratio": 1.0, "recognised_of_all_ratio": 1.0},
              "target": null}
}))]
pub struct AssessmentsReport {
    pub association: AssociationRef,
    pub criteria_set: SetRef,
    pub period: i32,
    /// The metric targets are compared on: `recognised_citizen_ratio` or
    /// `recognised_unit_ratio` (with `recognised_ratio`), or
    /// `communes_good_or_above_ratio` (with `good_or_above_ratio`); `null`
    /// for sets of other subjects.
    pub target_metric: Option<Metric>,
    /// Subjects of the association itself (not of its children).
    pub own: AssessmentCounts,
    /// One row per child association: the subjects of the child's whole subtree.
    pub children: Vec<AssessmentRow>,
    /// The whole subtree.
    pub total: AssessmentRow,
}

/// The target metric that measures the results of a set's subjects.
pub fn metric_for(kind: SubjectKind) -> Option<Metric> {
    match kind {
        SubjectKind::Citizen => Some(Metric::RecognisedCitizenRatio),
        SubjectKind::Unit => Some(Metric::RecognisedUnitRatio),
        SubjectKind::Commune => Some(Metric::CommunesGoodOrAboveRatio),
        SubjectKind::Family => Some(Metric::RecognisedFamilyRatio),
        SubjectKind::Clan => Some(Metric::RecognisedClanRatio),
        SubjectKind::Community => Some(Metric::RecognisedCommunityRatio),
        _ => None,
    }
}

/// The counts of the period's assessments against the set, per child
/// (key "" for the root itself). SQL counts per association straight from
/// the covering `assessments_report` index; the few thousand groups are
/// then added up per child.
fn counts_by_child(
    conn: &mut DbConnection,
    (subtree, keys): (&Subtree, &HashMap<String, String>),
    set_id: &str,
    period: i32,
) -> Result<HashMap<String, AssessmentCounts>, ApiError> {
    let groups: Vec<(String, String, String, bool, i64)> = assessments::table
        .filter(dsl::period.eq(period))
        .filter(dsl::criteria_set_id.eq(set_id))
        .filter(dsl::subject_association_id.eq_any(ids_in_subtree(&subtree.root.path)))
        .group_by((
            dsl::subject_association_id,
            dsl::status,
            dsl::rating,
            dsl::recognised,
        ))
        .select((
            dsl::subject_association_id,
            dsl::status,
            dsl::rating,
            dsl::recognised,
            count_star(),
        ))
        .load(conn)?;
    let mut counts: HashMap<String, AssessmentCounts> = HashMap::new();
    for (association, status, rating, recognised, count) in groups {
        if let Some(key) = keys.get(&association) {
            counts
                .entry(key.clone())
                .or_default()
                .add_group(&status, &rating, recognised, count);
        }
    }
    counts.values_mut().for_each(AssessmentCounts::set_ratios);
    Ok(counts)
}

/// How many subjects, and where the count came from.
type SubjectCount = (i64, Denominator);
/// The subject counts per child key and of the whole subtree.
type SubjectCounts = (HashMap<String, SubjectCount>, SubjectCount);

/// Every subject of `kind` per child (key "" for the root itself) and in the
/// whole subtree, with where the count came from. Families fall back on the
/// yearly statistics' households where a part of the tree registers none,
/// as the `recognised_family_ratio` measure does. `None` for citizens (see
/// [`Denominator::registered`]).
fn subject_counts(
    conn: &mut DbConnection,
    (subtree, keys): (&Subtree, &HashMap<String, String>),
    kind: SubjectKind,
    period: i32,
) -> Result<Option<SubjectCounts>, ApiError> {
    let Some(source) = Denominator::registered(kind) else {
        return Ok(None);
    };
    let by_key = |rows: Vec<(String, i64)>| {
        let mut sums: HashMap<String, i64> = HashMap::new();
        for (association, count) in rows {
            if let Some(key) = keys.get(&association) {
                *sums.entry(key.clone()).or_default() += count;
            }
        }
        sums
    };
    let path = &subtree.root.path;
    let registered = by_key(measures_model::subjects_by_association(conn, path, kind)?);
    let stated = match kind {
        SubjectKind::Family => Some(by_key(measures_model::stated_households_by_association(
            conn, path, period,
        )?)),
        _ => None,
    };
    let pick = |registered: i64, stated: Option<i64>| match stated {
        Some(stated) if registered == 0 => (stated, Denominator::YearlyStatsHouseholds),
        _ => (registered, source),
    };
    let mut rows = HashMap::new();
    for key in std::iter::once("").chain(subtree.children.iter().map(|c| c.id.as_str())) {
        let stated_here = stated.as_ref().map(|s| s.get(key).copied().unwrap_or(0));
        let registered_here = registered.get(key).copied().unwrap_or(0);
        rows.insert(key.to_owned(), pick(registered_here, stated_here));
    }
    let total = pick(
        registered.values().sum(),
        stated.as_ref().map(|s| s.values().sum()),
    );
    Ok(Some((rows, total)))
}

pub fn build(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: &str,
    set_id: &str,
    period: i32,
) -> Result<AssessmentsReport, ApiError> {
    let subtree = Subtree::load(conn, scope, association_id)?;
    let set = sets_model::get_set(conn, set_id)?;
    // The child each association of the subtree falls under, read once for both counts.
    let keys = subtree.child_keys(conn)?;
    let mut counts = counts_by_child(conn, (&subtree, &keys), &set.id, period)?;
    let (subjects, all_subjects) =
        match subject_counts(conn, (&subtree, &keys), set.subject_kind(), period)? {
            Some((rows, total)) => (rows, Some(total)),
            None => (HashMap::new(), None),
        };
    let mut with_subjects = |key: &str| {
        let mut counts = counts.remove(key).unwrap_or_default();
        if let Some(&(count, source)) = subjects.get(key) {
            (counts.subject_count, counts.subject_count_source) = (Some(count), Some(source));
        }
        counts.set_ratios();
        counts
    };
    let metric = metric_for(set.subject_kind());
    let targets = match metric {
        Some(metric) => targets_model::applicable(conn, &subtree.ids(), metric, period)?,
        None => HashMap::new(),
    };
    let compare = |id: &str, counts: &AssessmentCounts| {
        metric.and_then(|m| TargetComparison::of(targets.get(id), counts.metric_value(m)))
    };
    let own = with_subjects("");
    let mut total = own.clone();
    let children: Vec<AssessmentRow> = subtree
        .children
        .iter()
        .map(|child| {
            let counts = with_subjects(&child.id);
            total.plus(&counts);
            AssessmentRow {
                association: child.into(),
                target: compare(&child.id, &counts),
                counts,
            }
        })
        .collect();
    if let Some((count, source)) = all_subjects {
        (total.subject_count, total.subject_count_source) = (Some(count), Some(source));
    }
    total.set_ratios();
    Ok(AssessmentsReport {
        association: (&subtree.root).into(),
        criteria_set: SetRef {
            subject_kind: set.subject_kind(),
            id: set.id,
            code: set.code,
            edition: set.edition,
            name: set.name,
        },
        period,
        target_metric: metric,
        own,
        children,
        total: AssessmentRow {
            association: (&subtree.root).into(),
            target: compare(&subtree.root.id, &total),
            counts: total,
        },
    })
}

/// One line of the CSV form (before its target columns).
#[derive(Debug, Default, Serialize)]
pub struct AssessmentsCsvRow<'a> {
    row: &'static str,
    association_id: &'a str,
    association_code: &'a str,
    association_name: &'a str,
    level: &'static str,
    criteria_set_code: &'a str,
    criteria_set_edition: &'a str,
    period: i32,
    assessment_count: i64,
    draft: i64,
    submitted: i64,
    approved: i64,
    excellent: i64,
    good: i64,
    fair: i64,
    not_met: i64,
    assessed_count: i64,
    recognised_count: i64,
    recognised_ratio: Option<f64>,
    good_or_above_ratio: Option<f64>,
    subject_count: Option<i64>,
    subject_count_source: Option<Denominator>,
    recognised_of_registered_ratio: Option<f64>,
    recognised_of_all_ratio: Option<f64>,
    target_metric: Option<&'static str>,
}

impl AssessmentsReport {
    fn csv_row<'a>(
        &'a self,
        row: &'static str,
        association: &'a AssociationRef,
        c: &AssessmentCounts,
        target: Option<&TargetComparison>,
    ) -> (AssessmentsCsvRow<'a>, TargetColumns) {
        let row = AssessmentsCsvRow {
            row,
            association_id: &association.id,
            association_code: &association.code,
            association_name: &association.name,
            level: association.level.as_str(),
            criteria_set_code: &self.criteria_set.code,
            criteria_set_edition: &self.criteria_set.edition,
            period: self.period,
            assessment_count: c.assessment_count,
            draft: c.by_status.draft,
            submitted: c.by_status.submitted,
            approved: c.by_status.approved,
            excellent: c.by_rating.excellent,
            good: c.by_rating.good,
            fair: c.by_rating.fair,
            not_met: c.by_rating.not_met,
            assessed_count: c.assessed_count,
            recognised_count: c.recognised_count,
            recognised_ratio: c.recognised_ratio,
            good_or_above_ratio: c.good_or_above_ratio,
            subject_count: c.subject_count,
            subject_count_source: c.subject_count_source,
            recognised_of_registered_ratio: c.recognised_of_registered_ratio,
            recognised_of_all_ratio: c.recognised_of_all_ratio,
            target_metric: target.and(self.target_metric).map(Metric::as_str),
        };
        (row, target.into())
    }
}

impl Report for AssessmentsReport {
    const SHEET: &'static str = "sheet-assessments";

    type Line<'a> = (AssessmentsCsvRow<'a>, TargetColumns);

    /// The report as CSV lines: the association's own subjects, one line per child, the total.
    fn csv_lines(&self) -> Vec<Self::Line<'_>> {
        let mut rows = vec![self.csv_row("own", &self.association, &self.own, None)];
        for child in &self.children {
            rows.push(self.csv_row(
                "child",
                &child.association,
                &child.counts,
                child.target.as_ref(),
            ));
        }
        rows.push(self.csv_row(
            "total",
            &self.total.association,
            &self.total.counts,
            self.total.target.as_ref(),
        ));
        rows
    }

    fn file_stem(&self) -> String {
        format!("assessments-{}", self.period)
    }

    const CHARTED: bool = true;

    /// A bar per child, its approved results stacked by rating, best first.
    fn chart(&self) -> Option<Chart> {
        let ratings = [
            Rating::Excellent,
            Rating::Good,
            Rating::Fair,
            Rating::NotMet,
        ];
        let stacks = self
            .children
            .iter()
            .map(|child| {
                let r = &child.counts.by_rating;
                Stack {
                    label: child.association.name.clone(),
                    counts: vec![r.excellent, r.good, r.fair, r.not_met],
                }
            })
            .collect();
        Some(Chart {
            title: msg!("chart-assessments", set = &self.criteria_set.name),
            about: msg!(
                "chart-about-year",
                association = &self.association.name,
                year = self.period,
                unit = msg!("unit-assessments")
            ),
            unit: Unit::Count,
            plot: Plot::Stacked {
                series: ratings.map(Rating::noun).to_vec(),
                stacks,
            },
        })
    }
}
