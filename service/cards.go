package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/credential/claim169"
	"github.com/docketcard/docketcard/mrz"
	"github.com/docketcard/docketcard/signer"
	"github.com/docketcard/docketcard/statuslist"
)

// CardPolicy is the card issuance policy: configuration, not code, while
// the pilot's rules are pre-decisional.
type CardPolicy struct {
	Validity       time.Duration // how long a card is valid (default two years)
	IssuerBaseURL  string        // CWT iss = IssuerBaseURL + "/sites/" + site code
	StatusListURI  string        // the status list every card refers to
	StatusListSize int           // entries in the status list (index space)
	DocumentCode   string        // MRZ document code
	PortalURL      string        // printed on the card back
	Fields         []string      // printed on the card front, in order
	StatusSite     string        // key directory site of the status-list signer
}

// DefaultCardPolicy returns the pilot defaults.
func DefaultCardPolicy() CardPolicy {
	return CardPolicy{
		Validity:       2 * 365 * 24 * time.Hour,
		IssuerBaseURL:  "https://docketcard.example",
		StatusListURI:  "https://docketcard.example/api/v1/status-list",
		StatusListSize: 1 << 20,
		DocumentCode:   "ID",
		PortalURL:      "https://docketcard.example/portal",
		StatusSite:     "PROGRAM",
	}
}

// Signers gives issuance the current signing key of a site (file or HSM).
type Signers interface {
	Signer(site, purpose string) (signer.Signer, error)
}

// SetCardIssuance wires the signing keys and card policy into the service.
func (s *Service) SetCardIssuance(signers Signers, p CardPolicy) {
	s.signers, s.cardPolicy = signers, p
}

// CardPolicy returns the card policy.
func (s *Service) CardPolicy() CardPolicy { return s.cardPolicy }

// IssueCard issues a card to a person, following prepare → audit → sign
// → audit:
//
//  1. prepare: build the exact credential bytes (claims) with a new card
//     number and a random status-list index, and store them with the
//     request key, audited with their SHA-256 — one transaction;
//  2. sign those stored bytes with the site's current key (file or HSM);
//  3. record the signature and audit it — one transaction.
//
// A retry with the same request key never makes a second card: a signed
// card is returned as it is; a prepared one is signed from its stored
// bytes. The request key is the client's Idempotency-Key.
func (s *Service) IssueCard(ctx context.Context, a docketcard.Actor, personID, requestKey string) (*docketcard.Card, error) {
	return s.eff1(s.issue(ctx, a, docketcard.PermCardIssue, personID, requestKey, ""))
}

// eff fills in the effective state (expiry by date) of cards returned to
// callers.
func (s *Service) eff(cs ...*docketcard.Card) {
	now := s.now()
	for _, c := range cs {
		if c != nil {
			c.EffectiveState = c.StateAt(now)
		}
	}
}

func (s *Service) eff1(c *docketcard.Card, err error) (*docketcard.Card, error) {
	s.eff(c)
	return c, err
}

// issue issues a card (replacing the card replaces, if set) for an actor
// holding perm: card.issue, or card.print for the reprint of a spoiled card.
func (s *Service) issue(ctx context.Context, a docketcard.Actor, perm docketcard.Permission, personID, requestKey, replaces string) (*docketcard.Card, error) {
	if err := a.Authorize(perm, ""); err != nil {
		return nil, err
	}
	if err := docketcard.ValidateIdempotencyKey(requestKey); err != nil {
		return nil, err
	}
	if s.signers == nil {
		return nil, docketcard.Errorf(docketcard.EUNAVAILABLE, "Card issuance is not configured: set DOCKETCARD_KEYS_DIR.")
	}
	var existing *docketcard.Card
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		c, err := tx.GetCardByRequestKey(ctx, requestKey)
		if docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
			return nil
		} else if err != nil {
			return err
		}
		if c.PersonID != personID {
			return docketcard.Errorf(docketcard.ECONFLICT, "This Idempotency-Key was already used for another person's card.")
		}
		existing = c
		return a.Authorize(perm, c.SiteCode)
	})
	if err != nil {
		return nil, err
	}
	card := existing
	if card == nil {
		if card, err = s.prepareCard(ctx, a, perm, personID, requestKey, replaces); err != nil {
			return nil, err
		}
	}
	if card.State != docketcard.CardPrepared {
		return card, nil
	}
	return s.signCard(ctx, a, card)
}

func (s *Service) prepareCard(ctx context.Context, a docketcard.Actor, perm docketcard.Permission, personID, requestKey, replaces string) (*docketcard.Card, error) {
	var p *docketcard.Person
	var site *docketcard.Site
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if p, err = tx.GetPerson(ctx, personID); err != nil {
			return err
		}
		if err := a.Authorize(perm, p.SiteCode); err != nil {
			return err
		}
		site, err = tx.GetSite(ctx, p.SiteCode)
		return err
	}); err != nil {
		return nil, err
	}
	if p.Photo == nil {
		return nil, docketcard.Errorf(docketcard.EINVALID, "The person has no photo; upload one before issuing a card.")
	}
	if !site.Active {
		return nil, docketcard.Errorf(docketcard.EINVALID, "Site %s is not active.", site.Code)
	}
	// The issuance gate: every required check clear and current. The
	// database refuses the card row too unless it names a current
	// clearance of this person.
	var clearance *docketcard.Clearance
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		clearance, err = tx.CurrentClearance(ctx, p.ID, s.now())
		return err
	}); docketcard.ErrorCode(err) == docketcard.ENOTFOUND {
		return nil, docketcard.Errorf(docketcard.EFORBIDDEN, "Issuance gate: this person has no current background-check clearance; run the required checks (and have any possible match adjudicated) first.")
	} else if err != nil {
		return nil, err
	}
	photoBytes, err := s.blobs.Get(ctx, *p.Photo)
	if err != nil {
		return nil, err
	}
	key, err := s.signers.Signer(p.SiteCode, "card")
	if err != nil {
		return nil, err
	}
	now := s.now().Truncate(time.Second)
	pol := s.cardPolicy
	card := &docketcard.Card{
		ID: s.newID(), PersonID: p.ID, SiteCode: p.SiteCode, State: docketcard.CardPrepared, StatusURI: pol.StatusListURI,
		IssuedAt: now, NotBefore: now, ExpiresAt: now.Add(pol.Validity), KeyID: hex.EncodeToString(key.KeyID()),
		RequestKey: requestKey, CreatedAt: s.now(), UpdatedAt: s.now(), ClearanceID: clearance.ID, Replaces: replaces,
	}
	// Card number and status index: random, retried on the rare collision.
	for attempt := 0; ; attempt++ {
		card.CardNumber = docketcard.NewCardNumber()
		idx, err := statuslist.AllocateIndex(pol.StatusListSize, func(i int) (bool, error) {
			var used bool
			err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
				var err error
				used, err = tx.StatusIndexUsed(ctx, i)
				return err
			})
			return used, err
		})
		if err != nil {
			return nil, err
		}
		card.StatusIndex = idx
		if card.MRZ, err = CardMRZ(p, card, pol.DocumentCode); err != nil {
			return nil, err
		}
		cred := &credential.Credential{
			CardNumber: card.CardNumber, Issuer: strings.TrimSuffix(pol.IssuerBaseURL, "/") + "/sites/" + p.SiteCode,
			IssuedAt: card.IssuedAt, NotBefore: card.NotBefore, ExpiresAt: card.ExpiresAt, Identity: Claim169Identity(p),
			Status: statuslist.Reference{Index: card.StatusIndex, URI: card.StatusURI},
		}
		if err := credential.FitFace(cred, photoBytes); err != nil {
			return nil, err
		}
		if card.Claims, err = cred.Claims(); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(card.Claims)
		card.ClaimsHash = hex.EncodeToString(sum[:])
		err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
			if err := tx.CreateCard(ctx, card); err != nil {
				return err
			}
			detail := fmt.Sprintf("person %s clearance %s claims sha256=%s kid=%s", p.ID, clearance.ID, card.ClaimsHash, card.KeyID)
			if replaces != "" {
				detail += " replaces " + replaces
			}
			return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCardPrepare, "card", card.ID, card.SiteCode, detail))
		})
		if err == nil {
			return card, nil
		}
		if docketcard.ErrorCode(err) != docketcard.ECONFLICT || attempt >= 5 {
			return nil, err
		}
		if replaces != "" {
			// Another request replaced the same card first (a card is
			// replaced at most once), unless it was our own retry.
			var other *docketcard.Card
			_ = s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
				cs, err := tx.ListCards(ctx, personID)
				for _, c := range cs {
					if c.Replaces == replaces && c.RequestKey != requestKey {
						other = c
					}
				}
				return err
			})
			if other != nil {
				return nil, docketcard.Errorf(docketcard.ECONFLICT, "The card has already been replaced by card %s.", other.CardNumber)
			}
		}
		// A concurrent retry with the same request key won the race.
		var winner *docketcard.Card
		if rerr := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
			var err error
			winner, err = tx.GetCardByRequestKey(ctx, requestKey)
			return err
		}); rerr == nil {
			return winner, nil
		}
	}
}

// signCard signs a prepared card's stored bytes and records the result.
// The clearance the card was prepared on must still be current: a denial
// or recurrent-vetting hit between prepare and sign stops the card.
func (s *Service) signCard(ctx context.Context, a docketcard.Actor, card *docketcard.Card) (*docketcard.Card, error) {
	if err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		cl, err := tx.GetClearance(ctx, card.ClearanceID)
		if err != nil {
			return err
		}
		if !cl.Current(s.now()) {
			return docketcard.Errorf(docketcard.EFORBIDDEN, "Issuance gate: the clearance this card was prepared on is no longer current (revoked or expired); run the checks again.")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	key, err := s.signers.Signer(card.SiteCode, "card")
	if err != nil {
		return nil, err
	}
	signed, err := credential.Sign(card.Claims, key, key.KeyID())
	if err != nil {
		return nil, fmt.Errorf("sign card %s: %w", card.ID, err)
	}
	qr, compressed, err := credential.Encode(signed)
	if err != nil {
		return nil, err
	}
	if len(compressed) > credential.MaxPayload {
		return nil, docketcard.Errorf(docketcard.EINTERNAL, "the signed payload is %d bytes, over the %d-byte budget", len(compressed), credential.MaxPayload)
	}
	next := *card
	next.Signed, next.QRText, next.KeyID, next.UpdatedAt = signed, qr, hex.EncodeToString(key.KeyID()), s.now()
	err = s.store.WithTx(ctx, func(tx docketcard.Tx) error {
		if err := tx.SignCard(ctx, &next); err != nil {
			return err
		}
		sum := sha256.Sum256(signed)
		return tx.AppendAudit(ctx, s.audit(a, docketcard.ActionCardSign, "card", card.ID, card.SiteCode,
			fmt.Sprintf("claims sha256=%s signed sha256=%s kid=%s", card.ClaimsHash, hex.EncodeToString(sum[:]), next.KeyID)))
	})
	if docketcard.ErrorCode(err) == docketcard.ECONFLICT {
		// Signed concurrently by a retry: return that card — but only if
		// it really is signed (a conflict can also be a deadlock or
		// serialisation failure, and then it is not).
		if c, rerr := s.cardByID(ctx, card.ID); rerr == nil && c.State != docketcard.CardPrepared {
			return c, nil
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return &next, nil
}

func (s *Service) cardByID(ctx context.Context, id string) (*docketcard.Card, error) {
	var c *docketcard.Card
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		c, err = tx.GetCard(ctx, id)
		return err
	})
	return c, err
}

// Claim169Identity maps a person to the Claim 169 identity carried in the
// QR: the A-number as the identifier, names, date of birth, gender and
// nationality, and the issuing country.
func Claim169Identity(p *docketcard.Person) *claim169.Identity {
	id := &claim169.Identity{
		ID: string(p.ANumber), Version: "1.0", Language: "eng",
		FullName: strings.TrimSpace(p.GivenNames + " " + p.FamilyNames), FirstName: p.GivenNames, LastName: p.FamilyNames,
		DateOfBirth: strings.ReplaceAll(p.DateOfBirth.String(), "-", ""), Nationality: p.CountryOfCitizenship,
		CountryOfIssuance: "USA",
	}
	switch p.Sex {
	case docketcard.SexMale:
		id.Gender = 1
	case docketcard.SexFemale:
		id.Gender = 2
	} // X: Claim 169 has no "unspecified" code (3 is "others"): omitted.
	return id
}

// CardMRZ builds the TD1 machine readable zone of a card.
func CardMRZ(p *docketcard.Person, c *docketcard.Card, docCode string) (string, error) {
	sex := string(p.Sex)
	if p.Sex == docketcard.SexX {
		sex = "<"
	}
	dob := p.DateOfBirth
	birth := fmt.Sprintf("%02d", dob.Year%100)
	switch dob.Precision() {
	case docketcard.PrecisionYear:
		birth += "<<<<"
	case docketcard.PrecisionMonth:
		birth += fmt.Sprintf("%02d<<", dob.Month)
	default:
		birth += fmt.Sprintf("%02d%02d", dob.Month, dob.Day)
	}
	lines, err := mrz.Encode(mrz.TD1{
		DocumentCode: docCode, IssuingState: "USA", DocumentNumber: c.CardNumber, OptionalData1: p.ANumber.Digits(),
		BirthDate: birth, Sex: sex, ExpiryDate: c.ExpiresAt.Format("060102"), Nationality: p.CountryOfCitizenship,
		PrimaryID: p.FamilyNames, SecondaryID: p.GivenNames,
	})
	if err != nil {
		return "", err
	}
	return strings.Join(lines[:], "\n"), nil
}

// GetCard returns a card (its record, not the person's data). Audited.
func (s *Service) GetCard(ctx context.Context, a docketcard.Actor, id string) (*docketcard.Card, error) {
	if err := a.Authorize(docketcard.PermCardRead, ""); err != nil {
		return nil, err
	}
	c, err := s.cardByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := a.Authorize(docketcard.PermCardRead, c.SiteCode); err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, s.audit(a, docketcard.ActionRead, "card", c.ID, c.SiteCode, "card record")); err != nil {
		return nil, err
	}
	s.eff(c)
	return c, nil
}

// CardByNumber returns a card by its number. Audited.
func (s *Service) CardByNumber(ctx context.Context, a docketcard.Actor, number string) (*docketcard.Card, error) {
	if err := a.Authorize(docketcard.PermCardRead, ""); err != nil {
		return nil, err
	}
	var c *docketcard.Card
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		c, err = tx.GetCardByNumber(ctx, strings.ToUpper(strings.TrimSpace(number)))
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.GetCard(ctx, a, c.ID)
}

// ListCards lists a person's cards. Audited.
func (s *Service) ListCards(ctx context.Context, a docketcard.Actor, personID string) ([]*docketcard.Card, error) {
	if err := a.Authorize(docketcard.PermCardRead, ""); err != nil {
		return nil, err
	}
	var out []*docketcard.Card
	var site string
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if site, err = personSite(ctx, tx, personID); err != nil {
			return err
		}
		if err := a.Authorize(docketcard.PermCardRead, site); err != nil {
			return err
		}
		out, err = tx.ListCards(ctx, personID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, s.audit(a, docketcard.ActionList, "card", personID, site, "cards of person")); err != nil {
		return nil, err
	}
	s.eff(out...)
	return out, nil
}

// CardPrint is what rendering a card needs.
type CardPrint struct {
	Card   *docketcard.Card
	Person *docketcard.Person
	Site   *docketcard.Site
	Photo  []byte
}

// CardForPrint loads a signed card with its person, site and photo, for
// rendering. Audited as a read of the person's record.
func (s *Service) CardForPrint(ctx context.Context, a docketcard.Actor, id string) (*CardPrint, error) {
	return s.cardForPrint(ctx, a, docketcard.PermCardRead, id)
}

func (s *Service) cardForPrint(ctx context.Context, a docketcard.Actor, perm docketcard.Permission, id string) (*CardPrint, error) {
	if err := a.Authorize(perm, ""); err != nil {
		return nil, err
	}
	out := &CardPrint{}
	err := s.store.ReadTx(ctx, func(tx docketcard.Tx) error {
		var err error
		if out.Card, err = tx.GetCard(ctx, id); err != nil {
			return err
		}
		if err := a.Authorize(perm, out.Card.SiteCode); err != nil {
			return err
		}
		if out.Person, err = tx.GetPerson(ctx, out.Card.PersonID); err != nil {
			return err
		}
		out.Site, err = tx.GetSite(ctx, out.Card.SiteCode)
		return err
	})
	if err != nil {
		return nil, err
	}
	if out.Card.State == docketcard.CardPrepared {
		return nil, docketcard.Errorf(docketcard.ECONFLICT, "Card %s is not signed yet; retry the issuance.", out.Card.CardNumber)
	}
	if out.Person.Photo == nil {
		return nil, docketcard.Errorf(docketcard.EINVALID, "The person has no photo.")
	}
	if out.Photo, err = s.blobs.Get(ctx, *out.Person.Photo); err != nil {
		return nil, err
	}
	if err := s.auditRead(ctx, s.audit(a, docketcard.ActionRead, "card", out.Card.ID, out.Card.SiteCode, "render for print, person "+out.Person.ID)); err != nil {
		return nil, err
	}
	return out, nil
}
