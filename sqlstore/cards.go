package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/docketcard/docketcard"
)

const cardCols = `id, card_number, person_id, site_code, request_key, state, status_index, status_uri, issued_at,
	not_before, expires_at, key_id, claims, claims_sha256, signed, qr_text, mrz, version, created_at, updated_at, clearance_id`

// cardSelect reads the recorded state as one value: the issuance stage
// while the card is prepared, its lifecycle once signed.
const cardSelect = `SELECT ` + cardCols + `, lifecycle, suspended_from, state_reason, state_changed_at, replaces FROM cards`

func scanCard(sc interface{ Scan(...any) error }) (*docketcard.Card, error) {
	var c docketcard.Card
	var qr, clearance, from, reason, replaces sql.NullString
	var changed sql.NullTime
	var stage string
	if err := sc.Scan(&c.ID, &c.CardNumber, &c.PersonID, &c.SiteCode, &c.RequestKey, &stage, &c.StatusIndex, &c.StatusURI,
		&c.IssuedAt, &c.NotBefore, &c.ExpiresAt, &c.KeyID, &c.Claims, &c.ClaimsHash, &c.Signed, &qr, &c.MRZ, &c.Version,
		&c.CreatedAt, &c.UpdatedAt, &clearance, &c.State, &from, &reason, &changed, &replaces); err != nil {
		return nil, err
	}
	if stage == string(docketcard.CardPrepared) {
		c.State = docketcard.CardPrepared
	}
	c.SuspendedFrom, c.StateReason, c.Replaces = docketcard.CardState(from.String), docketcard.CardReason(reason.String), replaces.String
	c.StateChangedAt = fromNullTS(changed)
	c.QRText, c.ClearanceID = qr.String, clearance.String
	c.IssuedAt, c.NotBefore, c.ExpiresAt = c.IssuedAt.UTC(), c.NotBefore.UTC(), c.ExpiresAt.UTC()
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return &c, nil
}

// CreateCard stores a prepared card (version 1).
func (t *tx) CreateCard(ctx context.Context, c *docketcard.Card) error {
	c.Version = 1
	c.IssuedAt, c.NotBefore, c.ExpiresAt = ts(c.IssuedAt), ts(c.NotBefore), ts(c.ExpiresAt)
	c.CreatedAt, c.UpdatedAt = ts(c.CreatedAt), ts(c.UpdatedAt)
	var signed any
	if c.Signed != nil {
		signed = c.Signed
	}
	var qr any
	if c.QRText != "" {
		qr = c.QRText
	}
	var clearance, replaces any
	if c.ClearanceID != "" {
		clearance = c.ClearanceID
	}
	if c.Replaces != "" {
		replaces = c.Replaces
	}
	stage := "signed"
	if c.State == docketcard.CardPrepared {
		stage = "prepared"
	}
	_, err := t.exec(ctx, `INSERT INTO cards (`+cardCols+`, replaces) VALUES (`+placeholders(22)+`)`,
		c.ID, c.CardNumber, c.PersonID, c.SiteCode, c.RequestKey, stage, c.StatusIndex, c.StatusURI, c.IssuedAt,
		c.NotBefore, c.ExpiresAt, c.KeyID, c.Claims, c.ClaimsHash, signed, qr, c.MRZ, c.Version, c.CreatedAt, c.UpdatedAt, clearance, replaces)
	if err != nil && strings.Contains(err.Error(), "issuance gate") {
		return docketcard.Errorf(docketcard.EFORBIDDEN, "Issuance gate: a card needs a current background-check clearance of the same person.")
	}
	return translate("CreateCard", err)
}

func (t *tx) oneCard(ctx context.Context, where string, arg any) (*docketcard.Card, error) {
	c, err := scanCard(t.queryRow(ctx, cardSelect+` WHERE `+where, arg))
	if err == sql.ErrNoRows {
		return nil, docketcard.Errorf(docketcard.ENOTFOUND, "Card not found.")
	}
	return c, translate("GetCard", err)
}

// GetCard returns a card by ID.
func (t *tx) GetCard(ctx context.Context, id string) (*docketcard.Card, error) {
	return t.oneCard(ctx, `id = ?`, id)
}

// GetCardByNumber returns a card by card number.
func (t *tx) GetCardByNumber(ctx context.Context, number string) (*docketcard.Card, error) {
	return t.oneCard(ctx, `card_number = ?`, number)
}

// GetCardByRequestKey returns the card an issuance request created.
func (t *tx) GetCardByRequestKey(ctx context.Context, key string) (*docketcard.Card, error) {
	return t.oneCard(ctx, `request_key = ?`, key)
}

// ListCards returns a person's cards, oldest first.
func (t *tx) ListCards(ctx context.Context, personID string) ([]*docketcard.Card, error) {
	return t.cards(ctx, cardSelect+` WHERE person_id = ? ORDER BY created_at, id`, personID)
}

// SignCard records the signature of a prepared card, if c.Version is
// current and the card is still prepared.
func (t *tx) SignCard(ctx context.Context, c *docketcard.Card) error {
	c.UpdatedAt = ts(c.UpdatedAt)
	res, err := t.exec(ctx, `UPDATE cards SET state = 'signed', signed = ?, qr_text = ?, version = version + 1, updated_at = ?
		WHERE id = ? AND version = ? AND state = 'prepared'`, c.Signed, c.QRText, c.UpdatedAt, c.ID, c.Version)
	if err != nil {
		return translate("SignCard", err)
	}
	if err := t.checkVersion(ctx, res, "cards", "id", c.ID, "Card"); err != nil {
		return err
	}
	c.Version++
	c.State = docketcard.CardApproved
	// A new index leaves the list's zeros (an approved card is not yet valid).
	return t.bumpStatus(ctx)
}

// StatusIndexUsed reports whether a status-list index is taken.
func (t *tx) StatusIndexUsed(ctx context.Context, idx int) (bool, error) {
	var n int
	err := t.queryRow(ctx, `SELECT COUNT(*) FROM cards WHERE status_index = ?`, idx).Scan(&n)
	return n > 0, translate("StatusIndexUsed", err)
}

// CardStatuses returns the status-list index and lifecycle state of every
// signed card, for building the status list.
func (t *tx) CardStatuses(ctx context.Context, fn func(idx int, state docketcard.CardState) error) error {
	rows, err := t.query(ctx, `SELECT status_index, lifecycle FROM cards WHERE state = 'signed'`)
	if err != nil {
		return translate("CardStatuses", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int
		var st docketcard.CardState
		if err := rows.Scan(&idx, &st); err != nil {
			return translate("CardStatuses", err)
		}
		if err := fn(idx, st); err != nil {
			return err
		}
	}
	return translate("CardStatuses", rows.Err())
}
