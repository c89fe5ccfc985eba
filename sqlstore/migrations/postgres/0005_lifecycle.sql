-- Card lifecycle, printing, status publication and encounters (PostgreSQL).
-- docs/CARD-LIFECYCLE.md describes the states; state stays the issuance
-- stage (prepared/signed) and lifecycle is where a signed card is.
ALTER TABLE cards ADD COLUMN lifecycle TEXT NOT NULL DEFAULT 'approved'
    CHECK (lifecycle IN ('approved', 'printed', 'issued', 'active', 'suspended', 'revoked'));
ALTER TABLE cards ADD COLUMN suspended_from TEXT
    CHECK (suspended_from IS NULL OR suspended_from IN ('approved', 'printed', 'issued', 'active'));
ALTER TABLE cards ADD COLUMN state_reason TEXT;
ALTER TABLE cards ADD COLUMN state_changed_at TIMESTAMPTZ;
ALTER TABLE cards ADD COLUMN replaces TEXT REFERENCES cards (id);

-- Holds written by recurrent vetting become suspensions.
UPDATE cards SET lifecycle = 'suspended', suspended_from = 'approved', state_reason = 'vetting_hit',
    state_changed_at = (SELECT h.created_at FROM card_holds h WHERE h.card_id = cards.id)
WHERE id IN (SELECT card_id FROM card_holds);
DROP TABLE card_holds;

-- At most one card per person in use: active, or suspended while active.
CREATE UNIQUE INDEX cards_one_active ON cards (person_id)
    WHERE lifecycle = 'active' OR (lifecycle = 'suspended' AND suspended_from = 'active');
-- A card is replaced at most once.
CREATE UNIQUE INDEX cards_replaces ON cards (replaces) WHERE replaces IS NOT NULL;
-- The print queue: approved cards of a site.
CREATE INDEX cards_site_lifecycle ON cards (site_code, lifecycle, created_at);
-- Lifecycle columns change only with the issuance stage 'signed', and
-- revoked is terminal, in the database as well as in the service.
CREATE FUNCTION cards_lifecycle_guard() RETURNS trigger AS $$
BEGIN
    IF NEW.state <> 'signed' THEN
        RAISE EXCEPTION 'lifecycle: an unsigned card has no lifecycle' USING ERRCODE = 'check_violation';
    END IF;
    IF OLD.lifecycle = 'revoked' AND NEW.lifecycle <> 'revoked' THEN
        RAISE EXCEPTION 'lifecycle: a revoked card stays revoked' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER cards_lifecycle_guard BEFORE UPDATE OF lifecycle ON cards
FOR EACH ROW EXECUTE FUNCTION cards_lifecycle_guard();

-- Every transition, in order.
CREATE TABLE card_events (
    id         TEXT PRIMARY KEY,
    card_id    TEXT NOT NULL REFERENCES cards (id),
    event      TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state   TEXT NOT NULL,
    reason     TEXT NOT NULL,
    note       TEXT NOT NULL DEFAULT '',
    actor_id   TEXT NOT NULL,
    at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX card_events_card ON card_events (card_id, at);

CREATE TABLE card_handovers (
    card_id         TEXT PRIMARY KEY REFERENCES cards (id),
    handed_over_at  TIMESTAMPTZ NOT NULL,
    officer_id      TEXT NOT NULL,
    acknowledgement TEXT NOT NULL CHECK (acknowledgement IN ('signature', 'verbal')),
    witness         TEXT NOT NULL DEFAULT ''
);

-- Portal PIN (argon2id hash), set at handover.
CREATE TABLE portal_pins (
    person_id TEXT PRIMARY KEY REFERENCES people (id),
    pin_hash  TEXT NOT NULL,
    set_at    TIMESTAMPTZ NOT NULL,
    set_by    TEXT NOT NULL
);

CREATE TABLE print_batches (
    id         TEXT PRIMARY KEY,
    site_code  TEXT NOT NULL REFERENCES sites (code),
    created_by TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX print_batches_site ON print_batches (site_code, created_at);
-- A card is in at most one batch.
CREATE TABLE print_batch_cards (
    batch_id   TEXT NOT NULL REFERENCES print_batches (id),
    card_id    TEXT NOT NULL UNIQUE REFERENCES cards (id),
    position   INTEGER NOT NULL,
    outcome    TEXT NOT NULL DEFAULT 'pending' CHECK (outcome IN ('pending', 'printed', 'spoiled')),
    outcome_at TIMESTAMPTZ,
    reprint    TEXT REFERENCES cards (id),
    PRIMARY KEY (batch_id, position)
);

-- Status publication: every status-changing transition bumps seq in its
-- own transaction; the one publisher signs a new list when seq moved.
CREATE TABLE status_changes (
    id  INTEGER PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL
);
INSERT INTO status_changes (id, seq) VALUES (1, 0);
CREATE TABLE status_publications (
    seq        BIGINT PRIMARY KEY,
    change_seq BIGINT NOT NULL,
    issued_at  TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    token      BYTEA NOT NULL,
    sha256     TEXT NOT NULL,
    publisher  TEXT NOT NULL
);
-- Leases elect one holder of a singleton job among servers.
CREATE TABLE leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);

-- Verifications of cards.
CREATE TABLE encounters (
    id          TEXT PRIMARY KEY,
    at          TIMESTAMPTZ NOT NULL,
    card_id     TEXT REFERENCES cards (id),
    card_number TEXT NOT NULL DEFAULT '',
    person_id   TEXT REFERENCES people (id),
    user_id     TEXT NOT NULL,
    agency      TEXT NOT NULL,
    role        TEXT NOT NULL,
    purpose     TEXT NOT NULL,
    method      TEXT NOT NULL CHECK (method IN ('qr', 'card_number')),
    result      TEXT NOT NULL,
    disclosed   TEXT NOT NULL
);
CREATE INDEX encounters_person ON encounters (person_id, at);

-- The agency a user works for (relying parties outside DHS).
ALTER TABLE users ADD COLUMN agency TEXT NOT NULL DEFAULT '';

-- The display copy of each person's photo (sanitized, longest side 320
-- px): what online verification shows; the enrolment photo stays for
-- printing and adjudication.
CREATE TABLE person_display_photos (
    person_id TEXT PRIMARY KEY REFERENCES people (id),
    blob_id   TEXT NOT NULL REFERENCES blobs (id),
    set_at    TIMESTAMPTZ NOT NULL
);
