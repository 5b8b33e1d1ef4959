-- Criteria sets are data: versioned by (code, edition), frozen once
-- published. Bands and recognised ratings are small JSON arrays kept with
-- the set (they are always read and replaced whole).
CREATE TABLE criteria_sets (
    id                  TEXT PRIMARY KEY NOT NULL,
    code                TEXT NOT NULL,
    edition             TEXT NOT NULL,
    name                TEXT NOT NULL,
    search_text         TEXT NOT NULL,
    description         TEXT,
    subject_kind        TEXT NOT NULL CHECK (subject_kind IN ('province', 'district', 'commune', 'unit', 'citizen', 'family', 'clan', 'community')),
    issued_by           TEXT,
    legal_basis         TEXT,
    status              TEXT NOT NULL CHECK (status IN ('draft', 'published', 'retired')),
    valid_from          INTEGER,
    valid_to            INTEGER,
    scoring_method      TEXT NOT NULL CHECK (scoring_method IN ('points_bands', 'levels')),
    bands               TEXT NOT NULL,
    recognised_ratings  TEXT NOT NULL,
    is_template         BOOLEAN NOT NULL,
    published_at        TIMESTAMP,
    version             BIGINT NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    updated_at          TIMESTAMP NOT NULL,
    UNIQUE (code, edition)
);
CREATE INDEX criteria_sets_subject_kind ON criteria_sets (subject_kind);
CREATE INDEX criteria_sets_status ON criteria_sets (status);

CREATE TABLE criteria (
    id               TEXT PRIMARY KEY NOT NULL,
    criteria_set_id  TEXT NOT NULL REFERENCES criteria_sets (id),
    code             TEXT NOT NULL,
    title            TEXT NOT NULL,
    description      TEXT,
    group_name       TEXT,
    position         INTEGER NOT NULL,
    max_score        INTEGER NOT NULL,
    min_score        INTEGER,
    required         BOOLEAN NOT NULL,
    level            INTEGER,
    evidence_hint    TEXT,
    version          BIGINT NOT NULL,
    created_at       TIMESTAMP NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    UNIQUE (criteria_set_id, code)
);
CREATE INDEX criteria_order ON criteria (criteria_set_id, position, code);
