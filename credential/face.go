package credential

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"

	"golang.org/x/image/draw"

	"github.com/docketcard/docketcard"
)

// FaceBudget is the most bytes the face image may take in the QR payload.
const FaceBudget = 800

// faceSizes are the greyscale sizes tried, largest first (3:4 portrait).
var faceSizes = []image.Point{{60, 80}, {54, 72}, {48, 64}, {42, 56}, {36, 48}, {30, 40}}

// Face turns a portrait photo (any format image.Decode knows; the stored
// photo is a sanitised JPEG) into the small greyscale JPEG carried in the
// signed payload, so an offline verifier can compare the holder's face.
// It crops to the head and shoulders, tries sizes from largest to smallest
// and, for each, the highest JPEG quality that fits budget bytes. The
// result is deterministic for the same photo.
func Face(photo []byte, budget int) ([]byte, error) {
	src, _, err := image.Decode(bytes.NewReader(photo))
	if err != nil {
		return nil, docketcard.Errorf(docketcard.EINVALID, "the photo could not be decoded for the card: %v", err)
	}
	b := src.Bounds()
	if b.Dx() < 36 || b.Dy() < 48 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "the photo is %d×%d pixels; at least 36×48 are needed", b.Dx(), b.Dy())
	}
	// Shrink once to twice the largest face size; every size tried is then
	// scaled from this small image.
	crop := portraitCrop(b)
	base := image.NewGray(image.Rect(0, 0, 2*faceSizes[0].X, 2*faceSizes[0].Y))
	draw.CatmullRom.Scale(base, base.Bounds(), src, crop, draw.Src, nil)
	for _, size := range faceSizes {
		grey := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		draw.CatmullRom.Scale(grey, grey.Bounds(), base, base.Bounds(), draw.Src, nil)
		equalise(grey)
		// Highest quality that fits, by binary search over 5..90.
		lo, hi := 5, 90
		var best []byte
		for lo <= hi {
			q := (lo + hi) / 2
			var buf bytes.Buffer
			if err := jpeg.Encode(&buf, grey, &jpeg.Options{Quality: q}); err != nil {
				return nil, err
			}
			enc := stripUnusedQuantTable(buf.Bytes())
			if len(enc) <= budget {
				best = append(best[:0], enc...)
				lo = q + 1
			} else {
				hi = q - 1
			}
		}
		// Below quality 20 a face is better smaller than blockier; at the
		// smallest size, quality 10 is the floor.
		if best != nil && (hi >= 20 || (size == faceSizes[len(faceSizes)-1] && hi >= 10)) {
			return best, nil
		}
	}
	return nil, docketcard.Errorf(docketcard.EINVALID, "the photo cannot be shrunk into the %d-byte face budget of the QR code at a usable quality (it is too detailed or noisy); take a plainer photo", budget)
}

// stripUnusedQuantTable removes the chrominance quantisation table that
// Go's JPEG encoder writes even for a greyscale image, whose single
// component uses table 0 only: 65 bytes more for the face. Anything
// unexpected leaves the image as it is.
func stripUnusedQuantTable(jpg []byte) []byte {
	// SOI, then (for image/jpeg's encoder) DQT first.
	if len(jpg) < 4+2+2*65 || jpg[0] != 0xff || jpg[1] != 0xd8 || jpg[2] != 0xff || jpg[3] != 0xdb {
		return jpg
	}
	n := int(jpg[4])<<8 | int(jpg[5])
	if n != 2+2*65 || jpg[6] != 0x00 || jpg[6+65] != 0x01 {
		return jpg
	}
	// Only a one-component frame (SOF0 with Nf = 1) may lose table 1.
	i := bytes.Index(jpg, []byte{0xff, 0xc0})
	if i < 0 || i+9 >= len(jpg) || jpg[i+9] != 1 {
		return jpg
	}
	out := make([]byte, 0, len(jpg)-65)
	out = append(out, jpg[:4]...)
	out = append(out, 0x00, 0x43)
	out = append(out, jpg[6:6+65]...)
	return append(out, jpg[6+130:]...)
}

// portraitCrop picks the central 3:4 region of the photo, trimmed to the
// head and shoulders (the top 85% of a passport-style portrait).
func portraitCrop(b image.Rectangle) image.Rectangle {
	w, h := b.Dx(), b.Dy()
	ch := h * 85 / 100
	cw := ch * 3 / 4
	if cw > w {
		cw = w
		ch = cw * 4 / 3
	}
	x0 := b.Min.X + (w-cw)/2
	y0 := b.Min.Y + (h-ch)/4
	return image.Rect(x0, y0, x0+cw, y0+ch)
}

// equalise stretches the grey levels to the full range, which keeps faces
// recognisable at low JPEG quality.
func equalise(g *image.Gray) {
	lo, hi := uint8(255), uint8(0)
	for _, v := range g.Pix {
		lo, hi = min(lo, v), max(hi, v)
	}
	if hi-lo < 16 {
		return
	}
	scale := 255 / float64(hi-lo)
	for i, v := range g.Pix {
		g.Pix[i] = color.Gray{Y: uint8(float64(v-lo) * scale)}.Y
	}
}
