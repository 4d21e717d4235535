-- The sensor registry (OGC SensorThings' Things with their Location,
-- Sensors, ObservedProperties and Datastreams) and the observations.
-- SensorThings ids are integers (`@iot.id`), so the registry's keys are;
-- the registry's audited write assigns the next one.
-- Times are microseconds since 1970 (UTC) in a 64-bit integer, on both
-- backends: one schema, and the narrow observation key stays two integers.

CREATE TABLE sensor_things (
    id BIGINT PRIMARY KEY NOT NULL,
    publisher_id TEXT NOT NULL,
    dataset_id TEXT,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    properties TEXT NOT NULL,
    longitude DOUBLE NOT NULL,
    latitude DOUBLE NOT NULL,
    location_name TEXT NOT NULL,
    is_example BOOLEAN NOT NULL,
    accepted BIGINT NOT NULL DEFAULT 0,
    duplicates BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    flagged BIGINT NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sensor_things_dataset ON sensor_things (dataset_id);

CREATE TABLE sensor_datastreams (
    id BIGINT PRIMARY KEY NOT NULL,
    thing_id BIGINT NOT NULL REFERENCES sensor_things (id),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    -- The observed property (a URI, such as a QUDT or EEA vocabulary
    -- term) and its name; the unit in UCUM with its symbol and name.
    property_uri TEXT NOT NULL,
    property_name TEXT NOT NULL,
    unit_ucum TEXT NOT NULL,
    unit_symbol TEXT NOT NULL,
    unit_name TEXT NOT NULL,
    sensor_name TEXT NOT NULL,
    sensor_metadata TEXT NOT NULL,
    valid_min DOUBLE,
    valid_max DOUBLE,
    alert_above DOUBLE,
    alert_below DOUBLE,
    expected_interval_s BIGINT,
    -- Maintained as observations arrive: the count and the time span,
    -- so `$count` and a datastream's phenomenonTime need no scan.
    observation_count BIGINT NOT NULL DEFAULT 0,
    first_time BIGINT,
    last_time BIGINT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX sensor_datastreams_thing ON sensor_datastreams (thing_id);

-- One observation per datastream and time; quality 0 good, 1 outside the
-- valid range (kept, shown as suspect). WITHOUT ROWID: the key is the
-- table, so a range of one datastream is one contiguous read.
CREATE TABLE sensor_observations (
    datastream BIGINT NOT NULL,
    time BIGINT NOT NULL,
    value DOUBLE NOT NULL,
    quality SMALLINT NOT NULL,
    PRIMARY KEY (datastream, time)
) WITHOUT ROWID;

-- The latest observation of every datastream.
CREATE TABLE sensor_latest (
    datastream BIGINT PRIMARY KEY,
    time BIGINT NOT NULL,
    value DOUBLE NOT NULL,
    quality SMALLINT NOT NULL
);

-- Hourly (span 1) and daily (span 2, days in Europe/Prague) rollups of
-- good observations, maintained as data arrives; bucket is the start of
-- the hour or day in microseconds since 1970.
CREATE TABLE sensor_rollups (
    datastream BIGINT NOT NULL,
    span SMALLINT NOT NULL,
    bucket BIGINT NOT NULL,
    n BIGINT NOT NULL,
    total DOUBLE NOT NULL,
    min_value DOUBLE NOT NULL,
    max_value DOUBLE NOT NULL,
    PRIMARY KEY (datastream, span, bucket)
) WITHOUT ROWID;
