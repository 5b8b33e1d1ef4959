DELETE FROM targets WHERE metric NOT IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'learning_district_criteria_met');
ALTER TABLE targets DROP CONSTRAINT targets_metric_check;
ALTER TABLE targets ADD CONSTRAINT targets_metric_check CHECK (metric IN ('membership_ratio', 'recognised_citizen_ratio', 'recognised_unit_ratio', 'communes_good_or_above_ratio', 'learning_district_criteria_met'));
ALTER TABLE criteria DROP COLUMN threshold;
ALTER TABLE criteria DROP COLUMN measure;
