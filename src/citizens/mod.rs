//! Citizens (công dân học tập): the people assessed as learning citizens.
//! Their data is personal: kept to what the programme needs, shown only to
//! those whose scope covers them, never logged.

pub mod api;
pub mod model;
pub mod rules;
