-- What an association reports for a calendar year: its members against the
-- population it serves (always the denominators, never only a percentage),
-- branches, funds and scholarships. Figures are entered where they arise and
-- reports add them up the tree, so a subtree's ratio is a sum over a sum.
CREATE TABLE yearly_stats (
    id                     TEXT PRIMARY KEY NOT NULL,
    association_id         TEXT NOT NULL REFERENCES associations (id),
    year                   INTEGER NOT NULL,
    member_count           BIGINT NOT NULL CHECK (member_count >= 0),
    population             BIGINT CHECK (population >= 0),
    households             BIGINT CHECK (households >= 0),
    branch_count           BIGINT CHECK (branch_count >= 0),
    fund_raised_vnd        BIGINT CHECK (fund_raised_vnd >= 0),
    scholarship_count      BIGINT CHECK (scholarship_count >= 0),
    scholarship_value_vnd  BIGINT CHECK (scholarship_value_vnd >= 0),
    note                   TEXT,
    version                BIGINT NOT NULL,
    created_at             TIMESTAMP NOT NULL,
    updated_at             TIMESTAMP NOT NULL,
    UNIQUE (association_id, year),
    CHECK (population IS NULL OR member_count <= population)
);
-- Reports of one year join the year's rows to the subtree's associations.
CREATE INDEX yearly_stats_year ON yearly_stats (year, association_id);

-- What an association aims to reach by a year, per metric: a floor and an
-- optional ceiling (35–40 % of the population as members by 2025).
CREATE TABLE targets (
    id              TEXT PRIMARY KEY NOT NULL,
    association_id  TEXT NOT NULL REFERENCES associations (id),
    metric          TEXT NOT NULL CHECK (metric IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'learning_district_criteria_met')),
    year            INTEGER NOT NULL,
    min_value       DOUBLE PRECISION NOT NULL,
    max_value       DOUBLE PRECISION,
    note            TEXT,
    version         BIGINT NOT NULL,
    created_at      TIMESTAMP NOT NULL,
    updated_at      TIMESTAMP NOT NULL,
    UNIQUE (association_id, metric, year),
    CHECK (max_value IS NULL OR max_value >= min_value)
);

-- The roll-up of assessments: a year, a set and a subtree, counted by
-- status, rating and recognition without touching the table.
CREATE INDEX assessments_report ON assessments (period, criteria_set_id, subject_association_id, status, rating, recognised);
