package credential_test

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/docketcard/docketcard/credential"
	"github.com/docketcard/docketcard/internal/testenv"
)

// nodeModules finds blackbox/node_modules (npm ci there installs the
// independent checkers).
func nodeModules(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("DOCKETCARD_TEST_NODE_MODULES")
	if dir == "" {
		dir, _ = filepath.Abs("../blackbox/node_modules")
	}
	_, err := os.Stat(filepath.Join(dir, "cose-js", "package.json"))
	testenv.Need(t, err == nil, "npm package cose-js", "run `npm ci` in blackbox/")
	return dir
}

// TestCoseJSVerifies has an implementation this project did not write,
// the npm cose-js package, verify the signature of a card's COSE_Sign1
// with the signer's public key — and reject it with another key and
// after a byte of the payload changes.
func TestCoseJSVerifies(t *testing.T) {
	node := testenv.NeedCommand(t, "node", "nodejs")
	mods := nodeModules(t)
	f := newFixture(t)
	qr, _ := issue(t, sampleCredential(t, t0), f.current, f.curKID)
	p, err := credential.Decode(qr, credential.DefaultLimits)
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte{}, p.Signed...)
	tampered[len(tampered)-80] ^= 1 // inside the payload, before the signature
	pub := f.current.PublicKey
	other := f.stranger.PublicKey
	type kcase struct {
		Name   string `json:"name"`
		Msg    string `json:"msg"`
		X, Y   string
		WantOK bool `json:"want"`
	}
	hexKey := func(x, y []byte) (string, string) { return hex.EncodeToString(x), hex.EncodeToString(y) }
	px, py := hexKey(pub.X.FillBytes(make([]byte, 32)), pub.Y.FillBytes(make([]byte, 32)))
	ox, oy := hexKey(other.X.FillBytes(make([]byte, 32)), other.Y.FillBytes(make([]byte, 32)))
	cases := []kcase{
		{"signer key", hex.EncodeToString(p.Signed), px, py, true},
		{"another key", hex.EncodeToString(p.Signed), ox, oy, false},
		{"tampered payload", hex.EncodeToString(tampered), px, py, false},
	}
	in, _ := json.Marshal(cases)
	script := `
const cose = require(process.argv[1] + '/cose-js');
const cases = JSON.parse(require('fs').readFileSync(0, 'utf8'));
(async () => {
  const out = [];
  for (const c of cases) {
    try {
      await cose.sign.verify(Buffer.from(c.msg, 'hex'), {key: {x: Buffer.from(c.X, 'hex'), y: Buffer.from(c.Y, 'hex')}});
      out.push({name: c.name, ok: true});
    } catch (e) { out.push({name: c.name, ok: false, err: String(e.message || e)}); }
  }
  console.log(JSON.stringify(out));
})();`
	cmd := exec.Command(node, "-e", script, "--", mods)
	cmd.Args = []string{node, "-e", script, mods}
	cmd.Stdin = bytesReader(in)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	var got []struct {
		Name string `json:"name"`
		OK   bool   `json:"ok"`
		Err  string `json:"err"`
	}
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	for i, c := range cases {
		if got[i].OK != c.WantOK {
			t.Errorf("%s: cose-js ok=%v (%s), want %v", c.Name, got[i].OK, got[i].Err, c.WantOK)
		}
	}
	_ = time.Now
}

func bytesReader(b []byte) *os.File {
	r, w, _ := os.Pipe()
	go func() { w.Write(b); w.Close() }()
	return r
}
