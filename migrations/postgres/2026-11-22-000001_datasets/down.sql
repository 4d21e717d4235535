DROP TABLE distributions;
DROP TABLE dataset_keywords;
DROP TABLE dataset_themes;
DROP TABLE datasets;
