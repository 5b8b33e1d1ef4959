//! Targets: what an association aims to reach by a year, per metric
//! (35–40 % of the population as members by 2025).

pub mod api;
pub mod model;
pub mod rules;
