//! khuyenhoc: the REST/JSON API of Vietnam's learning-promotion associations.

pub mod assessments;
pub mod associations;
pub mod audit;
pub mod auth;
pub mod changes;
pub mod check;
pub mod citizens;
pub mod clans;
pub mod communities;
pub mod config;
pub mod criteria_sets;
pub mod db;
pub mod error;
pub mod health;
pub mod households;
pub mod http;
pub mod imports;
pub mod openapi;
pub mod reports;
pub mod resource;
pub mod startup;
pub mod targets;
pub mod text;
pub mod tokens;
pub mod units;
pub mod yearly_stats;
