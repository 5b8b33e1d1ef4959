//! Read-only reports of a subtree: membership against population,
//! assessment results, the learning-district criteria, and trends.
//!
//! Reports roll up the tree by adding numerators and denominators (never by
//! averaging percentages), in SQL: every query groups the rows of a subtree
//! by the child of the report's association they fall under, taken from
//! the materialised path. Reports hold counts only, never a row per citizen.

pub mod api;
pub mod assessments;
pub mod learning_district;
pub mod membership;
pub mod output;
pub mod trend;

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::Text;
use serde::Serialize;
use utoipa::ToSchema;

use crate::associations::model::{self as associations_model, AssociationRow};
use crate::associations::rules::Level;
use crate::db::schema::associations::{self, dsl};
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::targets::model::TargetRow;
use crate::targets::rules::{gap, TargetStatus};

/// An association as reports name it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssociationRef {
    #[schema(format = Uuid)]
    pub id: String,
    #[schema(format = "code", max_length = 32)]
    pub code: String,
    #[schema(format = "text-line", max_length = 200)]
    pub name: String,
    pub level: Level,
}

impl From<&AssociationRow> for AssociationRef {
    fn from(row: &AssociationRow) -> Self {
        AssociationRef {
            id: row.id.clone(),
            code: row.code.clone(),
            name: row.name.clone(),
            level: row.level(),
        }
    }
}

/// An association of a report's subtree.
pub struct Member {
    pub id: String,
    /// The id of the root's child whose subtree holds it; "" for the root.
    pub child_key: String,
    pub founded_on: Option<NaiveDate>,
    pub dissolved_on: Option<NaiveDate>,
}

impl Member {
    /// Whether the association was active during `year` (founded by its
    /// end, not dissolved before it began).
    pub fn active_in(&self, year: i32) -> bool {
        let founded_by_end = self.founded_on.is_none_or(|d| d.year() <= year);
        let dissolved_after_start = self.dissolved_on.is_none_or(|d| d.year() >= year);
        founded_by_end && dissolved_after_start
    }
}

/// The child key of every member, by id.
pub fn child_keys(members: &[Member]) -> HashMap<&str, &str> {
    members
        .iter()
        .map(|m| (m.id.as_str(), m.child_key.as_str()))
        .collect()
}

/// The association a report is about, and its children in name order.
pub struct Subtree {
    pub root: AssociationRow,
    pub children: Vec<AssociationRow>,
}

impl Subtree {
    /// The association the caller asked for (404 outside its scope) and its children.
    pub fn load(
        conn: &mut DbConnection,
        scope: Option<&str>,
        id: &str,
    ) -> Result<Subtree, ApiError> {
        let root = associations_model::get_visible(conn, scope, id)?;
        let children = associations::table
            .filter(dsl::parent_id.eq(&root.id))
            .order((dsl::name.asc(), dsl::id.asc()))
            .load(conn)?;
        Ok(Subtree { root, children })
    }

    /// Every association of the subtree (the root too), with the child it
    /// falls under: one scan of the covering `associations_subtree` index,
    /// which the report's other queries then need not join again.
    pub fn members(&self, conn: &mut DbConnection) -> Result<Vec<Member>, ApiError> {
        // The path segment after the root's path (ids are 36-character UUIDs);
        // built from the root's path length only, never from client input.
        let child_key = format!("substr(path, {}, 36)", self.root.path.len() + 1);
        let rows: Vec<(String, String, Option<NaiveDate>, Option<NaiveDate>)> = associations::table
            .filter(dsl::path.ge(&self.root.path))
            .filter(dsl::path.lt(self.path_end()))
            .select((
                dsl::id,
                sql::<Text>(&child_key),
                dsl::founded_on,
                dsl::dissolved_on,
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(id, child_key, founded_on, dissolved_on)| Member {
                id,
                child_key,
                founded_on,
                dissolved_on,
            })
            .collect())
    }

    /// The end of the subtree's path range.
    pub fn path_end(&self) -> String {
        associations_model::subtree_end(&self.root.path)
    }

    /// The ids of the root and of its children, for target lookups.
    pub fn ids(&self) -> Vec<String> {
        std::iter::once(&self.root)
            .chain(&self.children)
            .map(|a| a.id.clone())
            .collect()
    }
}

/// A target and how the actual value stands against it.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"target_id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4aa0", "year": 2025,
                          "min_value": 0.35, "max_value": 0.4, "actual": 0.261, "gap_to_min": 0.089,
                          "status": "below"}))]
pub struct TargetComparison {
    #[schema(format = Uuid)]
    pub target_id: String,
    /// The year by which the target is to be reached.
    pub year: i32,
    pub min_value: f64,
    pub max_value: Option<f64>,
    /// The value the report computed; `null` when there is nothing to compare.
    pub actual: Option<f64>,
    /// `min_value - actual`: positive while the target is not reached.
    pub gap_to_min: Option<f64>,
    pub status: TargetStatus,
}

impl TargetComparison {
    pub fn of(target: Option<&TargetRow>, actual: Option<f64>) -> Option<TargetComparison> {
        let target = target?;
        let gap = gap(target.min_value, target.max_value, actual);
        Some(TargetComparison {
            target_id: target.id.clone(),
            year: target.year,
            min_value: target.min_value,
            max_value: target.max_value,
            actual,
            gap_to_min: gap.to_min,
            status: gap.status,
        })
    }
}
