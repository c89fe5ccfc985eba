package main

import (
	"context"
	"encoding/hex"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/docketcard/docketcard/blob"
	"github.com/docketcard/docketcard/keys"
	"github.com/docketcard/docketcard/pki"
	"github.com/docketcard/docketcard/signer"
)

// keys manages the program PKI: the offline root, per-site signers, the
// signed trust list, and blob master keys.
func (m *Main) keys(ctx context.Context, args []string) error {
	const usage = "usage: docketcard keys init-root|new-signer|trust-list|list|blob-key [flags]"
	if len(args) == 0 {
		return usageError{usage}
	}
	sub := args[0]
	fs := m.flags("keys "+sub, nil)
	dir := fs.String("dir", m.envOr("DOCKETCARD_KEYS_DIR", "docketcard-keys"), "key directory (env DOCKETCARD_KEYS_DIR)")
	rootPass := fs.String("root-passphrase-file", m.Getenv("DOCKETCARD_ROOT_PASSPHRASE_FILE"), "file holding the root key's passphrase")
	signerPass := fs.String("signer-passphrase-file", m.Getenv("DOCKETCARD_SIGNER_PASSPHRASE_FILE"), "file holding the signer keys' passphrase")
	cn := fs.String("cn", "docketcard program root", "init-root: root certificate common name")
	rootYears := fs.Int("years", 20, "init-root: root validity in years")
	site := fs.String("site", "", "new-signer: site code (or PROGRAM for the status-list signer)")
	purpose := fs.String("purpose", "card", "new-signer: card or status")
	usagePeriod := fs.Duration("key-usage", 365*24*time.Hour, "new-signer: how long the key may sign")
	maxCard := fs.Duration("max-card-validity", 2*365*24*time.Hour, "new-signer: longest card validity (added to the certificate's life)")
	listValidity := fs.Duration("valid-for", 30*24*time.Hour, "trust-list: time until the next update is due")
	out := fs.String("o", "", "trust-list: also write the signed list to this file")
	id := fs.String("id", "k1", "blob-key: key id")
	if err := parse(fs, args[1:]); err != nil {
		return err
	}
	now := time.Now()
	readPass := func(file, what string) ([]byte, error) {
		if file == "" {
			return nil, usageError{fmt.Sprintf("-%s-passphrase-file is required", what)}
		}
		return signer.ReadPassphrase(file)
	}
	switch sub {
	case "init-root":
		pass, err := readPass(*rootPass, "root")
		if err != nil {
			return err
		}
		root, err := keys.InitRoot(*dir, pass, *cn, time.Duration(*rootYears)*365*24*time.Hour, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "created root %q in %s (valid until %s)\nKeep %s/root.key offline; distribute %s/root.crt to verifiers.\n",
			root.Cert.Subject.CommonName, *dir, root.Cert.NotAfter.Format(time.DateOnly), *dir, *dir)
	case "new-signer":
		rp, err := readPass(*rootPass, "root")
		if err != nil {
			return err
		}
		sp, err := readPass(*signerPass, "signer")
		if err != nil {
			return err
		}
		root, err := keys.LoadRoot(*dir, rp)
		if err != nil {
			return err
		}
		e, err := keys.NewSigner(*dir, root, *site, *purpose, sp, *usagePeriod, *maxCard, now)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "new %s signer for %s: key id %s, signs until %s\nPublish it with `docketcard keys trust-list`.\n",
			e.Purpose, e.Site, e.KeyID, e.UsageUntil.Format(time.DateOnly))
	case "trust-list":
		rp, err := readPass(*rootPass, "root")
		if err != nil {
			return err
		}
		root, err := keys.LoadRoot(*dir, rp)
		if err != nil {
			return err
		}
		b, err := keys.PublishTrustList(*dir, root, now, *listValidity)
		if err != nil {
			return err
		}
		if *out != "" {
			if err := os.WriteFile(*out, b, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintf(m.Stdout, "signed trust list written to %s/trust-list.cose (%d bytes); servers pick it up within a minute\n", *dir, len(b))
	case "list":
		root, err := keys.RootCert(*dir + "/root.crt")
		if err != nil {
			return err
		}
		raw, err := os.ReadFile(*dir + "/trust-list.cose")
		if err != nil {
			return err
		}
		tl, err := pki.ParseTrustList(raw, root, now)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "trust list #%d, issued %s, next update %s\n", tl.Sequence, tl.IssuedAt.Format(time.RFC3339), tl.NextUpdate.Format(time.RFC3339))
		fmt.Fprintln(tw, "KEY ID\tSITE\tPURPOSE\tSTATUS\tSIGNS FROM\tSIGNS UNTIL\tCERT EXPIRES")
		for _, s := range tl.Signers {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", hex.EncodeToString(s.KeyID), s.Site, s.Purpose, s.Status,
				s.UsageFrom.Format(time.DateOnly), s.UsageUntil.Format(time.DateOnly), s.Certificate.NotAfter.Format(time.DateOnly))
		}
		tw.Flush()
	case "blob-key":
		k, err := blob.GenerateKeyText(*id)
		if err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, k)
	default:
		return usageError{usage}
	}
	return nil
}

func (m *Main) envOr(name, def string) string {
	if v := m.Getenv(name); v != "" {
		return v
	}
	return def
}
