-- The rest of the DCAT-AP model a curator can enter. EuroVoc concepts are
-- dcat:theme values like the EU data themes, so they live in dataset_themes.
-- The specification the dataset conforms to (dct:conformsTo).
ALTER TABLE datasets ADD COLUMN conforms_to TEXT;
-- Bounding box of the data in WGS 84 degrees (dcat:bbox); all four or none.
ALTER TABLE datasets ADD COLUMN bbox_west DOUBLE PRECISION;
ALTER TABLE datasets ADD COLUMN bbox_south DOUBLE PRECISION;
ALTER TABLE datasets ADD COLUMN bbox_east DOUBLE PRECISION;
ALTER TABLE datasets ADD COLUMN bbox_north DOUBLE PRECISION;
-- The schema a downloadable file follows (dct:conformsTo, DCAT-AP-CZ "schéma").
ALTER TABLE distributions ADD COLUMN conforms_to TEXT;
-- A distribution that is a data service (an API) instead of a file: its
-- endpoint, the endpoint's description and the specification it implements.
ALTER TABLE distributions ADD COLUMN service_endpoint_url TEXT;
ALTER TABLE distributions ADD COLUMN service_description_url TEXT;
ALTER TABLE distributions ADD COLUMN service_conforms_to TEXT;
