-- The change feed: one event per create, update or delete of a resource,
-- written in the change's own transaction. SQLite has one writer at a time,
-- so `seq` order is commit order. A rowid key takes the largest plus one;
-- events are never deleted from the newest end, so no number comes twice.
-- `changed_at` is stamped by the database's clock. No personal data: a
-- delete leaves only the type, id and last version (a tombstone).
CREATE TABLE changes (
    seq            INTEGER PRIMARY KEY NOT NULL,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    op             TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    version        BIGINT,
    changed_at     TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now')),
    scope_path     TEXT
);
CREATE INDEX changes_type_seq ON changes (resource_type, seq);
