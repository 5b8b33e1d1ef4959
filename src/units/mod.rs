//! Learning units (đơn vị học tập): agencies, schools, enterprises and others
//! in the area of an association.

pub mod api;
pub mod model;
pub mod rules;
