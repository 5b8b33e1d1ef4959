//! Learning clans (dòng họ học tập): a clan, or one branch of it, registered
//! with an association; its households are those that name it.

pub mod api;
pub mod model;
pub mod rules;
