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
var faceSizes = []image.Point{{60, 80}, {54, 72}, {48, 64}, {42, 56}, {36, 48}}

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
	crop := portraitCrop(b)
	for _, size := range faceSizes {
		grey := image.NewGray(image.Rect(0, 0, size.X, size.Y))
		draw.CatmullRom.Scale(grey, grey.Bounds(), src, crop, draw.Src, nil)
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
			if buf.Len() <= budget {
				best = append(best[:0], buf.Bytes()...)
				lo = q + 1
			} else {
				hi = q - 1
			}
		}
		// A face below quality 20 is not worth comparing; try smaller.
		if best != nil && hi >= 20 {
			return best, nil
		}
	}
	return nil, docketcard.Errorf(docketcard.EINVALID, "the photo cannot be shrunk into the %d-byte face budget of the QR code at a usable quality (it is too detailed or noisy); take a plainer photo", budget)
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
