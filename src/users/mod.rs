//! Users: the people and machine clients who sign in through an OpenID
//! Connect provider, each with one role and one scope in the tree as a
//! token has, and the `/me` of every caller.

pub mod api;
pub mod model;
pub mod rules;
