DROP TABLE data_tables;
DROP TABLE file_versions;
ALTER TABLE distributions DROP COLUMN checksum_sha256;
