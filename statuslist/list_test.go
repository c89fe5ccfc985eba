package statuslist

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// TestNew checks the bits and size New accepts.
func TestNew(t *testing.T) {
	tests := []struct {
		bits, size int
		code       string // "" for success
		kind       error
		bytes      int
	}{
		{1, 1, "", nil, 1},
		{1, 8, "", nil, 1},
		{1, 9, "", nil, 2},
		{2, 12, "", nil, 3},
		{2, 13, "", nil, 4},
		{4, 3, "", nil, 2},
		{8, 5, "", nil, 5},
		{0, 8, docketcard.EINVALID, ErrBits, 0},
		{3, 8, docketcard.EINVALID, ErrBits, 0},
		{16, 8, docketcard.EINVALID, ErrBits, 0},
		{-1, 8, docketcard.EINVALID, ErrBits, 0},
		{1, 0, docketcard.EINVALID, ErrBadRequest, 0},
		{1, -5, docketcard.EINVALID, ErrBadRequest, 0},
		{8, MaxBytes + 1, docketcard.ETOOLARGE, ErrTooLarge, 0},
		{1, MaxBytes*8 + 1, docketcard.ETOOLARGE, ErrTooLarge, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("bits=%d,size=%d", tt.bits, tt.size), func(t *testing.T) {
			l, err := New(tt.bits, tt.size)
			if tt.code != "" {
				wantErr(t, err, tt.code, tt.kind)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if l.Len() != tt.size || l.Bits() != tt.bits || len(l.Bytes()) != tt.bytes {
				t.Errorf("Len %d Bits %d bytes %d, want %d %d %d", l.Len(), l.Bits(), len(l.Bytes()), tt.size, tt.bits, tt.bytes)
			}
		})
	}
}

// TestSection41Examples checks the two worked examples of Section 4.1 (and
// their JSON lst of Section 4.2): the statuses pack to the byte array shown,
// the draft's compressed array inflates to it, and our compression of it
// inflates back to it. (Our compressed bytes need not equal the draft's:
// DEFLATE has many valid encodings of the same data.)
func TestSection41Examples(t *testing.T) {
	tests := []struct {
		name       string
		bits       int
		statuses   []Status
		byteArray  string
		compressed string
		jsonLst    string
	}{
		{
			name:       "1-bit, 16 statuses",
			bits:       1,
			statuses:   []Status{1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1},
			byteArray:  "b9a3",
			compressed: "78dadbb918000217015d",
			jsonLst:    "eNrbuRgAAhcBXQ",
		},
		{
			name:       "2-bit, 12 statuses",
			bits:       2,
			statuses:   []Status{1, 2, 0, 3, 0, 1, 0, 1, 1, 2, 3, 3},
			byteArray:  "c944f9",
			compressed: "78da3be9f2130003df0207",
			jsonLst:    "eNo76fITAAPfAgc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.bits, len(tt.statuses))
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.statuses {
				if err := l.Set(i, s); err != nil {
					t.Fatal(err)
				}
			}
			want := mustHex(t, tt.byteArray)
			if !bytes.Equal(l.Bytes(), want) {
				t.Fatalf("packed % x, want % x", l.Bytes(), want)
			}

			compressed := mustHex(t, tt.compressed)
			if lst, err := base64.RawURLEncoding.DecodeString(tt.jsonLst); err != nil || !bytes.Equal(lst, compressed) {
				t.Fatalf("Section 4.2 lst %q is not the compressed array (%v)", tt.jsonLst, err)
			}
			fromDraft, err := FromCompressed(tt.bits, compressed, 1024)
			if err != nil {
				t.Fatalf("FromCompressed(draft): %v", err)
			}
			if !bytes.Equal(fromDraft.Bytes(), want) {
				t.Fatalf("draft's array inflates to % x, want % x", fromDraft.Bytes(), want)
			}
			for i, s := range tt.statuses {
				if got, err := fromDraft.Get(i); err != nil || got != s {
					t.Errorf("Get(%d) = %v, %v; want %v", i, got, err, s)
				}
			}

			ours, err := l.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(ours, []byte{0x78, 0xDA}) {
				t.Errorf("compressed % x does not start with the ZLIB header of the best level (78 da)", ours)
			}
			back, err := FromCompressed(tt.bits, ours, 1024)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.Bytes(), want) {
				t.Errorf("round trip % x, want % x", back.Bytes(), want)
			}
		})
	}
}

// TestBitPacking checks, for each width, where a status lands in the byte
// array: index 0 in the least significant bits of byte 0 (Section 4.1,
// step 3; Section 11.1).
func TestBitPacking(t *testing.T) {
	tests := []struct {
		bits int
		set  map[int]Status
		want string
	}{
		{1, map[int]Status{0: 1}, "0100"},
		{1, map[int]Status{7: 1}, "8000"},
		{1, map[int]Status{8: 1, 15: 1}, "0081"},
		{2, map[int]Status{0: 1}, "0100"},
		{2, map[int]Status{0: 3, 3: 2}, "8300"},
		{2, map[int]Status{4: 1, 7: 3}, "00c1"},
		{4, map[int]Status{0: 0x1, 1: 0x2}, "2100"},
		{4, map[int]Status{1: 0xF, 2: 0x3}, "f003"},
		{8, map[int]Status{0: 0xAB, 1: 0x01}, "ab01"},
		{8, map[int]Status{1: 0xFF}, "00ff"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("bits=%d,%v", tt.bits, tt.set), func(t *testing.T) {
			want := mustHex(t, tt.want)
			l, err := New(tt.bits, len(want)*8/tt.bits)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.set {
				if err := l.Set(i, s); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(l.Bytes(), want) {
				t.Errorf("packed % x, want % x", l.Bytes(), want)
			}
			for i := 0; i < l.Len(); i++ {
				got, err := l.Get(i)
				if err != nil {
					t.Fatal(err)
				}
				if got != tt.set[i] {
					t.Errorf("Get(%d) = %v, want %v", i, got, tt.set[i])
				}
			}
		})
	}
}

// appendixC is one test vector of Appendix C: a list of 2^20 entries.
type appendixC struct {
	name     string
	file     string
	bits     int
	statuses map[int]Status
}

func appendixCVectors(t *testing.T) []appendixC {
	c4 := map[int]Status{}
	raw, err := os.ReadFile(filepath.Join("testdata", "c4-8bit.indices.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for v, line := range strings.Fields(string(raw)) {
		idx, err := strconv.Atoi(line)
		if err != nil {
			t.Fatal(err)
		}
		c4[idx] = Status(v)
	}
	if len(c4) != 256 {
		t.Fatalf("C.4 has %d indices, want 256", len(c4))
	}
	return []appendixC{
		{"C.1 1-bit", "c1-1bit.cbor.hex", 1, map[int]Status{
			0: 1, 1993: 1, 25460: 1, 159495: 1, 495669: 1, 554353: 1,
			645645: 1, 723232: 1, 854545: 1, 934534: 1, 1000345: 1,
		}},
		{"C.2 2-bit", "c2-2bit.cbor.hex", 2, map[int]Status{
			0: 1, 1993: 2, 25460: 1, 159495: 3, 495669: 1, 554353: 1,
			645645: 2, 723232: 1, 854545: 1, 934534: 2, 1000345: 3,
		}},
		{"C.3 4-bit", "c3-4bit.cbor.hex", 4, map[int]Status{
			0: 1, 1993: 2, 35460: 3, 459495: 4, 595669: 5, 754353: 6,
			845645: 7, 923232: 8, 924445: 9, 934534: 10, 1004534: 11,
			1000345: 12, 1030203: 13, 1030204: 14, 1030205: 15,
		}},
		{"C.4 8-bit", "c4-8bit.cbor.hex", 8, c4},
	}
}

// TestAppendixC decodes each test vector of Appendix C (the CBOR Status
// List of Section 4.3), checks every status the draft lists and that all
// others are 0, and checks that building the same list with New and Set
// gives the same byte array.
func TestAppendixC(t *testing.T) {
	const size = 1 << 20 // "All examples are initialized with a size of 2^20 entries."
	for _, tt := range appendixCVectors(t) {
		t.Run(tt.name, func(t *testing.T) {
			bits, lst, agg, err := parseStatusList(readHex(t, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			if bits != tt.bits || agg != "" {
				t.Fatalf("bits %d aggregation_uri %q, want %d and none", bits, agg, tt.bits)
			}
			l, err := FromCompressed(bits, lst, size)
			if err != nil {
				t.Fatal(err)
			}
			if l.Len() != size {
				t.Fatalf("Len %d, want %d", l.Len(), size)
			}
			nonzero := 0
			for i := 0; i < size; i++ {
				s, err := l.Get(i)
				if err != nil {
					t.Fatal(err)
				}
				if s != tt.statuses[i] {
					t.Fatalf("status[%d] = %v, want %v", i, s, tt.statuses[i])
				}
				if s != Valid {
					nonzero++
				}
			}
			t.Logf("%d non-zero statuses, lst %d bytes", nonzero, len(lst))

			built, err := New(tt.bits, size)
			if err != nil {
				t.Fatal(err)
			}
			for i, s := range tt.statuses {
				if err := built.Set(i, s); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(built.Bytes(), l.Bytes()) {
				t.Fatal("New+Set gives a different byte array from the vector")
			}
			ours, err := built.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			back, err := FromCompressed(tt.bits, ours, size)
			if err != nil || !bytes.Equal(back.Bytes(), l.Bytes()) {
				t.Fatalf("our compression does not round-trip (%v)", err)
			}
		})
	}
}

// TestSetGetBounds checks indices out of range and statuses too wide.
func TestSetGetBounds(t *testing.T) {
	tests := []struct {
		name   string
		bits   int
		size   int
		idx    int
		status Status
		kind   error // nil: Set succeeds
	}{
		{"first", 2, 10, 0, Invalid, nil},
		{"last", 2, 10, 9, Suspended, nil},
		{"negative", 2, 10, -1, Invalid, ErrIndex},
		{"size", 2, 10, 10, Invalid, ErrIndex},
		{"padding after the last status", 2, 10, 11, Invalid, ErrIndex},
		{"far", 2, 10, 1 << 40, Invalid, ErrIndex},
		{"1-bit holds INVALID", 1, 8, 3, Invalid, nil},
		{"1-bit cannot hold SUSPENDED", 1, 8, 3, Suspended, ErrStatus},
		{"2-bit holds 3", 2, 8, 3, ApplicationSpecific, nil},
		{"2-bit cannot hold 4", 2, 8, 3, 4, ErrStatus},
		{"4-bit holds 15", 4, 8, 3, 15, nil},
		{"4-bit cannot hold 16", 4, 8, 3, 16, ErrStatus},
		{"8-bit holds 255", 8, 8, 7, 255, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.bits, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			err = l.Set(tt.idx, tt.status)
			if tt.kind != nil {
				wantErr(t, err, docketcard.EINVALID, tt.kind)
				if !bytes.Equal(l.Bytes(), make([]byte, len(l.Bytes()))) {
					t.Error("a failed Set changed the list")
				}
				if tt.kind == ErrIndex {
					_, err := l.Get(tt.idx)
					wantErr(t, err, docketcard.EINVALID, ErrIndex)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got, err := l.Get(tt.idx); err != nil || got != tt.status {
				t.Errorf("Get = %v, %v; want %v", got, err, tt.status)
			}
		})
	}
}

// TestSetGetModel sets random statuses at random indices, overwriting
// earlier ones, and compares every entry with a plain slice; the padding
// bits of the last byte stay 0.
func TestSetGetModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, bits := range []int{1, 2, 4, 8} {
		t.Run(fmt.Sprintf("bits=%d", bits), func(t *testing.T) {
			const size = 1003 // not a multiple of 8
			l, err := New(bits, size)
			if err != nil {
				t.Fatal(err)
			}
			model := make([]Status, size)
			for range 5000 {
				i := rng.IntN(size)
				s := Status(rng.IntN(1 << bits))
				if err := l.Set(i, s); err != nil {
					t.Fatal(err)
				}
				model[i] = s
			}
			for i, want := range model {
				if got, err := l.Get(i); err != nil || got != want {
					t.Fatalf("Get(%d) = %v, %v; want %v", i, got, err, want)
				}
			}
			b := l.Bytes()
			if used := size * bits % 8; used != 0 && b[len(b)-1]>>used != 0 {
				t.Errorf("padding bits of the last byte are set: %08b", b[len(b)-1])
			}
			c, err := l.Compressed()
			if err != nil {
				t.Fatal(err)
			}
			back, err := FromCompressed(bits, c, len(b))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back.Bytes(), b) {
				t.Fatal("compressed round trip differs")
			}
			if back.Len() != len(b)*8/bits || back.Len() < size {
				t.Errorf("Len after round trip %d", back.Len())
			}
			for i, want := range model {
				if got, _ := back.Get(i); got != want {
					t.Fatalf("after round trip Get(%d) = %v, want %v", i, got, want)
				}
			}
		})
	}
}

// TestBytesIsACopy checks that Bytes does not expose the list.
func TestBytesIsACopy(t *testing.T) {
	l, _ := New(1, 8)
	b := l.Bytes()
	b[0] = 0xFF
	if s, _ := l.Get(0); s != Valid {
		t.Fatal("changing Bytes() changed the list")
	}
}

func zlibOf(t testing.TB, level int, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestFromCompressedInvalid checks every way lst can be bad.
func TestFromCompressedInvalid(t *testing.T) {
	good := zlibOf(t, zlib.BestCompression, []byte{0xb9, 0xa3})
	badSum := bytes.Clone(good)
	badSum[len(badSum)-1] ^= 1
	var dict bytes.Buffer
	dw, _ := zlib.NewWriterLevelDict(&dict, zlib.BestCompression, []byte("dictionary"))
	dw.Write([]byte{1, 2, 3})
	dw.Close()
	rawDeflate := good[2 : len(good)-4]

	tests := []struct {
		name string
		bits int
		lst  []byte
		max  int
		code string
		kind error
	}{
		{"bits 3", 3, good, 0, docketcard.EINVALID, ErrBits},
		{"bits 0", 0, good, 0, docketcard.EINVALID, ErrBits},
		{"nil", 1, nil, 0, docketcard.EINVALID, ErrCorrupt},
		{"not zlib", 1, []byte("hello, world"), 0, docketcard.EINVALID, ErrCorrupt},
		{"raw DEFLATE without the ZLIB header", 1, rawDeflate, 0, docketcard.EINVALID, ErrCorrupt},
		{"gzip header", 1, []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, 0, docketcard.EINVALID, ErrCorrupt},
		{"bad checksum", 1, badSum, 0, docketcard.EINVALID, ErrCorrupt},
		{"truncated", 1, good[:len(good)-3], 0, docketcard.EINVALID, ErrCorrupt},
		{"trailing bytes", 1, append(bytes.Clone(good), 0), 0, docketcard.EINVALID, ErrCorrupt},
		{"two streams", 1, append(bytes.Clone(good), good...), 0, docketcard.EINVALID, ErrCorrupt},
		{"preset dictionary", 1, dict.Bytes(), 0, docketcard.EINVALID, ErrCorrupt},
		{"empty byte array", 1, zlibOf(t, 9, nil), 0, docketcard.EINVALID, ErrCorrupt},
		{"one byte over the limit", 1, zlibOf(t, 9, make([]byte, 101)), 100, docketcard.ETOOLARGE, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := FromCompressed(tt.bits, tt.lst, tt.max)
			if l != nil {
				t.Error("non-nil list with an error")
			}
			wantErr(t, err, tt.code, tt.kind)
		})
	}
	// Exactly at the limit is fine.
	if l, err := FromCompressed(8, zlibOf(t, 9, make([]byte, 100)), 100); err != nil || l.Len() != 100 {
		t.Errorf("exactly maxBytes: %v", err)
	}
}

// TestZlibBomb inflates a ZLIB stream of about 64 KB that would expand to
// 64 MiB (DEFLATE's ratio is about 1000:1) with a limit of 1 MiB: it must fail with ETOOLARGE /
// ErrTooLarge, having allocated little more than the limit.
func TestZlibBomb(t *testing.T) {
	var buf bytes.Buffer
	w, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zeros := make([]byte, 1<<20)
	for range 64 {
		w.Write(zeros)
	}
	w.Close()
	bomb := buf.Bytes()
	t.Logf("bomb: %d bytes inflating to %d", len(bomb), 64<<20)
	if len(bomb) > 128<<10 {
		t.Fatalf("the bomb is %d bytes, not tiny", len(bomb))
	}

	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	l, err := FromCompressed(1, bomb, 1<<20)
	runtime.ReadMemStats(&after)
	if l != nil {
		t.Fatal("got a list")
	}
	wantErr(t, err, docketcard.ETOOLARGE, ErrTooLarge)
	if !strings.Contains(docketcard.ErrorMessage(err), "more than 1048576 bytes") {
		t.Errorf("message %q does not name the limit", docketcard.ErrorMessage(err))
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("allocated %d bytes inflating with a 1 MiB limit", alloc)
	}

	// The default limit applies when maxBytes <= 0.
	_, err = FromCompressed(1, bomb, 0)
	wantErr(t, err, docketcard.ETOOLARGE, ErrTooLarge)
}

// TestStatusString checks the names of Section 7.1.
func TestStatusString(t *testing.T) {
	for s, want := range map[Status]string{Valid: "VALID", Invalid: "INVALID", Suspended: "SUSPENDED", 3: "0x03", 0xFF: "0xFF"} {
		if got := s.String(); got != want {
			t.Errorf("%d.String() = %q, want %q", uint8(s), got, want)
		}
	}
}

func TestFill(t *testing.T) {
	for _, tt := range []struct {
		name       string
		bits, size int
		s          Status
	}{
		{"2 bits, whole bytes", 2, 16, Suspended},
		{"2 bits, a partial last byte", 2, 13, Suspended},
		{"1 bit", 1, 10, Invalid},
		{"8 bits", 8, 3, 0x7f},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.bits, tt.size)
			if err != nil {
				t.Fatal(err)
			}
			if err := l.Fill(tt.s); err != nil {
				t.Fatal(err)
			}
			for i := 0; i < tt.size; i++ {
				if got, _ := l.Get(i); got != tt.s {
					t.Fatalf("entry %d: %v; want %v", i, got, tt.s)
				}
			}
			if rem := (tt.size * tt.bits) % 8; rem != 0 {
				if last := l.Bytes()[len(l.Bytes())-1]; last>>rem != 0 {
					t.Errorf("bits past the last entry set: %08b", last)
				}
			}
		})
	}
	l, _ := New(1, 8)
	if err := l.Fill(2); err == nil {
		t.Error("Fill accepted a status wider than the list's bits")
	}
}
