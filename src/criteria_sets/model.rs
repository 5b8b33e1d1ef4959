//! Criteria sets and their criteria in the database.
//!
//! A set is edited only while it is a draft; publishing freezes it and its
//! criteria. Every change to a criterion is also a new version of its set, so
//! the set's ETag covers its criteria (a publish based on a stale read fails).

use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

use super::measure::{Measure, Threshold};
use super::rules::{CriterionFields, SetFields, SetStatus, SubjectKind};
use super::scoring::{Band, Rating, ScoringMethod};
use crate::audit::model::record_change;
use crate::auth::Actor;
use crate::db::schema::criteria::{self, dsl as cdsl};
use crate::db::schema::criteria_sets::{self, dsl};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::ApiError;
use crate::error::UniqueKey;
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::text;

/// The most criteria a set holds; its criteria list fits one page.
pub const MAX_CRITERIA: i64 = 500;

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = criteria_sets, treat_none_as_null = true)]
pub struct SetRow {
    pub id: String,
    pub code: String,
    pub edition: String,
    pub name: String,
    pub search_text: String,
    pub description: Option<String>,
    pub subject_kind: String,
    pub issued_by: Option<String>,
    pub legal_basis: Option<String>,
    pub status: String,
    pub valid_from: Option<i32>,
    pub valid_to: Option<i32>,
    pub scoring_method: String,
    pub bands: String,
    pub recognised_ratings: String,
    pub is_template: bool,
    pub published_at: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, AsChangeset, Identifiable)]
#[diesel(table_name = criteria, treat_none_as_null = true)]
pub struct CriterionRow {
    pub id: String,
    pub criteria_set_id: String,
    pub code: String,
    pub title: String,
    pub description: Option<String>,
    pub group_name: Option<String>,
    pub position: i32,
    pub max_score: i32,
    pub min_score: Option<i32>,
    pub required: bool,
    pub level: Option<i32>,
    pub evidence_hint: Option<String>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub measure: Option<String>,
    pub threshold: Option<f64>,
}

impl SetRow {
    // The columns have CHECK constraints listing exactly these values, and the
    // JSON columns are only ever written from the typed values.
    pub fn status(&self) -> SetStatus {
        SetStatus::parse(&self.status).unwrap_or(SetStatus::Draft)
    }

    pub fn subject_kind(&self) -> SubjectKind {
        SubjectKind::parse(&self.subject_kind).unwrap_or(SubjectKind::Citizen)
    }

    pub fn scoring_method(&self) -> ScoringMethod {
        match self.scoring_method.as_str() {
            "levels" => ScoringMethod::Levels,
            _ => ScoringMethod::PointsBands,
        }
    }

    pub fn bands(&self) -> Vec<Band> {
        serde_json::from_str(&self.bands).unwrap_or_default()
    }

    pub fn recognised_ratings(&self) -> Vec<Rating> {
        serde_json::from_str(&self.recognised_ratings).unwrap_or_default()
    }

    pub fn fields(&self) -> SetFields {
        SetFields {
            code: self.code.clone(),
            edition: self.edition.clone(),
            name: self.name.clone(),
            description: self.description.clone(),
            subject_kind: self.subject_kind(),
            issued_by: self.issued_by.clone(),
            legal_basis: self.legal_basis.clone(),
            valid_from: self.valid_from,
            valid_to: self.valid_to,
            scoring_method: self.scoring_method(),
            bands: self.bands(),
            recognised_ratings: self.recognised_ratings(),
        }
    }

    fn set_fields(&mut self, fields: SetFields) -> Result<(), ApiError> {
        self.search_text = text::fold(&format!(
            "{} {} {}",
            fields.name, fields.code, fields.edition
        ));
        self.bands = serde_json::to_string(&fields.bands).map_err(ApiError::internal)?;
        self.recognised_ratings =
            serde_json::to_string(&fields.recognised_ratings).map_err(ApiError::internal)?;
        self.code = fields.code;
        self.edition = fields.edition;
        self.name = fields.name;
        self.description = fields.description;
        self.subject_kind = fields.subject_kind.as_str().to_owned();
        self.issued_by = fields.issued_by;
        self.legal_basis = fields.legal_basis;
        self.valid_from = fields.valid_from;
        self.valid_to = fields.valid_to;
        self.scoring_method = fields.scoring_method.as_str().to_owned();
        Ok(())
    }

    fn new(fields: SetFields, is_template: bool) -> Result<SetRow, ApiError> {
        let now = now();
        let mut row = SetRow {
            id: uuid::Uuid::now_v7().to_string(),
            code: String::new(),
            edition: String::new(),
            name: String::new(),
            search_text: String::new(),
            description: None,
            subject_kind: String::new(),
            issued_by: None,
            legal_basis: None,
            status: SetStatus::Draft.as_str().to_owned(),
            valid_from: None,
            valid_to: None,
            scoring_method: String::new(),
            bands: String::new(),
            recognised_ratings: String::new(),
            is_template,
            published_at: None,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        row.set_fields(fields)?;
        Ok(row)
    }
}

impl CriterionRow {
    pub fn fields(&self) -> CriterionFields {
        CriterionFields {
            code: self.code.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            group: self.group_name.clone(),
            position: self.position,
            max_score: self.max_score,
            min_score: self.min_score,
            required: self.required,
            level: self.level,
            evidence_hint: self.evidence_hint.clone(),
            measure: self.measure(),
            threshold: self.threshold(),
        }
    }

    /// What the service measures for the criterion (the column has a CHECK listing the codes).
    pub fn measure(&self) -> Option<Measure> {
        self.measure.as_deref().and_then(Measure::parse)
    }

    /// The bar of a measured criterion (NULL stored: the subject's target).
    pub fn threshold(&self) -> Option<Threshold> {
        self.measure
            .is_some()
            .then(|| Threshold::from_stored(self.threshold))
    }

    fn set_fields(&mut self, fields: CriterionFields) {
        self.code = fields.code;
        self.title = fields.title;
        self.description = fields.description;
        self.group_name = fields.group;
        self.position = fields.position;
        self.max_score = fields.max_score;
        self.min_score = fields.min_score;
        self.required = fields.required;
        self.level = fields.level;
        self.evidence_hint = fields.evidence_hint;
        self.measure = fields.measure.map(|m| m.as_str().to_owned());
        self.threshold = fields.threshold.and_then(Threshold::stored);
    }

    fn new(set_id: &str, fields: CriterionFields) -> CriterionRow {
        let now = now();
        let mut row = CriterionRow {
            id: uuid::Uuid::now_v7().to_string(),
            criteria_set_id: set_id.to_owned(),
            code: String::new(),
            title: String::new(),
            description: None,
            group_name: None,
            position: 0,
            max_score: 1,
            min_score: None,
            required: false,
            level: None,
            evidence_hint: None,
            version: 1,
            created_at: now,
            updated_at: now,
            measure: None,
            threshold: None,
        };
        row.set_fields(fields);
        row
    }
}

fn audit(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    resource_type: &'static str,
    id: &str,
    versions: (Option<i64>, Option<i64>),
) -> Result<(), ApiError> {
    // Criteria sets belong to the whole tree.
    record_change(conn, actor, (resource_type, action), id, versions, None)
}

pub fn get_set(conn: &mut DbConnection, id: &str) -> Result<SetRow, ApiError> {
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(ApiError::not_found(msg!("noun-criteria-set")));
    }
    criteria_sets::table
        .find(id)
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(msg!("noun-criteria-set")))
}

fn check_edition_free(
    conn: &mut DbConnection,
    code: &str,
    edition: &str,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let holder: Option<String> = criteria_sets::table
        .filter(dsl::code.eq(code))
        .filter(dsl::edition.eq(edition))
        .select(dsl::id)
        .first(conn)
        .optional()?;
    match holder {
        Some(holder) if Some(holder.as_str()) != own_id => Err(ApiError::conflict(
            "DUPLICATE_EDITION",
            msg!("edition-taken-named", code = code, edition = edition),
        )),
        _ => Ok(()),
    }
}

/// 409 unless the set is a draft: published and retired sets are frozen.
fn require_draft(set: &SetRow) -> Result<(), ApiError> {
    match set.status() {
        SetStatus::Draft => Ok(()),
        status => Err(ApiError::conflict(
            "SET_FROZEN",
            msg!("set-frozen", status = status.noun(), id = &set.id),
        )),
    }
}

pub fn create_set(
    conn: &mut DbConnection,
    actor: &Actor,
    fields: SetFields,
) -> Result<SetRow, ApiError> {
    check_edition_free(conn, &fields.code, &fields.edition, None)?;
    let row = SetRow::new(fields, false)?;
    let row: SetRow = diesel::insert_into(criteria_sets::table)
        .values(&row)
        .returning(criteria_sets::all_columns)
        .get_result(conn)?;
    audit(
        conn,
        actor,
        "create",
        "criteria_set",
        &row.id,
        (None, Some(row.version)),
    )?;
    Ok(row)
}

/// Writes `row` as the next version of `current` (compare-and-set on the version).
fn save_set(
    conn: &mut DbConnection,
    current: &SetRow,
    mut row: SetRow,
) -> Result<SetRow, ApiError> {
    row.version = current.version + 1;
    row.updated_at = now();
    diesel::update(
        criteria_sets::table
            .filter(dsl::id.eq(&current.id))
            .filter(dsl::version.eq(current.version)),
    )
    .set(&row)
    .returning(criteria_sets::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::precondition_failed(current.version, true))
}

pub fn update_set(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    if_match: &IfMatch,
    change: impl FnOnce(SetFields) -> Result<SetFields, ApiError>,
) -> Result<SetRow, ApiError> {
    let current = get_set(conn, id)?;
    require_draft(&current)?;
    let fields = change(current.fields())?.validated()?;
    if_match.check(current.version)?;
    if fields == current.fields() {
        return Ok(current);
    }
    if (&fields.code, &fields.edition) != (&current.code, &current.edition) {
        check_edition_free(conn, &fields.code, &fields.edition, Some(id))?;
    }
    let mut row = current.clone();
    row.set_fields(fields)?;
    let saved = save_set(conn, &current, row)?;
    audit(
        conn,
        actor,
        "update",
        "criteria_set",
        id,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

pub fn delete_set(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let current = get_set(conn, id)?;
    if_match.check(current.version)?;
    if current.status() != SetStatus::Draft {
        return Err(ApiError::conflict(
            "SET_NOT_DRAFT",
            msg!("set-kept", status = current.status().noun()),
        ));
    }
    diesel::delete(criteria::table.filter(cdsl::criteria_set_id.eq(id))).execute(conn)?;
    let deleted = diesel::delete(
        criteria_sets::table
            .filter(dsl::id.eq(id))
            .filter(dsl::version.eq(current.version)),
    )
    .execute(conn)?;
    if deleted == 0 {
        return Err(ApiError::precondition_failed(current.version, true));
    }
    audit(
        conn,
        actor,
        "delete",
        "criteria_set",
        id,
        (Some(current.version), None),
    )
}

/// Publishes a draft after checking it can be scored; 422 naming each problem.
pub fn publish(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    if_match: &IfMatch,
) -> Result<SetRow, ApiError> {
    let current = get_set(conn, id)?;
    if_match.check(current.version)?;
    require_draft(&current)?;
    let criteria: Vec<CriterionFields> = list_criteria(conn, id)?
        .iter()
        .map(CriterionRow::fields)
        .collect();
    let problems = super::rules::publish_problems(&current.fields(), &criteria);
    if !problems.is_empty() {
        return Err(ApiError::validation(problems));
    }
    let mut row = current.clone();
    row.status = SetStatus::Published.as_str().to_owned();
    row.published_at = Some(now());
    let saved = save_set(conn, &current, row)?;
    audit(
        conn,
        actor,
        "publish",
        "criteria_set",
        id,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

/// Retires a published set: it stays readable, and takes no new assessments.
pub fn retire(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    if_match: &IfMatch,
) -> Result<SetRow, ApiError> {
    let current = get_set(conn, id)?;
    if_match.check(current.version)?;
    if current.status() != SetStatus::Published {
        return Err(ApiError::conflict(
            "SET_NOT_PUBLISHED",
            msg!("set-not-published", status = current.status().noun()),
        ));
    }
    let mut row = current.clone();
    row.status = SetStatus::Retired.as_str().to_owned();
    let saved = save_set(conn, &current, row)?;
    audit(
        conn,
        actor,
        "retire",
        "criteria_set",
        id,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

/// Copies a set and its criteria into a new draft edition.
pub fn new_edition(
    conn: &mut DbConnection,
    actor: &Actor,
    id: &str,
    edition: String,
    name: Option<String>,
) -> Result<SetRow, ApiError> {
    let source = get_set(conn, id)?;
    let mut fields = source.fields();
    fields.edition = edition;
    if let Some(name) = name {
        fields.name = name;
    }
    let fields = fields.validated()?;
    check_edition_free(conn, &fields.code, &fields.edition, None)?;
    let mut row = SetRow::new(fields, false)?;
    // A template's description says it is a template; the copy is the province's own.
    row.description = if source.is_template {
        None
    } else {
        source.description.clone()
    };
    let row: SetRow = diesel::insert_into(criteria_sets::table)
        .values(&row)
        .returning(criteria_sets::all_columns)
        .get_result(conn)?;
    let copies: Vec<CriterionRow> = list_criteria(conn, id)?
        .iter()
        .map(|c| CriterionRow::new(&row.id, c.fields()))
        .collect();
    insert_criteria(conn, &copies)?;
    audit(
        conn,
        actor,
        "create",
        "criteria_set",
        &row.id,
        (None, Some(row.version)),
    )?;
    Ok(row)
}

/// Inserts criteria one by one: the multi-backend connection has no batch insert.
fn insert_criteria(conn: &mut DbConnection, rows: &[CriterionRow]) -> Result<(), ApiError> {
    for row in rows {
        diesel::insert_into(criteria::table)
            .values(row)
            .execute(conn)?;
    }
    Ok(())
}

/// The filters of the set list.
#[derive(Debug, Clone, Default)]
pub struct SetFilter {
    pub code: Option<String>,
    pub subject_kind: Option<SubjectKind>,
    pub status: Option<SetStatus>,
    pub q: Option<String>,
}

/// One page of sets, by code, then edition.
pub fn list_sets(
    conn: &mut DbConnection,
    filter: &SetFilter,
    page: &PageRequest,
) -> Result<Page<SetRow>, ApiError> {
    let mut query = criteria_sets::table.into_boxed::<MultiBackend>();
    if let Some(code) = &filter.code {
        query = query.filter(dsl::code.eq(code.clone()));
    }
    if let Some(kind) = filter.subject_kind {
        query = query.filter(dsl::subject_kind.eq(kind.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(dsl::status.eq(status.as_str()));
    }
    if let Some(q) = &filter.q {
        query = query.filter(
            dsl::search_text
                .like(text::contains_pattern(q))
                .escape('\\'),
        );
    }
    if let Some(cursor) = &page.after {
        let [code, edition] = cursor.keys.as_slice() else {
            return Err(ApiError::bad_parameter(
                "page_token",
                "INVALID_PAGE_TOKEN",
                msg!("page-token-foreign"),
            ));
        };
        query = query.filter(
            dsl::code
                .gt(code.clone())
                .or(dsl::code.eq(code.clone()).and(
                    dsl::edition.gt(edition.clone()).or(dsl::edition
                        .eq(edition.clone())
                        .and(dsl::id.gt(cursor.id.clone()))),
                )),
        );
    }
    let rows: Vec<SetRow> = query
        .order((dsl::code.asc(), dsl::edition.asc(), dsl::id.asc()))
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| {
        (vec![row.code.clone(), row.edition.clone()], row.id.clone())
    }))
}

/// Every criterion of a set, in order (a set holds at most [`MAX_CRITERIA`]).
pub fn list_criteria(conn: &mut DbConnection, set_id: &str) -> Result<Vec<CriterionRow>, ApiError> {
    Ok(criteria::table
        .filter(cdsl::criteria_set_id.eq(set_id))
        .order((cdsl::position.asc(), cdsl::code.asc(), cdsl::id.asc()))
        .limit(MAX_CRITERIA)
        .load(conn)?)
}

/// A criterion by its id alone, whatever its set.
pub fn find_criterion(conn: &mut DbConnection, id: &str) -> Result<Option<CriterionRow>, ApiError> {
    Ok(criteria::table
        .filter(cdsl::id.eq(id))
        .first(conn)
        .optional()?)
}

pub fn get_criterion(
    conn: &mut DbConnection,
    set_id: &str,
    id: &str,
) -> Result<CriterionRow, ApiError> {
    criteria::table
        .filter(cdsl::criteria_set_id.eq(set_id))
        .filter(cdsl::id.eq(id))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(msg!("noun-criterion")))
}

fn check_criterion_code_free(
    conn: &mut DbConnection,
    set_id: &str,
    code: &str,
    own_id: Option<&str>,
) -> Result<(), ApiError> {
    let holder: Option<String> = criteria::table
        .filter(cdsl::criteria_set_id.eq(set_id))
        .filter(cdsl::code.eq(code))
        .select(cdsl::id)
        .first(conn)
        .optional()?;
    match holder {
        Some(holder) if Some(holder.as_str()) != own_id => Err(ApiError::conflict(
            "DUPLICATE_CODE",
            msg!("criterion-code-taken-named", code = code),
        )),
        _ => Ok(()),
    }
}

/// A change to a criterion is a change to its set: the set gets a new version.
fn touch_set(conn: &mut DbConnection, set: &SetRow) -> Result<(), ApiError> {
    save_set(conn, set, set.clone()).map(|_| ())
}

pub fn create_criterion(
    conn: &mut DbConnection,
    actor: &Actor,
    set_id: &str,
    fields: CriterionFields,
) -> Result<CriterionRow, ApiError> {
    let set = get_set(conn, set_id)?;
    require_draft(&set)?;
    check_criterion_code_free(conn, set_id, &fields.code, None)?;
    let count: i64 = criteria::table
        .filter(cdsl::criteria_set_id.eq(set_id))
        .select(count_star())
        .get_result(conn)?;
    if count >= MAX_CRITERIA {
        return Err(ApiError::conflict(
            "TOO_MANY_CRITERIA",
            msg!("too-many-criteria", max = MAX_CRITERIA),
        ));
    }
    let row: CriterionRow = diesel::insert_into(criteria::table)
        .values(&CriterionRow::new(set_id, fields))
        .returning(criteria::all_columns)
        .get_result(conn)?;
    touch_set(conn, &set)?;
    audit(
        conn,
        actor,
        "create",
        "criterion",
        &row.id,
        (None, Some(row.version)),
    )?;
    Ok(row)
}

pub fn update_criterion(
    conn: &mut DbConnection,
    actor: &Actor,
    set_id: &str,
    id: &str,
    if_match: &IfMatch,
    change: impl FnOnce(CriterionFields) -> Result<CriterionFields, ApiError>,
) -> Result<CriterionRow, ApiError> {
    let set = get_set(conn, set_id)?;
    let current = get_criterion(conn, set_id, id)?;
    require_draft(&set)?;
    let fields = change(current.fields())?.validated()?;
    if_match.check(current.version)?;
    if fields == current.fields() {
        return Ok(current);
    }
    if fields.code != current.code {
        check_criterion_code_free(conn, set_id, &fields.code, Some(id))?;
    }
    let mut row = current.clone();
    row.set_fields(fields);
    row.version = current.version + 1;
    row.updated_at = now();
    let saved: CriterionRow = diesel::update(
        criteria::table
            .filter(cdsl::id.eq(id))
            .filter(cdsl::version.eq(current.version)),
    )
    .set(&row)
    .returning(criteria::all_columns)
    .get_result(conn)
    .optional()?
    .ok_or_else(|| ApiError::precondition_failed(current.version, true))?;
    touch_set(conn, &set)?;
    audit(
        conn,
        actor,
        "update",
        "criterion",
        id,
        (Some(current.version), Some(saved.version)),
    )?;
    Ok(saved)
}

pub fn delete_criterion(
    conn: &mut DbConnection,
    actor: &Actor,
    set_id: &str,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let set = get_set(conn, set_id)?;
    let current = get_criterion(conn, set_id, id)?;
    if_match.check(current.version)?;
    require_draft(&set)?;
    diesel::delete(criteria::table.filter(cdsl::id.eq(id))).execute(conn)?;
    touch_set(conn, &set)?;
    audit(
        conn,
        actor,
        "delete",
        "criterion",
        id,
        (Some(current.version), None),
    )
}

/// The id of the template `code`/`edition`: a name-based UUID (version 5),
/// the same wherever it is seeded.
pub fn template_id(code: &str, edition: &str) -> String {
    const TEMPLATES: uuid::Uuid = uuid::Uuid::from_u128(0x6b68_7579_656e_686f_6300_0000_0000_0001);
    uuid::Uuid::new_v5(&TEMPLATES, format!("{code}/{edition}").as_bytes()).to_string()
}

/// Inserts a published template set with its criteria, unless its
/// (code, edition) exists already: run after every migration, idempotent.
pub fn seed_template(
    conn: &mut DbConnection,
    fields: SetFields,
    criteria: Vec<CriterionFields>,
) -> Result<bool, ApiError> {
    let exists: i64 = criteria_sets::table
        .filter(dsl::code.eq(&fields.code))
        .filter(dsl::edition.eq(&fields.edition))
        .select(count_star())
        .get_result(conn)?;
    if exists > 0 {
        return Ok(false);
    }
    let id = template_id(&fields.code, &fields.edition);
    let mut row = SetRow::new(fields, true)?;
    // The same template has the same id on every instance, so assessments
    // exported from one (a district working offline) import into another.
    row.id = id;
    row.status = SetStatus::Published.as_str().to_owned();
    row.published_at = Some(row.created_at);
    diesel::insert_into(criteria_sets::table)
        .values(&row)
        .execute(conn)?;
    let rows: Vec<CriterionRow> = criteria
        .into_iter()
        .map(|c| CriterionRow::new(&row.id, c))
        .collect();
    insert_criteria(conn, &rows)?;
    Ok(true)
}

inventory::submit! {
    UniqueKey {
        constraint: "criteria_sets_code_edition_key",
        columns: "criteria_sets.code, criteria_sets.edition",
        code: "DUPLICATE_EDITION",
        message: "edition-taken",
    }
}

inventory::submit! {
    UniqueKey {
        constraint: "criteria_criteria_set_id_code_key",
        columns: "criteria.criteria_set_id, criteria.code",
        code: "DUPLICATE_CODE",
        message: "criterion-code-taken",
    }
}
