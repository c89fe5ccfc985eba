package mrz

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard/internal/testenv"
)

// npmScript parses each MRZ of a JSON array of line arrays read from stdin
// with the npm package mrz (imported from the file URL in argv[2]) and
// prints, for each, whether it is valid, its fields and the errors of the
// fields that are not.
const npmScript = `
const { parse } = await import(process.argv[2]);
let input = '';
for await (const chunk of process.stdin) input += chunk;
const out = JSON.parse(input).map((lines) => {
  try {
    const r = parse(lines);
    return {
      valid: r.valid,
      format: r.format,
      documentNumber: r.documentNumber,
      fields: r.fields,
      errors: r.details.filter((d) => !d.valid).map((d) => d.label + ': ' + d.error),
    };
  } catch (e) {
    return { valid: false, errors: [String(e)] };
  }
});
process.stdout.write(JSON.stringify(out));
`

type npmResult struct {
	Valid          bool              `json:"valid"`
	Format         string            `json:"format"`
	DocumentNumber *string           `json:"documentNumber"`
	Fields         map[string]string `json:"fields"`
	Errors         []string          `json:"errors"`
}

// npmEntry finds the ES module entry of the npm package mrz in dir from
// the "exports" (or "main") of its package.json.
func npmEntry(t *testing.T, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Version string          `json:"version"`
		Exports json.RawMessage `json:"exports"`
		Main    string          `json:"main"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		t.Fatalf("%s/package.json: %v", dir, err)
	}
	t.Logf("npm package mrz %s", pkg.Version)
	entry := pkg.Main
	var s string
	var m map[string]json.RawMessage
	switch {
	case json.Unmarshal(pkg.Exports, &s) == nil:
		entry = s
	case json.Unmarshal(pkg.Exports, &m) == nil && m["."] != nil:
		var cond map[string]string
		if json.Unmarshal(m["."], &s) == nil {
			entry = s
		} else if json.Unmarshal(m["."], &cond) == nil {
			for _, k := range []string{"import", "default", "node"} {
				if cond[k] != "" {
					entry = cond[k]
					break
				}
			}
		}
	}
	if entry == "" {
		t.Fatalf("%s/package.json names no entry point", dir)
	}
	return filepath.Join(dir, filepath.FromSlash(entry))
}

// TestNPMMRZValidates checks lines written by Encode with an independent
// implementation, the npm package mrz (installed in blackbox/ by npm ci):
// every check digit must be valid and the fields it reads must be ours.
// The specimen code UTO is not used because that package rejects it.
func TestNPMMRZValidates(t *testing.T) {
	node := testenv.NeedCommand(t, "node", "nodejs")
	modules := os.Getenv("DOCKETCARD_TEST_NODE_MODULES")
	if modules == "" {
		modules = filepath.Join("..", "blackbox", "node_modules")
	}
	pkgDir, err := filepath.Abs(filepath.Join(modules, "mrz"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = os.Stat(filepath.Join(pkgDir, "package.json"))
	testenv.Need(t, err == nil, "npm package mrz", "run npm ci in blackbox/")
	entryURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(npmEntry(t, pkgDir))}).String()

	cases := []struct {
		name string
		td   TD1
	}{
		{"docket card", base()},
		{"Honduran, sex unspecified", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000001", OptionalData1: "087654321", BirthDate: "011231", Sex: "X", ExpiryDate: "300101", Nationality: "HND", PrimaryID: "López Zelaya", SecondaryID: "Ana Lucía"}},
		{"Guatemalan, only the birth year known", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000002", OptionalData1: "123456789", BirthDate: "84<<<<", Sex: "M", ExpiryDate: "270615", Nationality: "GTM", PrimaryID: "Xol Caal", SecondaryID: "Marcos"}},
		{"Salvadoran, birth year and month known", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000003", BirthDate: "8404<<", Sex: "F", ExpiryDate: "280229", Nationality: "SLV", PrimaryID: "Hernández de la Santísima Trinidad", SecondaryID: "María Guadalupe"}},
		{"apostrophe and hyphen", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000004", BirthDate: "700101", Sex: "M", ExpiryDate: "260301", Nationality: "IRL", PrimaryID: "O'Brien-Al-Sayed", SecondaryID: "Seán"}},
		{"stateless", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000005", OptionalData1: "200000001", BirthDate: "991231", Sex: "F", ExpiryDate: "291231", Nationality: "XXA", OptionalData2: "ABC123", PrimaryID: "Tesfaye", SecondaryID: "Abebe"}},
		{"refugee, only a primary identifier", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000006", BirthDate: "950704", Sex: "M", ExpiryDate: "270704", Nationality: "XXB", PrimaryID: "Arkfreith"}},
		{"document number of 9 characters and full optional data", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "ZZ9999999", OptionalData1: "ABCDEFGHIJ12345", BirthDate: "800808", Sex: "F", ExpiryDate: "300808", Nationality: "MEX", OptionalData2: "ABCDEFGHIJK", PrimaryID: "Nilavadhanananda", SecondaryID: "Chayapa Dejthamrong Krasuang"}},
		{"long document number and A-number", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC1234567890", OptionalData1: "201234567", BirthDate: "760229", Sex: "M", ExpiryDate: "290101", Nationality: "MEX", PrimaryID: "Peña", SecondaryID: "Jesús"}},
		{"longest document number", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC9876543210987654321", BirthDate: "650505", Sex: "F", ExpiryDate: "290505", Nationality: "HND", PrimaryID: "Martínez", SecondaryID: "Rosa"}},
		{"German issuer and nationality", TD1{DocumentCode: "I", IssuingState: "D", DocumentNumber: "T22000129", BirthDate: "640812", Sex: "F", ExpiryDate: "291031", Nationality: "D", PrimaryID: "Mustermann", SecondaryID: "Erika"}},
	}
	var input [][]string
	var parsed []*TD1
	for _, tc := range cases {
		lines, err := Encode(tc.td)
		if err != nil {
			t.Fatalf("%s: Encode: %v", tc.name, err)
		}
		td, err := Parse(join(lines))
		if err != nil {
			t.Fatalf("%s: Parse: %v", tc.name, err)
		}
		input = append(input, lines[:])
		parsed = append(parsed, td)
	}

	dir := t.TempDir()
	script := filepath.Join(dir, "check.mjs")
	if err := os.WriteFile(script, []byte(npmScript), 0o600); err != nil {
		t.Fatal(err)
	}
	stdin, err := json.Marshal(input)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, entryURL)
	cmd.Dir = dir
	cmd.Stdin = bytes.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node %s: %v\n%s", script, err, stderr.String())
	}
	var results []npmResult
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	if len(results) != len(cases) {
		t.Fatalf("node gave %d results for %d MRZs", len(results), len(cases))
	}

	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, td := results[i], parsed[i]
			if !r.Valid {
				t.Fatalf("npm mrz finds %q invalid: %s", input[i], strings.Join(r.Errors, "; "))
			}
			if r.Format != "TD1" {
				t.Errorf("format = %q, want TD1", r.Format)
			}
			// After a long document number the npm package's optional1
			// also holds the end of the number and its check digit.
			wantOptional1 := strings.ReplaceAll(td.OptionalData1, "<", " ")
			if len(td.DocumentNumber) > docNumberLen {
				wantOptional1 = r.Fields["optional1"]
			}
			docNum := ""
			if r.DocumentNumber != nil {
				docNum = *r.DocumentNumber
			}
			for _, c := range []struct{ field, got, want string }{
				{"documentNumber", docNum, td.DocumentNumber},
				{"issuingState", r.Fields["issuingState"], td.IssuingState},
				{"nationality", r.Fields["nationality"], td.Nationality},
				{"birthDate", r.Fields["birthDate"], td.BirthDate},
				{"expirationDate", r.Fields["expirationDate"], td.ExpiryDate},
				{"lastName", r.Fields["lastName"], td.PrimaryID},
				{"firstName", r.Fields["firstName"], td.SecondaryID},
				{"sex", r.Fields["sex"], map[string]string{"M": "male", "F": "female", "<": "nonspecified"}[td.Sex]},
				{"optional2", r.Fields["optional2"], strings.ReplaceAll(td.OptionalData2, "<", " ")},
				{"optional1", r.Fields["optional1"], wantOptional1},
			} {
				if c.got != c.want {
					t.Errorf("npm mrz %s = %q, ours %q (lines %q)", c.field, c.got, c.want, input[i])
				}
			}
		})
	}
}
