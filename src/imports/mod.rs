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
mod rows;

use std::collections::HashSet;

use diesel::Connection;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::{PartialSchema, ToSchema};

use crate::associations::model::{in_scope, placeable_path};
use crate::auth::Actor;
use crate::changes::model as changes;
use crate::db::{now, write_transaction, write_transaction_or_roll_back, DbConnection};
use crate::error::ApiError;
use crate::http::extract::from_json_value;
use crate::resource::http::Served;
use crate::resource::{self, Resource};
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
    /// `association_id` holds the association's id.
    #[default]
    Id,
    /// `association_id` holds the association's code (as a spreadsheet has it).
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
                    "detail": "unknown variant `castle`, expected one of `agency`, `school`, `enterprise`, `other`"}]}))]
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
/// Rows per transaction of a non-atomic import.
const BATCH: usize = 500;

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
            entry("", error.code(), error.detail());
        }
        for field in error.field_errors() {
            entry(&field.pointer, &field.code, &field.detail);
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Outcome {
    Created,
    Updated,
    Unchanged,
}

/// A resource that can be imported.
pub trait Importable: Resource + Served {
    /// The path segment of `/imports/{resource}`.
    const NAME: &'static str;
    /// The body of a one-row create: its members and their rules.
    type Create: DeserializeOwned;
    /// Members of the JSON form a create does not take, passed over on
    /// import (`id` and `version` are read from them).
    const READ_ONLY: &'static [&'static str] = &["id", "version", "created_at", "updated_at"];

    /// The record's association and fields. `association_id` is the row's
    /// member when it is read-only (given in the URL of a create).
    fn fields_from(
        create: Self::Create,
        association_id: Option<String>,
    ) -> Result<(String, Self::Fields), ApiError>;

    /// What to keep of a row refused with `error` so that the refusal can be
    /// audited (a national id found taken: probing for them shows in the
    /// trail, as for the one-row API).
    fn refused_key(_candidate: &Self, _error: &ApiError) -> Option<String> {
        None
    }

    /// Audits the refusals [`refused_key`](Self::refused_key) kept, in a
    /// transaction of its own that stays even when the import is rolled back.
    fn audit_refusals(
        _conn: &mut DbConnection,
        _actor: &Actor,
        _keys: &[String],
    ) -> Result<(), ApiError> {
        Ok(())
    }

    /// The stored record with `candidate`'s natural key, if any.
    fn find_same(
        conn: &mut DbConnection,
        candidate: &Self,
    ) -> Result<Option<(Self, String)>, ApiError>;
}

/// The members of `R`'s JSON form that are numbers (a CSV cell is text).
fn numeric_members<R: Served>() -> HashSet<String>
where
    R::Json: PartialSchema,
{
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    let RefOr::T(Schema::Object(object)) = R::Json::schema() else {
        return HashSet::new();
    };
    let numeric = |t: &Type| matches!(t, Type::Integer | Type::Number);
    object
        .properties
        .iter()
        .filter(|(_, property)| match property {
            RefOr::T(Schema::Object(p)) => match &p.schema_type {
                SchemaType::Type(t) => numeric(t),
                SchemaType::Array(types) => types.iter().any(numeric),
                SchemaType::AnyValue => false,
            },
            _ => false,
        })
        .map(|(name, _)| name.clone())
        .collect()
}

/// The resources that are imported and exported as files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DataResource {
    Units,
    Citizens,
    YearlyStats,
    Targets,
}

impl DataResource {
    /// Imports `source` into this resource.
    pub fn import(
        self,
        importer: &Importer,
        conn: &mut DbConnection,
        source: Source,
    ) -> Result<ImportReport, ApiError> {
        use crate::{citizens, targets, units, yearly_stats};
        match self {
            DataResource::Units => importer.run::<units::model::UnitRow>(conn, source),
            DataResource::Citizens => importer.run::<citizens::model::CitizenRow>(conn, source),
            DataResource::YearlyStats => {
                importer.run::<yearly_stats::model::StatsRow>(conn, source)
            }
            DataResource::Targets => importer.run::<targets::model::TargetRow>(conn, source),
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
        use crate::{citizens, targets, units, yearly_stats};
        let scope = caller.scope_path().map(str::to_owned);
        match self {
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
        }
    }
}

/// Who imports, and where.
pub struct Importer {
    pub actor: Actor,
    pub scope: Option<String>,
    pub options: Options,
    /// Told the number of rows done, every thousand rows (a progress bar).
    pub progress: Option<Box<dyn Fn(u64) + Send + Sync>>,
}

impl Importer {
    /// Imports every row of `source` into `R` on `conn`: one transaction in
    /// all when atomic (rolled back on any rejection or a dry run), else one
    /// per batch of rows. Each row runs in a savepoint of its own, so a
    /// rejected row leaves nothing behind.
    pub fn run<R: Importable>(
        &self,
        conn: &mut DbConnection,
        source: Source,
    ) -> Result<ImportReport, ApiError>
    where
        R::Json: PartialSchema,
    {
        let mut report = ImportReport {
            resource: R::NAME.to_owned(),
            dry_run: self.options.dry_run,
            atomic: self.options.atomic,
            ..ImportReport::default()
        };
        let numeric = numeric_members::<R>();
        let mut rows = source.rows(R::COLUMNS, numeric)?;
        let commit = |report: &ImportReport| {
            !self.options.dry_run && (report.rejected == 0 || !self.options.atomic)
        };
        let started = std::time::Instant::now();
        let mut refused = Vec::new();
        loop {
            let mut more = true;
            let batch_report = write_transaction_or_roll_back(conn, |conn| {
                let mut taken = 0;
                while self.options.atomic || taken < BATCH {
                    let Some((place, row)) = rows.next() else {
                        more = false;
                        break;
                    };
                    taken += 1;
                    match row.and_then(|row| self.import_row::<R>(conn, row, &mut refused)) {
                        Ok(outcome) => report.count(outcome),
                        // The database or the upload failing is not the row's
                        // fault: the import stops (an atomic one wrote nothing).
                        Err(error) if rows::aborts(&error) => return Err(error),
                        Err(error) => report.reject(place, &error),
                    }
                    if let Some(progress) =
                        self.progress.as_ref().filter(|_| report.total % 1000 == 0)
                    {
                        progress(report.total);
                    }
                    if report.total % 10_000 == 0 {
                        log::info!(
                            "import of {}: {} rows in {:.0?} ({} rejected)",
                            R::NAME,
                            report.total,
                            started.elapsed(),
                            report.rejected
                        );
                    }
                }
                Ok(((), commit(&report)))
            });
            batch_report?;
            if !more {
                break;
            }
        }
        if !refused.is_empty() {
            write_transaction(conn, |conn| R::audit_refusals(conn, &self.actor, &refused))?;
        }
        Ok(report)
    }

    /// One row in a savepoint: its writes and change-feed events stay only
    /// if it is accepted.
    fn import_row<R: Importable>(
        &self,
        conn: &mut DbConnection,
        row: Map<String, Value>,
        refused: &mut Vec<String>,
    ) -> Result<Outcome, ApiError> {
        let mark = changes::staged();
        let outcome = conn.transaction(|conn| self.apply_row::<R>(conn, row, refused));
        if outcome.is_err() {
            changes::forget_since(mark);
        }
        outcome
    }

    fn apply_row<R: Importable>(
        &self,
        conn: &mut DbConnection,
        mut row: Map<String, Value>,
        refused: &mut Vec<String>,
    ) -> Result<Outcome, ApiError> {
        let id = take_id(&mut row)?;
        let version = take_version(&mut row)?;
        let mut read_only_association = None;
        for member in R::READ_ONLY {
            let value = row.remove(*member);
            if *member == "association_id" {
                read_only_association = value;
            }
        }
        let association_member = match read_only_association.as_mut() {
            Some(value) => Some(value),
            None => row.get_mut("association_id"),
        };
        if let (IdScheme::Code, Some(value)) = (self.options.id_scheme, association_member) {
            *value = Value::String(association_by_code(conn, value)?);
        }
        let read_only_association = match read_only_association {
            None | Some(Value::Null) => None,
            Some(value) => Some(from_json_value::<String>(value).map_err(|_| {
                ApiError::invalid_field(
                    "/association_id",
                    "INVALID_VALUE",
                    "must be an association id",
                )
            })?),
        };
        let create: R::Create = from_json_value(Value::Object(row))?;
        let (association_id, fields) = R::fields_from(create, read_only_association)?;
        let fields = R::validated(fields)?;
        let candidate = R::new(
            id.clone()
                .unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
            association_id.clone(),
            fields.clone(),
            now(),
        );
        self.write_row(conn, &candidate, (id, version), (association_id, fields))
            .inspect_err(|error| refused.extend(R::refused_key(&candidate, error)))
    }

    /// Creates or updates the record of one row, as the strategy says.
    fn write_row<R: Importable>(
        &self,
        conn: &mut DbConnection,
        candidate: &R,
        (id, version): (Option<String>, Option<i64>),
        (association_id, fields): (String, R::Fields),
    ) -> Result<Outcome, ApiError> {
        let scope = self.scope.as_deref();
        let stored = match &id {
            Some(id) => R::find(conn, id)?,
            // A namesake outside the caller's scope is no match: the row is
            // then a create, refused as the one-row API refuses it (a taken
            // code or national id), never told apart as "exists elsewhere".
            None => R::find_same(conn, candidate)?.filter(|(_, path)| in_scope(scope, path)),
        };
        match (stored, self.options.strategy) {
            (Some(_), Strategy::Create) => Err(ApiError::conflict(
                "ALREADY_EXISTS",
                "a record with this id or key exists already (strategy=create)",
            )),
            (None, Strategy::Update) => Err(ApiError::not_found(R::NOUN)),
            (Some((current, path)), _) => {
                if !in_scope(scope, &path) {
                    return Err(ApiError::not_found(R::NOUN));
                }
                if version.is_some_and(|v| v != current.version()) {
                    return Err(ApiError::conflict(
                        "VERSION_CONFLICT",
                        format!(
                            "the row is based on version {} but the stored record is at version {}: \
                             it changed since it was exported",
                            version.unwrap_or_default(),
                            current.version()
                        ),
                    ));
                }
                if R::placed_in(&fields).is_none() && current.association_id() != association_id {
                    // Such a record stays with the association it was made
                    // under (statistics): say so rather than pass it over.
                    return Err(ApiError::invalid_field(
                        "/association_id",
                        "ASSOCIATION_FIXED",
                        "the stored record belongs to another association and stays with it",
                    ));
                }
                if current.fields() == fields && current.association_id() == association_id {
                    return Ok(Outcome::Unchanged);
                }
                let no_precondition = crate::http::preconditions::IfMatch::Absent;
                resource::update_found(
                    conn,
                    &self.actor,
                    scope,
                    (current, path),
                    &no_precondition,
                    |_| Ok(fields.clone()),
                )?;
                Ok(Outcome::Updated)
            }
            (None, _) => {
                let path = placeable_path(conn, scope, &association_id)?;
                resource::insert_under::<R>(
                    conn,
                    &self.actor,
                    (association_id, &path),
                    id,
                    fields,
                )?;
                Ok(Outcome::Created)
            }
        }
    }
}

fn take_id(row: &mut Map<String, Value>) -> Result<Option<String>, ApiError> {
    match row.remove("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) => match uuid::Uuid::try_parse(&id) {
            Ok(uuid) => Ok(Some(uuid.to_string())),
            Err(_) => Err(ApiError::invalid_field(
                "/id",
                "INVALID_ID",
                "must be a UUID",
            )),
        },
        Some(_) => Err(ApiError::invalid_field(
            "/id",
            "INVALID_ID",
            "must be a UUID",
        )),
    }
}

fn take_version(row: &mut Map<String, Value>) -> Result<Option<i64>, ApiError> {
    match row.remove("version") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_i64() {
            Some(version) if version >= 1 => Ok(Some(version)),
            _ => Err(ApiError::invalid_field(
                "/version",
                "INVALID_VALUE",
                "must be a whole number from 1",
            )),
        },
    }
}

/// The id of the association whose code `value` holds.
fn association_by_code(conn: &mut DbConnection, value: &Value) -> Result<String, ApiError> {
    use crate::db::schema::associations::dsl;
    use diesel::prelude::*;
    let not_found = || {
        ApiError::invalid_field(
            "/association_id",
            "NOT_FOUND",
            "no association has this code",
        )
    };
    let Value::String(code) = value else {
        return Err(not_found());
    };
    dsl::associations
        .filter(dsl::code.eq(code))
        .select(dsl::id)
        .first::<String>(conn)
        .optional()?
        .ok_or_else(not_found)
}
