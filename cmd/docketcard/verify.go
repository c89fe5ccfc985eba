package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg"
	_ "image/png"
	"os"
	"strings"
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/keys"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/statuslist"
)

// Exit codes of `docketcard verify`, one per outcome.
var verifyExit = map[credential.Outcome]int{
	credential.Valid:        0,
	credential.BadSignature: 10,
	credential.Revoked:      11,
	credential.Suspended:    12,
	credential.Expired:      13,
	credential.Malformed:    14,
	credential.NotYetValid:  15,
}

// verify checks cards offline: a card image (the QR is decoded in Go), a
// raw QR string, or a file with one string per line.
func (m *Main) verify(ctx context.Context, args []string) error {
	fs := m.flags("verify", nil)
	dir := m.envOr("DOCKETCARD_KEYS_DIR", "docketcard-keys")
	trustFile := fs.String("trust-list", dir+"/trust-list.cose", "signed trust list file")
	rootFile := fs.String("root", dir+"/root.crt", "pinned program root certificate")
	statusFile := fs.String("status-list", "", "cached signed status list file (optional; without it status is not checked)")
	bundleFile := fs.String("bundle", "", "a verifier bundle (GET /api/v1/verifier-bundle, or 'docketcard status bundle'): trust list and status list in one file; the root stays pinned by -root")
	asJSON := fs.Bool("json", false, "print a JSON report")
	photoOut := fs.String("save-photo", "", "write the signed face image (JPEG) to this file")
	text := fs.String("text", "", "a raw QR string to verify")
	list := fs.String("file", "", "a file of QR strings, one per line")
	at := fs.String("at", "", "verify as of this time (RFC 3339) instead of now")
	foreign := fs.Bool("claim169", false, "a Claim 169 QR from another issuer: verify with -public-key-hex instead of the trust list")
	keyHex := fs.String("public-key-hex", "", "with -claim169: the issuer's public key in hex (P-256 uncompressed point or Ed25519)")
	// Flags may come before or after the image path
	// (`verify card.png -json` as well as `verify -json card.png`).
	var images []string
	for rest := args; ; {
		if err := parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		images = append(images, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	inputs := 0
	for _, set := range []bool{*text != "", *list != "", len(images) == 1} {
		if set {
			inputs++
		}
	}
	if inputs != 1 || len(images) > 1 {
		return usageError{"usage: docketcard verify [flags] card.png | -text QR | -file qr.txt"}
	}
	now := time.Now()
	if *at != "" {
		t, err := time.Parse(time.RFC3339, *at)
		if err != nil {
			return usageError{"-at must be RFC 3339, e.g. 2027-01-31T12:00:00Z"}
		}
		now = t
	}
	check := func(t string) (*credential.Result, error) { return verifyForeign(t, *keyHex, now) }
	if !*foreign {
		root, err := keys.RootCert(*rootFile)
		if err != nil {
			return err
		}
		var bundle *credential.Bundle
		if *bundleFile != "" && *statusFile != "" {
			return usageError{"give -bundle or -status-list, not both (the bundle carries its status list)"}
		}
		if *bundleFile != "" {
			b, err := os.ReadFile(*bundleFile)
			if err != nil {
				return err
			}
			if bundle, err = credential.DecodeBundle(b); err != nil {
				return err
			}
			// The bundle's root copy must be the pinned one: a bundle
			// from anywhere else is refused, not trusted.
			if !bytes.Equal(bundle.Root, root.Raw) {
				return fmt.Errorf("verifier bundle %s: its root certificate is not the pinned root %s", *bundleFile, *rootFile)
			}
		}
		var raw []byte
		source := *trustFile
		if bundle != nil {
			raw, source = bundle.TrustList, "in "+*bundleFile
		} else if raw, err = os.ReadFile(*trustFile); err != nil {
			return err
		}
		// Whether the cached trust list is fresh is a question about
		// the present, even when -at checks the card at another time.
		tl, err := pki.ParseTrustList(raw, root, time.Now())
		if err != nil {
			return fmt.Errorf("trust list %s: %w", source, err)
		}
		v := &credential.Verifier{Trust: tl, Now: func() time.Time { return now }}
		if bundle != nil {
			tok, err := checkStatusList(bundle.StatusList, "in "+*bundleFile, tl, now)
			if err != nil {
				return err
			}
			v.Status = tok
		} else if *statusFile != "" {
			tok, err := LoadStatusList(*statusFile, tl, now)
			if err != nil {
				return err
			}
			v.Status = tok
		}
		check = v.Verify
	}
	var texts []string
	switch {
	case *text != "":
		texts = []string{*text}
	case *list != "":
		b, err := os.ReadFile(*list)
		if err != nil {
			return err
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(make([]byte, 64<<10), 64<<10)
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); l != "" {
				texts = append(texts, l)
			}
		}
	default:
		t, err := DecodeQRImage(images[0])
		if err != nil {
			return exitCodeError{code: verifyExit[credential.Malformed], err: err}
		}
		texts = []string{t}
	}
	worst := 0
	var reports []map[string]any
	for i, t := range texts {
		res, err := check(t)
		if err != nil {
			return err
		}
		if code := verifyExit[res.Outcome]; code > worst {
			worst = code
		}
		if *photoOut != "" && len(res.Face) > 0 && i == 0 {
			if err := os.WriteFile(*photoOut, res.Face, 0o600); err != nil {
				return err
			}
		}
		rep := report(res)
		if *asJSON {
			reports = append(reports, rep)
			continue
		}
		m.printReport(res, len(texts) > 1, i+1)
	}
	if *asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		if len(reports) == 1 {
			enc.Encode(reports[0])
		} else {
			enc.Encode(reports)
		}
	}
	if worst != 0 {
		return exitCodeError{code: worst}
	}
	return nil
}

// LoadStatusList reads and verifies a cached status list token against
// the trust list (its signer must be a "status" key on it).
func LoadStatusList(path string, tl *pki.TrustList, now time.Time) (*statuslist.Token, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return checkStatusList(b, path, tl, now)
}

// checkStatusList parses a signed status list and checks its signer and
// signature against the trust list, and that it has not expired.
func checkStatusList(b []byte, path string, tl *pki.TrustList, now time.Time) (*statuslist.Token, error) {
	tok, msg, err := statuslist.Parse(b, 1<<24)
	if err != nil {
		return nil, fmt.Errorf("status list %s: %w", path, err)
	}
	ts, err := tl.CheckSigner(tok.KeyID, tok.IssuedAt, now, "status")
	if err != nil {
		return nil, fmt.Errorf("status list %s: signer: %w", path, err)
	}
	if err := statuslist.Verify(msg, ts.Certificate.PublicKey); err != nil {
		return nil, fmt.Errorf("status list %s: %w", path, err)
	}
	// An expired list could hide a revocation (a replayed old list):
	// refuse it rather than report "valid as of" a stale time.
	if tok.Expired(now) {
		return nil, fmt.Errorf("status list %s expired at %s; fetch a fresh one from the server", path, tok.ExpiresAt.Format(time.RFC3339))
	}
	return tok, nil
}

// DecodeQRImage finds and decodes the QR code in a PNG or JPEG image.
func DecodeQRImage(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	img, _, err := image.Decode(f)
	if err != nil {
		return "", fmt.Errorf("%s is not a PNG or JPEG image: %w", path, err)
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", err
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		var nf gozxing.NotFoundException
		if errors.As(err, &nf) {
			return "", fmt.Errorf("no QR code found in %s", path)
		}
		return "", fmt.Errorf("the QR code in %s could not be read: %v", path, err)
	}
	return res.GetText(), nil
}

func report(r *credential.Result) map[string]any {
	rep := map[string]any{"outcome": r.Outcome, "valid": r.Outcome == credential.Valid, "reason": r.Reason,
		"key_id": hex.EncodeToString(r.KeyID), "status_checked": r.StatusKnown}
	if r.StatusKnown {
		rep["status_as_of"] = r.StatusAsOf
	}
	if c := r.Credential; c != nil {
		rep["card_number"], rep["issuer"] = c.CardNumber, c.Issuer
		rep["issued_at"], rep["expires_at"] = c.IssuedAt, c.ExpiresAt
		if c.Identity != nil {
			rep["identity"] = c.Identity.JSON()
		}
	}
	if r.Signer != nil {
		rep["signer"] = map[string]any{"site": r.Signer.Site, "status": r.Signer.Status}
	}
	return rep
}

func (m *Main) printReport(r *credential.Result, numbered bool, n int) {
	w := m.Stdout
	if numbered {
		fmt.Fprintf(w, "#%d ", n)
	}
	verdict := strings.ToUpper(strings.ReplaceAll(string(r.Outcome), "_", " "))
	if r.Outcome == credential.Valid {
		if r.StatusKnown {
			verdict = "VALID as of " + r.StatusAsOf.Format(time.RFC3339) + " (status list)"
		} else {
			verdict = "VALID signature and dates (status not checked: " + r.StatusNote + ")"
		}
	}
	fmt.Fprintln(w, verdict)
	if r.Reason != "" {
		fmt.Fprintf(w, "  reason:      %s\n", r.Reason)
	}
	if c := r.Credential; c != nil && c.Identity != nil {
		fmt.Fprintf(w, "  card:        %s, issued %s by %s, expires %s\n", c.CardNumber, c.IssuedAt.Format(time.DateOnly), c.Issuer, c.ExpiresAt.Format(time.DateOnly))
		id := c.Identity
		fmt.Fprintf(w, "  name:        %s\n  A-number:    %s\n  born:        %s\n  nationality: %s\n", id.FullName, id.ID, id.DateOfBirth, id.Nationality)
	}
	if r.Signer != nil {
		fmt.Fprintf(w, "  signed by:   %s key %x (%s)\n", r.Signer.Site, r.KeyID, r.Signer.Status)
	}
	if len(r.Face) > 0 {
		fmt.Fprintf(w, "  face image:  %d bytes (compare with the holder; -save-photo to write it)\n", len(r.Face))
	}
}
