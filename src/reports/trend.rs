//! The trend report: one metric of an association's subtree, year by year.

use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;
use utoipa::ToSchema;

use super::chart::{Chart, Plot, Point, Unit};
use super::output::{Report, TargetColumns};
use super::{AssociationRef, Subtree, TargetComparison};
use crate::criteria_sets::measure::Measure;
use crate::criteria_sets::rules::AssessmentStatus;
use crate::criteria_sets::rules::SubjectKind;
use crate::db::schema::assessments::{self, dsl};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::measures::model::{self as measures_model, subtree_shares};
use crate::measures::rules::Denominator;
use crate::msg;
use crate::targets::model as targets_model;
use crate::targets::rules::Metric;
use crate::yearly_stats::rules::ratio;

/// The metric in one year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub year: i32,
    /// `numerator / denominator` for a ratio (rounded to 6 decimals), the
    /// count for `learning_district_criteria_met`; `null` without data.
    pub value: Option<f64>,
    /// Members; recognised (or Khá-or-above) approved assessments; criteria met.
    pub numerator: i64,
    /// Population; approved assessments; registered households, clans or
    /// communities (see `denominator_source`); criteria in the set.
    pub denominator: i64,
    /// Where the denominator came from (`null` for `learning_district_criteria_met`).
    /// For families: the households registered in the subtree, or the yearly
    /// statistics' `households` when none is registered.
    pub denominator_source: Option<Denominator>,
    /// For the family, clan and community metrics: the subjects that
    /// registered for the title (an assessment of the year in any status).
    pub registered_count: Option<i64>,
    /// `numerator / registered_count`: the share of those registered.
    pub recognised_of_registered_ratio: Option<f64>,
    /// The target due this year or next after it.
    pub target: Option<TargetComparison>,
}

/// A metric of an association's subtree year by year, for charts.
/// Assessment metrics count approved assessments only.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "HKH-TY", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district"},
    "metric": "membership_ratio", "from": 2019, "to": 2020,
    "points": [
        {"year": 2019, "value": 0.248, "numerator": 22500, "denominator": 90725, "denominator_source": "population",
         "registered_count": null, "recognised_of_registered_ratio": null, "target": null},
        {"year": 2020, "value": 0.261, "numerator": 23793, "denominator": 91161, "denominator_source": "population",
         "registered_count": null, "recognised_of_registered_ratio": null,
         "target": {"target_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa0", "year": 2025, "min_value": 0.35, "max_value": 0.4,
                    "actual": 0.261, "gap_to_min": 0.089, "status": "below"}}]
}))]
pub struct TrendReport {
    pub association: AssociationRef,
    pub metric: Metric,
    pub from: i32,
    pub to: i32,
    /// One point per year from `from` to `to`.
    pub points: Vec<TrendPoint>,
}

/// (year, numerator, denominator) for the years that have data.
type Series = HashMap<i32, (i64, i64)>;

/// The criteria the district met per period (its latest approved assessment).
fn criteria_met(
    conn: &mut DbConnection,
    subtree: &Subtree,
    from: i32,
    to: i32,
) -> Result<Series, ApiError> {
    let rows: Vec<(i32, i32, i32)> = assessments::table
        .filter(dsl::subject_kind.eq(SubjectKind::District.as_str()))
        .filter(dsl::subject_id.eq(&subtree.root.id))
        .filter(dsl::period.between(from, to))
        .filter(dsl::status.eq(AssessmentStatus::Approved.as_str()))
        .order(dsl::id.asc())
        .select((dsl::period, dsl::met_count, dsl::max_score))
        .load(conn)?;
    // In id order, so the latest assessment of a period is inserted last and stays.
    Ok(rows
        .into_iter()
        .map(|(period, met, of)| (period, (i64::from(met), i64::from(of))))
        .collect())
}

pub fn build(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: &str,
    metric: Metric,
    (from, to): (i32, i32),
) -> Result<TrendReport, ApiError> {
    let subtree = Subtree::load(conn, scope, association_id)?;
    let targets =
        targets_model::due_from(conn, std::slice::from_ref(&subtree.root.id), metric, from)?;
    let path = subtree.root.path.as_str();
    let measure = Measure::of_metric(metric);
    let (shares, criteria) = match measure {
        Some(measure) => (
            subtree_shares(conn, path, measure, (from, to))?,
            Series::new(),
        ),
        None => (HashMap::new(), criteria_met(conn, &subtree, from, to)?),
    };
    let registered = match measure.and_then(Measure::model) {
        Some(kind) => Some(measures_model::registered(conn, path, (from, to), kind)?),
        None => None,
    };
    let points = (from..=to)
        .map(|year| {
            let share = shares.get(&year);
            let (numerator, denominator) = match share {
                Some(share) => (share.numerator, share.denominator),
                None => criteria.get(&year).copied().unwrap_or((0, 0)),
            };
            let value = match share {
                Some(share) => share.value(),
                None => criteria.get(&year).map(|_| numerator as f64),
            };
            let registered_count = registered
                .as_ref()
                .map(|r| r.get(&year).copied().unwrap_or(0));
            let target = targets_model::applicable_to(&targets, year);
            TrendPoint {
                year,
                value,
                numerator,
                denominator,
                denominator_source: share.map(|s| s.source),
                registered_count,
                recognised_of_registered_ratio: registered_count
                    .and_then(|r| ratio(numerator, Some(r))),
                target: TargetComparison::of(target, value),
            }
        })
        .collect();
    Ok(TrendReport {
        association: (&subtree.root).into(),
        metric,
        from,
        to,
        points,
    })
}

/// One line of the CSV form (before its target columns): one year.
#[derive(Debug, Default, Serialize)]
pub struct TrendCsvRow<'a> {
    association_id: &'a str,
    association_name: &'a str,
    metric: &'static str,
    year: i32,
    value: Option<f64>,
    numerator: i64,
    denominator: i64,
    denominator_source: Option<Denominator>,
    registered_count: Option<i64>,
    recognised_of_registered_ratio: Option<f64>,
}

impl Report for TrendReport {
    const SHEET: &'static str = "sheet-trend";

    type Line<'a> = (TrendCsvRow<'a>, TargetColumns);

    /// One CSV line per year.
    fn csv_lines(&self) -> Vec<Self::Line<'_>> {
        self.points
            .iter()
            .map(|p| {
                let row = TrendCsvRow {
                    association_id: &self.association.id,
                    association_name: &self.association.name,
                    metric: self.metric.as_str(),
                    year: p.year,
                    value: p.value,
                    numerator: p.numerator,
                    denominator: p.denominator,
                    denominator_source: p.denominator_source,
                    registered_count: p.registered_count,
                    recognised_of_registered_ratio: p.recognised_of_registered_ratio,
                };
                (row, p.target.as_ref().into())
            })
            .collect()
    }

    fn file_stem(&self) -> String {
        format!("trend-{}-{}-{}", self.metric.as_str(), self.from, self.to)
    }

    const CHARTED: bool = true;

    /// A point per year, joined, and the target due each year as a dashed line.
    fn chart(&self) -> Option<Chart> {
        let points = self
            .points
            .iter()
            .map(|p| Point {
                year: p.year,
                value: p.value,
                target: p.target.as_ref().map(|t| t.min_value),
            })
            .collect();
        let (unit, unit_name) = match self.metric {
            Metric::LearningDistrictCriteriaMet => (Unit::Count, msg!("unit-criteria")),
            Metric::MembershipRatio => (Unit::Percent, msg!("unit-percent-population")),
            _ => (Unit::Percent, msg!("unit-percent")),
        };
        Some(Chart {
            title: msg!("chart-trend", metric = self.metric.noun()),
            about: msg!(
                "chart-about-years",
                association = &self.association.name,
                from = self.from,
                to = self.to,
                unit = unit_name
            ),
            unit,
            plot: Plot::Line(points),
        })
    }
}
