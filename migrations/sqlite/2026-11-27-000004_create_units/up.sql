-- Learning units (đơn vị học tập): agencies, schools, enterprises, … in the
-- area of an association. Lists are scoped through the association's path.
CREATE TABLE units (
    id              TEXT PRIMARY KEY NOT NULL,
    code            TEXT UNIQUE,
    name            TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('agency', 'school', 'enterprise', 'armed_forces', 'other')),
    association_id  TEXT NOT NULL REFERENCES associations (id),
    address         TEXT,
    head_name       TEXT,
    staff_count     INTEGER,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX units_association_id ON units (association_id, name, id);
CREATE INDEX units_name ON units (name, id);
CREATE INDEX units_kind ON units (kind);
CREATE INDEX units_search_text ON units (search_text);
