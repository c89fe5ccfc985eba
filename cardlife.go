package docketcard

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// CardEvent names a lifecycle transition.
type CardEvent string

const (
	EventPrint     CardEvent = "print"     // approved → printed (print batch outcome)
	EventSpoil     CardEvent = "spoil"     // approved | printed → revoked (spoiled); the number is never reused
	EventHandover  CardEvent = "handover"  // printed → issued, with a handover record
	EventActivate  CardEvent = "activate"  // issued → active; revokes the card it replaces
	EventSuspend   CardEvent = "suspend"   // approved | printed | issued | active → suspended
	EventReinstate CardEvent = "reinstate" // suspended → the state it was suspended from
	EventRevoke    CardEvent = "revoke"    // any state but revoked → revoked
)

// CardReason says why a card changed state.
type CardReason string

const (
	// Suspension.
	ReasonReportedLost  CardReason = "reported_lost"
	ReasonVettingHit    CardReason = "vetting_hit"
	ReasonOfficerAction CardReason = "officer_action"
	// Reinstatement.
	ReasonFound    CardReason = "found"    // a card reported lost was found by its holder
	ReasonResolved CardReason = "resolved" // the review behind a suspension closed in the holder's favour
	// Revocation.
	ReasonLostOrStolen CardReason = "lost_or_stolen" // confirmed
	ReasonFraud        CardReason = "fraud"
	ReasonCaseClosed   CardReason = "case_closed"
	ReasonRemoved      CardReason = "removal_carried_out"
	ReasonSuperseded   CardReason = "superseded" // by a replacement card
	ReasonSpoiled      CardReason = "spoiled"    // in printing
	// Progress (no choice to make).
	ReasonPrinted    CardReason = "printed"
	ReasonHandedOver CardReason = "handed_over"
	ReasonActivated  CardReason = "activated"
)

// Transition is one row of the lifecycle table.
type Transition struct {
	From    []CardState
	To      CardState // CardSuspended's reinstatement returns to SuspendedFrom instead
	Reasons []CardReason
	// NoteRequired: the officer must explain in words (officer action,
	// fraud, reinstatement).
	NoteRequired []CardReason
}

// Transitions is the card lifecycle. Any transition not listed is
// illegal and rejected with the card's current state named.
var Transitions = map[CardEvent]Transition{
	EventPrint:    {From: []CardState{CardApproved}, To: CardPrinted, Reasons: []CardReason{ReasonPrinted}},
	EventSpoil:    {From: []CardState{CardApproved, CardPrinted}, To: CardRevoked, Reasons: []CardReason{ReasonSpoiled}},
	EventHandover: {From: []CardState{CardPrinted}, To: CardIssued, Reasons: []CardReason{ReasonHandedOver}},
	EventActivate: {From: []CardState{CardIssued}, To: CardActive, Reasons: []CardReason{ReasonActivated}},
	EventSuspend: {From: []CardState{CardApproved, CardPrinted, CardIssued, CardActive}, To: CardSuspended,
		Reasons:      []CardReason{ReasonReportedLost, ReasonVettingHit, ReasonOfficerAction},
		NoteRequired: []CardReason{ReasonOfficerAction}},
	EventReinstate: {From: []CardState{CardSuspended}, Reasons: []CardReason{ReasonFound, ReasonResolved},
		NoteRequired: []CardReason{ReasonFound, ReasonResolved}},
	EventRevoke: {From: []CardState{CardApproved, CardPrinted, CardIssued, CardActive, CardSuspended}, To: CardRevoked,
		Reasons:      []CardReason{ReasonLostOrStolen, ReasonFraud, ReasonCaseClosed, ReasonRemoved, ReasonSuperseded, ReasonSpoiled},
		NoteRequired: []CardReason{ReasonFraud}},
}

// CardEvents lists the events in the order they are documented.
var CardEvents = []CardEvent{EventPrint, EventSpoil, EventHandover, EventActivate, EventSuspend, EventReinstate, EventRevoke}

// MaxNoteLength bounds a transition note.
const MaxNoteLength = 1000

// TransitionRequest asks for one transition of one card.
type TransitionRequest struct {
	Event  CardEvent  `json:"event"`
	Reason CardReason `json:"reason"`
	Note   string     `json:"note"`
	// Version, when non-zero, is the card version the officer looked at:
	// the transition fails with a conflict if the card changed since.
	Version int `json:"version"`
}

// Plan checks a transition of card c at now and returns the state it
// leads to, or an error naming what is wrong: EINVALID for a bad request,
// ECONFLICT for a transition the card's current state does not allow.
// It fills in the reason when the event has only one and trims the note.
func (r *TransitionRequest) Plan(c *Card, now time.Time) (CardState, error) {
	tr, ok := Transitions[r.Event]
	if !ok {
		names := make([]string, len(CardEvents))
		for i, e := range CardEvents {
			names[i] = string(e)
		}
		return "", &Error{Code: EINVALID, Message: fmt.Sprintf("Invalid request: event: must be one of %s", strings.Join(names, ", ")),
			Fields: []FieldError{{Field: "event", Message: "must be one of " + strings.Join(names, ", ")}}}
	}
	reason := r.Reason
	if reason == "" && len(tr.Reasons) == 1 {
		reason = tr.Reasons[0]
	}
	if !slices.Contains(tr.Reasons, reason) {
		names := make([]string, len(tr.Reasons))
		for i, x := range tr.Reasons {
			names[i] = string(x)
		}
		msg := "must be one of " + strings.Join(names, ", ") + " for " + string(r.Event)
		if reason == "" {
			msg = "is required for " + string(r.Event) + ": one of " + strings.Join(names, ", ")
		}
		return "", &Error{Code: EINVALID, Message: "Invalid request: reason: " + msg, Fields: []FieldError{{Field: "reason", Message: msg}}}
	}
	note := strings.TrimSpace(r.Note)
	if slices.Contains(tr.NoteRequired, reason) && note == "" {
		return "", &Error{Code: EINVALID, Message: "Invalid request: note: is required to " + string(r.Event) + " a card for " + string(reason),
			Fields: []FieldError{{Field: "note", Message: "is required for " + string(reason)}}}
	}
	if utf8.RuneCountInString(note) > MaxNoteLength || strings.ContainsFunc(note, func(r rune) bool { return r < 0x20 && r != '\n' }) {
		return "", &Error{Code: EINVALID, Message: fmt.Sprintf("Invalid request: note: at most %d characters, no control characters", MaxNoteLength),
			Fields: []FieldError{{Field: "note", Message: fmt.Sprintf("at most %d characters, no control characters", MaxNoteLength)}}}
	}
	r.Reason, r.Note = reason, note
	if c.State == CardPrepared {
		return "", Errorf(ECONFLICT, "Card %s is not signed yet; finish its issuance first.", c.CardNumber)
	}
	if !slices.Contains(tr.From, c.State) {
		return "", Errorf(ECONFLICT, "Cannot %s card %s: it is %s; %s is allowed only from %s.",
			r.Event, c.CardNumber, c.State, r.Event, joinStates(tr.From))
	}
	if eff := c.StateAt(now); eff == CardExpired && r.Event != EventRevoke {
		return "", Errorf(ECONFLICT, "Cannot %s card %s: it expired on %s; only revocation is allowed.",
			r.Event, c.CardNumber, c.ExpiresAt.UTC().Format("2006-01-02"))
	}
	if r.Event == EventReinstate {
		return c.SuspendedFrom, nil
	}
	return tr.To, nil
}

func joinStates(ss []CardState) string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = string(s)
	}
	return strings.Join(names, " or ")
}

// CardChange is a planned transition, applied by the store in one
// statement guarded by the card's version and state.
type CardChange struct {
	ID       string // of the history entry
	CardID   string
	Version  int // the version read; the store fails with ECONFLICT if it moved
	From, To CardState
	Event    CardEvent
	Reason   CardReason
	Note     string
	// SuspendedFrom is set when To is suspended.
	SuspendedFrom CardState
	ActorID       string
	At            time.Time
}

// StatusValue is a recorded state's value in the status list (IETF Token
// Status List, 2 bits): 0 valid for an active card, 1 invalid for a
// revoked one, 2 suspended for a suspended card and for a card not yet
// activated — a printed card stolen before handover does not verify.
func StatusValue(s CardState) uint8 {
	switch s {
	case CardActive:
		return 0
	case CardRevoked:
		return 1
	}
	return 2
}

// CardHistoryEntry is one recorded transition of a card.
type CardHistoryEntry struct {
	Event   CardEvent  `json:"event"`
	From    CardState  `json:"from"`
	To      CardState  `json:"to"`
	Reason  CardReason `json:"reason"`
	Note    string     `json:"note,omitempty"`
	ActorID string     `json:"actor_id"`
	At      time.Time  `json:"at"`
}

// Handover records a card handed to its holder.
type Handover struct {
	CardID string    `json:"card_id"`
	At     time.Time `json:"handed_over_at"`
	// OfficerID is the officer who handed the card over.
	OfficerID string `json:"officer_id"`
	// Acknowledgement is how the holder acknowledged receipt:
	// "signature" (signed the receipt form) or "verbal" (witnessed).
	Acknowledgement string `json:"acknowledgement"`
	// Witness names a second officer when the acknowledgement is verbal.
	Witness string `json:"witness,omitempty"`
}

// HandoverInput is what the officer enters at handover.
type HandoverInput struct {
	Acknowledgement string `json:"acknowledgement"`
	Witness         string `json:"witness"`
	// PIN is the holder's chosen portal PIN (6 to 8 digits). When empty
	// a random one is generated and returned once.
	PIN string `json:"pin"`
	// Activate also activates the card (issued → active) in the same
	// call, the usual case at the counter.
	Activate bool `json:"activate"`
}

// Validate checks a handover.
func (in HandoverInput) Validate() error {
	var v Validation
	switch in.Acknowledgement {
	case "signature":
	case "verbal":
		if strings.TrimSpace(in.Witness) == "" {
			v.Add("witness", "is required when the acknowledgement is verbal")
		}
	case "":
		v.Add("acknowledgement", "is required: signature or verbal")
	default:
		v.Add("acknowledgement", "must be signature or verbal")
	}
	if utf8.RuneCountInString(in.Witness) > 200 {
		v.Add("witness", "must be at most 200 characters")
	}
	if in.PIN != "" {
		if err := ValidatePIN(in.PIN); err != nil {
			v.Add("pin", "%s", err.Error())
		}
	}
	return v.Err("handover")
}

// ValidatePIN checks a portal PIN: 6 to 8 digits, not one digit repeated
// and not a run of consecutive digits.
func ValidatePIN(pin string) error {
	if len(pin) < 6 || len(pin) > 8 || strings.Trim(pin, "0123456789") != "" {
		return fmt.Errorf("must be 6 to 8 digits")
	}
	same, up, down := true, true, true
	for i := 1; i < len(pin); i++ {
		d := int(pin[i]) - int(pin[i-1])
		same = same && d == 0
		up = up && (d == 1 || d == -9)
		down = down && (d == -1 || d == 9)
	}
	if same || up || down {
		return fmt.Errorf("is too easy to guess (one digit repeated or a run of digits)")
	}
	return nil
}

// PrintBatch is one run of cards through a site's card printer.
type PrintBatch struct {
	ID        string           `json:"id"`
	SiteCode  string           `json:"site_code"`
	CreatedBy string           `json:"created_by"`
	CreatedAt time.Time        `json:"created_at"`
	Cards     []PrintBatchCard `json:"cards"`
}

// PrintBatchCard is one card of a batch and its outcome.
type PrintBatchCard struct {
	CardID     string     `json:"card_id"`
	CardNumber string     `json:"card_number"`
	Position   int        `json:"position"`
	Outcome    string     `json:"outcome"` // pending, printed or spoiled
	OutcomeAt  *time.Time `json:"outcome_at,omitempty"`
	// Reprint is the card issued to replace a spoiled one.
	Reprint string `json:"reprint,omitempty"`
}

// Print outcomes.
const (
	OutcomePending = "pending"
	OutcomePrinted = "printed"
	OutcomeSpoiled = "spoiled"
)

// MaxPrintBatch bounds one print batch (a card printer's hopper holds
// 100 to 200 blanks).
const MaxPrintBatch = 200

// VerifyResult is the outcome of a verification.
type VerifyResult string

const (
	VerifyValid      VerifyResult = "valid"
	VerifyRevoked    VerifyResult = "revoked"
	VerifySuspended  VerifyResult = "suspended"
	VerifyExpired    VerifyResult = "expired"
	VerifyNotGenuine VerifyResult = "not_genuine"
)

// Encounter records one verification of a card: who asked, why, and
// what they were shown. The holder sees these in the portal.
//
// An encounter is stored as the audit entry of its verification (action
// ActionVerifyCard): when, who, their roles and the stated purpose are
// the entry's own fields, the card is its subject, and the rest is its
// Detail (AuditEntry, EncounterFromAudit). It is therefore in the hash
// chain like every other audited read, and each verification writes one
// row, not an encounter row beside an audit entry that said the same.
type Encounter struct {
	ID         string       `json:"id"`
	At         time.Time    `json:"at"`
	CardID     string       `json:"card_id,omitempty"` // empty when nothing genuine was presented
	CardNumber string       `json:"card_number,omitempty"`
	PersonID   string       `json:"-"`
	UserID     string       `json:"user_id"`
	Agency     string       `json:"agency"`
	Role       string       `json:"role"`
	Purpose    string       `json:"purpose"`
	Method     string       `json:"method"` // qr or card_number
	Result     VerifyResult `json:"result"`
	Disclosed  []string     `json:"disclosed"` // field groups shown: validity, name, photo, case_summary
}

// encounterDetail is the part of an encounter that its audit entry has
// no field for: its Detail, as JSON. Nothing in it is personal data: the
// card number is the document's, and the holder is found through the
// card, not named here.
type encounterDetail struct {
	Encounter  string       `json:"encounter"`
	CardNumber string       `json:"card_number,omitempty"`
	Agency     string       `json:"agency"`
	Method     string       `json:"method"`
	Result     VerifyResult `json:"result"`
	Disclosed  []string     `json:"disclosed"`
}

// AuditEntry completes e, the audit entry of the verification, with the
// encounter: its time, the stated purpose, the card as subject (or the
// encounter itself when nothing genuine was presented) and the Detail
// that EncounterFromAudit reads back. The actor's fields are e's own.
func (enc *Encounter) AuditEntry(e *AuditEntry) *AuditEntry {
	e.At, e.Action, e.Purpose = enc.At, ActionVerifyCard, enc.Purpose
	e.SubjectType, e.SubjectID = "encounter", enc.ID
	if enc.CardID != "" {
		e.SubjectType, e.SubjectID = "card", enc.CardID
	}
	d := encounterDetail{Encounter: enc.ID, CardNumber: enc.CardNumber, Agency: enc.Agency,
		Method: enc.Method, Result: enc.Result, Disclosed: enc.Disclosed}
	if d.Disclosed == nil {
		d.Disclosed = []string{}
	}
	b, err := json.Marshal(d)
	if err != nil { // strings and a slice of strings always encode
		panic(err)
	}
	e.Detail = string(b)
	return e
}

// EncounterFromAudit reads back the encounter that AuditEntry stored in
// a verification's audit entry. The person is not in the entry: the
// caller, which found the entry through the person's cards, sets it.
func EncounterFromAudit(e *AuditEntry) (*Encounter, error) {
	if e.Action != ActionVerifyCard {
		return nil, fmt.Errorf("audit entry %d is a %q, not a verification", e.Seq, e.Action)
	}
	// Fields added later are ignored, so a server of an older version
	// can still list the encounters a newer one wrote.
	var d encounterDetail
	dec := json.NewDecoder(strings.NewReader(e.Detail))
	err := dec.Decode(&d)
	if _, end := dec.Token(); err != nil || end != io.EOF || d.Encounter == "" {
		return nil, fmt.Errorf("audit entry %d: the verification's detail is not an encounter record", e.Seq)
	}
	enc := &Encounter{ID: d.Encounter, At: e.At.UTC(), CardNumber: d.CardNumber, UserID: e.ActorID, Agency: d.Agency,
		Role: e.ActorRoles, Purpose: e.Purpose, Method: d.Method, Result: d.Result, Disclosed: d.Disclosed}
	if e.SubjectType == "card" {
		enc.CardID = e.SubjectID
	}
	return enc, nil
}

// StatusPublication is one signed status list as published.
type StatusPublication struct {
	Seq       int64     `json:"seq"`
	ChangeSeq int64     `json:"change_seq"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Token     []byte    `json:"-"`
	SHA256    string    `json:"sha256"`
	Publisher string    `json:"publisher"`
}

// CardHolder is what online verification reads in one query: the card's
// state and claims hash (not its large signed bytes) and the holder's
// name and photo reference.
type CardHolder struct {
	Card        Card
	FamilyNames string
	GivenNames  string
	Photo       *BlobRef
	// DisplayPhoto: Photo is the display copy (320 px), not the enrolment
	// photo (people enrolled before display copies existed).
	DisplayPhoto bool
}
