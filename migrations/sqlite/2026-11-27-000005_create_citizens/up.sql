-- Citizens (công dân học tập) are people: only what the programme needs.
-- phone and national_id are shown to admins and editors only.
CREATE TABLE citizens (
    id              TEXT PRIMARY KEY NOT NULL,
    external_id     TEXT UNIQUE,
    full_name       TEXT NOT NULL,
    search_text     TEXT NOT NULL,
    birth_year      INTEGER,
    gender          TEXT CHECK (gender IN ('female', 'male', 'other')),
    association_id  TEXT NOT NULL REFERENCES associations (id),
    occupation      TEXT,
    phone           TEXT,
    national_id     TEXT UNIQUE,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL
);
CREATE INDEX citizens_association_id ON citizens (association_id, id);
CREATE INDEX citizens_birth_year ON citizens (birth_year);
CREATE INDEX citizens_search_text ON citizens (search_text);
