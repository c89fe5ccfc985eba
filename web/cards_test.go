package web_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/statuslist"
	"github.com/docketcard/docketcard/web"
)

// This file tests card issuance end to end over the API: issue (with an
// Idempotency-Key, so a retry never makes a second card), read, list and
// print a card, and check what an offline verifier downloads (trust list,
// root certificate, status list, verifier bundle) against the card's QR
// code.

var cardNumberRE = regexp.MustCompile(`^DC[0-9]{7}$`)

// cardPerson enrols a person at HOU through the API and, if withPhoto,
// uploads a photo of them.
func (c *apiClient) cardPerson(t testing.TB, anum string, withPhoto bool) *docketcard.Person {
	t.Helper()
	p := c.createPerson(t, anum, "HOU")
	if withPhoto {
		r := c.send(t, apiCall{method: "PUT", path: fmt.Sprintf("/api/v1/people/%s/photo?version=%d", p.ID, p.Version),
			role: docketcard.RoleEnrollmentOfficer, body: pngOf(300, 400), contentType: "image/png"})
		r.decode(t, http.StatusOK, p)
	}
	return p
}

// issueCall is a card issuance request; key "" sends no Idempotency-Key.
func issueCall(role docketcard.Role, personID, key string) apiCall {
	r := apiCall{method: "POST", path: "/api/v1/people/" + personID + "/cards", role: role}
	if key != "" {
		r.header = map[string]string{"Idempotency-Key": key}
	}
	return r
}

// issueCard issues a card as the enrollment officer and checks that it is
// new (201).
func (c *apiClient) issueCard(t testing.TB, personID, key string) *docketcard.Card {
	t.Helper()
	var card docketcard.Card
	c.send(t, issueCall(docketcard.RoleEnrollmentOfficer, personID, key)).decode(t, http.StatusCreated, &card)
	return &card
}

// countCards returns the number of cards of a person in the database.
func (c *apiClient) countCards(t testing.TB, personID string) int {
	t.Helper()
	var n int
	if err := c.app.DB.SQL().QueryRow(c.app.DB.Rebind("SELECT COUNT(*) FROM cards WHERE person_id = ?"), personID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// checkIssuedCard checks the record of a newly signed card of p.
func checkIssuedCard(t testing.TB, card *docketcard.Card, p *docketcard.Person, now time.Time) {
	t.Helper()
	pol := service.DefaultCardPolicy()
	if card.ID == "" || card.PersonID != p.ID || card.SiteCode != "HOU" || card.State != docketcard.CardApproved {
		t.Errorf("card: id %q person %q site %q state %q", card.ID, card.PersonID, card.SiteCode, card.State)
	}
	if card.ClearanceID == "" || card.State != docketcard.CardApproved {
		t.Errorf("card: clearance_id %q, state %s; want the clearance it was approved on, approved", card.ClearanceID, card.State)
	}
	if !cardNumberRE.MatchString(card.CardNumber) {
		t.Errorf("card number %q is not DC and 7 digits", card.CardNumber)
	}
	lines := strings.Split(card.MRZ, "\n")
	if len(lines) != 3 {
		t.Fatalf("MRZ has %d lines, want 3: %q", len(lines), card.MRZ)
	}
	for i, l := range lines {
		if len(l) != 30 || strings.Trim(l, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<") != "" {
			t.Errorf("MRZ line %d is not 30 characters of A-Z, 0-9 and <: %q", i+1, l)
		}
	}
	if !strings.HasPrefix(lines[0], "IDUSA"+card.CardNumber) {
		t.Errorf("MRZ line 1 %q does not start with the document code, state and card number", lines[0])
	}
	if !strings.Contains(lines[2], "PENA<DE<LA<CRUZ<<JOSE<ANGEL") {
		t.Errorf("MRZ line 3 %q does not hold the transliterated name", lines[2])
	}
	if card.QRText == "" || strings.Trim(card.QRText, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:") != "" {
		t.Errorf("qr_text is not base45: %q", apiClip(card.QRText, 80))
	}
	if len(card.KeyID) != 16 || len(card.ClaimsHash) != 64 {
		t.Errorf("key_id %q, claims_sha256 %q", card.KeyID, card.ClaimsHash)
	}
	if card.StatusURI != pol.StatusListURI || card.StatusIndex < 0 || card.StatusIndex >= testapp.StatusListSize {
		t.Errorf("status reference %s #%d", card.StatusURI, card.StatusIndex)
	}
	if !card.IssuedAt.Equal(now.Truncate(time.Second)) || !card.NotBefore.Equal(card.IssuedAt) ||
		!card.ExpiresAt.Equal(card.IssuedAt.Add(pol.Validity)) {
		t.Errorf("validity: issued %s, not before %s, expires %s", card.IssuedAt, card.NotBefore, card.ExpiresAt)
	}
}

func TestCardIssuance(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			eo := docketcard.RoleEnrollmentOfficer
			p := c.cardPerson(t, "A100000001", true)
			other := c.cardPerson(t, "A100000002", true)
			noPhoto := c.cardPerson(t, "A100000003", false)
			uncleared := c.cardPerson(t, "A100000005", true)
			c.app.Clear(t, p.ID)
			c.app.Clear(t, other.ID)
			atl, err := c.app.Service.CreatePerson(t.Context(), docketcard.SystemActor("test"), testapp.SamplePerson("A100000004", "ATL"))
			if err != nil {
				t.Fatal(err)
			}

			// Issue.
			r := c.send(t, issueCall(eo, p.ID, "issue-key-0001"))
			var card docketcard.Card
			r.decode(t, http.StatusCreated, &card)
			if loc := r.Header.Get("Location"); loc != "/api/v1/cards/"+card.ID {
				t.Errorf("Location %q", loc)
			}
			checkIssuedCard(t, &card, p, c.app.Clock.Now())

			t.Run("read", func(t *testing.T) {
				for _, role := range []docketcard.Role{eo, docketcard.RoleAdjudicator, docketcard.RolePrintOperator} {
					var got docketcard.Card
					c.call(t, role, "GET", "/api/v1/cards/"+card.ID, nil).decode(t, http.StatusOK, &got)
					if got.ID != card.ID || got.CardNumber != card.CardNumber || got.State != docketcard.CardApproved ||
						got.MRZ != card.MRZ || got.QRText != card.QRText || got.ClaimsHash != card.ClaimsHash {
						t.Errorf("GET as %s: %+v, issued %+v", role, got, card)
					}
				}
			})

			t.Run("replay", func(t *testing.T) {
				// The same key again, later: the same card, 200, no new row.
				c.app.Clock.T = c.app.Clock.T.Add(time.Minute)
				defer func() { c.app.Clock.T = testapp.Epoch }()
				var again docketcard.Card
				r := c.send(t, issueCall(eo, p.ID, "issue-key-0001"))
				r.decode(t, http.StatusOK, &again)
				if again.ID != card.ID || again.CardNumber != card.CardNumber || again.QRText != card.QRText {
					t.Errorf("replay gave card %s %s, want %s %s", again.ID, again.CardNumber, card.ID, card.CardNumber)
				}
				if loc := r.Header.Get("Location"); loc != "/api/v1/cards/"+card.ID {
					t.Errorf("replay Location %q", loc)
				}
				if n := c.countCards(t, p.ID); n != 1 {
					t.Errorf("%d cards after a replay, want 1", n)
				}
			})

			t.Run("refused", func(t *testing.T) {
				before := c.count(t, "cards")
				for _, tc := range []struct {
					name   string
					req    apiCall
					status int
					code   string
					field  string // a field errors[] must name
					msg    string // text the detail must contain
				}{
					{"same key, another person", issueCall(eo, other.ID, "issue-key-0001"), 409, docketcard.ECONFLICT, "", "another person"},
					{"no Idempotency-Key", issueCall(eo, p.ID, ""), 400, docketcard.EINVALID, "Idempotency-Key", ""},
					{"Idempotency-Key too short", issueCall(eo, p.ID, "short"), 400, docketcard.EINVALID, "", "Idempotency-Key"},
					{"Idempotency-Key with spaces", issueCall(eo, p.ID, "not a valid key"), 400, docketcard.EINVALID, "", "Idempotency-Key"},
					{"person without photo", issueCall(eo, noPhoto.ID, "issue-key-0002"), 400, docketcard.EINVALID, "", "no photo"},
					{"person without clearance", issueCall(eo, uncleared.ID, "issue-key-0008"), 403, docketcard.EFORBIDDEN, "", "Issuance gate"},
					{"unknown person", issueCall(eo, oaMissingID, "issue-key-0003"), 404, docketcard.ENOTFOUND, "", ""},
					{"person of another site", issueCall(eo, atl.ID, "issue-key-0004"), 403, docketcard.EFORBIDDEN, "", "ATL"},
					{"adjudicator", issueCall(docketcard.RoleAdjudicator, p.ID, "issue-key-0005"), 403, docketcard.EFORBIDDEN, "", "card.issue"},
					{"print operator", issueCall(docketcard.RolePrintOperator, p.ID, "issue-key-0006"), 403, docketcard.EFORBIDDEN, "", "card.issue"},
					{"anonymous", issueCall("", p.ID, "issue-key-0007"), 401, docketcard.EUNAUTHORIZED, "", ""},
				} {
					t.Run(tc.name, func(t *testing.T) {
						pr := c.send(t, tc.req).problem(t, tc.status, tc.code)
						if tc.field != "" {
							pr.field(t, tc.field)
						}
						if tc.msg != "" && !strings.Contains(pr.Detail, tc.msg) {
							t.Errorf("detail %q does not contain %q", pr.Detail, tc.msg)
						}
					})
				}
				if after := c.count(t, "cards"); after != before {
					t.Errorf("refused issuances changed the number of cards from %d to %d", before, after)
				}
				// A key refused for a person without a photo is not used up.
				c.issueCard(t, other.ID, "issue-key-0002")
			})

			t.Run("list", func(t *testing.T) {
				second := c.issueCard(t, p.ID, "issue-key-0101")
				if second.ID == card.ID || second.CardNumber == card.CardNumber || second.StatusIndex == card.StatusIndex {
					t.Errorf("a second card repeats the first: %+v, %+v", second, card)
				}
				for _, tc := range []struct {
					name   string
					role   docketcard.Role
					person string
					want   []string
				}{
					{"two cards, oldest first", eo, p.ID, []string{card.ID, second.ID}},
					{"as print operator", docketcard.RolePrintOperator, p.ID, []string{card.ID, second.ID}},
					{"none", docketcard.RoleAdjudicator, noPhoto.ID, []string{}},
				} {
					t.Run(tc.name, func(t *testing.T) {
						var page struct {
							Items []docketcard.Card `json:"items"`
						}
						c.call(t, tc.role, "GET", "/api/v1/people/"+tc.person+"/cards", nil).decode(t, http.StatusOK, &page)
						var ids []string
						for _, it := range page.Items {
							ids = append(ids, it.ID)
							if it.State != docketcard.CardApproved || it.QRText == "" {
								t.Errorf("listed card %s: state %s, qr_text %q", it.ID, it.State, apiClip(it.QRText, 20))
							}
						}
						if !slices.Equal(ids, tc.want) && !(len(ids) == 0 && len(tc.want) == 0) {
							t.Errorf("listed %v, want %v", ids, tc.want)
						}
					})
				}
				for _, tc := range []struct {
					name   string
					role   docketcard.Role
					path   string
					status int
					code   string
				}{
					{"card of an unknown person", eo, "/api/v1/people/" + oaMissingID + "/cards", 404, docketcard.ENOTFOUND},
					{"cards of another site", eo, "/api/v1/people/" + atl.ID + "/cards", 403, docketcard.EFORBIDDEN},
					{"FOIA officer", docketcard.RoleFOIAOfficer, "/api/v1/people/" + p.ID + "/cards", 403, docketcard.EFORBIDDEN},
					{"unknown card", eo, "/api/v1/cards/" + oaMissingID, 404, docketcard.ENOTFOUND},
					{"card as auditor", docketcard.RoleAuditor, "/api/v1/cards/" + card.ID, 403, docketcard.EFORBIDDEN},
					{"card as field verifier", docketcard.RoleFieldVerifier, "/api/v1/cards/" + card.ID, 403, docketcard.EFORBIDDEN},
				} {
					t.Run(tc.name, func(t *testing.T) {
						c.call(t, tc.role, "GET", tc.path, nil).problem(t, tc.status, tc.code)
					})
				}
			})

			t.Run("audit", func(t *testing.T) {
				// prepare → audit → sign → audit: one card_prepare and one
				// card_sign, in that order, with the same claims hash, which
				// is the hash of the payload signed in the QR code.
				var page struct {
					Items []docketcard.AuditEntry `json:"items"`
				}
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200&subject="+card.ID, nil).decode(t, http.StatusOK, &page)
				var prep, sign []docketcard.AuditEntry
				for _, e := range page.Items {
					switch e.Action {
					case docketcard.ActionCardPrepare:
						prep = append(prep, e)
					case docketcard.ActionCardSign:
						sign = append(sign, e)
					}
				}
				if len(prep) != 1 || len(sign) != 1 {
					t.Fatalf("%d card_prepare and %d card_sign entries (after a replay), want one of each: %+v", len(prep), len(sign), page.Items)
				}
				claims := "claims sha256=" + card.ClaimsHash
				officer := c.app.Users[eo].ID
				for _, e := range []docketcard.AuditEntry{prep[0], sign[0]} {
					if !strings.Contains(e.Detail, claims) || e.SubjectType != "card" || e.SiteCode != "HOU" || e.ActorID != officer {
						t.Errorf("%s entry: %+v, want detail with %q", e.Action, e, claims)
					}
					if strings.Contains(e.Detail, p.ANumber.Digits()) || strings.Contains(e.Detail, "PEÑA") {
						t.Errorf("%s entry holds personal data: %q", e.Action, e.Detail)
					}
				}
				if prep[0].Seq >= sign[0].Seq {
					t.Errorf("card_sign (seq %d) before card_prepare (seq %d)", sign[0].Seq, prep[0].Seq)
				}
				if !strings.Contains(sign[0].Detail, "kid="+card.KeyID) {
					t.Errorf("card_sign detail %q does not name kid %s", sign[0].Detail, card.KeyID)
				}
				parsed, err := credential.Decode(card.QRText, credential.DefaultLimits)
				if err != nil {
					t.Fatal(err)
				}
				if sum := sha256.Sum256(parsed.Message.Payload); hex.EncodeToString(sum[:]) != card.ClaimsHash {
					t.Errorf("the signed payload's SHA-256 is %x, the audited claims_sha256 %s", sum, card.ClaimsHash)
				}
				if hex.EncodeToString(parsed.KeyID) != card.KeyID {
					t.Errorf("QR kid %x, card key_id %s", parsed.KeyID, card.KeyID)
				}
			})
		})
	}
}

// TestCardIssuanceResumes: an issuance that stopped after the card was
// prepared (stored and audited, not signed) is finished by a retry with
// the same Idempotency-Key, from the stored bytes; until then the card
// cannot be printed.
func TestCardIssuanceResumes(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.cardPerson(t, "A100000001", true)
			c.app.Clear(t, p.ID)
			card := c.issueCard(t, p.ID, "resume-key-0001")
			// Undo the signing step, as if the server had stopped before it.
			if _, err := c.app.DB.SQL().Exec(c.app.DB.Rebind("UPDATE cards SET state = 'prepared', signed = NULL, qr_text = NULL WHERE id = ?"), card.ID); err != nil {
				t.Fatal(err)
			}
			var prepared docketcard.Card
			c.call(t, docketcard.RoleEnrollmentOfficer, "GET", "/api/v1/cards/"+card.ID, nil).decode(t, http.StatusOK, &prepared)
			if prepared.State != docketcard.CardPrepared || prepared.QRText != "" {
				t.Fatalf("prepared card: state %s, qr_text %q", prepared.State, apiClip(prepared.QRText, 20))
			}
			p409 := c.call(t, docketcard.RolePrintOperator, "GET", "/api/v1/cards/"+card.ID+"/print", nil).problem(t, http.StatusConflict, docketcard.ECONFLICT)
			if !strings.Contains(p409.Detail, "not signed") {
				t.Errorf("detail %q", p409.Detail)
			}

			var resumed docketcard.Card
			c.send(t, issueCall(docketcard.RoleEnrollmentOfficer, p.ID, "resume-key-0001")).decode(t, http.StatusOK, &resumed)
			if resumed.ID != card.ID || resumed.State != docketcard.CardApproved || resumed.QRText == "" ||
				resumed.ClaimsHash != card.ClaimsHash || resumed.CardNumber != card.CardNumber {
				t.Fatalf("resumed card: %+v", resumed)
			}
			if n := c.countCards(t, p.ID); n != 1 {
				t.Errorf("%d cards, want 1", n)
			}
			parsed, err := credential.Decode(resumed.QRText, credential.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if sum := sha256.Sum256(parsed.Message.Payload); hex.EncodeToString(sum[:]) != card.ClaimsHash {
				t.Error("the retry did not sign the stored claims")
			}
			tl, _ := c.app.Keys.TrustList()
			v := &credential.Verifier{Trust: tl, Now: c.app.Clock.Now}
			if res, err := v.Verify(resumed.QRText); err != nil || res.Outcome != credential.Valid {
				t.Errorf("resumed card does not verify: %+v, %v", res, err)
			}
			if r := c.send(t, apiCall{method: "GET", path: "/api/v1/cards/" + card.ID + "/print?format=front", role: docketcard.RolePrintOperator}); r.StatusCode != http.StatusOK {
				t.Errorf("print after the retry: %s", r)
			}
		})
	}
}

// TestCardIssuanceConcurrentRetries: clients retrying one request at once
// all get the one card it made.
func TestCardIssuanceConcurrentRetries(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.cardPerson(t, "A100000001", true)
			c.app.Clear(t, p.ID)
			const n = 6
			replies := make([]apiReply, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					// Not c.send: t.Fatal must not be called off the test goroutine.
					req, _ := http.NewRequest("POST", c.app.Server.URL+"/api/v1/people/"+p.ID+"/cards", nil)
					req.Header.Set("Authorization", "Bearer "+c.app.Tokens[docketcard.RoleEnrollmentOfficer])
					req.Header.Set("Idempotency-Key", "concurrent-key-1")
					res, err := c.app.Server.Client().Do(req)
					if err != nil {
						errs[i] = err
						return
					}
					defer res.Body.Close()
					b, err := io.ReadAll(res.Body)
					replies[i], errs[i] = apiReply{Response: res, body: b}, err
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			ids := map[string]bool{}
			created := 0
			for _, r := range replies {
				var card docketcard.Card
				switch r.StatusCode {
				case http.StatusCreated:
					created++
					r.decode(t, http.StatusCreated, &card)
				default:
					r.decode(t, http.StatusOK, &card)
				}
				if card.State != docketcard.CardApproved {
					t.Errorf("card %s is %s", card.ID, card.State)
				}
				ids[card.ID] = true
			}
			if len(ids) != 1 || created == 0 {
				t.Errorf("%d distinct cards, %d replies 201", len(ids), created)
			}
			if got := c.countCards(t, p.ID); got != 1 {
				t.Errorf("%d cards stored, want 1", got)
			}
		})
	}
}

func TestCardPrint(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.cardPerson(t, "A100000001", true)
			c.app.Clear(t, p.ID)
			card := c.issueCard(t, p.ID, "print-key-0001")
			base := "/api/v1/cards/" + card.ID + "/print"
			checkPNG := func(t *testing.T, b []byte) {
				cfg, err := png.DecodeConfig(bytes.NewReader(b))
				if err != nil {
					t.Fatalf("not a PNG: %v", err)
				}
				if cfg.Width != 1011 || cfg.Height != 638 {
					t.Errorf("PNG is %d × %d px, want 1011 × 638 (CR80 at 300 dpi)", cfg.Width, cfg.Height)
				}
				if _, err := png.Decode(bytes.NewReader(b)); err != nil {
					t.Errorf("PNG does not decode: %v", err)
				}
			}
			checkPDF := func(t *testing.T, b []byte) {
				if !bytes.HasPrefix(b, []byte("%PDF-")) || !bytes.Contains(b[max(0, len(b)-1024):], []byte("%%EOF")) {
					t.Errorf("not a PDF: %q", apiClip(string(b), 40))
				}
			}
			for _, tc := range []struct {
				name  string
				role  docketcard.Role
				query string
				ct    string
				check func(t *testing.T, b []byte)
			}{
				{"default is PDF", docketcard.RolePrintOperator, "", "application/pdf", checkPDF},
				{"pdf", docketcard.RolePrintOperator, "?format=pdf", "application/pdf", checkPDF},
				{"front", docketcard.RolePrintOperator, "?format=front", "image/png", checkPNG},
				{"back", docketcard.RolePrintOperator, "?format=back", "image/png", checkPNG},
				{"front as enrollment officer", docketcard.RoleEnrollmentOfficer, "?format=front", "image/png", checkPNG},
				{"pdf as adjudicator", docketcard.RoleAdjudicator, "?format=pdf", "application/pdf", checkPDF},
			} {
				t.Run(tc.name, func(t *testing.T) {
					r := c.send(t, apiCall{method: "GET", path: base + tc.query, role: tc.role})
					if r.StatusCode != http.StatusOK {
						t.Fatalf("want 200, got %s", r)
					}
					if ct := r.Header.Get("Content-Type"); ct != tc.ct {
						t.Errorf("Content-Type %q, want %q", ct, tc.ct)
					}
					if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
						t.Errorf("Cache-Control %q, want no-store", cc)
					}
					if tc.ct == "application/pdf" && !strings.Contains(r.Header.Get("Content-Disposition"), "card-"+card.CardNumber+".pdf") {
						t.Errorf("Content-Disposition %q", r.Header.Get("Content-Disposition"))
					}
					tc.check(t, r.body)
				})
			}
			for _, tc := range []struct {
				name   string
				role   docketcard.Role
				path   string
				status int
				code   string
			}{
				{"format=bogus", docketcard.RolePrintOperator, base + "?format=bogus", 400, docketcard.EINVALID},
				{"format=PNG", docketcard.RolePrintOperator, base + "?format=png", 400, docketcard.EINVALID},
				{"auditor", docketcard.RoleAuditor, base, 403, docketcard.EFORBIDDEN},
				{"FOIA officer", docketcard.RoleFOIAOfficer, base + "?format=front", 403, docketcard.EFORBIDDEN},
				{"field verifier", docketcard.RoleFieldVerifier, base, 403, docketcard.EFORBIDDEN},
				{"anonymous", "", base, 401, docketcard.EUNAUTHORIZED},
				{"unknown card", docketcard.RolePrintOperator, "/api/v1/cards/" + oaMissingID + "/print", 404, docketcard.ENOTFOUND},
			} {
				t.Run(tc.name, func(t *testing.T) {
					pr := c.send(t, apiCall{method: "GET", path: tc.path, role: tc.role}).problem(t, tc.status, tc.code)
					if tc.status == 400 {
						pr.field(t, "format")
					}
				})
			}
			t.Run("printing is audited", func(t *testing.T) {
				var page struct {
					Items []docketcard.AuditEntry `json:"items"`
				}
				c.call(t, docketcard.RoleAuditor, "GET", "/api/v1/audit?limit=200&subject="+card.ID, nil).decode(t, http.StatusOK, &page)
				operator := c.app.Users[docketcard.RolePrintOperator].ID
				n := 0
				for _, e := range page.Items {
					if e.Action == docketcard.ActionRead && e.ActorID == operator && strings.Contains(e.Detail, "render for print") {
						n++
					}
				}
				if n != 4 {
					t.Errorf("%d audited renders by the print operator, want 4", n)
				}
			})
		})
	}
}

// TestCardVerification: what the public endpoints serve lets an offline
// verifier check a card's QR code: the trust list verifies against the
// root, the status list against the status signer it lists, and the card
// against both. A card is valid in the status list only once it is
// active: a freshly issued (approved) card reads as suspended there, so
// that a card stolen before it was handed over does not verify.
func TestCardVerification(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			c := newAPIClient(t, d)
			p := c.cardPerson(t, "A100000001", true)
			c.app.Clear(t, p.ID)
			card := c.issueCard(t, p.ID, "verify-key-0001")
			now := c.app.Clock.Now()
			root := c.app.Keys.Root()

			// Anonymous downloads, as a verifier makes them.
			fetch := func(t *testing.T, path, wantCT string) apiReply {
				t.Helper()
				r := c.send(t, apiCall{method: "GET", path: path})
				if r.StatusCode != http.StatusOK {
					t.Fatalf("want 200, got %s", r)
				}
				if ct := r.Header.Get("Content-Type"); ct != wantCT {
					t.Errorf("%s: Content-Type %q, want %q", path, ct, wantCT)
				}
				if cc := r.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "public, max-age=") {
					t.Errorf("%s: Cache-Control %q", path, cc)
				}
				return r
			}
			get := func(t *testing.T, path, wantCT string) []byte {
				t.Helper()
				return fetch(t, path, wantCT).body
			}

			var tl *pki.TrustList
			t.Run("trust list", func(t *testing.T) {
				b := get(t, "/api/v1/trust-list", `application/cose; cose-type="cose-sign1"`)
				var err error
				if tl, err = pki.ParseTrustList(b, root, now); err != nil {
					t.Fatalf("the served trust list does not verify against the root: %v", err)
				}
				if _, raw := c.app.Keys.TrustList(); !bytes.Equal(b, raw) {
					t.Error("the served trust list is not the published one")
				}
				kid, _ := hex.DecodeString(card.KeyID)
				s, ok := tl.Lookup(kid)
				if !ok || s.Site != "HOU" || s.Purpose != "card" || s.Status != "current" {
					t.Errorf("the card's signer %s is not HOU's current card signer on the list: %+v", card.KeyID, s)
				}
			})
			if tl == nil {
				t.FailNow()
			}

			t.Run("root certificate", func(t *testing.T) {
				b := get(t, "/api/v1/root.pem", "application/x-pem-file")
				blk, rest := pem.Decode(b)
				if blk == nil || blk.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 || !bytes.Equal(blk.Bytes, root.Raw) {
					t.Errorf("root.pem is not the pinned root certificate: %q", apiClip(string(b), 80))
				}
			})

			// parseStatus parses and verifies a served status list.
			parseStatus := func(t *testing.T, b []byte) *statuslist.Token {
				t.Helper()
				tok, msg, err := statuslist.Parse(b, 0)
				if err != nil {
					t.Fatalf("status list: %v", err)
				}
				signer, ok := tl.Lookup(tok.KeyID)
				if !ok || signer.Purpose != "status" || signer.Site != "PROGRAM" {
					t.Fatalf("the status list's kid %x is not the program status signer on the trust list (%+v)", tok.KeyID, signer)
				}
				if err := statuslist.Verify(msg, signer.Certificate.PublicKey); err != nil {
					t.Fatalf("status list signature: %v", err)
				}
				if tok.URI != card.StatusURI || tok.List.Len() != testapp.StatusListSize || tok.Expired(now) || tok.TTL != service.StatusListTTL {
					t.Errorf("status list: uri %s, %d entries, expires %s, ttl %s", tok.URI, tok.List.Len(), tok.ExpiresAt, tok.TTL)
				}
				return tok
			}
			verify := func(t *testing.T, status *statuslist.Token, at time.Time) *credential.Result {
				t.Helper()
				v := &credential.Verifier{Trust: tl, Status: status, Now: func() time.Time { return at }}
				res, err := v.Verify(card.QRText)
				if err != nil {
					t.Fatal(err)
				}
				return res
			}

			var approvedETag string
			t.Run("status list before activation", func(t *testing.T) {
				// Signed, not yet printed and handed over: not valid.
				r := fetch(t, "/api/v1/status-list", statuslist.MediaType)
				approvedETag = r.Header.Get("ETag")
				tok := parseStatus(t, r.body)
				if st, err := tok.List.Get(card.StatusIndex); err != nil || st != statuslist.Suspended {
					t.Errorf("the approved card's status is %v (%v), want suspended", st, err)
				}
				if res := verify(t, tok, now); res.Outcome != credential.Suspended || !res.StatusKnown {
					t.Errorf("the approved card verifies as %s (%s), status known %v; want suspended", res.Outcome, res.Reason, res.StatusKnown)
				}
			})

			// Print, hand over and activate the card, then publish the
			// list at once: the server keeps the newest list for a second,
			// and a publication through the API refreshes it.
			if got := c.app.Activate(t, card.ID); got.State != docketcard.CardActive {
				t.Fatalf("card after activation: %s", got.State)
			}
			var pub docketcard.StatusPublication
			c.call(t, docketcard.RoleProgramManager, "POST", "/api/v1/status-list/publish", nil).decode(t, http.StatusOK, &pub)

			var status *statuslist.Token
			t.Run("status list", func(t *testing.T) {
				r := fetch(t, "/api/v1/status-list", statuslist.MediaType)
				sum := sha256.Sum256(r.body)
				etag := `"` + hex.EncodeToString(sum[:]) + `"`
				if got := r.Header.Get("ETag"); got != etag || pub.SHA256 != hex.EncodeToString(sum[:]) || got == approvedETag {
					t.Errorf("ETag %s, body sha256 %s, published %s, before activation %s: want the newest publication's SHA-256",
						got, etag, pub.SHA256, approvedETag)
				}
				if cc, want := r.Header.Get("Cache-Control"), fmt.Sprintf("public, max-age=%d", int(service.StatusListCacheAge.Seconds())); cc != want {
					t.Errorf("Cache-Control %q, want %q", cc, want)
				}
				lm, err1 := http.ParseTime(r.Header.Get("Last-Modified"))
				exp, err2 := http.ParseTime(r.Header.Get("Expires"))
				// Expires is the HTTP cache's, max-age after the response (not
				// the token's ttl after its issue time, which may be hours ago).
				if since := time.Until(exp); err1 != nil || err2 != nil || !lm.Equal(pub.IssuedAt.Truncate(time.Second)) ||
					since < service.StatusListCacheAge-5*time.Second || since > service.StatusListCacheAge+time.Second {
					t.Errorf("Last-Modified %q, Expires %q; want the issue time %s and %s from now",
						r.Header.Get("Last-Modified"), r.Header.Get("Expires"), pub.IssuedAt, service.StatusListCacheAge)
				}
				tok := parseStatus(t, r.body)
				if st, err := tok.List.Get(card.StatusIndex); err != nil || st != statuslist.Valid {
					t.Errorf("the active card's status is %v (%v), want valid", st, err)
				}
				status = tok

				// A verifier's refresh with the ETag it holds: 304, no body.
				for _, match := range []string{etag, "*"} {
					nm := c.send(t, apiCall{method: "GET", path: "/api/v1/status-list", header: map[string]string{"If-None-Match": match}})
					if nm.StatusCode != http.StatusNotModified || len(nm.body) != 0 || nm.Header.Get("ETag") != etag {
						t.Errorf("If-None-Match %s: %d, ETag %q, %d bytes; want 304 without a body", match, nm.StatusCode, nm.Header.Get("ETag"), len(nm.body))
					}
				}
				if old := c.send(t, apiCall{method: "GET", path: "/api/v1/status-list", header: map[string]string{"If-None-Match": approvedETag}}); old.StatusCode != http.StatusOK || !bytes.Equal(old.body, r.body) {
					t.Errorf("If-None-Match with an older list's ETag: %d; want 200 with the newest list", old.StatusCode)
				}
			})

			t.Run("card", func(t *testing.T) {
				for _, tc := range []struct {
					name        string
					status      *statuslist.Token
					at          time.Time
					want        credential.Outcome
					statusKnown bool
				}{
					{"with the status list", status, now, credential.Valid, status != nil},
					{"without a status list", nil, now, credential.Valid, false},
					{"after it expires", status, card.ExpiresAt, credential.Expired, false},
				} {
					t.Run(tc.name, func(t *testing.T) {
						res := verify(t, tc.status, tc.at)
						if res.Outcome != tc.want || res.StatusKnown != tc.statusKnown {
							t.Fatalf("outcome %s (%s), status known %v; want %s, %v", res.Outcome, res.Reason, res.StatusKnown, tc.want, tc.statusKnown)
						}
						cr := res.Credential
						if cr.CardNumber != card.CardNumber || cr.Identity == nil || cr.Identity.ID != string(p.ANumber) ||
							cr.Status.Index != card.StatusIndex || cr.Status.URI != card.StatusURI || !cr.ExpiresAt.Equal(card.ExpiresAt) {
							t.Errorf("verified credential does not match the card: %+v", cr)
						}
						if tc.want == credential.Valid && (res.Signer == nil || res.Signer.Site != "HOU" || len(res.Face) == 0) {
							t.Errorf("signer %+v, face %d bytes", res.Signer, len(res.Face))
						}
					})
				}
			})

			t.Run("verifier bundle", func(t *testing.T) {
				b := get(t, "/api/v1/verifier-bundle", credential.BundleMediaType)
				bundle, err := credential.DecodeBundle(b)
				if err != nil {
					t.Fatalf("verifier bundle: %v", err)
				}
				_, trust := c.app.Keys.TrustList()
				if !bytes.Equal(bundle.Root, root.Raw) || !bytes.Equal(bundle.TrustList, trust) {
					t.Error("the bundle's root or trust list is not the published one")
				}
				if tok := parseStatus(t, bundle.StatusList); status != nil && !tok.IssuedAt.Equal(status.IssuedAt) {
					t.Errorf("the bundle's status list was issued %s, the served one %s", tok.IssuedAt, status.IssuedAt)
				}
			})

			t.Run("not configured", func(t *testing.T) {
				// A server without card keys issues nothing and publishes
				// no trust list, root or bundle: 503, not 500. It still
				// serves the newest status list published in the database
				// it shares (signed data, the same bytes on every server).
				cfg := service.DefaultConfig()
				cfg.Password = service.TestPasswordParams
				svc := service.New(c.app.DB, c.app.Blobs, c.app.Clock.Now, cfg, nil)
				srv, err := web.New(svc, slog.New(slog.DiscardHandler), web.Options{Version: "test"})
				if err != nil {
					t.Fatal(err)
				}
				bare := httptest.NewServer(srv.Handler())
				defer bare.Close()
				bc := &apiClient{app: &testapp.App{Server: bare, Tokens: c.app.Tokens}}
				for _, r := range []apiCall{
					{method: "GET", path: "/api/v1/trust-list"},
					{method: "GET", path: "/api/v1/root.pem"},
					{method: "GET", path: "/api/v1/verifier-bundle"},
					issueCall(docketcard.RoleEnrollmentOfficer, p.ID, "verify-key-0002"),
				} {
					bc.send(t, r).problem(t, http.StatusServiceUnavailable, docketcard.EUNAVAILABLE)
				}
				served := c.send(t, apiCall{method: "GET", path: "/api/v1/status-list"})
				if r := bc.send(t, apiCall{method: "GET", path: "/api/v1/status-list"}); r.StatusCode != http.StatusOK ||
					!bytes.Equal(r.body, served.body) || r.Header.Get("ETag") != served.Header.Get("ETag") {
					t.Errorf("a server without keys: %s; want the newest published list, as the publishing server serves it", r)
				}

				// On a database where no list was ever published, such a
				// server has nothing to serve.
				empty := service.New(testdb.Open(t, d), c.app.Blobs, c.app.Clock.Now, cfg, nil)
				srv, err = web.New(empty, slog.New(slog.DiscardHandler), web.Options{Version: "test"})
				if err != nil {
					t.Fatal(err)
				}
				none := httptest.NewServer(srv.Handler())
				defer none.Close()
				nc := &apiClient{app: &testapp.App{Server: none}}
				nc.send(t, apiCall{method: "GET", path: "/api/v1/status-list"}).problem(t, http.StatusServiceUnavailable, docketcard.EUNAVAILABLE)
			})
		})
	}
}
