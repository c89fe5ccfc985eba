package card

import (
	"bytes"
	"fmt"
	"image/color"
	"io"
	"strconv"
	"strings"

	"github.com/docketcard/docketcard"
)

// A proof sheet prints a batch on ordinary office paper, several cards to
// a page, so that an operator can check it by eye before card blanks are
// spent. Each card is shown front and back side by side at true size (a
// ruler on the printed outline reads 85.60 × 53.98 mm when the sheet is
// printed at 100 %), with a thin cut outline and a caption.
//
// The sides are drawn by the same drawFront and drawBack on the same PDF
// canvas as a card batch; each is written as a form XObject (a reusable
// piece of content with its own resources) as soon as its card is added,
// and the page that places them is written when it is full. Forms keep
// each side's resource names (/I0, /G0, ...) apart, so several card
// canvases can share a page without renaming anything, and the card
// drawing needs no change to be moved on a larger page.

// Paper is the paper size of a proof sheet.
type Paper string

// The paper sizes a proof sheet can be printed on.
const (
	PaperA4     Paper = "a4"     // ISO 216 A4, 210 × 297 mm
	PaperLetter Paper = "letter" // US Letter, 8.5 × 11 in (215.9 × 279.4 mm)
)

// paperSizes is width and height in mm, portrait.
var paperSizes = map[Paper][2]float64{
	PaperA4:     {210, 297},
	PaperLetter: {215.9, 279.4},
}

// ParsePaper returns the paper named s ("a4" or "letter", in any case).
// Anything else is EINVALID.
func ParsePaper(s string) (Paper, error) {
	p := Paper(strings.ToLower(strings.TrimSpace(s)))
	if _, ok := paperSizes[p]; !ok {
		return "", docketcard.Errorf(docketcard.EINVALID, "unknown paper size %q: must be %q or %q", s, PaperA4, PaperLetter)
	}
	return p, nil
}

// Sheet geometry, mm. Office printers cannot print to the edge of the
// paper, so nothing comes closer than sheetMargin to it.
const (
	sheetMargin = 10.0
	sheetHeadH  = 10.0 // header lines above the first row
	pairGap     = 8.0  // between a card's front and back
	captionH    = 5.0  // under each row, for the captions
	rowGap      = 3.0  // between a row's captions and the next row
	outlineW    = 0.1  // cut outline
	captionPt   = 7.0
	headPt      = 10.0
	notePt      = 6.5
)

// outlineInk is the cut outline's grey: visible on white paper and on the
// card's white edge, but lighter than any text.
var outlineInk = color.RGBA{110, 110, 110, 255}

// sheetGeom is where the cards go on one paper size.
type sheetGeom struct {
	w, h float64 // paper, mm
	x    float64 // left edge of the fronts; the backs are cardW+pairGap right of it
	top  float64 // top edge of the first row
	rows int     // cards per page
}

func sheetLayout(paper Paper) (sheetGeom, bool) {
	size, ok := paperSizes[paper]
	if !ok {
		return sheetGeom{}, false
	}
	g := sheetGeom{w: size[0], h: size[1], top: sheetMargin + sheetHeadH}
	g.x = (g.w - (2*cardW + pairGap)) / 2
	// A row is the card and its caption; the last row needs no gap.
	g.rows = int((g.h - sheetMargin - g.top + rowGap) / (cardH + captionH + rowGap))
	return g, g.rows > 0 && g.x >= sheetMargin
}

// rowTop returns the top edge of the cards in row i.
func (g sheetGeom) rowTop(i int) float64 { return g.top + float64(i)*(cardH+captionH+rowGap) }

// ProofWriter writes a proof sheet: a PDF on A4 or Letter paper with the
// front and back of each card side by side at true size, four cards to a
// page. Like BatchWriter it streams: each Add writes its card's two sides
// at once and keeps nothing of the card but their object numbers and
// caption until its page is written, so memory stays flat for a batch of
// any size. Nothing is written before the first card. A
// ProofWriter is not safe for concurrent use.
type ProofWriter struct {
	pw    *pdfWriter
	l     Layout
	geom  sheetGeom
	slots []proofSlot // cards on the current page, not yet written
	cards int
	err   error
}

// proofSlot is a card placed on the current page.
type proofSlot struct {
	front, back int    // form XObjects
	caption     string // "3. DC1234567"
}

// NewProofWriter starts a proof sheet on w. The layout must be valid and
// the paper one of PaperA4 and PaperLetter.
func NewProofWriter(w io.Writer, l Layout, paper Paper) (*ProofWriter, error) {
	g, ok := sheetLayout(paper)
	if !ok {
		return nil, docketcard.Errorf(docketcard.EINVALID, "unknown paper size %q: must be %q or %q", paper, PaperA4, PaperLetter)
	}
	fs, err := fonts()
	if err != nil {
		return nil, err
	}
	if err := l.Validate(); err != nil {
		return nil, err
	}
	return &ProofWriter{pw: newPDFWriter(w, fs, l.Title+" (proof)"), l: l, geom: g}, nil
}

// Add validates d and writes its front and back; a full page is written
// at once. Invalid data is an error that leaves the sheet unchanged, so
// the caller may skip the card and go on; a write error is returned by
// every later call.
func (s *ProofWriter) Add(d Data) error {
	if s.err != nil {
		return s.err
	}
	p, err := prepare(d, s.l)
	if err != nil {
		return err
	}
	pw := s.pw
	if !pw.started {
		pw.start()
	}
	var forms [2]int
	for i, draw := range []func(canvas, *prepared){drawFront, drawBack} {
		c := newPDFCanvas(p.fonts, &pw.usage)
		draw(c, p)
		forms[i] = writeCardForm(pw, c)
	}
	// The caption numbers the card in the order of the sheet, which is
	// the order of the batch less any skipped cards.
	s.slots = append(s.slots, proofSlot{front: forms[0], back: forms[1], caption: strconv.Itoa(s.cards+1) + ". " + d.CardNumber})
	if d.IssueDate.After(pw.created) {
		pw.created = d.IssueDate
	}
	if len(s.slots) == s.geom.rows {
		err = s.writePage()
	} else {
		err = s.flush()
	}
	if err != nil {
		return err
	}
	s.cards++
	return nil
}

// Cards returns how many cards have been added.
func (s *ProofWriter) Cards() int { return s.cards }

// Close writes the last page if it is not full and finishes the PDF. It
// does not close the underlying writer. A sheet without cards is EINVALID
// and writes nothing.
func (s *ProofWriter) Close() error {
	if s.err != nil {
		return s.err
	}
	if s.cards == 0 {
		s.err = docketcard.Errorf(docketcard.EINVALID, "proof sheet has no cards")
		return s.err
	}
	if len(s.slots) > 0 {
		if err := s.writePage(); err != nil {
			return err
		}
	}
	if err := s.pw.close(); err != nil {
		s.err = err
		return err
	}
	s.err = errProofClosed
	return nil
}

var errProofClosed = docketcard.Errorf(docketcard.EINVALID, "proof sheet is closed")

// flush sends what is buffered to the writer; an error sticks.
func (s *ProofWriter) flush() error {
	if err := s.pw.bw.Flush(); err != nil {
		s.pw.err = err
		s.err = err
	}
	return s.err
}

// writeCardForm writes one drawn card side as a form XObject whose space
// is the card page's (points, origin at the bottom left corner) and
// returns its object number.
func writeCardForm(pw *pdfWriter, c *pdfCanvas) int {
	content := c.finish()
	res := canvasResources(pw, c)
	n := pw.newObj()
	bbox := "[0 0 " + string(appendNum(nil, mmToPt(cardW), 4)) + " " + string(appendNum(nil, mmToPt(cardH), 4)) + "]"
	pw.stream(n, "/Type /XObject /Subtype /Form /BBox "+bbox+" /Resources << "+res+" >>", content, true)
	return n
}

// writePage writes the current page: the card sides placed in their rows,
// the outlines and captions over them and the header, then hangs it in
// the page tree as pdfWriter.addPage does.
func (s *ProofWriter) writePage() error {
	pw, g := s.pw, s.geom
	page := pw.pages + 1

	// The sides are placed in PDF points with an exact translation, so
	// that they print at true size wherever they are on the sheet.
	var content bytes.Buffer
	var xobj strings.Builder
	xobj.WriteString(" /XObject <<")
	for i, slot := range s.slots {
		y := g.rowTop(i)
		for j, form := range []int{slot.front, slot.back} {
			x := g.x + float64(j)*(cardW+pairGap)
			name := "/P" + strconv.Itoa(2*i+j)
			content.WriteString("q 1 0 0 1 ")
			content.Write(appendNum(nil, mmToPt(x), 4))
			content.WriteByte(' ')
			content.Write(appendNum(nil, mmToPt(g.h-y-cardH), 4))
			content.WriteString(" cm " + name + " Do Q\n")
			fmt.Fprintf(&xobj, " %s %d 0 R", name, form)
		}
	}
	xobj.WriteString(" >>")

	// Everything else is drawn on a canvas in mm with y down, like a
	// card's, but over the whole sheet. The scale is written with more
	// digits than a card's, since errors grow with the distance from the
	// origin.
	c := &pdfCanvas{fonts: pw.fonts, usage: &pw.usage}
	c.ops("q ")
	k := string(appendNum(nil, mmToPt(1), 6))
	c.ops(k + " 0 0 -" + k + " 0 " + string(appendNum(nil, mmToPt(g.h), 4)) + " cm 1 J 1 j\n")
	fs := pw.fonts
	right := g.x + 2*cardW + pairGap
	headBase := sheetMargin + fs[fontBold].capHeightMM(headPt)
	c.text(g.x, headBase, textStyle{font: fontBold, size: headPt, color: notValid}, "PROOF — NOT A VALID CARD")
	pageText := "page " + strconv.Itoa(page)
	c.text(right-fs[fontRegular].width(pageText, headPt, 0), headBase, textStyle{font: fontRegular, size: headPt, color: ink}, pageText)
	c.text(g.x, headBase+4.2, textStyle{font: fontRegular, size: notePt, color: softInk},
		"Print at actual size (100 %, no scaling): each card outline measures 85.60 × 53.98 mm.")
	caption := textStyle{font: fontRegular, size: captionPt, color: ink}
	for i, slot := range s.slots {
		y := g.rowTop(i)
		for j, side := range []string{"front", "back"} {
			x := g.x + float64(j)*(cardW+pairGap)
			c.stroke(rectPath(rect{x, y, cardW, cardH}), outlineW, outlineInk)
			c.text(x, y+cardH+3.6, caption, slot.caption+" · "+side)
		}
	}
	content.Write(c.finish())

	contents := pw.newObj()
	pw.stream(contents, "", content.Bytes(), true)
	if pw.nodeObj == 0 {
		pw.nodeObj = pw.newObj()
	}
	obj := pw.newObj()
	pw.begin(obj)
	pw.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << %s%s >> /Contents %d 0 R >>\nendobj\n",
		pw.nodeObj, appendNum(nil, mmToPt(g.w), 4), appendNum(nil, mmToPt(g.h), 4), fontResources(pw), xobj.String(), contents)
	pw.nodeKids = append(pw.nodeKids, obj)
	pw.pages++
	if len(pw.nodeKids) == pagesPerNode {
		pw.flushNode()
	}
	s.slots = s.slots[:0]
	return s.flush()
}
