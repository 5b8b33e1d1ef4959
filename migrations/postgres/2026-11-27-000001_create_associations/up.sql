-- Associations of every level form one tree. The tree is stored as a
-- materialised path: `path` is "/<root id>/.../<own id>/", so a subtree is one
-- range scan on the `path` index ("path > '/a/b/' AND path < '/a/b0'"). The
-- path uses the "C" collation so that its order is byte order, as in SQLite.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE associations (
    id            TEXT PRIMARY KEY NOT NULL,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    search_text   TEXT NOT NULL,
    level         TEXT NOT NULL CHECK (level IN ('central', 'province', 'district', 'commune', 'branch')),
    parent_id     TEXT REFERENCES associations (id),
    path          TEXT COLLATE "C" NOT NULL,
    depth         INTEGER NOT NULL,
    address       TEXT,
    phone         TEXT,
    email         TEXT,
    chair_name    TEXT,
    founded_on    DATE,
    dissolved_on  DATE,
    successor_id  TEXT REFERENCES associations (id),
    version       BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);

CREATE INDEX associations_parent_id ON associations (parent_id);
CREATE UNIQUE INDEX associations_path ON associations (path);
CREATE INDEX associations_name ON associations (name, id);
CREATE INDEX associations_level ON associations (level);
-- `q` is an infix match on the folded text: a trigram index serves it.
CREATE INDEX associations_search_text ON associations USING gin (search_text gin_trgm_ops);
CREATE INDEX associations_updated_at ON associations (updated_at, id);
CREATE INDEX associations_successor_id ON associations (successor_id);
