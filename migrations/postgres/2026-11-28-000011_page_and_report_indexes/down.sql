DROP INDEX associations_subtree;
DROP INDEX yearly_stats_year;
CREATE INDEX yearly_stats_year ON yearly_stats (year, association_id);
DROP INDEX associations_parent_id;
CREATE INDEX associations_parent_id ON associations (parent_id);
DROP INDEX associations_level;
CREATE INDEX associations_level ON associations (level);
