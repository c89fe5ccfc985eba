package dedupe

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// histogram formats counts of distances: "0:3 2:125 4:538 ...".
func histogram(ds []int) string {
	counts := map[int]int{}
	for _, d := range ds {
		counts[d]++
	}
	keys := make([]int, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%d:%d ", k, counts[k])
	}
	return strings.TrimSpace(b.String())
}

func TestPhotoHashDeterministicAndNonZero(t *testing.T) {
	a, b := portraitJPEG(t, 7), portraitJPEG(t, 7)
	ha, hb := mustHash(t, a), mustHash(t, b)
	if ha != hb {
		t.Fatalf("same portrait hashed %016x and %016x", ha, hb)
	}
	if ha&presentBit == 0 {
		t.Fatalf("hash %016x lacks the presence bit", ha)
	}
	// The median threshold sets 31 of the 63 AC bits (barring ties).
	if n := bits.OnesCount64(ha &^ presentBit); n != 31 {
		t.Errorf("hash %016x has %d AC bits set, want 31", ha, n)
	}
}

// TestPhotoHashVariants checks that the edits a photo may go through
// between enrolments keep it within PhotoThreshold, and reports the
// distances, crops included.
func TestPhotoHashVariants(t *testing.T) {
	seeds := 12
	if testing.Short() {
		seeds = 3
	}
	worst := make([]int, len(variants))
	within := make([]int, len(variants))
	for s := range int64(seeds) {
		src := portraitJPEG(t, s)
		h := mustHash(t, src)
		for i, v := range variants {
			d := Hamming(h, mustHash(t, v.edit(t, src)))
			worst[i] = max(worst[i], d)
			if d <= PhotoThreshold {
				within[i]++
			} else if v.within {
				t.Errorf("seed %d, %s: distance %d > PhotoThreshold %d", s, v.name, d, PhotoThreshold)
			}
		}
	}
	for i, v := range variants {
		t.Logf("%-35s worst %2d, within threshold for %d of %d portraits", v.name, worst[i], within[i], seeds)
	}
}

// TestPhotoHashDistinctPortraits measures the distances between the hashes
// of different synthetic portraits. They are not well separated: the
// portraits share one layout (a centred head and shoulders, the same stamp
// and footer), which is what a 32×32 greyscale thumbnail mostly shows, so
// a few pairs of different faces even hash alike. The test pins the
// measured distribution so that a change to the hash that makes it worse
// is noticed.
func TestPhotoHashDistinctPortraits(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 50
	}
	hs := make([]uint64, n)
	for s := range n {
		hs[s] = mustHash(t, portraitJPEG(t, int64(s)))
	}
	var ds []int
	for i := range n {
		for j := i + 1; j < n; j++ {
			ds = append(ds, Hamming(hs[i], hs[j]))
		}
	}
	slices.Sort(ds)
	close := 0
	for _, d := range ds {
		if d <= PhotoThreshold {
			close++
		}
	}
	frac := float64(close) / float64(len(ds))
	t.Logf("%d portraits, %d pairs: min %d, 1st percentile %d, 5th %d, median %d, max %d", n, len(ds), ds[0], ds[len(ds)/100], ds[len(ds)/20], ds[len(ds)/2], ds[len(ds)-1])
	t.Logf("pairs within PhotoThreshold %d: %d (%.2f%%)", PhotoThreshold, close, 100*frac)
	t.Logf("histogram: %s", histogram(ds))
	// Measured on 200 seeds: 3.3% within 4 bits, median 12.
	if frac > 0.05 {
		t.Errorf("%.2f%% of pairs of different portraits are within %d bits; measured 3.3%%", 100*frac, PhotoThreshold)
	}
	if med := ds[len(ds)/2]; med < 10 {
		t.Errorf("median distance between different portraits is %d; measured 12", med)
	}
}

// TestPhotoBands checks that bands are found for near hashes, and that
// PhotoProbeBands finds every stored hash within the distance it is given.
func TestPhotoBands(t *testing.T) {
	if PhotoBands(0) != nil || PhotoProbeBands(0, 10) != nil {
		t.Fatal("a zero hash has bands")
	}
	h := uint64(0x8123_4567_89ab_cdef)
	got := PhotoBands(h)
	want := []string{"b0:cdef", "b1:89ab", "b2:4567", "b3:8123"}
	if !slices.Equal(got, want) {
		t.Fatalf("PhotoBands = %v, want %v", got, want)
	}
	for _, tc := range []struct{ maxDist, probes int }{{0, 4}, {3, 4}, {4, 4 * 17}, {PhotoThreshold, 4 * (1 + 16)}, {10, 4 * (1 + 16 + 120)}, {99, 4 * 137}} {
		p := PhotoProbeBands(h, tc.maxDist)
		if len(p) != tc.probes {
			t.Errorf("PhotoProbeBands(h, %d) has %d keys, want %d", tc.maxDist, len(p), tc.probes)
		}
		if len(slices.Compact(slices.Sorted(slices.Values(p)))) != len(p) {
			t.Errorf("PhotoProbeBands(h, %d) has duplicates", tc.maxDist)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	shares := func(a, b []string) bool {
		for _, x := range a {
			if slices.Contains(b, x) {
				return true
			}
		}
		return false
	}
	for _, maxDist := range []int{3, PhotoThreshold, 7, 10, 11} {
		for range 2000 {
			stored := r.Uint64() | presentBit
			query := stored
			for _, b := range r.Perm(hashBits)[:r.IntN(maxDist+1)] {
				query ^= 1 << b
			}
			if !shares(PhotoProbeBands(query, maxDist), PhotoBands(stored)) {
				t.Fatalf("hashes %016x and %016x at distance %d share no probe band (maxDistance %d)", query, stored, Hamming(query, stored), maxDist)
			}
			if maxDist <= 3 && !shares(PhotoBands(query), PhotoBands(stored)) {
				t.Fatalf("hashes at distance %d share no band", Hamming(query, stored))
			}
		}
	}
}

func TestHamming(t *testing.T) {
	for _, tc := range []struct {
		a, b uint64
		want int
	}{{0, 0, 0}, {0, 1, 1}, {^uint64(0), 0, 64}, {0xf0, 0x0f, 8}} {
		if got := Hamming(tc.a, tc.b); got != tc.want {
			t.Errorf("Hamming(%x, %x) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func solidJPEG(tb testing.TB, w, h int, c color.Color) []byte {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.Set(x, y, c)
		}
	}
	return encodeJPEG(tb, m, 90)
}

// jpegHeader returns SOI, a baseline SOF0 claiming a w×h greyscale JPEG
// and a scan header, but no tables and no scan data: enough for
// DecodeConfig, not for Decode.
func jpegHeader(w, h uint16) []byte {
	return []byte{
		0xFF, 0xD8, // SOI
		0xFF, 0xC0, 0x00, 0x0B, 8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0, // SOF0
		0xFF, 0xDA, 0x00, 0x08, 1, 1, 0x00, 0, 0x3F, 0, // SOS
	}
}

func TestPhotoHashErrors(t *testing.T) {
	portrait := portraitJPEG(t, 3)
	for _, tc := range []struct {
		name string
		data []byte
		code string
	}{
		{"empty", nil, docketcard.EINVALID},
		{"not a JPEG", []byte("GIF89a not really"), docketcard.EINVALID},
		{"truncated", portrait[:len(portrait)/2], docketcard.EINVALID},
		{"header only", jpegHeader(100, 100), docketcard.EINVALID},
		{"over 40 MP", jpegHeader(8000, 6000), docketcard.ETOOLARGE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, err := PhotoHash(tc.data)
			if err == nil || h != 0 {
				t.Fatalf("PhotoHash = %016x, %v; want an error", h, err)
			}
			if code := docketcard.ErrorCode(err); code != tc.code {
				t.Errorf("code %q, want %q (%v)", code, tc.code, err)
			}
		})
	}
	// A flat image has no perceptual content: 0, like no photo.
	if h, err := PhotoHash(solidJPEG(t, 40, 30, color.RGBA{90, 120, 200, 255})); err != nil || h != 0 {
		t.Errorf("flat image: %016x, %v; want 0, nil", h, err)
	}
	// Tiny and odd-shaped images still hash.
	for _, sz := range [][2]int{{1, 1}, {3, 50}, {31, 33}, {500, 7}} {
		m := image.NewGray(image.Rect(0, 0, sz[0], sz[1]))
		for i := range m.Pix {
			m.Pix[i] = uint8(i * 37)
		}
		if _, err := PhotoHash(encodeJPEG(t, m, 90)); err != nil {
			t.Errorf("%dx%d: %v", sz[0], sz[1], err)
		}
	}
}

// TestLumaPathsAgree checks that the Gray fast path and the generic
// (At-based) path give the hash of the YCbCr fast path.
func TestLumaPathsAgree(t *testing.T) {
	src := decodeJPEG(t, portraitJPEG(t, 5))
	ycc, ok := src.(*image.YCbCr)
	if !ok {
		t.Skipf("decoder returned %T", src)
	}
	b := ycc.Bounds()
	gray := image.NewGray(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			gray.Pix[gray.PixOffset(x, y)] = ycc.Y[ycc.YOffset(x, y)]
		}
	}
	if a, g := hashImage(ycc), hashImage(gray); Hamming(a, g) != 0 {
		t.Errorf("YCbCr %016x and Gray %016x paths differ", a, g)
	}
	rgba := image.NewRGBA(b)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			rgba.Set(x, y, ycc.At(x, y))
		}
	}
	if a, r := hashImage(ycc), hashImage(rgba); Hamming(a, r) > 2 {
		t.Errorf("YCbCr %016x and RGBA %016x paths differ by %d bits", a, r, Hamming(a, r))
	}
}

// fuzzMaxPixels keeps the fuzzer on parsing rather than on decoding big
// images.
const fuzzMaxPixels = 512 * 512

// FuzzPhotoHash feeds hostile bytes to PhotoHash: it must never panic and
// must fail only with EINVALID or ETOOLARGE.
func FuzzPhotoHash(f *testing.F) {
	small := image.NewGray(image.Rect(0, 0, 16, 12))
	for i := range small.Pix {
		small.Pix[i] = uint8(i * 7)
	}
	f.Add(encodeJPEG(f, small, 75))
	var prog bytes.Buffer
	_ = jpeg.Encode(&prog, image.NewRGBA(image.Rect(0, 0, 9, 9)), nil)
	f.Add(prog.Bytes())
	f.Add(jpegHeader(100, 100))
	f.Add(jpegHeader(0, 0))
	f.Add(jpegHeader(60000, 60000))
	f.Add([]byte{0xFF, 0xD8, 0xFF})
	f.Add([]byte("not a jpeg"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		h, err := photoHash(data, fuzzMaxPixels)
		if err != nil {
			if code := docketcard.ErrorCode(err); code != docketcard.EINVALID && code != docketcard.ETOOLARGE {
				t.Fatalf("error code %q: %v", code, err)
			}
			if h != 0 {
				t.Fatalf("hash %016x with an error", h)
			}
			return
		}
		if h != 0 && h&presentBit == 0 {
			t.Fatalf("hash %016x lacks the presence bit", h)
		}
		// Whatever hashed must also be within the pixel bound.
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
		if err != nil || int64(cfg.Width)*int64(cfg.Height) > fuzzMaxPixels {
			t.Fatalf("hashed an image that DecodeConfig rejects or that is too large: %v", err)
		}
	})
}

func BenchmarkPhotoHash(b *testing.B) {
	data := portraitJPEG(b, 1)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := PhotoHash(data); err != nil {
			b.Fatal(err)
		}
	}
}
