-- Recurrent vetting (SQLite): one row per watch-list version set whose
-- re-screening of every cardholder a server has claimed, so that servers
-- sharing the database re-screen once per list update, not once each.
CREATE TABLE rescreens (
    lists      TEXT PRIMARY KEY,
    claimed_at TIMESTAMP NOT NULL
);
