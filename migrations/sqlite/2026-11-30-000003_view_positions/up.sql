-- Where each view that lives outside the process (the search index) stands
-- in the audit log: a restart resumes from here instead of rebuilding.
CREATE TABLE view_positions (
    name TEXT PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
