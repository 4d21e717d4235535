-- A distribution that is a file the portal stores has its SHA-256
-- (spdx:checksum); a link typed by a curator has none.
ALTER TABLE distributions ADD COLUMN checksum_sha256 TEXT;

-- Every version of a stored file: the bytes live in the data directory
-- under their SHA-256, this row says which distribution they are and
-- when they came. No foreign key to distributions: a dataset's save
-- rewrites its distribution rows (keeping their ids), and the versions
-- must outlive that.
CREATE TABLE file_versions (
    id TEXT PRIMARY KEY,
    distribution_id TEXT NOT NULL,
    dataset_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    byte_size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    file_name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by TEXT,
    UNIQUE (distribution_id, version)
);
CREATE INDEX file_versions_sha256 ON file_versions (sha256);

-- A tabular file version imported into a table of its own (one per sheet
-- of a workbook), which the table API and the preview read. Only the
-- current version of a distribution has one.
CREATE TABLE data_tables (
    id TEXT PRIMARY KEY,
    distribution_id TEXT NOT NULL,
    file_version INTEGER NOT NULL,
    sheet INTEGER NOT NULL,
    sheet_name TEXT,
    table_name TEXT NOT NULL UNIQUE,
    fields TEXT NOT NULL,
    row_count BIGINT NOT NULL,
    encoding TEXT,
    delimiter TEXT,
    imported_at TIMESTAMP NOT NULL,
    UNIQUE (distribution_id, sheet)
);
