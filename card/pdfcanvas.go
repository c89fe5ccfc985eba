package card

import (
	"bytes"
	"image/color"
	"strconv"
)

// pdfCanvas writes one page's content stream. Coordinates are mm with y
// down: the stream starts with a matrix that maps them to PDF points with
// y up, text is drawn with a text matrix that flips it back upright, and
// images are placed the same way.
type pdfCanvas struct {
	buf      bytes.Buffer
	fonts    [numFonts]*cardFont
	usage    *[numFonts]fontUsage // glyphs used, for subsetting at the end
	images   []*cardImage         // named /I0, /I1, ...
	forms    []*family            // named /G0, /G1, ...
	scratch  []byte               // for appendNum
	multiply bool                 // uses the /GM (multiply blend) graphics state
}

func newPDFCanvas(fs [numFonts]*cardFont, usage *[numFonts]fontUsage) *pdfCanvas {
	c := &pdfCanvas{fonts: fs, usage: usage}
	// 1 mm = 72/25.4 pt; flip y about the page height.
	c.ops("q ")
	c.nums(mmToPt(1), 0, 0, -mmToPt(1), 0, mmToPt(cardH))
	c.ops("cm 1 J 1 j\n")
	return c
}

// finish closes the page's graphics state and returns the stream.
func (c *pdfCanvas) finish() []byte {
	c.ops("Q\n")
	return c.buf.Bytes()
}

func mmToPt(mm float64) float64 { return mm * 72 / 25.4 }

func (c *pdfCanvas) ops(s string) { c.buf.WriteString(s) }

// num writes v with at most 3 decimals (1 µm), followed by a space.
func (c *pdfCanvas) num(v float64) {
	c.scratch = appendNum(c.scratch[:0], v, 3)
	c.buf.Write(c.scratch)
	c.buf.WriteByte(' ')
}

func (c *pdfCanvas) nums(vs ...float64) {
	for _, v := range vs {
		c.num(v)
	}
}

// appendNum appends v in PDF real syntax with at most prec decimals and no
// trailing zeros.
func appendNum(b []byte, v float64, prec int) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	if bytes.IndexByte(b[start:], '.') >= 0 {
		for b[len(b)-1] == '0' {
			b = b[:len(b)-1]
		}
		if b[len(b)-1] == '.' {
			b = b[:len(b)-1]
		}
	}
	if string(b[start:]) == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

func (c *pdfCanvas) fillColor(col color.RGBA) {
	c.nums(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	c.ops("rg ")
}

func (c *pdfCanvas) strokeColor(col color.RGBA) {
	c.nums(float64(col.R)/255, float64(col.G)/255, float64(col.B)/255)
	c.ops("RG ")
}

func (c *pdfCanvas) path(p *path) {
	i := 0
	for _, k := range p.kinds {
		switch k {
		case segMove:
			c.nums(p.pts[i].x, p.pts[i].y)
			c.ops("m ")
			i++
		case segLine:
			c.nums(p.pts[i].x, p.pts[i].y)
			c.ops("l ")
			i++
		case segCubic:
			c.nums(p.pts[i].x, p.pts[i].y, p.pts[i+1].x, p.pts[i+1].y, p.pts[i+2].x, p.pts[i+2].y)
			c.ops("c\n")
			i += 3
		case segClose:
			c.ops("h ")
		}
	}
}

func (c *pdfCanvas) fillRect(r rect, col color.RGBA) {
	c.fillColor(col)
	c.nums(r.x, r.y, r.w, r.h)
	c.ops("re f\n")
}

func (c *pdfCanvas) fill(p *path, col color.RGBA) {
	c.fillColor(col)
	c.path(p)
	c.ops("f\n")
}

func (c *pdfCanvas) stroke(p *path, w float64, col color.RGBA) {
	c.strokeColor(col)
	c.num(w)
	c.ops("w ")
	c.path(p)
	c.ops("S\n")
}

// strokeFamily paints the family's base path, stored once as a form
// XObject, under each of its transforms.
func (c *pdfCanvas) strokeFamily(g *family) {
	name := "/G" + strconv.Itoa(len(c.forms))
	c.forms = append(c.forms, g)
	c.ops("q ")
	c.strokeColor(g.color)
	c.num(g.width)
	c.ops("w\n")
	for _, m := range g.xf {
		c.ops("q ")
		c.nums(m[0], m[1], m[2], m[3], m[4], m[5])
		c.ops("cm " + name + " Do Q\n")
	}
	c.ops("Q\n")
}

// formContent returns the content stream of a family's form XObject.
func formContent(g *family) []byte {
	c := &pdfCanvas{}
	c.path(g.base)
	c.ops("S\n")
	return c.buf.Bytes()
}

func (c *pdfCanvas) text(x, y float64, st textStyle, s string) {
	f := c.fonts[st.font]
	gs := f.shape(s)
	if len(gs) == 0 {
		return
	}
	u := &c.usage[st.font]
	c.ops("BT /F" + strconv.Itoa(int(st.font)+1) + " ")
	c.num(ptToMM(st.size))
	c.ops("Tf ")
	c.fillColor(st.color)
	// Tc is part of the graphics state and outlives ET, so it is set
	// for every string.
	c.num(st.tracking)
	c.ops("Tc ")
	c.nums(1, 0, 0, -1, x, y)
	c.ops("Tm <")
	const hex = "0123456789ABCDEF"
	for _, g := range gs {
		u.add(g.gid, g.r)
		c.buf.Write([]byte{hex[g.gid>>12], hex[g.gid>>8&15], hex[g.gid>>4&15], hex[g.gid&15]})
	}
	c.ops("> Tj ET\n")
}

func (c *pdfCanvas) image(r rect, im *cardImage) {
	name := "/I" + strconv.Itoa(len(c.images))
	c.images = append(c.images, im)
	c.ops("q ")
	if im.multiply {
		c.multiply = true
		c.ops("/GM gs ")
	}
	c.nums(r.w, 0, 0, -r.h, r.x, r.y+r.h)
	c.ops("cm " + name + " Do Q\n")
}

// qr paints each horizontal run of dark modules as one rectangle, grown by
// a hair downwards so that viewers that anti-alias edges show no seams
// between rows.
func (c *pdfCanvas) qr(x, y, module float64, q *qrCode) {
	c.fillColor(black)
	c.ops("\n")
	const seam = 0.01
	for row := 0; row < q.size; row++ {
		for col := 0; col < q.size; {
			if !q.dark(col, row) {
				col++
				continue
			}
			end := col
			for end < q.size && q.dark(end, row) {
				end++
			}
			h := module
			if row+1 < q.size {
				h += seam
			}
			c.nums(x+float64(col)*module, y+float64(row)*module, float64(end-col)*module, h)
			c.ops("re\n")
			col = end
		}
	}
	c.ops("f\n")
}

func (c *pdfCanvas) clip(r rect) {
	c.ops("q ")
	c.nums(r.x, r.y, r.w, r.h)
	c.ops("re W n\n")
}

func (c *pdfCanvas) unclip() { c.ops("Q\n") }
