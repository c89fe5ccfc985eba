package card

import (
	"image"
	"image/color"
	"image/draw"
	"math"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"
	"golang.org/x/image/vector"
)

// canvas is what the card layout draws on. There are two: pdfCanvas writes
// a PDF content stream (vector) and rasterCanvas paints a 300 dpi image.
// The layout code calls the same methods on both, so the PDF and the PNG
// show the same card.
type canvas interface {
	fillRect(r rect, c color.RGBA)
	fill(p *path, c color.RGBA)
	stroke(p *path, width float64, c color.RGBA)
	strokeFamily(g *family)
	// text draws s with its baseline starting at (x, y).
	text(x, y float64, st textStyle, s string)
	image(r rect, im *cardImage)
	// qr draws the dark modules of q with the top left module at (x, y).
	qr(x, y, module float64, q *qrCode)
	// clip restricts drawing to r until unclip. Clips do not nest.
	clip(r rect)
	unclip()
}

// textStyle is a font, a size in points, a colour and extra space (mm)
// after each glyph.
type textStyle struct {
	font     fontID
	size     float64
	color    color.RGBA
	tracking float64
}

// cardImage is a picture placed on the card, prepared at exactly the pixel
// size it covers at 300 dpi: the rasteriser copies its pixels and the PDF
// embeds the same pixels as a JPEG.
type cardImage struct {
	img      image.Image // *image.RGBA or *image.Gray
	jpeg     []byte
	gray     bool
	multiply bool // blend by multiplying (white leaves the background as it is)
}

// rasterCanvas paints the card at 300 dpi.
type rasterCanvas struct {
	dst   *image.RGBA
	fonts [numFonts]*cardFont
	clipR image.Rectangle
	ras   vector.Rasterizer
	buf   sfnt.Buffer
}

func newRasterCanvas(fs [numFonts]*cardFont) *rasterCanvas {
	dst := image.NewRGBA(image.Rect(0, 0, pngW, pngH))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(white), image.Point{}, draw.Src)
	return &rasterCanvas{dst: dst, fonts: fs, clipR: dst.Bounds()}
}

func (c *rasterCanvas) clip(r rect) {
	x0, y0, x1, y1 := r.px()
	c.clipR = image.Rect(x0, y0, x1, y1).Intersect(c.dst.Bounds())
}

func (c *rasterCanvas) unclip() { c.clipR = c.dst.Bounds() }

// begin prepares the rasteriser for a shape whose bounding box, in mm, is
// b (grown by pad mm) and returns the pixel rectangle it paints, or false if
// that is empty.
func (c *rasterCanvas) begin(b rect, pad float64) (image.Rectangle, bool) {
	x0 := int(math.Floor((b.x - pad) * pxPerMM))
	y0 := int(math.Floor((b.y - pad) * pxPerMM))
	x1 := int(math.Ceil((b.x + b.w + pad) * pxPerMM))
	y1 := int(math.Ceil((b.y + b.h + pad) * pxPerMM))
	r := image.Rect(x0, y0, x1, y1).Intersect(c.clipR)
	if r.Empty() {
		return r, false
	}
	c.ras.Reset(r.Dx(), r.Dy())
	c.ras.DrawOp = draw.Over
	return r, true
}

// end paints the accumulated shape in colour col.
func (c *rasterCanvas) end(r image.Rectangle, col color.RGBA) {
	c.ras.Draw(c.dst, r, image.NewUniform(col), image.Point{})
}

// addPath adds p to the rasteriser, offset so that r.Min is the origin.
func (c *rasterCanvas) addPath(p *path, r image.Rectangle) {
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	tx := func(q point) (float32, float32) {
		return float32(q.x*pxPerMM - ox), float32(q.y*pxPerMM - oy)
	}
	i := 0
	for _, k := range p.kinds {
		switch k {
		case segMove:
			c.ras.MoveTo(tx(p.pts[i]))
			i++
		case segLine:
			c.ras.LineTo(tx(p.pts[i]))
			i++
		case segCubic:
			bx, by := tx(p.pts[i])
			cx, cy := tx(p.pts[i+1])
			dx, dy := tx(p.pts[i+2])
			c.ras.CubeTo(bx, by, cx, cy, dx, dy)
			i += 3
		case segClose:
			c.ras.ClosePath()
		}
	}
	c.ras.ClosePath()
}

func (c *rasterCanvas) fillRect(r rect, col color.RGBA) {
	// Rectangles on whole pixels (the QR code, bands) are filled directly.
	fx0, fy0, fx1, fy1 := r.x*pxPerMM, r.y*pxPerMM, (r.x+r.w)*pxPerMM, (r.y+r.h)*pxPerMM
	whole := func(v float64) bool { return math.Abs(v-math.Round(v)) < 1e-6 }
	// Large areas (backgrounds, bands) are snapped to whole pixels too: an
	// edge moves by at most half a pixel (0.04 mm) and the rasteriser is
	// spared a pass over most of the card.
	large := r.w >= 3 && r.h >= 3
	if large || whole(fx0) && whole(fy0) && whole(fx1) && whole(fy1) {
		x0, y0, x1, y1 := r.px()
		if x1 >= pngW-1 && fx1 >= cardW*pxPerMM-1e-6 {
			x1 = pngW
		}
		if y1 >= pngH-1 && fy1 >= cardH*pxPerMM-1e-6 {
			y1 = pngH
		}
		draw.Draw(c.dst, image.Rect(x0, y0, x1, y1).Intersect(c.clipR), image.NewUniform(col), image.Point{}, draw.Src)
		return
	}
	c.fill(rectPath(r), col)
}

func (c *rasterCanvas) fill(p *path, col color.RGBA) {
	r, ok := c.begin(p.bounds(), 0.1)
	if !ok {
		return
	}
	c.addPath(p, r)
	c.end(r, col)
}

// addStroke adds the outline of a polyline of width w (mm) as one quad per
// segment. Every quad winds the same way, so overlaps (at joins and where
// the line crosses itself) do not cancel out; the rasteriser's coverage is
// clamped, which paints overlaps once, as an opaque PDF stroke does.
func (c *rasterCanvas) addStroke(pts []point, m *affine, w float64, r image.Rectangle) {
	hw := w * pxPerMM / 2
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	var prev point
	for i, q := range pts {
		if m != nil {
			q = m.apply(q)
		}
		q = point{q.x*pxPerMM - ox, q.y*pxPerMM - oy}
		if i > 0 {
			dx, dy := q.x-prev.x, q.y-prev.y
			l := math.Hypot(dx, dy)
			if l < 1e-9 {
				continue
			}
			// Extend each piece by half the width at both ends to close
			// the gaps at joins (a square cap).
			ex, ey := dx/l*hw*0.5, dy/l*hw*0.5
			nx, ny := -dy/l*hw, dx/l*hw
			a := point{prev.x - ex, prev.y - ey}
			b := point{q.x + ex, q.y + ey}
			c.ras.MoveTo(float32(a.x+nx), float32(a.y+ny))
			c.ras.LineTo(float32(b.x+nx), float32(b.y+ny))
			c.ras.LineTo(float32(b.x-nx), float32(b.y-ny))
			c.ras.LineTo(float32(a.x-nx), float32(a.y-ny))
			c.ras.ClosePath()
		}
		prev = q
	}
}

func (c *rasterCanvas) stroke(p *path, w float64, col color.RGBA) {
	r, ok := c.begin(p.bounds(), w)
	if !ok {
		return
	}
	for _, pl := range p.flatten(0.25) {
		c.addStroke(pl, nil, w, r)
	}
	c.end(r, col)
}

func (c *rasterCanvas) strokeFamily(g *family) {
	// The area the copies cover: the base's bounding box under each
	// transform.
	b := g.bounds
	x0, y0, x1, y1 := math.Inf(1), math.Inf(1), math.Inf(-1), math.Inf(-1)
	for _, m := range g.xf {
		for _, q := range []point{{b.x, b.y}, {b.x + b.w, b.y}, {b.x, b.y + b.h}, {b.x + b.w, b.y + b.h}} {
			q = m.apply(q)
			x0, y0, x1, y1 = math.Min(x0, q.x), math.Min(y0, q.y), math.Max(x1, q.x), math.Max(y1, q.y)
		}
	}
	r, ok := c.begin(rect{x0, y0, x1 - x0, y1 - y0}, g.width)
	if !ok {
		return
	}
	for i := range g.xf {
		for _, pl := range g.poly {
			c.addStroke(pl, &g.xf[i], g.width, r)
		}
	}
	c.end(r, g.color)
}

func (c *rasterCanvas) text(x, y float64, st textStyle, s string) {
	f := c.fonts[st.font]
	gs := f.shape(s)
	if len(gs) == 0 {
		return
	}
	sizeMM := ptToMM(st.size)
	w := f.glyphsWidth(gs, st.size, st.tracking)
	top := float64(f.bbox[3]) / f.unitsPerEm * sizeMM
	bot := float64(-f.bbox[1]) / f.unitsPerEm * sizeMM
	r, ok := c.begin(rect{x, y - top, w, top + bot}, 0.2)
	if !ok {
		return
	}
	ppem := fixed.Int26_6(math.Round(sizeMM * pxPerMM * 64))
	ox, oy := float64(r.Min.X), float64(r.Min.Y)
	pen := x
	for _, g := range gs {
		segs, err := f.sf.LoadGlyph(&c.buf, sfnt.GlyphIndex(g.gid), ppem, nil)
		if err == nil {
			gx, gy := pen*pxPerMM-ox, y*pxPerMM-oy
			tx := func(p fixed.Point26_6) (float32, float32) {
				return float32(gx + float64(p.X)/64), float32(gy + float64(p.Y)/64)
			}
			for _, sg := range segs {
				switch sg.Op {
				case sfnt.SegmentOpMoveTo:
					c.ras.MoveTo(tx(sg.Args[0]))
				case sfnt.SegmentOpLineTo:
					c.ras.LineTo(tx(sg.Args[0]))
				case sfnt.SegmentOpQuadTo:
					bx, by := tx(sg.Args[0])
					cx, cy := tx(sg.Args[1])
					c.ras.QuadTo(bx, by, cx, cy)
				case sfnt.SegmentOpCubeTo:
					bx, by := tx(sg.Args[0])
					cx, cy := tx(sg.Args[1])
					dx, dy := tx(sg.Args[2])
					c.ras.CubeTo(bx, by, cx, cy, dx, dy)
				}
			}
			c.ras.ClosePath()
		}
		pen += float64(f.advance[g.gid])/f.unitsPerEm*sizeMM + st.tracking
	}
	c.end(r, st.color)
}

func (c *rasterCanvas) image(r rect, im *cardImage) {
	x0, y0, x1, y1 := r.px()
	dr := image.Rect(x0, y0, x1, y1)
	if g, ok := im.img.(*image.Gray); ok && im.multiply && g.Bounds().Size() == dr.Size() {
		for y := dr.Min.Y; y < dr.Max.Y; y++ {
			for x := dr.Min.X; x < dr.Max.X; x++ {
				if !(image.Point{x, y}).In(c.clipR) {
					continue
				}
				k := uint32(g.Pix[g.PixOffset(x-dr.Min.X, y-dr.Min.Y)])
				i := c.dst.PixOffset(x, y)
				for j := 0; j < 3; j++ {
					c.dst.Pix[i+j] = uint8((uint32(c.dst.Pix[i+j])*k + 127) / 255)
				}
			}
		}
		return
	}
	if im.img.Bounds().Size() == dr.Size() && c.clipR == c.dst.Bounds() {
		draw.Draw(c.dst, dr, im.img, im.img.Bounds().Min, draw.Src)
		return
	}
	tmp := image.NewRGBA(dr)
	xdraw.CatmullRom.Scale(tmp, dr, im.img, im.img.Bounds(), xdraw.Src, nil)
	draw.Draw(c.dst, dr.Intersect(c.clipR), tmp, dr.Intersect(c.clipR).Min, draw.Src)
}

func (c *rasterCanvas) qr(x, y, module float64, q *qrCode) {
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
			c.fillRect(rect{x + float64(col)*module, y + float64(row)*module, float64(end-col) * module, module}, black)
			col = end
		}
	}
}
