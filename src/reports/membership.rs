//! The membership report: members against population for an association,
//! each of its children's subtrees, and the whole subtree, with targets.

use std::collections::HashMap;

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use serde::Serialize;
use utoipa::ToSchema;

use super::chart::{Bar, Chart, Plot, Unit};
use super::figures::{percent, whole};
use super::output::{Report, TargetColumns};
use super::print::{made_on, Align, Column, Printout};
use super::{AssociationRef, Subtree, TargetComparison};
use crate::db::schema::associations::{self, dsl as adsl};
use crate::db::schema::yearly_stats;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::messages::{Language, Message};
use crate::msg;
use crate::targets::model as targets_model;
use crate::targets::rules::Metric;
use crate::yearly_stats::rules::ratio;

/// The figures of a part of the tree for one year: sums over the
/// associations that reported.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ToSchema)]
pub struct MembershipFigures {
    /// Associations that reported statistics for the year.
    pub reporting_count: i64,
    /// Associations active during the year (founded by its end, not dissolved before it began).
    pub association_count: i64,
    pub member_count: i64,
    /// `null` when no association reported a population.
    pub population: Option<i64>,
    pub households: Option<i64>,
    pub branch_count: Option<i64>,
    pub fund_raised_vnd: Option<i64>,
    pub scholarship_count: Option<i64>,
    pub scholarship_value_vnd: Option<i64>,
    /// `member_count / population` (sum over sum), a fraction rounded to 6
    /// decimals; `null` when the population is 0 or absent.
    pub membership_ratio: Option<f64>,
}

fn add(a: Option<i64>, b: Option<i64>) -> Option<i64> {
    match (a, b) {
        (None, None) => None,
        _ => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    }
}

impl MembershipFigures {
    fn plus(&self, other: &MembershipFigures) -> MembershipFigures {
        let mut sum = MembershipFigures {
            reporting_count: self.reporting_count + other.reporting_count,
            association_count: self.association_count + other.association_count,
            member_count: self.member_count + other.member_count,
            population: add(self.population, other.population),
            households: add(self.households, other.households),
            branch_count: add(self.branch_count, other.branch_count),
            fund_raised_vnd: add(self.fund_raised_vnd, other.fund_raised_vnd),
            scholarship_count: add(self.scholarship_count, other.scholarship_count),
            scholarship_value_vnd: add(self.scholarship_value_vnd, other.scholarship_value_vnd),
            membership_ratio: None,
        };
        sum.membership_ratio = ratio(sum.member_count, sum.population);
        sum
    }
}

/// One row of the report: an association and the figures it stands for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MembershipRow {
    pub association: AssociationRef,
    pub figures: MembershipFigures,
    /// The association's `membership_ratio` target due this year or next
    /// after it, compared with `figures.membership_ratio`.
    pub target: Option<TargetComparison>,
}

/// Members against population in an association's subtree for one year.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({
    "association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "HKH-TY", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district"},
    "year": 2020,
    "own": {"reporting_count": 1, "association_count": 1, "member_count": 1200, "population": null, "households": null,
            "branch_count": 20, "fund_raised_vnd": null, "scholarship_count": null, "scholarship_value_vnd": null, "membership_ratio": null},
    "children": [{
        "association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61", "code": "HKH-TY-HD", "name": "Hội Khuyến học xã Hưng Khánh", "level": "commune"},
        "figures": {"reporting_count": 1, "association_count": 1, "member_count": 1800, "population": 6500, "households": 1700,
                    "branch_count": 12, "fund_raised_vnd": 150000000, "scholarship_count": 80, "scholarship_value_vnd": 60000000,
                    "membership_ratio": 0.276923},
        "target": null}],
    "total": {
        "association": {"id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "code": "HKH-TY", "name": "Hội Khuyến học huyện Trấn Yên", "level": "district"},
        "figures": {"reporting_count": 22, "association_count": 22, "member_count": 23793, "population": 91161, "households": 24500,
                    "branch_count": 377, "fund_raised_vnd": 4500000000_i64, "scholarship_count": 1200, "scholarship_value_vnd": 1800000000_i64,
                    "membership_ratio": 0.261},
        "target": {"target_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa0", "year": 2025, "min_value": 0.35, "max_value": 0.4,
                   "actual": 0.261, "gap_to_min": 0.089, "status": "below"}}
}))]
pub struct MembershipReport {
    pub association: AssociationRef,
    pub year: i32,
    /// The association's own statistics (not its subtree's).
    pub own: MembershipFigures,
    /// One row per child association: the child's whole subtree.
    pub children: Vec<MembershipRow>,
    /// The whole subtree: the association's own figures and every child's.
    pub total: MembershipRow,
}

type SumsRow = (
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// The year's statistics summed per child (key "" for the root itself).
fn sums_by_child(
    conn: &mut DbConnection,
    subtree: &Subtree,
    year: i32,
) -> Result<HashMap<String, MembershipFigures>, ApiError> {
    let child = subtree.child_key_sql();
    // SUM of a BIGINT is NUMERIC on PostgreSQL: cast back so both backends give BIGINT.
    let select = format!(
        "{child}, COUNT(*), \
         CAST(SUM(yearly_stats.member_count) AS BIGINT), CAST(SUM(yearly_stats.population) AS BIGINT), \
         CAST(SUM(yearly_stats.households) AS BIGINT), CAST(SUM(yearly_stats.branch_count) AS BIGINT), \
         CAST(SUM(yearly_stats.fund_raised_vnd) AS BIGINT), CAST(SUM(yearly_stats.scholarship_count) AS BIGINT), \
         CAST(SUM(yearly_stats.scholarship_value_vnd) AS BIGINT)"
    );
    // SQLite keeps no statistics: free to use the year's index it would start
    // from the whole country's statistics of the year and look up each one's
    // association; `+year` (a unary plus: no index for that term) makes it
    // start from the subtree's covering path index and seek each association's
    // statistics (24 ms -> 4 ms for 3,331 associations of 10,001). PostgreSQL
    // plans on statistics, and the plus would spoil its estimate.
    let year_is = match conn {
        DbConnection::Sqlite(_) => "+yearly_stats.year = ",
        DbConnection::Postgres(_) => "yearly_stats.year = ",
    };
    let rows: Vec<SumsRow> = yearly_stats::table
        .inner_join(associations::table)
        .filter(sql::<Bool>(year_is).bind::<Integer, _>(year))
        .filter(adsl::path.ge(&subtree.root.path))
        .filter(adsl::path.lt(subtree.path_end()))
        .group_by(sql::<Text>(&child))
        .select(sql::<(
            Text,
            BigInt,
            Nullable<BigInt>,
            Nullable<BigInt>,
            Nullable<BigInt>,
            Nullable<BigInt>,
            Nullable<BigInt>,
            Nullable<BigInt>,
            Nullable<BigInt>,
        )>(&select))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let figures = MembershipFigures {
                reporting_count: r.1,
                association_count: 0,
                member_count: r.2.unwrap_or(0),
                population: r.3,
                households: r.4,
                branch_count: r.5,
                fund_raised_vnd: r.6,
                scholarship_count: r.7,
                scholarship_value_vnd: r.8,
                membership_ratio: ratio(r.2.unwrap_or(0), r.3),
            };
            (r.0, figures)
        })
        .collect())
}

/// How many associations were active during the year, per child.
fn active_by_child(
    conn: &mut DbConnection,
    subtree: &Subtree,
    year: i32,
) -> Result<HashMap<String, i64>, ApiError> {
    let (Some(first_day), Some(last_day)) = (
        NaiveDate::from_ymd_opt(year, 1, 1),
        NaiveDate::from_ymd_opt(year, 12, 31),
    ) else {
        return Ok(HashMap::new());
    };
    let child = subtree.child_key_sql();
    let rows: Vec<(String, i64)> = associations::table
        .filter(adsl::path.ge(&subtree.root.path))
        .filter(adsl::path.lt(subtree.path_end()))
        .filter(adsl::founded_on.is_null().or(adsl::founded_on.le(last_day)))
        .filter(
            adsl::dissolved_on
                .is_null()
                .or(adsl::dissolved_on.ge(first_day)),
        )
        .group_by(sql::<Text>(&child))
        .select(sql::<(Text, BigInt)>(&format!("{child}, COUNT(*)")))
        .load(conn)?;
    Ok(rows.into_iter().collect())
}

pub fn build(
    conn: &mut DbConnection,
    scope: Option<&str>,
    association_id: &str,
    year: i32,
) -> Result<MembershipReport, ApiError> {
    let subtree = Subtree::load(conn, scope, association_id)?;
    let mut sums = sums_by_child(conn, &subtree, year)?;
    for (key, count) in active_by_child(conn, &subtree, year)? {
        sums.entry(key).or_default().association_count = count;
    }
    let targets = targets_model::applicable(conn, &subtree.ids(), Metric::MembershipRatio, year)?;
    let own = sums.remove("").unwrap_or_default();
    let mut total = own.clone();
    let children = subtree
        .children
        .iter()
        .map(|child| {
            let figures = sums.remove(&child.id).unwrap_or_default();
            total = total.plus(&figures);
            MembershipRow {
                association: child.into(),
                target: TargetComparison::of(targets.get(&child.id), figures.membership_ratio),
                figures,
            }
        })
        .collect();
    Ok(MembershipReport {
        association: (&subtree.root).into(),
        year,
        own,
        children,
        total: MembershipRow {
            association: (&subtree.root).into(),
            target: TargetComparison::of(targets.get(&subtree.root.id), total.membership_ratio),
            figures: total,
        },
    })
}

/// One line of the CSV form (before its target columns): the same numbers, flat.
#[derive(Debug, Default, Serialize)]
pub struct MembershipCsvRow<'a> {
    row: &'static str,
    association_id: &'a str,
    association_code: &'a str,
    association_name: &'a str,
    level: &'static str,
    year: i32,
    reporting_count: i64,
    association_count: i64,
    member_count: i64,
    population: Option<i64>,
    households: Option<i64>,
    branch_count: Option<i64>,
    fund_raised_vnd: Option<i64>,
    scholarship_count: Option<i64>,
    scholarship_value_vnd: Option<i64>,
    membership_ratio: Option<f64>,
}

impl<'a> MembershipCsvRow<'a> {
    fn new(
        row: &'static str,
        year: i32,
        association: &'a AssociationRef,
        f: &MembershipFigures,
        target: Option<&TargetComparison>,
    ) -> (Self, TargetColumns) {
        let row = MembershipCsvRow {
            row,
            association_id: &association.id,
            association_code: &association.code,
            association_name: &association.name,
            level: association.level.as_str(),
            year,
            reporting_count: f.reporting_count,
            association_count: f.association_count,
            member_count: f.member_count,
            population: f.population,
            households: f.households,
            branch_count: f.branch_count,
            fund_raised_vnd: f.fund_raised_vnd,
            scholarship_count: f.scholarship_count,
            scholarship_value_vnd: f.scholarship_value_vnd,
            membership_ratio: f.membership_ratio,
        };
        (row, target.into())
    }
}

impl Report for MembershipReport {
    const SHEET: &'static str = "sheet-membership";

    type Line<'a> = (MembershipCsvRow<'a>, TargetColumns);

    /// The report as CSV lines: the association's own figures, one line per child, the total.
    fn csv_lines(&self) -> Vec<Self::Line<'_>> {
        let mut rows = vec![MembershipCsvRow::new(
            "own",
            self.year,
            &self.association,
            &self.own,
            None,
        )];
        for child in &self.children {
            rows.push(MembershipCsvRow::new(
                "child",
                self.year,
                &child.association,
                &child.figures,
                child.target.as_ref(),
            ));
        }
        rows.push(MembershipCsvRow::new(
            "total",
            self.year,
            &self.total.association,
            &self.total.figures,
            self.total.target.as_ref(),
        ));
        rows
    }

    fn file_stem(&self) -> String {
        format!("membership-{}", self.year)
    }

    const CHARTED: bool = true;

    /// A bar per child (members ÷ population), each against its own target,
    /// and the association's own target across them.
    fn chart(&self) -> Option<Chart> {
        let bars = self
            .children
            .iter()
            .map(|child| Bar {
                label: child.association.name.clone(),
                value: child.figures.membership_ratio,
                target: child.target.as_ref().map(|t| t.min_value),
            })
            .collect();
        let target = self
            .total
            .target
            .as_ref()
            .map(|t| (msg!("chart-target-year", year = t.year), t.min_value));
        Some(Chart {
            title: msg!("chart-membership"),
            about: msg!(
                "chart-about-year",
                association = &self.association.name,
                year = self.year,
                unit = msg!("unit-percent-population")
            ),
            unit: Unit::Percent,
            plot: Plot::Bars { bars, target },
        })
    }

    const PRINTABLE: bool = true;

    /// A line per child, numbered, then the association's own figures and
    /// the total; ratios and targets as percentages.
    fn printout(&self, language: Language) -> Option<Printout> {
        let heading = |id| Message::new(id).render(language);
        let column = |id, share, align| Column::named(id, share, align, language);
        let line = |number: String, row: &MembershipRow| {
            let f = &row.figures;
            let target = row.target.as_ref();
            vec![
                number,
                row.association.name.clone(),
                whole(f.member_count, language),
                f.population
                    .map_or_else(String::new, |p| whole(p, language)),
                f.membership_ratio
                    .map_or_else(String::new, |r| percent(r, language)),
                target.map_or_else(String::new, |t| match t.max_value {
                    Some(max) => format!(
                        "{} – {}",
                        percent(t.min_value, language),
                        percent(max, language)
                    ),
                    None => format!("≥ {}", percent(t.min_value, language)),
                }),
                target
                    .and_then(|t| t.gap_to_min)
                    .filter(|gap| *gap > 0.0)
                    .map_or_else(String::new, |gap| percent(gap, language)),
            ]
        };
        let mut rows: Vec<Vec<String>> = self
            .children
            .iter()
            .enumerate()
            .map(|(i, child)| line((i + 1).to_string(), child))
            .collect();
        if self.own.reporting_count > 0 {
            rows.push(line(
                String::new(),
                &MembershipRow {
                    association: self.association.clone(),
                    figures: self.own.clone(),
                    target: None,
                },
            ));
        }
        let mut total = line(String::new(), &self.total);
        total[1] = heading("print-total");
        Some(Printout {
            title: msg!("print-membership", year = self.year).render(language),
            facts: vec![
                (
                    heading("column-association-name"),
                    self.association.name.clone(),
                ),
                (
                    heading("column-association-code"),
                    self.association.code.clone(),
                ),
                (heading("column-year"), self.year.to_string()),
                (heading("summary-made-on"), made_on()),
            ],
            columns: vec![
                column("print-number", 0.5, Align::Centre),
                column("column-association-name", 3.4, Align::Left),
                column("column-member-count", 1.2, Align::Right),
                column("column-population", 1.3, Align::Right),
                column("column-membership-ratio", 1.2, Align::Right),
                column("column-target-min-value", 1.4, Align::Right),
                column("column-target-gap-to-min", 1.2, Align::Right),
            ],
            rows,
            total: Some(total),
            closing: Vec::new(),
        })
    }
}
