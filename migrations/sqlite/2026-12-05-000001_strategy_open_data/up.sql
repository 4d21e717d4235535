-- The territory a strategy covers (a RÚIAN IRI): its open-data datasets
-- take it as their dct:spatial.
ALTER TABLE strategies ADD COLUMN spatial_iri TEXT;
