//! Bulk import: a file of rows (NDJSON, JSON `{"items": […]}` or CSV) made
//! into creates and updates of one resource, each row through the same rules
//! as the one-row API, with a report of what happened to every row.
//!
//! A row is the resource's JSON form, as an export gives it: the members a
//! create takes, plus `id` and `version` (and the export's read-only members,
//! which are passed over). Rows are matched on `id` when given, else on the
//! resource's natural key; a row with `version` is applied only if the stored
//! version is that one (`VERSION_CONFLICT` otherwise), so edits made on two
//! instances never silently overwrite each other.

pub mod api;
mod assessments;
mod importer;
mod rows;
mod tree;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use utoipa::{PartialSchema, ToSchema};

use crate::db::DbConnection;
use crate::error::ApiError;
use crate::resource::http::Served;
use crate::resource::Importable;
pub use importer::Importer;
pub use rows::{Format, Source};

/// How rows meet the records stored already.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// Only new records; a row that matches one is rejected (`ALREADY_EXISTS`).
    Create,
    /// Only stored records; a row that matches none is rejected (`NOT_FOUND`).
    Update,
    /// New records are created, stored ones updated.
    #[default]
    Upsert,
}

/// How rows name the association they belong to.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, ToSchema, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum IdScheme {
    /// `association_id` (an association's `parent_id`, `successor_id`) holds
    /// an association's id.
    #[default]
    Id,
    /// They hold an association's code (as a spreadsheet has it).
    Code,
}

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub dry_run: bool,
    pub strategy: Strategy,
    pub id_scheme: IdScheme,
    pub atomic: bool,
}

/// What an import did (or, for a dry run or a refused atomic import, would
/// have done): `created + updated + unchanged + rejected = total`.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
#[schema(example = json!({"resource": "units", "dry_run": false, "atomic": false, "total": 3,
    "created": 1, "updated": 1, "unchanged": 0, "rejected": 1,
    "rejections": [{"index": 2, "line": 4, "pointer": "/kind", "code": "INVALID_VALUE",
                    "detail": "\"castle\" is not an allowed value: send one of agency, school, enterprise, other"}]}))]
pub struct ImportReport {
    #[schema(max_length = 32)]
    pub resource: String,
    pub dry_run: bool,
    pub atomic: bool,
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    /// Why each rejected row was rejected (one entry per problem; at most
    /// 1,000 entries).
    pub rejections: Vec<Rejection>,
}

/// One reason a row was rejected.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Rejection {
    /// The row's position among the rows, from 0.
    pub index: u64,
    /// The row's line in an NDJSON or CSV file, from 1 (a CSV header is line 1).
    pub line: Option<u64>,
    /// The member at fault (a JSON Pointer into the row); empty for the whole row.
    #[schema(max_length = 1000)]
    pub pointer: String,
    #[schema(max_length = 64)]
    pub code: String,
    #[schema(max_length = 1000)]
    pub detail: String,
}

const MAX_REJECTIONS: usize = 1000;

impl ImportReport {
    fn count(&mut self, outcome: Outcome) {
        self.total += 1;
        match outcome {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Unchanged => self.unchanged += 1,
        }
    }

    fn reject(&mut self, (index, line): (u64, Option<u64>), error: &ApiError) {
        self.total += 1;
        self.rejected += 1;
        let mut entry = |pointer: &str, code: &str, detail: &str| {
            if self.rejections.len() < MAX_REJECTIONS {
                self.rejections.push(Rejection {
                    index,
                    line,
                    pointer: pointer.to_owned(),
                    code: code.to_owned(),
                    detail: detail.to_owned(),
                });
            }
        };
        if error.field_errors().is_empty() {
            entry("", error.code(), &error.detail());
        }
        for field in error.field_errors() {
            entry(&field.pointer, &field.code, &field.detail());
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// The stored record with `candidate`'s natural key, if any.
fn find_same<R: Importable>(
    conn: &mut DbConnection,
    candidate: &R,
) -> Result<Option<(R, String)>, ApiError> {
    let holders = R::holders(conn, &[candidate])?;
    Ok(candidate.keys().iter().find_map(|key| {
        holders
            .iter()
            .find(|(holder, _)| holder.keys().contains(key))
            .cloned()
    }))
}

/// The members of `R`'s JSON form that are not text (numbers, booleans,
/// lists): a CSV cell holds them as JSON.
fn typed_members<R: Served>() -> HashSet<String>
where
    R::Json: PartialSchema,
{
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    let RefOr::T(Schema::Object(object)) = R::Json::schema() else {
        return HashSet::new();
    };
    let typed = |t: &Type| {
        matches!(
            t,
            Type::Integer | Type::Number | Type::Boolean | Type::Array | Type::Object
        )
    };
    object
        .properties
        .iter()
        .filter(|(_, property)| match property {
            RefOr::T(Schema::Object(p)) => match &p.schema_type {
                SchemaType::Type(t) => typed(t),
                SchemaType::Array(types) => types.iter().any(typed),
                SchemaType::AnyValue => false,
            },
            RefOr::T(Schema::Array(_)) => true,
            _ => false,
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The resources that are imported and exported as files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DataResource {
    Associations,
    Assessments,
    Units,
    Citizens,
    YearlyStats,
    Targets,
    Communities,
    Clans,
    Households,
}

impl DataResource {
    /// Imports `source` into this resource.
    pub fn import(
        self,
        importer: &Importer,
        conn: &mut DbConnection,
        source: Source,
    ) -> Result<ImportReport, ApiError> {
        use crate::{citizens, clans, communities, households, targets, units, yearly_stats};
        match self {
            DataResource::Associations => importer.run_associations(conn, source),
            DataResource::Assessments => importer.run_assessments(conn, source),
            DataResource::Units => importer.run::<units::model::UnitRow>(conn, source),
            DataResource::Citizens => importer.run::<citizens::model::CitizenRow>(conn, source),
            DataResource::YearlyStats => {
                importer.run::<yearly_stats::model::StatsRow>(conn, source)
            }
            DataResource::Targets => importer.run::<targets::model::TargetRow>(conn, source),
            DataResource::Communities => {
                importer.run::<communities::model::CommunityRow>(conn, source)
            }
            DataResource::Clans => importer.run::<clans::model::ClanRow>(conn, source),
            DataResource::Households => {
                importer.run::<households::model::HouseholdRow>(conn, source)
            }
        }
    }

    /// Writes every row of this resource that `caller` sees to `out`; how many.
    pub fn export(
        self,
        conn: &mut DbConnection,
        caller: &crate::auth::Caller,
        form: crate::resource::export::Form,
        out: &mut dyn std::io::Write,
    ) -> Result<u64, ApiError> {
        use crate::resource::export::write_all;
        use crate::{citizens, clans, communities, households, targets, units, yearly_stats};
        let scope = caller.scope_path().map(str::to_owned);
        match self {
            DataResource::Associations => {
                let filter = crate::associations::model::ListFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    crate::associations::model::list(c, &filter, p, false)
                })
            }
            DataResource::Assessments => {
                let filter = crate::assessments::model::AssessmentFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    crate::assessments::model::list(c, &filter, p)
                })
            }
            DataResource::Units => {
                let filter = units::model::UnitFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    units::model::list(c, &filter, p)
                })
            }
            DataResource::Citizens => {
                let filter = citizens::model::CitizenFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    citizens::model::list(c, &filter, p)
                })
            }
            DataResource::YearlyStats => {
                let filter = yearly_stats::model::StatsFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    yearly_stats::model::list(c, &filter, p)
                })
            }
            DataResource::Targets => {
                let filter = targets::model::TargetFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    targets::model::list(c, &filter, p)
                })
            }
            DataResource::Communities => {
                let filter = communities::model::CommunityFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    communities::model::list(c, &filter, p)
                })
            }
            DataResource::Clans => {
                let filter = clans::model::ClanFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    clans::model::list(c, &filter, p)
                })
            }
            DataResource::Households => {
                let filter = households::model::HouseholdFilter {
                    scope,
                    ..Default::default()
                };
                write_all(conn, caller, form, out, |c, p| {
                    households::model::list(c, &filter, p)
                })
            }
        }
    }
}
