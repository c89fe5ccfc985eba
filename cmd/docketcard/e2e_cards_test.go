package main

// End-to-end tests of cards through the real program: the demo issues
// cards; `card render` prints them; `status export` signs the status
// list; `verify` checks a printed card offline, with an exit code per
// outcome; `keys` rotates a site's signer without breaking cards already
// printed. Every person in them is synthetic.

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/veraison/go-cose"

	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/credential/claim169"
	"github.com/docketcard/docketcard/internal/testenv"
	"github.com/docketcard/docketcard/keys"
	"github.com/docketcard/docketcard/signer"
	"github.com/docketcard/docketcard/statuslist"
)

// demoPublicURL is the demo's public URL (its default address): the
// issuer and status list URI of the cards it issues.
const demoPublicURL = "http://127.0.0.1:8080"

// cardsEnv is the environment of an operator working on the demo's data
// directory: its keys, master key and public URL.
func cardsEnv(dir string) env {
	return env{
		"DOCKETCARD_DATA_DIR":               dir,
		"DOCKETCARD_KEYS_DIR":               filepath.Join(dir, "keys"),
		"DOCKETCARD_SIGNER_PASSPHRASE_FILE": filepath.Join(dir, "keys", "signer.pass"),
		"DOCKETCARD_MASTER_KEYS_FILE":       filepath.Join(dir, "master.key"),
		"DOCKETCARD_PUBLIC_URL":             demoPublicURL,
	}
}

// demoCard is a card the demo issued, as stored.
type demoCard struct {
	id, number, qr, site, keyID string
	statusIndex                 int
	aNumber, family, given      string
}

func firstDemoCard(t *testing.T, dir string) demoCard {
	t.Helper()
	db := openSQLite(t, filepath.Join(dir, "docketcard.db"), true)
	defer db.Close()
	var c demoCard
	err := db.QueryRow(`SELECT c.id, c.card_number, c.qr_text, c.site_code, c.key_id, c.status_index, p.a_number, p.family_names, p.given_names
		FROM cards c JOIN people p ON p.id = c.person_id WHERE c.state = 'signed' AND c.lifecycle = 'active' ORDER BY c.card_number LIMIT 1`).
		Scan(&c.id, &c.number, &c.qr, &c.site, &c.keyID, &c.statusIndex, &c.aNumber, &c.family, &c.given)
	if err != nil {
		t.Fatalf("no signed card in the demo database: %v", err)
	}
	return c
}

// verifyReport is the JSON report of `docketcard verify -json`.
type verifyReport struct {
	Outcome       string         `json:"outcome"`
	Valid         bool           `json:"valid"`
	Reason        string         `json:"reason"`
	KeyID         string         `json:"key_id"`
	StatusChecked bool           `json:"status_checked"`
	CardNumber    string         `json:"card_number"`
	Issuer        string         `json:"issuer"`
	IssuedAt      time.Time      `json:"issued_at"`
	ExpiresAt     time.Time      `json:"expires_at"`
	Identity      map[string]any `json:"identity"`
	Signer        *struct {
		Site   string `json:"site"`
		Status string `json:"status"`
	} `json:"signer"`
}

// verifyJSON runs `verify -json args…` and checks its exit code.
func verifyJSON(t *testing.T, e env, code int, args ...string) verifyReport {
	t.Helper()
	r := run(t, e, append([]string{"verify", "-json"}, args...)...)
	if r.code != code {
		t.Fatalf("verify -json %s: %s\nwant exit %d", strings.Join(args, " "), r, code)
	}
	var rep verifyReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("verify -json printed no JSON report (%v):\n%s", err, r)
	}
	return rep
}

// registryEntry finds the current signer of site and purpose in a key
// directory's registry.
func registryEntry(t *testing.T, dir, site, purpose string) keys.Entry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "registry.json"))
	if err != nil {
		t.Fatal(err)
	}
	var reg keys.Registry
	if err := json.Unmarshal(b, &reg); err != nil {
		t.Fatal(err)
	}
	for _, e := range reg.Signers {
		if e.Site == site && e.Purpose == purpose && e.Status == "current" {
			return e
		}
	}
	t.Fatalf("no current %s signer for %s in %s/registry.json", purpose, site, dir)
	return keys.Entry{}
}

// loadSigner loads the current signer of site and purpose from a key
// directory, as the program does.
func loadSigner(t *testing.T, dir, site, purpose string) signer.Signer {
	t.Helper()
	e := registryEntry(t, dir, site, purpose)
	pass, err := signer.ReadPassphrase(filepath.Join(dir, "signer.pass"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := signer.LoadFile(filepath.Join(dir, e.KeyFile), filepath.Join(dir, e.CertFile), pass)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeStatusList signs a status list in which the entry at idx has
// status st, with the program's status signer, and returns its file.
func writeStatusList(t *testing.T, keyDir string, idx int, st statuslist.Status) string {
	t.Helper()
	key := loadSigner(t, keyDir, keys.ProgramSite, keys.PurposeStatus)
	l, err := statuslist.New(2, 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Set(idx, st); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	tok := &statuslist.Token{URI: demoPublicURL + "/api/v1/status-list", IssuedAt: now, ExpiresAt: now.Add(24 * time.Hour),
		TTL: 5 * time.Minute, List: l, KeyID: key.KeyID()}
	b, err := statuslist.Sign(tok, key, key.KeyID())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "status-"+st.String()+".cwt")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

var keyIDRE = regexp.MustCompile(`key id ([0-9a-f]{16})`)

func TestCardCLI(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "demo")
	mustRun(t, env{}, "demo", "-data-dir", dir, "-people", "3", "-no-serve")
	e := cardsEnv(dir)
	keyDir := filepath.Join(dir, "keys")
	card := firstDemoCard(t, dir)
	if !strings.HasPrefix(card.number, "DC") || card.qr == "" {
		t.Fatalf("demo card %+v", card)
	}

	out := filepath.Join(t.TempDir(), "out")
	r := mustRun(t, e, "card", "render", "-id", card.id, "-o", out)
	back := filepath.Join(out, card.number+"-back.png")
	for _, name := range []string{"-back.png", "-front.png", "-card.pdf"} {
		p := filepath.Join(out, card.number+name)
		if fi, err := os.Stat(p); err != nil || fi.Size() == 0 {
			t.Fatalf("card render did not write %s (%v):\n%s", p, err, r)
		}
		if !strings.Contains(r.stdout, p) {
			t.Errorf("card render does not name %s:\n%s", p, r)
		}
	}
	statusFile := filepath.Join(t.TempDir(), "status.cwt")
	if r := mustRun(t, e, "status", "export", "-o", statusFile); !strings.Contains(r.stdout, "written to "+statusFile) {
		t.Errorf("status export: %s", r)
	}

	t.Run("zbarimg reads the printed QR", func(t *testing.T) {
		zbar := testenv.NeedCommand(t, "zbarimg", "zbar-tools")
		var stdout, stderr bytes.Buffer
		cmd := exec.CommandContext(t.Context(), zbar, "-q", "--raw", back)
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("zbarimg %s: %v\n%s", back, err, stderr.String())
		}
		if got := strings.TrimSuffix(stdout.String(), "\n"); got != card.qr {
			t.Errorf("zbarimg read %d characters from the printed card:\n%q\nthe card's QR text is %d:\n%q", len(got), got, len(card.qr), card.qr)
		}
	})

	t.Run("verify the printed card", func(t *testing.T) {
		// The image first, then flags, as a person types it.
		r := run(t, e, "verify", back, "-status-list", statusFile)
		if r.code != 0 || !strings.Contains(r.stdout, "VALID as of") {
			t.Fatalf("verify %s -status-list: %s\nwant exit 0 and VALID as of", back, r)
		}
		for _, want := range []string{card.number, card.aNumber, "signed by:   " + card.site + " key " + card.keyID + " (current)"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("verify output lacks %q:\n%s", want, r)
			}
		}
		if r := run(t, e, "verify", "-status-list", statusFile, back); r.code != 0 {
			t.Errorf("verify with the flags first: %s", r)
		}
		if r := run(t, e, "verify", back); r.code != 0 || !strings.Contains(r.stdout, "status not checked") {
			t.Errorf("verify without a status list: %s\nwant exit 0, saying status was not checked", r)
		}
	})

	t.Run("verify -json", func(t *testing.T) {
		rep := verifyJSON(t, e, 0, "-status-list", statusFile, back)
		if rep.Outcome != string(credential.Valid) || !rep.Valid || !rep.StatusChecked || rep.Reason != "" {
			t.Errorf("report %+v, want valid with status checked", rep)
		}
		if rep.CardNumber != card.number || rep.KeyID != card.keyID || rep.Issuer != demoPublicURL+"/sites/"+card.site {
			t.Errorf("report names card %s key %s issuer %s, want %s %s %s", rep.CardNumber, rep.KeyID, rep.Issuer, card.number, card.keyID, demoPublicURL+"/sites/"+card.site)
		}
		if rep.Identity["id"] != card.aNumber || rep.Identity["lastName"] != card.family || rep.Identity["firstName"] != card.given ||
			rep.Identity["fullName"] != strings.TrimSpace(card.given+" "+card.family) {
			t.Errorf("report identity %v, want %s %s, %s", rep.Identity, card.aNumber, card.family, card.given)
		}
		if rep.Signer == nil || rep.Signer.Site != card.site || rep.Signer.Status != "current" {
			t.Errorf("report signer %+v, want %s current", rep.Signer, card.site)
		}
		if !rep.ExpiresAt.After(time.Now().AddDate(1, 11, 0)) || rep.IssuedAt.After(time.Now()) {
			t.Errorf("report dates issued %s expires %s", rep.IssuedAt, rep.ExpiresAt)
		}
	})

	t.Run("save-photo", func(t *testing.T) {
		photo := filepath.Join(t.TempDir(), "face.jpg")
		mustRun(t, e, "verify", "-save-photo", photo, back)
		b, err := os.ReadFile(photo)
		if err != nil {
			t.Fatal(err)
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("the saved face (%d bytes) is not a JPEG: %v", len(b), err)
		}
		if bd := img.Bounds(); bd.Dx() < 30 || bd.Dy() < 40 || bd.Dy() <= bd.Dx() {
			t.Errorf("the saved face is %v, want a small portrait", bd)
		}
	})

	t.Run("exit codes", func(t *testing.T) {
		blank := filepath.Join(t.TempDir(), "blank.png")
		img := image.NewGray(image.Rect(0, 0, 400, 300))
		for i := range img.Pix {
			img.Pix[i] = 0xff
		}
		img.SetGray(10, 10, color.Gray{})
		var buf bytes.Buffer
		if err := png.Encode(&buf, img); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(blank, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		twoYears := time.Now().AddDate(2, 0, 1).UTC().Format(time.RFC3339)
		cases := []struct {
			name   string
			args   []string
			code   int
			stdout string
			stderr string
		}{
			{"expired two years on", []string{"-at", twoYears, back}, verifyExit[credential.Expired], "EXPIRED", ""},
			{"not a credential", []string{"-text", "hello"}, verifyExit[credential.Malformed], "MALFORMED", ""},
			{"an image without a QR code", []string{blank}, verifyExit[credential.Malformed], "", "no QR code found"},
			{"revoked", []string{"-status-list", writeStatusList(t, keyDir, card.statusIndex, statuslist.Invalid), back},
				verifyExit[credential.Revoked], "REVOKED", ""},
			{"suspended", []string{"-status-list", writeStatusList(t, keyDir, card.statusIndex, statuslist.Suspended), back},
				verifyExit[credential.Suspended], "SUSPENDED", ""},
			{"another card revoked", []string{"-status-list", writeStatusList(t, keyDir, card.statusIndex^1, statuslist.Invalid), back},
				0, "VALID as of", ""},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				r := run(t, e, append([]string{"verify"}, tc.args...)...)
				if r.code != tc.code {
					t.Fatalf("verify %s: %s\nwant exit %d", strings.Join(tc.args, " "), r, tc.code)
				}
				if !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
					t.Errorf("verify %s: %s\nwant %q on stdout and %q on stderr", strings.Join(tc.args, " "), r, tc.stdout, tc.stderr)
				}
			})
		}
	})

	t.Run("signed with a key not on the trust list", func(t *testing.T) {
		parsed, err := credential.Decode(card.qr, credential.DefaultLimits)
		if err != nil {
			t.Fatal(err)
		}
		// A second program PKI with its own root: a signer for the same
		// site signs the same claims.
		other := filepath.Join(t.TempDir(), "other-keys")
		if err := os.MkdirAll(other, 0o700); err != nil {
			t.Fatal(err)
		}
		rootPass, signerPass := filepath.Join(other, "root.pass"), filepath.Join(other, "signer.pass")
		for f, p := range map[string]string{rootPass: "another root passphrase\n", signerPass: "another signer passphrase\n"} {
			if err := os.WriteFile(f, []byte(p), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		ke := env{"DOCKETCARD_KEYS_DIR": other, "DOCKETCARD_ROOT_PASSPHRASE_FILE": rootPass, "DOCKETCARD_SIGNER_PASSPHRASE_FILE": signerPass}
		mustRun(t, ke, "keys", "init-root", "-cn", "another program root")
		mustRun(t, ke, "keys", "new-signer", "-site", card.site)
		mustRun(t, ke, "keys", "trust-list")
		foreign := loadSigner(t, other, card.site, keys.PurposeCard)
		signed, err := credential.Sign(parsed.Message.Payload, foreign, foreign.KeyID())
		if err != nil {
			t.Fatal(err)
		}
		forged, _, err := credential.Encode(signed)
		if err != nil {
			t.Fatal(err)
		}
		r := run(t, e, "verify", "-text", forged)
		if r.code != verifyExit[credential.BadSignature] || !strings.Contains(r.stdout, "not on the trust list") {
			t.Errorf("verify a card signed by another root's key: %s\nwant exit %d saying the key is not on the trust list", r, verifyExit[credential.BadSignature])
		}
		rep := verifyJSON(t, e, verifyExit[credential.BadSignature], "-text", forged)
		if rep.Outcome != string(credential.BadSignature) || rep.KeyID != hex.EncodeToString(foreign.KeyID()) || rep.Signer != nil {
			t.Errorf("report %+v, want bad_signature naming key %x and no signer", rep, foreign.KeyID())
		}

		// A fresh key that claims the real signer's key id.
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		kid, _ := hex.DecodeString(card.keyID)
		signed, err = credential.Sign(parsed.Message.Payload, k, kid)
		if err != nil {
			t.Fatal(err)
		}
		forged, _, err = credential.Encode(signed)
		if err != nil {
			t.Fatal(err)
		}
		r = run(t, e, "verify", "-text", forged)
		if r.code != verifyExit[credential.BadSignature] || !strings.Contains(r.stdout, "the signature does not verify") {
			t.Errorf("verify a card signed by a key that borrows a listed key id: %s\nwant exit %d saying the signature does not verify", r, verifyExit[credential.BadSignature])
		}
	})

	t.Run("rotation", func(t *testing.T) {
		re := e.with("DOCKETCARD_ROOT_PASSPHRASE_FILE", filepath.Join(keyDir, "root.pass"))
		r := mustRun(t, re, "keys", "new-signer", "-site", card.site)
		m := keyIDRE.FindStringSubmatch(r.stdout)
		if m == nil {
			t.Fatalf("keys new-signer printed no key id:\n%s", r)
		}
		newKID := m[1]
		if newKID == card.keyID {
			t.Fatalf("the new signer has the old key id %s", newKID)
		}
		mustRun(t, re, "keys", "trust-list")

		// The printed card keeps verifying; its signer is now retired.
		rep := verifyJSON(t, e, 0, back)
		if rep.Outcome != string(credential.Valid) || rep.KeyID != card.keyID || rep.Signer == nil || rep.Signer.Status != "retired" {
			t.Errorf("the old card after rotation: %+v, want valid, key %s retired", rep, card.keyID)
		}

		// A new card is signed with the new key.
		issue := func() (id, kid string) {
			t.Helper()
			r := mustRun(t, e, "card", "issue", "-a-number", card.aNumber, "-request-key", "rotation-test-0001")
			m := regexp.MustCompile(`^card (DC\d{7}) \(([^)]+)\) for .*: approved, valid .* key ([0-9a-f]{16})\n$`).FindStringSubmatch(r.stdout)
			if m == nil {
				t.Fatalf("card issue: %s", r)
			}
			return m[2], m[3]
		}
		id, kid := issue()
		if kid != newKID {
			t.Errorf("the card issued after rotation is signed with key %s, want the new key %s", kid, newKID)
		}
		if again, _ := issue(); again != id {
			t.Errorf("card issue with the same request key made card %s, then %s", id, again)
		}
		var shown struct {
			CardNumber string `json:"card_number"`
			QRText     string `json:"qr_text"`
			KeyID      string `json:"key_id"`
		}
		r = mustRun(t, e, "card", "show", "-id", id)
		if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil || shown.QRText == "" {
			t.Fatalf("card show: %v\n%s", err, r)
		}
		rep = verifyJSON(t, e, 0, "-text", shown.QRText)
		if rep.Outcome != string(credential.Valid) || rep.KeyID != newKID || rep.Signer == nil || rep.Signer.Status != "current" || rep.CardNumber != shown.CardNumber {
			t.Errorf("the new card: %+v, want valid, key %s current", rep, newKID)
		}

		t.Run("keys list", func(t *testing.T) {
			r := mustRun(t, e, "keys", "list")
			if !strings.Contains(r.stdout, "KEY ID") || !strings.Contains(r.stdout, "STATUS") {
				t.Fatalf("keys list has no table header:\n%s", r)
			}
			rows := map[string][]string{}
			for _, l := range strings.Split(r.stdout, "\n") {
				if f := strings.Fields(l); len(f) == 7 {
					rows[f[0]] = f
				}
			}
			for _, want := range [][3]string{
				{card.keyID, card.site, "retired"},
				{newKID, card.site, "current"},
				{registryEntry(t, keyDir, keys.ProgramSite, keys.PurposeStatus).KeyID, keys.ProgramSite, "current"},
			} {
				f := rows[want[0]]
				if f == nil || f[1] != want[1] || f[3] != want[2] {
					t.Errorf("keys list row for %s is %v, want site %s status %s:\n%s", want[0], f, want[1], want[2], r.stdout)
				}
			}
		})
	})
}

// claim169Vector is a public Claim 169 test vector file.
type claim169Vector struct {
	Name       string `json:"name"`
	Category   string `json:"category"`
	QRData     string `json:"qr_data"`
	SigningKey *struct {
		Algorithm     string `json:"algorithm"`
		PublicKeyHex  string `json:"public_key_hex"`
		PrivateKeyHex string `json:"private_key_hex"`
	} `json:"signing_key"`
	EncryptionKey   any            `json:"encryption_key"`
	ExpectedClaim   map[string]any `json:"expected_claim169"`
	ExpectedCWTMeta map[string]any `json:"expected_cwt_meta"`
}

func readVector(t *testing.T, path string) claim169Vector {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v claim169Vector
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// signedClaim169 signs a Claim 169 CWT with an Ed25519 key and returns
// its QR text.
func signedClaim169(t *testing.T, key ed25519.PrivateKey, id, name string, iat, nbf, exp int64) string {
	t.Helper()
	ident := &claim169.Identity{ID: id, FullName: name}
	idb, err := ident.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	claims := map[int]any{1: "https://issuer.example", 6: iat, 169: cbor.RawMessage(idb)}
	if nbf != 0 {
		claims[5] = nbf
	}
	if exp != 0 {
		claims[4] = exp
	}
	payload, err := cbor.Marshal(claims)
	if err != nil {
		t.Fatal(err)
	}
	s, err := cose.NewSigner(cose.AlgorithmEdDSA, key)
	if err != nil {
		t.Fatal(err)
	}
	msg := cose.NewSign1Message()
	msg.Headers.Protected.SetAlgorithm(cose.AlgorithmEdDSA)
	msg.Payload = payload
	if err := msg.Sign(rand.Reader, nil, s); err != nil {
		t.Fatal(err)
	}
	b, err := msg.MarshalCBOR()
	if err != nil {
		t.Fatal(err)
	}
	text, _, err := credential.Encode(b)
	if err != nil {
		t.Fatal(err)
	}
	return text
}

func TestVerifyClaim169Vectors(t *testing.T) {
	const at = "2024-01-01T00:00:00Z"
	files, err := filepath.Glob("../../credential/claim169/testdata/vectors/*/*.json")
	if err != nil || len(files) < 15 {
		t.Fatalf("found %d vector files (%v)", len(files), err)
	}
	e := env{} // no key directory: -claim169 does not use the trust list
	for _, f := range files {
		rel, _ := filepath.Rel("../../credential/claim169/testdata/vectors", f)
		v := readVector(t, f)
		t.Run(rel, func(t *testing.T) {
			args := []string{"-claim169", "-text", v.QRData, "-at", at}
			if v.SigningKey != nil {
				args = append(args, "-public-key-hex", v.SigningKey.PublicKeyHex)
			}
			var code int
			var outcome, reason string
			switch {
			case strings.HasPrefix(rel, "invalid/"):
				code, outcome = verifyExit[credential.Malformed], string(credential.Malformed)
				reason = map[string]string{"bad-base45": "Base45", "bad-zlib": "decompressed", "not-cose": "not a COSE",
					"missing-169": "claim 169"}[v.Name]
				if reason == "" {
					t.Fatalf("no expectation for invalid vector %s", v.Name)
				}
			case v.EncryptionKey != nil:
				code, outcome, reason = verifyExit[credential.Malformed], string(credential.Malformed), "encrypted"
			case v.SigningKey != nil:
				code, outcome = verifyExit[credential.Valid], string(credential.Valid)
			default:
				// Most public vectors, edge/expired.json too, carry an empty
				// signature: nothing about them can be trusted.
				code, outcome, reason = verifyExit[credential.BadSignature], string(credential.BadSignature), "unsigned"
			}
			rep := verifyJSON(t, e, code, args...)
			if rep.Outcome != outcome || !strings.Contains(rep.Reason, reason) {
				t.Fatalf("outcome %s, reason %q; want %s with a reason naming %q", rep.Outcome, rep.Reason, outcome, reason)
			}
			if strings.Contains(rep.Reason, "docketcard error:") {
				t.Errorf("reason %q shows an internal error format", rep.Reason)
			}
			if outcome == string(credential.Malformed) {
				return
			}
			for _, k := range []string{"id", "fullName"} {
				if want, ok := v.ExpectedClaim[k]; ok && rep.Identity[k] != want {
					t.Errorf("identity %s = %v, want %v", k, rep.Identity[k], want)
				}
			}
			if want, ok := v.ExpectedCWTMeta["issuer"]; ok && rep.Issuer != want {
				t.Errorf("issuer %q, want %v", rep.Issuer, want)
			}
			if want, ok := v.ExpectedCWTMeta["expiresAt"].(float64); ok && rep.ExpiresAt.Unix() != int64(want) {
				t.Errorf("expires at %s, want %v", rep.ExpiresAt, time.Unix(int64(want), 0).UTC())
			}
			if v.Name == "expired" && !rep.ExpiresAt.Before(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) {
				t.Errorf("the expired vector expires %s, not before %s", rep.ExpiresAt, at)
			}
		})
	}

	// The text report of a signed vector names the holder.
	t.Run("text report", func(t *testing.T) {
		v := readVector(t, "../../credential/claim169/testdata/vectors/valid/ed25519-signed.json")
		r := run(t, e, "verify", "-claim169", "-text", v.QRData, "-public-key-hex", v.SigningKey.PublicKeyHex, "-at", at)
		if r.code != 0 || !strings.Contains(r.stdout, "VALID") || !strings.Contains(r.stdout, "Signed Test Person") || !strings.Contains(r.stdout, "ID-SIGNED-001") {
			t.Errorf("verify -claim169: %s", r)
		}
	})

	// Keys that do not belong to the vector.
	t.Run("wrong keys", func(t *testing.T) {
		a := readVector(t, "../../credential/claim169/testdata/vectors/valid/ecdsa-p256-signed.json")
		b := readVector(t, "../../credential/claim169/testdata/vectors/valid/ecdsa-p256-signed@7d1f9d4.json")
		ed := readVector(t, "../../credential/claim169/testdata/vectors/valid/ed25519-signed.json")
		for _, tc := range []struct{ name, qr, key, reason string }{
			{"another P-256 key", a.QRData, b.SigningKey.PublicKeyHex, "does not verify"},
			{"an Ed25519 key for ES256", a.QRData, ed.SigningKey.PublicKeyHex, "does not fit"},
			{"no key", ed.QRData, "", "not verified"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				args := []string{"-claim169", "-text", tc.qr, "-at", at}
				if tc.key != "" {
					args = append(args, "-public-key-hex", tc.key)
				}
				rep := verifyJSON(t, e, verifyExit[credential.BadSignature], args...)
				if rep.Outcome != string(credential.BadSignature) || !strings.Contains(rep.Reason, tc.reason) {
					t.Errorf("outcome %s, reason %q; want bad_signature, %q", rep.Outcome, rep.Reason, tc.reason)
				}
			})
		}
	})

	// The public expired and not-yet-valid vectors are unsigned; sign
	// such credentials with the Ed25519 vector's published private key to
	// check the dates of a credential whose signature verifies.
	t.Run("signed dates", func(t *testing.T) {
		ed := readVector(t, "../../credential/claim169/testdata/vectors/valid/ed25519-signed.json")
		seed, err := hex.DecodeString(ed.SigningKey.PrivateKeyHex)
		if err != nil || len(seed) != ed25519.SeedSize {
			t.Fatalf("private key %q: %v", ed.SigningKey.PrivateKeyHex, err)
		}
		key := ed25519.NewKeyFromSeed(seed)
		if hex.EncodeToString(key.Public().(ed25519.PublicKey)) != ed.SigningKey.PublicKeyHex {
			t.Fatal("the vector's private key does not give its public key")
		}
		for _, tc := range []struct {
			name          string
			iat, nbf, exp int64
			outcome       credential.Outcome
		}{
			{"expired", 1577836800, 0, 1609459200, credential.Expired},
			{"not yet valid", 1700000000, 2524608000, 2556144000, credential.NotYetValid},
			{"valid", 1700000000, 1700000000, 1800000000, credential.Valid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				qr := signedClaim169(t, key, "ID-DATES-001", "Dates Test Person", tc.iat, tc.nbf, tc.exp)
				rep := verifyJSON(t, e, verifyExit[tc.outcome], "-claim169", "-text", qr, "-public-key-hex", ed.SigningKey.PublicKeyHex, "-at", at)
				if rep.Outcome != string(tc.outcome) || rep.Identity["fullName"] != "Dates Test Person" {
					t.Errorf("report %+v, want %s", rep, tc.outcome)
				}
			})
		}
	})
}
