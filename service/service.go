// Package service is docketcard's application layer: every use case, with
// its authorisation check, validation and audit entry, in one place. HTTP
// handlers and CLI commands are thin: they parse, call a method here with
// the acting user, and render. Nothing here knows about HTTP or SQL.
package service

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/photo"
)

// Config holds the service's policy knobs.
type Config struct {
	SessionTTL       time.Duration // absolute lifetime of a browser session
	LockoutThreshold int           // failed sign-ins before a lock
	LockoutDuration  time.Duration // how long a lock lasts
	TokenTTL         time.Duration // default API token lifetime
	MaxTokenTTL      time.Duration
	PhotoLimits      photo.Limits
	Password         PasswordParams
	ImportBatch      int // rows per import transaction
}

// DefaultConfig returns the production defaults.
func DefaultConfig() Config {
	return Config{
		SessionTTL:       8 * time.Hour,
		LockoutThreshold: 5,
		LockoutDuration:  15 * time.Minute,
		TokenTTL:         90 * 24 * time.Hour,
		MaxTokenTTL:      366 * 24 * time.Hour,
		PhotoLimits:      photo.DefaultLimits,
		Password:         DefaultPasswordParams,
		ImportBatch:      500,
	}
}

// Service implements docketcard's use cases.
type Service struct {
	store docketcard.Store
	blobs docketcard.BlobStore
	clock docketcard.Clock
	cfg   Config
	log   *slog.Logger
	newID func() string
	dummy string // a password hash to verify against for unknown users
	reads *groupAudit
	// holders batches the card-and-holder reads of online verification.
	holders *holderReads
	// instance names this process as a holder of database leases.
	instance string
	tokens   tokenCache
	pubMu    sync.Mutex // one status-list publication at a time in this process

	signers    Signers
	cardPolicy CardPolicy
	trust      TrustSource

	checkPolicy docketcard.CheckPolicy
	providers   map[docketcard.CheckType]CheckProvider
	queue       CheckQueue
}

// New returns a Service. clock may be nil (time.Now).
func New(store docketcard.Store, blobs docketcard.BlobStore, clock docketcard.Clock, cfg Config, log *slog.Logger) *Service {
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, blobs: blobs, clock: clock, cfg: cfg, log: log, newID: NewID, reads: &groupAudit{store: store, full: make(chan struct{}, 1)}, holders: &holderReads{store: store}, cardPolicy: DefaultCardPolicy(),
		checkPolicy: docketcard.DefaultCheckPolicy(), instance: NewID()}
	s.dummy, _ = HashPassword("not-a-real-password-for-timing", cfg.Password)
	return s
}

// Store returns the underlying store (for health checks).
func (s *Service) Store() docketcard.Store { return s.store }

// Config returns the service configuration.
func (s *Service) Config() Config { return s.cfg }

// NewID returns a new time-ordered unique identifier (UUIDv7), so that
// listings in ID order are in creation order and indexes stay compact.
func NewID() string {
	return uuid.Must(uuid.NewV7()).String()
}

func (s *Service) now() time.Time { return s.clock().UTC().Truncate(time.Microsecond) }

// defaultPurposes is the purpose recorded for a read when the actor gave none.
var defaultPurposes = map[docketcard.Role]string{
	docketcard.RoleEnrollmentOfficer: "enrollment",
	docketcard.RoleAdjudicator:       "adjudication",
	docketcard.RoleFOIAOfficer:       "first-party records request",
	docketcard.RoleAuditor:           "audit",
	docketcard.RoleAdmin:             "administration",
}

func purpose(a docketcard.Actor) string {
	if p := strings.TrimSpace(a.Purpose); p != "" {
		if r := []rune(p); len(r) > 200 {
			p = string(r[:200])
		}
		p = strings.Map(func(r rune) rune {
			if r < ' ' || r == 0x7f {
				return ' '
			}
			return r
		}, p)
		return p
	}
	if a.System {
		return "system maintenance"
	}
	for _, r := range a.Roles {
		if p, ok := defaultPurposes[r]; ok {
			return p
		}
	}
	return "official business"
}

// audit builds an entry for the actor; the store seals it into the chain.
func (s *Service) audit(a docketcard.Actor, action, subjectType, subjectID, site, detail string) *docketcard.AuditEntry {
	name := a.Username
	if name == "" {
		name = "anonymous"
	}
	id := a.UserID
	if id == "" {
		id = "anonymous"
	}
	return &docketcard.AuditEntry{
		At: s.now(), ActorID: id, ActorName: name, ActorRoles: a.RoleNames(), Action: action,
		SubjectType: subjectType, SubjectID: subjectID, SiteCode: site, Purpose: purpose(a),
		RequestID: a.RequestID, Detail: detail,
	}
}

// auditRead records a read of personal data before the data are
// returned: the caller reads in a read-only transaction, then waits here
// until the audit entry has committed (by group commit with other reads).
func (s *Service) auditRead(ctx context.Context, e *docketcard.AuditEntry) error {
	return s.reads.Append(ctx, e)
}

// appendAudit writes entries inside tx.
func appendAudit(ctx context.Context, tx docketcard.Tx, es ...*docketcard.AuditEntry) error {
	for _, e := range es {
		if err := tx.AppendAudit(ctx, e); err != nil {
			return err
		}
	}
	return nil
}

// clampLimit bounds a page size.
func clampLimit(n, def, max int) int {
	if n <= 0 {
		return def
	}
	return min(n, max)
}
