//! Read-only reports of a subtree: membership against population,
//! assessment results, the learning-district criteria, and trends.
//!
//! Reports roll up the tree by adding numerators and denominators (never by
//! averaging percentages), in SQL: every query groups the rows of a subtree
//! by the child of the report's association they fall under, taken from
//! the materialised path. Reports hold counts only, never a row per citizen.

pub mod api;
pub mod assessments;
pub mod cache;
pub mod chart;
pub mod figures;
pub mod fonts;
pub mod learning_district;
pub mod membership;
pub mod output;
pub mod print;
pub mod trend;
pub mod workbook;

use std::collections::HashMap;

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
use crate::tree;

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

    /// SQL naming, for a row of `associations` in the subtree, the child it
    /// falls under: the path segment after the root's path (ids are 36-character
    /// UUIDs); the empty string for the root itself. Built from the root's
    /// path length only, never from client input.
    pub fn child_key_sql(&self) -> String {
        format!(
            "substr(associations.path, {}, 36)",
            self.root.path.len() + 1
        )
    }

    /// The child key (see [`Self::child_key_sql`]) of every association of
    /// the subtree, by id: one row per association, however many records
    /// they hold.
    pub fn child_keys(&self, conn: &mut DbConnection) -> Result<HashMap<String, String>, ApiError> {
        let rows: Vec<(String, String)> = associations::table
            .filter(dsl::path.ge(&self.root.path))
            .filter(dsl::path.lt(self.path_end()))
            .select((dsl::id, sql::<Text>(&self.child_key_sql())))
            .load(conn)?;
        Ok(rows.into_iter().collect())
    }

    /// The end of the subtree's path range.
    pub fn path_end(&self) -> String {
        tree::subtree_end(&self.root.path)
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
