DROP INDEX harvest_sources_publisher_location;
ALTER TABLE harvest_sources ADD CONSTRAINT harvest_sources_location_key UNIQUE (location);
