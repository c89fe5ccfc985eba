package card

import (
	"image/color"
	"math"
)

// All drawing coordinates are millimetres on the card, with the origin at
// the top left corner and y growing downwards. The PDF backend flips this
// into PDF user space with one matrix per page; the raster backend scales
// it by pxPerMM.

// Card size, ISO/IEC 7810 ID-1, in mm.
const (
	cardW = 85.60
	cardH = 53.98
)

// dpi is the resolution of the PNGs; pxPerMM follows from it.
const (
	dpi     = 300
	pxPerMM = dpi / 25.4
)

// PNG size: 85.60 mm and 53.98 mm at 300 dpi (1011.02 and 637.56 px), rounded.
var (
	pngW = int(math.Round(cardW * pxPerMM)) // 1011
	pngH = int(math.Round(cardH * pxPerMM)) // 638
)

type point struct{ x, y float64 }

type rect struct{ x, y, w, h float64 }

// px returns the pixel rectangle that r covers at 300 dpi, with its
// edges rounded to whole pixels.
func (r rect) px() (x0, y0, x1, y1 int) {
	return int(math.Round(r.x * pxPerMM)), int(math.Round(r.y * pxPerMM)),
		int(math.Round((r.x + r.w) * pxPerMM)), int(math.Round((r.y + r.h) * pxPerMM))
}

// pxToMM converts a whole number of pixels to mm.
func pxToMM(px int) float64 { return float64(px) / pxPerMM }

type segKind uint8

const (
	segMove segKind = iota
	segLine
	segCubic
	segClose
)

// path is a sequence of subpaths made of straight and cubic Bézier
// segments. segMove and segLine take one point, segCubic three, segClose
// none.
type path struct {
	kinds []segKind
	pts   []point
}

func (p *path) moveTo(x, y float64) {
	p.kinds = append(p.kinds, segMove)
	p.pts = append(p.pts, point{x, y})
}

func (p *path) lineTo(x, y float64) {
	p.kinds = append(p.kinds, segLine)
	p.pts = append(p.pts, point{x, y})
}

func (p *path) cubicTo(x1, y1, x2, y2, x3, y3 float64) {
	p.kinds = append(p.kinds, segCubic)
	p.pts = append(p.pts, point{x1, y1}, point{x2, y2}, point{x3, y3})
}

func (p *path) close() { p.kinds = append(p.kinds, segClose) }

// rectPath returns the outline of r.
func rectPath(r rect) *path {
	p := &path{}
	p.moveTo(r.x, r.y)
	p.lineTo(r.x+r.w, r.y)
	p.lineTo(r.x+r.w, r.y+r.h)
	p.lineTo(r.x, r.y+r.h)
	p.close()
	return p
}

// circlePath returns a circle of radius r around (cx, cy), as four cubics.
func circlePath(cx, cy, r float64) *path {
	const k = 0.5522847498
	p := &path{}
	p.moveTo(cx+r, cy)
	p.cubicTo(cx+r, cy+k*r, cx+k*r, cy+r, cx, cy+r)
	p.cubicTo(cx-k*r, cy+r, cx-r, cy+k*r, cx-r, cy)
	p.cubicTo(cx-r, cy-k*r, cx-k*r, cy-r, cx, cy-r)
	p.cubicTo(cx+k*r, cy-r, cx+r, cy-k*r, cx+r, cy)
	p.close()
	return p
}

// curvePath approximates the parametric curve f on [t0, t1] by n cubic
// Bézier segments that match f and its derivative at both ends of each
// segment (cubic Hermite interpolation), which is accurate and compact for
// the smooth curves of the guilloche.
func curvePath(f func(t float64) point, t0, t1 float64, n int, closed bool) *path {
	p := &path{}
	dt := (t1 - t0) / float64(n)
	h := dt * 1e-3
	deriv := func(t float64) point {
		a, b := f(t-h), f(t+h)
		return point{(b.x - a.x) / (2 * h), (b.y - a.y) / (2 * h)}
	}
	prev := f(t0)
	dprev := deriv(t0)
	p.moveTo(prev.x, prev.y)
	for i := 1; i <= n; i++ {
		t := t0 + dt*float64(i)
		cur, dcur := f(t), deriv(t)
		if closed && i == n {
			cur = p.pts[0]
		}
		p.cubicTo(prev.x+dprev.x*dt/3, prev.y+dprev.y*dt/3,
			cur.x-dcur.x*dt/3, cur.y-dcur.y*dt/3, cur.x, cur.y)
		prev, dprev = cur, dcur
	}
	if closed {
		p.close()
	}
	return p
}

// bounds returns the bounding box of p's points and control points.
func (p *path) bounds() rect {
	if len(p.pts) == 0 {
		return rect{}
	}
	x0, y0, x1, y1 := p.pts[0].x, p.pts[0].y, p.pts[0].x, p.pts[0].y
	for _, q := range p.pts[1:] {
		x0, y0 = math.Min(x0, q.x), math.Min(y0, q.y)
		x1, y1 = math.Max(x1, q.x), math.Max(y1, q.y)
	}
	return rect{x0, y0, x1 - x0, y1 - y0}
}

// flatten returns p as polylines, one per subpath, with each cubic split
// into straight pieces no longer than about step mm. A closed subpath ends
// with its first point.
func (p *path) flatten(step float64) [][]point {
	var out [][]point
	var cur []point
	i := 0
	for _, k := range p.kinds {
		switch k {
		case segMove:
			if len(cur) > 1 {
				out = append(out, cur)
			}
			cur = []point{p.pts[i]}
			i++
		case segLine:
			cur = append(cur, p.pts[i])
			i++
		case segCubic:
			a := cur[len(cur)-1]
			b, c, d := p.pts[i], p.pts[i+1], p.pts[i+2]
			i += 3
			l := dist(a, b) + dist(b, c) + dist(c, d)
			n := max(1, min(64, int(math.Ceil(l/step))))
			for j := 1; j <= n; j++ {
				t := float64(j) / float64(n)
				u := 1 - t
				cur = append(cur, point{
					u*u*u*a.x + 3*u*u*t*b.x + 3*u*t*t*c.x + t*t*t*d.x,
					u*u*u*a.y + 3*u*u*t*b.y + 3*u*t*t*c.y + t*t*t*d.y,
				})
			}
		case segClose:
			if len(cur) > 0 && cur[0] != cur[len(cur)-1] {
				cur = append(cur, cur[0])
			}
		}
	}
	if len(cur) > 1 {
		out = append(out, cur)
	}
	return out
}

func dist(a, b point) float64 { return math.Hypot(b.x-a.x, b.y-a.y) }

// affine is the 2×3 matrix [a b c d e f] of PDF: x' = a·x + c·y + e,
// y' = b·x + d·y + f.
type affine [6]float64

func (m affine) apply(p point) point {
	return point{m[0]*p.x + m[2]*p.y + m[4], m[1]*p.x + m[3]*p.y + m[5]}
}

// rotation returns the rotation by theta radians about (cx, cy).
func rotation(theta, cx, cy float64) affine {
	s, c := math.Sincos(theta)
	return affine{c, s, -s, c, cx - c*cx + s*cy, cy - s*cx - c*cy}
}

// translation returns the translation by (dx, dy).
func translation(dx, dy float64) affine { return affine{1, 0, 0, 1, dx, dy} }

// family is a set of guilloche lines: one base path stroked under several
// transforms. The PDF stores the base path once as a form XObject and
// paints it once per transform; the rasteriser strokes every copy.
type family struct {
	base   *path
	xf     []affine
	width  float64 // line width, mm
	color  color.RGBA
	poly   [][]point // base flattened, for the rasteriser
	bounds rect      // of base, for the form's bounding box
}

func newFamily(base *path, xf []affine, width float64, c color.RGBA) *family {
	return &family{base: base, xf: xf, width: width, color: c, poly: base.flatten(0.25), bounds: base.bounds()}
}

// mix returns a·(1−t) + b·t per channel, opaque.
func mix(a, b color.RGBA, t float64) color.RGBA {
	f := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*(1-t) + float64(y)*t)) }
	return color.RGBA{f(a.R, b.R), f(a.G, b.G), f(a.B, b.B), 255}
}

var (
	white = color.RGBA{255, 255, 255, 255}
	black = color.RGBA{0, 0, 0, 255}
)
