CREATE TABLE targets_old (
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
INSERT INTO targets_old SELECT id, association_id, metric, year, min_value, max_value, note, version, created_at, updated_at FROM targets
    WHERE metric IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'learning_district_criteria_met');
DROP TABLE targets;
ALTER TABLE targets_old RENAME TO targets;
ALTER TABLE criteria DROP COLUMN threshold;
ALTER TABLE criteria DROP COLUMN measure;
