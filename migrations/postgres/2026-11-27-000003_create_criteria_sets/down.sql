DROP TABLE criteria;
DROP TABLE criteria_sets;
