-- Datasets and distributions as DCAT-AP 3.0 / DCAT-AP-CZ describe them.
-- Controlled values (themes, frequency, formats, licences, terms of use,
-- RÚIAN territory) are stored as the IRIs the standards use.
CREATE TABLE datasets (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    publisher_id TEXT NOT NULL REFERENCES publishers(id),
    status TEXT NOT NULL,
    title_cs TEXT NOT NULL,
    title_en TEXT,
    description_cs TEXT NOT NULL,
    description_en TEXT,
    frequency_iri TEXT NOT NULL,
    spatial_iri TEXT NOT NULL,
    temporal_start TEXT,
    temporal_end TEXT,
    contact_name TEXT,
    contact_email TEXT,
    documentation_url TEXT,
    is_example BOOLEAN NOT NULL DEFAULT 0,
    withdrawn_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX datasets_publisher ON datasets(publisher_id);
CREATE INDEX datasets_status ON datasets(status);

CREATE TABLE dataset_themes (
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    iri TEXT NOT NULL,
    PRIMARY KEY (dataset_id, iri)
);
CREATE INDEX dataset_themes_iri ON dataset_themes(iri);

CREATE TABLE dataset_keywords (
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    lang TEXT NOT NULL,
    keyword TEXT NOT NULL,
    PRIMARY KEY (dataset_id, lang, keyword)
);
CREATE INDEX dataset_keywords_keyword ON dataset_keywords(keyword);

CREATE TABLE distributions (
    id TEXT PRIMARY KEY NOT NULL,
    dataset_id TEXT NOT NULL REFERENCES datasets(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    title_cs TEXT NOT NULL,
    title_en TEXT,
    download_url TEXT,
    access_url TEXT NOT NULL,
    media_type TEXT NOT NULL,
    format_iri TEXT NOT NULL,
    byte_size BIGINT,
    licence_iri TEXT,
    tou_author_work TEXT NOT NULL,
    tou_db_author_work TEXT NOT NULL,
    tou_db_sui_generis TEXT NOT NULL,
    tou_personal_data TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (dataset_id, position)
);
CREATE INDEX distributions_format ON distributions(format_iri);
CREATE INDEX distributions_licence ON distributions(licence_iri);
