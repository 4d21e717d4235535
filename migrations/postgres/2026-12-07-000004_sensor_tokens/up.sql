-- A station's device tokens: a device or gateway writes observations of
-- its own station's datastreams with one. Only the secret's hash is kept.
CREATE TABLE sensor_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    thing_id BIGINT NOT NULL REFERENCES sensor_things (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX sensor_tokens_thing ON sensor_tokens (thing_id);
