-- Assessments of a subject (an association, a unit or a citizen) against a
-- published criteria set for one year. Results are replaced whole, so they
-- are kept as a JSON array; the computed outcome is stored beside them for
-- filtering and reports. `subject_association_id` is the association the
-- subject belongs to (itself for an association): subtree filters and scope
-- checks go through it.
CREATE TABLE assessments (
    id                       TEXT PRIMARY KEY NOT NULL,
    criteria_set_id          TEXT NOT NULL REFERENCES criteria_sets (id),
    subject_kind             TEXT NOT NULL CHECK (subject_kind IN ('province', 'district', 'commune', 'unit', 'citizen', 'family', 'clan', 'community')),
    subject_id               TEXT NOT NULL,
    subject_association_id   TEXT NOT NULL REFERENCES associations (id),
    period                   INTEGER NOT NULL,
    assessor_association_id  TEXT NOT NULL REFERENCES associations (id),
    results                  TEXT NOT NULL,
    total_score              INTEGER NOT NULL,
    max_score                INTEGER NOT NULL,
    met_count                INTEGER NOT NULL,
    required_met             BOOLEAN NOT NULL,
    rating                   TEXT NOT NULL CHECK (rating IN ('excellent', 'good', 'fair', 'not_met')),
    recognised               BOOLEAN NOT NULL,
    status                   TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'approved')),
    submitted_at             TIMESTAMP,
    reviewed_at              TIMESTAMP,
    reviewer_note            TEXT,
    version                  BIGINT NOT NULL,
    created_at               TIMESTAMP NOT NULL,
    updated_at               TIMESTAMP NOT NULL,
    UNIQUE (criteria_set_id, subject_kind, subject_id, period)
);
CREATE INDEX assessments_subject_association ON assessments (subject_association_id, period, status, id);
CREATE INDEX assessments_subject ON assessments (subject_kind, subject_id, period);
CREATE INDEX assessments_period ON assessments (period, status, id);
-- The whole-tree filters of a year, in id order (the keyset), so that a page
-- never sorts the year's rows.
CREATE INDEX assessments_period_rating ON assessments (period, rating, id);
CREATE INDEX assessments_period_recognised ON assessments (period, recognised, id);
CREATE INDEX assessments_assessor ON assessments (assessor_association_id);
