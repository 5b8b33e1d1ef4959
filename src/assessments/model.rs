//! Assessments in the database: creation against a published set, the
//! review workflow, and the list with its filters.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::rules::{check_results, missing_results, ResultEntry};
use crate::associations::model::{self as associations_model};
use crate::audit::model::record_change;
use crate::auth::{Actor, Caller};
use crate::clans::model::ClanRow;
use crate::communities::model::CommunityRow;
use crate::criteria_sets::model::{self as sets_model, CriterionRow, SetRow};
use crate::criteria_sets::rules::AssessmentStatus;
use crate::criteria_sets::rules::{SetStatus, SubjectKind};
use crate::criteria_sets::scoring::{
    self, CriterionResult, CriterionRules, Outcome, Rating, SetRules,
};
use crate::db::schema::assessments::{self, dsl};
use crate::db::schema::associations;
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::households::model::HouseholdRow;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::measures::model::{self as measures_model, Measured};
use crate::messages::Message;
use crate::msg;
use crate::resource::dependants::Dependant;
use crate::resource::Resource;
use crate::tree::{self, in_scope};
use crate::{citizens, units};

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = assessments, treat_none_as_null = true, treat_none_as_default_value = false)]
pub struct AssessmentRow {
    pub id: String,
    pub criteria_set_id: String,
    pub subject_kind: String,
    pub subject_id: String,
    pub subject_association_id: String,
    pub period: i32,
    pub assessor_association_id: String,
    pub results: String,
    pub total_score: i32,
    pub max_score: i32,
    pub met_count: i32,
    pub required_met: bool,
    pub rating: String,
    pub recognised: bool,
    pub status: String,
    pub submitted_at: Option<NaiveDateTime>,
    pub reviewed_at: Option<NaiveDateTime>,
    pub reviewer_note: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl AssessmentRow {
    // The columns have CHECK constraints and the JSON is only written from typed values.
    pub fn status(&self) -> AssessmentStatus {
        AssessmentStatus::parse(&self.status).unwrap_or(AssessmentStatus::Draft)
    }

    pub fn subject_kind(&self) -> SubjectKind {
        SubjectKind::parse(&self.subject_kind).unwrap_or(SubjectKind::Citizen)
    }

    pub fn rating(&self) -> Rating {
        Rating::ALL
            .into_iter()
            .find(|r| r.as_str() == self.rating)
            .unwrap_or(Rating::NotMet)
    }

    pub fn results(&self) -> Vec<ResultEntry> {
        serde_json::from_str(&self.results).unwrap_or_default()
    }

    fn set_outcome(&mut self, results: &[ResultEntry], outcome: &Outcome) -> Result<(), ApiError> {
        self.results = serde_json::to_string(results).map_err(ApiError::internal)?;
        self.total_score = outcome.total_score;
        self.max_score = outcome.max_score;
        self.met_count = outcome.met_count;
        self.required_met = outcome.required_met;
        self.rating = outcome.rating.as_str().to_owned();
        self.recognised = outcome.recognised;
        Ok(())
    }
}

/// What a client asks to create.
#[derive(Debug, Clone)]
pub struct NewAssessment {
    pub criteria_set_id: String,
    pub subject_kind: SubjectKind,
    pub subject_id: String,
    pub period: i32,
    pub assessor_association_id: Option<String>,
    pub results: Vec<ResultEntry>,
}

/// The subject of an assessment, resolved.
struct Subject {
    association_id: String,
    path: String,
}

fn subject_not_found() -> ApiError {
    ApiError::invalid_field("/subject_id", "NOT_FOUND", msg!("subject-id-unknown"))
}

/// Finds the subject the caller may see, and the association it belongs to.
fn resolve_subject(
    conn: &mut DbConnection,
    scope: Option<&str>,
    kind: SubjectKind,
    id: &str,
) -> Result<Subject, ApiError> {
    match kind {
        SubjectKind::Province | SubjectKind::District | SubjectKind::Commune => {
            let association = associations_model::find(conn, id)?
                .filter(|a| in_scope(scope, &a.path))
                .ok_or_else(subject_not_found)?;
            if association.level != kind.as_str() {
                return Err(ApiError::invalid_field(
                    "/subject_id",
                    "LEVEL_MISMATCH",
                    msg!(
                        "level-mismatch",
                        level = association.level().noun(),
                        kind = kind.noun()
                    ),
                ));
            }
            Ok(Subject {
                association_id: association.id,
                path: association.path,
            })
        }
        SubjectKind::Unit => resource_subject::<units::model::UnitRow>(conn, scope, id),
        SubjectKind::Citizen => resource_subject::<citizens::model::CitizenRow>(conn, scope, id),
        SubjectKind::Family => resource_subject::<HouseholdRow>(conn, scope, id),
        SubjectKind::Clan => resource_subject::<ClanRow>(conn, scope, id),
        SubjectKind::Community => resource_subject::<CommunityRow>(conn, scope, id),
    }
}

/// A subject kept by the resource layer (a unit, citizen, household, clan
/// or village community) the caller may see. Its row is locked FOR SHARE
/// on PostgreSQL until the assessment commits: a delete of the subject
/// racing it waits and then counts it, and a move carries it along.
fn resource_subject<R: Resource>(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<Subject, ApiError> {
    crate::resource::lock_row(conn, (R::TABLE, id), crate::resource::RowLock::Share)?;
    let (row, path) =
        crate::resource::get_visible::<R>(conn, scope, id).map_err(|_| subject_not_found())?;
    Ok(Subject {
        association_id: row.association_id().to_owned(),
        path,
    })
}

/// Measures every measured criterion for the subject and the period: its
/// `met` and `score` follow from the value (the assessor's note is kept),
/// and a criterion without a result gets one. Values sent for `measured`
/// are never kept.
fn measure_results(
    conn: &mut DbConnection,
    subject: &Measured<'_>,
    criteria: &[CriterionRow],
    mut results: Vec<ResultEntry>,
) -> Result<Vec<ResultEntry>, ApiError> {
    for entry in &mut results {
        entry.measured = None;
    }
    for criterion in criteria {
        let (Some(measure), Some(threshold)) = (criterion.measure(), criterion.threshold()) else {
            continue;
        };
        let measured = measures_model::measure(conn, subject, measure, threshold)?;
        let met = measured.met();
        let score = if met { criterion.max_score } else { 0 };
        match results
            .iter_mut()
            .find(|r| r.criterion_code == criterion.code)
        {
            Some(entry) => {
                entry.met = met;
                entry.score = score;
                entry.measured = Some(measured);
            }
            None => results.push(ResultEntry {
                criterion_code: criterion.code.clone(),
                met,
                score,
                note: None,
                measured: Some(measured),
            }),
        }
    }
    Ok(results)
}

impl AssessmentRow {
    /// The subject as measures see it; `path` is its association's.
    fn measured<'a>(&'a self, path: &'a str) -> Measured<'a> {
        Measured {
            kind: self.subject_kind(),
            id: &self.subject_id,
            association_id: &self.subject_association_id,
            path,
            period: self.period,
        }
    }
}

/// The set's rules and criteria, for a set that takes assessments.
fn published_set(
    conn: &mut DbConnection,
    id: &str,
) -> Result<(SetRow, Vec<CriterionRow>), ApiError> {
    let set = sets_model::get_set(conn, id).map_err(|_| {
        ApiError::invalid_field(
            "/criteria_set_id",
            "NOT_FOUND",
            msg!("criteria-set-id-unknown"),
        )
    })?;
    if set.status() != SetStatus::Published {
        return Err(ApiError::invalid_field(
            "/criteria_set_id",
            "NOT_PUBLISHED",
            msg!(
                "set-not-published-for-assessment",
                status = set.status().noun()
            ),
        ));
    }
    let criteria = sets_model::list_criteria(conn, id)?;
    Ok((set, criteria))
}

/// Rates the results with the scoring engine.
fn outcome(set: &SetRow, criteria: &[CriterionRow], results: &[ResultEntry]) -> Outcome {
    let bands = set.bands();
    let recognised = set.recognised_ratings();
    let rules = SetRules {
        method: set.scoring_method(),
        bands: &bands,
        recognised: &recognised,
    };
    let criteria: Vec<CriterionRules<'_>> = criteria
        .iter()
        .map(|c| CriterionRules {
            code: &c.code,
            max_score: c.max_score,
            min_score: c.min_score,
            required: c.required,
            level: c.level,
        })
        .collect();
    let results: Vec<CriterionResult<'_>> = results
        .iter()
        .map(|r| CriterionResult {
            code: &r.criterion_code,
            met: r.met,
            score: r.score,
        })
        .collect();
    scoring::score(&rules, &criteria, &results)
}

fn audit(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    id: &str,
    path: &str,
    versions: (Option<i64>, Option<i64>),
) -> Result<(), ApiError> {
    record_change(
        conn,
        actor,
        ("assessment", action),
        id,
        versions,
        Some(path),
    )
}

/// Creates a draft with the given id (an import keeps the ids it is given)
/// or a new one.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: Option<String>,
    new: NewAssessment,
) -> Result<AssessmentRow, ApiError> {
    let (set, criteria) = published_set(conn, &new.criteria_set_id)?;
    if set.subject_kind() != new.subject_kind {
        return Err(ApiError::invalid_field(
            "/subject_kind",
            "SET_MISMATCH",
            msg!(
                "set-mismatch",
                assesses = set.subject_kind().noun(),
                sent = new.subject_kind.noun()
            ),
        ));
    }
    let subject = resolve_subject(conn, scope, new.subject_kind, &new.subject_id)?;
    let taken = find_same(conn, &new)?.is_some();
    let assessor = match new.assessor_association_id {
        Some(id) => {
            tree::placeable_path(conn, scope, &id).map_err(|_| {
                ApiError::invalid_field(
                    "/assessor_association_id",
                    "NOT_FOUND",
                    msg!("association-id-unknown"),
                )
            })?;
            id
        }
        None => subject.association_id.clone(),
    };
    let results = check_results(&criteria, new.results).map_err(ApiError::validation)?;
    if taken {
        return Err(ApiError::conflict(
            "DUPLICATE_ASSESSMENT",
            msg!("assessment-taken-named", period = new.period),
        ));
    }
    let measured = Measured {
        kind: new.subject_kind,
        id: &new.subject_id,
        association_id: &subject.association_id,
        path: &subject.path,
        period: new.period,
    };
    let results = measure_results(conn, &measured, &criteria, results)?;
    let now = now();
    let mut row = AssessmentRow {
        id: id.unwrap_or_else(|| uuid::Uuid::now_v7().to_string()),
        criteria_set_id: new.criteria_set_id,
        subject_kind: new.subject_kind.as_str().to_owned(),
        subject_id: new.subject_id,
        subject_association_id: subject.association_id,
        period: new.period,
        assessor_association_id: assessor,
        results: String::new(),
        total_score: 0,
        max_score: 0,
        met_count: 0,
        required_met: false,
        rating: String::new(),
        recognised: false,
        status: AssessmentStatus::Draft.as_str().to_owned(),
        submitted_at: None,
        reviewed_at: None,
        reviewer_note: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    row.set_outcome(&results, &outcome(&set, &criteria, &results))?;
    let row: AssessmentRow = diesel::insert_into(assessments::table)
        .values(&row)
        .returning(assessments::all_columns)
        .get_result(conn)?;
    audit(
        conn,
        actor,
        "create",
        &row.id,
        &subject.path,
        (None, Some(row.version)),
    )?;
    Ok(row)
}

/// An assessment the caller may see (its subject's association is in
/// scope), with that association's path; 404 otherwise.
pub fn get_visible(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
) -> Result<(AssessmentRow, String), ApiError> {
    let not_found = || ApiError::not_found(msg!("noun-assessment"));
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(not_found());
    }
    let found: Option<(AssessmentRow, String)> = assessments::table
        .inner_join(associations::table.on(associations::id.eq(dsl::subject_association_id)))
        .filter(dsl::id.eq(id))
        .select((assessments::all_columns, associations::path))
        .first(conn)
        .optional()?;
    found
        .filter(|(_, path)| in_scope(scope, path))
        .ok_or_else(not_found)
}

fn require_status(
    row: &AssessmentRow,
    status: AssessmentStatus,
    code: &'static str,
) -> Result<(), ApiError> {
    if row.status() == status {
        Ok(())
    } else {
        Err(ApiError::conflict(
            code,
            msg!(
                "assessment-status",
                status = row.status().noun(),
                needed = status.noun()
            ),
        ))
    }
}

/// Writes `row` as the next version of `current` (compare-and-set on the version).
fn save(
    conn: &mut DbConnection,
    current: &AssessmentRow,
    mut row: AssessmentRow,
) -> Result<AssessmentRow, ApiError> {
    row.version = current.version + 1;
    row.updated_at = now();
    diesel::update(
        assessments::table
            .filter(dsl::id.eq(&current.id))
            .filter(dsl::version.eq(current.version)),
    )
    .set(&row)
    .returning(assessments::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::precondition_failed(current.version, true))
}

/// A change to a draft: its results (replaced whole) or its assessor.
#[derive(Debug, Clone, Default)]
pub struct DraftChange {
    pub results: Option<Vec<ResultEntry>>,
    pub assessor_association_id: Option<String>,
}

pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    change: DraftChange,
) -> Result<AssessmentRow, ApiError> {
    let (current, path) = get_visible(conn, scope, id)?;
    require_status(&current, AssessmentStatus::Draft, "NOT_DRAFT")?;
    let (set, criteria) = (
        sets_model::get_set(conn, &current.criteria_set_id)?,
        sets_model::list_criteria(conn, &current.criteria_set_id)?,
    );
    let results = match change.results {
        Some(results) => check_results(&criteria, results).map_err(ApiError::validation)?,
        None => current.results(),
    };
    let mut row = current.clone();
    if let Some(assessor) = change.assessor_association_id {
        tree::placeable_path(conn, scope, &assessor).map_err(|_| {
            ApiError::invalid_field(
                "/assessor_association_id",
                "NOT_FOUND",
                msg!("association-id-unknown"),
            )
        })?;
        row.assessor_association_id = assessor;
    }
    if_match.check(current.version)?;
    let results = measure_results(conn, &current.measured(&path), &criteria, results)?;
    row.set_outcome(&results, &outcome(&set, &criteria, &results))?;
    let saved = save(conn, &current, row)?;
    audit(
        conn,
        actor,
        "update",
        id,
        &path,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let (current, path) = get_visible(conn, scope, id)?;
    if_match.check(current.version)?;
    require_status(&current, AssessmentStatus::Draft, "NOT_DRAFT")?;
    diesel::delete(assessments::table.filter(dsl::id.eq(id))).execute(conn)?;
    audit(
        conn,
        actor,
        "delete",
        id,
        &path,
        (Some(current.version), None),
    )
}

/// draft → submitted: sent up for review, with a result for every criterion.
pub fn submit(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<AssessmentRow, ApiError> {
    let (current, path) = get_visible(conn, scope, id)?;
    if_match.check(current.version)?;
    require_status(&current, AssessmentStatus::Draft, "NOT_DRAFT")?;
    let set = sets_model::get_set(conn, &current.criteria_set_id)?;
    let criteria = sets_model::list_criteria(conn, &current.criteria_set_id)?;
    let missing = missing_results(&criteria, &current.results());
    if !missing.is_empty() {
        return Err(ApiError::validation(missing));
    }
    // Measured again: what is sent up is what the data says now. From here
    // on the values stay as they are; approval freezes them.
    let results = measure_results(conn, &current.measured(&path), &criteria, current.results())?;
    let mut row = current.clone();
    row.set_outcome(&results, &outcome(&set, &criteria, &results))?;
    row.status = AssessmentStatus::Submitted.as_str().to_owned();
    row.submitted_at = Some(now());
    let saved = save(conn, &current, row)?;
    audit(
        conn,
        actor,
        "submit",
        id,
        &path,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

/// submitted → approved (`approve`) or back to draft (`return`, with a note),
/// by an editor or admin of an association strictly above the subject's.
pub fn review(
    conn: &mut DbConnection,
    caller: &Caller,
    id: &str,
    if_match: &IfMatch,
    approve: bool,
    note: Option<String>,
) -> Result<AssessmentRow, ApiError> {
    let (current, path) = get_visible(conn, caller.scope_path(), id)?;
    if_match.check(current.version)?;
    require_status(&current, AssessmentStatus::Submitted, "NOT_SUBMITTED")?;
    if !caller.is_strictly_above(&path) {
        return Err(ApiError::forbidden(
            "NOT_ABOVE_SUBJECT",
            msg!("review-not-above"),
        ));
    }
    if !approve && note.is_none() {
        return Err(ApiError::invalid_field(
            "/reviewer_note",
            "REQUIRED",
            msg!("review-note-required"),
        ));
    }
    let mut row = current.clone();
    row.status = if approve {
        AssessmentStatus::Approved
    } else {
        AssessmentStatus::Draft
    }
    .as_str()
    .to_owned();
    row.reviewed_at = Some(now());
    row.reviewer_note = note;
    let saved = save(conn, &current, row)?;
    let action = if approve { "approve" } else { "return" };
    audit(
        conn,
        &caller.actor(),
        action,
        id,
        &path,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

/// The filters of the assessment list.
#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    pub criteria_set_id: Option<String>,
    pub subject_kind: Option<SubjectKind>,
    pub subject_id: Option<String>,
    pub period: Option<i32>,
    pub status: Option<AssessmentStatus>,
    pub rating: Option<Rating>,
    pub recognised: Option<bool>,
    /// Subjects anywhere in this association's subtree (itself included).
    pub ancestor_id: Option<String>,
    /// The caller's scope path.
    pub scope: Option<String>,
}

/// One page of assessments, in the order they were made.
pub fn list(
    conn: &mut DbConnection,
    filter: &AssessmentFilter,
    page: &PageRequest,
) -> Result<Page<AssessmentRow>, ApiError> {
    let mut query = assessments::table.into_boxed::<MultiBackend>();
    let Some(subtrees) =
        tree::bounding_subtrees(conn, filter.scope.as_deref(), filter.ancestor_id.as_deref())?
    else {
        return Ok(page.finish(Vec::new(), |row: &AssessmentRow| (vec![], row.id.clone())));
    };
    for path in subtrees {
        query = query.filter(dsl::subject_association_id.eq_any(tree::ids_in_subtree(&path)));
    }
    if let Some(set) = &filter.criteria_set_id {
        query = query.filter(dsl::criteria_set_id.eq(set.clone()));
    }
    if let Some(kind) = filter.subject_kind {
        query = query.filter(dsl::subject_kind.eq(kind.as_str()));
    }
    if let Some(subject) = &filter.subject_id {
        query = query.filter(dsl::subject_id.eq(subject.clone()));
    }
    if let Some(period) = filter.period {
        query = query.filter(dsl::period.eq(period));
    }
    if let Some(status) = filter.status {
        query = query.filter(dsl::status.eq(status.as_str()));
    }
    if let Some(rating) = filter.rating {
        query = query.filter(dsl::rating.eq(rating.as_str()));
    }
    if let Some(recognised) = filter.recognised {
        query = query.filter(dsl::recognised.eq(recognised));
    }
    if let Some(cursor) = &page.after {
        query = query.filter(dsl::id.gt(cursor.id.clone()));
    }
    let rows: Vec<AssessmentRow> = query
        .order(dsl::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

/// The assessment of a subject against a set for a period, if any.
pub fn find_same(
    conn: &mut DbConnection,
    new: &NewAssessment,
) -> Result<Option<AssessmentRow>, ApiError> {
    Ok(assessments::table
        .filter(dsl::criteria_set_id.eq(&new.criteria_set_id))
        .filter(dsl::subject_kind.eq(new.subject_kind.as_str()))
        .filter(dsl::subject_id.eq(&new.subject_id))
        .filter(dsl::period.eq(new.period))
        .first(conn)
        .optional()?)
}

/// 409 while assessments name the subject `id` of `kind` (a unit, citizen,
/// household, clan or village community): they are kept, so it is too.
fn refuse_delete_while_assessed(
    conn: &mut DbConnection,
    kind: SubjectKind,
    id: &str,
) -> Result<(), ApiError> {
    refuse_delete_with_assessments(count_for_subject(conn, kind.as_str(), id)?, kind.noun())
}

/// How many assessments a subject has (its delete is refused while any exist).
fn count_for_subject(conn: &mut DbConnection, kind: &str, id: &str) -> Result<i64, ApiError> {
    Ok(assessments::table
        .filter(dsl::subject_kind.eq(kind))
        .filter(dsl::subject_id.eq(id))
        .count()
        .get_result(conn)?)
}

/// How many assessments involve an association, as subject, as the home of
/// the subject, or as assessor.
fn count_for_association(conn: &mut DbConnection, id: &str) -> Result<i64, ApiError> {
    Ok(assessments::table
        .filter(
            dsl::subject_association_id
                .eq(id)
                .or(dsl::assessor_association_id.eq(id))
                .or(dsl::subject_id.eq(id)),
        )
        .count()
        .get_result(conn)?)
}

/// Keeps the assessments of a unit or citizen with it when it moves to another association.
fn follow_subject(
    conn: &mut DbConnection,
    kind: &str,
    id: &str,
    association_id: &str,
) -> Result<(), ApiError> {
    diesel::update(
        assessments::table
            .filter(dsl::subject_kind.eq(kind))
            .filter(dsl::subject_id.eq(id)),
    )
    .set(dsl::subject_association_id.eq(association_id))
    .execute(conn)?;
    Ok(())
}

/// 409 while a subject has assessments.
fn refuse_delete_with_assessments(count: i64, what: Message) -> Result<(), ApiError> {
    if count > 0 {
        Err(ApiError::conflict(
            "HAS_ASSESSMENTS",
            msg!("has-assessments", count = count, what = what),
        ))
    } else {
        Ok(())
    }
}

inventory::submit! {
    Dependant {
        on: "association",
        order: 10,
        refuse_delete: |conn, id| {
            refuse_delete_with_assessments(count_for_association(conn, id)?, msg!("level-any"))
        },
        follow_move: None,
    }
}

/// The assessments of a subject of `$kind` (the records of type `$type`)
/// keep it from being deleted, and follow it when it moves.
macro_rules! assessed_subject {
    ($type:literal, $kind:expr) => {
        inventory::submit! {
            Dependant {
                on: $type,
                order: 90,
                refuse_delete: |conn, id| refuse_delete_while_assessed(conn, $kind, id),
                follow_move: Some(|conn, id, association_id| {
                    follow_subject(conn, $kind.as_str(), id, association_id)
                }),
            }
        }
    };
}

assessed_subject!("unit", SubjectKind::Unit);
assessed_subject!("citizen", SubjectKind::Citizen);
assessed_subject!("household", SubjectKind::Family);
assessed_subject!("clan", SubjectKind::Clan);
assessed_subject!("community", SubjectKind::Community);

inventory::submit! {
    UniqueKey {
        constraint: "assessments_criteria_set_id_subject_kind_subject_id_period_key",
        columns: "assessments.criteria_set_id, assessments.subject_kind, assessments.subject_id, assessments.period",
        code: "DUPLICATE_ASSESSMENT",
        message: "assessment-taken",
    }
}
