//! Associations: the tree of learning-promotion associations, every level in
//! one flat collection.

pub mod api;
pub mod model;
pub mod rules;
