package docketcard

import (
	"crypto/rand"
	"math/big"
	"strings"
	"time"
)

// CardState is where a card is in its life; see docs/CARD-LIFECYCLE.md
// and the Transitions table in cardlife.go.
type CardState string

const (
	CardPrepared  CardState = "prepared"  // payload built, stored and audited; not yet signed
	CardApproved  CardState = "approved"  // signed; in its site's print queue
	CardPrinted   CardState = "printed"   // printed on card stock, not yet handed over
	CardIssued    CardState = "issued"    // handed over to the holder (handover record)
	CardActive    CardState = "active"    // in use
	CardSuspended CardState = "suspended" // temporarily not valid; reinstatement returns it to SuspendedFrom
	CardRevoked   CardState = "revoked"   // terminal
	// CardExpired is never stored: a card past its expiry date is
	// expired whatever its recorded state (except revoked), computed on
	// every read by EffectiveState, so no job has to remember to run.
	CardExpired CardState = "expired"
)

// Card is one issued Secure Docket Card.
type Card struct {
	ID          string    `json:"id"`
	CardNumber  string    `json:"card_number"`
	PersonID    string    `json:"person_id"`
	SiteCode    string    `json:"site_code"`
	State       CardState `json:"state"`
	StatusIndex int       `json:"status_index"`
	StatusURI   string    `json:"status_uri"`
	IssuedAt    time.Time `json:"issued_at"`
	NotBefore   time.Time `json:"not_before"`
	ExpiresAt   time.Time `json:"expires_at"`
	KeyID       string    `json:"key_id"` // hex of the 8-byte signer key id
	ClaimsHash  string    `json:"claims_sha256"`
	MRZ         string    `json:"mrz"`
	QRText      string    `json:"qr_text,omitempty"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`

	// Claims are the exact bytes signed (stored before signing);
	// Signed is the COSE_Sign1 after signing.
	Claims []byte `json:"-"`
	Signed []byte `json:"-"`
	// RequestKey makes issuance idempotent: a retry with the same key
	// returns the same card.
	RequestKey string `json:"-"`
	// ClearanceID is the background-check clearance the card was approved
	// on; the database refuses a card without a current one.
	ClearanceID string `json:"clearance_id"`
	// Lifecycle (docs/CARD-LIFECYCLE.md). State is the recorded state;
	// EffectiveState (StateAt on the service's clock) adds expiry by date
	// and is filled on every read.
	EffectiveState CardState  `json:"effective_state"`
	StateReason    CardReason `json:"state_reason,omitempty"`
	StateChangedAt *time.Time `json:"state_changed_at,omitempty"`
	SuspendedFrom  CardState  `json:"suspended_from,omitempty"`
	// Replaces is the card this one replaces; activating this card
	// revokes that one in the same transaction.
	Replaces string `json:"replaces,omitempty"`
}

// StateAt returns the card's state at now: its recorded state, or
// expired once now has reached ExpiresAt (a revoked card stays revoked).
func (c *Card) StateAt(now time.Time) CardState {
	if c.State != CardRevoked && c.State != CardPrepared && !now.Before(c.ExpiresAt) {
		return CardExpired
	}
	return c.State
}

// CardNumberLen is the length of a card number: it fills the 9-character
// document number field of the TD1 MRZ, so no overflow is needed.
const CardNumberLen = 9

// NewCardNumber returns a random card number "DC" + 7 digits. Random, not
// sequential, so that a number says nothing about when or where a card
// was issued; uniqueness is enforced by the database.
func NewCardNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(10_000_000))
	if err != nil {
		panic("crypto/rand failed: " + err.Error())
	}
	s := n.String()
	return "DC" + strings.Repeat("0", 7-len(s)) + s
}

// ValidateIdempotencyKey checks a client-chosen request key.
func ValidateIdempotencyKey(k string) error {
	if len(k) < 8 || len(k) > 128 || strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:") != "" {
		return Errorf(EINVALID, "Idempotency-Key must be 8 to 128 characters of letters, digits, '-', '_', '.' or ':'")
	}
	return nil
}
