-- A harvest source belongs to its publisher: two publishers may harvest the
-- same location, each as a source of its own, and one never takes over the
-- other's.
PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE harvest_sources_new (
    id TEXT PRIMARY KEY NOT NULL,
    -- URL or file path as the curator gave it; with the publisher, the key.
    location TEXT NOT NULL,
    publisher_id TEXT NOT NULL REFERENCES publishers(id),
    created_at TIMESTAMP NOT NULL,
    last_harvested_at TIMESTAMP,
    -- JSON report of the last run (counts, errors) as the curator saw it.
    last_report TEXT
);
INSERT INTO harvest_sources_new (id, location, publisher_id, created_at, last_harvested_at, last_report)
    SELECT id, location, publisher_id, created_at, last_harvested_at, last_report FROM harvest_sources;
DROP TABLE harvest_sources;
ALTER TABLE harvest_sources_new RENAME TO harvest_sources;
CREATE UNIQUE INDEX harvest_sources_publisher_location ON harvest_sources(publisher_id, location);
COMMIT;
PRAGMA foreign_keys = ON;
