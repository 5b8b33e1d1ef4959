//! Yearly statistics: what an association reports for a calendar year
//! (members against population, branches, funds, scholarships).

pub mod api;
pub mod model;
pub mod rules;
