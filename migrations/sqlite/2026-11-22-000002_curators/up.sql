-- The publishers a curator may act for (admins act for all).
CREATE TABLE user_publishers (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    publisher_id TEXT NOT NULL REFERENCES publishers(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, publisher_id)
);
