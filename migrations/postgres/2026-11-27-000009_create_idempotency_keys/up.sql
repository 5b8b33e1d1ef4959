-- Idempotency keys of POST requests (72 hours): the first request claims
-- its key (the primary key decides between instances), its write marks
-- `committed` in the write's own transaction, and its answer is stored for
-- a retry to get again. `request_hash` is a SHA-256 of the query and body.
CREATE TABLE idempotency_keys (
    token_id          TEXT NOT NULL,
    method            TEXT NOT NULL,
    path              TEXT NOT NULL,
    idempotency_key   TEXT NOT NULL,
    request_hash      TEXT NOT NULL,
    committed         BOOLEAN NOT NULL DEFAULT FALSE,
    status            INTEGER,
    response_headers  TEXT,
    response_body     TEXT,
    created_at        TIMESTAMP NOT NULL,
    PRIMARY KEY (token_id, method, path, idempotency_key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
