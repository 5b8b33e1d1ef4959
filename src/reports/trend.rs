//! The trend report: one metric of an association's subtree, year by year.

use std::collections::HashMap;

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use serde::Serialize;
use utoipa::ToSchema;

use super::output::{Report, TargetColumns};
use super::{AssociationRef, Subtree, TargetComparison};
use crate::assessments::rules::AssessmentStatus;
use crate::associations::model::ids_in_subtree;
use crate::criteria_sets::rules::SubjectKind;
use crate::db::schema::assessments::{self, dsl};
use crate::db::schema::criteria_sets;
use crate::db::schema::yearly_stats::{self, dsl as sdsl};
use crate::db::DbConnection;
use crate::error::ApiError;
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
    /// Population; approved assessments; criteria in the set.
    pub denominator: i64,
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
        {"year": 2019, "value": 0.248, "numerator": 22500, "denominator": 90725, "target": null},
        {"year": 2020, "value": 0.261, "numerator": 23793, "denominator": 91161,
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

fn membership(
    conn: &mut DbConnection,
    subtree: &Subtree,
    from: i32,
    to: i32,
) -> Result<Series, ApiError> {
    // From the subtree's ids: SQLite (no statistics) then starts from the
    // subtree rather than from every association's statistics of the years,
    // and seeks the covering (year, association_id, …) index for each.
    let rows: Vec<(i32, Option<i64>, Option<i64>)> = yearly_stats::table
        .filter(sdsl::year.between(from, to))
        .filter(sdsl::association_id.eq_any(ids_in_subtree(&subtree.root.path)))
        .group_by(sdsl::year)
        .select((
            sdsl::year,
            sql::<Nullable<BigInt>>("CAST(SUM(yearly_stats.member_count) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(yearly_stats.population) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(year, members, population)| (year, (members.unwrap_or(0), population.unwrap_or(0))))
        .collect())
}

/// Approved assessments of `kind` in the subtree per period: (those that
/// count, all), where `counted` is an SQL condition on the row.
fn approved_share(
    conn: &mut DbConnection,
    subtree: &Subtree,
    (from, to): (i32, i32),
    kind: SubjectKind,
    counted: &str,
) -> Result<Series, ApiError> {
    // Periods as a list and sets rather than the subject kind, so that both
    // backends seek the (period, criteria_set_id, subject_association_id, …)
    // index once per year, set and association instead of scanning a kind.
    let sets = criteria_sets::table
        .filter(criteria_sets::subject_kind.eq(kind.as_str()))
        .select(criteria_sets::id);
    let rows: Vec<(i32, i64, Option<i64>)> = assessments::table
        .filter(dsl::period.eq_any((from..=to).collect::<Vec<_>>()))
        .filter(dsl::criteria_set_id.eq_any(sets))
        .filter(dsl::subject_association_id.eq_any(ids_in_subtree(&subtree.root.path)))
        .filter(dsl::status.eq(AssessmentStatus::Approved.as_str()))
        .group_by(dsl::period)
        .select((
            dsl::period,
            sql::<BigInt>("COUNT(*)"),
            sql::<Nullable<BigInt>>(&format!(
                "CAST(SUM(CASE WHEN {counted} THEN 1 ELSE 0 END) AS BIGINT)"
            )),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(period, all, counted)| (period, (counted.unwrap_or(0), all)))
        .collect())
}

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
    let series = match metric {
        Metric::MembershipRatio => membership(conn, &subtree, from, to)?,
        Metric::RecognisedCitizenRatio => approved_share(
            conn,
            &subtree,
            (from, to),
            SubjectKind::Citizen,
            "assessments.recognised",
        )?,
        Metric::RecognisedUnitRatio => approved_share(
            conn,
            &subtree,
            (from, to),
            SubjectKind::Unit,
            "assessments.recognised",
        )?,
        Metric::CommunesGoodOrAboveRatio => approved_share(
            conn,
            &subtree,
            (from, to),
            SubjectKind::Commune,
            "assessments.rating IN ('excellent', 'good')",
        )?,
        Metric::LearningDistrictCriteriaMet => criteria_met(conn, &subtree, from, to)?,
    };
    let targets =
        targets_model::due_from(conn, std::slice::from_ref(&subtree.root.id), metric, from)?;
    let points = (from..=to)
        .map(|year| {
            let (numerator, denominator) = series.get(&year).copied().unwrap_or((0, 0));
            let value = match metric {
                Metric::LearningDistrictCriteriaMet => series.get(&year).map(|_| numerator as f64),
                _ => ratio(numerator, Some(denominator)),
            };
            let target = targets_model::applicable_to(&targets, year);
            TrendPoint {
                year,
                value,
                numerator,
                denominator,
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
}

impl Report for TrendReport {
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
                };
                (row, p.target.as_ref().into())
            })
            .collect()
    }

    fn file_name(&self) -> String {
        format!(
            "trend-{}-{}-{}.csv",
            self.metric.as_str(),
            self.from,
            self.to
        )
    }
}
