//! Delivering the change feed to subscriptions.
//!
//! Each instance runs one dispatcher. It wakes when a write of its own
//! commits events, and every `poll_every` for the writes of other
//! instances and for retries falling due. A subscription with work is
//! leased (`model::claim`: one conditional update, which the database
//! decides between instances) and its events are sent one at a time in
//! `seq` order: the next is sent only once the one before was answered 2xx.
//! After each delivered event the cursor is stored with the attempt, so a
//! restart resumes after the last event answered; an event sent but not yet
//! recorded when a process dies is sent again, with the same `webhook-id`.
//! A failed attempt is retried after an exponential, jittered wait; an
//! event refused for longer than `give_up_after` disables the subscription.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};

use super::address::{self, PublicOnly};
use super::events::{event_type, WebhookEvent};
use super::model::{self, DeliveryRow, Leased, Progress, WebhookRow};
use super::signing::signature_header;
use crate::auth::{Caller, Credential, Role, Scope};
use crate::changes::model::{self as changes, ChangeRow, FeedFilter};
use crate::config::WebhookSettings;
use crate::db::{now, Db};
use crate::error::ApiError;
use crate::resource::readers;

/// Subscriptions one instance delivers to at once.
const AT_ONCE: usize = 16;
/// Events read from the feed at a time for one subscription.
const BATCH: i64 = 100;
/// The most of a receiver's answer that is read (then the answer is dropped).
const ANSWER_READ: usize = 4096;

/// Told when a subscription has work that no commit of events announced
/// (it was resumed, a redelivery was asked for).
static WAKE: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Wakes this instance's dispatcher now rather than at its next poll.
pub fn wake() {
    WAKE.notify_one();
}

/// Starts the dispatcher of this instance on the running system.
pub fn start(db: Db, settings: WebhookSettings) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .dns_resolver(Arc::new(PublicOnly {
            allow_private: settings.allow_private_networks,
        }))
        .timeout(settings.timeout)
        .connect_timeout(settings.timeout)
        .user_agent(concat!("khuyenhoc-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let dispatcher = Arc::new(Dispatcher {
        db,
        settings,
        client,
        owner: uuid::Uuid::now_v7().to_string(),
        busy: Mutex::new(HashSet::new()),
        slots: Arc::new(tokio::sync::Semaphore::new(AT_ONCE)),
    });
    actix_web::rt::spawn(dispatcher.run());
    Ok(())
}

struct Dispatcher {
    db: Db,
    settings: WebhookSettings,
    client: reqwest::Client,
    /// This process's name on the leases it holds.
    owner: String,
    /// The subscriptions this instance is delivering to now.
    busy: Mutex<HashSet<String>>,
    slots: Arc<tokio::sync::Semaphore>,
}

/// What a receiver made of one attempt.
struct Answer {
    status_code: Option<i32>,
    error: Option<String>,
    took: Duration,
}

impl Answer {
    fn delivered(&self) -> bool {
        self.error.is_none()
            && self
                .status_code
                .is_some_and(|code| (200..300).contains(&code))
    }
}

impl Dispatcher {
    async fn run(self: Arc<Self>) {
        let mut last_purge = Instant::now();
        loop {
            if let Err(error) = self.clone().dispatch_due().await {
                log::warn!("webhooks: looking for deliveries due failed: {error}");
            }
            if last_purge.elapsed() > Duration::from_secs(3600) {
                last_purge = Instant::now();
                if let Err(error) = self.db.write(model::purge_log).await {
                    log::warn!("webhooks: purging the delivery log failed: {error}");
                }
            }
            tokio::select! {
                () = changes::next_commit() => {}
                () = WAKE.notified() => {}
                () = tokio::time::sleep(self.settings.poll_every) => {}
            }
        }
    }

    /// The lease: long enough for an attempt and the writes around it.
    fn lease(&self) -> TimeDelta {
        TimeDelta::from_std(self.settings.timeout * 2 + Duration::from_secs(10))
            .unwrap_or(TimeDelta::seconds(30))
    }

    async fn dispatch_due(self: Arc<Self>) -> Result<(), ApiError> {
        let due = self
            .db
            .run(|conn| model::due(conn, now(), 4 * AT_ONCE as i64))
            .await?;
        for id in due {
            if !self.busy.lock().expect("not poisoned").insert(id.clone()) {
                continue;
            }
            let Ok(slot) = self.slots.clone().acquire_owned().await else {
                return Ok(());
            };
            let this = self.clone();
            actix_web::rt::spawn(async move {
                if let Err(error) = this.serve(&id).await {
                    log::warn!("webhooks: delivering to subscription {id} stopped: {error}");
                }
                this.busy.lock().expect("not poisoned").remove(&id);
                drop(slot);
            });
        }
        Ok(())
    }

    /// Takes the lease of subscription `id` and delivers what is due.
    async fn serve(&self, id: &str) -> Result<(), ApiError> {
        let (id, owner) = (id.to_owned(), self.owner.clone());
        let (at, until) = (now(), now() + self.lease());
        let claimed = {
            let (id, owner) = (id.clone(), owner.clone());
            self.db
                .write(move |conn| model::claim(conn, &id, &owner, at, until))
                .await?
        };
        let Some(Leased { row, scope_path }) = claimed else {
            return Ok(()); // another instance holds it
        };
        let caller = reader(&row, scope_path.clone());
        if row.redelivery_due && !self.redeliver(&row, &caller).await? {
            return Ok(());
        }
        let result = self.deliver_in_order(row, scope_path, &caller).await;
        // Whatever happened, the lease goes back (a retry waits in `next_attempt_at`).
        let _ = self
            .db
            .write(move |conn| model::release(conn, &id, &owner))
            .await;
        result
    }

    /// Sends the subscription's events after its cursor, in order, until
    /// none is left, one fails, or the lease is lost.
    async fn deliver_in_order(
        &self,
        mut row: WebhookRow,
        scope_path: Option<String>,
        caller: &Caller,
    ) -> Result<(), ApiError> {
        let wanted = row.event_types();
        let filter = FeedFilter {
            types: wanted.resource_types(),
            scope: scope_path,
        };
        loop {
            let (after, filter) = (row.cursor_seq, filter.clone());
            let (head, batch) = self
                .db
                .run(move |conn| {
                    // The head first: every event up to it has committed, so
                    // a short batch means there is nothing more up to it.
                    let head = changes::head(conn)?;
                    Ok((head, changes::list(conn, &filter, after, BATCH)?))
                })
                .await?;
            let complete = (batch.len() as i64) < BATCH;
            let mut cursor = row.cursor_seq;
            for event in batch {
                if !wanted.wants(&event.resource_type, &event.op) {
                    cursor = event.seq;
                    continue;
                }
                let seq = event.seq;
                let (attempt, progress) = self.attempt(&row, event, caller).await?;
                let delivered = matches!(progress, Progress::Advanced { .. });
                match self.record(&row, Some(attempt), progress).await? {
                    Some(current) if delivered && still_the_same(&row, &current) => {
                        row = current;
                        cursor = seq;
                    }
                    _ => return Ok(()),
                }
            }
            let cursor = if complete { cursor.max(head) } else { cursor };
            if cursor > row.cursor_seq {
                // Events passed over (not wanted), or up to the head.
                match self
                    .record(&row, None, Progress::Advanced { cursor })
                    .await?
                {
                    Some(current) if still_the_same(&row, &current) => row = current,
                    _ => return Ok(()),
                }
            }
            if complete {
                return Ok(());
            }
        }
    }

    /// Writes an attempt and the subscription's progress; the subscription
    /// as it is now, or `None` when the lease was lost.
    async fn record(
        &self,
        row: &WebhookRow,
        attempt: Option<DeliveryRow>,
        progress: Progress,
    ) -> Result<Option<WebhookRow>, ApiError> {
        let (id, owner, until) = (row.id.clone(), self.owner.clone(), now() + self.lease());
        self.db
            .write(move |conn| {
                if !model::progress(conn, &id, &owner, attempt.as_ref(), &progress)? {
                    return Ok(None);
                }
                model::renew(conn, &id, &owner, until)
            })
            .await
    }

    /// One attempt at `event`: its log row, and what follows for the
    /// subscription.
    async fn attempt(
        &self,
        row: &WebhookRow,
        event: ChangeRow,
        caller: &Caller,
    ) -> Result<(DeliveryRow, Progress), ApiError> {
        let (seq, kind) = (event.seq, event_type(&event));
        let answer = self.send(row, event, caller).await?;
        let at = now();
        let mut attempt = DeliveryRow {
            id: uuid::Uuid::now_v7().to_string(),
            webhook_id: row.id.clone(),
            seq,
            event_type: kind,
            message_id: model::message_id(&row.id, seq),
            attempt: row.failures + 1,
            outcome: "delivered".to_owned(),
            status_code: answer.status_code,
            error: answer.error.clone(),
            duration_ms: Some(answer.took.as_millis().min(i32::MAX as u128) as i32),
            attempted_at: Some(at),
            next_attempt_at: None,
            redelivery: false,
        };
        if answer.delivered() {
            return Ok((attempt, Progress::Advanced { cursor: seq }));
        }
        let failing_since = row.failing_since.unwrap_or(at);
        let give_up =
            TimeDelta::from_std(self.settings.give_up_after).unwrap_or(TimeDelta::days(1));
        if at - failing_since >= give_up {
            attempt.outcome = "gave_up".to_owned();
            let reason = format!(
                "event {seq} ({}) was not accepted for {} attempts since {}: {}",
                attempt.event_type,
                attempt.attempt,
                failing_since.and_utc().format("%Y-%m-%dT%H:%M:%SZ"),
                describe(&answer),
            );
            return Ok((attempt, Progress::Disabled { reason }));
        }
        let wait = backoff(&self.settings, attempt.attempt);
        let next_attempt_at = at + TimeDelta::from_std(wait).unwrap_or(TimeDelta::hours(1));
        attempt.outcome = "failed".to_owned();
        attempt.next_attempt_at = Some(next_attempt_at);
        Ok((
            attempt,
            Progress::Retry {
                failing_since,
                next_attempt_at,
            },
        ))
    }

    /// Sends the redeliveries asked for; `false` when the lease was lost.
    async fn redeliver(&self, row: &WebhookRow, caller: &Caller) -> Result<bool, ApiError> {
        let id = row.id.clone();
        let scheduled = self.db.run(move |conn| model::scheduled(conn, &id)).await?;
        for mut attempt in scheduled {
            let seq = attempt.seq;
            let event = self.db.run(move |conn| changes::find(conn, seq)).await?;
            let answer = match event {
                Some(event) => self.send(row, event, caller).await?,
                None => Answer {
                    status_code: None,
                    error: Some(format!("event {seq} is no longer kept")),
                    took: Duration::ZERO,
                },
            };
            attempt.outcome = if answer.delivered() {
                "delivered"
            } else {
                "failed"
            }
            .to_owned();
            attempt.status_code = answer.status_code;
            attempt.error = answer.error;
            attempt.duration_ms = Some(answer.took.as_millis().min(i32::MAX as u128) as i32);
            attempt.attempted_at = Some(now());
            let owner = self.owner.clone();
            if !self
                .db
                .write(move |conn| model::redelivered(conn, &owner, &attempt))
                .await?
            {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// POSTs `event` to the subscription's URL, signed.
    async fn send(
        &self,
        row: &WebhookRow,
        event: ChangeRow,
        caller: &Caller,
    ) -> Result<Answer, ApiError> {
        let started = Instant::now();
        let refused = |error: String| Answer {
            status_code: None,
            error: Some(error),
            took: started.elapsed(),
        };
        // Checked again at each attempt: the rule may be stricter now than
        // when the subscription was made.
        let url = match address::check_url(&row.url, self.settings.allow_private_networks) {
            Ok(url) => url,
            Err(refusal) => return Ok(refused(format!("not sent: {refusal}"))),
        };
        let seq = event.seq;
        let record = if event.op == "delete" {
            None
        } else {
            let (caller, kind, id) = (
                caller.clone(),
                event.resource_type.clone(),
                event.resource_id.clone(),
            );
            self.db
                .run(move |conn| readers::read(conn, &caller, &kind, &id))
                .await?
        };
        let body =
            serde_json::to_vec(&WebhookEvent::new(event, record)).map_err(ApiError::internal)?;
        let message_id = model::message_id(&row.id, seq);
        let timestamp = Utc::now().timestamp();
        let signature = signature_header(row.signing_secrets(now()), &message_id, timestamp, &body);
        let sent = self
            .client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(error) => return Ok(refused(explain(&error, self.settings.timeout))),
        };
        let status = response.status().as_u16();
        // Read a little of the answer (a receiver may send more than anyone
        // needs), then let it go.
        let (mut response, mut read) = (response, 0);
        while read < ANSWER_READ {
            match response.chunk().await {
                Ok(Some(chunk)) => read += chunk.len(),
                _ => break,
            }
        }
        Ok(Answer {
            status_code: Some(i32::from(status)),
            error: None,
            took: started.elapsed(),
        })
    }
}

/// Whether delivering may go on as begun: the subscription is active and
/// wants the same events of the same part of the tree (else its next
/// lease starts over with what it says now).
fn still_the_same(before: &WebhookRow, now: &WebhookRow) -> bool {
    now.status == "active"
        && now.association_id == before.association_id
        && now.event_types == before.event_types
}

/// Reads records as an integration token of the subscription's scope does.
fn reader(row: &WebhookRow, scope_path: Option<String>) -> Caller {
    Caller {
        credential: Credential::CommandLine,
        name: format!("webhook {}", row.id),
        role: Role::Integration,
        scope: row
            .association_id
            .clone()
            .zip(scope_path)
            .map(|(association_id, path)| Scope {
                association_id,
                path,
            }),
    }
}

/// The wait before attempt `attempt + 1`: the first wait doubled for each
/// attempt before, up to the longest; then between half and all of it, at
/// random, so that receivers coming back are not met by every sender at once.
pub fn backoff(settings: &WebhookSettings, attempt: i32) -> Duration {
    let doublings = u32::try_from(attempt.saturating_sub(1))
        .unwrap_or(0)
        .min(30);
    let full = settings
        .first_wait
        .saturating_mul(1 << doublings)
        .min(settings.longest_wait);
    let mut random = [0u8; 8];
    let _ = getrandom::fill(&mut random);
    let fraction = (u64::from_le_bytes(random) % 1000) as f64 / 1000.0;
    full.mul_f64(0.5 + fraction / 2.0)
}

fn describe(answer: &Answer) -> String {
    match (&answer.error, answer.status_code) {
        (Some(error), _) => error.clone(),
        (None, Some(code)) => format!("answered {code}"),
        (None, None) => "no answer".to_owned(),
    }
}

/// A failed request in a few words (the URL is the subscriber's own).
fn explain(error: &reqwest::Error, timeout: Duration) -> String {
    if error.is_timeout() {
        return format!("no answer within {} s", timeout.as_secs());
    }
    let mut cause: &dyn std::error::Error = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    if error.is_connect() {
        format!("could not connect: {cause}")
    } else {
        cause.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_double_with_jitter_up_to_the_longest() {
        let settings = WebhookSettings {
            first_wait: Duration::from_secs(10),
            longest_wait: Duration::from_secs(3600),
            ..Default::default()
        };
        for attempt in 1..=20 {
            let full = (10u64 << (attempt - 1).min(30)).min(3600);
            let wait = backoff(&settings, attempt).as_secs_f64();
            assert!(
                wait >= full as f64 / 2.0 && wait <= full as f64,
                "attempt {attempt}: {wait}"
            );
        }
        let waits: HashSet<u128> = (0..20).map(|_| backoff(&settings, 5).as_millis()).collect();
        assert!(waits.len() > 1, "no jitter");
    }
}
