//! Assessments: a subject (an association, a unit, a citizen) assessed
//! against a published criteria set for a year, reviewed by the level above.

pub mod api;
pub mod model;
pub mod rules;
