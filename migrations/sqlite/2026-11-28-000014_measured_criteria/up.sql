-- Criteria measured from the data: a criterion may name what the service
-- measures for it (a metric of the subject's subtree, or the share of a
-- clan's or village's households recognised as learning families) and the
-- threshold the measured value must reach (NULL with a measure: the
-- subject's own target for that metric and year).
ALTER TABLE criteria ADD COLUMN measure TEXT CHECK (measure IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'recognised_family_ratio', 'recognised_clan_ratio', 'recognised_community_ratio', 'member_households_recognised_ratio'));
ALTER TABLE criteria ADD COLUMN threshold DOUBLE PRECISION CHECK (threshold >= 0);

-- Targets may be set on the family, clan and community shares too. SQLite
-- cannot change a CHECK in place: the table is copied into its new shape.
CREATE TABLE targets_new (
    id              TEXT PRIMARY KEY NOT NULL,
    association_id  TEXT NOT NULL REFERENCES associations (id),
    metric          TEXT NOT NULL CHECK (metric IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'learning_district_criteria_met', 'recognised_family_ratio', 'recognised_clan_ratio', 'recognised_community_ratio')),
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
INSERT INTO targets_new SELECT id, association_id, metric, year, min_value, max_value, note, version, created_at, updated_at FROM targets;
DROP TABLE targets;
ALTER TABLE targets_new RENAME TO targets;
