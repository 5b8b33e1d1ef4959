//! Criteria sets: the frameworks assessments are made against (the 19
//! learning-district criteria among them), their criteria, the scoring
//! engine and the built-in templates.

pub mod api;
pub mod criteria_api;
pub mod measure;
pub mod model;
pub mod rules;
pub mod scoring;
pub mod templates;
