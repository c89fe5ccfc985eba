package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/docketcard/docketcard"
)

// fuzzLimits are small so that the fuzzer spends its time on parsing and
// not on decoding large images, and so that it finds the limits easily.
var fuzzLimits = Limits{MaxBytes: 64 << 10, MaxPixels: 256 * 256, MaxSide: 64}

// FuzzSanitize feeds arbitrary bytes to Sanitize. It must never panic,
// must fail only with the codes meant for bad uploads, and anything it
// returns must be a JPEG within the limits. Seeds here and in
// testdata/fuzz/FuzzSanitize cover every accepted format.
func FuzzSanitize(f *testing.F) {
	quad := quadrants(16, 8)
	f.Add(encodeJPEG(f, quad))
	f.Add(jpegWithOrientation(f, quad, binary.BigEndian, 6))
	f.Add(jpegWithOrientation(f, quad, binary.LittleEndian, 3))
	f.Add(encodePNG(f, solid(7, 5, color.NRGBA{R: 9, G: 99, B: 199, A: 128})))
	f.Add(encodeGIF(f, 6, 4, red, green))
	f.Add(solidWebP(9, 3, color.NRGBA{R: 1, G: 2, B: 3, A: 255}))
	f.Add(solidWebP(300, 300, color.NRGBA{A: 255})) // over fuzzLimits.MaxPixels
	f.Add(pngHeader(1, 1))
	f.Add(jpegHeader(100, 100))
	f.Add(gifHeader(0, 0))
	f.Add([]byte("not an image"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := Sanitize(bytes.NewReader(data), fuzzLimits)
		if err != nil {
			switch code := docketcard.ErrorCode(err); code {
			case docketcard.EINVALID, docketcard.ETOOLARGE, docketcard.EUNSUPPORTED:
			default:
				t.Fatalf("error code %q: %v", code, err)
			}
			if img != nil {
				t.Fatal("non-nil image with an error")
			}
			return
		}
		if img.Width < 1 || img.Height < 1 || img.Width > fuzzLimits.MaxSide || img.Height > fuzzLimits.MaxSide {
			t.Fatalf("output is %dx%d, limit is %d per side", img.Width, img.Height, fuzzLimits.MaxSide)
		}
		if int64(img.Width)*int64(img.Height) > fuzzLimits.MaxPixels {
			t.Fatalf("output is %dx%d, over %d pixels", img.Width, img.Height, fuzzLimits.MaxPixels)
		}
		if img.SHA256 != sha256.Sum256(img.Data) {
			t.Fatal("SHA256 is not the hash of Data")
		}
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(img.Data))
		if err != nil {
			t.Fatalf("output is not a JPEG: %v", err)
		}
		if cfg.Width != img.Width || cfg.Height != img.Height {
			t.Fatalf("output is %dx%d, Image says %dx%d", cfg.Width, cfg.Height, img.Width, img.Height)
		}
	})
}
