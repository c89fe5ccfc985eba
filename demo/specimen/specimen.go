// Package specimen renders one-page specimen PDF documents for synthetic
// demo people: a notice to appear, release and supervision orders, an
// arrival/departure record, a hearing notice, or any other document.
//
// The pages only show how the demo system presents a person's details.
// Their wording is the package's own short, plain English, not the text
// of any real form, and every page carries a large "SPECIMEN" watermark
// and the footer "SPECIMEN — SYNTHETIC DEMO DATA — NOT A GOVERNMENT
// RECORD". Output is deterministic: the same Fields give the same bytes.
package specimen

import (
	"bytes"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/go-pdf/fpdf"
	"golang.org/x/text/unicode/norm"

	"github.com/docketcard/docketcard"
)

// Kind names the kind of document a specimen stands for.
type Kind string

// The kinds of specimen documents.
const (
	KindNoticeToAppear Kind = "I-862"          // notice to appear
	KindRecognizance   Kind = "I-220A"         // order of release on recognizance
	KindSupervision    Kind = "I-220B"         // order of supervision
	KindArrival        Kind = "I-94"           // arrival/departure record
	KindHearingNotice  Kind = "hearing-notice" // notice of hearing
	KindOther          Kind = "other"          // any other document
)

// Kinds lists every kind, in a stable order.
var Kinds = []Kind{KindNoticeToAppear, KindRecognizance, KindSupervision, KindArrival, KindHearingNotice, KindOther}

// Fields are the details printed on a specimen. Only Kind and IssueDate
// (YYYY-MM-DD) are required; empty fields print as a dash.
type Fields struct {
	Kind                    Kind
	FamilyNames, GivenNames string
	ANumber                 string
	DateOfBirth             string
	Citizenship             string
	Court                   string
	IssueDate               string
	HearingAt               string // optional
	Address                 string
}

// Banner is printed in the footer of every specimen.
const Banner = "SPECIMEN — SYNTHETIC DEMO DATA — NOT A GOVERNMENT RECORD"

// text is the wording for one kind of specimen.
type text struct {
	title   string   // page title
	intro   string   // what such a document is for
	notes   []string // what a real one would contain
	hearing bool     // always show the hearing row, even when unset
}

// texts holds the package's own wording for each kind.
var texts = map[Kind]text{
	KindNoticeToAppear: {
		title: "Notice to Appear (specimen)",
		intro: "A notice of this kind tells a person that a removal case has been opened against them " +
			"and that they will have to go before an immigration judge. This page only shows how the " +
			"demo system lays out such a notice.",
		notes: []string{
			"The reasons the case was opened would be set out here.",
			"The court that holds the case is named above.",
			"If a first hearing is set, its date and time appear above; if not, they are sent later.",
		},
		hearing: true,
	},
	KindRecognizance: {
		title: "Order of Release on Recognizance (specimen)",
		intro: "An order of this kind lets a person leave custody while their case goes on, " +
			"as long as they follow the conditions they were given. This page only shows how the " +
			"demo system lays out such an order.",
		notes: []string{
			"The conditions of release would be listed here, such as when and where to report.",
			"The person would be told to keep their address up to date.",
			"Missing a required appearance can have serious consequences.",
		},
	},
	KindSupervision: {
		title: "Order of Supervision (specimen)",
		intro: "An order of this kind sets out how a person must stay in touch with the authorities " +
			"while they remain in the country. This page only shows how the demo system lays out " +
			"such an order.",
		notes: []string{
			"The reporting schedule would be listed here.",
			"Any limits on travel or work would be listed here.",
			"Every change of address would have to be reported.",
		},
	},
	KindArrival: {
		title: "Arrival/Departure Record (specimen)",
		intro: "A record of this kind shows when and how a person arrived in or left the country, " +
			"and how long they were allowed to stay. This page only shows how the demo system lays " +
			"out such a record.",
		notes: []string{
			"The date, place and class of admission would be shown here.",
			"The date until which the stay was allowed would be shown here.",
		},
	},
	KindHearingNotice: {
		title: "Notice of Hearing in Removal Proceedings (specimen)",
		intro: "A notice of this kind tells a person when and where their next hearing before an " +
			"immigration judge will take place. This page only shows how the demo system lays out " +
			"such a notice.",
		notes: []string{
			"Arrive early and bring this notice and a photo ID.",
			"Tell the court at once about any change of address.",
			"Ask the court in advance if you need an interpreter.",
		},
		hearing: true,
	},
	KindOther: {
		title: "Immigration Document (specimen)",
		intro: "This page stands for any other document kept on file for the person named below. " +
			"It only shows how the demo system lays out a person's details.",
		notes: []string{
			"A short description of the document would appear here.",
		},
	},
}

// Page geometry, in millimetres, on US Letter paper.
const (
	pageW, pageH = 215.9, 279.4
	margin       = 18.0
	contentW     = pageW - 2*margin
)

// Colours.
var (
	red   = [3]int{180, 20, 30}
	grey  = [3]int{110, 110, 110}
	rule  = [3]int{190, 190, 190}
	black = [3]int{20, 20, 20}
)

// Render returns a one-page Letter PDF specimen of the kind f.Kind showing
// the details in f. An unknown kind or an IssueDate that is not YYYY-MM-DD
// is an EINVALID error.
func Render(f Fields) ([]byte, error) {
	t, ok := texts[f.Kind]
	if !ok {
		return nil, docketcard.Errorf(docketcard.EINVALID, "unknown specimen kind %q", string(f.Kind))
	}
	issued, err := docketcard.ParseDate(f.IssueDate)
	if err != nil {
		return nil, docketcard.Errorf(docketcard.EINVALID, "specimen issue date %q must be a real date written YYYY-MM-DD", f.IssueDate)
	}

	pdf := fpdf.New("P", "mm", "Letter", "")
	// Deterministic output: fixed dates, sorted catalogue, compressed
	// streams (zlib output depends only on its input).
	stamp := time.Date(issued.Year(), issued.Month(), issued.Day(), 12, 0, 0, 0, time.UTC)
	pdf.SetCreationDate(stamp)
	pdf.SetModificationDate(stamp)
	pdf.SetCatalogSort(true)
	pdf.SetCompression(true)
	pdf.SetTitle(t.title, true)
	pdf.SetSubject(Banner, true)
	pdf.SetCreator("docketcard demo", true)
	pdf.SetMargins(margin, margin, margin)
	pdf.SetAutoPageBreak(false, 0)

	p := &page{pdf: pdf, tr: newTranslator(pdf)}
	pdf.AddPage()
	p.header(f, t)
	p.fields(f, t)
	p.notes(t)
	p.signatures()
	p.watermark()
	p.footer()

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("specimen: render %s: %w", f.Kind, err)
	}
	return buf.Bytes(), nil
}

// page draws one specimen page.
type page struct {
	pdf *fpdf.Fpdf
	tr  func(string) string // UTF-8 to the core fonts' code page
}

func (p *page) colour(c [3]int) { p.pdf.SetTextColor(c[0], c[1], c[2]) }

// header draws the small top line, the title, the banner and the intro.
func (p *page) header(f Fields, t text) {
	pdf := p.pdf
	pdf.SetFont("Helvetica", "", 8)
	p.colour(grey)
	pdf.SetXY(margin, 12)
	pdf.CellFormat(contentW/2, 5, p.tr("DOCKETCARD DEMO SYSTEM"), "", 0, "L", false, 0, "")
	pdf.CellFormat(contentW/2, 5, p.tr("Kind: "+string(f.Kind)+"   Issued: "+f.IssueDate), "", 1, "R", false, 0, "")

	pdf.SetXY(margin, 20)
	pdf.SetFont("Helvetica", "B", 19)
	p.colour(black)
	pdf.MultiCell(contentW, 9, p.tr(t.title), "", "L", false)

	y := pdf.GetY() + 1
	pdf.SetDrawColor(red[0], red[1], red[2])
	pdf.SetLineWidth(0.8)
	pdf.Line(margin, y, pageW-margin, y)

	pdf.SetXY(margin, y+2)
	pdf.SetFont("Helvetica", "B", 10)
	p.colour(red)
	pdf.CellFormat(contentW, 6, p.tr(Banner), "", 1, "C", false, 0, "")

	pdf.SetXY(margin, pdf.GetY()+3)
	pdf.SetFont("Helvetica", "", 10.5)
	p.colour(black)
	pdf.MultiCell(contentW, 5.2, p.tr(t.intro), "", "L", false)
}

// cell is one labelled box of the form.
type cell struct {
	label, value string
	width        float64 // fraction of the content width
}

// fields draws the person's details as a grid of labelled boxes.
func (p *page) fields(f Fields, t text) {
	pdf := p.pdf
	p.section("Person named in this specimen")

	hearing := f.HearingAt
	if hearing == "" {
		hearing = "Not set"
	}
	rows := [][]cell{
		{{"Family name(s)", f.FamilyNames, 0.5}, {"Given name(s)", f.GivenNames, 0.5}},
		{{"A-Number", f.ANumber, 0.34}, {"Date of birth", f.DateOfBirth, 0.33}, {"Country of citizenship", f.Citizenship, 0.33}},
		{{"Immigration court", f.Court, 0.67}, {"Issue date", f.IssueDate, 0.33}},
	}
	if t.hearing || f.HearingAt != "" {
		rows = append(rows, []cell{{"Hearing date and time", hearing, 1}})
	}

	pdf.SetDrawColor(rule[0], rule[1], rule[2])
	pdf.SetLineWidth(0.3)
	const h = 14.0
	y := pdf.GetY()
	for _, row := range rows {
		x := margin
		for _, c := range row {
			w := contentW * c.width
			p.box(x, y, w, h, c.label, c.value)
			x += w
		}
		y += h
	}

	// The address may run to several lines.
	addr := strings.TrimSpace(f.Address)
	if addr == "" {
		addr = "—"
	}
	pdf.SetFont("Helvetica", "", 11.5)
	lines := p.wrap(p.tr(addr), contentW-6)
	if len(lines) > maxAddressLines {
		lines = append(lines[:maxAddressLines-1], p.ellipsize(lines[maxAddressLines-1]+" ...", contentW-6))
	}
	ah := 8 + 5.5*float64(len(lines))
	pdf.Rect(margin, y, contentW, ah, "D")
	p.label(margin, y, "Mailing address")
	pdf.SetFont("Helvetica", "", 11.5)
	p.colour(black)
	for i, l := range lines {
		pdf.SetXY(margin+3, y+7+5.5*float64(i))
		pdf.CellFormat(contentW-6, 5.5, l, "", 0, "L", false, 0, "")
	}
	pdf.SetY(y + ah + 6)
}

// maxAddressLines bounds the address box; the rest of a longer address is
// left out.
const maxAddressLines = 4

// wrap splits s, already translated to cp1252, into lines no wider than w
// in the current font, breaking at spaces and, inside words too long for a
// line, anywhere. (fpdf's SplitText expects UTF-8, so it cannot measure
// translated text.)
func (p *page) wrap(s string, w float64) []string {
	fits := func(s string) bool { return p.pdf.GetStringWidth(s) <= w }
	var lines []string
	line := ""
	for _, word := range strings.Split(s, " ") {
		if word == "" {
			continue
		}
		if try := strings.TrimPrefix(line+" "+word, " "); fits(try) {
			line = try
			continue
		}
		if line != "" {
			lines = append(lines, line)
		}
		// cp1252 has one byte per character, so bytes can be cut anywhere.
		for !fits(word) {
			cut := len(word) - 1
			for cut > 1 && !fits(word[:cut]) {
				cut--
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
		}
		line = word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

// ellipsize cuts s, already translated to cp1252, short with "..." so that
// it is no wider than w in the current font. cp1252 has one byte per
// character, so any byte is a place to cut.
func (p *page) ellipsize(s string, w float64) string {
	full := s
	for cut := len(full) - 1; cut > 0 && p.pdf.GetStringWidth(s) > w; cut-- {
		s = full[:cut] + "..."
	}
	return s
}

// box draws one labelled box, shrinking the value's type until it fits.
func (p *page) box(x, y, w, h float64, label, value string) {
	pdf := p.pdf
	pdf.Rect(x, y, w, h, "D")
	p.label(x, y, label)
	value = strings.TrimSpace(value)
	if value == "" {
		value = "—"
	}
	s := p.tr(value)
	fits := func(s string) bool { return pdf.GetStringWidth(s) <= w-6 }
	for size := 12.0; size >= 7; size -= 0.5 {
		pdf.SetFont("Helvetica", "", size)
		if fits(s) {
			break
		}
	}
	s = p.ellipsize(s, w-6) // still too long at the smallest size
	p.colour(black)
	pdf.SetXY(x+3, y+6.5)
	pdf.CellFormat(w-6, 6, s, "", 0, "L", false, 0, "")
}

// label draws the small grey caption at the top left of a box.
func (p *page) label(x, y float64, s string) {
	p.pdf.SetFont("Helvetica", "", 7.5)
	p.colour(grey)
	p.pdf.SetXY(x+3, y+1.2)
	p.pdf.CellFormat(0, 4, p.tr(strings.ToUpper(s)), "", 0, "L", false, 0, "")
}

// section draws a section heading.
func (p *page) section(title string) {
	pdf := p.pdf
	pdf.SetXY(margin, pdf.GetY()+5)
	pdf.SetFont("Helvetica", "B", 11)
	p.colour(black)
	pdf.CellFormat(contentW, 7, p.tr(title), "", 1, "L", false, 0, "")
}

// notes draws what a real document of the kind would contain.
func (p *page) notes(t text) {
	pdf := p.pdf
	p.section("What a real document of this kind would contain")
	pdf.SetFont("Helvetica", "", 10.5)
	p.colour(black)
	for _, n := range t.notes {
		pdf.SetX(margin + 2)
		pdf.CellFormat(5, 5.5, p.tr("•"), "", 0, "L", false, 0, "")
		pdf.MultiCell(contentW-7, 5.5, p.tr(n), "", "L", false)
		pdf.SetY(pdf.GetY() + 1)
	}
}

// signatures draws two empty signature lines.
func (p *page) signatures() {
	pdf := p.pdf
	y := max(pdf.GetY()+16, 205.0)
	w := (contentW - 12) / 2
	pdf.SetDrawColor(black[0], black[1], black[2])
	pdf.SetLineWidth(0.3)
	for i, who := range []string{"Signature of issuing officer (specimen)", "Signature of person named (specimen)"} {
		x := margin + float64(i)*(w+12)
		pdf.Line(x, y, x+w, y)
		pdf.SetXY(x, y+1)
		pdf.SetFont("Helvetica", "", 8)
		p.colour(grey)
		pdf.CellFormat(w, 4, p.tr(who), "", 0, "L", false, 0, "")
	}
}

// watermark draws "SPECIMEN" in large, pale letters across the page.
func (p *page) watermark() {
	pdf := p.pdf
	cx, cy := pageW/2, pageH/2
	pdf.SetAlpha(0.14, "Normal")
	pdf.TransformBegin()
	pdf.TransformRotate(55, cx, cy)
	p.colour(red)
	pdf.SetFont("Helvetica", "B", 120)
	p.centred(cx, cy+8, "SPECIMEN")
	pdf.SetFont("Helvetica", "B", 30)
	p.centred(cx, cy+26, "SYNTHETIC DEMO DATA")
	pdf.TransformEnd()
	pdf.SetAlpha(1, "Normal")
}

// centred writes s with its baseline centred on (x, y).
func (p *page) centred(x, y float64, s string) {
	s = p.tr(s)
	p.pdf.Text(x-p.pdf.GetStringWidth(s)/2, y, s)
}

// footer draws the banner and a note at the foot of the page.
func (p *page) footer() {
	pdf := p.pdf
	y := pageH - 20
	pdf.SetDrawColor(red[0], red[1], red[2])
	pdf.SetLineWidth(0.8)
	pdf.Line(margin, y, pageW-margin, y)
	pdf.SetXY(margin, y+2)
	pdf.SetFont("Helvetica", "B", 11)
	p.colour(red)
	pdf.CellFormat(contentW, 6, p.tr(Banner), "", 1, "C", false, 0, "")
	pdf.SetX(margin)
	pdf.SetFont("Helvetica", "", 7.5)
	p.colour(grey)
	pdf.CellFormat(contentW, 4, p.tr("Made by the docketcard demo for testing and training. The person and every detail on this page are invented."), "", 0, "C", false, 0, "")
}

// newTranslator returns a function that converts UTF-8 to the cp1252 code
// page of the PDF core fonts. Letters outside cp1252 lose their accents
// where Unicode can split them off ("ễ" becomes "e"), and anything else
// becomes "?", rather than the "." that fpdf puts in their place.
func newTranslator(pdf *fpdf.Fpdf) func(string) string {
	cp1252 := pdf.UnicodeTranslatorFromDescriptor("")
	representable := func(r rune) bool { return r < 0x80 || cp1252(string(r)) != "." }
	return func(s string) string {
		var b strings.Builder
		for _, r := range norm.NFC.String(s) {
			switch {
			case representable(r):
				b.WriteRune(r)
			case fallback[r] != "":
				b.WriteString(fallback[r])
			default:
				n := b.Len()
				for _, d := range norm.NFD.String(string(r)) {
					if !unicode.Is(unicode.Mn, d) && representable(d) {
						b.WriteRune(d)
					}
				}
				if b.Len() == n {
					b.WriteByte('?')
				}
			}
		}
		return cp1252(b.String())
	}
}

// fallback spells letters that have no decomposition and are not in
// cp1252 but occur in Latin-script names.
var fallback = map[rune]string{
	'ł': "l", 'Ł': "L", 'đ': "d", 'Đ': "D", 'ı': "i", 'ħ': "h", 'Ħ': "H",
	'ŋ': "ng", 'Ŋ': "NG", 'ə': "e", 'Ə': "E",
}
