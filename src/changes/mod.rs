//! The change feed: every create, update and delete of every resource, in
//! commit order, for clients that keep a copy in sync (a ministry's nightly
//! pull, a district's offline instance).

pub mod api;
pub mod model;
