-- docketcard schema, version 1 (PostgreSQL).
-- Times are TIMESTAMPTZ (microseconds); calendar dates are "YYYY-MM-DD" text
-- (or partial "YYYY", "YYYY-MM" for dates of birth), as on SQLite, so the
-- same hand-written SQL serves both.

CREATE TABLE sites (
    code        TEXT PRIMARY KEY CHECK (length(code) BETWEEN 3 AND 8),
    name        TEXT NOT NULL,
    city        TEXT NOT NULL,
    time_zone   TEXT NOT NULL,
    card_quota  INTEGER NOT NULL CHECK (card_quota >= 0),
    active      BOOLEAN NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    created_at  TIMESTAMPTZ NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE blobs (
    id           TEXT PRIMARY KEY,
    sha256       TEXT NOT NULL CHECK (length(sha256) = 64),
    size         BIGINT NOT NULL CHECK (size >= 0),
    content_type TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- Sealed blob bytes, when the blob backend is the database.
CREATE TABLE blob_objects (
    id     TEXT PRIMARY KEY,
    sealed BYTEA NOT NULL
);

CREATE TABLE people (
    id            TEXT PRIMARY KEY,
    a_number      TEXT NOT NULL UNIQUE CHECK (length(a_number) = 10 AND a_number LIKE 'A%'),
    family_names  TEXT NOT NULL,
    given_names   TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex           TEXT NOT NULL CHECK (sex IN ('M', 'F', 'X')),
    citizenship   TEXT NOT NULL CHECK (length(citizenship) = 3),
    birth_country TEXT NOT NULL CHECK (length(birth_country) = 3),
    language      TEXT NOT NULL,
    street1       TEXT NOT NULL,
    street2       TEXT NOT NULL,
    city          TEXT NOT NULL,
    state         TEXT NOT NULL,
    zip           TEXT NOT NULL,
    phone         TEXT NOT NULL,
    email         TEXT NOT NULL,
    site_code     TEXT NOT NULL REFERENCES sites (code),
    photo_blob_id TEXT REFERENCES blobs (id),
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX people_site ON people (site_code, id);

CREATE TABLE person_aliases (
    person_id    TEXT NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    position     INTEGER NOT NULL,
    family_names TEXT NOT NULL,
    given_names  TEXT NOT NULL,
    PRIMARY KEY (person_id, position)
);

CREATE TABLE cases (
    id               TEXT PRIMARY KEY,
    person_id        TEXT NOT NULL REFERENCES people (id),
    court            TEXT NOT NULL,
    status           TEXT NOT NULL,
    release_doc_type TEXT NOT NULL,
    opened_on        TEXT NOT NULL,
    version          INTEGER NOT NULL CHECK (version >= 1),
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX cases_person ON cases (person_id);

CREATE TABLE hearings (
    id            TEXT PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (id),
    type          TEXT NOT NULL,
    starts_at     TIMESTAMPTZ NOT NULL,
    time_zone     TEXT NOT NULL,
    court_address TEXT NOT NULL,
    cancelled     BOOLEAN NOT NULL,
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TIMESTAMPTZ NOT NULL,
    updated_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX hearings_case ON hearings (case_id, starts_at);

CREATE TABLE reporting_schedules (
    case_id    TEXT PRIMARY KEY REFERENCES cases (id),
    cadence    TEXT NOT NULL,
    mode       TEXT NOT NULL,
    starts_on  TEXT NOT NULL,
    ends_on    TEXT,
    location   TEXT NOT NULL,
    version    INTEGER NOT NULL CHECK (version >= 1),
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE documents (
    id         TEXT PRIMARY KEY,
    person_id  TEXT NOT NULL REFERENCES people (id),
    case_id    TEXT REFERENCES cases (id),
    type       TEXT NOT NULL,
    filename   TEXT NOT NULL,
    issued_on  TEXT NOT NULL,
    blob_id    TEXT NOT NULL REFERENCES blobs (id),
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX documents_person ON documents (person_id);

CREATE TABLE users (
    id              TEXT PRIMARY KEY,
    username        TEXT NOT NULL UNIQUE,
    display_name    TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    password_set_at TIMESTAMPTZ NOT NULL,
    disabled        BOOLEAN NOT NULL,
    failed_logins   INTEGER NOT NULL DEFAULT 0,
    locked_until    TIMESTAMPTZ,
    version         INTEGER NOT NULL CHECK (version >= 1),
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE user_sites (
    user_id   TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    site_code TEXT NOT NULL REFERENCES sites (code),
    PRIMARY KEY (user_id, site_code)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_tokens (
    id           TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    token_hash   TEXT NOT NULL UNIQUE,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    revoked_at   TIMESTAMPTZ,
    last_used_at TIMESTAMPTZ
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY,
    at           TIMESTAMPTZ NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_name   TEXT NOT NULL,
    actor_roles  TEXT NOT NULL,
    action       TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id   TEXT NOT NULL,
    site_code    TEXT NOT NULL,
    purpose      TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    detail       TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit_log (subject_id, seq);
CREATE INDEX audit_actor ON audit_log (actor_id, seq);

-- The head of the chain, kept apart from the log so that entries cut from
-- the end are noticed, and locked by every append so appends are serial.
CREATE TABLE audit_head (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    seq  BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The trail is append-only: the application never updates or deletes an
-- entry, and the database refuses to. (The table's owner or a superuser
-- can disable the trigger; the hash chain is what catches that. Run the
-- server as a role that does not own the schema to close that door.)
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
