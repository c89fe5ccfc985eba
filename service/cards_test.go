package service_test

// Card issuance: prepare → audit → sign → audit, with a real key
// directory (root, site signer, signed trust list) on both dialects.
// Every person here is synthetic.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/veraison/go-cose"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/credential/base45"
	"github.com/docketcard/docketcard/demo/portrait"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/keys"
	"github.com/docketcard/docketcard/mrz"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/signer"
)

// cardApp boots a test app on the dialect. testapp wires card issuance
// with a real key directory (a root, a card signer per site, the status
// signer and their signed trust list), opened as the server opens it.
func cardApp(t *testing.T, dialect string) *testapp.App {
	t.Helper()
	app := testapp.New(t, dialect)
	if app.Keys == nil {
		t.Fatal("testapp does not wire card issuance keys")
	}
	return app
}

var portraitOnce struct {
	sync.Once
	jpeg []byte
	err  error
}

// testPortrait is a generated (synthetic) portrait, made once.
func testPortrait(t *testing.T) []byte {
	t.Helper()
	portraitOnce.Do(func() { portraitOnce.jpeg, portraitOnce.err = portrait.Generate(7, "M") })
	if portraitOnce.err != nil {
		t.Fatal(portraitOnce.err)
	}
	return portraitOnce.jpeg
}

// enrolWithPhoto creates a person and gives them a photo.
func enrolWithPhoto(t *testing.T, app *testapp.App, in docketcard.PersonInput) *docketcard.Person {
	t.Helper()
	ctx := context.Background()
	sys := docketcard.SystemActor("test")
	p, err := app.Service.CreatePerson(ctx, sys, in)
	if err != nil {
		t.Fatalf("create person %s: %v", in.ANumber, err)
	}
	p, err = app.Service.SetPhoto(ctx, sys, p.ID, p.Version, bytes.NewReader(testPortrait(t)))
	if err != nil {
		t.Fatalf("set photo of %s: %v", in.ANumber, err)
	}
	app.Clear(t, p.ID)
	return p
}

// storedCard reads a card row as stored, with its claims and signed bytes.
func storedCard(t *testing.T, app *testapp.App, id string) *docketcard.Card {
	t.Helper()
	var c *docketcard.Card
	if err := app.DB.ReadTx(context.Background(), func(tx docketcard.Tx) error {
		var err error
		c, err = tx.GetCard(context.Background(), id)
		return err
	}); err != nil {
		t.Fatalf("read card %s: %v", id, err)
	}
	return c
}

// cardAudit returns the card_prepare and card_sign entries about a card,
// in order.
func cardAudit(t *testing.T, app *testapp.App, cardID string) []*docketcard.AuditEntry {
	t.Helper()
	es, err := app.Service.ListAudit(context.Background(), app.Actor(docketcard.RoleAuditor), docketcard.AuditFilter{SubjectID: cardID, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []*docketcard.AuditEntry
	for _, e := range es {
		if e.Action == docketcard.ActionCardPrepare || e.Action == docketcard.ActionCardSign {
			out = append(out, e)
		}
	}
	return out
}

func actions(es []*docketcard.AuditEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// checkSignedCard checks a signed card as stored: its claims hash, that
// the COSE payload is exactly the stored claims, that the QR text spells
// the stored COSE bytes, and that it verifies against the trust list.
func checkSignedCard(t *testing.T, app *testapp.App, c *docketcard.Card, p *docketcard.Person) *credential.Result {
	t.Helper()
	if c.State != docketcard.CardApproved {
		t.Fatalf("card %s is %s, want signed", c.CardNumber, c.State)
	}
	if got := sha256Hex(c.Claims); got != c.ClaimsHash {
		t.Errorf("stored claims hash %s, but the stored claims hash to %s", c.ClaimsHash, got)
	}
	var msg cose.Sign1Message
	if err := msg.UnmarshalCBOR(c.Signed); err != nil {
		t.Fatalf("stored signed bytes are not a COSE_Sign1: %v", err)
	}
	if !bytes.Equal(msg.Payload, c.Claims) {
		t.Errorf("the COSE payload (%d bytes, sha256 %s) is not the stored claims (%d bytes, sha256 %s)",
			len(msg.Payload), sha256Hex(msg.Payload), len(c.Claims), c.ClaimsHash)
	}
	if kid, _ := msg.Headers.Protected[cose.HeaderLabelKeyID].([]byte); hex.EncodeToString(kid) != c.KeyID {
		t.Errorf("COSE kid %x, card records key %s", kid, c.KeyID)
	}
	parsed, err := credential.Decode(c.QRText, credential.DefaultLimits)
	if err != nil {
		t.Fatalf("the card's QR text does not decode: %v", err)
	}
	if !bytes.Equal(parsed.Signed, c.Signed) {
		t.Errorf("the QR text carries other COSE bytes than the stored ones")
	}
	tl, _ := app.Keys.TrustList()
	v := &credential.Verifier{Trust: tl, Now: app.Clock.Now}
	res, err := v.Verify(c.QRText)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != credential.Valid {
		t.Fatalf("the card does not verify: %s: %s", res.Outcome, res.Reason)
	}
	if res.Credential.CardNumber != c.CardNumber || res.Credential.Identity.ID != string(p.ANumber) {
		t.Errorf("verified card %s for %s, want %s for %s", res.Credential.CardNumber, res.Credential.Identity.ID, c.CardNumber, p.ANumber)
	}
	if res.Credential.Status.Index != c.StatusIndex || res.Credential.Status.URI != c.StatusURI {
		t.Errorf("status reference %v, card records %s#%d", res.Credential.Status, c.StatusURI, c.StatusIndex)
	}
	if len(res.Face) == 0 {
		t.Errorf("the card carries no face image")
	}
	return res
}

func TestIssueCardSigned(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := cardApp(t, d)
			ctx := context.Background()
			p := enrolWithPhoto(t, app, testapp.SamplePerson("A000000201", "HOU"))
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			c, err := app.Service.IssueCard(ctx, officer, p.ID, "issue-signed-1")
			if err != nil {
				t.Fatal(err)
			}
			key, err := app.Keys.Signer("HOU", keys.PurposeCard)
			if err != nil {
				t.Fatal(err)
			}
			if c.KeyID != hex.EncodeToString(key.KeyID()) {
				t.Errorf("card key id %s, HOU's current signer is %x", c.KeyID, key.KeyID())
			}
			if c.PersonID != p.ID || c.SiteCode != "HOU" || len(c.CardNumber) != docketcard.CardNumberLen || !strings.HasPrefix(c.CardNumber, "DC") {
				t.Errorf("card %+v", c)
			}
			if !c.ExpiresAt.Equal(app.Clock.T.Truncate(time.Second).Add(app.Service.CardPolicy().Validity)) {
				t.Errorf("card expires %s, want issue time plus the policy's validity", c.ExpiresAt)
			}
			stored := storedCard(t, app, c.ID)
			if !bytes.Equal(stored.Claims, c.Claims) || !bytes.Equal(stored.Signed, c.Signed) || stored.QRText != c.QRText {
				t.Errorf("the stored card differs from the one IssueCard returned")
			}
			checkSignedCard(t, app, stored, p)

			es := cardAudit(t, app, c.ID)
			if got := actions(es); !slices.Equal(got, []string{docketcard.ActionCardPrepare, docketcard.ActionCardSign}) {
				t.Fatalf("card audit entries %v, want card_prepare then card_sign", got)
			}
			prep, sign := es[0], es[1]
			if want := "claims sha256=" + stored.ClaimsHash; !strings.Contains(prep.Detail, want) || !strings.Contains(sign.Detail, want) {
				t.Errorf("audit entries do not both name the claims hash %s:\n  %s\n  %s", stored.ClaimsHash, prep.Detail, sign.Detail)
			}
			if want := "signed sha256=" + sha256Hex(stored.Signed); !strings.Contains(sign.Detail, want) {
				t.Errorf("card_sign detail %q does not name the signed bytes' hash (%s)", sign.Detail, want)
			}
			for _, e := range es {
				if !strings.Contains(e.Detail, "kid="+stored.KeyID) || e.ActorID != officer.UserID || e.SiteCode != "HOU" {
					t.Errorf("audit entry %+v: want kid=%s, the officer and site HOU", e, stored.KeyID)
				}
			}
			if prep.Seq >= sign.Seq {
				t.Errorf("card_prepare is entry %d, card_sign %d", prep.Seq, sign.Seq)
			}
		})
	}
}

func TestIssueCardIdempotent(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := cardApp(t, d)
			ctx := context.Background()
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			p := enrolWithPhoto(t, app, testapp.SamplePerson("A000000301", "HOU"))
			other := enrolWithPhoto(t, app, testapp.SamplePerson("A000000302", "HOU"))
			countKey := func(key string) int {
				return count(t, app, fmt.Sprintf(`SELECT COUNT(*) FROM cards WHERE request_key = '%s'`, key))
			}

			t.Run("same key twice", func(t *testing.T) {
				first, err := app.Service.IssueCard(ctx, officer, p.ID, "idem-key-1")
				if err != nil {
					t.Fatal(err)
				}
				app.Clock.T = app.Clock.T.Add(time.Minute)
				second, err := app.Service.IssueCard(ctx, officer, p.ID, "idem-key-1")
				if err != nil {
					t.Fatal(err)
				}
				if second.ID != first.ID || second.CardNumber != first.CardNumber || second.QRText != first.QRText || second.ClaimsHash != first.ClaimsHash {
					t.Errorf("the retry returned another card: %s (%s), first %s (%s)", second.ID, second.CardNumber, first.ID, first.CardNumber)
				}
				if n := countKey("idem-key-1"); n != 1 {
					t.Errorf("%d cards with the request key, want 1", n)
				}
				if got := actions(cardAudit(t, app, first.ID)); len(got) != 2 {
					t.Errorf("card audit %v after a retry, want one card_prepare and one card_sign", got)
				}
			})

			t.Run("concurrent", func(t *testing.T) {
				const n = 8
				var wg sync.WaitGroup
				cards := make([]*docketcard.Card, n)
				errs := make([]error, n)
				start := make(chan struct{})
				for i := range n {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						cards[i], errs[i] = app.Service.IssueCard(ctx, officer, p.ID, "idem-concurrent")
					}()
				}
				close(start)
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("issuer %d: %v", i, err)
					}
				}
				if t.Failed() {
					return
				}
				for i, c := range cards {
					if c.ID != cards[0].ID || c.CardNumber != cards[0].CardNumber || c.State != docketcard.CardApproved {
						t.Errorf("issuer %d got card %s (%s, %s), issuer 0 got %s", i, c.ID, c.CardNumber, c.State, cards[0].ID)
					}
				}
				if got := countKey("idem-concurrent"); got != 1 {
					t.Fatalf("%d cards with the request key after %d concurrent requests, want 1", got, n)
				}
				stored := storedCard(t, app, cards[0].ID)
				checkSignedCard(t, app, stored, p)
				for i, c := range cards {
					if c.QRText != stored.QRText {
						t.Errorf("issuer %d got a QR text other than the stored one (a second signature?)", i)
					}
				}
				if got := actions(cardAudit(t, app, stored.ID)); !slices.Equal(got, []string{docketcard.ActionCardPrepare, docketcard.ActionCardSign}) {
					t.Errorf("card audit %v, want exactly one card_prepare then one card_sign", got)
				}
			})

			t.Run("key reused for another person", func(t *testing.T) {
				_, err := app.Service.IssueCard(ctx, officer, other.ID, "idem-key-1")
				if docketcard.ErrorCode(err) != docketcard.ECONFLICT {
					t.Fatalf("reusing a request key for another person: %v, want a conflict", err)
				}
				if n := count(t, app, fmt.Sprintf(`SELECT COUNT(*) FROM cards WHERE person_id = '%s'`, other.ID)); n != 0 {
					t.Errorf("the other person has %d cards, want none", n)
				}
			})
		})
	}
}

// failingSigners hands out the real signers, whose Sign fails: an HSM
// that goes down (or a process that dies) between prepare and sign.
type failingSigners struct{ service.Signers }

func (f failingSigners) Signer(site, purpose string) (signer.Signer, error) {
	s, err := f.Signers.Signer(site, purpose)
	if err != nil {
		return nil, err
	}
	return brokenSigner{s}, nil
}

type brokenSigner struct{ signer.Signer }

var errHSMDown = errors.New("HSM unavailable (test)")

func (brokenSigner) Sign(io.Reader, []byte, crypto.SignerOpts) ([]byte, error) {
	return nil, errHSMDown
}

func TestIssueCardCrashBetweenPrepareAndSign(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := cardApp(t, d)
			pol := app.Service.CardPolicy()
			app.Service.SetCardIssuance(failingSigners{app.Keys}, pol)
			ctx := context.Background()
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			p := enrolWithPhoto(t, app, testapp.SamplePerson("A000000401", "HOU"))

			if _, err := app.Service.IssueCard(ctx, officer, p.ID, "crash-key-1"); !errors.Is(err, errHSMDown) {
				t.Fatalf("issuing with a failing signer: %v, want the signer's error", err)
			}
			var prepared []*docketcard.Card
			if err := app.DB.ReadTx(ctx, func(tx docketcard.Tx) error {
				var err error
				prepared, err = tx.ListCards(ctx, p.ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if len(prepared) != 1 || prepared[0].State != docketcard.CardPrepared || prepared[0].Signed != nil || prepared[0].QRText != "" {
				t.Fatalf("after a failed signature the person has %d cards (%+v), want one prepared, unsigned card", len(prepared), prepared)
			}
			before := prepared[0]
			if got := actions(cardAudit(t, app, before.ID)); !slices.Equal(got, []string{docketcard.ActionCardPrepare}) {
				t.Fatalf("audit after a failed signature: %v, want card_prepare only", got)
			}
			if _, _, err := app.Service.RenderCard(ctx, app.Actor(docketcard.RolePrintOperator), before.ID); docketcard.ErrorCode(err) != docketcard.ECONFLICT {
				t.Errorf("rendering a prepared card: %v, want a conflict (not signed yet)", err)
			}

			// The signer comes back; time has passed. The retry signs the
			// stored bytes, not a rebuilt credential.
			app.Clock.T = app.Clock.T.Add(10 * time.Minute)
			app.Service.SetCardIssuance(app.Keys, pol)
			c, err := app.Service.IssueCard(ctx, officer, p.ID, "crash-key-1")
			if err != nil {
				t.Fatal(err)
			}
			if c.ID != before.ID || c.CardNumber != before.CardNumber || c.ClaimsHash != before.ClaimsHash || c.StatusIndex != before.StatusIndex {
				t.Errorf("the retry gave card %s %s (claims %s, index %d), the prepared one was %s %s (claims %s, index %d)",
					c.ID, c.CardNumber, c.ClaimsHash, c.StatusIndex, before.ID, before.CardNumber, before.ClaimsHash, before.StatusIndex)
			}
			if !c.IssuedAt.Equal(before.IssuedAt) {
				t.Errorf("issued at %s after the retry, %s when prepared", c.IssuedAt, before.IssuedAt)
			}
			stored := storedCard(t, app, c.ID)
			if !bytes.Equal(stored.Claims, before.Claims) {
				t.Errorf("the stored claims changed between prepare and sign")
			}
			checkSignedCard(t, app, stored, p)
			if n := count(t, app, fmt.Sprintf(`SELECT COUNT(*) FROM cards WHERE person_id = '%s'`, p.ID)); n != 1 {
				t.Errorf("%d cards after the retry, want 1", n)
			}
			es := cardAudit(t, app, c.ID)
			if got := actions(es); !slices.Equal(got, []string{docketcard.ActionCardPrepare, docketcard.ActionCardSign}) {
				t.Fatalf("audit after the retry: %v, want one card_prepare and one card_sign", got)
			}
			for _, e := range es {
				if !strings.Contains(e.Detail, "claims sha256="+before.ClaimsHash) {
					t.Errorf("%s entry %q does not name the prepared claims hash %s", e.Action, e.Detail, before.ClaimsHash)
				}
			}
			// A third call returns the signed card as it is.
			again, err := app.Service.IssueCard(ctx, officer, p.ID, "crash-key-1")
			if err != nil || again.QRText != stored.QRText {
				t.Errorf("a further retry: %v, same QR %v", err, err == nil && again.QRText == stored.QRText)
			}
		})
	}
}

// longName returns a name of exactly n characters built from words.
func longName(n int, words ...string) string {
	var b strings.Builder
	for i := 0; utf8.RuneCountInString(b.String()) < n; i++ {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[i%len(words)])
	}
	r := []rune(b.String())[:n]
	if r[n-1] == ' ' || r[n-1] == '-' {
		r[n-1] = 'A' // a name ends with a letter
	}
	return string(r)
}

func TestCardPayloadBudget(t *testing.T) {
	t.Parallel()
	family := longName(docketcard.MaxNameLength, "DE LA SANTÍSIMA TRINIDAD", "GONZÁLEZ-FERNÁNDEZ", "Y", "MUÑOZ", "DEL CASTILLO", "PEÑA")
	given := longName(docketcard.MaxNameLength, "María", "José", "Ángeles", "Concepción", "Guadalupe", "Inmaculada")
	accented := longName(docketcard.MaxNameLength, "ÑÚÑÉZ-ÁÉÍÓÚ", "ÇÀÈÌÒÙ", "ŁÓDŹ", "ŽÁČ", "ØÅÆ")
	// A realistic long name: a 60-character double surname.
	family60 := longName(60, "VILLALOBOS-ECHEVERRÍA", "DE LA SANTÍSIMA TRINIDAD", "QUIÑONES", "ZÚÑIGA")
	given40 := longName(40, "María Guadalupe", "Concepción", "Xóchitl")
	// Aliases are not in the QR; twenty of the longest must not matter.
	var aliases []docketcard.Name
	for i := range docketcard.MaxAliases {
		aliases = append(aliases, docketcard.Name{FamilyNames: longName(docketcard.MaxNameLength, "ALIAS", fmt.Sprintf("APELLIDO%c", 'A'+i), "DE LOS SANTOS"),
			GivenNames: given})
	}
	people := []struct {
		name            string
		family, given   string
		aliases         []docketcard.Name
		sex, dob, natio string
	}{
		// The longest names the enrolment rules accept (100 characters
		// each) must still give a card.
		{"100-character double surname and given names", family, given, nil, "F", "1979-12-31", "MEX"},
		{"60-character double surname", family60, given40, nil, "F", "1985-03-15", "COL"},
		{"every letter accented", accented, accented, nil, "M", "2001-07", "POL"},
		{"twenty long aliases", family60, given40, aliases, "X", "1990", "GTM"},
		{"short name", "LI", "", nil, "M", "1960-01-01", "CHN"},
	}
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := cardApp(t, d)
			ctx := context.Background()
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			for i, tc := range people {
				t.Run(tc.name, func(t *testing.T) {
					in := testapp.SamplePerson(fmt.Sprintf("A%09d", 500+i), "HOU")
					in.FamilyNames, in.GivenNames, in.Aliases, in.Sex, in.DateOfBirth = tc.family, tc.given, tc.aliases, tc.sex, tc.dob
					in.CountryOfCitizenship = tc.natio
					p := enrolWithPhoto(t, app, in)
					c, err := app.Service.IssueCard(ctx, officer, p.ID, fmt.Sprintf("budget-%d", i))
					if err != nil {
						t.Fatalf("issue a card to %q %q: %v", tc.family, tc.given, err)
					}
					compressed, err := base45.Decode(c.QRText)
					if err != nil {
						t.Fatal(err)
					}
					if len(compressed) > credential.MaxPayload {
						t.Errorf("compressed payload is %d bytes, over the %d-byte limit", len(compressed), credential.MaxPayload)
					}
					t.Logf("compressed payload %d bytes, QR text %d characters", len(compressed), len(c.QRText))
					// It must print: over the target, the QR drops to level L.
					if out, _, err := app.Service.RenderCard(ctx, officer, c.ID); err != nil {
						t.Errorf("render: %v", err)
					} else {
						t.Logf("QR version %d, %.3f mm modules", out.QRVersion, out.ModuleMM)
					}
					res := checkSignedCard(t, app, storedCard(t, app, c.ID), p)
					id := res.Credential.Identity
					if id.LastName != p.FamilyNames || id.FirstName != p.GivenNames {
						t.Errorf("the QR carries %q / %q, want the full names %q / %q", id.LastName, id.FirstName, p.FamilyNames, p.GivenNames)
					}

					lines := strings.Split(c.MRZ, "\n")
					if len(lines) != 3 {
						t.Fatalf("MRZ has %d lines:\n%s", len(lines), c.MRZ)
					}
					for _, l := range lines {
						if len(l) != 30 {
							t.Errorf("MRZ line %q is %d characters, want 30", l, len(l))
						}
					}
					td, err := mrz.Parse(c.MRZ)
					if err != nil {
						t.Fatalf("MRZ does not parse: %v\n%s", err, c.MRZ)
					}
					if td.DocumentNumber != c.CardNumber {
						t.Errorf("MRZ document number %q, card number %q", td.DocumentNumber, c.CardNumber)
					}
					if td.OptionalData1 != p.ANumber.Digits() {
						t.Errorf("MRZ optional data %q, want the A-number digits %q", td.OptionalData1, p.ANumber.Digits())
					}
					if td.IssuingState != "USA" || td.Nationality != tc.natio || td.ExpiryDate != c.ExpiresAt.Format("060102") {
						t.Errorf("MRZ %+v", td)
					}
					if want, err := mrz.NameField(p.FamilyNames, p.GivenNames, 30); err != nil || lines[2] != want {
						t.Errorf("MRZ name line %q, want %q (%v)", lines[2], want, err)
					}
				})
			}
		})
	}
}

func TestCardStatusIndexRandom(t *testing.T) {
	t.Parallel()
	const cards = 200
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			app := cardApp(t, d)
			ctx := context.Background()
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			var people []*docketcard.Person
			for i := range 4 {
				people = append(people, enrolWithPhoto(t, app, testapp.SamplePerson(fmt.Sprintf("A%09d", 600+i), "HOU")))
			}
			var idx []int
			numbers := map[string]bool{}
			for i := range cards {
				c, err := app.Service.IssueCard(ctx, officer, people[i%len(people)].ID, fmt.Sprintf("index-%03d", i))
				if err != nil {
					t.Fatalf("card %d: %v", i, err)
				}
				idx = append(idx, c.StatusIndex)
				numbers[c.CardNumber] = true
			}
			size := app.Service.CardPolicy().StatusListSize
			seen := map[int]int{}
			for i, x := range idx {
				if x < 0 || x >= size {
					t.Errorf("card %d has status index %d, outside [0, %d)", i, x, size)
				}
				if j, dup := seen[x]; dup {
					t.Errorf("cards %d and %d share status index %d", j, i, x)
				}
				seen[x] = i
			}
			if len(numbers) != cards {
				t.Errorf("%d distinct card numbers for %d cards", len(numbers), cards)
			}
			if slices.IsSorted(idx) || slices.IsSortedFunc(idx, func(a, b int) int { return b - a }) {
				t.Errorf("status indexes are monotonic in issuance order: %v", idx)
			}
			// Issuance order must not be recoverable from the index: count
			// the adjacent pairs that increase; random order gives about
			// half.
			up := 0
			for i := 1; i < len(idx); i++ {
				if idx[i] > idx[i-1] {
					up++
				}
			}
			if up < cards/4 || up > 3*cards/4 {
				t.Errorf("%d of %d consecutive indexes increase; they look ordered: %v", up, cards-1, idx)
			}
			lo, hi := slices.Min(idx), slices.Max(idx)
			if hi-lo < size/2 {
				t.Errorf("status indexes span only [%d, %d] of [0, %d): not spread over the list", lo, hi, size)
			}
			if n := count(t, app, `SELECT COUNT(DISTINCT status_index) FROM cards`); n != cards {
				t.Errorf("%d distinct stored status indexes, want %d", n, cards)
			}
		})
	}
}
