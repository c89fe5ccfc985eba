// Package card renders the Secure Docket Card: an ISO/IEC 7810 ID-1 card
// (85.60 × 53.98 mm), front and back, as a two-page vector PDF with
// embedded (subset) fonts and as two 300 dpi PNGs (1011 × 638 px).
//
// The front shows the photo, the title and issuer, the names (family names
// larger), the configured fields and "NOT VALID FOR FEDERAL
// IDENTIFICATION". The back shows the QR code, the portal address, the
// notice and the three-line ICAO 9303 TD1 machine readable zone. Both
// sides carry visual security features drawn from the card's own data: a
// guilloche background whose parameters are derived from a hash of the
// card number and A-number, a line of microtext repeating the card number
// and names, and a faded greyscale "ghost" copy of the photo.
//
// Output is deterministic: the same Data and Layout give the same PDF and
// PNG bytes (on a given platform: floating point may round differently
// on other CPU architectures). Nothing is random and the PDF's dates come
// from the issue date.
//
// All text is set in the Go fonts (golang.org/x/image/font/gofont, BSD
// licensed), the same TrueType files for the PDF and the PNGs; the MRZ
// uses Go Mono at the ICAO character pitch since OCR-B is not available.
//
// The PDF is written by a small streaming writer in this package rather
// than by fpdf, which keeps every page in memory until the end: a
// BatchWriter writes each card's pages as it is added and keeps only the
// cross-reference offsets, so memory stays flat for a batch of any size.
package card

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	stddraw "image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	xdraw "golang.org/x/image/draw"

	"github.com/docketcard/docketcard"
)

// Data is what one card prints.
type Data struct {
	CardNumber              string // e.g. "DC1234567"
	FamilyNames, GivenNames string // Latin script; accents are printed
	ANumber                 string // formatted, e.g. "A012-345-678"
	Citizenship             string // country name, e.g. "Honduras"
	DateOfBirth             string // display form, e.g. "29 FEB 1988" or "1988"
	Sex                     string // M, F or X
	IssueDate, ExpiryDate   time.Time
	IssuingOffice           string    // e.g. "Houston Field Office"
	Photo                   []byte    // JPEG, portrait 3:4 (others are centre-cropped), upright as from photo.Sanitize
	QRPayload               string    // base45 text, encoded in alphanumeric mode
	MRZ                     [3]string // TD1: three lines of 30 characters
	PortalURL               string    // e.g. "https://portal.docketcard.example"
}

// Layout is the configurable part of the card's design.
type Layout struct {
	Title             string     // e.g. "SECURE DOCKET CARD"
	Issuer            string     // e.g. "U.S. Department of Homeland Security"
	Notice            string     // back-side notice
	Fields            []string   // front fields to print, in order; see FieldNames
	QRErrorCorrection string     // "L", "M", "Q" or "H"
	AccentColor       color.RGBA // header band, labels; must be opaque and dark enough for white text
}

// FieldNames lists the front fields a Layout may print, in the default
// order.
var FieldNames = []string{"a_number", "citizenship", "date_of_birth", "sex", "card_number", "issue_date", "expiry_date", "issuing_office"}

// DefaultLayout returns the pilot's layout.
func DefaultLayout() Layout {
	return Layout{
		Title:  "SECURE DOCKET CARD",
		Issuer: "U.S. Department of Homeland Security",
		Notice: "This card is not valid for federal identification, employment authorization or voting. " +
			"It does not grant any immigration status or benefit. It identifies the holder to DHS and the " +
			"immigration court while removal proceedings are pending. If found, return it to any DHS office.",
		Fields:            append([]string(nil), FieldNames...),
		QRErrorCorrection: "M",
		AccentColor:       color.RGBA{22, 52, 92, 255},
	}
}

// Output is a rendered card.
type Output struct {
	PDF               []byte  // two pages, front and back, each 85.60 × 53.98 mm
	FrontPNG, BackPNG []byte  // 300 dpi, 1011 × 638 px
	QRVersion         int     // QR code version (1-40)
	QRModules         int     // modules per side, without the quiet zone
	ModuleMM          float64 // printed size of one module, mm
}

// Validate checks a layout: every field name is known and listed once,
// the fields fit the front, the texts fit their places, the error
// correction level is known and the accent colour is opaque and dark
// enough for the white title on it. The error is EINVALID and names every
// bad setting.
func (l Layout) Validate() error {
	fs, err := fonts()
	if err != nil {
		return err
	}
	var v docketcard.Validation
	checkText := func(field, s string, required bool) bool {
		switch {
		case strings.TrimSpace(s) == "":
			if required {
				v.Add(field, "is required")
			}
			return false
		case !utf8.ValidString(s):
			v.Add(field, "is not valid UTF-8")
			return false
		}
		for _, f := range []fontID{fontRegular, fontBold} {
			if r, ok := fs[f].unprintable(s); !ok {
				v.Add(field, "contains %q, which the card's font cannot print", r)
				return false
			}
		}
		return true
	}
	if checkText("title", l.Title, true) {
		if _, ok := fitSize(fs[fontBold], l.Title, titleMaxPt, titleMinPt, titleWidth, titleTracking); !ok {
			v.Add("title", "is too long to print in the header (%.0f mm at %.1f pt or larger)", titleWidth, titleMinPt)
		}
	}
	if checkText("issuer", l.Issuer, true) {
		if _, ok := fitSize(fs[fontRegular], l.Issuer, issuerMaxPt, issuerMinPt, titleWidth, 0); !ok {
			v.Add("issuer", "is too long to print in the header (%.0f mm at %.1f pt or larger)", titleWidth, issuerMinPt)
		}
	}
	if checkText("notice", l.Notice, true) {
		if _, _, ok := fitParagraph(fs[fontRegular], l.Notice, noticeMaxPt, noticeMinPt, noticeBox.w, noticeBox.h); !ok {
			v.Add("notice", "is too long to fit on the back (%.0f × %.0f mm at %.1f pt or larger)", noticeBox.w, noticeBox.h, noticeMinPt)
		}
	}
	seen := map[string]bool{}
	known := true
	for i, name := range l.Fields {
		switch {
		case fieldSpecs[name].label == "":
			v.Add(fmt.Sprintf("fields[%d]", i), "unknown field %q; known fields are %s", name, strings.Join(FieldNames, ", "))
			known = false
		case seen[name]:
			v.Add(fmt.Sprintf("fields[%d]", i), "field %q is listed twice", name)
			known = false
		}
		seen[name] = true
	}
	if known {
		if _, rows := placeFields(l.Fields); rows > gridMaxRows {
			v.Add("fields", "%d fields need %d rows on the front, which has room for %d", len(l.Fields), rows, gridMaxRows)
		}
	}
	if _, ok := qrLevels[l.QRErrorCorrection]; !ok {
		v.Add("qr_error_correction", "must be L, M, Q or H, not %q", l.QRErrorCorrection)
	}
	if l.AccentColor.A != 255 {
		v.Add("accent_color", "must be opaque (alpha 255), not alpha %d", l.AccentColor.A)
	} else if cr := contrast(l.AccentColor, white); cr < 4.5 {
		v.Add("accent_color", "#%02x%02x%02x is too light: white text on it has a contrast ratio of %.1f:1, and at least 4.5:1 is needed",
			l.AccentColor.R, l.AccentColor.G, l.AccentColor.B, cr)
	}
	return v.Err("card layout")
}

// contrast is the WCAG 2 contrast ratio of two colours.
func contrast(a, b color.RGBA) float64 {
	lum := func(c color.RGBA) float64 {
		ch := func(u uint8) float64 {
			s := float64(u) / 255
			if s <= 0.03928 {
				return s / 12.92
			}
			return pow((s+0.055)/1.055, 2.4)
		}
		return 0.2126*ch(c.R) + 0.7152*ch(c.G) + 0.0722*ch(c.B)
	}
	la, lb := lum(a), lum(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// Limits on the input.
const (
	maxPhotoBytes  = 10 << 20
	maxPhotoPixels = 40_000_000
	maxTextRunes   = 120
)

// validate checks d and returns an EINVALID error naming every bad field.
func (d *Data) validate(fs [numFonts]*cardFont) error {
	var v docketcard.Validation
	text := func(field, s string, required bool, max int) {
		switch {
		case strings.TrimSpace(s) == "":
			if required {
				v.Add(field, "is required")
			}
			return
		case !utf8.ValidString(s):
			v.Add(field, "is not valid UTF-8")
			return
		case utf8.RuneCountInString(s) > max:
			v.Add(field, "is %d characters long; the card prints at most %d", utf8.RuneCountInString(s), max)
			return
		}
		for _, r := range s {
			if unicode.IsControl(r) {
				v.Add(field, "contains the control character %q", r)
				return
			}
		}
		for _, f := range []fontID{fontRegular, fontBold} {
			if r, ok := fs[f].unprintable(s); !ok {
				v.Add(field, "contains %q, which the card's font cannot print", r)
				return
			}
		}
	}
	text("card_number", d.CardNumber, true, 20)
	for _, r := range d.CardNumber {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			v.Add("card_number", "must be capital letters A-Z and digits only")
			break
		}
	}
	if err := docketcard.ValidateNamePart(d.FamilyNames, true); err != nil {
		v.Check("family_names", err)
	} else {
		text("family_names", d.FamilyNames, true, docketcard.MaxNameLength)
	}
	if err := docketcard.ValidateNamePart(d.GivenNames, false); err != nil {
		v.Check("given_names", err)
	} else {
		text("given_names", d.GivenNames, false, docketcard.MaxNameLength)
	}
	text("a_number", d.ANumber, true, 20)
	text("citizenship", d.Citizenship, true, 60)
	text("date_of_birth", d.DateOfBirth, true, 20)
	text("issuing_office", d.IssuingOffice, true, 60)
	text("portal_url", d.PortalURL, true, maxTextRunes)
	switch d.Sex {
	case "M", "F", "X":
	default:
		v.Add("sex", `must be "M", "F" or "X", not %q`, d.Sex)
	}
	if d.IssueDate.IsZero() {
		v.Add("issue_date", "is required")
	}
	if d.ExpiryDate.IsZero() {
		v.Add("expiry_date", "is required")
	} else if !d.IssueDate.IsZero() && !d.ExpiryDate.After(d.IssueDate) {
		v.Add("expiry_date", "must be after the issue date")
	}
	for i, line := range d.MRZ {
		field := fmt.Sprintf("mrz[%d]", i)
		if len(line) != 30 {
			v.Add(field, "must be 30 characters (TD1), not %d", utf8.RuneCountInString(line))
			continue
		}
		for _, r := range line {
			if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '<') {
				v.Add(field, "contains %q; an MRZ has only A-Z, 0-9 and <", r)
				break
			}
		}
	}
	if len(d.Photo) > maxPhotoBytes {
		v.Add("photo", "is %d bytes; the limit is %d", len(d.Photo), maxPhotoBytes)
	} else if !isJPEG(d.Photo) {
		v.Add("photo", "is not a JPEG image")
	}
	return v.Err("card data")
}

// isJPEG reports whether b starts with a JPEG start-of-image marker.
func isJPEG(b []byte) bool { return len(b) > 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff }

// prepared is a card ready to draw on either canvas.
type prepared struct {
	d         Data
	l         Layout
	fonts     [numFonts]*cardFont
	photo     *cardImage
	ghost     *cardImage
	qr        *qrCode
	guilloche *guilloche

	family, given textBlock   // names, set to fit
	values        []textBlock // field values, in the order of placeFields
	url           textBlock   // portal address
}

// prepare validates d and l and computes everything both canvases need.
// It writes nothing, so a failed card leaves a batch untouched.
func prepare(d Data, l Layout) (*prepared, error) {
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	if err := d.validate(fs); err != nil {
		return nil, err
	}
	q, err := encodeQR(d.QRPayload, l.QRErrorCorrection)
	if err != nil {
		return nil, err
	}
	photo, ghost, err := preparePhoto(d.Photo)
	if err != nil {
		return nil, err
	}
	p := &prepared{d: d, l: l, fonts: fs, photo: photo, ghost: ghost, qr: q}
	if err := p.setText(); err != nil {
		return nil, err
	}
	p.guilloche = newGuilloche(d.CardNumber, d.ANumber, l.AccentColor)
	return p, nil
}

// preparePhoto decodes the JPEG, crops it to 3:4 around its centre and
// makes the portrait and the ghost image at their printed pixel sizes.
func preparePhoto(b []byte) (photo, ghost *cardImage, err error) {
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fieldErr("photo", "is not a readable JPEG image: %v", err)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxPhotoPixels {
		return nil, nil, fieldErr("photo", "is %d × %d pixels; the limit is %d pixels", cfg.Width, cfg.Height, maxPhotoPixels)
	}
	if cfg.Width < 60 || cfg.Height < 80 {
		return nil, nil, fieldErr("photo", "is %d × %d pixels; at least 60 × 80 is needed", cfg.Width, cfg.Height)
	}
	src, err := jpeg.Decode(bytes.NewReader(b))
	if err != nil {
		return nil, nil, fieldErr("photo", "is not a readable JPEG image: %v", err)
	}
	sb := src.Bounds()
	crop := sb
	if sb.Dx()*4 > sb.Dy()*3 { // too wide
		w := sb.Dy() * 3 / 4
		crop.Min.X += (sb.Dx() - w) / 2
		crop.Max.X = crop.Min.X + w
	} else { // too tall
		h := sb.Dx() * 4 / 3
		crop.Min.Y += (sb.Dy() - h) / 2
		crop.Max.Y = crop.Min.Y + h
	}

	// Converting to RGBA first takes the scaler's fast path.
	rgba := image.NewRGBA(image.Rect(0, 0, crop.Dx(), crop.Dy()))
	stddraw.Draw(rgba, rgba.Bounds(), src, crop.Min, stddraw.Src)
	x0, y0, x1, y1 := photoRect.px()
	pm := image.NewRGBA(image.Rect(0, 0, x1-x0, y1-y0))
	xdraw.BiLinear.Scale(pm, pm.Bounds(), rgba, rgba.Bounds(), xdraw.Src, nil)
	var pj bytes.Buffer
	if err := jpeg.Encode(&pj, pm, &jpeg.Options{Quality: 92}); err != nil {
		return nil, nil, fmt.Errorf("card: encode photo: %w", err)
	}

	x0, y0, x1, y1 = ghostRect.px()
	gw, gh := x1-x0, y1-y0
	gm := image.NewGray(image.Rect(0, 0, gw, gh))
	xdraw.ApproxBiLinear.Scale(gm, gm.Bounds(), pm, pm.Bounds(), xdraw.Src, nil)
	fadeGhost(gm)
	var gj bytes.Buffer
	if err := jpeg.Encode(&gj, gm, &jpeg.Options{Quality: 90}); err != nil {
		return nil, nil, fmt.Errorf("card: encode ghost image: %w", err)
	}
	return &cardImage{img: pm, jpeg: pj.Bytes()}, &cardImage{img: gm, jpeg: gj.Bytes(), gray: true, multiply: true}, nil
}

// fadeGhost turns the greyscale copy of the photo into a ghost image: it
// stretches the levels so that a light backdrop becomes white, keeps about
// half of the remaining darkness and fades out towards the edge of an
// oval. The ghost is printed by multiplying, so white leaves the
// guilloche under it visible.
func fadeGhost(m *image.Gray) {
	b := m.Bounds()
	cx, cy := float64(b.Dx())/2, float64(b.Dy())/2
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			dx, dy := (float64(x)+0.5-cx)/cx, (float64(y)+0.5-cy)/cy
			rr := dx*dx + dy*dy
			k := 0.55
			if rr > 0.6 {
				k *= max(0, 1-(rr-0.6)/0.4)
			}
			i := m.PixOffset(x, y)
			v := min(1, max(0, (float64(m.Pix[i])/255)/0.9))
			m.Pix[i] = uint8(255 - 255*(1-v)*k + 0.5)
		}
	}
}

// Render draws the card and returns the PDF, the PNGs and the QR code's
// size. Invalid data or layout is EINVALID (a payload too long for the QR
// area is ETOOLARGE), naming the field.
func Render(d Data, l Layout) (*Output, error) {
	p, err := prepare(d, l)
	if err != nil {
		return nil, err
	}
	var pdf bytes.Buffer
	var front, back []byte
	var pngErr [2]error
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); front, pngErr[0] = p.png(drawFront) }()
	go func() { defer wg.Done(); back, pngErr[1] = p.png(drawBack) }()
	pw := newPDFWriter(&pdf, p.fonts, l.Title)
	pw.created = d.IssueDate
	err = p.writePDF(pw)
	if err == nil {
		err = pw.close()
	}
	wg.Wait()
	for _, e := range pngErr {
		if err == nil {
			err = e
		}
	}
	if err != nil {
		return nil, err
	}
	return &Output{
		PDF: pdf.Bytes(), FrontPNG: front, BackPNG: back,
		QRVersion: p.qr.version, QRModules: p.qr.size, ModuleMM: p.qr.moduleMM(),
	}, nil
}

// RenderPDF writes the card's two-page PDF to w.
func RenderPDF(w io.Writer, d Data, l Layout) error {
	b, err := NewBatchWriter(w, l)
	if err != nil {
		return err
	}
	if err := b.Add(d); err != nil {
		return err
	}
	return b.Close()
}

// writePDF draws both sides into pw.
func (p *prepared) writePDF(pw *pdfWriter) error {
	for _, draw := range []func(canvas, *prepared){drawFront, drawBack} {
		c := newPDFCanvas(p.fonts, &pw.usage)
		draw(c, p)
		if err := pw.addPage(c); err != nil {
			return err
		}
	}
	return nil
}

// png draws one side at 300 dpi and encodes it as a PNG with its
// resolution recorded (pHYs).
func (p *prepared) png(draw func(canvas, *prepared)) ([]byte, error) {
	c := newRasterCanvas(p.fonts)
	draw(c, p)
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.DefaultCompression}
	if err := enc.Encode(&b, c.dst); err != nil {
		return nil, fmt.Errorf("card: encode png: %w", err)
	}
	return withPHYs(b.Bytes()), nil
}

// BatchWriter writes many cards into one PDF, front and back pages in
// order, as a print batch. Each Add writes its card's pages to the
// underlying writer at once and keeps nothing of the card, so memory stays
// flat however many cards are added; only the PDF's cross-reference
// offsets (8 bytes per object, 15 objects per card: 120 bytes) grow, and
// the set of glyphs used, which is bounded by the fonts. Nothing is
// written before the first card. A BatchWriter is not safe for concurrent
// use.
type BatchWriter struct {
	pw    *pdfWriter
	l     Layout
	cards int
	err   error
}

// NewBatchWriter starts a batch PDF on w. The layout must be valid.
func NewBatchWriter(w io.Writer, l Layout) (*BatchWriter, error) {
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &BatchWriter{pw: newPDFWriter(w, fs, l.Title), l: l}, nil
}

// Add validates d and appends its front and back pages. Invalid data is
// an error that leaves the batch unchanged, so the caller may skip the
// card and go on; a write error is returned by every later call.
func (b *BatchWriter) Add(d Data) error {
	if b.err != nil {
		return b.err
	}
	p, err := prepare(d, b.l)
	if err != nil {
		return err
	}
	if err := p.writePDF(b.pw); err != nil {
		b.err = err
		return err
	}
	if d.IssueDate.After(b.pw.created) {
		b.pw.created = d.IssueDate
	}
	b.cards++
	return nil
}

// Cards returns how many cards have been added.
func (b *BatchWriter) Cards() int { return b.cards }

// Close finishes the PDF (fonts, page tree, cross-reference table). It
// does not close the underlying writer. A batch without cards is
// EINVALID and writes nothing.
func (b *BatchWriter) Close() error {
	if b.err != nil {
		return b.err
	}
	if b.cards == 0 {
		b.err = docketcard.Errorf(docketcard.EINVALID, "card batch has no cards")
		return b.err
	}
	b.err = b.pw.close()
	if b.err == nil {
		b.err = errClosed
	} else {
		return b.err
	}
	return nil
}

var errClosed = docketcard.Errorf(docketcard.EINVALID, "card batch is closed")

// fieldErr returns an EINVALID error about one field.
func fieldErr(field, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &docketcard.Error{Code: docketcard.EINVALID, Message: "Invalid card data: " + field + ": " + msg,
		Fields: []docketcard.FieldError{{Field: field, Message: msg}}}
}

func sprintf(format string, args ...any) string { return fmt.Sprintf(format, args...) }

func containsRune(s string, r rune) bool { return strings.ContainsRune(s, r) }
