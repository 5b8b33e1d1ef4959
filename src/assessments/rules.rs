//! The rules of assessments that need no database: results against the
//! set's criteria, and the workflow.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::criteria_sets::model::CriterionRow;
use crate::error::FieldError;
use crate::measures::rules::Measurement;
use crate::msg;
use crate::text;

pub const EARLIEST_PERIOD: i32 = 2000;
pub const LATEST_PERIOD: i32 = 2100;

/// The result entered for one criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultEntry {
    /// The criterion's `code` in the set.
    #[schema(min_length = 1, max_length = 32)]
    pub criterion_code: String,
    pub met: bool,
    /// From 0 to the criterion's `max_score`; default 0.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1000)]
    pub score: i32,
    /// A note or an evidence reference.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: Option<String>,
    /// Set by the service for a criterion with a `measure`: what it measured
    /// and against which threshold. `met` and `score` of such a criterion
    /// follow from it (`score` is `max_score` when met, else 0) whatever was
    /// sent; it is measured on create, on every change of the draft and on
    /// submit, and kept as approved. Ignored when sent.
    #[serde(default)]
    #[schema(read_only)]
    pub measured: Option<Measurement>,
}

/// Checks results against the set's criteria: every entry names a criterion
/// once, with a score in range. Returns the cleaned results.
pub fn check_results(
    criteria: &[CriterionRow],
    results: Vec<ResultEntry>,
) -> Result<Vec<ResultEntry>, Vec<FieldError>> {
    let mut errors = Vec::new();
    let mut clean = Vec::with_capacity(results.len());
    for (i, mut entry) in results.into_iter().enumerate() {
        let pointer = format!("/results/{i}");
        let Some(criterion) = criteria.iter().find(|c| c.code == entry.criterion_code) else {
            errors.push(FieldError::new(
                format!("{pointer}/criterion_code"),
                "UNKNOWN_CRITERION",
                msg!("criterion-unknown", code = &entry.criterion_code),
            ));
            continue;
        };
        if clean
            .iter()
            .any(|e: &ResultEntry| e.criterion_code == entry.criterion_code)
        {
            errors.push(FieldError::new(
                format!("{pointer}/criterion_code"),
                "DUPLICATE",
                msg!("result-twice", code = &entry.criterion_code),
            ));
            continue;
        }
        if !(0..=criterion.max_score).contains(&entry.score) {
            errors.push(FieldError::new(
                format!("{pointer}/score"),
                "OUT_OF_RANGE",
                msg!(
                    "score-range",
                    max = criterion.max_score,
                    code = &criterion.code
                ),
            ));
        }
        match text::optional_text(&format!("{pointer}/note"), entry.note.take(), 2000) {
            Ok(note) => entry.note = note,
            Err(error) => errors.push(error),
        }
        clean.push(entry);
    }
    if errors.is_empty() {
        Ok(clean)
    } else {
        Err(errors)
    }
}

/// The criteria that have no result yet (a submitted assessment has them all).
pub fn missing_results(criteria: &[CriterionRow], results: &[ResultEntry]) -> Vec<FieldError> {
    criteria
        .iter()
        .filter(|c| !results.iter().any(|r| r.criterion_code == c.code))
        .map(|c| {
            FieldError::new(
                "/results",
                "MISSING_RESULT",
                msg!("result-missing", code = &c.code),
            )
        })
        .collect()
}
