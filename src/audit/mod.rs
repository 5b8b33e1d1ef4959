//! The audit trail: one row per write, recorded in the write's own
//! transaction, read through `GET /api/v1/audit-events`, never changed.

pub mod api;
pub mod model;
