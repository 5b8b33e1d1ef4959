-- API tokens: only a SHA-256 of the token is stored; the token itself is
-- shown once, when it is made. Tokens are revoked, never deleted, so the
-- audit trail can always name them.
CREATE TABLE api_tokens (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer', 'integration')),
    association_id  TEXT REFERENCES associations (id),
    token_hash      TEXT NOT NULL UNIQUE,
    created_at      TIMESTAMP NOT NULL,
    expires_at      TIMESTAMP,
    last_used_at    TIMESTAMP,
    revoked_at      TIMESTAMP,
    version         BIGINT NOT NULL
);
CREATE INDEX api_tokens_association_id ON api_tokens (association_id);

-- One row per write, in the write's transaction. `id` is a UUIDv7, so id
-- order is the order of writing. `scope_path` is the tree path of the
-- association the change belongs to (null: the whole tree), so a scoped
-- reader sees the events of its subtree with one range scan.
CREATE TABLE audit_events (
    id              TEXT PRIMARY KEY NOT NULL,
    occurred_at     TIMESTAMP NOT NULL,
    actor_token_id  TEXT,
    actor_name      TEXT NOT NULL,
    action          TEXT NOT NULL,
    resource_type   TEXT NOT NULL,
    resource_id     TEXT NOT NULL,
    version_before  BIGINT,
    version_after   BIGINT,
    request_id      TEXT,
    scope_path      TEXT COLLATE "C"
);
CREATE INDEX audit_events_resource ON audit_events (resource_type, resource_id, id);
CREATE INDEX audit_events_actor ON audit_events (actor_token_id, id);
CREATE INDEX audit_events_occurred_at ON audit_events (occurred_at, id);
CREATE INDEX audit_events_scope_path ON audit_events (scope_path);
