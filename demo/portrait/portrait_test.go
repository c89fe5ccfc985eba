package portrait

import (
	"bytes"
	"crypto/sha256"
	"flag"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/image/draw"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/photo"
)

var update = flag.Bool("update", false, "rewrite testdata/example.png")

// sexes cycles through the accepted sex markers.
var sexes = []string{"M", "F", "X"}

func TestGenerateDeterministic(t *testing.T) {
	tests := []struct {
		name string
		seed int64
		sex  string
	}{
		{"zero", 0, "X"},
		{"small", 7, "F"},
		{"negative", -42, "M"},
		{"large", 1 << 62, "F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Generate(tt.seed, tt.sex)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Generate(tt.seed, tt.sex)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a, b) {
				t.Error("two portraits for the same seed differ")
			}
		})
	}
}

func TestGenerateOutput(t *testing.T) {
	tests := []struct {
		name string
		seed int64
		sex  string
	}{
		{"M", 1, "M"},
		{"F", 2, "F"},
		{"X", 3, "X"},
		{"large seed", 12345, "M"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := Generate(tt.seed, tt.sex)
			if err != nil {
				t.Fatal(err)
			}
			m, err := jpeg.Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatalf("not a JPEG: %v", err)
			}
			if b := m.Bounds(); b.Dx() != Width || b.Dy() != Height {
				t.Errorf("size = %dx%d, want %dx%d", b.Dx(), b.Dy(), Width, Height)
			}
			// The stamp's red box is in the top-left corner.
			if r, g, b, _ := m.At(4, 4).RGBA(); r>>8 < 150 || g>>8 > 80 || b>>8 > 80 {
				t.Errorf("top-left pixel = %v, want the red of the SYNTHETIC stamp", m.At(4, 4))
			}
			// Uploads go through photo.Sanitize; so can demo portraits.
			img, err := photo.Sanitize(bytes.NewReader(data), photo.DefaultLimits)
			if err != nil {
				t.Fatalf("photo.Sanitize: %v", err)
			}
			if img.Width != Width || img.Height != Height {
				t.Errorf("sanitized size = %dx%d, want %dx%d", img.Width, img.Height, Width, Height)
			}
		})
	}
}

func TestGenerateInvalidSex(t *testing.T) {
	tests := []struct{ name, sex string }{
		{"empty", ""},
		{"lower case m", "m"},
		{"lower case f", "f"},
		{"word", "male"},
		{"unknown letter", "U"},
		{"leading space", " M"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(1, tt.sex)
			if got := docketcard.ErrorCode(err); got != docketcard.EINVALID {
				t.Errorf("code = %q, want %q (err: %v)", got, docketcard.EINVALID, err)
			}
		})
	}
}

// thumbnail returns a 30×40 greyscale version of m: small enough that
// JPEG noise and one-pixel shifts do not count, large enough to tell faces,
// hair and clothes apart.
func thumbnail(m image.Image) *image.Gray {
	small := image.NewRGBA(image.Rect(0, 0, 30, 40))
	draw.BiLinear.Scale(small, small.Bounds(), m, m.Bounds(), draw.Src, nil)
	g := image.NewGray(small.Bounds())
	draw.Draw(g, g.Bounds(), small, image.Point{}, draw.Src)
	return g
}

// difference returns the mean absolute difference of two thumbnails, 0–255.
func difference(a, b *image.Gray) float64 {
	sum := 0
	for i := range a.Pix {
		d := int(a.Pix[i]) - int(b.Pix[i])
		sum += max(d, -d)
	}
	return float64(sum) / float64(len(a.Pix))
}

func TestGenerateDistinct(t *testing.T) {
	const n = 50
	hashes := make(map[[32]byte]int64)
	thumbs := make([]*image.Gray, n)
	for i := range n {
		seed := int64(i)
		data, err := Generate(seed, sexes[i%len(sexes)])
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.Sum256(data)
		if other, ok := hashes[h]; ok {
			t.Errorf("seeds %d and %d give identical portraits", other, seed)
		}
		hashes[h] = seed
		m, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		thumbs[i] = thumbnail(m)
	}

	// Every pair must differ visibly, and on average by a good deal: the
	// stamp, the layout and the backdrop's glow are common to all, so even
	// very different portraits share much of their pixels.
	total, pairs := 0.0, 0
	least, leastI, leastJ := 255.0, 0, 0
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := difference(thumbs[i], thumbs[j])
			total += d
			pairs++
			if d < least {
				least, leastI, leastJ = d, i, j
			}
		}
	}
	mean := total / float64(pairs)
	t.Logf("mean difference %.1f/255; least %.1f (seeds %d and %d)", mean, least, leastI, leastJ)
	if mean < minMeanDifference {
		t.Errorf("mean difference between portraits = %.1f/255, want at least %v", mean, minMeanDifference)
	}
	if least < minPairDifference {
		t.Errorf("seeds %d and %d differ by only %.1f/255, want at least %v", leastI, leastJ, least, minPairDifference)
	}
}

// Thresholds for TestGenerateDistinct, in grey levels of 255.
const (
	minMeanDifference = 15 // measured: about 34
	minPairDifference = 3  // measured: about 9
)

func TestSexOnlyNudgesHair(t *testing.T) {
	withoutHair := func(f *features) features {
		c := *f
		c.hair, c.hairStyle, c.hairVol, c.hairSide, c.beard = color.NRGBA{}, 0, 0, 0, 0
		return c
	}
	const n = 300
	long := map[string]int{} // long, bobbed or tied-up hair
	beards := map[string]int{}
	for seed := range int64(n) {
		m := newFeatures(seed, "M")
		for _, sex := range sexes {
			f := newFeatures(seed, sex)
			if withoutHair(f) != withoutHair(m) {
				t.Fatalf("seed %d: sex %s changes more than the hair", seed, sex)
			}
			switch f.hairStyle {
			case hairLong, hairBob, hairBun:
				long[sex]++
			}
			if f.beard != 0 {
				beards[sex]++
			}
		}
	}
	t.Logf("long hair: %v; beards: %v (of %d)", long, beards, n)
	tests := []struct {
		name string
		ok   bool
	}{
		{"F has long hair more often than M", long["F"] > 2*long["M"]},
		{"X lies between", long["M"] < long["X"] && long["X"] < long["F"]},
		{"F has no beards", beards["F"] == 0},
		{"M has beards", beards["M"] > n/10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("long hair: %v; beards: %v (of %d)", long, beards, n)
			}
		})
	}
}

// The example in testdata is for people to look at; this test keeps it in
// step with the code. Run `go test -run TestExample -update` to rewrite it.
const (
	exampleSeed = 17
	exampleSex  = "F"
)

func TestExample(t *testing.T) {
	m, err := render(exampleSeed, exampleSex)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "example.png")
	if *update {
		var buf bytes.Buffer
		if err := png.Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	want, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if want.Bounds() != m.Bounds() {
		t.Fatalf("%s is %v, the portrait is %v", path, want.Bounds(), m.Bounds())
	}
	// Floating-point rounding may differ by platform, so allow a little.
	if d := difference(thumbnail(m), thumbnail(want)); d > 1 {
		t.Errorf("portrait for seed %d differs from %s by %.1f/255 (run with -update if intended)", exampleSeed, path, d)
	}
}

func BenchmarkGenerate(b *testing.B) {
	var seed int64
	for b.Loop() {
		seed++
		if _, err := Generate(seed, sexes[seed%3]); err != nil {
			b.Fatal(err)
		}
	}
}
