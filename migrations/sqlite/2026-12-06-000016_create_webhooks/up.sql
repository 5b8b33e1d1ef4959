-- Webhook subscriptions: a receiver's URL, the events it wants and the part
-- of the tree it covers (null: the whole tree). The change feed is their
-- outbox: `cursor_seq` is the `seq` of the last event handled (delivered, or
-- passed over as not wanted), so a restart resumes there. `failures`,
-- `failing_since` and `next_attempt_at` hold the retries of the next event;
-- `lease_owner` and `lease_until` let one dispatcher at a time deliver to a
-- subscription, whatever the number of instances. The signing secret is kept
-- as it is given (a signature needs it); the previous one still signs until
-- `previous_secret_until` after a rotation.
CREATE TABLE webhooks (
    id                     TEXT PRIMARY KEY NOT NULL,
    url                    TEXT NOT NULL,
    description            TEXT,
    event_types            TEXT NOT NULL,
    association_id         TEXT REFERENCES associations (id),
    secret                 TEXT NOT NULL,
    previous_secret        TEXT,
    previous_secret_until  TIMESTAMP,
    status                 TEXT NOT NULL CHECK (status IN ('active', 'paused', 'disabled')),
    disabled_reason        TEXT,
    cursor_seq             BIGINT NOT NULL,
    failures               INTEGER NOT NULL,
    failing_since          TIMESTAMP,
    next_attempt_at        TIMESTAMP,
    redelivery_due         BOOLEAN NOT NULL,
    lease_owner            TEXT,
    lease_until            TIMESTAMP,
    version                BIGINT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL
);
CREATE INDEX webhooks_association_id ON webhooks (association_id);
CREATE INDEX webhooks_due ON webhooks (status, next_attempt_at);

-- The delivery log: one row per attempt (a redelivery asked for is a row
-- `scheduled` until it is sent). `message_id` is the `webhook-id` header:
-- the same for every attempt at one event.
CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY NOT NULL,
    webhook_id       TEXT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    seq              BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    message_id       TEXT NOT NULL,
    attempt          INTEGER NOT NULL,
    outcome          TEXT NOT NULL CHECK (outcome IN ('delivered', 'failed', 'gave_up', 'scheduled')),
    status_code      INTEGER,
    error            TEXT,
    duration_ms      INTEGER,
    attempted_at     TIMESTAMP,
    next_attempt_at  TIMESTAMP,
    redelivery       BOOLEAN NOT NULL
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (webhook_id, id);
