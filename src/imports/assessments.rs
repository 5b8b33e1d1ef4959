//! Importing assessments: drafts made or changed through the workflow's own
//! rules, row by row (an assessment's outcome is computed from its set's
//! criteria). The workflow members of a row (`status`, review times and
//! note) and its computed ones (scores, rating) are passed over: an imported
//! assessment is a draft, and is submitted and reviewed through the workflow
//! by the tokens entitled to it.

use diesel::Connection;
use serde_json::Value;

use super::importer::{check_version, take_id, take_version, Importer, Run};
use super::rows::{self, Row};
use super::{typed_members, IdScheme, ImportReport, Outcome, Source, Strategy};
use crate::assessments::api::CreateAssessment;
use crate::assessments::model::{self, AssessmentRow, DraftChange, NewAssessment};
use crate::changes::model as changes;
use crate::db::DbConnection;
use crate::error::ApiError;
use crate::http::extract::from_json_value;
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::resource::http::Served;
use crate::tree::in_scope;

/// The members of a row that a create takes (with `id` and `version`, read
/// first); the other members of the JSON form are passed over.
const TAKEN: [&str; 6] = [
    "criteria_set_id",
    "subject_kind",
    "subject_id",
    "period",
    "assessor_association_id",
    "results",
];

impl Importer {
    /// Imports `source` into the assessments.
    pub fn run_assessments(
        &self,
        conn: &mut DbConnection,
        source: Source,
    ) -> Result<ImportReport, ApiError> {
        let rows = source.rows(AssessmentRow::COLUMNS, typed_members::<AssessmentRow>())?;
        let kind = (
            "assessments",
            "assessment",
            super::importer::no_refusals as _,
        );
        self.run_batches(conn, kind, rows, |conn, batch: Vec<Row>, run| {
            for (place, row) in batch {
                let outcome = row.and_then(|row| {
                    let mark = changes::staged();
                    let outcome = conn.transaction(|conn| self.apply_assessment(conn, row, run));
                    if outcome.is_err() {
                        changes::forget_since(mark);
                    }
                    outcome
                });
                match outcome {
                    Ok(outcome) => run.report.count(outcome),
                    Err(error) if rows::aborts(&error) => return Err(error),
                    Err(error) => run.report.reject(place, &error),
                }
            }
            Ok(())
        })
    }

    fn apply_assessment(
        &self,
        conn: &mut DbConnection,
        mut row: serde_json::Map<String, Value>,
        run: &mut Run,
    ) -> Result<Outcome, ApiError> {
        let id = take_id(&mut row)?;
        let version = take_version(&mut row)?;
        for member in AssessmentRow::COLUMNS.iter().filter(|c| !TAKEN.contains(c)) {
            row.remove(*member);
        }
        if self.options.id_scheme == IdScheme::Code {
            let names_association = matches!(
                row.get("subject_kind").and_then(Value::as_str),
                Some("province" | "district" | "commune")
            );
            let members = ["assessor_association_id", "subject_id"];
            for member in &members[..if names_association { 2 } else { 1 }] {
                if let Some(value) = row.get_mut(*member).filter(|v| !v.is_null()) {
                    let pointer = format!("/{member}");
                    *value = Value::String(self.association_by_code(conn, value, &pointer, run)?);
                }
            }
        }
        let body: CreateAssessment = from_json_value(Value::Object(row))?;
        let new = NewAssessment::try_from(body)?;
        let scope = self.scope.as_deref();
        let visible = |conn: &mut DbConnection, id: &str| match model::get_visible(conn, None, id) {
            Ok(found) => Ok(Some(found)),
            Err(error) if error.status() == actix_web::http::StatusCode::NOT_FOUND => Ok(None),
            Err(error) => Err(error),
        };
        let stored = match &id {
            Some(id) => visible(conn, id)?,
            // Outside the caller's scope, the same subject and period is no
            // match: the create is refused as the one-row API refuses it.
            None => match model::find_same(conn, &new)? {
                Some(same) => visible(conn, &same.id)?.filter(|(_, path)| in_scope(scope, path)),
                None => None,
            },
        };
        let actor = self.row_actor();
        match (stored, self.options.strategy) {
            (Some(_), Strategy::Create) => {
                Err(ApiError::conflict("ALREADY_EXISTS", msg!("import-exists")))
            }
            (None, Strategy::Update) => Err(ApiError::not_found(msg!("noun-assessment"))),
            (Some((current, path)), _) => {
                if !in_scope(scope, &path) {
                    return Err(ApiError::not_found(msg!("noun-assessment")));
                }
                check_version(version, current.version)?;
                check_same_subject(&current, &new)?;
                let assessor = new
                    .assessor_association_id
                    .unwrap_or_else(|| current.subject_association_id.clone());
                if current.results() == new.results && current.assessor_association_id == assessor {
                    return Ok(Outcome::Unchanged);
                }
                let change = DraftChange {
                    results: Some(new.results),
                    assessor_association_id: Some(assessor),
                };
                model::update(conn, &actor, scope, &current.id, &IfMatch::Absent, change)?;
                Ok(Outcome::Updated)
            }
            (None, _) => {
                model::create(conn, &actor, scope, id, new)?;
                Ok(Outcome::Created)
            }
        }
    }
}

/// What an assessment is of stays as it was made.
fn check_same_subject(current: &AssessmentRow, new: &NewAssessment) -> Result<(), ApiError> {
    let differs = [
        (
            "/criteria_set_id",
            current.criteria_set_id != new.criteria_set_id,
        ),
        ("/subject_kind", current.subject_kind() != new.subject_kind),
        ("/subject_id", current.subject_id != new.subject_id),
        ("/period", current.period != new.period),
    ];
    match differs.into_iter().find(|(_, differs)| *differs) {
        Some((pointer, _)) => Err(ApiError::invalid_field(
            pointer,
            "IMMUTABLE",
            msg!("import-assessment-immutable"),
        )),
        None => Ok(()),
    }
}
