-- Village learning communities (cộng đồng học tập cấp thôn, tổ dân phố): a
-- village or residential group under a commune association. Its code is
-- unique within the association; household_count and population are what
-- the commune states (households registered one by one are counted apart).
CREATE TABLE communities (
    id               TEXT PRIMARY KEY NOT NULL,
    code             TEXT NOT NULL,
    name             TEXT NOT NULL,
    search_text      TEXT NOT NULL,
    kind             TEXT NOT NULL CHECK (kind IN ('village', 'mountain_village', 'hamlet', 'residential_group', 'other')),
    association_id   TEXT NOT NULL REFERENCES associations (id),
    household_count  INTEGER,
    population       INTEGER,
    version          BIGINT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (association_id, code)
);
CREATE INDEX communities_association_id ON communities (association_id, name, id);
CREATE INDEX communities_name ON communities (name, id);
CREATE INDEX communities_search_text ON communities (search_text);
