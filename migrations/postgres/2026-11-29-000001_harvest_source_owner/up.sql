-- A harvest source belongs to its publisher: two publishers may harvest the
-- same location, each as a source of its own, and one never takes over the
-- other's.
ALTER TABLE harvest_sources DROP CONSTRAINT harvest_sources_location_key;
CREATE UNIQUE INDEX harvest_sources_publisher_location ON harvest_sources(publisher_id, location);
