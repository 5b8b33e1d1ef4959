//! `khuyenhoc check`: verifies what the service keeps as copies and what the
//! reports count on, so an operator (and the concurrency tests) can tell a
//! consistent database from a corrupted one. Read-only.

use std::collections::{HashMap, HashSet};
use std::fmt;

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::associations::rules::Level;
use crate::db::schema::associations::{self, dsl};
use crate::db::DbConnection;
use crate::error::ApiError;

/// One row that breaks an invariant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The table and id of the row.
    pub row: String,
    /// What is wrong with it.
    pub problem: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.row, self.problem)
    }
}

/// Every violation found, associations first; empty when all holds.
pub fn run(conn: &mut DbConnection) -> Result<Vec<Violation>, ApiError> {
    let mut violations = tree(conn)?;
    violations.extend(assessment_subjects(conn)?);
    Ok(violations)
}

struct Node {
    parent_id: Option<String>,
    path: String,
    depth: i32,
    level: String,
}

/// The association tree: each path is its parent's path plus its own id
/// (so a subtree, which every list and report reads as a path range, is
/// exactly the associations below by `parent_id`), depth one more than the
/// parent's, a parent's level strictly above its child's, and no cycle.
fn tree(conn: &mut DbConnection) -> Result<Vec<Violation>, ApiError> {
    let rows: Vec<(String, Option<String>, String, i32, String)> = associations::table
        .select((dsl::id, dsl::parent_id, dsl::path, dsl::depth, dsl::level))
        .load(conn)?;
    let nodes: HashMap<String, Node> = rows
        .into_iter()
        .map(|(id, parent_id, path, depth, level)| {
            let node = Node {
                parent_id,
                path,
                depth,
                level,
            };
            (id, node)
        })
        .collect();
    let mut ids: Vec<&String> = nodes.keys().collect();
    ids.sort();
    let mut violations = Vec::new();
    for id in ids {
        let node = &nodes[id];
        let mut broken = |problem: String| {
            violations.push(Violation {
                row: format!("association {id}"),
                problem,
            })
        };
        if let Some(cycle) = cycle_from(&nodes, id) {
            broken(format!("its parents lead back to {cycle}: a cycle"));
        }
        let parent = match &node.parent_id {
            Some(parent_id) => match nodes.get(parent_id) {
                Some(parent) => Some(parent),
                None => {
                    broken(format!("its parent {parent_id} does not exist"));
                    continue;
                }
            },
            None => None,
        };
        let expected_path = format!("{}{id}/", parent.map_or("/", |p| p.path.as_str()));
        if node.path != expected_path {
            broken(format!(
                "path is {:?}, its parent's path and its id make {expected_path:?}",
                node.path
            ));
        }
        let expected_depth = parent.map_or(0, |p| p.depth + 1);
        if node.depth != expected_depth {
            broken(format!(
                "depth is {}, one below its parent makes {expected_depth}",
                node.depth
            ));
        }
        if let Some(parent) = parent {
            let ordered = match (Level::parse(&parent.level), Level::parse(&node.level)) {
                (Some(above), Some(below)) => above.may_parent(below),
                _ => false,
            };
            if !ordered {
                broken(format!(
                    "a {} under a {}: a parent's level is strictly above its child's",
                    node.level, parent.level
                ));
            }
        }
    }
    Ok(violations)
}

/// The association the parent links of `id` come back to, if they do.
fn cycle_from(nodes: &HashMap<String, Node>, id: &str) -> Option<String> {
    let mut seen = HashSet::new();
    let mut current = id;
    while let Some(parent) = nodes.get(current).and_then(|n| n.parent_id.as_deref()) {
        if !seen.insert(current) {
            return Some(current.to_owned());
        }
        current = parent;
    }
    None
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// Reports count assessments by `subject_association_id`, a copy of where
/// the subject is: it must name the association of the unit, citizen,
/// household, clan or village community, or the assessed association itself.
fn assessment_subjects(conn: &mut DbConnection) -> Result<Vec<Violation>, ApiError> {
    let kept_apart = [
        ("unit", "units"),
        ("citizen", "citizens"),
        ("family", "households"),
        ("clan", "clans"),
        ("community", "communities"),
    ];
    let mut conditions: Vec<String> = kept_apart
        .iter()
        .map(|(kind, table)| {
            format!(
                "(a.subject_kind = '{kind}' AND NOT EXISTS (SELECT 1 FROM {table} s \
                 WHERE s.id = a.subject_id AND s.association_id = a.subject_association_id))"
            )
        })
        .collect();
    let kinds: Vec<String> = kept_apart
        .iter()
        .map(|(kind, _)| format!("'{kind}'"))
        .collect();
    conditions.push(format!(
        "(a.subject_kind NOT IN ({}) AND a.subject_association_id <> a.subject_id)",
        kinds.join(", ")
    ));
    let rows: Vec<IdRow> = diesel::sql_query(format!(
        "SELECT a.id AS id FROM assessments a WHERE {} ORDER BY a.id",
        conditions.join(" OR ")
    ))
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| Violation {
            row: format!("assessment {}", row.id),
            problem: "subject_association_id is not where its subject is, \
                      so reports count it under the wrong association"
                .to_owned(),
        })
        .collect())
}
