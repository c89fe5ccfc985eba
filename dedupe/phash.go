package dedupe

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math"
	"math/bits"
	"slices"

	"github.com/docketcard/docketcard"
)

// MaxPhotoPixels bounds width×height of a photo that PhotoHash decodes,
// checked from the JPEG header before any pixel is decoded. It is the
// photo package's limit for uploads; stored photos are much smaller.
const MaxPhotoPixels = 40_000_000

// PhotoThreshold is the greatest Hamming distance between two photo hashes
// that Compare treats as the same photo. Hashes of one portrait re-encoded
// (JPEG quality 15-95), resized (¼× to 2×), brightened, darkened or
// changed in contrast were measured at most 4 apart; different synthetic
// portraits are 12 apart at the median but 3.3% of pairs are within 4 (and
// 41% within 10). Crops move pHash more: 1% off one or two edges stays
// within 4 for about 97% of portraits, 2% off every edge for about 85%.
// See the package documentation.
const PhotoThreshold = 4

// hashBits is the number of meaningful bits in a photo hash: the 63 AC
// coefficients of the top-left 8×8 block of the DCT. Bit 63 is always set
// (presentBit) so that a real hash is never 0, which means "no photo".
const (
	hashBits   = 63
	presentBit = uint64(1) << 63
)

// side is the size of the greyscale thumbnail that is transformed.
const side = 32

// dctBasis[u][x] is the orthonormal DCT-II basis for frequency u < 8 at
// sample x < 32.
var dctBasis = func() (b [8][side]float64) {
	for u := range 8 {
		k := math.Sqrt(2.0 / side)
		if u == 0 {
			k = math.Sqrt(1.0 / side)
		}
		for x := range side {
			b[u][x] = k * math.Cos(math.Pi*float64(u)*(2*float64(x)+1)/(2*side))
		}
	}
	return b
}()

// PhotoHash returns the 64-bit perceptual hash (DCT pHash) of a JPEG photo:
// the image is decoded, converted to luma (greyscale), reduced to 32×32 by
// averaging the pixels that fall in each cell, and transformed with a 2-D
// DCT; each of the 63 lowest-frequency AC coefficients (the top-left 8×8
// block without the DC term, which only carries brightness) gives one bit,
// set when the coefficient is above their median. Bit 63 is always set, so
// the hash of a photo is never 0; bits 0-62 hold the coefficient (u, v) at
// bit 8u+v-1, u being the vertical frequency.
//
// Re-encoding, resizing, brightening and slight cropping move few bits;
// different portraits differ in many (see PhotoThreshold).
//
// data is untrusted: the header is read first and images over
// MaxPhotoPixels are refused (ETOOLARGE) before decoding; anything that is
// not a decodable JPEG is EINVALID. An image with no detail at all (a
// single flat colour) has no meaningful hash and gives 0, nil, like a
// record without a photo.
func PhotoHash(data []byte) (uint64, error) {
	return photoHash(data, MaxPhotoPixels)
}

func photoHash(data []byte, maxPixels int64) (h uint64, err error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return 0, docketcard.Errorf(docketcard.EINVALID, "photo is not a readable JPEG: %v", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return 0, docketcard.Errorf(docketcard.EINVALID, "photo has no pixels (%d×%d)", cfg.Width, cfg.Height)
	}
	if px := int64(cfg.Width) * int64(cfg.Height); px > maxPixels {
		return 0, docketcard.Errorf(docketcard.ETOOLARGE, "photo is %d×%d pixels; the limit is %d pixels", cfg.Width, cfg.Height, maxPixels)
	}
	// The decoder is well tested, but hostile bytes drive it: a bug there
	// must fail one hash, not the process.
	defer func() {
		if p := recover(); p != nil {
			h, err = 0, docketcard.Errorf(docketcard.EINVALID, "photo could not be decoded: malformed JPEG data")
		}
	}()
	m, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		return 0, docketcard.Errorf(docketcard.EINVALID, "photo could not be decoded: %v", err)
	}
	return hashImage(m), nil
}

// hashImage returns the pHash of m (see PhotoHash).
func hashImage(m image.Image) uint64 {
	var px [side][side]float64
	thumbnail(m, &px)
	return hashThumbnail(&px)
}

// hashThumbnail computes the hash bits from a 32×32 luma thumbnail.
func hashThumbnail(px *[side][side]float64) uint64 {
	// Rows first: rowDCT[y][v] is the DCT of row y at horizontal frequency v.
	var rowDCT [side][8]float64
	for y := range side {
		for v := range 8 {
			var s float64
			for x := range side {
				s += px[y][x] * dctBasis[v][x]
			}
			rowDCT[y][v] = s
		}
	}
	var coef [64]float64
	for u := range 8 {
		for v := range 8 {
			var s float64
			for y := range side {
				s += rowDCT[y][v] * dctBasis[u][y]
			}
			coef[u*8+v] = s
		}
	}
	ac := coef[1:]
	// A flat image has (numerically) no AC energy: its bits would be noise.
	var peak float64
	for _, c := range ac {
		peak = max(peak, math.Abs(c))
	}
	if peak < 1e-3 {
		return 0
	}
	sorted := slices.Clone(ac)
	slices.Sort(sorted)
	median := sorted[len(sorted)/2]
	h := presentBit
	for i, c := range ac {
		if c > median {
			h |= 1 << i
		}
	}
	return h
}

// thumbnail reduces m to 32×32 luma values (0-255) into px. Each cell is
// the mean of the source pixels in its rectangle; for images narrower or
// shorter than 32 pixels, cells repeat source pixels.
func thumbnail(m image.Image, px *[side][side]float64) {
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	luma := lumaFunc(m)
	var xs [side + 1]int
	for i := range side + 1 {
		xs[i] = i * w / side
	}
	for cy := range side {
		y0 := cy * h / side
		y1 := max((cy+1)*h/side, y0+1)
		var sums [side]float64
		for y := y0; y < y1; y++ {
			for cx := range side {
				x0 := xs[cx]
				x1 := max(xs[cx+1], x0+1)
				var s uint64
				for x := x0; x < x1; x++ {
					s += uint64(luma(b.Min.X+x, b.Min.Y+y))
				}
				sums[cx] += float64(s) / float64(x1-x0)
			}
		}
		for cx := range side {
			px[cy][cx] = sums[cx] / float64(y1-y0)
		}
	}
}

// lumaFunc returns a function giving the luma (0-255) of m at (x, y), with
// fast paths for the types that image/jpeg returns.
func lumaFunc(m image.Image) func(x, y int) uint8 {
	switch m := m.(type) {
	case *image.YCbCr:
		return func(x, y int) uint8 { return m.Y[m.YOffset(x, y)] }
	case *image.Gray:
		return func(x, y int) uint8 { return m.Pix[m.PixOffset(x, y)] }
	}
	return func(x, y int) uint8 {
		r, g, b, _ := m.At(x, y).RGBA()
		// ITU-R BT.601 luma, as in JPEG's YCbCr, on 16-bit channels.
		return uint8((19595*r + 38470*g + 7471*b + 1<<15) >> 24)
	}
}

// Hamming returns the number of bits in which a and b differ.
func Hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// Photo bands: the hash is cut into photoBands bands of bandBits bits,
// each stored as a blocking key "bN:xxxx" (N the band, xxxx its bits in
// hex). Bit 63, always set, falls in the last band.
const (
	photoBands = 4
	bandBits   = 16
)

func bandKey(i int, v uint64) string { return fmt.Sprintf("b%d:%04x", i, v) }

// PhotoBands returns the blocking keys to store for a photo hash: its four
// 16-bit bands, "b0:1a2b" to "b3:9c0d". Two hashes that differ in at most
// 3 bits always share a band, and hashes a few bits further apart usually
// do; to find every stored hash within PhotoThreshold, look up
// PhotoProbeBands instead. A zero hash (no photo) has no bands.
func PhotoBands(h uint64) []string {
	if h == 0 {
		return nil
	}
	out := make([]string, photoBands)
	for i := range photoBands {
		out[i] = bandKey(i, h>>(bandBits*i)&(1<<bandBits-1))
	}
	return out
}

// PhotoProbeBands returns the band keys to look up so that every stored
// hash (stored with PhotoBands) within Hamming distance maxDistance of h
// shares at least one key with the lookup: by the pigeonhole principle one
// of the four bands of such a hash differs from h's in at most
// maxDistance/4 bits, so the probes are, for each band, every value within
// that many bits of h's. For maxDistance = PhotoThreshold (4) that is
// 4 × 17 = 68 keys, one indexed IN lookup; for 10 it would be 4 × 137 =
// 548. maxDistance is clamped to 0-11 (radius at most 2). A zero hash has
// no probes.
func PhotoProbeBands(h uint64, maxDistance int) []string {
	if h == 0 {
		return nil
	}
	r := min(max(maxDistance, 0), 11) / photoBands
	var out []string
	for i := range photoBands {
		v := h >> (bandBits * i) & (1<<bandBits - 1)
		out = append(out, bandKey(i, v))
		for a := range bandBits {
			va := v ^ 1<<a
			if r >= 1 {
				out = append(out, bandKey(i, va))
			}
			if r >= 2 {
				for b := a + 1; b < bandBits; b++ {
					out = append(out, bandKey(i, va^1<<b))
				}
			}
		}
	}
	return out
}
