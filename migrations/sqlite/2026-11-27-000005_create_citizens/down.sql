DROP TABLE citizens;
