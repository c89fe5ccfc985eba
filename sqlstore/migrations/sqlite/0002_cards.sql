-- Issued cards (SQLite). A card row is written twice: once when its
-- payload is prepared (the exact bytes to be signed are stored and
-- audited first), once when it is signed.
CREATE TABLE cards (
    id            TEXT PRIMARY KEY,
    card_number   TEXT NOT NULL UNIQUE,
    person_id     TEXT NOT NULL REFERENCES people (id),
    site_code     TEXT NOT NULL REFERENCES sites (code),
    request_key   TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL CHECK (state IN ('prepared', 'signed')),
    status_index  INTEGER NOT NULL UNIQUE CHECK (status_index >= 0),
    status_uri    TEXT NOT NULL,
    issued_at     TIMESTAMP NOT NULL,
    not_before    TIMESTAMP NOT NULL,
    expires_at    TIMESTAMP NOT NULL,
    key_id        TEXT NOT NULL,
    claims        BLOB NOT NULL,
    claims_sha256 TEXT NOT NULL,
    signed        BLOB,
    qr_text       TEXT,
    mrz           TEXT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    CHECK (state = 'prepared' OR (signed IS NOT NULL AND qr_text IS NOT NULL))
);
CREATE INDEX cards_person ON cards (person_id, created_at);
