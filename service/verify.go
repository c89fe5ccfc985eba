package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/photo"
	"github.com/docketcard/docketcard/pki"
)

// TrustSource gives online verification the published trust list.
type TrustSource interface {
	TrustList() (*pki.TrustList, []byte)
}

// SetVerifierTrust wires the trust list into online verification.
func (s *Service) SetVerifierTrust(t TrustSource) { s.trust = t }

// VerifyRequest is an online verification: the QR text read from a card,
// or its card number typed in, and the purpose (required of DHS officers).
type VerifyRequest struct {
	QR         string `json:"qr"`
	CardNumber string `json:"card_number"`
	Purpose    string `json:"purpose"`
}

// Verification is what the requester is shown.
type Verification struct {
	Result      docketcard.VerifyResult `json:"result"`
	Detail      string                  `json:"detail"`
	CheckedAt   time.Time               `json:"checked_at"`
	CardNumber  string                  `json:"card_number,omitempty"`
	ExpiresAt   *time.Time              `json:"expires_at,omitempty"`
	Holder      *VerifiedHolder         `json:"holder,omitempty"`
	CaseSummary *CaseSummary            `json:"case_summary,omitempty"`
	Disclosed   []string                `json:"disclosed"`
	EncounterID string                  `json:"encounter_id"`
}

// VerifiedHolder is the name and enrolled photo of the holder.
type VerifiedHolder struct {
	FamilyNames string `json:"family_names"`
	GivenNames  string `json:"given_names"`
	Photo       []byte `json:"photo,omitempty"` // JPEG, base64 in JSON
	PhotoType   string `json:"photo_type,omitempty"`
}

// CaseSummary is what an authorised DHS officer sees of the case behind
// a card.
type CaseSummary struct {
	Cases []CaseBrief `json:"cases"`
}

// CaseBrief summarises one case.
type CaseBrief struct {
	Court       string                `json:"court"`
	Status      docketcard.CaseStatus `json:"status"`
	NextHearing *HearingBrief         `json:"next_hearing,omitempty"`
	Reporting   *ReportingBrief       `json:"reporting,omitempty"`
}

// HearingBrief is the next hearing of a case.
type HearingBrief struct {
	Type         docketcard.HearingType `json:"type"`
	StartsAt     time.Time              `json:"starts_at"`
	TimeZone     string                 `json:"time_zone"`
	CourtAddress string                 `json:"court_address"`
}

// ReportingBrief is a case's reporting schedule and compliance.
type ReportingBrief struct {
	Cadence       docketcard.Cadence       `json:"cadence"`
	Mode          docketcard.ReportingMode `json:"mode"`
	Location      string                   `json:"location"`
	NextReportDue string                   `json:"next_report_due,omitempty"`
	// Compliance is "on_schedule" while the schedule runs, "ended" after
	// it; missed check-ins are not recorded yet (the portal's check-in
	// records will make this "overdue").
	Compliance string `json:"compliance"`
}

// Disclosure groups.
const (
	DiscloseValidity = "validity"
	DiscloseName     = "name"
	DisclosePhoto    = "photo"
	DiscloseCase     = "case_summary"
)

// dhsVerifier reports whether the actor verifies as a DHS officer (who
// states a purpose and sees the case summary) rather than a relying party.
func dhsVerifier(a docketcard.Actor) bool {
	return a.System || a.Has(docketcard.RoleFieldVerifier) || a.Has(docketcard.RoleEnrollmentOfficer)
}

// cardNumberValid checks the form "DC" + 7 digits.
func cardNumberValid(n string) bool {
	return len(n) == docketcard.CardNumberLen && strings.HasPrefix(n, "DC") && strings.Trim(n[2:], "0123456789") == ""
}

// VerifyCard verifies a card online and records the encounter. What is
// disclosed depends on who asks: a relying party outside DHS learns the
// result and, for a valid card, the holder's name and photo; a DHS
// officer, who must state a purpose, also sees a case summary. Every call
// writes an encounter record, which is its audit entry, before answering.
func (s *Service) VerifyCard(ctx context.Context, a docketcard.Actor, in VerifyRequest) (*Verification, error) {
	if err := a.Authorize(docketcard.PermCardVerify, ""); err != nil {
		return nil, err
	}
	dhs := dhsVerifier(a)
	var v docketcard.Validation
	in.QR, in.CardNumber, in.Purpose = strings.TrimSpace(in.QR), strings.ToUpper(strings.TrimSpace(in.CardNumber)), strings.TrimSpace(in.Purpose)
	switch {
	case in.QR == "" && in.CardNumber == "":
		v.Add("qr", "give the QR payload or the card number")
	case in.QR != "" && in.CardNumber != "":
		v.Add("card_number", "give the QR payload or the card number, not both")
	case in.CardNumber != "" && !cardNumberValid(in.CardNumber):
		v.Add("card_number", "must be DC followed by 7 digits")
	case len(in.QR) > credential.DefaultLimits.MaxText:
		v.Add("qr", "is longer than any card's QR payload (%d characters)", credential.DefaultLimits.MaxText)
	}
	if dhs && in.Purpose == "" {
		v.Add("purpose", "is required: DHS officers state why they verify a card (it is recorded and shown to the holder)")
	}
	if utf8.RuneCountInString(in.Purpose) > 200 || strings.ContainsFunc(in.Purpose, func(r rune) bool { return r < 0x20 }) {
		v.Add("purpose", "must be at most 200 characters, no control characters")
	}
	if err := v.Err("verification request"); err != nil {
		return nil, err
	}
	now := s.now()
	out := &Verification{CheckedAt: now, Disclosed: []string{DiscloseValidity}}
	enc := &docketcard.Encounter{ID: s.newID(), At: now, UserID: actorID(a), Agency: agencyOf(a), Role: a.RoleNames(), Purpose: in.Purpose}
	if enc.Purpose == "" {
		enc.Purpose = "identity check"
	}

	var presented []byte  // the signed claims of a presented QR
	var early *holderWait // the card's read, started before the signature was checked
	number := in.CardNumber
	if in.QR != "" {
		enc.Method = "qr"
		if s.trust == nil {
			return nil, docketcard.Errorf(docketcard.EUNAVAILABLE, "Online verification is not configured: no trust list.")
		}
		tl, _ := s.trust.TrustList()
		verifier := &credential.Verifier{Trust: tl, Now: func() time.Time { return now }}
		parsed, derr := verifier.Decode(in.QR)
		if derr == nil && !dhs && cardNumberValid(parsed.Credential.CardNumber) {
			// Start reading the card while its signature is checked: the
			// read waits on the database, the check on the CPU. Nothing
			// read is used unless the signature verifies, and the read
			// still starts after the request arrived.
			early = s.holders.Start(parsed.Credential.CardNumber)
		}
		res, err := verifier.Check(parsed, derr)
		if err != nil {
			return nil, err
		}
		if res.Outcome == credential.Malformed {
			return nil, &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid verification request: qr: is not a Secure Docket Card QR payload (" + res.Reason + ")",
				Fields: []docketcard.FieldError{{Field: "qr", Message: "is not a Secure Docket Card QR payload"}}}
		}
		if res.Credential != nil && cardNumberValid(res.Credential.CardNumber) {
			// Only a well-formed number is recorded: when the signature
			// fails, this is whatever text the forger put there, and the
			// audit trail keeps it for good.
			enc.CardNumber = res.Credential.CardNumber
		}
		if res.Outcome == credential.BadSignature {
			out.Result, out.Detail = docketcard.VerifyNotGenuine, "the signature does not verify against the trust list"
			return s.finishVerify(ctx, a, out, enc)
		}
		number, presented = res.Credential.CardNumber, res.Claims
	} else {
		enc.Method, enc.CardNumber = "card_number", in.CardNumber
	}

	// The card and its holder in one query; for a DHS officer, in one read
	// transaction with the case summary.
	var h *docketcard.CardHolder
	var err error
	if !dhs {
		if early == nil || early.number != number { // the second half only as a guard: both come from the same claims
			early = s.holders.Start(number)
		}
		h, err = early.Wait(ctx)
		if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
			h, err = nil, nil
		}
	} else {
		err = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
			var err error
			h, err = tx.CardHolderByNumber(ctx, number)
			if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
				h = nil
				return nil
			} else if err != nil {
				return err
			}
			// Field verifiers see the case behind any card; other DHS
			// roles only at the sites they serve, as elsewhere.
			if (presented == nil || sameClaims(presented, h.Card.ClaimsHash)) &&
				(a.System || a.Has(docketcard.RoleFieldVerifier) || a.Serves(h.Card.SiteCode)) {
				out.CaseSummary, err = caseSummary(ctx, tx, h.Card.PersonID, now)
			}
			return err
		})
	}
	if err != nil {
		return nil, err
	}
	switch {
	case h == nil && presented != nil:
		out.Result, out.Detail = docketcard.VerifyNotGenuine, "validly signed, but no such card was issued: report it (a signing key may be compromised)"
		return s.finishVerify(ctx, a, out, enc)
	case h == nil:
		out.Result, out.Detail = docketcard.VerifyNotGenuine, "no card with this number was issued"
		return s.finishVerify(ctx, a, out, enc)
	case presented != nil && !sameClaims(presented, h.Card.ClaimsHash):
		out.Result, out.Detail = docketcard.VerifyNotGenuine, "validly signed, but not the card issued under this number: report it"
		return s.finishVerify(ctx, a, out, enc)
	}
	card := &h.Card
	enc.CardID, enc.PersonID, out.CardNumber = card.ID, card.PersonID, card.CardNumber
	exp := card.ExpiresAt
	out.ExpiresAt = &exp
	// Why a card was stopped (a watch-list hit, fraud, removal) is itself
	// personal data: a relying party learns only the result.
	why := func(detail string) string {
		if dhs {
			return detail
		}
		return ""
	}
	switch st := card.StateAt(now); st {
	case docketcard.CardActive:
		out.Result, out.Detail = docketcard.VerifyValid, "active"
	case docketcard.CardRevoked:
		out.Result, out.Detail = docketcard.VerifyRevoked, "revoked"+why(": "+string(card.StateReason))
	case docketcard.CardExpired:
		out.Result, out.Detail = docketcard.VerifyExpired, "expired on "+card.ExpiresAt.Format(time.DateOnly)
	case docketcard.CardSuspended:
		out.Result, out.Detail = docketcard.VerifySuspended, "suspended"+why(": "+string(card.StateReason))
	default:
		out.Result, out.Detail = docketcard.VerifySuspended, "not in use"+why(": the card is "+string(st)+" and has not been activated")
	}
	// A DHS officer sees the holder's name and photo whatever the result.
	// A relying party sees them only for a valid card, and only when it
	// presented the card's QR: a card number alone (which can be guessed)
	// tells a relying party whether it is valid, nothing about its holder.
	if dhs || (out.Result == docketcard.VerifyValid && presented != nil) {
		out.Holder = &VerifiedHolder{FamilyNames: h.FamilyNames, GivenNames: h.GivenNames}
		out.Disclosed = append(out.Disclosed, DiscloseName)
		if h.Photo != nil {
			b, err := s.blobs.Get(ctx, *h.Photo)
			if err != nil {
				return nil, err
			}
			if !h.DisplayPhoto {
				// Enrolled before display copies existed: never send the
				// enrolment photo itself.
				if b, err = photo.Display(b); err != nil {
					return nil, err
				}
			}
			out.Holder.Photo, out.Holder.PhotoType = b, h.Photo.ContentType
			out.Disclosed = append(out.Disclosed, DisclosePhoto)
		}
	}
	if out.CaseSummary != nil {
		out.Disclosed = append(out.Disclosed, DiscloseCase)
	}
	return s.finishVerify(ctx, a, out, enc)
}

// sameClaims reports whether the presented, validly signed claims are
// exactly those issued under the card number (their SHA-256 was stored
// before signing).
func sameClaims(claims []byte, issuedHex string) bool {
	x := sha256.Sum256(claims)
	y, err := hex.DecodeString(issuedHex)
	return err == nil && subtle.ConstantTimeCompare(x[:], y) == 1
}

func agencyOf(a docketcard.Actor) string {
	if a.Agency != "" {
		return a.Agency
	}
	if a.System {
		return "DHS (command line)"
	}
	return "DHS"
}

// finishVerify writes the encounter, as its audit entry (group commit),
// before the answer leaves.
func (s *Service) finishVerify(ctx context.Context, a docketcard.Actor, out *Verification, enc *docketcard.Encounter) (*Verification, error) {
	enc.Result, enc.Disclosed = out.Result, slices.Clone(out.Disclosed)
	out.EncounterID = enc.ID
	// The encounter is the verification's audit entry: the actor's
	// fields here, the rest (subject, purpose, detail) the encounter's.
	e := enc.AuditEntry(s.audit(a, docketcard.ActionVerifyCard, "", "", "", ""))
	if err := s.reads.Append(ctx, e); err != nil {
		return nil, err
	}
	return out, nil
}

func caseSummary(ctx context.Context, tx docketcard.Tx, personID string, now time.Time) (*CaseSummary, error) {
	sum := &CaseSummary{Cases: []CaseBrief{}}
	cases, err := tx.ListCases(ctx, personID)
	if err != nil {
		return nil, err
	}
	for _, c := range cases {
		b := CaseBrief{Court: c.Court, Status: c.Status}
		hs, err := tx.ListHearings(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		for _, h := range hs {
			if !h.Cancelled && h.StartsAt.After(now) && (b.NextHearing == nil || h.StartsAt.Before(b.NextHearing.StartsAt)) {
				b.NextHearing = &HearingBrief{Type: h.Type, StartsAt: h.StartsAt, TimeZone: h.TimeZone, CourtAddress: h.CourtAddress}
			}
		}
		r, err := tx.GetReporting(ctx, c.ID)
		if err == nil {
			b.Reporting = reportingBrief(r, now)
		} else if docketcard.ErrorCode(err) != docketcard.ENOTFOUND {
			return nil, err
		}
		sum.Cases = append(sum.Cases, b)
	}
	return sum, nil
}

// reportingBrief computes the next report due from the schedule.
func reportingBrief(r *docketcard.ReportingSchedule, now time.Time) *ReportingBrief {
	b := &ReportingBrief{Cadence: r.Cadence, Mode: r.Mode, Location: r.Location, Compliance: "on_schedule"}
	start := r.StartsOn.Time
	if r.EndsOn != nil && now.After(r.EndsOn.Time.AddDate(0, 0, 1)) {
		b.Compliance = "ended"
		return b
	}
	due := start
	for i := 0; due.Before(now.Truncate(24*time.Hour)) && i < 10000; i++ {
		switch r.Cadence {
		case docketcard.CadenceWeekly:
			due = due.AddDate(0, 0, 7)
		case docketcard.CadenceBiweekly:
			due = due.AddDate(0, 0, 14)
		case docketcard.CadenceMonthly:
			due = due.AddDate(0, 1, 0)
		default:
			due = due.AddDate(0, 3, 0)
		}
	}
	if r.EndsOn == nil || !due.After(r.EndsOn.Time) {
		b.NextReportDue = due.Format(time.DateOnly)
	}
	return b
}

// ListEncounters lists the verifications of a person's cards (for the
// holder's portal and for officers). Audited.
func (s *Service) ListEncounters(ctx context.Context, a docketcard.Actor, personID string, limit int) ([]*docketcard.Encounter, error) {
	if err := a.Authorize(docketcard.PermCardRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.Encounter
	var site string
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if site, err = personSite(ctx, tx, personID); err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCardRead, site); err != nil {
			return err
		}
		out, err = tx.ListEncounters(ctx, personID, clampLimit(limit, 100, 1000))
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, s.audit(a, docketcard.ActionList, "encounter", personID, site, "encounters of person")); err != nil {
		return nil, err
	}
	return out, nil
}
