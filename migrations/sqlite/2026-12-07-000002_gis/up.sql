-- A dataset's GIS layer: imported once, its features stored once in
-- WGS 84 with their bounding boxes, and published from there (GeoJSON
-- and CSV distributions, OGC API Features). One layer a dataset; a new
-- import replaces it. The features of an import are a feature set of
-- their own, written before the layer points at them, so a failed import
-- leaves the old set in place and a reader never sees half of one.
CREATE TABLE gis_layers (
    id TEXT PRIMARY KEY,
    dataset_id TEXT NOT NULL UNIQUE,
    collection TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL,
    feature_set TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_crs TEXT NOT NULL,
    feature_count BIGINT NOT NULL,
    bbox_west REAL NOT NULL,
    bbox_south REAL NOT NULL,
    bbox_east REAL NOT NULL,
    bbox_north REAL NOT NULL,
    fields TEXT NOT NULL,
    time_field TEXT,
    geojson_distribution_id TEXT NOT NULL,
    csv_distribution_id TEXT NOT NULL,
    service_distribution_id TEXT NOT NULL,
    is_example BOOLEAN NOT NULL,
    imported_at TIMESTAMP NOT NULL,
    imported_by TEXT
);

-- One feature: its geometry (GeoJSON text, WGS 84) and properties (a JSON
-- object's text) as they are sent, its bounding box for the spatial index,
-- its time (seconds since 1970, UTC) for datetime queries.
CREATE TABLE gis_features (
    feature_set TEXT NOT NULL,
    fid BIGINT NOT NULL,
    geometry TEXT NOT NULL,
    properties TEXT NOT NULL,
    min_x REAL NOT NULL,
    min_y REAL NOT NULL,
    max_x REAL NOT NULL,
    max_y REAL NOT NULL,
    time_start BIGINT,
    time_end BIGINT,
    PRIMARY KEY (feature_set, fid)
);
