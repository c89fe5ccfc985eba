package docketcard

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"time"
)

// Audit actions. An action names what happened to the subject.
const (
	ActionCreate         = "create"
	ActionUpdate         = "update"
	ActionRead           = "read"
	ActionList           = "list"
	ActionDelete         = "delete"
	ActionImport         = "import"
	ActionLogin          = "login"
	ActionLoginFailed    = "login_failed"
	ActionLogout         = "logout"
	ActionLocked         = "locked"
	ActionTokenCreate    = "token_create"
	ActionTokenRevoke    = "token_revoke"
	ActionPasswordSet    = "password_set"
	ActionVerifyAudit    = "audit_verify"
	ActionDenied         = "denied"       // an authorised role reached for a record outside its sites
	ActionCardPrepare    = "card_prepare" // the exact bytes to be signed were stored
	ActionCardSign       = "card_sign"    // those bytes were signed
	ActionCheckStart     = "check_start"
	ActionCheckResult    = "check_result"
	ActionClearanceGrant = "clearance_grant"
	ActionAdjudicate     = "adjudicate"
	ActionFlag           = "flag" // recurrent vetting hit
	ActionScreen         = "screen"
	ActionCardTransition = "card_transition" // detail: event, from → to, reason
	ActionCardReplace    = "card_replace"
	ActionHandover       = "card_handover"
	ActionPrintBatch     = "print_batch"
	ActionVerifyCard     = "verify_card" // a verification of a card: its encounter record (Encounter.AuditEntry)
	ActionStatusPublish  = "status_publish"
)

// AuditEntry is one record of the append-only, hash-chained audit trail.
// It never holds a person's personal data: subjects are named by opaque ID.
type AuditEntry struct {
	Seq         int64     `json:"seq"`
	At          time.Time `json:"at"`
	ActorID     string    `json:"actor_id"`
	ActorName   string    `json:"actor_name"`
	ActorRoles  string    `json:"actor_roles"`
	Action      string    `json:"action"`
	SubjectType string    `json:"subject_type"`
	SubjectID   string    `json:"subject_id"`
	SiteCode    string    `json:"site_code,omitempty"`
	Purpose     string    `json:"purpose,omitempty"`
	RequestID   string    `json:"request_id,omitempty"`
	Detail      string    `json:"detail,omitempty"` // short, PII-free, e.g. changed field names
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
}

// GenesisHash is the PrevHash of the first entry: 32 zero bytes, in hex.
var GenesisHash = hex.EncodeToString(make([]byte, 32))

// ComputeHash returns the hex SHA-256 that commits to every field of e
// (except Hash) and to the previous entry's hash. Each field is written
// with a length prefix so that no two different entries share an encoding.
func (e *AuditEntry) ComputeHash() string {
	h := sha256.New()
	var buf [8]byte
	put := func(s string) {
		binary.BigEndian.PutUint64(buf[:], uint64(len(s)))
		h.Write(buf[:])
		h.Write([]byte(s))
	}
	put("docketcard-audit-v1")
	binary.BigEndian.PutUint64(buf[:], uint64(e.Seq))
	h.Write(buf[:])
	put(e.At.UTC().Format(time.RFC3339Nano))
	for _, s := range []string{e.ActorID, e.ActorName, e.ActorRoles, e.Action, e.SubjectType,
		e.SubjectID, e.SiteCode, e.Purpose, e.RequestID, e.Detail, e.PrevHash} {
		put(s)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets e's Seq, PrevHash and Hash to follow the entry with sequence
// prevSeq and hash prevHash.
func (e *AuditEntry) Seal(prevSeq int64, prevHash string) {
	e.Seq = prevSeq + 1
	e.PrevHash = prevHash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = e.ComputeHash()
}

// AuditProblem describes one break in the chain.
type AuditProblem struct {
	Seq    int64  `json:"seq"`
	Kind   string `json:"kind"` // "edited", "deleted", "inserted", "reordered", "head"
	Detail string `json:"detail"`
}

func (p AuditProblem) String() string {
	return fmt.Sprintf("entry %d: %s: %s", p.Seq, p.Kind, p.Detail)
}

// AuditVerifier checks entries one at a time, in sequence order, so that a
// chain of any length is verified in constant memory.
type AuditVerifier struct {
	prevSeq  int64
	prevHash string
	Count    int64
	Problems []AuditProblem
}

// NewAuditVerifier starts a verification at the genesis of the chain.
func NewAuditVerifier() *AuditVerifier {
	return &AuditVerifier{prevHash: GenesisHash}
}

// maxProblems bounds the report of a badly damaged chain.
const maxProblems = 100

func (v *AuditVerifier) problem(seq int64, kind, format string, args ...any) {
	if len(v.Problems) < maxProblems {
		v.Problems = append(v.Problems, AuditProblem{Seq: seq, Kind: kind, Detail: fmt.Sprintf(format, args...)})
	}
}

// Add checks the next entry.
//
// An edited entry no longer matches its own hash. A deleted entry leaves a
// gap in the sequence and a broken link. An inserted entry (or one whose
// hash was recomputed after an edit) breaks the link of the entry after
// it. Each is reported with the sequence number of the entry concerned.
func (v *AuditVerifier) Add(e *AuditEntry) {
	v.Count++
	if got := e.ComputeHash(); got != e.Hash {
		v.problem(e.Seq, "edited", "contents do not match the entry's hash (stored %.12s…, computed %.12s…)", e.Hash, got)
	}
	switch {
	case e.Seq > v.prevSeq+1:
		v.problem(e.Seq, "deleted", "entries %d to %d are missing", v.prevSeq+1, e.Seq-1)
	case e.Seq <= v.prevSeq:
		v.problem(e.Seq, "reordered", "sequence number %d follows %d", e.Seq, v.prevSeq)
	}
	if e.PrevHash != v.prevHash {
		if e.Seq == v.prevSeq+1 {
			v.problem(e.Seq, "inserted", "does not link to entry %d (an entry before it was replaced, inserted or re-hashed)", v.prevSeq)
		} else if e.Seq > v.prevSeq+1 {
			// already reported as a gap
		} else {
			v.problem(e.Seq, "inserted", "does not link to the entry before it")
		}
	}
	v.prevSeq, v.prevHash = e.Seq, e.Hash
}

// Finish compares the end of the chain with the head recorded separately
// (which catches entries deleted from the end) and returns whether the
// chain is intact.
func (v *AuditVerifier) Finish(headSeq int64, headHash string) bool {
	if headSeq != v.prevSeq {
		v.problem(headSeq, "deleted", "the audit head records %d entries but the chain ends at entry %d", headSeq, v.prevSeq)
	} else if headHash != v.prevHash {
		v.problem(headSeq, "head", "the audit head's hash does not match the last entry")
	}
	return len(v.Problems) == 0
}

// AuditFilter selects audit entries for reading.
type AuditFilter struct {
	SubjectID string
	ActorID   string
	AfterSeq  int64
	Limit     int
}
