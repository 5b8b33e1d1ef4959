//! Webhooks: the change feed pushed to subscribers' receivers, signed as
//! Standard Webhooks says, in order, at least once, and never to an address
//! inside this service's own network.
//!
//! - [`api`]: `/api/v1/webhooks`, subscriptions and their delivery logs;
//! - [`model`]: their rows, and the dispatcher's statements (leases, cursors);
//! - [`dispatcher`]: the loop that sends events and retries them;
//! - [`events`]: event types and the body of a delivery;
//! - [`signing`]: secrets and signatures;
//! - [`address`]: which URLs and addresses may receive.

pub mod address;
pub mod api;
pub mod dispatcher;
pub mod events;
pub mod model;
pub mod signing;
