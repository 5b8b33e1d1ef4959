-- Covering indexes for the reports (issue 14): a subtree's associations with
-- what the reports need of them, and a year's statistics per association,
-- are read from the index alone, without a visit to each table row.
CREATE INDEX associations_subtree ON associations (path, id, founded_on, dissolved_on);
DROP INDEX yearly_stats_year;
CREATE INDEX yearly_stats_year ON yearly_stats (year, association_id, member_count, population, households,
                                                branch_count, fund_raised_vnd, scholarship_count, scholarship_value_vnd);
-- The children of an association and the associations of a level, a page at
-- a time in name order, read from the index in that order (issue 14).
DROP INDEX associations_parent_id;
CREATE INDEX associations_parent_id ON associations (parent_id, name, id);
DROP INDEX associations_level;
CREATE INDEX associations_level ON associations (level, name, id);
