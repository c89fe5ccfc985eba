package dedupe

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"golang.org/x/image/draw"

	"github.com/docketcard/docketcard/demo/portrait"
)

// sexes cycles through the sex markers that portrait.Generate accepts.
var sexes = []string{"M", "F", "X"}

// portraitJPEG returns the synthetic portrait for seed.
func portraitJPEG(tb testing.TB, seed int64) []byte {
	tb.Helper()
	b, err := portrait.Generate(seed, sexes[seed%3])
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeJPEG(tb testing.TB, b []byte) image.Image {
	tb.Helper()
	m, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return m
}

func encodeJPEG(tb testing.TB, m image.Image, quality int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: quality}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func mustHash(tb testing.TB, b []byte) uint64 {
	tb.Helper()
	h, err := PhotoHash(b)
	if err != nil {
		tb.Fatal(err)
	}
	if h == 0 {
		tb.Fatal("zero hash for a portrait")
	}
	return h
}

// variant is one edit of a portrait that must keep its hash near.
type variant struct {
	name   string
	edit   func(tb testing.TB, src []byte) []byte
	within bool // must stay within PhotoThreshold
}

func requality(q int) func(testing.TB, []byte) []byte {
	return func(tb testing.TB, src []byte) []byte { return encodeJPEG(tb, decodeJPEG(tb, src), q) }
}

// resize scales the portrait to w×h (aspect kept by the caller).
func resize(w, h int, s draw.Scaler) func(testing.TB, []byte) []byte {
	return func(tb testing.TB, src []byte) []byte {
		m := decodeJPEG(tb, src)
		dst := image.NewRGBA(image.Rect(0, 0, w, h))
		s.Scale(dst, dst.Bounds(), m, m.Bounds(), draw.Src, nil)
		return encodeJPEG(tb, dst, 85)
	}
}

// crop removes the given fractions of the width and height from the
// left, top, right and bottom.
func crop(l, t, r, b float64) func(testing.TB, []byte) []byte {
	return func(tb testing.TB, src []byte) []byte {
		m := decodeJPEG(tb, src)
		bd := m.Bounds()
		w, h := float64(bd.Dx()), float64(bd.Dy())
		rect := image.Rect(bd.Min.X+int(l*w), bd.Min.Y+int(t*h), bd.Max.X-int(r*w), bd.Max.Y-int(b*h))
		dst := image.NewRGBA(image.Rect(0, 0, rect.Dx(), rect.Dy()))
		draw.Draw(dst, dst.Bounds(), m, rect.Min, draw.Src)
		return encodeJPEG(tb, dst, 90)
	}
}

// tone applies v' = clamp(gain·v + offset) to every channel.
func tone(gain, offset float64) func(testing.TB, []byte) []byte {
	return func(tb testing.TB, src []byte) []byte {
		m := decodeJPEG(tb, src)
		bd := m.Bounds()
		dst := image.NewRGBA(bd)
		f := func(c uint32) uint8 {
			v := gain*float64(c>>8) + offset
			return uint8(max(0, min(255, v+0.5)))
		}
		for y := bd.Min.Y; y < bd.Max.Y; y++ {
			for x := bd.Min.X; x < bd.Max.X; x++ {
				r, g, b, _ := m.At(x, y).RGBA()
				dst.SetRGBA(x, y, color.RGBA{f(r), f(g), f(b), 255})
			}
		}
		return encodeJPEG(tb, dst, 90)
	}
}

// grey converts the portrait to a greyscale JPEG.
func grey(tb testing.TB, src []byte) []byte {
	m := decodeJPEG(tb, src)
	dst := image.NewGray(m.Bounds())
	draw.Draw(dst, dst.Bounds(), m, m.Bounds().Min, draw.Src)
	return encodeJPEG(tb, dst, 90)
}

// chain applies edits in order.
func chain(edits ...func(testing.TB, []byte) []byte) func(testing.TB, []byte) []byte {
	return func(tb testing.TB, src []byte) []byte {
		for _, e := range edits {
			src = e(tb, src)
		}
		return src
	}
}

// variants are the edits that the same photo may go through between two
// enrolments. Those marked within must stay within PhotoThreshold for
// every portrait tested; the crops are measured and reported, since
// pHash is known to be sensitive to them (see the package documentation).
var variants = []variant{
	{"quality 95", requality(95), true},
	{"quality 75", requality(75), true},
	{"quality 50", requality(50), true},
	{"quality 30", requality(30), true},
	{"quality 15", requality(15), true},
	{"half size", resize(300, 400, draw.CatmullRom), true},
	{"quarter size (bilinear)", resize(150, 200, draw.ApproxBiLinear), true},
	{"thumbnail 60x80 (bilinear)", resize(60, 80, draw.ApproxBiLinear), true},
	{"double size", resize(1200, 1600, draw.CatmullRom), true},
	{"brighter +30", tone(1, 30), true},
	{"darker -30", tone(1, -30), true},
	{"contrast +20%", tone(1.2, -25), true},
	{"contrast -20%", tone(0.8, 25), true},
	{"greyscale", grey, true},
	{"half size, brighter, quality 60", chain(resize(300, 400, draw.CatmullRom), tone(1.1, 10), requality(60)), true},
	{"crop 1% right", crop(0, 0, 0.01, 0), false},
	{"crop 1% left and top", crop(0.01, 0.01, 0, 0), false},
	{"crop 2% each side", crop(0.02, 0.02, 0.02, 0.02), false},
	{"crop 5% each side", crop(0.05, 0.05, 0.05, 0.05), false},
}
