DROP TABLE associations;
