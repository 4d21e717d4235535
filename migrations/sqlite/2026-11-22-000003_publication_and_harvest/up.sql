-- Other DCAT catalogs a curator harvests into this one (a municipality's LKOD, say).
CREATE TABLE harvest_sources (
    id TEXT PRIMARY KEY NOT NULL,
    -- URL or file path as the curator gave it; the key of the source.
    location TEXT NOT NULL UNIQUE,
    publisher_id TEXT NOT NULL REFERENCES publishers(id),
    created_at TIMESTAMP NOT NULL,
    last_harvested_at TIMESTAMP,
    -- JSON report of the last run (counts, errors) as the curator saw it.
    last_report TEXT
);

-- First publication, for dct:issued (the record's created_at may be a draft's).
ALTER TABLE datasets ADD COLUMN published_at TIMESTAMP;
-- The IRI the dataset had in the catalog it was harvested from, and that catalog.
ALTER TABLE datasets ADD COLUMN origin_iri TEXT;
ALTER TABLE datasets ADD COLUMN harvest_source_id TEXT REFERENCES harvest_sources(id);
CREATE UNIQUE INDEX datasets_origin ON datasets(harvest_source_id, origin_iri);
