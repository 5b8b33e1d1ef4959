-- Learning clans (dòng họ học tập) and families (gia đình học tập). A clan
-- or a household belongs to an association (usually a commune or a branch);
-- each may name the village community it lives in, and a household the clan
-- it belongs to. The references are foreign keys, so that a delete racing a
-- write that names the row is refused by the database.
CREATE TABLE clans (
    id              TEXT PRIMARY KEY NOT NULL,
    name            TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    association_id  TEXT NOT NULL REFERENCES associations (id),
    community_id    TEXT REFERENCES communities (id),
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX clans_association_id ON clans (association_id, name, id);
CREATE INDEX clans_community_id ON clans (community_id);

-- A household: code unique within its association; phone is personal data.
CREATE TABLE households (
    id              TEXT PRIMARY KEY NOT NULL,
    code            TEXT NOT NULL,
    head_name       TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    association_id  TEXT NOT NULL REFERENCES associations (id),
    address         TEXT,
    member_count    INTEGER,
    phone           TEXT,
    clan_id         TEXT REFERENCES clans (id),
    community_id    TEXT REFERENCES communities (id),
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (association_id, code)
);
CREATE INDEX households_association_id ON households (association_id, head_name, id);
CREATE INDEX households_clan_id ON households (clan_id);
CREATE INDEX households_community_id ON households (community_id);
