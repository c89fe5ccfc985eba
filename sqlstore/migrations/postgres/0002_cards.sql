-- Issued cards (PostgreSQL). A card row is written twice: once when its
-- payload is prepared (the exact bytes to be signed are stored and
-- audited first), once when it is signed.
CREATE TABLE cards (
    id            TEXT PRIMARY KEY,
    card_number   TEXT NOT NULL UNIQUE,
    person_id     TEXT NOT NULL REFERENCES people (id),
    site_code     TEXT NOT NULL REFERENCES sites (code),
    request_key   TEXT NOT NULL UNIQUE,
    state         TEXT NOT NULL CHECK (state IN ('prepared', 'signed')),
    status_index  BIGINT NOT NULL UNIQUE CHECK (status_index >= 0),
    status_uri    TEXT NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL,
    not_before    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL,
    key_id        TEXT NOT NULL,
    claims        BYTEA NOT NULL,
    claims_sha256 TEXT NOT NULL,
    signed        BYTEA,
    qr_text       TEXT,
    mrz           TEXT NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL,
    CHECK (state = 'prepared' OR (signed IS NOT NULL AND qr_text IS NOT NULL))
);
CREATE INDEX cards_person ON cards (person_id, created_at);
