-- Who signed in, failed to, signed out, changed a password or a token, and
-- from where: for the admin to read. Not part of the audit chain (no domain
-- data changes); never a password or a token.
CREATE TABLE security_events (
    id TEXT PRIMARY KEY NOT NULL,
    at TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    user_id TEXT,
    account TEXT NOT NULL,
    ip TEXT NOT NULL,
    detail TEXT
);
CREATE INDEX security_events_at ON security_events(at);
CREATE INDEX security_events_account ON security_events(account);
