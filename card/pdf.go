package card

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// pdfWriter writes a PDF as it goes: each page, with its images and
// guilloche forms, is written to the output as soon as it is drawn, and
// nothing of it is kept afterwards except the byte offsets of its objects
// (8 bytes each, for the cross-reference table; a card has 15 objects). The fonts are shared by
// all pages and written at the end, subset to the glyphs the pages used;
// the catalog and the font dictionaries are given object numbers at the
// start so that pages can refer to them before they exist. Pages hang off
// intermediate page-tree nodes of pagesPerNode pages, so the root of the
// page tree lists nodes, not pages.
//
// fpdf (used elsewhere in the project) keeps every page, image and font in
// memory until Output, which for a 10,000-card print batch would hold
// gigabytes; this writer keeps memory flat instead.
type pdfWriter struct {
	bw      *bufio.Writer
	pos     int64 // bytes written so far
	sum     hash.Hash
	offsets []int64 // by object number; offsets[0] is unused

	fonts   [numFonts]*cardFont
	usage   [numFonts]fontUsage
	fontObj [numFonts]int

	catalogObj, rootObj, infoObj int
	nodeObj                      int   // current page-tree node, 0 if none
	nodeKids                     []int // its pages (at most pagesPerNode)
	nodes                        []int // finished nodes
	nodeCounts                   []int // pages in each finished node
	pages                        int

	title   string
	created time.Time
	started bool

	zbuf bytes.Buffer
	zw   *zlib.Writer
	err  error
}

const pagesPerNode = 64

// fontUsage records the glyphs a font printed and the rune each stands
// for. It is bounded by the font's glyph count.
type fontUsage struct {
	runes map[uint16]rune
}

func (u *fontUsage) add(gid uint16, r rune) {
	if u.runes == nil {
		u.runes = map[uint16]rune{}
	}
	if _, ok := u.runes[gid]; !ok {
		u.runes[gid] = r
	}
}

// countingWriter feeds a hash (for the document ID) and counts bytes.
type countingWriter struct {
	w   io.Writer
	p   *pdfWriter
	sum hash.Hash
}

func (c countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.sum.Write(b[:n])
	c.p.pos += int64(n)
	return n, err
}

func newPDFWriter(w io.Writer, fs [numFonts]*cardFont, title string) *pdfWriter {
	p := &pdfWriter{fonts: fs, title: title, sum: sha256.New(), offsets: []int64{0}}
	p.bw = bufio.NewWriterSize(countingWriter{w: w, p: p, sum: p.sum}, 64<<10)
	p.zw, _ = zlib.NewWriterLevel(&p.zbuf, zlib.DefaultCompression)
	return p
}

// start writes the header and the catalog, before the first page, and
// numbers the objects that are written at the end.
func (p *pdfWriter) start() {
	p.started = true
	p.bw.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	p.catalogObj = p.newObj()
	p.rootObj = p.newObj()
	for i := range p.fontObj {
		p.fontObj[i] = p.newObj()
	}
	p.infoObj = p.newObj()
	p.begin(p.catalogObj)
	p.printf("<< /Type /Catalog /Pages %d 0 R >>\nendobj\n", p.rootObj)
}

// offset is the position of the next byte, including buffered ones.
func (p *pdfWriter) offset() int64 { return p.pos + int64(p.bw.Buffered()) }

func (p *pdfWriter) newObj() int {
	p.offsets = append(p.offsets, 0)
	return len(p.offsets) - 1
}

func (p *pdfWriter) begin(n int) {
	p.offsets[n] = p.offset()
	p.printf("%d 0 obj\n", n)
}

func (p *pdfWriter) printf(format string, args ...any) {
	fmt.Fprintf(p.bw, format, args...)
}

// stream writes object n as a stream with dictionary entries dict,
// compressing data with Flate if compress.
func (p *pdfWriter) stream(n int, dict string, data []byte, compress bool) {
	if compress {
		p.zbuf.Reset()
		p.zw.Reset(&p.zbuf)
		p.zw.Write(data)
		p.zw.Close()
		data = p.zbuf.Bytes()
		dict += " /Filter /FlateDecode"
	}
	p.begin(n)
	p.printf("<< %s /Length %d >>\nstream\n", dict, len(data))
	p.bw.Write(data)
	p.bw.WriteString("\nendstream\nendobj\n")
}

// canvasResources writes the images and guilloche forms a canvas used and
// returns its resource dictionary entries: the resources of a card page
// (pdfWriter.addPage) and of a card side placed on a proof sheet.
func canvasResources(pw *pdfWriter, c *pdfCanvas) string {
	var res strings.Builder
	res.WriteString(fontResources(pw))
	if c.multiply {
		res.WriteString(" /ExtGState << /GM << /Type /ExtGState /BM /Multiply >> >>")
	}
	if len(c.images)+len(c.forms) > 0 {
		res.WriteString(" /XObject <<")
		for i, im := range c.images {
			n := pw.newObj()
			cs := "/DeviceRGB"
			if im.gray {
				cs = "/DeviceGray"
			}
			b := im.img.Bounds()
			pw.stream(n, fmt.Sprintf("/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s /BitsPerComponent 8 /Filter /DCTDecode",
				b.Dx(), b.Dy(), cs), im.jpeg, false)
			fmt.Fprintf(&res, " /I%d %d 0 R", i, n)
		}
		for i, g := range c.forms {
			n := pw.newObj()
			bb := g.bounds
			pad := g.width
			var box []byte
			for _, v := range []float64{bb.x - pad, bb.y - pad, bb.x + bb.w + pad, bb.y + bb.h + pad} {
				box = appendNum(box, v, 3)
				box = append(box, ' ')
			}
			pw.stream(n, "/Type /XObject /Subtype /Form /BBox ["+strings.TrimSpace(string(box))+"]", formContent(g), true)
			fmt.Fprintf(&res, " /G%d %d 0 R", i, n)
		}
		res.WriteString(" >>")
	}
	return res.String()
}

// fontResources is the /Font entry shared by every page and form.
func fontResources(pw *pdfWriter) string {
	var b strings.Builder
	b.WriteString("/Font <<")
	for i, n := range pw.fontObj {
		fmt.Fprintf(&b, " /F%d %d 0 R", i+1, n)
	}
	b.WriteString(" >>")
	return b.String()
}

// addPage writes one drawn page and its resources.
func (p *pdfWriter) addPage(c *pdfCanvas) error {
	if p.err != nil {
		return p.err
	}
	if !p.started {
		p.start()
	}
	content := c.finish()
	var res strings.Builder
	res.WriteString(canvasResources(p, c))
	contents := p.newObj()
	p.stream(contents, "", content, true)
	if p.nodeObj == 0 {
		p.nodeObj = p.newObj()
	}
	page := p.newObj()
	p.begin(page)
	p.printf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %s %s] /Resources << %s >> /Contents %d 0 R >>\nendobj\n",
		p.nodeObj, appendNum(nil, mmToPt(cardW), 4), appendNum(nil, mmToPt(cardH), 4), res.String(), contents)
	p.nodeKids = append(p.nodeKids, page)
	p.pages++
	if len(p.nodeKids) == pagesPerNode {
		p.flushNode()
	}
	if err := p.bw.Flush(); err != nil {
		p.err = err
	}
	return p.err
}

// flushNode writes the current page-tree node.
func (p *pdfWriter) flushNode() {
	if p.nodeObj == 0 {
		return
	}
	p.begin(p.nodeObj)
	p.printf("<< /Type /Pages /Parent %d 0 R /Kids [%s] /Count %d >>\nendobj\n", p.rootObj, refs(p.nodeKids), len(p.nodeKids))
	p.nodes = append(p.nodes, p.nodeObj)
	p.nodeCounts = append(p.nodeCounts, len(p.nodeKids))
	p.nodeObj = 0
	p.nodeKids = p.nodeKids[:0]
}

func refs(ns []int) string {
	var b strings.Builder
	for i, n := range ns {
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%d 0 R", n)
	}
	return b.String()
}

// close writes the page tree root, the fonts, the document information,
// the cross-reference table and the trailer.
func (p *pdfWriter) close() error {
	if p.err != nil {
		return p.err
	}
	if !p.started {
		p.start()
	}
	p.flushNode()
	p.begin(p.rootObj)
	p.printf("<< /Type /Pages /Kids [%s] /Count %d >>\nendobj\n", refs(p.nodes), p.pages)
	for i, f := range p.fonts {
		if err := p.writeFont(f, &p.usage[i], p.fontObj[i]); err != nil {
			p.err = err
			return err
		}
	}
	p.begin(p.infoObj)
	date := "D:" + p.created.UTC().Format("20060102150405") + "Z"
	p.printf("<< /Title %s /Producer (docketcard) /CreationDate (%s) /ModDate (%s) >>\nendobj\n", pdfString(p.title), date, date)

	if err := p.bw.Flush(); err != nil {
		p.err = err
		return err
	}
	id := hex.EncodeToString(p.sum.Sum(nil)[:16])
	xref := p.offset()
	p.printf("xref\n0 %d\n0000000000 65535 f \n", len(p.offsets))
	for _, off := range p.offsets[1:] {
		p.printf("%010d 00000 n \n", off)
	}
	p.printf("trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R /ID [<%s> <%s>] >>\nstartxref\n%d\n%%%%EOF\n",
		len(p.offsets), p.catalogObj, p.infoObj, id, id, xref)
	p.err = p.bw.Flush()
	return p.err
}

// writeFont writes a Type 0 font with one CIDFontType2 descendant whose
// glyphs are addressed by glyph id (Identity-H, CIDToGIDMap Identity), a
// subset of the TrueType program, widths for the glyphs used and a
// ToUnicode map so that text can be searched and extracted.
func (p *pdfWriter) writeFont(f *cardFont, u *fontUsage, type0 int) error {
	used := map[uint16]bool{}
	gids := make([]int, 0, len(u.runes))
	for g := range u.runes {
		used[g] = true
		gids = append(gids, int(g))
	}
	sort.Ints(gids)
	prog, err := subsetTrueType(f, used)
	if err != nil {
		return fmt.Errorf("card: subset %s: %w", f.psName, err)
	}
	// The subset tag is six capital letters derived from the glyph set.
	h := sha256.New()
	h.Write([]byte(f.psName))
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	var tag [6]byte
	for i, b := range h.Sum(nil)[:6] {
		tag[i] = 'A' + b%26
	}
	name := string(tag[:]) + "+" + f.psName
	scale := 1000 / f.unitsPerEm

	file := p.newObj()
	p.stream(file, "/Length1 "+strconv.Itoa(len(prog)), prog, true)

	desc := p.newObj()
	flags := 4 // symbolic: glyphs are addressed by id, not by a standard encoding
	if f.id == fontMono {
		flags |= 1 // fixed pitch
	}
	stemV := 80
	if f.id == fontBold {
		stemV = 140
	}
	p.begin(desc)
	p.printf("<< /Type /FontDescriptor /FontName /%s /Flags %d /FontBBox [%d %d %d %d] /ItalicAngle 0 /Ascent %d /Descent %d /CapHeight %d /StemV %d /FontFile2 %d 0 R >>\nendobj\n",
		name, flags,
		int(float64(f.bbox[0])*scale), int(float64(f.bbox[1])*scale), int(float64(f.bbox[2])*scale), int(float64(f.bbox[3])*scale),
		int(float64(f.ascent)*scale), int(float64(f.descent)*scale), int(float64(f.capHeight)*scale), stemV, file)

	var w strings.Builder
	for i := 0; i < len(gids); {
		// One entry per run of consecutive glyph ids.
		j := i
		for j+1 < len(gids) && gids[j+1] == gids[j]+1 {
			j++
		}
		fmt.Fprintf(&w, "%d [", gids[i])
		for k := i; k <= j; k++ {
			if k > i {
				w.WriteByte(' ')
			}
			w.Write(appendNum(nil, float64(f.advance[gids[k]])*scale, 3))
		}
		w.WriteString("] ")
		i = j + 1
	}
	cid := p.newObj()
	p.begin(cid)
	p.printf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R /DW %d /W [%s] /CIDToGIDMap /Identity >>\nendobj\n",
		name, desc, int(float64(f.advance[0])*scale), strings.TrimSpace(w.String()))

	toUni := p.newObj()
	p.stream(toUni, "", toUnicodeCMap(gids, u.runes), true)

	p.begin(type0)
	p.printf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>\nendobj\n",
		name, cid, toUni)
	return nil
}

// toUnicodeCMap maps each glyph id to the text it prints.
func toUnicodeCMap(gids []int, runes map[uint16]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		chunk := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(chunk))
		for _, g := range chunk {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16.Encode([]rune{runes[uint16(g)]}) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// pdfString writes s as a PDF text string: literal if plain ASCII,
// otherwise UTF-16BE with a byte order mark.
func pdfString(s string) string {
	ascii := true
	for _, r := range s {
		if r < 0x20 || r > 0x7e {
			ascii = false
			break
		}
	}
	if ascii {
		r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`)
		return "(" + r.Replace(s) + ")"
	}
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}
