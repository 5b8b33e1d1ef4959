//! API tokens: bearer credentials with a role and a scope in the tree.

pub mod api;
pub mod model;
