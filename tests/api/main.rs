//! Integration tests through HTTP. Each test starts the real application on a
//! free loopback port with a fresh database: SQLite always, PostgreSQL when
//! TEST_DATABASE_URL=postgres://… is set.

mod access;
mod assessments;
mod associations;
mod associations_tree;
mod changes;
mod charts_and_prints;
mod citizens;
mod communities;
mod contract;
mod conventions;
mod criteria_sets;
mod export;
mod families;
mod faults;
mod helpers;
mod hostile;
mod idempotency;
mod imports;
mod instance;
mod integrity;
mod languages;
mod layers;
mod measured;
mod node;
mod oidc_provider;
mod operations;
mod paging;
mod python;
mod receiver;
mod reports;
mod running;
mod sign_in;
mod tokens;
mod typed_client;
mod units;
mod users;
mod webhooks;
mod yearly_stats;
