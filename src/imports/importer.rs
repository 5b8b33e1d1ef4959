//! Running an import: rows read in batches, each batch planned in a few
//! statements and written mostly in bulk.
//!
//! Per batch: every row is parsed and validated in memory; one statement
//! finds the stored records the rows name by id, one those holding their
//! natural keys, one the associations not met before. A row that is plainly
//! new (its id and keys held by no stored record and by no earlier row of the
//! batch, its association known and in scope) joins the batch's bulk insert
//! (multi-row `INSERT`, `COPY` on PostgreSQL); a row equal to its stored
//! record is `unchanged` without a write. Every other row (an update, a
//! conflict, a refusal) runs after the bulk insert, in file order, through
//! the one-row rules in a savepoint of its own — so the outcome of each row
//! is the one a row-by-row import gives.

use std::collections::{HashMap, HashSet};
use std::time::Instant;

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::Connection;
use serde_json::{Map, Value};
use utoipa::PartialSchema;

use super::rows::{self, Row};
use super::{typed_members, IdScheme, ImportReport, Importable, Options, Outcome, Strategy};
use crate::audit::model::record_import;
use crate::auth::Actor;
use crate::changes::model as changes;
use crate::db::{now, write_transaction, write_transaction_or_roll_back, DbConnection};
use crate::error::ApiError;
use crate::http::extract::from_json_value;
use crate::http::preconditions::IfMatch;
use crate::messages::Message;
use crate::msg;
use crate::resource::{self, Resource};
use crate::tree::{in_scope, placeable_path};

/// Rows read, planned and written together (and, when the import is not
/// atomic, committed together).
const BATCH: usize = 1000;

/// From how many rows written the planner's statistics of the table are
/// taken again at once, rather than when autovacuum comes by: planned on
/// the old ones, a search over a table just loaded read every match and
/// sorted them (`GET /citizens?q=` 16 ms instead of 0.1 ms after 100,000 rows).
const STALE_STATISTICS: u64 = 1000;

/// Who imports, and where.
pub struct Importer {
    pub actor: Actor,
    pub scope: Option<String>,
    pub options: Options,
    /// Told the number of rows done after every batch (a progress bar).
    pub progress: Option<Box<dyn Fn(u64) + Send + Sync>>,
}

/// One row made ready: what it says, and the record it would be.
struct Ready<R: Resource> {
    id: Option<String>,
    version: Option<i64>,
    association_id: String,
    fields: R::Fields,
    candidate: R,
}

/// What becomes of a ready row.
enum Plan {
    /// In the batch's bulk insert, at this association's path.
    Create(String),
    Unchanged,
    /// Through the one-row rules, after the bulk insert.
    OneByOne,
}

/// How refusals worth seeing are audited ([`Importable::audit_refusals`]).
type AuditRefusals = fn(&mut DbConnection, &Actor, &[String]) -> Result<(), ApiError>;

/// What an import carries from batch to batch.
pub(super) struct Run {
    pub(super) report: ImportReport,
    /// Association ids (and, with `id_scheme=code`, codes) met so far:
    /// the association's id and path, `None` where there is none.
    associations: HashMap<String, Option<(String, String)>>,
    /// What refused rows left to audit (see [`Importable::refused_key`]).
    refused: Vec<String>,
    started: Instant,
}

impl Importer {
    /// Imports every row of `source` into `R` on `conn`: one transaction in
    /// all when atomic (rolled back on any rejection or a dry run), else one
    /// per batch. The import itself is one audit event with its counts; each
    /// row written is an event of the change feed.
    pub fn run<R: Importable>(
        &self,
        conn: &mut DbConnection,
        source: super::Source,
    ) -> Result<ImportReport, ApiError>
    where
        R::Json: PartialSchema,
    {
        let rows = source.rows(R::COLUMNS, typed_members::<R>())?;
        let kind = (R::NAME, R::TYPE, R::audit_refusals as AuditRefusals);
        self.run_batches(conn, kind, rows, |conn, batch, run| {
            self.import_batch::<R>(conn, batch, run)
        })
    }

    /// Runs `import_batch` over `items` a batch at a time: in one
    /// transaction in all when atomic (rolled back on any rejection or a dry
    /// run), else in one per batch. Then the audit events.
    pub(super) fn run_batches<T>(
        &self,
        conn: &mut DbConnection,
        (name, kind, audit_refusals): (&'static str, &'static str, AuditRefusals),
        mut items: impl Iterator<Item = T>,
        mut import_batch: impl FnMut(&mut DbConnection, Vec<T>, &mut Run) -> Result<(), ApiError>,
    ) -> Result<ImportReport, ApiError> {
        let mut run = Run {
            report: ImportReport {
                resource: name.to_owned(),
                dry_run: self.options.dry_run,
                atomic: self.options.atomic,
                ..ImportReport::default()
            },
            associations: HashMap::new(),
            refused: Vec::new(),
            started: Instant::now(),
        };
        let mut next_batch = || -> Vec<T> { items.by_ref().take(BATCH).collect() };
        let commit = |report: &ImportReport| {
            !self.options.dry_run && (report.rejected == 0 || !self.options.atomic)
        };
        let mut import_batch = |conn: &mut DbConnection, batch: Vec<T>, run: &mut Run| {
            import_batch(conn, batch, run)?;
            self.tell_progress(name, run);
            Ok::<(), ApiError>(())
        };
        let outcome = if self.options.atomic {
            write_transaction_or_roll_back(conn, |conn| {
                loop {
                    let batch = next_batch();
                    if batch.is_empty() {
                        break;
                    }
                    import_batch(conn, batch, &mut run)?;
                }
                Ok(((), commit(&run.report)))
            })
        } else {
            // Each batch is read before its transaction begins: a slow upload
            // never holds the database's write lock.
            std::iter::from_fn(|| Some(next_batch()).filter(|b| !b.is_empty())).try_for_each(
                |batch| {
                    write_transaction_or_roll_back(conn, |conn| {
                        import_batch(conn, batch, &mut run)?;
                        Ok(((), commit(&run.report)))
                    })
                },
            )
        };
        // Rows written out of file order (a tree) are reported in file order.
        run.report.rejections.sort_by_key(|r| r.index);
        self.audit(conn, kind, audit_refusals, &run, outcome.is_ok())?;
        let written = run.report.created + run.report.updated;
        if !self.options.dry_run && written >= STALE_STATISTICS {
            // The resource's path segment names its table.
            refresh_statistics(conn, &name.replace('-', "_"))?;
        }
        outcome.map(|()| run.report)
    }

    fn tell_progress(&self, name: &str, run: &Run) {
        let total = run.report.total;
        if let Some(progress) = &self.progress {
            progress(total);
        }
        if total % 10_000 < BATCH as u64 && total >= 10_000 {
            log::info!(
                "import of {name}: {total} rows in {:.0?} ({} rejected)",
                run.started.elapsed(),
                run.report.rejected
            );
        }
    }

    /// The import's audit events: the refusals that must be seen (a taken
    /// national id), and the import with its counts when it wrote anything.
    fn audit(
        &self,
        conn: &mut DbConnection,
        kind: &'static str,
        audit_refusals: AuditRefusals,
        run: &Run,
        finished: bool,
    ) -> Result<(), ApiError> {
        let report = &run.report;
        let wrote = !report.dry_run
            && (!report.atomic || (finished && report.rejected == 0))
            && report.created + report.updated > 0;
        if run.refused.is_empty() && !wrote {
            return Ok(());
        }
        write_transaction(conn, |conn| {
            if !run.refused.is_empty() {
                audit_refusals(conn, &self.actor, &run.refused)?;
            }
            if wrote {
                let counts = serde_json::json!({
                    "resource": report.resource, "finished": finished, "atomic": report.atomic,
                    "total": report.total, "created": report.created, "updated": report.updated,
                    "unchanged": report.unchanged, "rejected": report.rejected,
                });
                record_import(conn, &self.actor, kind, self.scope.as_deref(), &counts)?;
            }
            Ok(())
        })
    }

    /// The actor of the rows' writes: their events go to the change feed,
    /// not one by one to the audit trail.
    pub(super) fn row_actor(&self) -> Actor {
        Actor {
            bulk: true,
            ..self.actor.clone()
        }
    }

    fn import_batch<R: Importable>(
        &self,
        conn: &mut DbConnection,
        batch: Vec<Row>,
        run: &mut Run,
    ) -> Result<(), ApiError> {
        let mut places = Vec::with_capacity(batch.len());
        let mut ready = Vec::with_capacity(batch.len());
        for (place, row) in batch {
            let made = row.and_then(|row| self.make_ready::<R>(conn, row, run));
            match made {
                Err(error) if rows::aborts(&error) => return Err(error),
                made => {
                    places.push(place);
                    ready.push(made);
                }
            }
        }
        let mut plans = self.plan::<R>(conn, &ready, run)?;
        let actor = self.row_actor();
        self.insert_planned(conn, &actor, &ready, &mut plans)?;
        for ((place, made), plan) in places.into_iter().zip(ready).zip(plans) {
            let outcome = match (made, plan) {
                (Err(error), _) => Err(error),
                (Ok(_), Some(Plan::Create(_))) => Ok(Outcome::Created),
                (Ok(_), Some(Plan::Unchanged)) => Ok(Outcome::Unchanged),
                (Ok(row), _) => self.one_by_one::<R>(conn, &actor, row, &mut run.refused),
            };
            match outcome {
                Ok(outcome) => run.report.count(outcome),
                // The database failing is not the row's fault: the import
                // stops (an atomic one wrote nothing).
                Err(error) if rows::aborts(&error) => return Err(error),
                Err(error) => run.report.reject(place, &error),
            }
        }
        Ok(())
    }

    /// What becomes of each ready row, from three statements for the batch.
    fn plan<R: Importable>(
        &self,
        conn: &mut DbConnection,
        ready: &[Result<Ready<R>, ApiError>],
        run: &mut Run,
    ) -> Result<Vec<Option<Plan>>, ApiError> {
        let rows: Vec<&Ready<R>> = ready.iter().flatten().collect();
        let ids: Vec<&str> = rows.iter().filter_map(|r| r.id.as_deref()).collect();
        let by_id: HashMap<String, (R, String)> = if ids.is_empty() {
            HashMap::new()
        } else {
            R::find_many(conn, &ids)?
                .into_iter()
                .map(|found| (found.0.id().to_owned(), found))
                .collect()
        };
        let candidates: Vec<&R> = rows.iter().map(|r| &r.candidate).collect();
        let mut by_key: HashMap<String, (R, String)> = HashMap::new();
        for (holder, path) in R::holders(conn, &candidates)? {
            for key in holder.keys() {
                by_key.insert(key, (holder.clone(), path.clone()));
            }
        }
        let wanted = rows.iter().map(|r| r.association_id.as_str());
        self.learn_associations(conn, wanted, run)?;

        let scope = self.scope.as_deref();
        let mut claimed: HashSet<String> = HashSet::new();
        let plans = ready
            .iter()
            .map(|row| {
                let row = row.as_ref().ok()?;
                let keys = row.candidate.keys();
                let first_claim = row.id.iter().chain(&keys).all(|key| !claimed.contains(key));
                let stored = match &row.id {
                    Some(id) => by_id.get(id),
                    None => keys.iter().find_map(|key| by_key.get(key)),
                };
                let plan = match stored {
                    _ if !first_claim => Plan::OneByOne,
                    None if self.options.strategy != Strategy::Update
                        && keys.iter().all(|key| !by_key.contains_key(key)) =>
                    {
                        match run.associations.get(&row.association_id) {
                            Some(Some((_, path))) if in_scope(scope, path) => {
                                Plan::Create(path.clone())
                            }
                            _ => Plan::OneByOne,
                        }
                    }
                    Some((current, path))
                        if self.options.strategy != Strategy::Create
                            && in_scope(scope, path)
                            && row.version.is_none_or(|v| v == current.version())
                            && current.association_id() == row.association_id
                            && current.fields() == row.fields =>
                    {
                        Plan::Unchanged
                    }
                    _ => Plan::OneByOne,
                };
                claimed.extend(row.id.iter().cloned().chain(keys));
                Some(plan)
            })
            .collect();
        Ok(plans)
    }

    /// Inserts the rows planned as creates in one go, in a savepoint: should
    /// a concurrent writer have taken a key or an association meanwhile,
    /// they go one by one instead (and meet the one-row rules).
    fn insert_planned<R: Importable>(
        &self,
        conn: &mut DbConnection,
        actor: &Actor,
        ready: &[Result<Ready<R>, ApiError>],
        plans: &mut [Option<Plan>],
    ) -> Result<(), ApiError> {
        let creates: Vec<R> = ready
            .iter()
            .zip(plans.iter())
            .filter_map(|(row, plan)| match (row, plan) {
                (Ok(row), Some(Plan::Create(_))) => Some(row.candidate.clone()),
                _ => None,
            })
            .collect();
        if creates.is_empty() {
            return Ok(());
        }
        match conn.transaction(|conn| R::insert_many(conn, &creates)) {
            Ok(_) => {}
            Err(DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation,
                _,
            )) => {
                for plan in plans.iter_mut() {
                    if matches!(plan, Some(Plan::Create(_))) {
                        *plan = Some(Plan::OneByOne);
                    }
                }
                return Ok(());
            }
            Err(error) => return Err(error.into()),
        }
        let created = creates
            .iter()
            .zip(plans.iter().filter_map(|plan| match plan {
                Some(Plan::Create(path)) => Some(path),
                _ => None,
            }));
        for (row, path) in created {
            resource::audit::<R>(conn, actor, "create", row.id(), path, (None, Some(1)))?;
        }
        Ok(())
    }

    /// Reads a row into its record. With `id_scheme=code`, the association
    /// is named by its code.
    fn make_ready<R: Importable>(
        &self,
        conn: &mut DbConnection,
        mut row: Map<String, Value>,
        run: &mut Run,
    ) -> Result<Ready<R>, ApiError> {
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
            *value =
                Value::String(self.association_by_code(conn, value, "/association_id", run)?);
        }
        let read_only_association = match read_only_association {
            None | Some(Value::Null) => None,
            Some(value) => Some(from_json_value::<String>(value).map_err(|_| {
                ApiError::invalid_field(
                    "/association_id",
                    "INVALID_VALUE",
                    msg!("expect-association-id"),
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
        Ok(Ready {
            id,
            version,
            association_id,
            fields,
            candidate,
        })
    }

    /// Finds the associations of `ids` not met before, in one statement.
    fn learn_associations<'a>(
        &self,
        conn: &mut DbConnection,
        ids: impl Iterator<Item = &'a str>,
        run: &mut Run,
    ) -> Result<(), ApiError> {
        use crate::db::schema::associations::dsl;
        use diesel::prelude::*;
        let unknown: HashSet<&str> = ids
            .filter(|id| !run.associations.contains_key(*id))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        let found: Vec<(String, String)> = dsl::associations
            .filter(dsl::id.eq_any(&unknown))
            .select((dsl::id, dsl::path))
            .load(conn)?;
        for id in unknown {
            run.associations.insert(id.to_owned(), None);
        }
        for (id, path) in found {
            run.associations.insert(id.clone(), Some((id, path)));
        }
        Ok(())
    }

    /// The id of the association whose code `value` holds (remembered for
    /// the rest of the import); `pointer` names the member at fault.
    pub(super) fn association_by_code(
        &self,
        conn: &mut DbConnection,
        value: &Value,
        pointer: &str,
        run: &mut Run,
    ) -> Result<String, ApiError> {
        let Value::String(code) = value else {
            return Err(unknown_code(pointer));
        };
        let key = format!("code={code}");
        let found = match run.associations.get(&key) {
            Some(known) => known.clone(),
            None => {
                let found = visible_code(conn, self.scope.as_deref(), code)?;
                run.associations.insert(key, found.clone());
                found
            }
        };
        found.map(|(id, _)| id).ok_or_else(|| unknown_code(pointer))
    }

    /// One row through the one-row rules, in a savepoint: its writes and
    /// change-feed events stay only if it is accepted.
    fn one_by_one<R: Importable>(
        &self,
        conn: &mut DbConnection,
        actor: &Actor,
        row: Ready<R>,
        refused: &mut Vec<String>,
    ) -> Result<Outcome, ApiError> {
        let mark = changes::staged();
        let outcome = conn.transaction(|conn| self.write_row(conn, actor, &row));
        if let Err(error) = &outcome {
            changes::forget_since(mark);
            refused.extend(R::refused_key(&row.candidate, error));
        }
        outcome
    }

    /// Creates or updates the record of one row, as the strategy says.
    fn write_row<R: Importable>(
        &self,
        conn: &mut DbConnection,
        actor: &Actor,
        row: &Ready<R>,
    ) -> Result<Outcome, ApiError> {
        let scope = self.scope.as_deref();
        let stored = match &row.id {
            Some(id) => R::find(conn, id)?,
            // A namesake outside the caller's scope is no match: the row is
            // then a create, refused as the one-row API refuses it (a taken
            // code or national id), never told apart as "exists elsewhere".
            None => {
                super::find_same(conn, &row.candidate)?.filter(|(_, path)| in_scope(scope, path))
            }
        };
        match (stored, self.options.strategy) {
            (Some(_), Strategy::Create) => {
                Err(ApiError::conflict("ALREADY_EXISTS", msg!("import-exists")))
            }
            (None, Strategy::Update) => Err(ApiError::not_found(Message::new(R::NOUN))),
            (Some((current, path)), _) => {
                if !in_scope(scope, &path) {
                    return Err(ApiError::not_found(Message::new(R::NOUN)));
                }
                check_version(row.version, current.version())?;
                if R::placed_in(&row.fields).is_none()
                    && current.association_id() != row.association_id
                {
                    // Such a record stays with the association it was made
                    // under (statistics): say so rather than pass it over.
                    return Err(ApiError::invalid_field(
                        "/association_id",
                        "ASSOCIATION_FIXED",
                        msg!("import-association-fixed"),
                    ));
                }
                if current.fields() == row.fields && current.association_id() == row.association_id
                {
                    return Ok(Outcome::Unchanged);
                }
                let found = (current, path);
                resource::update_found(conn, actor, scope, found, &IfMatch::Absent, |_| {
                    Ok(row.fields.clone())
                })?;
                Ok(Outcome::Updated)
            }
            (None, _) => {
                let path = placeable_path(conn, scope, &row.association_id)?;
                let place = (row.association_id.clone(), path.as_str());
                let fields = row.fields.clone();
                resource::insert_under::<R>(conn, (actor, scope), place, row.id.clone(), fields)?;
                Ok(Outcome::Created)
            }
        }
    }
}

pub(super) fn take_id(row: &mut Map<String, Value>) -> Result<Option<String>, ApiError> {
    let invalid = || ApiError::invalid_field("/id", "INVALID_ID", msg!("value-not-an-id"));
    match row.remove("id") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(id)) => uuid::Uuid::try_parse(&id)
            .map(|uuid| Some(uuid.to_string()))
            .map_err(|_| invalid()),
        Some(_) => Err(invalid()),
    }
}

pub(super) fn take_version(row: &mut Map<String, Value>) -> Result<Option<i64>, ApiError> {
    match row.remove("version") {
        None | Some(Value::Null) => Ok(None),
        Some(value) => match value.as_i64() {
            Some(version) if version >= 1 => Ok(Some(version)),
            _ => Err(ApiError::invalid_field(
                "/version",
                "INVALID_VALUE",
                msg!("import-version-form"),
            )),
        },
    }
}

/// `VERSION_CONFLICT` when a row based on `version` meets a record at `stored`.
pub(super) fn check_version(version: Option<i64>, stored: i64) -> Result<(), ApiError> {
    match version {
        Some(version) if version != stored => Err(ApiError::conflict(
            "VERSION_CONFLICT",
            msg!(
                "import-version-conflict",
                version = version,
                stored = stored
            ),
        )),
        _ => Ok(()),
    }
}

/// For the resources whose refusals need no audit event of their own.
pub(super) fn no_refusals(_: &mut DbConnection, _: &Actor, _: &[String]) -> Result<(), ApiError> {
    Ok(())
}

/// `ANALYZE` of `table` on PostgreSQL (SQLite plans without statistics).
fn refresh_statistics(conn: &mut DbConnection, table: &str) -> Result<(), ApiError> {
    use diesel::connection::SimpleConnection;
    if let DbConnection::Postgres(c) = conn {
        c.batch_execute(&format!("ANALYZE {table}"))?;
    }
    Ok(())
}

/// The id and path of the association with `code`, if the caller may see
/// it: a code outside the scope is answered as one nobody has, so that an
/// import tells nothing of the tree beyond the caller's part of it.
pub(super) fn visible_code(
    conn: &mut DbConnection,
    scope: Option<&str>,
    code: &str,
) -> Result<Option<(String, String)>, ApiError> {
    use crate::db::schema::associations::dsl;
    use diesel::prelude::*;
    let found: Option<(String, String)> = dsl::associations
        .filter(dsl::code.eq(code))
        .select((dsl::id, dsl::path))
        .first(conn)
        .optional()?;
    Ok(found.filter(|(_, path)| in_scope(scope, path)))
}

pub(super) fn unknown_code(pointer: &str) -> ApiError {
    ApiError::invalid_field(pointer, "NOT_FOUND", msg!("association-code-unknown"))
}
