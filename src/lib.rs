//! khuyenhoc: the REST/JSON API of Vietnam's learning-promotion associations.
//!
//! The modules stand in four layers, each importing only from the layers
//! below it (and, in the domain, from a record it names); `ARCHITECTURE.md`
//! maps them and `tests/api/layers.rs` keeps the direction.

// Foundation: knows no resource.
pub mod config;
pub mod context;
pub mod db;
pub mod error;
pub mod http;
pub mod messages;
pub mod text;

// Platform: knows no particular resource.
pub mod audit;
pub mod auth;
pub mod changes;
pub mod health;
pub mod idempotency;
pub mod journal;
pub mod openapi;
pub mod resource;
pub mod tree;

// Domain: the records of the field and their rules.
pub mod assessments;
pub mod associations;
pub mod citizens;
pub mod clans;
pub mod communities;
pub mod criteria_sets;
pub mod households;
pub mod measures;
pub mod targets;
pub mod tokens;
pub mod units;
pub mod users;
pub mod yearly_stats;

// Edges: what the outside world reaches.
pub mod check;
pub mod imports;
pub mod reports;
pub mod startup;
pub mod webhooks;
