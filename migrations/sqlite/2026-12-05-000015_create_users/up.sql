-- Users: the people and machine clients who sign in through an OpenID
-- Connect provider. Each has one role and one scope in the tree, as a token
-- has; `identities` are the (issuer, subject) pairs that sign in as it, each
-- linked to one user only. `email` is personal data. A user the audit trail
-- names is deactivated, never deleted.
CREATE TABLE users (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    email           TEXT,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'viewer', 'integration')),
    association_id  TEXT REFERENCES associations (id),
    active          BOOLEAN NOT NULL,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX users_association_id ON users (association_id);

CREATE TABLE user_identities (
    issuer   TEXT NOT NULL,
    subject  TEXT NOT NULL,
    user_id  TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX user_identities_user_id ON user_identities (user_id);

-- The audit trail names the signed-in user who wrote, beside the token.
ALTER TABLE audit_events ADD COLUMN actor_user_id TEXT REFERENCES users (id);
CREATE INDEX audit_events_actor_user_id ON audit_events (actor_user_id, id);
