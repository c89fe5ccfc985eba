package photo

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// decodeOutput decodes a sanitized image and checks the invariants that
// hold for every successful result.
func decodeOutput(t *testing.T, img *Image, lim Limits) image.Image {
	t.Helper()
	if img.ContentType != "image/jpeg" {
		t.Errorf("ContentType = %q, want image/jpeg", img.ContentType)
	}
	if img.SHA256 != sha256.Sum256(img.Data) {
		t.Error("SHA256 is not the hash of Data")
	}
	m, err := jpeg.Decode(bytes.NewReader(img.Data))
	if err != nil {
		t.Fatalf("output is not a JPEG: %v", err)
	}
	if b := m.Bounds(); b.Dx() != img.Width || b.Dy() != img.Height {
		t.Errorf("output is %dx%d, Image says %dx%d", b.Dx(), b.Dy(), img.Width, img.Height)
	}
	lim = lim.withDefaults()
	if img.Width > lim.MaxSide || img.Height > lim.MaxSide {
		t.Errorf("output %dx%d exceeds MaxSide %d", img.Width, img.Height, lim.MaxSide)
	}
	return m
}

func TestSanitizeFormats(t *testing.T) {
	opaqueRed := color.NRGBA{R: 200, G: 40, B: 40, A: 255}
	tests := []struct {
		name   string
		data   func(t *testing.T) []byte
		w, h   int
		center color.Color // expected colour in the middle of the output
	}{
		{"jpeg", func(t *testing.T) []byte { return encodeJPEG(t, solid(80, 60, opaqueRed)) }, 80, 60, opaqueRed},
		{"jpeg grayscale", func(t *testing.T) []byte {
			g := image.NewGray(image.Rect(0, 0, 40, 30))
			for i := range g.Pix {
				g.Pix[i] = 100
			}
			return encodeJPEG(t, g)
		}, 40, 30, color.Gray{Y: 100}},
		{"png", func(t *testing.T) []byte { return encodePNG(t, solid(50, 70, opaqueRed)) }, 50, 70, opaqueRed},
		{"png transparent becomes white", func(t *testing.T) []byte {
			return encodePNG(t, solid(50, 70, color.NRGBA{R: 0, G: 0, B: 0, A: 0}))
		}, 50, 70, white},
		{"png half transparent is blended onto white", func(t *testing.T) []byte {
			return encodePNG(t, solid(50, 70, color.NRGBA{R: 0, G: 0, B: 0, A: 128}))
		}, 50, 70, color.RGBA{R: 127, G: 127, B: 127, A: 255}},
		{"gif uses first frame", func(t *testing.T) []byte { return encodeGIF(t, 30, 20, red, blue) }, 30, 20, red},
		{"webp lossless", func(t *testing.T) []byte {
			return solidWebP(64, 48, color.NRGBA{R: 30, G: 60, B: 220, A: 255})
		}, 64, 48, blue},
		{"webp transparent becomes white", func(t *testing.T) []byte {
			return solidWebP(16, 16, color.NRGBA{R: 10, G: 10, B: 10, A: 0})
		}, 16, 16, white},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Sanitize(bytes.NewReader(tt.data(t)), DefaultLimits)
			if err != nil {
				t.Fatalf("Sanitize: %v", err)
			}
			m := decodeOutput(t, img, DefaultLimits)
			if img.Width != tt.w || img.Height != tt.h {
				t.Errorf("size = %dx%d, want %dx%d", img.Width, img.Height, tt.w, tt.h)
			}
			if got := m.At(tt.w/2, tt.h/2); !near(got, tt.center, 6) {
				t.Errorf("centre colour = %v, want about %v", got, tt.center)
			}
		})
	}
}

// infiniteReader yields zero bytes for ever and counts how many it gave.
type infiniteReader struct{ n int64 }

func (r *infiniteReader) Read(p []byte) (int, error) {
	clear(p)
	r.n += int64(len(p))
	return len(p), nil
}

func TestSanitizeErrors(t *testing.T) {
	small := Limits{MaxBytes: 1000, MaxPixels: 10_000, MaxSide: 100}
	validJPEG := encodeJPEG(t, quadrants(64, 64))
	validPNG := encodePNG(t, quadrants(64, 64))
	corruptPNG := bytes.Clone(validPNG)
	corruptPNG[len(corruptPNG)-20] ^= 0xFF // inside the IDAT, breaks its CRC

	tests := []struct {
		name     string
		data     []byte
		lim      Limits
		wantCode string
		wantMsg  string // exact message, or "" to check the code only
		wantPart string // substring of the message, or ""
	}{
		{name: "empty", data: nil, lim: DefaultLimits, wantCode: docketcard.EINVALID, wantMsg: "photo is empty"},
		{name: "text", data: []byte("hello, this is not an image"), lim: DefaultLimits,
			wantCode: docketcard.EUNSUPPORTED, wantMsg: "photo must be a JPEG, PNG, GIF or WebP image"},
		{name: "pdf", data: []byte("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), lim: DefaultLimits,
			wantCode: docketcard.EUNSUPPORTED},
		{name: "bmp is not accepted", data: append([]byte("BM"), make([]byte, 60)...), lim: DefaultLimits,
			wantCode: docketcard.EUNSUPPORTED},
		{name: "one byte over the limit", data: make([]byte, 1001), lim: small,
			wantCode: docketcard.ETOOLARGE, wantMsg: "photo is larger than 1000 bytes"},
		{name: "too many pixels png default limit", data: pngHeader(9000, 9000), lim: DefaultLimits,
			wantCode: docketcard.ETOOLARGE, wantMsg: "photo is 9000×9000 = 81 megapixels; the limit is 40"},
		{name: "too many pixels png", data: pngHeader(100_000, 100_000), lim: DefaultLimits,
			wantCode: docketcard.ETOOLARGE, wantMsg: "photo is 100000×100000 = 10000 megapixels; the limit is 40"},
		// The PNG decoder itself rejects sizes whose pixel count overflows.
		{name: "png dimensions overflow", data: pngHeader(1<<31-1, 1<<31-1), lim: DefaultLimits,
			wantCode: docketcard.EINVALID, wantPart: "overflow"},
		{name: "too many pixels jpeg", data: jpegHeader(65535, 65535), lim: DefaultLimits,
			wantCode: docketcard.ETOOLARGE, wantPart: "65535×65535"},
		{name: "too many pixels gif", data: gifHeader(65535, 1000), lim: DefaultLimits,
			wantCode: docketcard.ETOOLARGE, wantPart: "65535×1000 = 65.5 megapixels"},
		{name: "too many pixels webp", data: solidWebP(16384, 16384, color.NRGBA{A: 255}), lim: DefaultLimits,
			wantCode: docketcard.ETOOLARGE, wantPart: "16384×16384"},
		{name: "just over a small pixel limit", data: encodePNG(t, solid(101, 100, color.NRGBA{A: 255})), lim: small,
			wantCode: docketcard.ETOOLARGE, wantMsg: "photo is 101×100 = 0.0101 megapixels; the limit is 0.01"},
		{name: "zero-sized gif", data: gifHeader(0, 0), lim: DefaultLimits, wantCode: docketcard.EINVALID},
		{name: "zero-sized png", data: pngHeader(0, 10), lim: DefaultLimits, wantCode: docketcard.EINVALID},
		{name: "truncated jpeg", data: validJPEG[:len(validJPEG)/2], lim: DefaultLimits,
			wantCode: docketcard.EINVALID, wantPart: "photo could not be decoded: "},
		{name: "truncated jpeg header", data: validJPEG[:30], lim: DefaultLimits,
			wantCode: docketcard.EINVALID, wantPart: "photo could not be decoded: "},
		{name: "truncated png", data: validPNG[:len(validPNG)-30], lim: DefaultLimits,
			wantCode: docketcard.EINVALID, wantPart: "photo could not be decoded: "},
		{name: "corrupt png", data: corruptPNG, lim: DefaultLimits,
			wantCode: docketcard.EINVALID, wantPart: "photo could not be decoded: "},
		{name: "header only png", data: pngHeader(10, 10), lim: DefaultLimits, wantCode: docketcard.EINVALID},
		{name: "header only jpeg", data: jpegHeader(10, 10), lim: DefaultLimits, wantCode: docketcard.EINVALID},
		{name: "truncated webp", data: solidWebP(10, 10, color.NRGBA{A: 255})[:30], lim: DefaultLimits,
			wantCode: docketcard.EINVALID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := Sanitize(bytes.NewReader(tt.data), tt.lim)
			if err == nil {
				t.Fatalf("Sanitize succeeded (%dx%d), want %s error", img.Width, img.Height, tt.wantCode)
			}
			if got := docketcard.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code = %q, want %q (err: %v)", got, tt.wantCode, err)
			}
			msg := docketcard.ErrorMessage(err)
			if tt.wantMsg != "" && msg != tt.wantMsg {
				t.Errorf("message = %q, want %q", msg, tt.wantMsg)
			}
			if !strings.Contains(msg, tt.wantPart) {
				t.Errorf("message = %q, want it to contain %q", msg, tt.wantPart)
			}
		})
	}
}

func TestSanitizeByteLimit(t *testing.T) {
	tests := []struct {
		name    string
		lim     Limits
		wantMsg string
	}{
		{"default limit", DefaultLimits, "photo is larger than 10 MB"},
		{"zero limits mean the defaults", Limits{}, "photo is larger than 10 MB"},
		{"kilobytes", Limits{MaxBytes: 64 << 10}, "photo is larger than 64 KB"},
		{"bytes", Limits{MaxBytes: 1500}, "photo is larger than 1500 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &infiniteReader{}
			_, err := Sanitize(r, tt.lim)
			if got := docketcard.ErrorCode(err); got != docketcard.ETOOLARGE {
				t.Fatalf("code = %q, want %q (err: %v)", got, docketcard.ETOOLARGE, err)
			}
			if got := docketcard.ErrorMessage(err); got != tt.wantMsg {
				t.Errorf("message = %q, want %q", got, tt.wantMsg)
			}
			if limit := tt.lim.withDefaults().MaxBytes; r.n > limit+1 {
				t.Errorf("read %d bytes, want at most MaxBytes+1 = %d", r.n, limit+1)
			}
		})
	}
}

func TestSanitizeExactlyMaxBytes(t *testing.T) {
	data := encodePNG(t, solid(8, 8, color.NRGBA{R: 1, A: 255}))
	if _, err := Sanitize(bytes.NewReader(data), Limits{MaxBytes: int64(len(data))}); err != nil {
		t.Fatalf("a photo of exactly MaxBytes was rejected: %v", err)
	}
}

// errReader fails after its data.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

func TestSanitizeReadError(t *testing.T) {
	wantErr := errors.New("connection reset")
	_, err := Sanitize(io.MultiReader(bytes.NewReader([]byte{0xFF, 0xD8}), errReader{wantErr}), DefaultLimits)
	if !errors.Is(err, wantErr) {
		t.Errorf("err = %v, want the read error", err)
	}
}

func TestSanitizeOrientation(t *testing.T) {
	// The stored image is 64×32 with coloured quarters; each orientation
	// must bring a known colour into each corner of the output.
	type corners struct{ tl, tr, bl, br color.RGBA }
	tests := []struct {
		name        string
		orientation uint16
		order       byteOrder
		w, h        int
		want        corners
	}{
		{"1 upright", 1, binary.BigEndian, 64, 32, corners{red, green, blue, yellow}},
		{"2 mirrored", 2, binary.BigEndian, 64, 32, corners{green, red, yellow, blue}},
		{"3 rotated 180", 3, binary.BigEndian, 64, 32, corners{yellow, blue, green, red}},
		{"4 flipped", 4, binary.BigEndian, 64, 32, corners{blue, yellow, red, green}},
		{"5 transposed", 5, binary.BigEndian, 32, 64, corners{red, blue, green, yellow}},
		{"6 rotated clockwise", 6, binary.BigEndian, 32, 64, corners{blue, red, yellow, green}},
		{"7 transversed", 7, binary.BigEndian, 32, 64, corners{yellow, green, blue, red}},
		{"8 rotated counter-clockwise", 8, binary.BigEndian, 32, 64, corners{green, yellow, red, blue}},
		{"6 little-endian", 6, binary.LittleEndian, 32, 64, corners{blue, red, yellow, green}},
		{"8 little-endian", 8, binary.LittleEndian, 32, 64, corners{green, yellow, red, blue}},
		{"no orientation tag", 0, binary.BigEndian, 64, 32, corners{red, green, blue, yellow}},
		{"invalid orientation 9 is ignored", 9, binary.LittleEndian, 64, 32, corners{red, green, blue, yellow}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := jpegWithOrientation(t, quadrants(64, 32), tt.order, tt.orientation)
			img, err := Sanitize(bytes.NewReader(data), DefaultLimits)
			if err != nil {
				t.Fatalf("Sanitize: %v", err)
			}
			m := decodeOutput(t, img, DefaultLimits)
			if img.Width != tt.w || img.Height != tt.h {
				t.Fatalf("size = %dx%d, want %dx%d", img.Width, img.Height, tt.w, tt.h)
			}
			// Sample the middle of each quarter, away from the edges that
			// JPEG blurs.
			x0, x1, y0, y1 := tt.w/4, 3*tt.w/4, tt.h/4, 3*tt.h/4
			for _, c := range []struct {
				name string
				x, y int
				want color.RGBA
			}{
				{"top-left", x0, y0, tt.want.tl},
				{"top-right", x1, y0, tt.want.tr},
				{"bottom-left", x0, y1, tt.want.bl},
				{"bottom-right", x1, y1, tt.want.br},
			} {
				if got := m.At(c.x, c.y); !near(got, c.want, 24) {
					t.Errorf("%s = %v, want about %v", c.name, got, c.want)
				}
			}
		})
	}
}

func TestSanitizeOrientationOnlyForJPEG(t *testing.T) {
	// A PNG that happens to carry Exif bytes in a text chunk is not turned.
	p := encodePNG(t, quadrants(64, 32))
	p = insertPNGChunk(p, pngChunk("tEXt", append([]byte("Comment\x00"), exifSegment(binary.BigEndian, 6)...)))
	img, err := Sanitize(bytes.NewReader(p), DefaultLimits)
	if err != nil {
		t.Fatalf("Sanitize: %v", err)
	}
	if img.Width != 64 || img.Height != 32 {
		t.Errorf("size = %dx%d, want 64x32", img.Width, img.Height)
	}
}

func TestSanitizeStripsMetadata(t *testing.T) {
	const comment = "COMMENT-SECRET: taken at 12 Elm St, Apt 4"
	const xmpSecret = "XMP-SECRET-creator-jane.doe@example.com"
	const trailing = "TRAILING-SECRET-appended-zip-archive"
	xmp := append([]byte("http://ns.adobe.com/xap/1.0/\x00"), "<x:xmpmeta>"+xmpSecret+"</x:xmpmeta>"...)
	icc := append([]byte("ICC_PROFILE\x00\x01\x01"), "ICC-SECRET-profile"...)

	jpg := insertSegments(encodeJPEG(t, quadrants(64, 48)),
		exifSegment(binary.BigEndian, 1),
		segment(markerAPP1, xmp),
		segment(0xE2, icc),
		segment(0xFE, []byte(comment)),
	)
	jpg = append(jpg, trailing...)

	p := encodePNG(t, quadrants(64, 48))
	p = insertPNGChunk(p, pngChunk("tEXt", []byte("Comment\x00"+comment)))
	p = insertPNGChunk(p, pngChunk("eXIf", exifPayload(binary.LittleEndian, 1)[len(exifHeader):]))
	p = append(p, trailing...)

	secrets := []string{"Exif", gpsSecret, "GPS", comment, xmpSecret, "xmpmeta", "ICC_PROFILE", "ICC-SECRET", trailing}
	tests := []struct {
		name string
		data []byte
	}{
		{"jpeg", jpg},
		{"png", p},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The input really does carry the secrets that both formats hold.
			for _, s := range []string{gpsSecret, comment, trailing} {
				if !bytes.Contains(tt.data, []byte(s)) {
					t.Fatalf("test input lacks %q", s)
				}
			}
			img, err := Sanitize(bytes.NewReader(tt.data), DefaultLimits)
			if err != nil {
				t.Fatalf("Sanitize: %v", err)
			}
			decodeOutput(t, img, DefaultLimits)
			for _, s := range secrets {
				if bytes.Contains(img.Data, []byte(s)) {
					t.Errorf("output contains %q", s)
				}
			}
			// No application or comment segment survives, only what the
			// encoder needs: tables, frame header and scan.
			for _, m := range jpegSegments(t, img.Data) {
				if (m >= 0xE0 && m <= 0xEF) || m == 0xFE {
					t.Errorf("output has segment 0xFF%02X", m)
				}
			}
			// Nothing follows the end-of-image marker.
			if !bytes.HasSuffix(img.Data, []byte{0xFF, 0xD9}) {
				t.Error("output does not end with EOI")
			}
		})
	}
}

func TestSanitizeOutputSize(t *testing.T) {
	tests := []struct {
		name         string
		data         func(t *testing.T) []byte
		maxSide      int
		wantW, wantH int
	}{
		{"small image is unchanged", pngOf(640, 480), 1200, 640, 480},
		{"exactly max side is unchanged", pngOf(1200, 900), 1200, 1200, 900},
		{"landscape", pngOf(3000, 1000), 1200, 1200, 400},
		{"portrait", pngOf(900, 2400), 1200, 450, 1200},
		{"square", pngOf(1500, 1500), 1200, 1200, 1200},
		{"rounds to nearest", pngOf(1000, 333), 100, 100, 33},
		{"thin column keeps one pixel", pngOf(1, 5000), 1200, 1, 1200},
		{"thin row keeps one pixel", pngOf(5000, 3), 1200, 1200, 1},
		{"small max side", pngOf(400, 300), 40, 40, 30},
		{"rotated jpeg is scaled to the upright size", func(t *testing.T) []byte {
			return jpegWithOrientation(t, solid(2400, 900, color.NRGBA{R: 90, G: 90, B: 90, A: 255}), binary.BigEndian, 6)
		}, 1200, 450, 1200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := Limits{MaxSide: tt.maxSide}
			img, err := Sanitize(bytes.NewReader(tt.data(t)), lim)
			if err != nil {
				t.Fatalf("Sanitize: %v", err)
			}
			decodeOutput(t, img, lim)
			if img.Width != tt.wantW || img.Height != tt.wantH {
				t.Errorf("size = %dx%d, want %dx%d", img.Width, img.Height, tt.wantW, tt.wantH)
			}
		})
	}
}

func TestSanitizeLargeImageKeepsColours(t *testing.T) {
	// 3000×1500 is shrunk by averaging 2×2 blocks, then scaled to 1200×600.
	data := encodePNG(t, quadrants(3000, 1500))
	img, err := Sanitize(bytes.NewReader(data), DefaultLimits)
	if err != nil {
		t.Fatalf("Sanitize: %v", err)
	}
	m := decodeOutput(t, img, DefaultLimits)
	if img.Width != 1200 || img.Height != 600 {
		t.Fatalf("size = %dx%d, want 1200x600", img.Width, img.Height)
	}
	for _, c := range []struct {
		name string
		x, y int
		want color.RGBA
	}{
		{"top-left", 300, 150, red},
		{"top-right", 900, 150, green},
		{"bottom-left", 300, 450, blue},
		{"bottom-right", 900, 450, yellow},
	} {
		if got := m.At(c.x, c.y); !near(got, c.want, 12) {
			t.Errorf("%s = %v, want about %v", c.name, got, c.want)
		}
	}
}

func TestShrink(t *testing.T) {
	// rgba returns a w×h image whose pixel values are listed row by row,
	// one grey level each, with full alpha.
	rgba := func(w, h int, grey ...uint8) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for i, v := range grey {
			copy(m.Pix[4*i:], []uint8{v, v, v, 255})
		}
		return m
	}
	ycbcr := image.NewYCbCr(image.Rect(0, 0, 4, 4), image.YCbCrSubsampleRatio420)
	for i := range ycbcr.Y {
		ycbcr.Y[i] = 100
	}
	for i := range ycbcr.Cb {
		ycbcr.Cb[i], ycbcr.Cr[i] = 128, 128
	}
	tests := []struct {
		name string
		src  image.Image
		k    int
		want *image.RGBA
	}{
		{"identity", rgba(2, 1, 10, 20), 1, rgba(2, 1, 10, 20)},
		{"whole blocks", rgba(4, 2,
			0, 4, 10, 10,
			8, 12, 20, 30), 2, rgba(2, 1, 6, 18)},
		{"partial blocks at the edges", rgba(3, 3,
			0, 10, 100,
			20, 30, 200,
			40, 50, 60), 2, rgba(2, 2, 15, 150, 45, 60)},
		{"sub-image", rgba(4, 2,
			0, 4, 10, 10,
			8, 12, 20, 30).SubImage(image.Rect(2, 0, 4, 2)), 2, rgba(1, 1, 18)},
		{"ycbcr", ycbcr, 4, rgba(1, 1, 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := shrink(tt.src, tt.k)
			if got.Bounds() != tt.want.Bounds() || !bytes.Equal(got.Pix, tt.want.Pix) {
				t.Errorf("shrink = %v %v, want %v %v", got.Bounds(), got.Pix, tt.want.Bounds(), tt.want.Pix)
			}
		})
	}
}

// pngOf returns a builder of a grey w×h PNG.
func pngOf(w, h int) func(t *testing.T) []byte {
	return func(t *testing.T) []byte {
		return encodePNG(t, solid(w, h, color.NRGBA{R: 128, G: 128, B: 128, A: 255}))
	}
}

func TestFormatMegapixels(t *testing.T) {
	tests := []struct {
		name string
		px   int64
		want string
	}{
		{"whole", 81_000_000, "81"},
		{"limit", 40_000_000, "40"},
		{"one decimal", 12_192_768, "12.2"},
		{"rounds to one decimal", 65_535_000, "65.5"},
		{"below one megapixel", 10_100, "0.0101"},
		{"large", 4_294_836_225, "4294.8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatMegapixels(tt.px); got != tt.want {
				t.Errorf("formatMegapixels(%d) = %q, want %q", tt.px, got, tt.want)
			}
		})
	}
}

// BenchmarkSanitize measures a typical phone photo: a 4000×3000
// (12-megapixel) JPEG scaled down to 1200×900.
func BenchmarkSanitize(b *testing.B) {
	const w, h = 4000, 3000
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	// Smooth gradients with some texture, so that the JPEG is about as
	// large and as costly to decode as a real photo.
	var seed uint32 = 1
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			seed = seed*1664525 + 1013904223
			n := byte(seed >> 27)
			i := m.PixOffset(x, y)
			m.Pix[i+0] = byte(x*255/w) + n
			m.Pix[i+1] = byte(y*255/h) + n
			m.Pix[i+2] = byte((x+y)*255/(w+h)) + n
			m.Pix[i+3] = 255
		}
	}
	data := jpegWithOrientation(b, m, binary.BigEndian, 6)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		img, err := Sanitize(bytes.NewReader(data), DefaultLimits)
		if err != nil {
			b.Fatal(err)
		}
		if img.Width != 900 || img.Height != 1200 {
			b.Fatalf("size = %dx%d", img.Width, img.Height)
		}
	}
}
