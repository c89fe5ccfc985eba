// Package photo turns an uploaded portrait photo, which must be treated as
// hostile input, into a small, upright, metadata-free JPEG that is safe to
// store and print on an ID card.
//
// Sanitize reads a bounded number of bytes, checks the format and the pixel
// count from the image header before any pixel is decoded, decodes the first
// frame, applies the JPEG EXIF orientation, flattens transparency onto white,
// downscales and re-encodes the pixels as a fresh JPEG. Nothing but pixels
// survives: EXIF (including GPS position), XMP, ICC profiles, comments and
// any data appended after the image are all dropped.
package photo

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/jpeg"
	"io"
	"math"
	"strconv"

	// Decoders for the accepted formats register themselves with package
	// image. Sanitize also checks the format name, so a decoder that some
	// other package registers (BMP, TIFF, ...) is not accepted by accident.
	_ "image/gif"
	_ "image/png"

	_ "golang.org/x/image/webp"

	"golang.org/x/image/draw"

	"github.com/docketcard/docketcard"
)

// Limits bounds the resources that Sanitize spends on one photo. A zero or
// negative field means the value from DefaultLimits.
type Limits struct {
	// MaxBytes is the largest accepted upload, in bytes.
	MaxBytes int64
	// MaxPixels is the largest accepted width×height of the uploaded image,
	// checked from its header before the pixels are decoded.
	MaxPixels int64
	// MaxSide is the longest side, in pixels, of the re-encoded image;
	// larger images are scaled down to fit.
	MaxSide int
}

// DefaultLimits suits portrait uploads from phones and desktop browsers.
var DefaultLimits = Limits{MaxBytes: 10 << 20, MaxPixels: 40_000_000, MaxSide: 1200}

// Image is a sanitized photo.
type Image struct {
	Data          []byte   // re-encoded JPEG
	ContentType   string   // always "image/jpeg"
	Width, Height int      // dimensions of Data, after orientation and scaling
	SHA256        [32]byte // SHA-256 of Data
}

// ContentType is the media type of every sanitized image.
const ContentType = "image/jpeg"

// jpegQuality is the quality of the re-encoded JPEG.
const jpegQuality = 90

// accepted maps the format names that package image reports to the
// formats that Sanitize accepts.
var accepted = map[string]bool{"jpeg": true, "png": true, "gif": true, "webp": true}

// Sanitize reads a photo of at most lim.MaxBytes bytes from r and returns it
// re-encoded as an upright JPEG whose longest side is at most lim.MaxSide.
//
// JPEG, PNG, GIF (first frame only) and WebP are accepted. Errors are
// *docketcard.Error values whose messages are safe to show to the uploader:
// ETOOLARGE for too many bytes or pixels, EUNSUPPORTED for other formats
// and EINVALID for empty, zero-sized, truncated or corrupt images. An error
// reading r is returned as is.
func Sanitize(r io.Reader, lim Limits) (*Image, error) {
	lim = lim.withDefaults()

	data, err := readLimited(r, lim.MaxBytes)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 {
		return nil, docketcard.Errorf(docketcard.EINVALID, "photo is empty")
	}

	// Check the header first: it is cheap and tells how much memory a full
	// decode would take.
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	switch {
	case errors.Is(err, image.ErrFormat) || (err == nil && !accepted[format]):
		return nil, docketcard.Errorf(docketcard.EUNSUPPORTED, "photo must be a JPEG, PNG, GIF or WebP image")
	case err != nil:
		return nil, decodeError(err)
	}
	if err := checkSize(cfg.Width, cfg.Height, lim); err != nil {
		return nil, err
	}

	src, err := decode(data)
	if err != nil {
		return nil, err
	}
	// The header and the pixels should agree, but check what was actually
	// decoded rather than trust the decoder on hostile input.
	b := src.Bounds()
	if err := checkSize(b.Dx(), b.Dy(), lim); err != nil {
		return nil, err
	}

	orientation := 1
	if format == "jpeg" {
		orientation = exifOrientation(data)
	}

	// Scale before rotating: the result is the same and rotating the
	// smaller image is cheaper. Scaling keeps the aspect ratio, so the
	// longest side is the same before and after a quarter turn.
	m := flattenAndScale(src, lim.MaxSide)
	m = orient(m, orientation)

	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: jpegQuality}); err != nil {
		// Encoding an in-memory RGBA image into a buffer does not fail.
		return nil, fmt.Errorf("photo: encode jpeg: %w", err)
	}
	out := buf.Bytes()
	return &Image{
		Data:        out,
		ContentType: ContentType,
		Width:       m.Bounds().Dx(),
		Height:      m.Bounds().Dy(),
		SHA256:      sha256.Sum256(out),
	}, nil
}

// withDefaults replaces unset limits with those of DefaultLimits.
func (lim Limits) withDefaults() Limits {
	if lim.MaxBytes <= 0 {
		lim.MaxBytes = DefaultLimits.MaxBytes
	}
	if lim.MaxPixels <= 0 {
		lim.MaxPixels = DefaultLimits.MaxPixels
	}
	if lim.MaxSide <= 0 {
		lim.MaxSide = DefaultLimits.MaxSide
	}
	return lim
}

// readLimited reads all of r but fails with ETOOLARGE as soon as more than
// max bytes arrive, without reading much further.
func readLimited(r io.Reader, max int64) ([]byte, error) {
	n := max
	if n < math.MaxInt64 {
		n++ // one byte more tells "exactly max" from "more than max"
	}
	data, err := io.ReadAll(io.LimitReader(r, n))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, docketcard.Errorf(docketcard.ETOOLARGE, "photo is larger than %s", formatBytes(max))
	}
	return data, nil
}

// checkSize rejects zero-sized images and images with more pixels than
// lim.MaxPixels.
func checkSize(w, h int, lim Limits) error {
	if w <= 0 || h <= 0 {
		return docketcard.Errorf(docketcard.EINVALID, "photo has no pixels (%d×%d)", w, h)
	}
	// Both factors are below 2^31 (they are ints from 16- to 32-bit header
	// fields), so the product fits in an int64.
	if px := int64(w) * int64(h); px > lim.MaxPixels {
		return docketcard.Errorf(docketcard.ETOOLARGE, "photo is %d×%d = %s megapixels; the limit is %s",
			w, h, formatMegapixels(px), formatMegapixels(lim.MaxPixels))
	}
	return nil
}

// decode decodes the first frame of data, whose format and size have been
// checked already.
func decode(data []byte) (m image.Image, err error) {
	// The decoders are well tested, but this is the one place where hostile
	// bytes drive third-party code that allocates and indexes slices. A
	// bug there must reject one upload, not crash the process that serves
	// everybody else.
	defer func() {
		if p := recover(); p != nil {
			m, err = nil, docketcard.Errorf(docketcard.EINVALID, "photo could not be decoded: malformed image data")
		}
	}()
	m, _, err = image.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, decodeError(err)
	}
	return m, nil
}

// decodeError wraps an error from a decoder as EINVALID. The decoders'
// messages ("unexpected EOF", "png: invalid format: ...") describe only the
// input, so they are safe to show.
func decodeError(err error) error {
	return docketcard.Errorf(docketcard.EINVALID, "photo could not be decoded: %v", err)
}

// flattenAndScale draws src onto an opaque white RGBA image, scaling it down
// with a Catmull-Rom filter so that its longest side is at most maxSide.
// Transparent areas become white, which is also what a card printer shows.
func flattenAndScale(src image.Image, maxSide int) *image.RGBA {
	sb := src.Bounds()
	w, h := fitWithin(sb.Dx(), sb.Dy(), maxSide)
	// The Catmull-Rom scaler's time and memory grow with the source size
	// (about 32 bytes per source row per output column), so a large
	// reduction is done mostly by averaging k×k blocks, which is fast and
	// a good anti-aliasing filter, leaving the scaler at most a factor of
	// two.
	if k := min(sb.Dx()/w, sb.Dy()/h); k >= 2 {
		src = shrink(src, k)
		sb = src.Bounds()
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	stddraw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, stddraw.Src)
	if w == sb.Dx() && h == sb.Dy() {
		stddraw.Draw(dst, dst.Bounds(), src, sb.Min, stddraw.Over)
	} else {
		draw.CatmullRom.Scale(dst, dst.Bounds(), src, sb, draw.Over, nil)
	}
	return dst
}

// shrink returns src reduced k times in each direction: each pixel is the
// mean of a k×k block, or of the part of one that lies at the right or
// bottom edge. It converts k rows at a time into RGBA, so it needs little
// memory beyond the result. Averaging premultiplied RGBA and flattening
// onto white afterwards gives the same result as the other way round.
func shrink(src image.Image, k int) *image.RGBA {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	dw, dh := (sw+k-1)/k, (sh+k-1)/k
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	strip := image.NewRGBA(image.Rect(0, 0, sw, k))
	// k is at most the longest side over MaxSide, so a sum of k² values of
	// at most 255 fits in a uint32 for any image that passes MaxPixels.
	sums := make([]uint32, 4*dw)
	for dy := range dh {
		y0 := sb.Min.Y + dy*k
		rows := min(k, sb.Max.Y-y0)
		stddraw.Draw(strip, image.Rect(0, 0, sw, rows), src, image.Pt(sb.Min.X, y0), stddraw.Src)
		clear(sums)
		for r := range rows {
			row := strip.Pix[r*strip.Stride : r*strip.Stride+4*sw]
			for dx := range dw {
				block := row[4*dx*k : 4*min((dx+1)*k, sw)]
				s := sums[4*dx : 4*dx+4 : 4*dx+4]
				for i := 0; i < len(block); i += 4 {
					s[0] += uint32(block[i])
					s[1] += uint32(block[i+1])
					s[2] += uint32(block[i+2])
					s[3] += uint32(block[i+3])
				}
			}
		}
		out := dst.Pix[dy*dst.Stride : dy*dst.Stride+4*dw]
		for dx := range dw {
			n := uint32(rows * (min((dx+1)*k, sw) - dx*k))
			for c := range 4 {
				out[4*dx+c] = uint8((sums[4*dx+c] + n/2) / n)
			}
		}
	}
	return dst
}

// fitWithin returns the size of a w×h image scaled down, keeping its aspect
// ratio, so that neither side exceeds maxSide. Sides never shrink below one
// pixel, and images that already fit are returned unchanged.
func fitWithin(w, h, maxSide int) (int, int) {
	if w <= maxSide && h <= maxSide {
		return w, h
	}
	// Round to nearest in int64: w and h are at most MaxPixels.
	long, short := int64(max(w, h)), int64(min(w, h))
	scaled := int((short*int64(maxSide) + long/2) / long)
	scaled = max(scaled, 1)
	if w >= h {
		return maxSide, scaled
	}
	return scaled, maxSide
}

// formatBytes formats a byte count for a message, in whole MB or KB when it
// is a whole number of them ("10 MB"), and in bytes otherwise.
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + " MB"
	case n >= 1<<10 && n%(1<<10) == 0:
		return strconv.FormatInt(n>>10, 10) + " KB"
	case n == 1:
		return "1 byte"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}

// formatMegapixels formats a pixel count in megapixels for a message: with
// at most one decimal from one megapixel up (81000000 → "81", 12192768 →
// "12.2"), and with three significant digits below (10100 → "0.0101").
func formatMegapixels(px int64) string {
	mp := float64(px) / 1e6
	if mp < 1 {
		mp, _ = strconv.ParseFloat(strconv.FormatFloat(mp, 'g', 3, 64), 64)
	} else {
		mp = math.Round(mp*10) / 10
	}
	return strconv.FormatFloat(mp, 'f', -1, 64)
}

// DisplayMaxSide and displayQuality size the display copy of a photo: what
// online verification shows on a verifier's screen. It is enough to
// compare a face with the person present, no more: parties outside DHS
// get a smaller biometric than the enrolment photo, and each verification
// sends a tenth of the bytes.
const (
	DisplayMaxSide = 320
	displayQuality = 80
)

// Display returns the display copy of a sanitized photo (Image.Data):
// scaled so its longest side is at most DisplayMaxSide, re-encoded as JPEG.
func Display(sanitized []byte) ([]byte, error) {
	src, err := jpeg.Decode(bytes.NewReader(sanitized))
	if err != nil {
		return nil, fmt.Errorf("photo: display copy: %w", err)
	}
	m := flattenAndScale(src, DisplayMaxSide)
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: displayQuality}); err != nil {
		return nil, fmt.Errorf("photo: encode display copy: %w", err)
	}
	return buf.Bytes(), nil
}
