-- Criteria measured from the data: a criterion may name what the service
-- measures for it (a metric of the subject's subtree, or the share of a
-- clan's or village's households recognised as learning families) and the
-- threshold the measured value must reach (NULL with a measure: the
-- subject's own target for that metric and year).
ALTER TABLE criteria ADD COLUMN measure TEXT CHECK (measure IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'recognised_family_ratio', 'recognised_clan_ratio', 'recognised_community_ratio', 'member_households_recognised_ratio'));
ALTER TABLE criteria ADD COLUMN threshold DOUBLE PRECISION CHECK (threshold >= 0);

-- Targets may be set on the family, clan and community shares too.
ALTER TABLE targets DROP CONSTRAINT targets_metric_check;
ALTER TABLE targets ADD CONSTRAINT targets_metric_check CHECK (metric IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'learning_district_criteria_met', 'recognised_family_ratio', 'recognised_clan_ratio', 'recognised_community_ratio'));
