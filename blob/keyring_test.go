package blob

import (
	"crypto/rand"
	"fmt"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

func TestParseKeyring(t *testing.T) {
	k1 := testKeyB64("k1", 32)
	k2 := testKeyB64("k2", 32)
	short := testKeyB64("short", 31)
	long := testKeyB64("long", 33)
	unpadded := strings.TrimRight(testKeyB64("unpadded", 32), "=")
	urlSafe := testKeyB64("url", 32)
	urlSafe = urlSafe[:5] + "-" + urlSafe[6:10] + "_" + urlSafe[11:] // RFC 4648 §5 alphabet
	zeros := strings.Repeat("A", 43) + "="                           // 32 zero bytes

	tests := []struct {
		name        string
		in          string
		secrets     []string // must never appear in the error or String
		wantCurrent string   // "" means an error is expected
		wantKeys    int
		wantMsg     string // substring of the error message
	}{
		{name: "single key", in: "k1:" + k1, secrets: []string{k1}, wantCurrent: "k1", wantKeys: 1},
		{name: "first is current", in: "k2:" + k2 + ",k1:" + k1, secrets: []string{k1, k2}, wantCurrent: "k2", wantKeys: 2},
		{name: "spaces around entries", in: "  k2:" + k2 + " , k1:" + k1 + "\n", secrets: []string{k1, k2}, wantCurrent: "k2", wantKeys: 2},
		{name: "id with all allowed characters", in: "key_2025-01:" + k1, secrets: []string{k1}, wantCurrent: "key_2025-01", wantKeys: 1},
		{name: "id of 32 characters", in: strings.Repeat("a", 32) + ":" + k1, secrets: []string{k1}, wantCurrent: strings.Repeat("a", 32), wantKeys: 1},

		{name: "empty", in: "", wantMsg: "keyring is empty"},
		{name: "blank", in: " \t\n", wantMsg: "keyring is empty"},
		{name: "key too short", in: "k1:" + short, secrets: []string{short}, wantMsg: "decodes to 31 bytes, want 32"},
		{name: "key too long", in: "k1:" + long, secrets: []string{long}, wantMsg: "decodes to 33 bytes, want 32"},
		{name: "empty key", in: "k1:", wantMsg: "decodes to 0 bytes"},
		{name: "bad base64", in: "k1:" + k1[:20] + "!!" + k1[22:], secrets: []string{k1}, wantMsg: "not valid standard base64"},
		{name: "unpadded base64", in: "k1:" + unpadded, secrets: []string{unpadded}, wantMsg: "not valid standard base64"},
		{name: "URL-safe base64", in: "k1:" + urlSafe, secrets: []string{urlSafe}, wantMsg: "not valid standard base64"},
		{name: "duplicate id", in: "k1:" + k1 + ",k1:" + k2, secrets: []string{k1, k2}, wantMsg: `entry 2: duplicate key id "k1"`},
		{name: "bare key without id", in: k1, secrets: []string{k1}, wantMsg: "entry 1 is not of the form id:base64key"},
		{name: "key and id swapped", in: k1 + ":k1", secrets: []string{k1}, wantMsg: "entry 1: key id is longer than 32"},
		{name: "empty id", in: ":" + k1, secrets: []string{k1}, wantMsg: "key id is empty"},
		{name: "upper-case id", in: "K1:" + k1, secrets: []string{k1}, wantMsg: "key id may contain only"},
		{name: "id too long", in: strings.Repeat("a", 33) + ":" + k1, secrets: []string{k1}, wantMsg: "longer than 32"},
		{name: "empty entry in the middle", in: "k1:" + k1 + ",,k2:" + k2, secrets: []string{k1, k2}, wantMsg: "entry 2 is empty"},
		{name: "trailing comma", in: "k1:" + k1 + ",", secrets: []string{k1}, wantMsg: "entry 2 is empty"},
		{name: "second entry bad", in: "k1:" + k1 + ",k2:" + short, secrets: []string{k1, short}, wantMsg: `entry 2 (id "k2")`},
		{name: "all-zero key", in: "k1:" + zeros, secrets: []string{zeros}, wantMsg: "all zeros"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseKeyring(tt.in)
			if tt.wantCurrent == "" {
				if err == nil {
					t.Fatalf("ParseKeyring succeeded, want error containing %q", tt.wantMsg)
				}
				wantCode(t, err, docketcard.EINVALID)
				if msg := err.Error(); !strings.Contains(msg, tt.wantMsg) {
					t.Errorf("error = %q, want it to contain %q", msg, tt.wantMsg)
				}
				for _, s := range tt.secrets {
					if leaks(err.Error(), s) {
						t.Errorf("error %q contains key material", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKeyring: %v", err)
			}
			if got := k.CurrentID(); got != tt.wantCurrent {
				t.Errorf("CurrentID = %q, want %q", got, tt.wantCurrent)
			}
			if got := len(k.aeads); got != tt.wantKeys {
				t.Errorf("keys = %d, want %d", got, tt.wantKeys)
			}
			want := fmt.Sprintf("keyring(current=%s, keys=%d)", tt.wantCurrent, tt.wantKeys)
			if got := k.String(); got != want {
				t.Errorf("String = %q, want %q", got, want)
			}
		})
	}
}

// TestKeyringNeverPrintsKeys checks every way a keyring might be printed.
func TestKeyringNeverPrintsKeys(t *testing.T) {
	k1, k2 := testKeyB64("k1", 32), testKeyB64("k2", 32)
	k, err := ParseKeyring("k2:" + k2 + ",k1:" + k1)
	if err != nil {
		t.Fatalf("ParseKeyring: %v", err)
	}
	// Raw key bytes could also show up as a Go byte slice or hex.
	raw1, raw2 := string(testKey("k1", 32)), string(testKey("k2", 32))
	tests := []struct {
		name string
		out  string
	}{
		{name: "String", out: k.String()},
		{name: "%v of pointer", out: fmt.Sprintf("%v", k)},
		{name: "%+v of pointer", out: fmt.Sprintf("%+v", k)},
		{name: "%#v of pointer", out: fmt.Sprintf("%#v", k)},
		{name: "%v of value", out: fmt.Sprintf("%v", *k)},
		{name: "%+v of value", out: fmt.Sprintf("%+v", *k)},
		{name: "%#v of value", out: fmt.Sprintf("%#v", *k)},
		{name: "%s of value", out: fmt.Sprintf("%s", *k)},
		{name: "%v of struct holding it", out: fmt.Sprintf("%+v", struct{ K Keyring }{*k})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if want := "keyring(current=k2, keys=2)"; !strings.Contains(tt.out, want) {
				t.Errorf("output %q does not contain %q", tt.out, want)
			}
			for _, s := range []string{k1, k2, raw1, raw2} {
				if leaks(tt.out, s) {
					t.Errorf("output %q contains key material", tt.out)
				}
			}
		})
	}
}

func TestNewKeyring(t *testing.T) {
	good := testKey("good", 32)
	tests := []struct {
		name    string
		current string
		keys    map[string][]byte
		wantMsg string // "" means success
	}{
		{name: "one key", current: "k1", keys: map[string][]byte{"k1": good}},
		{name: "two keys", current: "k2", keys: map[string][]byte{"k1": good, "k2": testKey("other", 32)}},
		{name: "no keys", current: "k1", keys: nil, wantMsg: "no keys"},
		{name: "current missing", current: "k3", keys: map[string][]byte{"k1": good}, wantMsg: `current key id "k3" is not in the keyring`},
		{name: "current invalid", current: "", keys: map[string][]byte{"k1": good}, wantMsg: "current key id is not a valid key id"},
		{name: "bad id", current: "k1", keys: map[string][]byte{"k1": good, "K/2": good}, wantMsg: "key id may contain only"},
		{name: "short key", current: "k1", keys: map[string][]byte{"k1": good[:16]}, wantMsg: `key "k1" is 16 bytes, want 32`},
		{name: "nil key", current: "k1", keys: map[string][]byte{"k1": nil}, wantMsg: "is 0 bytes"},
		{name: "all-zero key", current: "k1", keys: map[string][]byte{"k1": make([]byte, 32)}, wantMsg: "all zeros"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := NewKeyring(tt.current, tt.keys)
			if tt.wantMsg != "" {
				wantCode(t, err, docketcard.EINVALID)
				if !strings.Contains(err.Error(), tt.wantMsg) {
					t.Errorf("error = %q, want it to contain %q", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewKeyring: %v", err)
			}
			if k.CurrentID() != tt.current {
				t.Errorf("CurrentID = %q, want %q", k.CurrentID(), tt.current)
			}
		})
	}
}

func TestNewKeyringCopiesKeys(t *testing.T) {
	key := testKey("k1", 32)
	k, err := NewKeyring("k1", map[string][]byte{"k1": key})
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	sealed, err := seal(k, "blob1", []byte("hello"), rand.Reader)
	if err != nil {
		t.Fatalf("seal: %v", err)
	}
	clear(key) // the caller wipes its copy
	if _, err := open(k, "blob1", sealed); err != nil {
		t.Fatalf("open after caller cleared its key: %v", err)
	}
}

func TestGenerateKeyText(t *testing.T) {
	tests := []struct {
		name    string
		id      string
		wantErr bool
	}{
		{name: "simple id", id: "k1"},
		{name: "dated id", id: "2025-06_a"},
		{name: "empty id", id: "", wantErr: true},
		{name: "id with colon", id: "k:1", wantErr: true},
		{name: "id with comma", id: "k,1", wantErr: true},
		{name: "id too long", id: strings.Repeat("k", 33), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text, err := GenerateKeyText(tt.id)
			if tt.wantErr {
				wantCode(t, err, docketcard.EINVALID)
				return
			}
			if err != nil {
				t.Fatalf("GenerateKeyText: %v", err)
			}
			if !strings.HasPrefix(text, tt.id+":") {
				t.Errorf("text %q does not start with %q", text, tt.id+":")
			}
			k, err := ParseKeyring(text)
			if err != nil {
				t.Fatalf("ParseKeyring(GenerateKeyText()): %v", err)
			}
			if k.CurrentID() != tt.id {
				t.Errorf("CurrentID = %q, want %q", k.CurrentID(), tt.id)
			}
			again, err := GenerateKeyText(tt.id)
			if err != nil {
				t.Fatalf("GenerateKeyText: %v", err)
			}
			if again == text {
				t.Error("two generated keys are equal")
			}
		})
	}
}
