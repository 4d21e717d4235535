-- A source is harvested again on a schedule: when it was last tried, and
-- why that failed (none: it worked).
ALTER TABLE harvest_sources ADD COLUMN last_attempt_at TIMESTAMP;
ALTER TABLE harvest_sources ADD COLUMN last_error TEXT;
