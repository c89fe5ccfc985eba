package docketcard

import (
	"context"
	"time"
)

// Store is the storage port. Every change runs in a read-write transaction
// together with the audit entries that record it, so a change is never
// committed without its audit entry nor audited without being committed.
// Read-only work runs in a read-only transaction (on SQLite, a separate
// pool of read connections; on PostgreSQL, a READ ONLY transaction).
type Store interface {
	WithTx(ctx context.Context, fn func(Tx) error) error
	ReadTx(ctx context.Context, fn func(Tx) error) error
	// SchemaVersion reports the applied and the latest known migration.
	SchemaVersion(ctx context.Context) (applied, latest int, err error)
	Ping(ctx context.Context) error
	Close() error
	Dialect() string // "sqlite" or "postgres"
	// CardHolders is Tx.CardHolderByNumber for several card numbers at
	// once, as one prepared statement outside any transaction (the hot
	// path of online verification, where concurrent requests share one
	// read). Numbers without a signed card are absent from the map.
	CardHolders(ctx context.Context, numbers []string) (map[string]*CardHolder, error)
	// AppendGroup commits audit entries in one transaction, as WithTx
	// running Tx.AppendAudit would, in as few round trips as the database
	// allows (the group commit of audited reads and of online
	// verifications, whose encounter records are audit entries).
	AppendGroup(ctx context.Context, es []*AuditEntry) error
}

// Tx is one transaction. Methods translate driver errors to *Error codes:
// a unique violation becomes ECONFLICT, a missing row ENOTFOUND, a stale
// version ECONFLICT.
type Tx interface {
	// Sites.
	CreateSite(ctx context.Context, s *Site) error
	GetSite(ctx context.Context, code string) (*Site, error)
	ListSites(ctx context.Context) ([]*Site, error)
	UpdateSite(ctx context.Context, s *Site) error // s.Version is the version read; bumped on success

	// People.
	CreatePerson(ctx context.Context, p *Person) error
	// CreatePeople inserts many people (and their aliases) with multi-row
	// statements; used by bulk import.
	CreatePeople(ctx context.Context, ps []*Person) error
	GetPerson(ctx context.Context, id string) (*Person, error)
	GetPersonByANumber(ctx context.Context, a ANumber) (*Person, error)
	ListPeople(ctx context.Context, f PersonFilter) ([]*Person, error)
	UpdatePerson(ctx context.Context, p *Person) error // optimistic on p.Version
	ExistingANumbers(ctx context.Context, as []ANumber) (map[ANumber]string, error)

	// Encrypted blobs (metadata; the sealed bytes live in a blob backend).
	CreateBlob(ctx context.Context, b *BlobRef, at time.Time) error
	GetBlob(ctx context.Context, id string) (*BlobRef, error)

	// Cases, hearings and reporting schedules.
	CreateCase(ctx context.Context, c *Case) error
	GetCase(ctx context.Context, id string) (*Case, error)
	ListCases(ctx context.Context, personID string) ([]*Case, error)
	UpdateCase(ctx context.Context, c *Case) error
	CreateHearing(ctx context.Context, h *Hearing) error
	GetHearing(ctx context.Context, id string) (*Hearing, error)
	ListHearings(ctx context.Context, caseID string) ([]*Hearing, error)
	UpdateHearing(ctx context.Context, h *Hearing) error
	GetReporting(ctx context.Context, caseID string) (*ReportingSchedule, error)
	PutReporting(ctx context.Context, r *ReportingSchedule) error // insert when Version==0, else optimistic update

	// Documents.
	CreateDocument(ctx context.Context, d *Document) error
	GetDocument(ctx context.Context, id string) (*Document, error)
	ListDocuments(ctx context.Context, personID string) ([]*Document, error)

	// Users and credentials.
	CreateUser(ctx context.Context, u *User, passwordHash string) error
	GetUser(ctx context.Context, id string) (*User, error)
	GetUserByUsername(ctx context.Context, username string) (*User, error)
	ListUsers(ctx context.Context) ([]*User, error)
	UpdateUser(ctx context.Context, u *User) error
	PasswordHash(ctx context.Context, userID string) (string, error)
	SetPasswordHash(ctx context.Context, userID, hash string, at time.Time) error
	// RecordLoginFailure counts a failed sign-in and locks the account
	// until lockUntil once failures reach threshold; it returns the count.
	RecordLoginFailure(ctx context.Context, userID string, threshold int, lockUntil time.Time) (int, error)
	ResetLoginFailures(ctx context.Context, userID string) error

	CreateSession(ctx context.Context, tokenHash string, s *Session) error
	GetSession(ctx context.Context, tokenHash string) (*Session, error)
	DeleteSession(ctx context.Context, tokenHash string) error
	DeleteUserSessions(ctx context.Context, userID string) error
	DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error)

	CreateToken(ctx context.Context, t *APIToken, tokenHash string) error
	GetTokenByHash(ctx context.Context, tokenHash string) (*APIToken, error)
	ListTokens(ctx context.Context, userID string) ([]*APIToken, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error
	TouchToken(ctx context.Context, id string, at time.Time) error

	// Cards.
	CreateCard(ctx context.Context, c *Card) error
	GetCard(ctx context.Context, id string) (*Card, error)
	GetCardByNumber(ctx context.Context, number string) (*Card, error)
	GetCardByRequestKey(ctx context.Context, key string) (*Card, error)
	ListCards(ctx context.Context, personID string) ([]*Card, error)
	SignCard(ctx context.Context, c *Card) error // prepared → signed, optimistic on c.Version
	StatusIndexUsed(ctx context.Context, idx int) (bool, error)
	// CardStatuses calls fn with the status-list index and recorded state
	// of every signed card.
	CardStatuses(ctx context.Context, fn func(idx int, state CardState) error) error

	// Card lifecycle. TransitionCard applies a planned change in one
	// statement guarded by the card's version and state (ECONFLICT when
	// either moved), records it in the card's history and, when the
	// card's status-list value changes, bumps the status change counter.
	TransitionCard(ctx context.Context, ch *CardChange) error
	CardHistory(ctx context.Context, cardID string) ([]*CardHistoryEntry, error)
	// SetDisplayPhoto records the display copy of a person's photo and
	// returns the blob it replaces, if any.
	SetDisplayPhoto(ctx context.Context, personID string, ref BlobRef, at time.Time) (*BlobRef, error)
	// CardHolderByNumber reads a signed card's state and its holder's name
	// and photo reference in one query, for online verification.
	CardHolderByNumber(ctx context.Context, number string) (*CardHolder, error)
	// CardsOf returns the cards of a person in the given recorded states.
	CardsOf(ctx context.Context, personID string, states ...CardState) ([]*Card, error)
	CreateHandover(ctx context.Context, h *Handover) error
	GetHandover(ctx context.Context, cardID string) (*Handover, error)
	SetPortalPIN(ctx context.Context, personID, hash, setBy string, at time.Time) error

	// Printing.
	// PrintQueue lists approved cards of a site not yet in a batch, oldest first.
	PrintQueue(ctx context.Context, site string, limit int) ([]*Card, error)
	CreatePrintBatch(ctx context.Context, b *PrintBatch) error
	GetPrintBatch(ctx context.Context, id string) (*PrintBatch, error)
	ListPrintBatches(ctx context.Context, sites []string, limit int) ([]*PrintBatch, error)
	// SetPrintOutcome records a pending card's outcome (in batch batchID,
	// or in whichever batch holds it when batchID is ""); ECONFLICT if it
	// already has one, ENOTFOUND if no batch holds it.
	SetPrintOutcome(ctx context.Context, batchID, cardID, outcome, reprint string, at time.Time) error
	// SetPrintReprint records the card that replaces a spoiled one.
	SetPrintReprint(ctx context.Context, batchID, cardID, reprint string) error

	// Status publication.
	StatusChangeSeq(ctx context.Context) (int64, error)
	// LockStatusChanges takes the status counter's row lock without
	// changing it (lock ordering: counter before audit head).
	LockStatusChanges(ctx context.Context) error
	// AcquireLease takes or renews the named lease for holder until
	// now+ttl; false if another holder's lease has not expired.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) (bool, error)
	ReleaseLease(ctx context.Context, name, holder string) error
	PublishStatusList(ctx context.Context, p *StatusPublication) error
	LatestStatusList(ctx context.Context) (*StatusPublication, error)

	// Encounters (verifications): written as audit entries
	// (Encounter.AuditEntry), listed here by the person whose card was
	// verified.
	ListEncounters(ctx context.Context, personID string, limit int) ([]*Encounter, error)

	// Background checks, adjudication, clearances.
	CreateCheckRun(ctx context.Context, run *CheckRun) error // with run.Checks
	GetCheckRun(ctx context.Context, id string) (*CheckRun, error)
	ListCheckRuns(ctx context.Context, personID string) ([]*CheckRun, error)
	GetCheck(ctx context.Context, id string) (*Check, error)
	GetCheckByProviderRef(ctx context.Context, ref string) (*Check, error)
	UpdateCheck(ctx context.Context, c *Check) error // optimistic on c.Version
	AddCheckAttempt(ctx context.Context, a *CheckAttempt) error
	ListCheckAttempts(ctx context.Context, checkID string) ([]*CheckAttempt, error)
	// ListReviewQueue lists checks in possible_match at the given sites, oldest first.
	ListReviewQueue(ctx context.Context, sites []string, after string, limit int) ([]*Check, error)
	CreateAdjudication(ctx context.Context, a *Adjudication) error
	GetAdjudication(ctx context.Context, checkID string) (*Adjudication, error)
	RecordEnrollment(ctx context.Context, personID, enrolledBy string) error
	RecordEnrollments(ctx context.Context, personIDs []string, enrolledBy string) error
	EnrolledBy(ctx context.Context, personID string) (string, error)
	CreateClearance(ctx context.Context, c *Clearance) error
	GetClearance(ctx context.Context, id string) (*Clearance, error)
	// CurrentClearance returns the newest clearance of the person that is
	// not revoked and not expired at now, or ENOTFOUND.
	CurrentClearance(ctx context.Context, personID string, now time.Time) (*Clearance, error)
	RevokeClearances(ctx context.Context, personID, reason string, at time.Time) (int64, error)
	// Cardholders calls fn for every person holding a signed card.
	Cardholders(ctx context.Context, fn func(personID string) error) error
	// ClaimRescreen records that the re-screening for the watch-list
	// version set lists has started; false if it was already claimed.
	ClaimRescreen(ctx context.Context, lists string, at time.Time) (bool, error)
	// ReleaseRescreen removes the claim of a re-screening that failed, so
	// that it is tried again.
	ReleaseRescreen(ctx context.Context, lists string) error
	// Duplicate-detection blocking keys.
	PutPersonKeys(ctx context.Context, personID string, keys []string, photoHash *uint64) error
	// AddPersonKeys inserts keys of fresh people in bulk: pairs of
	// (person id, key).
	AddPersonKeys(ctx context.Context, pairs [][2]string) error
	// CandidatesByKeys returns people (other than exclude) sharing any key.
	CandidatesByKeys(ctx context.Context, keys []string, exclude string, limit int) ([]string, error)
	PhotoHash(ctx context.Context, personID string) (uint64, bool, error)
	// PeopleByID loads several people (with aliases) and their photo
	// hashes in two queries.
	PeopleByID(ctx context.Context, ids []string) ([]*Person, map[string]uint64, error)

	// Audit trail. AppendAudit seals the entries, in order, after the
	// current head (setting Seq, PrevHash and Hash) under a lock that
	// serialises appends.
	AppendAudit(ctx context.Context, es ...*AuditEntry) error
	ListAudit(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	ScanAudit(ctx context.Context, fn func(*AuditEntry) error) error
	AuditHead(ctx context.Context) (seq int64, hash string, err error)
}

// BlobStore seals and opens encrypted files (implemented by package blob).
type BlobStore interface {
	Put(ctx context.Context, contentType string, plaintext []byte) (BlobRef, error)
	Get(ctx context.Context, ref BlobRef) ([]byte, error)
	Delete(ctx context.Context, id string) error
}

// Clock returns the current time; injected so that tests control time.
type Clock func() time.Time
