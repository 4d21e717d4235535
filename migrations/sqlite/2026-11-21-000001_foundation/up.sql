CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    active BOOLEAN NOT NULL DEFAULT 1,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_id TEXT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    object_type TEXT NOT NULL,
    object_id TEXT NOT NULL,
    object_label TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
CREATE INDEX audit_log_actor ON audit_log(actor_id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY NOT NULL,
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE TABLE catalog_record (
    id TEXT PRIMARY KEY NOT NULL,
    title_cs TEXT NOT NULL,
    title_en TEXT,
    description_cs TEXT NOT NULL,
    description_en TEXT,
    homepage TEXT,
    contact_email TEXT,
    publisher_id TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE publishers (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    name_cs TEXT NOT NULL,
    name_en TEXT,
    kind TEXT NOT NULL,
    ico TEXT,
    rpp_iri TEXT,
    homepage TEXT,
    email TEXT,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE vocab_concepts (
    iri TEXT PRIMARY KEY NOT NULL,
    scheme TEXT NOT NULL,
    code TEXT NOT NULL,
    label_cs TEXT NOT NULL,
    label_en TEXT NOT NULL,
    media_type TEXT,
    position INTEGER NOT NULL,
    UNIQUE (scheme, code)
);

CREATE TABLE strategies (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL UNIQUE,
    title_cs TEXT NOT NULL,
    title_en TEXT,
    description_cs TEXT NOT NULL,
    period_start INTEGER NOT NULL,
    period_end INTEGER NOT NULL,
    approving_body TEXT,
    document_title TEXT,
    publisher_id TEXT REFERENCES publishers(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE goals (
    id TEXT PRIMARY KEY NOT NULL,
    strategy_id TEXT NOT NULL REFERENCES strategies(id) ON DELETE CASCADE,
    chapter TEXT NOT NULL,
    sc_code TEXT,
    position INTEGER NOT NULL,
    title_cs TEXT NOT NULL,
    title_en TEXT,
    description_cs TEXT NOT NULL,
    planned_start INTEGER,
    planned_end INTEGER,
    continues_after BOOLEAN NOT NULL DEFAULT 0,
    period_note_cs TEXT,
    period_note_en TEXT,
    owner TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (strategy_id, chapter)
);

CREATE TABLE measures (
    id TEXT PRIMARY KEY NOT NULL,
    goal_id TEXT NOT NULL REFERENCES goals(id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    text_cs TEXT NOT NULL,
    text_en TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (goal_id, position)
);
