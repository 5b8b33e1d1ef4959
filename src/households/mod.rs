//! Families (gia đình học tập): the households registered with an
//! association, usually a commune or a branch. A household's phone is
//! personal data.

pub mod api;
pub mod model;
pub mod rules;
