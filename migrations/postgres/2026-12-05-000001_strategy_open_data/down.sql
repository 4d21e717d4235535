ALTER TABLE strategies DROP COLUMN spatial_iri;
