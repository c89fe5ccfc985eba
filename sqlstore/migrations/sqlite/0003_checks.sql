-- Background checks, adjudication, clearances and the issuance gate (SQLite).

CREATE TABLE check_runs (
    id           TEXT PRIMARY KEY,
    person_id    TEXT NOT NULL REFERENCES people (id),
    site_code    TEXT NOT NULL REFERENCES sites (code),
    requested_by TEXT NOT NULL,
    reason       TEXT NOT NULL,
    required     TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
CREATE INDEX check_runs_person ON check_runs (person_id, created_at);

CREATE TABLE checks (
    id            TEXT PRIMARY KEY,
    run_id        TEXT NOT NULL REFERENCES check_runs (id),
    person_id     TEXT NOT NULL REFERENCES people (id),
    site_code     TEXT NOT NULL,
    type          TEXT NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('pending', 'clear', 'possible_match', 'error', 'cleared', 'denied', 'referred')),
    score         REAL NOT NULL DEFAULT 0,
    evidence      TEXT NOT NULL DEFAULT '',
    list_versions TEXT NOT NULL DEFAULT '',
    attempts      INTEGER NOT NULL DEFAULT 0,
    provider_ref  TEXT NOT NULL DEFAULT '',
    completed_at  TIMESTAMP,
    expires_at    TIMESTAMP,
    version       INTEGER NOT NULL CHECK (version >= 1),
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    UNIQUE (run_id, type),
    -- a passed check always carries its expiry
    CHECK (state NOT IN ('clear', 'cleared') OR expires_at IS NOT NULL)
);
CREATE INDEX checks_person ON checks (person_id, type, created_at);
CREATE INDEX checks_queue ON checks (site_code, state);

CREATE TABLE check_attempts (
    check_id    TEXT NOT NULL REFERENCES checks (id),
    attempt     INTEGER NOT NULL,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    outcome     TEXT NOT NULL,
    detail      TEXT NOT NULL,
    PRIMARY KEY (check_id, attempt)
);

CREATE TABLE adjudications (
    id             TEXT PRIMARY KEY,
    check_id       TEXT NOT NULL UNIQUE REFERENCES checks (id),
    person_id      TEXT NOT NULL REFERENCES people (id),
    site_code      TEXT NOT NULL,
    adjudicator_id TEXT NOT NULL REFERENCES users (id),
    decision       TEXT NOT NULL CHECK (decision IN ('clear', 'deny', 'refer')),
    reason         TEXT NOT NULL CHECK (length(reason) >= 10),
    decided_at     TIMESTAMP NOT NULL
);

-- The officer who enrolled a person may not adjudicate them.
CREATE TABLE enrollments (
    person_id   TEXT PRIMARY KEY REFERENCES people (id),
    enrolled_by TEXT NOT NULL
);
CREATE TRIGGER adjudications_two_person BEFORE INSERT ON adjudications
WHEN NEW.adjudicator_id = (SELECT enrolled_by FROM enrollments WHERE person_id = NEW.person_id)
BEGIN SELECT RAISE(ABORT, 'two-person rule: the enrolling officer cannot adjudicate this person'); END;

CREATE TABLE clearances (
    id             TEXT PRIMARY KEY,
    person_id      TEXT NOT NULL REFERENCES people (id),
    run_id         TEXT NOT NULL REFERENCES check_runs (id),
    granted_at     TIMESTAMP NOT NULL,
    expires_at     TIMESTAMP NOT NULL,
    revoked_at     TIMESTAMP,
    revoked_reason TEXT NOT NULL DEFAULT '',
    CHECK (expires_at > granted_at)
);
CREATE INDEX clearances_person ON clearances (person_id, expires_at);

-- Every card from now on must reference the clearance it relied on, of
-- the same person, not revoked and not expired when the card was made.
ALTER TABLE cards ADD COLUMN clearance_id TEXT REFERENCES clearances (id);
CREATE TRIGGER cards_require_clearance BEFORE INSERT ON cards
WHEN NEW.clearance_id IS NULL
  OR NOT EXISTS (SELECT 1 FROM clearances c WHERE c.id = NEW.clearance_id AND c.person_id = NEW.person_id
                 AND c.revoked_at IS NULL AND c.expires_at > NEW.created_at)
BEGIN SELECT RAISE(ABORT, 'issuance gate: a card needs a current clearance of the same person'); END;
CREATE TRIGGER cards_clearance_fixed BEFORE UPDATE OF clearance_id ON cards
BEGIN SELECT RAISE(ABORT, 'issuance gate: a card''s clearance cannot change'); END;

-- A card held (suspended) pending review, e.g. after a recurrent-vetting hit.
CREATE TABLE card_holds (
    card_id    TEXT PRIMARY KEY REFERENCES cards (id),
    reason     TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- Duplicate-identity blocking keys: candidates come from index lookups.
CREATE TABLE person_keys (
    person_id TEXT NOT NULL REFERENCES people (id),
    key       TEXT NOT NULL,
    PRIMARY KEY (person_id, key)
);
-- (key, person_id): candidate lookups are index-only scans.
CREATE INDEX person_keys_key ON person_keys (key, person_id);
CREATE TABLE person_photo_hashes (
    person_id TEXT PRIMARY KEY REFERENCES people (id),
    hash      INTEGER NOT NULL
);
