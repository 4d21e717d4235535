PRAGMA foreign_keys = OFF;
BEGIN;
CREATE TABLE harvest_sources_old (
    id TEXT PRIMARY KEY NOT NULL,
    location TEXT NOT NULL UNIQUE,
    publisher_id TEXT NOT NULL REFERENCES publishers(id),
    created_at TIMESTAMP NOT NULL,
    last_harvested_at TIMESTAMP,
    last_report TEXT
);
INSERT INTO harvest_sources_old (id, location, publisher_id, created_at, last_harvested_at, last_report)
    SELECT id, location, publisher_id, created_at, last_harvested_at, last_report FROM harvest_sources;
DROP TABLE harvest_sources;
ALTER TABLE harvest_sources_old RENAME TO harvest_sources;
COMMIT;
PRAGMA foreign_keys = ON;
