//! The figures behind measures, targets and the trend, counted in SQL over a
//! subtree of associations (or a clan's or community's households).

use std::collections::HashMap;

use diesel::dsl::{count_star, exists, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};

use super::rules::{Denominator, Measurement, ThresholdSource};
use crate::criteria_sets::measure::{Measure, NamedThreshold, Threshold};
use crate::criteria_sets::rules::AssessmentStatus;
use crate::criteria_sets::rules::SubjectKind;
use crate::db::schema::assessments::{self, dsl};
use crate::db::schema::yearly_stats::{self, dsl as sdsl};
use crate::db::schema::{
    associations, citizens, clans, communities, criteria_sets, households, units,
};
use crate::db::{now, DbConnection};
use crate::error::ApiError;
use crate::targets::model as targets_model;
use crate::tree::ids_in_subtree;
use crate::yearly_stats::rules::ratio;

/// A share: what counts over what it is counted against, and where that came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Share {
    pub numerator: i64,
    pub denominator: i64,
    pub source: Denominator,
}

impl Share {
    /// Rounded to 6 decimals; `None` when the denominator is 0.
    pub fn value(&self) -> Option<f64> {
        ratio(self.numerator, Some(self.denominator))
    }
}

/// A measure of the subtree rooted at `path`, for every year from `from` to
/// `to` (a year without data has a share of 0 over 0, or over the registered
/// subjects, which have no history).
pub fn subtree_shares(
    conn: &mut DbConnection,
    path: &str,
    measure: Measure,
    (from, to): (i32, i32),
) -> Result<HashMap<i32, Share>, ApiError> {
    let years = from..=to;
    let each_year = |series: HashMap<i32, (i64, i64)>, source: Denominator| {
        years
            .clone()
            .map(|year| {
                let (numerator, denominator) = series.get(&year).copied().unwrap_or((0, 0));
                let share = Share {
                    numerator,
                    denominator,
                    source,
                };
                (year, share)
            })
            .collect()
    };
    // A share of registered subjects: recognised ones over all of them.
    let of_registered = |conn: &mut DbConnection, kind: SubjectKind, registered: i64| {
        let recognised = approved(conn, path, (from, to), kind, "assessments.recognised")?;
        let series = years
            .clone()
            .map(|year| (year, (recognised.get(&year).map_or(0, |c| c.0), registered)))
            .collect();
        Ok::<_, ApiError>(series)
    };
    Ok(match measure {
        Measure::MembershipRatio => {
            each_year(membership(conn, path, (from, to))?, Denominator::Population)
        }
        Measure::RecognisedCitizenRatio => each_year(
            approved(
                conn,
                path,
                (from, to),
                SubjectKind::Citizen,
                "assessments.recognised",
            )?,
            Denominator::ApprovedAssessments,
        ),
        Measure::RecognisedUnitRatio => each_year(
            approved(
                conn,
                path,
                (from, to),
                SubjectKind::Unit,
                "assessments.recognised",
            )?,
            Denominator::ApprovedAssessments,
        ),
        Measure::CommunesGoodOrAboveRatio => each_year(
            approved(
                conn,
                path,
                (from, to),
                SubjectKind::Commune,
                "assessments.rating IN ('excellent', 'good')",
            )?,
            Denominator::ApprovedAssessments,
        ),
        Measure::RecognisedFamilyRatio => {
            let registered = registered_total(conn, path, SubjectKind::Family)?;
            if registered > 0 {
                each_year(
                    of_registered(conn, SubjectKind::Family, registered)?,
                    Denominator::RegisteredHouseholds,
                )
            } else {
                let recognised = approved(
                    conn,
                    path,
                    (from, to),
                    SubjectKind::Family,
                    "assessments.recognised",
                )?;
                let stated = stated_households(conn, path, (from, to))?;
                let series = years
                    .clone()
                    .map(|year| {
                        let numerator = recognised.get(&year).map_or(0, |c| c.0);
                        (year, (numerator, stated.get(&year).copied().unwrap_or(0)))
                    })
                    .collect();
                each_year(series, Denominator::YearlyStatsHouseholds)
            }
        }
        Measure::RecognisedClanRatio => {
            let registered = registered_total(conn, path, SubjectKind::Clan)?;
            each_year(
                of_registered(conn, SubjectKind::Clan, registered)?,
                Denominator::RegisteredClans,
            )
        }
        Measure::RecognisedCommunityRatio => {
            let registered = registered_total(conn, path, SubjectKind::Community)?;
            each_year(
                of_registered(conn, SubjectKind::Community, registered)?,
                Denominator::RegisteredCommunities,
            )
        }
        Measure::MemberHouseholdsRecognisedRatio => {
            return Err(ApiError::internal(
                "member_households_recognised_ratio is measured for a clan or a community",
            ))
        }
    })
}

/// How many subjects of `kind` each association of the subtree holds
/// (citizens, units, households, clans, communities registered with it; for
/// association kinds, 1 for each association of that level).
pub fn subjects_by_association(
    conn: &mut DbConnection,
    path: &str,
    kind: SubjectKind,
) -> Result<Vec<(String, i64)>, ApiError> {
    macro_rules! by_association {
        ($table:ident) => {
            $table::table
                .filter($table::association_id.eq_any(ids_in_subtree(path)))
                .group_by($table::association_id)
                .select(($table::association_id, count_star()))
                .load(conn)?
        };
    }
    Ok(match kind {
        SubjectKind::Citizen => by_association!(citizens),
        SubjectKind::Unit => by_association!(units),
        SubjectKind::Family => by_association!(households),
        SubjectKind::Clan => by_association!(clans),
        SubjectKind::Community => by_association!(communities),
        SubjectKind::Province | SubjectKind::District | SubjectKind::Commune => {
            let ids: Vec<String> = ids_in_subtree(path)
                .filter(associations::level.eq(kind.as_str()))
                .load(conn)?;
            ids.into_iter().map(|id| (id, 1)).collect()
        }
    })
}

/// How many subjects of `kind` the subtree holds.
fn registered_total(
    conn: &mut DbConnection,
    path: &str,
    kind: SubjectKind,
) -> Result<i64, ApiError> {
    Ok(subjects_by_association(conn, path, kind)?
        .into_iter()
        .map(|(_, count)| count)
        .sum())
}

/// The `households` of each association's yearly statistics for `year`.
pub fn stated_households_by_association(
    conn: &mut DbConnection,
    path: &str,
    year: i32,
) -> Result<Vec<(String, i64)>, ApiError> {
    let rows: Vec<(String, Option<i64>)> = yearly_stats::table
        .filter(sdsl::year.eq(year))
        .filter(sdsl::association_id.eq_any(ids_in_subtree(path)))
        .filter(sdsl::households.is_not_null())
        .select((sdsl::association_id, sdsl::households))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, households)| (id, households.unwrap_or(0)))
        .collect())
}

/// Members and population of the subtree's yearly statistics, per year.
fn membership(
    conn: &mut DbConnection,
    path: &str,
    (from, to): (i32, i32),
) -> Result<HashMap<i32, (i64, i64)>, ApiError> {
    // From the subtree's ids: SQLite (no statistics) then starts from the
    // subtree rather than from every association's statistics of the years,
    // and seeks the covering (year, association_id, …) index for each.
    let rows: Vec<(i32, Option<i64>, Option<i64>)> = yearly_stats::table
        .filter(sdsl::year.between(from, to))
        .filter(sdsl::association_id.eq_any(ids_in_subtree(path)))
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

/// The households of the subtree's yearly statistics, per year.
fn stated_households(
    conn: &mut DbConnection,
    path: &str,
    (from, to): (i32, i32),
) -> Result<HashMap<i32, i64>, ApiError> {
    let rows: Vec<(i32, Option<i64>)> = yearly_stats::table
        .filter(sdsl::year.between(from, to))
        .filter(sdsl::association_id.eq_any(ids_in_subtree(path)))
        .group_by(sdsl::year)
        .select((
            sdsl::year,
            sql::<Nullable<BigInt>>("CAST(SUM(yearly_stats.households) AS BIGINT)"),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(year, households)| (year, households.unwrap_or(0)))
        .collect())
}

/// Approved assessments of `kind` in the subtree per period: (those that
/// count, all), where `counted` is an SQL condition on the row.
fn approved(
    conn: &mut DbConnection,
    path: &str,
    (from, to): (i32, i32),
    kind: SubjectKind,
    counted: &str,
) -> Result<HashMap<i32, (i64, i64)>, ApiError> {
    // Periods as a list and sets rather than the subject kind, so that both
    // backends seek the (period, criteria_set_id, subject_association_id, …)
    // index once per year, set and association instead of scanning a kind.
    let sets = criteria_sets::table
        .filter(criteria_sets::subject_kind.eq(kind.as_str()))
        .select(criteria_sets::id);
    let rows: Vec<(i32, i64, Option<i64>)> = assessments::table
        .filter(dsl::period.eq_any((from..=to).collect::<Vec<_>>()))
        .filter(dsl::criteria_set_id.eq_any(sets))
        .filter(dsl::subject_association_id.eq_any(ids_in_subtree(path)))
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

/// The subjects of `kind` in the subtree with an assessment of the period
/// in any status (those that registered for the title), per period.
pub fn registered(
    conn: &mut DbConnection,
    path: &str,
    (from, to): (i32, i32),
    kind: SubjectKind,
) -> Result<HashMap<i32, i64>, ApiError> {
    let sets = criteria_sets::table
        .filter(criteria_sets::subject_kind.eq(kind.as_str()))
        .select(criteria_sets::id);
    let rows: Vec<(i32, i64)> = assessments::table
        .filter(dsl::period.eq_any((from..=to).collect::<Vec<_>>()))
        .filter(dsl::criteria_set_id.eq_any(sets))
        .filter(dsl::subject_association_id.eq_any(ids_in_subtree(path)))
        .group_by(dsl::period)
        .select((
            dsl::period,
            sql::<BigInt>("COUNT(DISTINCT assessments.subject_id)"),
        ))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

/// The households of a clan or a village community recognised as learning
/// families in `period` (an approved, recognised family assessment) over its
/// households: those registered naming it, or else a community's stated
/// `household_count`.
pub fn member_households(
    conn: &mut DbConnection,
    kind: SubjectKind,
    id: &str,
    period: i32,
) -> Result<Share, ApiError> {
    let recognised = assessments::table
        .filter(dsl::subject_kind.eq(SubjectKind::Family.as_str()))
        .filter(dsl::subject_id.eq(households::id))
        .filter(dsl::period.eq(period))
        .filter(dsl::status.eq(AssessmentStatus::Approved.as_str()))
        .filter(dsl::recognised.eq(true));
    let (registered, numerator): (i64, i64) = match kind {
        SubjectKind::Clan => (
            households::table
                .filter(households::clan_id.eq(id))
                .count()
                .get_result(conn)?,
            households::table
                .filter(households::clan_id.eq(id))
                .filter(exists(recognised))
                .count()
                .get_result(conn)?,
        ),
        _ => (
            households::table
                .filter(households::community_id.eq(id))
                .count()
                .get_result(conn)?,
            households::table
                .filter(households::community_id.eq(id))
                .filter(exists(recognised))
                .count()
                .get_result(conn)?,
        ),
    };
    if registered == 0 && kind == SubjectKind::Community {
        let stated: Option<i32> = communities::table
            .find(id)
            .select(communities::household_count)
            .first(conn)
            .optional()?
            .flatten();
        if let Some(stated) = stated {
            return Ok(Share {
                numerator,
                denominator: i64::from(stated),
                source: Denominator::StatedHouseholdCount,
            });
        }
    }
    Ok(Share {
        numerator,
        denominator: registered,
        source: Denominator::RegisteredHouseholds,
    })
}

/// The subject of a measured criterion.
pub struct Measured<'a> {
    pub kind: SubjectKind,
    pub id: &'a str,
    /// The association the subject is or belongs to, and its path.
    pub association_id: &'a str,
    pub path: &'a str,
    pub period: i32,
}

/// Measures a criterion for a subject and a period, and the threshold it must reach.
pub fn measure(
    conn: &mut DbConnection,
    subject: &Measured<'_>,
    measure: Measure,
    threshold: Threshold,
) -> Result<Measurement, ApiError> {
    let period = subject.period;
    let share = match measure {
        Measure::MemberHouseholdsRecognisedRatio => {
            member_households(conn, subject.kind, subject.id, period)?
        }
        _ => subtree_shares(conn, subject.path, measure, (period, period))?
            .remove(&period)
            .ok_or_else(|| ApiError::internal("a measured year is missing"))?,
    };
    let (threshold, threshold_source, target_id) = match (threshold, measure.metric()) {
        (Threshold::Value(value), _) => (Some(value), ThresholdSource::Fixed, None),
        (Threshold::Named(NamedThreshold::Target), Some(metric)) => {
            let ids = [subject.association_id.to_owned()];
            match targets_model::applicable(conn, &ids, metric, period)?.remove(&ids[0]) {
                Some(target) => (
                    Some(target.min_value),
                    ThresholdSource::Target,
                    Some(target.id),
                ),
                None => (None, ThresholdSource::NoTarget, None),
            }
        }
        (Threshold::Named(NamedThreshold::Target), None) => (None, ThresholdSource::NoTarget, None),
    };
    Ok(Measurement {
        measure,
        value: share.value(),
        numerator: share.numerator,
        denominator: share.denominator,
        denominator_source: share.source,
        threshold,
        threshold_source,
        target_id,
        measured_at: now().and_utc(),
    })
}
