-- The territory a strategy covers (a RÚIAN IRI): its open-data datasets
-- take it as their dct:spatial.
ALTER TABLE strategies ADD COLUMN spatial_iri TEXT;
-- How often projects report (monthly, quarterly or yearly): the admin's
-- choice, monthly unless changed.
ALTER TABLE strategies ADD COLUMN report_cadence TEXT NOT NULL DEFAULT 'monthly';
