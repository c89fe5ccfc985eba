package card

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image/color"
	"math"
	"strings"
	"time"
)

// Front geometry, mm from the top left corner. ISO/IEC 7810 ID-1 cards
// have corners of radius 3.18 mm, so nothing that must be read comes
// closer than about 3 mm to an edge.
const (
	margin     = 3.4
	headerH    = 9.4 // accent band with the title
	titleX     = 12.6
	titleWidth = cardW - margin - titleX
	bandH      = 6.0 // red band at the bottom: NOT VALID ...
	bandTop    = cardH - bandH

	titleMaxPt, titleMinPt   = 9.0, 6.0
	titleTracking            = 0.12
	issuerMaxPt, issuerMinPt = 5.8, 4.5

	dataX       = 29.2 // left edge of the names and fields
	gridTop     = 24.3 // top of the first field row
	rowH        = 4.4
	colW        = 20.6 // one field column
	wideW       = 2*colW - 0.6
	gridMaxRows = 5

	labelPt = 4.3
	valuePt = 6.6
	microPt = 1.35 // capital height about 0.34 mm
)

var (
	// Photo: 22 × 29.33 mm (3:4), centred between the header and the band.
	photoRect = rect{margin + 0.2, headerH + (bandTop-headerH-29.333)/2, 22, 29.333}
	// Ghost image: small faded copy of the photo beside the fields.
	ghostRect = rect{dataX + 2*colW + 1.2, gridTop + 1.6, 10.5, 14}
)

// Back geometry.
var (
	// mrzTop is the top of the TD1 machine readable zone: the bottom
	// 17.9 mm of the back (ICAO Doc 9303 Part 5 effective reading zone),
	// kept free of background pattern.
	mrzTop = cardH - 17.9
	// backX is the left edge of the text column right of the QR slot.
	backX     = pxToMM(qrSlotXPx+qrSlotPx) + 2.6
	backW     = cardW - margin - backX
	noticeBox = rect{backX, 15.2, backW, mrzTop - 15.2 - 2.3}
)

const (
	noticeMaxPt, noticeMinPt = 5.4, 3.8
	noticeLeading            = 1.22 // line height / font size

	// The MRZ: OCR-B size 1 has a fixed pitch of 2.54 mm (10 characters
	// per inch) and characters about 2.4 mm high. Go Mono is set so that
	// capitals are mrzCapMM high and spaced out to the ICAO pitch, so the
	// 30 characters span 76.2 mm, centred on the card. The centre lines
	// of the three lines are mrzLineSpace (1/6 inch) apart, the lowest
	// mrzBottom above the bottom edge, all inside the 17.9 mm zone. These
	// are nominal positions; check a printed card against the tolerances
	// of Doc 9303 Part 5 before production.
	mrzPitch     = 2.54
	mrzCapMM     = 2.42
	mrzLineSpace = 4.23
	mrzBottom    = 6.35
)

// Colours that do not depend on the layout.
var (
	ink      = color.RGBA{20, 24, 33, 255}  // text
	notValid = color.RGBA{170, 28, 42, 255} // the NOT VALID band
	softInk  = color.RGBA{60, 66, 78, 255}  // notice
	mrzInk   = color.RGBA{0, 0, 0, 255}
)

// fieldSpec is one printable front field.
type fieldSpec struct {
	label string
	wide  bool // takes a whole row
	value func(d *Data) string
}

var fieldSpecs = map[string]fieldSpec{
	"a_number":       {"A-NUMBER", false, func(d *Data) string { return d.ANumber }},
	"citizenship":    {"CITIZENSHIP", false, func(d *Data) string { return strings.ToUpper(d.Citizenship) }},
	"date_of_birth":  {"DATE OF BIRTH", false, func(d *Data) string { return strings.ToUpper(d.DateOfBirth) }},
	"sex":            {"SEX", false, func(d *Data) string { return d.Sex }},
	"card_number":    {"CARD NO.", false, func(d *Data) string { return d.CardNumber }},
	"issue_date":     {"ISSUED", false, func(d *Data) string { return cardDate(d.IssueDate) }},
	"expiry_date":    {"EXPIRES", false, func(d *Data) string { return cardDate(d.ExpiryDate) }},
	"issuing_office": {"ISSUING OFFICE", true, func(d *Data) string { return strings.ToUpper(d.IssuingOffice) }},
}

// cardDate prints a date as on travel documents: "02 JAN 2026".
func cardDate(t time.Time) string { return strings.ToUpper(t.Format("02 Jan 2006")) }

// fieldCell is where one field goes.
type fieldCell struct {
	name     string
	row, col int
}

// placeFields lays the fields out in reading order on a two-column grid;
// a wide field takes a row of its own. It returns the cells and the number
// of rows used.
func placeFields(names []string) ([]fieldCell, int) {
	var cells []fieldCell
	row, col := 0, 0
	for _, name := range names {
		if fieldSpecs[name].wide {
			if col != 0 {
				row, col = row+1, 0
			}
			cells = append(cells, fieldCell{name, row, 0})
			row++
			continue
		}
		cells = append(cells, fieldCell{name, row, col})
		if col++; col == 2 {
			row, col = row+1, 0
		}
	}
	if col != 0 {
		row++
	}
	return cells, row
}

// fitSize returns the largest size from maxPt down to minPt, in steps of
// 0.1 pt, at which s is at most width mm wide, and false if s does not
// fit even at minPt.
func fitSize(f *cardFont, s string, maxPt, minPt, width, tracking float64) (float64, bool) {
	gs := f.shape(s)
	for size := maxPt; size >= minPt-1e-9; size -= 0.1 {
		if f.glyphsWidth(gs, size, tracking) <= width {
			return size, true
		}
	}
	return minPt, false
}

// wrap breaks s into lines at most width mm wide at size pt, between
// words where possible.
func wrap(f *cardFont, s string, size, width float64) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(s) {
		try := word
		if line != "" {
			try = line + " " + word
		}
		if f.width(try, size, 0) <= width {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		// A word wider than the line is broken between characters.
		line = ""
		for _, r := range word {
			if line != "" && f.width(line+string(r), size, 0) > width {
				lines = append(lines, line)
				line = ""
			}
			line += string(r)
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// fitParagraph wraps s into a box w × h mm at the largest size from maxPt
// down to minPt that fits.
func fitParagraph(f *cardFont, s string, maxPt, minPt, w, h float64) ([]string, float64, bool) {
	for size := maxPt; size >= minPt-1e-9; size -= 0.1 {
		lines := wrap(f, s, size, w)
		if float64(len(lines))*ptToMM(size)*noticeLeading <= h {
			return lines, size, true
		}
	}
	return wrap(f, s, minPt, w), minPt, false
}

// textBlock is text set on one or more lines at one size.
type textBlock struct {
	lines     []string
	size      float64   // pt
	baselines []float64 // mm from the top of the card
}

// fitSpec says where and how large a piece of variable text may be set.
type fitSpec struct {
	maxPt, minPt float64 // range of sizes
	oneLineMinPt float64 // below this size, wrap rather than shrink one line
	width        float64 // mm
	top          float64 // the first line's capitals may not rise above this
	baseline     float64 // baseline of a single line
	bottom       float64 // lowest baseline when there are several lines
	maxLines     int
	leading      float64 // line height / size
}

// fit sets s: on one line as large as possible down to oneLineMinPt, else
// on as few lines (up to maxLines) as possible, as large as possible down
// to minPt, the last baseline at bottom. It returns false if s does not
// fit at all.
func (sp fitSpec) fit(f *cardFont, s string) (textBlock, bool) {
	gs := f.shape(s)
	for size := sp.maxPt; size >= sp.oneLineMinPt-1e-9; size -= 0.1 {
		if f.glyphsWidth(gs, size, 0) <= sp.width && f.capHeightMM(size) <= sp.baseline-sp.top {
			return textBlock{[]string{s}, size, []float64{sp.baseline}}, true
		}
	}
	for n := 2; n <= sp.maxLines; n++ {
		for size := sp.maxPt; size >= sp.minPt-1e-9; size -= 0.1 {
			lh := ptToMM(size) * sp.leading
			if f.capHeightMM(size)+float64(n-1)*lh > sp.bottom-sp.top {
				continue
			}
			lines := wrap(f, s, size, sp.width)
			if len(lines) > n {
				continue
			}
			b := textBlock{lines: lines, size: size}
			for i := range lines {
				b.baselines = append(b.baselines, sp.bottom-float64(len(lines)-1-i)*lh)
			}
			return b, true
		}
	}
	return textBlock{}, false
}

// draw draws the block.
func (b textBlock) draw(c canvas, x float64, font fontID, col color.RGBA) {
	for i, line := range b.lines {
		c.text(x, b.baselines[i], textStyle{font: font, size: b.size, color: col}, line)
	}
}

// Where the variable text of the front goes.
var (
	familySpec = fitSpec{maxPt: 10, minPt: 4.4, oneLineMinPt: 7, width: cardW - margin - dataX,
		top: 12.9, baseline: 16.4, bottom: 17.3, maxLines: 3, leading: 1.08}
	givenSpec = fitSpec{maxPt: 7.6, minPt: 4.4, oneLineMinPt: 5.6, width: cardW - margin - dataX,
		top: 19.5, baseline: 22.05, bottom: 23.3, maxLines: 3, leading: 1.08}
	urlSpec = fitSpec{maxPt: 6.4, minPt: 3.6, oneLineMinPt: 3.6, width: backW,
		top: 9.6, baseline: 12.4, bottom: 12.4, maxLines: 1, leading: 1}
)

// valueSpec is where a field's value goes, relative to its row.
func valueSpec(wide bool, top float64) fitSpec {
	w := colW - 0.8
	if wide {
		w = wideW
	}
	return fitSpec{maxPt: valuePt, minPt: 3.6, oneLineMinPt: 4.6, width: w,
		top: top + 1.75, baseline: top + 3.75, bottom: top + 4.15, maxLines: 2, leading: 1.05}
}

// setText lays out the card's variable text, or returns an EINVALID
// error naming the field that does not fit.
func (p *prepared) setText() error {
	fs, d := p.fonts, &p.d
	var ok bool
	if p.family, ok = familySpec.fit(fs[fontBold], strings.ToUpper(d.FamilyNames)); !ok {
		return fieldErr("family_names", "is too long to print on the card")
	}
	if d.GivenNames != "" {
		// Given names are never set larger than family names.
		gs := givenSpec
		gs.maxPt = min(gs.maxPt, p.family.size)
		if p.given, ok = gs.fit(fs[fontBold], strings.ToUpper(d.GivenNames)); !ok {
			return fieldErr("given_names", "is too long to print on the card")
		}
	}
	cells, _ := placeFields(p.l.Fields)
	p.values = make([]textBlock, len(cells))
	for i, cell := range cells {
		spec := fieldSpecs[cell.name]
		top := gridTop + float64(cell.row)*rowH
		if p.values[i], ok = valueSpec(spec.wide, top).fit(fs[fontBold], spec.value(d)); !ok {
			return fieldErr(cell.name, "is too long to print on the card")
		}
	}
	if p.url, ok = urlSpec.fit(fs[fontRegular], d.PortalURL); !ok {
		return fieldErr("portal_url", "is too long to print on the card (%.0f mm at %.1f pt or larger)", urlSpec.width, urlSpec.minPt)
	}
	return nil
}

// microtext repeats s along a line from x0 to x1 at baseline y.
func microtext(c canvas, fs [numFonts]*cardFont, x0, x1, y float64, s string, col color.RGBA) {
	f := fs[fontBold]
	unit := f.width(s, microPt, 0)
	if unit <= 0 {
		return
	}
	var b strings.Builder
	w := 0.0
	for w+unit <= x1-x0 {
		b.WriteString(s)
		w += unit
	}
	for _, r := range s {
		rw := f.width(string(r), microPt, 0)
		if w+rw > x1-x0 {
			break
		}
		b.WriteRune(r)
		w += rw
	}
	c.text(x0, y, textStyle{font: fontBold, size: microPt, color: col}, b.String())
}

// microString is the text the microtext repeats: card number and names.
func microString(d *Data) string {
	s := d.CardNumber + " • " + strings.ToUpper(d.FamilyNames)
	if d.GivenNames != "" {
		s += " " + strings.ToUpper(d.GivenNames)
	}
	return s + " • "
}

// label draws a small field label.
func label(c canvas, p *prepared, x, y float64, s string) {
	c.text(x, y, textStyle{font: fontRegular, size: labelPt, color: p.l.AccentColor}, s)
}

// drawFront draws the front of the card.
func drawFront(c canvas, p *prepared) {
	fs, d, l := p.fonts, &p.d, &p.l
	accent := l.AccentColor

	c.fillRect(rect{0, 0, cardW, cardH}, white)
	for _, g := range p.guilloche.front {
		c.strokeFamily(g)
	}

	// Header: accent band with its own fine waves, the emblem, title
	// and issuer.
	header := rect{0, 0, cardW, headerH}
	c.fillRect(header, accent)
	c.clip(header)
	for _, g := range p.guilloche.header {
		c.strokeFamily(g)
	}
	c.unclip()
	c.fillRect(rect{0, headerH, cardW, 0.35}, mix(accent, white, 0.55))
	emblem(c, margin+4.1, headerH/2, white)
	size, _ := fitSize(fs[fontBold], l.Title, titleMaxPt, titleMinPt, titleWidth, titleTracking)
	c.text(titleX, 4.6, textStyle{font: fontBold, size: size, color: white, tracking: titleTracking}, l.Title)
	size, _ = fitSize(fs[fontRegular], l.Issuer, issuerMaxPt, issuerMinPt, titleWidth, 0)
	c.text(titleX, 7.65, textStyle{font: fontRegular, size: size, color: mix(accent, white, 0.85)}, l.Issuer)

	// Photo with a thin frame.
	c.fillRect(rect{photoRect.x - 0.3, photoRect.y - 0.3, photoRect.w + 0.6, photoRect.h + 0.6}, white)
	c.image(photoRect, p.photo)
	c.stroke(rectPath(photoRect), 0.12, mix(accent, white, 0.3))

	// Names: family names larger.
	label(c, p, dataX, 12.5, "FAMILY NAME(S)")
	p.family.draw(c, dataX, fontBold, ink)
	label(c, p, dataX, 19.1, "GIVEN NAME(S)")
	if d.GivenNames != "" {
		p.given.draw(c, dataX, fontBold, ink)
	} else {
		c.text(dataX, givenSpec.baseline, textStyle{font: fontBold, size: 7.6, color: ink}, "—")
	}

	// Ghost image beside the fields, under them in the drawing order.
	c.image(ghostRect, p.ghost)

	// Fields.
	cells, _ := placeFields(l.Fields)
	for i, cell := range cells {
		x := dataX + float64(cell.col)*colW
		top := gridTop + float64(cell.row)*rowH
		label(c, p, x, top+1.35, fieldSpecs[cell.name].label)
		p.values[i].draw(c, x, fontBold, ink)
	}

	// Microtext along the top of the band.
	microtext(c, fs, margin, cardW-margin, bandTop-0.45, microString(d), accent)

	// NOT VALID band.
	c.fillRect(rect{0, bandTop, cardW, bandH}, notValid)
	const nv = "NOT VALID FOR FEDERAL IDENTIFICATION"
	size, _ = fitSize(fs[fontBold], nv, 8.0, 5, cardW-2*margin-4, 0.1)
	w := fs[fontBold].width(nv, size, 0.1)
	c.text((cardW-w)/2, bandTop+(bandH+fs[fontBold].capHeightMM(size))/2, textStyle{font: fontBold, size: size, color: white, tracking: 0.1}, nv)
}

// drawBack draws the back of the card.
func drawBack(c canvas, p *prepared) {
	fs, d, l := p.fonts, &p.d, &p.l
	accent := l.AccentColor

	c.fillRect(rect{0, 0, cardW, cardH}, white)
	for _, g := range p.guilloche.back {
		c.strokeFamily(g)
	}
	// The MRZ zone is kept clear of the pattern.
	c.fillRect(rect{0, mrzTop, cardW, cardH - mrzTop}, white)
	c.fillRect(rect{margin, mrzTop - 0.15, cardW - 2*margin, 0.15}, mix(accent, white, 0.5))

	// QR code, on white with its quiet zone.
	box, qx, qy := p.qr.box()
	c.fillRect(box, white)
	c.qr(qx, qy, p.qr.moduleMM(), p.qr)

	// Text column.
	c.text(backX, 5.2, textStyle{font: fontBold, size: 6.2, color: accent, tracking: 0.08}, l.Title)
	c.text(backX, 9.3, textStyle{font: fontBold, size: 6.4, color: ink}, "Check your hearings:")
	p.url.draw(c, backX, fontRegular, accent)
	c.fillRect(rect{backX, 13.7, backW, 0.12}, mix(accent, white, 0.6))
	lines, size, _ := fitParagraph(fs[fontRegular], l.Notice, noticeMaxPt, noticeMinPt, noticeBox.w, noticeBox.h)
	lh := ptToMM(size) * noticeLeading
	for i, line := range lines {
		c.text(noticeBox.x, noticeBox.y+fs[fontRegular].capHeightMM(size)+float64(i)*lh,
			textStyle{font: fontRegular, size: size, color: softInk}, line)
	}

	// Microtext just above the MRZ zone.
	microtext(c, fs, margin, cardW-margin, mrzTop-0.55, microString(d), accent)

	// MRZ.
	mono := fs[fontMono]
	msize := mrzCapMM / mono.capHeightMM(1)
	advance := float64(mono.advance[mono.cmap['<']]) / mono.unitsPerEm * ptToMM(msize)
	tracking := mrzPitch - advance
	x := (cardW - 30*mrzPitch + tracking) / 2
	for i, line := range d.MRZ {
		centre := cardH - mrzBottom - float64(2-i)*mrzLineSpace
		c.text(x, centre+mrzCapMM/2, textStyle{font: fontMono, size: msize, color: mrzInk, tracking: tracking}, line)
	}
}

// withPHYs adds a pHYs chunk (300 dpi) after the IHDR chunk of a PNG, so
// that printing and image tools know its physical size.
func withPHYs(b []byte) []byte {
	const ihdrEnd = 8 + 8 + 13 + 4
	if len(b) < ihdrEnd || !bytes.Equal(b[12:16], []byte("IHDR")) {
		return b
	}
	ppm := uint32(math.Round(dpi / 0.0254))
	chunk := make([]byte, 0, 21)
	chunk = binary.BigEndian.AppendUint32(chunk, 9)
	chunk = append(chunk, "pHYs"...)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = binary.BigEndian.AppendUint32(chunk, ppm)
	chunk = append(chunk, 1) // unit: metre
	chunk = binary.BigEndian.AppendUint32(chunk, crc32.ChecksumIEEE(chunk[4:]))
	out := make([]byte, 0, len(b)+len(chunk))
	out = append(out, b[:ihdrEnd]...)
	out = append(out, chunk...)
	return append(out, b[ihdrEnd:]...)
}

func pow(x, y float64) float64 { return math.Pow(x, y) }
