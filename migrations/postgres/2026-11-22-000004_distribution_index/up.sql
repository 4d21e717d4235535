-- The dataset page and the projection load a dataset's distributions by it,
-- and the list's format and licence filters probe it per candidate dataset
-- without reading the rows; the list's filters check a candidate's status and
-- sort by title from the second index alone.
CREATE INDEX distributions_dataset ON distributions(dataset_id, format_iri, licence_iri);
CREATE INDEX datasets_listing ON datasets(id, status, title_cs);
