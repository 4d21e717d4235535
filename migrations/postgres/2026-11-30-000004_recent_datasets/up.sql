-- The home page's recently changed datasets: the newest published ones are
-- read from the index's end instead of sorting the table.
CREATE INDEX datasets_recent ON datasets(status, updated_at);
