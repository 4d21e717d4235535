ALTER TABLE strategies DROP COLUMN report_cadence;
ALTER TABLE strategies DROP COLUMN spatial_iri;
