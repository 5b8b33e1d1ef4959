DROP TABLE households;
DROP TABLE clans;
