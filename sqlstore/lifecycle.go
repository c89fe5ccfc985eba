package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
)

// TransitionCard applies a planned lifecycle change in one UPDATE guarded
// by version and state, so that of two concurrent transitions exactly one
// matches; the other gets ECONFLICT naming the card's current state.
func (t *tx) TransitionCard(ctx context.Context, ch *docketcard.CardChange) error {
	at := ts(ch.At)
	var from any
	if ch.To == docketcard.CardSuspended {
		from = string(ch.SuspendedFrom)
	}
	res, err := t.exec(ctx, `UPDATE cards SET lifecycle = ?, suspended_from = ?, state_reason = ?, state_changed_at = ?,
		version = version + 1, updated_at = ? WHERE id = ? AND version = ? AND state = 'signed' AND lifecycle = ?`,
		string(ch.To), from, string(ch.Reason), at, at, ch.CardID, ch.Version, string(ch.From))
	if err != nil {
		if strings.Contains(err.Error(), "lifecycle:") {
			return docketcard.Errorf(docketcard.ECONFLICT, "Card %s: %s.", ch.CardID, err.Error()[strings.Index(err.Error(), "lifecycle:"):])
		}
		if code := docketcard.ErrorCode(translate("TransitionCard", err)); code == docketcard.ECONFLICT {
			return docketcard.Errorf(docketcard.ECONFLICT, "The person already has an active card: revoke it, or issue this card as its replacement, before activating this one.")
		}
		return translate("TransitionCard", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate("TransitionCard", err)
	} else if n != 1 {
		var state string
		var version int
		err := t.queryRow(ctx, `SELECT CASE WHEN state = 'prepared' THEN 'prepared' ELSE lifecycle END, version FROM cards WHERE id = ?`, ch.CardID).Scan(&state, &version)
		if err == sql.ErrNoRows {
			return docketcard.Errorf(docketcard.ENOTFOUND, "Card not found.")
		} else if err != nil {
			return translate("TransitionCard", err)
		}
		return docketcard.Errorf(docketcard.ECONFLICT, "The card was changed by someone else (now %s, version %d); reload it and try again.", state, version)
	}
	if _, err := t.exec(ctx, `INSERT INTO card_events (id, card_id, event, from_state, to_state, reason, note, actor_id, at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, ch.ID, ch.CardID, string(ch.Event), string(ch.From), string(ch.To),
		string(ch.Reason), ch.Note, ch.ActorID, at); err != nil {
		return translate("TransitionCard", err)
	}
	if docketcard.StatusValue(ch.From) != docketcard.StatusValue(ch.To) {
		return t.bumpStatus(ctx)
	}
	return nil
}

// bumpStatus records that the status list must be republished.
func (t *tx) bumpStatus(ctx context.Context) error {
	_, err := t.exec(ctx, `UPDATE status_changes SET seq = seq + 1 WHERE id = 1`)
	return translate("bumpStatus", err)
}

// SetDisplayPhoto records a person's display photo.
func (t *tx) SetDisplayPhoto(ctx context.Context, personID string, ref docketcard.BlobRef, at time.Time) (*docketcard.BlobRef, error) {
	var prev *docketcard.BlobRef
	var id string
	err := t.queryRow(ctx, `SELECT blob_id FROM person_display_photos WHERE person_id = ?`, personID).Scan(&id)
	if err == nil {
		prev = &docketcard.BlobRef{ID: id}
	} else if err != sql.ErrNoRows {
		return nil, translate("SetDisplayPhoto", err)
	}
	_, err = t.exec(ctx, `INSERT INTO person_display_photos (person_id, blob_id, set_at) VALUES (?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET blob_id = excluded.blob_id, set_at = excluded.set_at`, personID, ref.ID, ts(at))
	return prev, translate("SetDisplayPhoto", err)
}

// cardHolderQuery reads what online verification needs in one query (the
// display copy of the photo when there is one).
const cardHolderSelect = `SELECT c.id, c.card_number, c.person_id, c.site_code, c.lifecycle, c.state_reason, c.expires_at, c.claims_sha256,
	p.family_names, p.given_names, b.id, b.sha256, b.size, b.content_type, d.blob_id IS NOT NULL
	FROM cards c JOIN people p ON p.id = c.person_id LEFT JOIN person_display_photos d ON d.person_id = p.id
	LEFT JOIN blobs b ON b.id = COALESCE(d.blob_id, p.photo_blob_id)
	WHERE c.state = 'signed' AND c.card_number `

const cardHolderQuery = cardHolderSelect + `= ?`

func scanCardHolder(sc interface{ Scan(...any) error }) (*docketcard.CardHolder, error) {
	var h docketcard.CardHolder
	c := &h.Card
	var reason sql.NullString
	var bid, bsum, btype sql.NullString
	var bsize sql.NullInt64
	err := sc.Scan(&c.ID, &c.CardNumber, &c.PersonID, &c.SiteCode, &c.State, &reason,
		&c.ExpiresAt, &c.ClaimsHash, &h.FamilyNames, &h.GivenNames, &bid, &bsum, &bsize, &btype, &h.DisplayPhoto)
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Card not found.")
	} else if err != nil {
		return nil, translate("CardHolder", err)
	}
	c.StateReason, c.ExpiresAt = docketcard.CardReason(reason.String), c.ExpiresAt.UTC()
	if bid.Valid {
		h.Photo = &docketcard.BlobRef{ID: bid.String, SHA256: bsum.String, Size: bsize.Int64, ContentType: btype.String}
	}
	return &h, nil
}

// CardHolderByNumber reads a card and its holder inside a transaction.
func (t *tx) CardHolderByNumber(ctx context.Context, number string) (*docketcard.CardHolder, error) {
	return scanCardHolder(t.queryRow(ctx, cardHolderQuery, number))
}

// maxHolderBatch bounds the card numbers of one CardHolders query; the
// IN list is padded to a power of two (repeating the last number) so at
// most seven statement texts are ever prepared.
const maxHolderBatch = 64

// CardHolders reads cards and their holders by card number with one
// prepared statement per chunk on the read pool, outside any
// transaction: the hot path of online verification, where parsing the
// query, a BEGIN/COMMIT and (on SQLite) a read transaction per request
// cost more than the read itself.
func (db *DB) CardHolders(ctx context.Context, numbers []string) (map[string]*docketcard.CardHolder, error) {
	out := make(map[string]*docketcard.CardHolder, len(numbers))
	for len(numbers) > 0 {
		chunk := numbers[:min(len(numbers), maxHolderBatch)]
		numbers = numbers[len(chunk):]
		n := 1
		for n < len(chunk) {
			n <<= 1
		}
		args := make([]any, n)
		for i := range args {
			args[i] = chunk[min(i, len(chunk)-1)]
		}
		stmt, err := db.readStmts.get(ctx, rebind(db.dialect, cardHolderSelect+"IN ("+placeholders(n)+")"))
		if err != nil {
			return nil, translate("CardHolders", err)
		}
		rows, err := stmt.QueryContext(ctx, args...)
		if err != nil {
			return nil, translate("CardHolders", err)
		}
		for rows.Next() {
			h, err := scanCardHolder(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[h.Card.CardNumber] = h
		}
		err = rows.Close()
		if err == nil {
			err = rows.Err()
		}
		if err != nil {
			return nil, translate("CardHolders", err)
		}
	}
	return out, nil
}

// CardHistory lists a card's transitions, oldest first.
func (t *tx) CardHistory(ctx context.Context, cardID string) ([]*docketcard.CardHistoryEntry, error) {
	rows, err := t.query(ctx, `SELECT event, from_state, to_state, reason, note, actor_id, at FROM card_events
		WHERE card_id = ? ORDER BY at, id`, cardID)
	if err != nil {
		return nil, translate("CardHistory", err)
	}
	defer rows.Close()
	out := []*docketcard.CardHistoryEntry{}
	for rows.Next() {
		var e docketcard.CardHistoryEntry
		if err := rows.Scan(&e.Event, &e.From, &e.To, &e.Reason, &e.Note, &e.ActorID, &e.At); err != nil {
			return nil, translate("CardHistory", err)
		}
		e.At = e.At.UTC()
		out = append(out, &e)
	}
	return out, translate("CardHistory", rows.Err())
}

// CardsOf returns a person's signed cards in the given lifecycle states.
func (t *tx) CardsOf(ctx context.Context, personID string, states ...docketcard.CardState) ([]*docketcard.Card, error) {
	args := []any{personID}
	for _, s := range states {
		args = append(args, string(s))
	}
	return t.cards(ctx, cardSelect+` WHERE person_id = ? AND state = 'signed' AND lifecycle IN (`+placeholders(len(states))+`) ORDER BY created_at, id`, args...)
}

func (t *tx) cards(ctx context.Context, q string, args ...any) ([]*docketcard.Card, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, translate("cards", err)
	}
	defer rows.Close()
	out := []*docketcard.Card{}
	for rows.Next() {
		c, err := scanCard(rows)
		if err != nil {
			return nil, translate("cards", err)
		}
		out = append(out, c)
	}
	return out, translate("cards", rows.Err())
}

// CreateHandover records a handover (one per card).
func (t *tx) CreateHandover(ctx context.Context, h *docketcard.Handover) error {
	h.At = ts(h.At)
	_, err := t.exec(ctx, `INSERT INTO card_handovers (card_id, handed_over_at, officer_id, acknowledgement, witness) VALUES (?, ?, ?, ?, ?)`,
		h.CardID, h.At, h.OfficerID, h.Acknowledgement, h.Witness)
	if docketcard.ErrorCode(translate("CreateHandover", err)) == docketcard.ECONFLICT {
		return docketcard.Errorf(docketcard.ECONFLICT, "This card has already been handed over.")
	}
	return translate("CreateHandover", err)
}

// GetHandover returns a card's handover record.
func (t *tx) GetHandover(ctx context.Context, cardID string) (*docketcard.Handover, error) {
	var h docketcard.Handover
	err := t.queryRow(ctx, `SELECT card_id, handed_over_at, officer_id, acknowledgement, witness FROM card_handovers WHERE card_id = ?`, cardID).
		Scan(&h.CardID, &h.At, &h.OfficerID, &h.Acknowledgement, &h.Witness)
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "The card has not been handed over.")
	}
	h.At = h.At.UTC()
	return &h, translate("GetHandover", err)
}

// SetPortalPIN stores (or replaces) a person's portal PIN hash.
func (t *tx) SetPortalPIN(ctx context.Context, personID, hash, setBy string, at time.Time) error {
	_, err := t.exec(ctx, `INSERT INTO portal_pins (person_id, pin_hash, set_at, set_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (person_id) DO UPDATE SET pin_hash = excluded.pin_hash, set_at = excluded.set_at, set_by = excluded.set_by`,
		personID, hash, ts(at), setBy)
	return translate("SetPortalPIN", err)
}

// PrintQueue lists a site's approved cards not yet in any batch.
func (t *tx) PrintQueue(ctx context.Context, site string, limit int) ([]*docketcard.Card, error) {
	return t.cards(ctx, cardSelect+` WHERE site_code = ? AND state = 'signed' AND lifecycle = 'approved'
		AND NOT EXISTS (SELECT 1 FROM print_batch_cards b WHERE b.card_id = cards.id) ORDER BY created_at, id LIMIT ?`, site, limit)
}

// CreatePrintBatch stores a batch and its cards (all pending).
func (t *tx) CreatePrintBatch(ctx context.Context, b *docketcard.PrintBatch) error {
	b.CreatedAt = ts(b.CreatedAt)
	if _, err := t.exec(ctx, `INSERT INTO print_batches (id, site_code, created_by, created_at) VALUES (?, ?, ?, ?)`,
		b.ID, b.SiteCode, b.CreatedBy, b.CreatedAt); err != nil {
		return translate("CreatePrintBatch", err)
	}
	for i := range b.Cards {
		c := &b.Cards[i]
		c.Outcome = docketcard.OutcomePending
		if _, err := t.exec(ctx, `INSERT INTO print_batch_cards (batch_id, card_id, position, outcome) VALUES (?, ?, ?, 'pending')`,
			b.ID, c.CardID, c.Position); err != nil {
			if docketcard.ErrorCode(translate("CreatePrintBatch", err)) == docketcard.ECONFLICT {
				return docketcard.Errorf(docketcard.ECONFLICT, "Card %s is already in a print batch; reload the print queue.", c.CardNumber)
			}
			return translate("CreatePrintBatch", err)
		}
	}
	return nil
}

// GetPrintBatch returns a batch with its cards in print order.
func (t *tx) GetPrintBatch(ctx context.Context, id string) (*docketcard.PrintBatch, error) {
	bs, err := t.printBatches(ctx, `WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Print batch not found.")
	}
	return bs[0], nil
}

// ListPrintBatches lists the newest batches of the given sites.
func (t *tx) ListPrintBatches(ctx context.Context, sites []string, limit int) ([]*docketcard.PrintBatch, error) {
	if len(sites) == 0 {
		return []*docketcard.PrintBatch{}, nil
	}
	args := make([]any, 0, len(sites)+1)
	for _, s := range sites {
		args = append(args, s)
	}
	args = append(args, limit)
	return t.printBatches(ctx, `WHERE site_code IN (`+placeholders(len(sites))+`) ORDER BY created_at DESC, id LIMIT ?`, args...)
}

func (t *tx) printBatches(ctx context.Context, where string, args ...any) ([]*docketcard.PrintBatch, error) {
	rows, err := t.query(ctx, `SELECT id, site_code, created_by, created_at FROM print_batches `+where, args...)
	if err != nil {
		return nil, translate("printBatches", err)
	}
	out := []*docketcard.PrintBatch{}
	for rows.Next() {
		var b docketcard.PrintBatch
		if err := rows.Scan(&b.ID, &b.SiteCode, &b.CreatedBy, &b.CreatedAt); err != nil {
			rows.Close()
			return nil, translate("printBatches", err)
		}
		b.CreatedAt = b.CreatedAt.UTC()
		out = append(out, &b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate("printBatches", err)
	}
	for _, b := range out {
		rows, err := t.query(ctx, `SELECT p.card_id, c.card_number, p.position, p.outcome, p.outcome_at, p.reprint
			FROM print_batch_cards p JOIN cards c ON c.id = p.card_id WHERE p.batch_id = ? ORDER BY p.position`, b.ID)
		if err != nil {
			return nil, translate("printBatches", err)
		}
		b.Cards = []docketcard.PrintBatchCard{}
		for rows.Next() {
			var c docketcard.PrintBatchCard
			var at sql.NullTime
			var reprint sql.NullString
			if err := rows.Scan(&c.CardID, &c.CardNumber, &c.Position, &c.Outcome, &at, &reprint); err != nil {
				rows.Close()
				return nil, translate("printBatches", err)
			}
			c.OutcomeAt, c.Reprint = fromNullTS(at), reprint.String
			b.Cards = append(b.Cards, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate("printBatches", err)
		}
	}
	return out, nil
}

// SetPrintOutcome records a pending card's outcome.
func (t *tx) SetPrintOutcome(ctx context.Context, batchID, cardID, outcome, reprint string, at time.Time) error {
	var rp any
	if reprint != "" {
		rp = reprint
	}
	res, err := t.exec(ctx, `UPDATE print_batch_cards SET outcome = ?, outcome_at = ?, reprint = ? WHERE (batch_id = ? OR ? = '') AND card_id = ? AND outcome = 'pending'`,
		outcome, ts(at), rp, batchID, batchID, cardID)
	if err != nil {
		return translate("SetPrintOutcome", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return translate("SetPrintOutcome", err)
	} else if n != 1 {
		var cur string
		err := t.queryRow(ctx, `SELECT outcome FROM print_batch_cards WHERE (batch_id = ? OR ? = '') AND card_id = ?`, batchID, batchID, cardID).Scan(&cur)
		if err == sql.ErrNoRows {
			return docketcard.Errorf(docketcard.ENOTFOUND, "That card is not in this print batch.")
		}
		return docketcard.Errorf(docketcard.ECONFLICT, "That card was already marked %s.", cur)
	}
	return nil
}

// SetPrintReprint records the reprint of a spoiled card.
func (t *tx) SetPrintReprint(ctx context.Context, batchID, cardID, reprint string) error {
	_, err := t.exec(ctx, `UPDATE print_batch_cards SET reprint = ? WHERE (batch_id = ? OR ? = '') AND card_id = ? AND outcome = 'spoiled'`, reprint, batchID, batchID, cardID)
	return translate("SetPrintReprint", err)
}

// LockStatusChanges locks the status counter's row for this transaction.
func (t *tx) LockStatusChanges(ctx context.Context) error {
	_, err := t.exec(ctx, `UPDATE status_changes SET seq = seq WHERE id = 1`)
	return translate("LockStatusChanges", err)
}

// StatusChangeSeq returns the status change counter.
func (t *tx) StatusChangeSeq(ctx context.Context) (int64, error) {
	var n int64
	err := t.queryRow(ctx, `SELECT seq FROM status_changes WHERE id = 1`).Scan(&n)
	return n, translate("StatusChangeSeq", err)
}

// AcquireLease takes the named lease if it is free or expired, or renews
// it if holder already holds it.
func (t *tx) AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error) {
	res, err := t.exec(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at < ?`, name, holder, ts(now.Add(ttl)), ts(now))
	if err != nil {
		return false, translate("AcquireLease", err)
	}
	n, err := res.RowsAffected()
	return n == 1, translate("AcquireLease", err)
}

// ReleaseLease gives the lease up if holder holds it.
func (t *tx) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := t.exec(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	return translate("ReleaseLease", err)
}

// PublishStatusList stores a newly signed list; p.Seq must be the next
// number (a concurrent publisher gets ECONFLICT).
func (t *tx) PublishStatusList(ctx context.Context, p *docketcard.StatusPublication) error {
	p.IssuedAt, p.ExpiresAt = ts(p.IssuedAt), ts(p.ExpiresAt)
	_, err := t.exec(ctx, `INSERT INTO status_publications (seq, change_seq, issued_at, expires_at, token, sha256, publisher)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.Seq, p.ChangeSeq, p.IssuedAt, p.ExpiresAt, p.Token, p.SHA256, p.Publisher)
	if err != nil {
		return translate("PublishStatusList", err)
	}
	// Keep the last few for late readers; older ones are of no use.
	_, err = t.exec(ctx, `DELETE FROM status_publications WHERE seq < ?`, p.Seq-10)
	return translate("PublishStatusList", err)
}

// LatestStatusList returns the newest published list.
func (t *tx) LatestStatusList(ctx context.Context) (*docketcard.StatusPublication, error) {
	var p docketcard.StatusPublication
	err := t.queryRow(ctx, `SELECT seq, change_seq, issued_at, expires_at, token, sha256, publisher FROM status_publications
		ORDER BY seq DESC LIMIT 1`).Scan(&p.Seq, &p.ChangeSeq, &p.IssuedAt, &p.ExpiresAt, &p.Token, &p.SHA256, &p.Publisher)
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "No status list has been published yet.")
	}
	p.IssuedAt, p.ExpiresAt = p.IssuedAt.UTC(), p.ExpiresAt.UTC()
	return &p, translate("LatestStatusList", err)
}

// encountersQuery finds the verification audit entries of a person's
// cards that are encounter records. Versions before encounters became
// audit entries wrote a verify_card entry with a free-text detail
// ("verification by qr: …") beside a row of the encounters table: that
// row is the encounter, so the entry is left out here (its detail does
// not start with "{"), which also holds while servers of both versions
// run side by side during an upgrade.
var encountersQuery = `SELECT a.` + strings.ReplaceAll(auditCols, ", ", ", a.") + `
	FROM cards c JOIN audit_log a ON a.subject_id = c.id
	WHERE c.person_id = ? AND a.subject_type = 'card' AND a.action = ? AND a.detail LIKE '{%'
	ORDER BY a.seq DESC LIMIT ?`

// ListEncounters lists the verifications of a person's cards, newest
// first: the cards' encounter audit entries (docketcard.Encounter.
// AuditEntry), found through the audit_subject index, a card at a time
// (a person has few cards), and the rows of the encounters table, which
// earlier versions wrote and which are kept as they were. Each source
// gives its newest limit, merged by time.
func (t *tx) ListEncounters(ctx context.Context, personID string, limit int) ([]*docketcard.Encounter, error) {
	rows, err := t.query(ctx, encountersQuery, personID, docketcard.ActionVerifyCard, limit)
	if err != nil {
		return nil, translate("ListEncounters", err)
	}
	out := []*docketcard.Encounter{}
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return nil, translate("ListEncounters", err)
		}
		enc, err := docketcard.EncounterFromAudit(e)
		if err != nil {
			rows.Close()
			return nil, docketcard.Errorf(docketcard.EINTERNAL, "ListEncounters: %v", err)
		}
		enc.PersonID = personID
		out = append(out, enc)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate("ListEncounters", err)
	}

	rows, err = t.query(ctx, `SELECT id, at, card_id, card_number, person_id, user_id, agency, role, purpose, method, result, disclosed
		FROM encounters WHERE person_id = ? ORDER BY at DESC, id LIMIT ?`, personID, limit)
	if err != nil {
		return nil, translate("ListEncounters", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e docketcard.Encounter
		var card, person sql.NullString
		var disclosed string
		if err := rows.Scan(&e.ID, &e.At, &card, &e.CardNumber, &person, &e.UserID, &e.Agency, &e.Role, &e.Purpose, &e.Method, &e.Result, &disclosed); err != nil {
			return nil, translate("ListEncounters", err)
		}
		e.At, e.CardID, e.PersonID = e.At.UTC(), card.String, person.String
		e.Disclosed = strings.Split(disclosed, ",")
		out = append(out, &e)
	}
	if err := rows.Err(); err != nil {
		return nil, translate("ListEncounters", err)
	}
	slices.SortStableFunc(out, func(a, b *docketcard.Encounter) int { return b.At.Compare(a.At) })
	return out[:min(len(out), limit)], nil
}
