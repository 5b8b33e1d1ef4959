//! Subscriptions and their delivery log in the database: what the API
//! manages, and the statements of the dispatcher (claiming a subscription's
//! lease, moving its cursor, logging attempts).

use chrono::{NaiveDateTime, TimeDelta};
use diesel::prelude::*;

use super::events::EventTypes;
use crate::associations::model as associations_model;
use crate::audit::model::record;
use crate::auth::Actor;
use crate::changes::model::{self as changes, Change};
use crate::db::schema::associations;
use crate::db::schema::webhook_deliveries::{self, dsl as ddsl};
use crate::db::schema::webhooks::{self, dsl};
use crate::db::{now, DbConnection, MultiBackend};
use crate::error::{ApiError, FieldError};
use crate::http::paging::{Page, PageRequest};
use crate::http::preconditions::IfMatch;
use crate::msg;
use crate::tree;

/// How long the previous secret still signs after a rotation.
pub const ROTATION_OVERLAP: TimeDelta = TimeDelta::days(1);
/// How long the delivery log keeps an attempt.
pub const LOG_KEPT: TimeDelta = TimeDelta::days(30);

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, Identifiable, Selectable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub id: String,
    pub url: String,
    pub description: Option<String>,
    pub event_types: String,
    pub association_id: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<NaiveDateTime>,
    pub status: String,
    pub disabled_reason: Option<String>,
    pub cursor_seq: i64,
    pub failures: i32,
    pub failing_since: Option<NaiveDateTime>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub redelivery_due: bool,
    pub lease_owner: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub version: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl WebhookRow {
    pub fn event_types(&self) -> EventTypes {
        EventTypes::stored(&self.event_types)
    }

    /// The secrets that sign now: the current one, and the previous one
    /// during the overlap after a rotation.
    pub fn signing_secrets(&self, at: NaiveDateTime) -> Vec<&str> {
        let previous = self
            .previous_secret
            .as_deref()
            .filter(|_| self.previous_secret_until.is_some_and(|until| until > at));
        [Some(self.secret.as_str()), previous]
            .into_iter()
            .flatten()
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Queryable, Insertable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub webhook_id: String,
    pub seq: i64,
    pub event_type: String,
    pub message_id: String,
    pub attempt: i32,
    pub outcome: String,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: Option<i32>,
    pub attempted_at: Option<NaiveDateTime>,
    pub next_attempt_at: Option<NaiveDateTime>,
    pub redelivery: bool,
}

/// What a subscription is made of, checked.
#[derive(Debug, Clone)]
pub struct WebhookFields {
    pub url: String,
    pub description: Option<String>,
    pub event_types: EventTypes,
    pub association_id: Option<String>,
}

/// The `webhook-id` of every attempt at the event `seq` for the
/// subscription `webhook_id`: the same across retries and redeliveries.
pub fn message_id(webhook_id: &str, seq: i64) -> String {
    let namespace = uuid::Uuid::try_parse(webhook_id).unwrap_or(uuid::Uuid::NAMESPACE_URL);
    let id = uuid::Uuid::new_v5(&namespace, seq.to_string().as_bytes());
    format!("msg_{}", id.simple())
}

/// The association a subscription covers, checked against the caller's
/// scope: its path, or `None` for the whole tree.
fn scope_of(
    conn: &mut DbConnection,
    caller_scope: Option<&str>,
    association_id: Option<&str>,
) -> Result<Option<String>, ApiError> {
    match association_id {
        Some(id) => match associations_model::find(conn, id)? {
            Some(association) if caller_scope.is_none_or(|s| association.path.starts_with(s)) => {
                Ok(Some(association.path))
            }
            _ => Err(ApiError::validation(vec![FieldError::new(
                "/association_id",
                "NOT_FOUND",
                msg!("association-id-unknown"),
            )])),
        },
        None if caller_scope.is_some() => Err(ApiError::forbidden(
            "OUTSIDE_SCOPE",
            msg!("webhook-whole-tree"),
        )),
        None => Ok(None),
    }
}

fn audit(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    row: &WebhookRow,
    version_before: Option<i64>,
    scope_path: Option<&str>,
) -> Result<(), ApiError> {
    record(
        conn,
        actor,
        Change {
            action,
            resource_type: "webhook",
            resource_id: &row.id,
            version_before,
            version_after: (action != "delete").then_some(row.version),
            scope_path,
        },
    )
}

/// Makes a subscription: it is sent the events committed from now on.
/// Returns its row, whose `secret` the caller sees this once.
pub fn create(
    conn: &mut DbConnection,
    actor: &Actor,
    caller_scope: Option<&str>,
    fields: WebhookFields,
    secret: String,
) -> Result<WebhookRow, ApiError> {
    let scope_path = scope_of(conn, caller_scope, fields.association_id.as_deref())?;
    let now = now();
    let row = WebhookRow {
        id: uuid::Uuid::now_v7().to_string(),
        url: fields.url,
        description: fields.description,
        event_types: fields.event_types.to_stored(),
        association_id: fields.association_id,
        secret,
        previous_secret: None,
        previous_secret_until: None,
        status: "active".to_owned(),
        disabled_reason: None,
        cursor_seq: changes::head(conn)?,
        failures: 0,
        failing_since: None,
        next_attempt_at: None,
        redelivery_due: false,
        lease_owner: None,
        lease_until: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let row: WebhookRow = diesel::insert_into(webhooks::table)
        .values(&row)
        .returning(webhooks::all_columns)
        .get_result(conn)?;
    audit(conn, actor, "create", &row, None, scope_path.as_deref())?;
    Ok(row)
}

/// Subscriptions whose association lies in `scope` (`None`: all).
fn visible(scope: Option<&str>) -> webhooks::BoxedQuery<'static, MultiBackend> {
    let mut query = webhooks::table.into_boxed::<MultiBackend>();
    if let Some(scope) = scope {
        let in_scope = tree::ids_in_subtree(scope).select(associations::id.nullable());
        query = query.filter(dsl::association_id.eq_any(in_scope));
    }
    query
}

/// A subscription the caller may see; 404 otherwise.
pub fn get(conn: &mut DbConnection, scope: Option<&str>, id: &str) -> Result<WebhookRow, ApiError> {
    if uuid::Uuid::try_parse(id).is_err() {
        return Err(ApiError::not_found(msg!("noun-webhook")));
    }
    visible(scope)
        .filter(dsl::id.eq(id.to_owned()))
        .first(conn)
        .optional()?
        .ok_or_else(|| ApiError::not_found(msg!("noun-webhook")))
}

/// One page of subscriptions, oldest first.
pub fn list(
    conn: &mut DbConnection,
    scope: Option<&str>,
    page: &PageRequest,
) -> Result<Page<WebhookRow>, ApiError> {
    let mut query = visible(scope);
    if let Some(cursor) = &page.after {
        query = query.filter(dsl::id.gt(cursor.id.clone()));
    }
    let rows: Vec<WebhookRow> = query
        .order(dsl::id.asc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

/// The subscription `id`, read for a change: checked against `If-Match`
/// and locked until the transaction ends (PostgreSQL), so that the
/// dispatcher's writes and this change follow each other.
fn current(
    conn: &mut DbConnection,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<WebhookRow, ApiError> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query("SELECT 1 FROM webhooks WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::Text, _>(id)
            .execute(pg)?;
    }
    let row = get(conn, scope, id)?;
    if_match.check(row.version)?;
    Ok(row)
}

/// Writes `changed` (one version on from `before`) and audits it as `action`.
fn save(
    conn: &mut DbConnection,
    actor: &Actor,
    action: &'static str,
    before: &WebhookRow,
    mut changed: WebhookRow,
) -> Result<WebhookRow, ApiError> {
    changed.version = before.version + 1;
    changed.updated_at = now();
    let saved: WebhookRow = diesel::update(webhooks::table.find(&before.id))
        .set((
            dsl::url.eq(&changed.url),
            dsl::description.eq(&changed.description),
            dsl::event_types.eq(&changed.event_types),
            dsl::association_id.eq(&changed.association_id),
            dsl::secret.eq(&changed.secret),
            dsl::previous_secret.eq(&changed.previous_secret),
            dsl::previous_secret_until.eq(changed.previous_secret_until),
            dsl::status.eq(&changed.status),
            dsl::disabled_reason.eq(&changed.disabled_reason),
            dsl::failures.eq(changed.failures),
            dsl::failing_since.eq(changed.failing_since),
            dsl::next_attempt_at.eq(changed.next_attempt_at),
            dsl::version.eq(changed.version),
            dsl::updated_at.eq(changed.updated_at),
        ))
        .returning(webhooks::all_columns)
        .get_result(conn)?;
    let scope_path = scope_of(conn, None, saved.association_id.as_deref())?;
    audit(
        conn,
        actor,
        action,
        &saved,
        Some(before.version),
        scope_path.as_deref(),
    )?;
    Ok(saved)
}

/// Changes a subscription's URL, description, events or association
/// (which stays in the caller's scope).
pub fn update(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    apply: &dyn Fn(WebhookFields) -> Result<WebhookFields, ApiError>,
) -> Result<WebhookRow, ApiError> {
    let before = current(conn, scope, id, if_match)?;
    let fields = apply(WebhookFields {
        url: before.url.clone(),
        description: before.description.clone(),
        event_types: before.event_types(),
        association_id: before.association_id.clone(),
    })?;
    scope_of(conn, scope, fields.association_id.as_deref())?;
    let changed = WebhookRow {
        url: fields.url,
        description: fields.description,
        event_types: fields.event_types.to_stored(),
        association_id: fields.association_id,
        ..before.clone()
    };
    if changed == before {
        return Ok(before);
    }
    save(conn, actor, "update", &before, changed)
}

/// What a subscription's status may be changed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    Pause,
    /// From paused or disabled: deliveries start again at the event it
    /// stopped at, with a clean count of failures.
    Resume,
}

pub fn set_status(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    change: StatusChange,
) -> Result<WebhookRow, ApiError> {
    let before = current(conn, scope, id, if_match)?;
    let changed = match change {
        StatusChange::Pause if before.status == "paused" => return Ok(before),
        StatusChange::Resume if before.status == "active" => return Ok(before),
        StatusChange::Pause => WebhookRow {
            status: "paused".to_owned(),
            ..before.clone()
        },
        StatusChange::Resume => WebhookRow {
            status: "active".to_owned(),
            disabled_reason: None,
            failures: 0,
            failing_since: None,
            next_attempt_at: None,
            ..before.clone()
        },
    };
    let action = match change {
        StatusChange::Pause => "pause",
        StatusChange::Resume => "resume",
    };
    save(conn, actor, action, &before, changed)
}

/// A new secret signs from now; the old one also signs for
/// [`ROTATION_OVERLAP`].
pub fn rotate_secret(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
    secret: String,
) -> Result<WebhookRow, ApiError> {
    let before = current(conn, scope, id, if_match)?;
    let changed = WebhookRow {
        previous_secret: Some(before.secret.clone()),
        previous_secret_until: Some(now() + ROTATION_OVERLAP),
        secret,
        ..before.clone()
    };
    save(conn, actor, "rotate_secret", &before, changed)
}

/// Deletes a subscription and its delivery log.
pub fn delete(
    conn: &mut DbConnection,
    actor: &Actor,
    scope: Option<&str>,
    id: &str,
    if_match: &IfMatch,
) -> Result<(), ApiError> {
    let before = current(conn, scope, id, if_match)?;
    let scope_path = scope_of(conn, None, before.association_id.as_deref())?;
    diesel::delete(webhook_deliveries::table.filter(ddsl::webhook_id.eq(id))).execute(conn)?;
    diesel::delete(webhooks::table.find(id)).execute(conn)?;
    audit(
        conn,
        actor,
        "delete",
        &before,
        Some(before.version),
        scope_path.as_deref(),
    )
}

/// One page of a subscription's delivery log, newest first.
pub fn deliveries(
    conn: &mut DbConnection,
    webhook_id: &str,
    page: &PageRequest,
) -> Result<Page<DeliveryRow>, ApiError> {
    let mut query = webhook_deliveries::table
        .filter(ddsl::webhook_id.eq(webhook_id.to_owned()))
        .into_boxed::<MultiBackend>();
    if let Some(cursor) = &page.after {
        query = query.filter(ddsl::id.lt(cursor.id.clone()));
    }
    let rows: Vec<DeliveryRow> = query
        .order(ddsl::id.desc())
        .limit(page.fetch_limit())
        .load(conn)?;
    Ok(page.finish(rows, |row| (Vec::new(), row.id.clone())))
}

/// Asks for the event of the logged attempt `delivery_id` to be sent again
/// (one attempt, outside the subscription's order): the new log row.
pub fn redeliver(
    conn: &mut DbConnection,
    scope: Option<&str>,
    webhook_id: &str,
    delivery_id: &str,
) -> Result<DeliveryRow, ApiError> {
    let hook = current(conn, scope, webhook_id, &IfMatch::Absent)?;
    let not_found = || ApiError::not_found(msg!("noun-delivery"));
    if uuid::Uuid::try_parse(delivery_id).is_err() {
        return Err(not_found());
    }
    let logged: DeliveryRow = webhook_deliveries::table
        .filter(ddsl::webhook_id.eq(webhook_id))
        .filter(ddsl::id.eq(delivery_id))
        .first(conn)
        .optional()?
        .ok_or_else(not_found)?;
    if hook.status != "active" {
        return Err(ApiError::conflict(
            "WEBHOOK_NOT_ACTIVE",
            msg!("webhook-not-active", status = hook.status.clone()),
        ));
    }
    let row = DeliveryRow {
        id: uuid::Uuid::now_v7().to_string(),
        attempt: 1,
        outcome: "scheduled".to_owned(),
        status_code: None,
        error: None,
        duration_ms: None,
        attempted_at: None,
        next_attempt_at: Some(now()),
        redelivery: true,
        ..logged
    };
    diesel::insert_into(webhook_deliveries::table)
        .values(&row)
        .execute(conn)?;
    diesel::update(webhooks::table.find(webhook_id))
        .set(dsl::redelivery_due.eq(true))
        .execute(conn)?;
    Ok(row)
}

// The dispatcher's statements.

/// Subscriptions with work due at `at`: events after their cursor (the
/// feed's head is past it) and no retry waiting, or a redelivery asked
/// for; and no lease held by a live dispatcher.
pub fn due(
    conn: &mut DbConnection,
    at: NaiveDateTime,
    limit: i64,
) -> Result<Vec<String>, ApiError> {
    let head = changes::head(conn)?;
    Ok(webhooks::table
        .filter(dsl::status.eq("active"))
        .filter(
            dsl::cursor_seq
                .lt(head)
                .and(
                    dsl::next_attempt_at
                        .is_null()
                        .or(dsl::next_attempt_at.le(at)),
                )
                .or(dsl::redelivery_due.eq(true)),
        )
        .filter(dsl::lease_until.is_null().or(dsl::lease_until.lt(at)))
        .select(dsl::id)
        .order(dsl::next_attempt_at.asc())
        .limit(limit)
        .load(conn)?)
}

/// A subscription leased to one dispatcher, with the path of the part of
/// the tree it covers (`None`: the whole tree).
#[derive(Debug, Clone)]
pub struct Leased {
    pub row: WebhookRow,
    pub scope_path: Option<String>,
}

/// Takes the lease of subscription `id` for `owner` until `until`, if no
/// live lease holds it: the database decides between instances (one
/// conditional update; the loser changes no row).
pub fn claim(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
    at: NaiveDateTime,
    until: NaiveDateTime,
) -> Result<Option<Leased>, ApiError> {
    let claimed = diesel::update(
        webhooks::table
            .filter(dsl::id.eq(id))
            .filter(dsl::status.eq("active"))
            .filter(dsl::lease_until.is_null().or(dsl::lease_until.lt(at))),
    )
    .set((dsl::lease_owner.eq(owner), dsl::lease_until.eq(until)))
    .returning(webhooks::all_columns)
    .get_result::<WebhookRow>(conn)
    .optional()?;
    let Some(row) = claimed else {
        return Ok(None);
    };
    let scope_path = match &row.association_id {
        Some(association) => Some(associations_model::get(conn, association)?.path),
        None => None,
    };
    Ok(Some(Leased { row, scope_path }))
}

/// Holds the lease on: `None` when `owner` no longer holds it.
pub fn renew(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
    until: NaiveDateTime,
) -> Result<Option<WebhookRow>, ApiError> {
    Ok(diesel::update(
        webhooks::table
            .filter(dsl::id.eq(id))
            .filter(dsl::lease_owner.eq(owner)),
    )
    .set(dsl::lease_until.eq(until))
    .returning(webhooks::all_columns)
    .get_result(conn)
    .optional()?)
}

/// What became of the subscription after an attempt, or a pass over
/// events it does not want.
#[derive(Debug, Clone)]
pub enum Progress {
    /// Handled up to `cursor` (delivered, or not wanted): retries reset.
    Advanced { cursor: i64 },
    /// The next event failed: retry at `next_attempt_at`.
    Retry {
        failing_since: NaiveDateTime,
        next_attempt_at: NaiveDateTime,
    },
    /// Retried for too long: the subscription is disabled.
    Disabled { reason: String },
}

/// Writes `progress` and logs `attempt` (if any) in one transaction,
/// provided `owner` still holds the lease; `false` when it does not (the
/// lease ran out and another dispatcher took it).
pub fn progress(
    conn: &mut DbConnection,
    id: &str,
    owner: &str,
    attempt: Option<&DeliveryRow>,
    progress: &Progress,
) -> Result<bool, ApiError> {
    let held = webhooks::table
        .filter(dsl::id.eq(id))
        .filter(dsl::lease_owner.eq(owner));
    let changed = match progress {
        Progress::Advanced { cursor } => diesel::update(held)
            .set((
                dsl::cursor_seq.eq(*cursor),
                dsl::failures.eq(0),
                dsl::failing_since.eq(None::<NaiveDateTime>),
                dsl::next_attempt_at.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        Progress::Retry {
            failing_since,
            next_attempt_at,
        } => diesel::update(held)
            .set((
                dsl::failures.eq(dsl::failures + 1),
                dsl::failing_since.eq(Some(*failing_since)),
                dsl::next_attempt_at.eq(Some(*next_attempt_at)),
                dsl::lease_owner.eq(None::<String>),
                dsl::lease_until.eq(None::<NaiveDateTime>),
            ))
            .execute(conn)?,
        Progress::Disabled { reason } => diesel::update(held)
            .set((
                dsl::failures.eq(dsl::failures + 1),
                dsl::status.eq("disabled"),
                dsl::disabled_reason.eq(Some(reason)),
                dsl::next_attempt_at.eq(None::<NaiveDateTime>),
                dsl::lease_owner.eq(None::<String>),
                dsl::lease_until.eq(None::<NaiveDateTime>),
                dsl::version.eq(dsl::version + 1),
                dsl::updated_at.eq(now()),
            ))
            .execute(conn)?,
    };
    if changed == 0 {
        return Ok(false);
    }
    if let Some(attempt) = attempt {
        diesel::insert_into(webhook_deliveries::table)
            .values(attempt)
            .execute(conn)?;
    }
    Ok(true)
}

/// Lets go of the lease (nothing more to send now).
pub fn release(conn: &mut DbConnection, id: &str, owner: &str) -> Result<(), ApiError> {
    diesel::update(
        webhooks::table
            .filter(dsl::id.eq(id))
            .filter(dsl::lease_owner.eq(owner)),
    )
    .set((
        dsl::lease_owner.eq(None::<String>),
        dsl::lease_until.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)?;
    Ok(())
}

/// The redeliveries asked for of subscription `id`, oldest first.
pub fn scheduled(conn: &mut DbConnection, id: &str) -> Result<Vec<DeliveryRow>, ApiError> {
    Ok(webhook_deliveries::table
        .filter(ddsl::webhook_id.eq(id))
        .filter(ddsl::outcome.eq("scheduled"))
        .order(ddsl::id.asc())
        .limit(100)
        .load(conn)?)
}

/// Logs the attempt at a redelivery in its scheduled row, and clears the
/// subscription's flag once none is left; `false` without the lease.
pub fn redelivered(
    conn: &mut DbConnection,
    owner: &str,
    attempt: &DeliveryRow,
) -> Result<bool, ApiError> {
    let held = webhooks::table
        .filter(dsl::id.eq(&attempt.webhook_id))
        .filter(dsl::lease_owner.eq(owner));
    if held
        .select(dsl::id)
        .first::<String>(conn)
        .optional()?
        .is_none()
    {
        return Ok(false);
    }
    diesel::update(webhook_deliveries::table.find(&attempt.id))
        .set((
            ddsl::outcome.eq(&attempt.outcome),
            ddsl::status_code.eq(attempt.status_code),
            ddsl::error.eq(&attempt.error),
            ddsl::duration_ms.eq(attempt.duration_ms),
            ddsl::attempted_at.eq(attempt.attempted_at),
            ddsl::next_attempt_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    let left: i64 = webhook_deliveries::table
        .filter(ddsl::webhook_id.eq(&attempt.webhook_id))
        .filter(ddsl::outcome.eq("scheduled"))
        .count()
        .get_result(conn)?;
    if left == 0 {
        diesel::update(webhooks::table.find(&attempt.webhook_id))
            .set(dsl::redelivery_due.eq(false))
            .execute(conn)?;
    }
    Ok(true)
}

/// Forgets the attempts older than [`LOG_KEPT`].
pub fn purge_log(conn: &mut DbConnection) -> Result<usize, ApiError> {
    Ok(diesel::delete(
        webhook_deliveries::table
            .filter(ddsl::attempted_at.lt(now() - LOG_KEPT))
            .filter(ddsl::outcome.ne("scheduled")),
    )
    .execute(conn)?)
}

inventory::submit! {
    crate::resource::dependants::Dependant {
        on: "association",
        order: 90,
        refuse_delete: |conn, id| {
            let count: i64 = webhooks::table
                .filter(dsl::association_id.eq(id))
                .count()
                .get_result(conn)?;
            crate::resource::dependants::refuse_while(count, "HAS_WEBHOOKS", |n| {
                msg!("association-has-webhooks", count = n)
            })
        },
        follow_move: None,
    }
}
