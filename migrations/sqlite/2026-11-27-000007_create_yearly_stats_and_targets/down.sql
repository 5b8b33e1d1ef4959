DROP INDEX assessments_report;
DROP TABLE targets;
DROP TABLE yearly_stats;
