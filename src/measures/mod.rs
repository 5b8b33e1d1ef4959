//! Criteria computed from the data: what the service measures for a subject
//! and a year (the shares of learning families, clans, communities, units and
//! citizens in a subtree, the membership ratio, the share of a clan's or
//! village's households recognised as learning families), and the threshold a
//! measured value must reach. Reports, targets, the trend and measured
//! criteria share these figures and their metric codes.

pub mod model;
pub mod rules;
