DROP INDEX datasets_origin;
ALTER TABLE datasets DROP COLUMN harvest_source_id;
ALTER TABLE datasets DROP COLUMN origin_iri;
ALTER TABLE datasets DROP COLUMN published_at;
DROP TABLE harvest_sources;
