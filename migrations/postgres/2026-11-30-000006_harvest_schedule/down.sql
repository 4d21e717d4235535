ALTER TABLE harvest_sources DROP COLUMN last_error;
ALTER TABLE harvest_sources DROP COLUMN last_attempt_at;
