//! Village learning communities (cộng đồng học tập cấp thôn, tổ dân phố):
//! the villages and residential groups of a commune.

pub mod api;
pub mod model;
pub mod rules;
