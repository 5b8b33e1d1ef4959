//! Importing associations: a tree, so each row is written after the rows of
//! the file it names as its parent or successor, wherever it stands in the
//! file. The file is read whole before anything is written (a tree is
//! thousands of associations, not millions); each row then goes through the
//! one-row rules of the tree (scope at both ends, level order, moves with
//! their subtrees, locks on PostgreSQL) in a savepoint of its own.

use std::collections::HashMap;

use diesel::prelude::*;
use serde_json::Value;

use super::importer::{take_id, take_version, unknown_code, visible_code, Importer};
use super::rows::{self, Place, Row};
use super::{typed_members, IdScheme, ImportReport, Outcome, Source, Strategy};
use crate::associations::api::CreateAssociation;
use crate::associations::model::{self, AssociationRow};
use crate::associations::rules::AssociationFields;
use crate::changes::model as changes;
use crate::db::schema::associations::dsl;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::http::extract::from_json_value;
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::resource::http::Served;
use crate::tree::in_scope;

/// One row read: the id it has or is given, and what it says.
struct Ready {
    id: String,
    version: Option<i64>,
    fields: AssociationFields,
    /// With `id_scheme=code`: the codes of the parent and the successor.
    codes: [Option<Value>; 2],
}

type Read = (Place, Result<Ready, ApiError>);

impl Importer {
    /// Imports `source` into the association tree.
    pub fn run_associations(
        &self,
        conn: &mut DbConnection,
        source: Source,
    ) -> Result<ImportReport, ApiError> {
        let mut rows = Vec::new();
        for (place, row) in
            source.rows(AssociationRow::COLUMNS, typed_members::<AssociationRow>())?
        {
            match row {
                Err(error) if rows::aborts(&error) => return Err(error),
                row => rows.push((place, row)),
            }
        }
        let read = self.read_all(conn, rows)?;
        let ordered = parents_first(read);
        let kind = (
            "associations",
            "association",
            super::importer::no_refusals as _,
        );
        self.run_batches(conn, kind, ordered.into_iter(), |conn, batch, run| {
            for (place, row) in batch {
                match row.and_then(|row| self.write_association(conn, row)) {
                    Ok(outcome) => run.report.count(outcome),
                    Err(error) if rows::aborts(&error) => return Err(error),
                    Err(error) => run.report.reject(place, &error),
                }
            }
            Ok(())
        })
    }

    /// Reads every row. A row without an id takes the id of the stored
    /// association with its code (in the caller's scope), else a new one;
    /// with `id_scheme=code`, `parent_id` and `successor_id` hold codes, of a
    /// row of the file or of a stored association.
    fn read_all(&self, conn: &mut DbConnection, rows: Vec<Row>) -> Result<Vec<Read>, ApiError> {
        let codes: Vec<String> = rows
            .iter()
            .filter_map(|(_, row)| row.as_ref().ok()?.get("code")?.as_str().map(str::to_owned))
            .collect();
        let mut ids_of_codes: HashMap<String, String> = HashMap::new();
        for chunk in codes.chunks(crate::db::ROWS_PER_INSERT) {
            let stored: Vec<(String, String, String)> = dsl::associations
                .filter(dsl::code.eq_any(chunk))
                .select((dsl::code, dsl::id, dsl::path))
                .load(conn)?;
            let scope = self.scope.as_deref();
            ids_of_codes.extend(
                stored
                    .into_iter()
                    .filter(|(_, _, path)| in_scope(scope, path))
                    .map(|(code, id, _)| (code, id)),
            );
        }
        let mut read: Vec<Read> = Vec::with_capacity(rows.len());
        for (place, row) in rows {
            let ready = row.and_then(|mut row| {
                let id = take_id(&mut row)?;
                let version = take_version(&mut row)?;
                let codes = match self.options.id_scheme {
                    IdScheme::Id => [None, None],
                    IdScheme::Code => [row.remove("parent_id"), row.remove("successor_id")],
                };
                let body: CreateAssociation = from_json_value(Value::Object(row))?;
                let id = id
                    .or_else(|| ids_of_codes.get(&body.code).cloned())
                    .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
                let fields = AssociationFields::from(body);
                Ok(Ready {
                    id,
                    version,
                    fields,
                    codes,
                })
            });
            if let Ok(ready) = &ready {
                ids_of_codes.insert(ready.fields.code.clone(), ready.id.clone());
            }
            read.push((place, ready));
        }
        let scope = self.scope.as_deref();
        Ok(read
            .into_iter()
            .map(|(place, ready)| {
                let ready = ready.and_then(|mut ready| {
                    let [parent, successor] = std::mem::take(&mut ready.codes);
                    if self.options.id_scheme == IdScheme::Code {
                        let known = (scope, &mut ids_of_codes);
                        ready.fields.parent_id = by_code(conn, known, parent, "/parent_id")?;
                        let known = (scope, &mut ids_of_codes);
                        ready.fields.successor_id =
                            by_code(conn, known, successor, "/successor_id")?;
                    }
                    Ok(ready)
                });
                (place, ready)
            })
            .collect())
    }

    /// One association through the tree's one-row rules, in a savepoint.
    fn write_association(&self, conn: &mut DbConnection, row: Ready) -> Result<Outcome, ApiError> {
        let mark = changes::staged();
        let outcome = conn.transaction(|conn| self.apply_association(conn, row));
        if outcome.is_err() {
            changes::forget_since(mark);
        }
        outcome
    }

    fn apply_association(&self, conn: &mut DbConnection, row: Ready) -> Result<Outcome, ApiError> {
        let scope = self.scope.as_deref();
        let actor = self.row_actor();
        let fields = row.fields.validated()?;
        let stored = model::find(conn, &row.id)?;
        match (stored, self.options.strategy) {
            (Some(_), Strategy::Create) => {
                Err(ApiError::conflict("ALREADY_EXISTS", msg!("import-exists")))
            }
            (None, Strategy::Update) => Err(ApiError::not_found(msg!("noun-association"))),
            (Some(current), _) => {
                if !in_scope(scope, &current.path) {
                    return Err(ApiError::not_found(msg!("noun-association")));
                }
                super::importer::check_version(row.version, current.version)?;
                if current.fields() == fields {
                    return Ok(Outcome::Unchanged);
                }
                let change = |_| Ok(fields.clone());
                model::update(conn, &actor, scope, &row.id, &IfMatch::Absent, change)?;
                Ok(Outcome::Updated)
            }
            (None, _) => {
                // (A row whose code is taken outside the scope has a new id:
                // it is refused as a create of a taken code is.)
                model::create(conn, &actor, scope, Some(row.id), fields)?;
                Ok(Outcome::Created)
            }
        }
    }
}

/// The id a reference by code names: a row of the file, else a stored
/// association the caller may see (`None` for a null reference).
fn by_code(
    conn: &mut DbConnection,
    (scope, ids_of_codes): (Option<&str>, &mut HashMap<String, String>),
    reference: Option<Value>,
    pointer: &str,
) -> Result<Option<String>, ApiError> {
    let code = match reference {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(code)) => code,
        Some(_) => {
            return Err(ApiError::invalid_field(
                pointer,
                "INVALID_VALUE",
                msg!("expect-association-code"),
            ))
        }
    };
    if let Some(id) = ids_of_codes.get(&code) {
        return Ok(Some(id.clone()));
    }
    let (id, _) = visible_code(conn, scope, &code)?.ok_or_else(|| unknown_code(pointer))?;
    ids_of_codes.insert(code, id.clone());
    Ok(Some(id))
}

/// The rows in an order where each comes after the rows of the file it names
/// as parent or successor (rows that name each other in a cycle keep their
/// file order, and are refused as the tree's rules say).
fn parents_first(read: Vec<Read>) -> Vec<Read> {
    let position: HashMap<String, usize> = read
        .iter()
        .enumerate()
        .filter_map(|(i, (_, row))| Some((row.as_ref().ok()?.id.clone(), i)))
        .collect();
    let depends_on = |row: &Ready| -> Vec<usize> {
        [&row.fields.parent_id, &row.fields.successor_id]
            .into_iter()
            .flatten()
            .filter_map(|id| position.get(id).copied())
            .collect()
    };
    let dependencies: Vec<Vec<usize>> = read
        .iter()
        .map(|(_, row)| row.as_ref().map(depends_on).unwrap_or_default())
        .collect();
    // Depth-first, without recursion (a chain can be as long as the file).
    let mut order = Vec::with_capacity(read.len());
    let mut state = vec![0u8; read.len()]; // 0 new, 1 on the path, 2 placed
    for start in 0..read.len() {
        let mut stack = vec![(start, 0)];
        while let Some((node, next)) = stack.pop() {
            if next == 0 {
                if state[node] != 0 {
                    continue;
                }
                state[node] = 1;
            }
            match dependencies[node].get(next) {
                Some(&dependency) => {
                    stack.push((node, next + 1));
                    if state[dependency] == 0 {
                        stack.push((dependency, 0));
                    }
                }
                None => {
                    state[node] = 2;
                    order.push(node);
                }
            }
        }
    }
    let mut slots: Vec<Option<Read>> = read.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
