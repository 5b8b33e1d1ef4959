//! The bodies of the HTTP handlers of a [`Resource`]: each resource's
//! handlers keep their routes and OpenAPI descriptions and call these.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::export::{self, Listing};
use super::Resource;
use crate::auth::Caller;
use crate::db::{Db, DbConnection};
use crate::error::ApiError;
use crate::http::ids::Id;
use crate::http::paging::{self, Page, PageRequest};
use crate::http::preconditions::{created_response, resource_response, IfMatch};

/// A record as the API serves it.
pub trait Served: Sized + Send + 'static {
    /// The collection's path: `/api/v1/units`.
    const COLLECTION: &'static str;
    type Json: Serialize;
    /// The columns of its CSV form: members of the JSON form, in order (an
    /// array or object member is written as its JSON text).
    const COLUMNS: &'static [&'static str];
    /// The record as `caller` may see it: personal fields only for roles
    /// that edit.
    fn present(self, caller: &Caller) -> Self::Json;
}

/// 200 with the record and its `ETag`.
pub fn respond<R: Resource + Served>(req: &HttpRequest, caller: &Caller, row: R) -> HttpResponse {
    let version = row.version();
    resource_response(req, StatusCode::OK, version, &row.present(caller))
}

/// 201 with the record, its `Location` and `ETag`.
pub fn respond_created<R: Resource + Served>(
    req: &HttpRequest,
    caller: &Caller,
    row: R,
) -> HttpResponse {
    let location = format!("{}/{}", R::COLLECTION, row.id());
    let version = row.version();
    created_response(req, &location, version, &row.present(caller))
}

pub async fn get_one<R: Resource + Served>(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    id: Id,
) -> Result<HttpResponse, ApiError> {
    let scope = caller.scope_path().map(str::to_owned);
    let (row, _) = db
        .run(move |conn| super::get_visible::<R>(conn, scope.as_deref(), &id))
        .await?;
    Ok(respond(req, caller, row))
}

/// Creates a record from validated fields (editors and admins).
pub async fn create_row<R: Resource + Served>(
    db: &Db,
    caller: &Caller,
    fields: R::Fields,
) -> Result<R, ApiError> {
    caller.require_editor()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| super::create(conn, &actor, scope.as_deref(), fields.clone()))
        .await
}

/// Applies a merge patch (`apply`) to a record (editors and admins).
pub async fn update_row<R: Resource + Served>(
    db: &Db,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
    apply: impl Fn(R::Fields) -> Result<R::Fields, ApiError> + Send + 'static,
) -> Result<R, ApiError> {
    caller.require_editor()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| super::update(conn, &actor, scope.as_deref(), &id, &if_match, &apply))
        .await
}

/// Deletes a record (editors and admins): 204.
pub async fn delete_one<R: Resource + Served>(
    db: &Db,
    caller: &Caller,
    id: Id,
    if_match: IfMatch,
) -> Result<HttpResponse, ApiError> {
    caller.require_editor()?;
    let (actor, scope) = (caller.actor(), caller.scope_path().map(str::to_owned));
    db.write(move |conn| super::delete::<R>(conn, &actor, scope.as_deref(), &id, &if_match))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A list: one JSON page, or (an export, or `Accept: text/csv` or
/// `application/x-ndjson`) every matching row as a streamed file.
/// `fingerprint` names the filters `fetch` applies.
pub async fn list<R, F>(
    req: &HttpRequest,
    db: &Db,
    caller: &Caller,
    listing: Listing,
    (page_size, page_token): (Option<u32>, Option<&str>),
    fingerprint: String,
    fetch: F,
) -> Result<HttpResponse, ApiError>
where
    R: Served,
    F: Fn(&mut DbConnection, &PageRequest) -> Result<Page<R>, ApiError> + Clone + Send + 'static,
{
    // Page parameters are checked whatever the form, though a file ignores them.
    let page = PageRequest::new(page_size, page_token, &fingerprint)?;
    if let Some(form) = export::negotiate(req, listing)? {
        return export::stream(req, db, caller, form, fingerprint, fetch).await;
    }
    let rows = db.run(move |conn| fetch(conn, &page)).await?;
    let caller = caller.clone();
    Ok(paging::page_response(
        req,
        rows.map(|row| row.present(&caller)),
    ))
}
