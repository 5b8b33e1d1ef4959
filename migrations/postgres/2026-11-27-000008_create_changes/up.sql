-- The change feed: one event per create, update or delete of a resource,
-- written in the change's own transaction. Writers take turns for the last
-- step of a transaction that records events (an advisory lock held to the
-- commit), so `seq` order is commit order and a reader paging by `seq`
-- never passes over an event that commits late. `changed_at` is stamped by
-- the database's clock. No personal data: a delete leaves only the type,
-- id and last version (a tombstone).
CREATE TABLE changes (
    seq            BIGSERIAL PRIMARY KEY,
    resource_type  TEXT NOT NULL,
    resource_id    TEXT NOT NULL,
    op             TEXT NOT NULL CHECK (op IN ('upsert', 'delete')),
    version        BIGINT,
    changed_at     TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'utc'),
    scope_path     TEXT COLLATE "C"
);
CREATE INDEX changes_type_seq ON changes (resource_type, seq);
