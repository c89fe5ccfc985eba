package base45

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/docketcard/docketcard/internal/testenv"
)

// npmScript encodes each input buffer and decodes each of our encodings with
// the npm package base45 (an independent implementation), reading and
// writing JSON on stdin and stdout.
const npmScript = `
const path = require('path');
const base45 = require(path.join(process.env.DOCKETCARD_BASE45_MODULES, 'base45'));
let input = '';
process.stdin.on('data', (c) => { input += c; });
process.stdin.on('end', () => {
  const cases = JSON.parse(input);
  const out = cases.map((c) => ({
    encoded: base45.encode(Buffer.from(c.hex, 'hex')),
    decoded: Buffer.from(base45.decode(c.ours)).toString('hex'),
  }));
  process.stdout.write(JSON.stringify(out));
});
`

// nodeModules returns the blackbox node_modules folder: from
// DOCKETCARD_TEST_NODE_MODULES, else ../../blackbox/node_modules.
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DOCKETCARD_TEST_NODE_MODULES")
	if dir == "" {
		dir = filepath.Join("..", "..", "blackbox", "node_modules")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// TestNPMBase45Agrees checks that the npm package base45 3.0.0 encodes random
// buffers exactly as Encode does and decodes Encode's output to the same
// bytes.
func TestNPMBase45Agrees(t *testing.T) {
	node := testenv.NeedCommand(t, "node", "nodejs")
	modules := nodeModules(t)
	_, err := os.Stat(filepath.Join(modules, "base45", "package.json"))
	testenv.Need(t, err == nil, "the npm package base45 in "+modules,
		"run npm ci in blackbox/ or set DOCKETCARD_TEST_NODE_MODULES")

	type input struct {
		Hex  string `json:"hex"`
		Ours string `json:"ours"`
	}
	var cases []input
	var raw [][]byte
	for _, n := range []int{0, 1, 2, 3, 17, 64, 255, 1000, 4097} {
		b := make([]byte, n)
		if _, err := rand.Read(b); err != nil {
			t.Fatal(err)
		}
		raw = append(raw, b)
		cases = append(cases, input{Hex: hex.EncodeToString(b), Ours: Encode(b)})
	}
	// The extremes of each group.
	for _, b := range [][]byte{{0xFF}, {0xFF, 0xFF}, {0, 0}, {0}, []byte("ietf!")} {
		raw = append(raw, b)
		cases = append(cases, input{Hex: hex.EncodeToString(b), Ours: Encode(b)})
	}
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(node, "-e", npmScript)
	cmd.Env = append(os.Environ(), "DOCKETCARD_BASE45_MODULES="+modules)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, stderr.String())
	}
	var results []struct {
		Encoded string `json:"encoded"`
		Decoded string `json:"decoded"`
	}
	if err := json.Unmarshal(out, &results); err != nil {
		t.Fatalf("node output: %v\n%s", err, out)
	}
	if len(results) != len(cases) {
		t.Fatalf("node returned %d results for %d cases", len(results), len(cases))
	}
	for i, r := range results {
		if r.Encoded != cases[i].Ours {
			t.Errorf("case %d (%d bytes): npm encodes %q, we encode %q", i, len(raw[i]), r.Encoded, cases[i].Ours)
		}
		if r.Decoded != cases[i].Hex {
			t.Errorf("case %d (%d bytes): npm decodes our %q to %s, want %s", i, len(raw[i]), cases[i].Ours, r.Decoded, cases[i].Hex)
		}
		ours, err := Decode(r.Encoded)
		if err != nil {
			t.Errorf("case %d: Decode(npm's %q): %v", i, r.Encoded, err)
		} else if !bytes.Equal(ours, raw[i]) {
			t.Errorf("case %d: Decode(npm's encoding) = % x, want % x", i, ours, raw[i])
		}
	}
}
