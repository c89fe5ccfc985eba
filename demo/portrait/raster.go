package portrait

import (
	"image"
	"image/color"
	"math"
	"slices"
)

// This file holds the small anti-aliased rasterisers the portraits are
// drawn with. A shape is rasterised into a coverage mask (*image.Alpha,
// bounded to the shape and clipped to the canvas), masks can be combined,
// and a mask is painted onto the canvas in one colour.

// vec is a point or a direction in canvas pixels; y grows downwards.
type vec struct{ x, y float64 }

func (a vec) add(b vec) vec             { return vec{a.x + b.x, a.y + b.y} }
func (a vec) sub(b vec) vec             { return vec{a.x - b.x, a.y - b.y} }
func (a vec) scale(k float64) vec       { return vec{a.x * k, a.y * k} }
func (a vec) lerp(b vec, t float64) vec { return a.add(b.sub(a).scale(t)) }

// canvasRect bounds every mask.
var canvasRect = image.Rect(0, 0, Width, Height)

// ellipse returns the coverage of an ellipse centred on (cx, cy) with
// radii rx and ry, turned by angle radians clockwise.
//
// Coverage comes from the distance to the edge, estimated as the implicit
// function f = u²+v²−1 divided by the length of its gradient, which gives
// a one-pixel-wide anti-aliased edge without supersampling.
func ellipse(cx, cy, rx, ry, angle float64) *image.Alpha {
	cos, sin := math.Cos(angle), math.Sin(angle)
	hw := math.Hypot(rx*cos, ry*sin) // half extents of the turned ellipse
	hh := math.Hypot(rx*sin, ry*cos)
	r := image.Rect(
		int(math.Floor(cx-hw-1)), int(math.Floor(cy-hh-1)),
		int(math.Ceil(cx+hw+1)), int(math.Ceil(cy+hh+1)),
	).Intersect(canvasRect)
	m := image.NewAlpha(r)
	// The gradient length is at most 2√(u²+v²)/rmin, which bounds the
	// distance from below and lets most pixels skip the square root: those
	// with f ≤ −1/rmin are fully inside, and those with f > 0 and
	// f²·rmin² ≥ f+1 are fully outside.
	rmin := min(rx, ry)
	inside := -1 / rmin
	for y := r.Min.Y; y < r.Max.Y; y++ {
		py := float64(y) + 0.5 - cy
		row := m.Pix[m.PixOffset(r.Min.X, y):]
		for x := r.Min.X; x < r.Max.X; x++ {
			px := float64(x) + 0.5 - cx
			u := (px*cos + py*sin) / rx
			v := (-px*sin + py*cos) / ry
			f := u*u + v*v - 1
			switch {
			case f <= inside:
				row[x-r.Min.X] = 255
			case f > 0 && f*f*rmin*rmin >= f+1:
				// Outside: the mask is already zero.
			default:
				g := 2 * math.Sqrt(u*u/(rx*rx)+v*v/(ry*ry))
				row[x-r.Min.X] = coverage(0.5 - f/g)
			}
		}
	}
	return m
}

// circle returns the coverage of a circle.
func circle(c vec, r float64) *image.Alpha { return ellipse(c.x, c.y, r, r, 0) }

// coverage converts a fraction to an alpha value, clamping to [0, 1].
func coverage(f float64) uint8 {
	switch {
	case f <= 0:
		return 0
	case f >= 1:
		return 255
	}
	return uint8(f*255 + 0.5)
}

// subScanlines is the number of sample rows per pixel row in polygon.
const subScanlines = 4

// polygon returns the coverage of a closed polygon under the non-zero
// winding rule, so self-overlapping outlines fill solid. Each pixel row is
// sampled on subScanlines rows; along a row the covered length of each pixel
// is computed exactly.
func polygon(pts []vec) *image.Alpha {
	if len(pts) < 3 {
		return image.NewAlpha(image.Rectangle{})
	}
	minX, minY, maxX, maxY := pts[0].x, pts[0].y, pts[0].x, pts[0].y
	for _, p := range pts[1:] {
		minX, maxX = min(minX, p.x), max(maxX, p.x)
		minY, maxY = min(minY, p.y), max(maxY, p.y)
	}
	r := image.Rect(int(math.Floor(minX)), int(math.Floor(minY)), int(math.Ceil(maxX))+1, int(math.Ceil(maxY))+1).Intersect(canvasRect)
	m := image.NewAlpha(r)
	if r.Empty() {
		return m
	}

	type crossing struct {
		x   float64
		dir int
	}
	var xs []crossing
	acc := make([]float64, r.Dx())
	const w = 1.0 / subScanlines
	for y := r.Min.Y; y < r.Max.Y; y++ {
		clear(acc)
		for s := 0; s < subScanlines; s++ {
			sy := float64(y) + (float64(s)+0.5)*w
			xs = xs[:0]
			for i, a := range pts {
				b := pts[(i+1)%len(pts)]
				switch {
				case a.y <= sy && b.y > sy:
					xs = append(xs, crossing{a.x + (sy-a.y)*(b.x-a.x)/(b.y-a.y), 1})
				case b.y <= sy && a.y > sy:
					xs = append(xs, crossing{a.x + (sy-a.y)*(b.x-a.x)/(b.y-a.y), -1})
				}
			}
			slices.SortFunc(xs, func(p, q crossing) int {
				switch {
				case p.x < q.x:
					return -1
				case p.x > q.x:
					return 1
				}
				return 0
			})
			winding := 0
			for i, c := range xs {
				winding += c.dir
				if winding != 0 && i+1 < len(xs) {
					addSpan(acc, c.x-float64(r.Min.X), xs[i+1].x-float64(r.Min.X), w)
				}
			}
		}
		row := m.Pix[m.PixOffset(r.Min.X, y):]
		for i, a := range acc {
			row[i] = coverage(a)
		}
	}
	return m
}

// addSpan adds weight w times the covered fraction of each pixel to acc for
// the horizontal span [a, b), in pixel units relative to acc[0].
func addSpan(acc []float64, a, b, w float64) {
	a = max(a, 0)
	b = min(b, float64(len(acc)))
	if b <= a {
		return
	}
	ia, ib := int(a), int(b)
	if ia == ib {
		acc[ia] += (b - a) * w
		return
	}
	acc[ia] += (float64(ia+1) - a) * w
	for i := ia + 1; i < ib; i++ {
		acc[i] += w
	}
	if ib < len(acc) {
		acc[ib] += (b - float64(ib)) * w
	}
}

// quad returns n+1 points along the quadratic Bézier curve p0–p1–p2.
func quad(p0, p1, p2 vec, n int) []vec {
	pts := make([]vec, n+1)
	for i := range pts {
		t := float64(i) / float64(n)
		pts[i] = p0.lerp(p1, t).lerp(p1.lerp(p2, t), t)
	}
	return pts
}

// stroke returns the outline of a band along the open path pts, w0 wide at
// its start and w1 wide at its end, for use with polygon.
func stroke(pts []vec, w0, w1 float64) []vec {
	n := len(pts)
	left := make([]vec, n)
	right := make([]vec, n)
	for i, p := range pts {
		prev, next := pts[max(i-1, 0)], pts[min(i+1, n-1)]
		t := next.sub(prev)
		l := math.Hypot(t.x, t.y)
		if l == 0 {
			l = 1
		}
		normal := vec{-t.y / l, t.x / l}
		half := (w0 + (w1-w0)*float64(i)/float64(max(n-1, 1))) / 2
		left[i] = p.add(normal.scale(half))
		right[i] = p.sub(normal.scale(half))
	}
	slices.Reverse(right)
	return append(left, right...)
}

// outline returns n points around the centre c of a closed shape whose
// radius towards angle t (0 = right, π/2 = down) is radius(t).
func outline(c vec, n int, radius func(t float64) vec) []vec {
	pts := make([]vec, n)
	for i := range pts {
		t := 2 * math.Pi * float64(i) / float64(n)
		r := radius(t)
		pts[i] = vec{c.x + r.x*math.Cos(t), c.y + r.y*math.Sin(t)}
	}
	return pts
}

// union returns a new mask covering a or b.
func union(a, b *image.Alpha) *image.Alpha {
	r := a.Rect.Union(b.Rect)
	m := image.NewAlpha(r)
	for _, src := range []*image.Alpha{a, b} {
		for y := src.Rect.Min.Y; y < src.Rect.Max.Y; y++ {
			s := src.Pix[src.PixOffset(src.Rect.Min.X, y):][:src.Rect.Dx()]
			d := m.Pix[m.PixOffset(src.Rect.Min.X, y):][:src.Rect.Dx()]
			for i, v := range s {
				d[i] = max(d[i], v)
			}
		}
	}
	return m
}

// subtract removes b from a, in place, and returns a.
func subtract(a, b *image.Alpha) *image.Alpha {
	r := a.Rect.Intersect(b.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		d := a.Pix[a.PixOffset(r.Min.X, y):][:r.Dx()]
		s := b.Pix[b.PixOffset(r.Min.X, y):][:r.Dx()]
		for i, v := range s {
			d[i] = uint8(uint32(d[i]) * (255 - uint32(v)) / 255)
		}
	}
	return a
}

// intersect keeps only the part of a that b covers, in place, and returns
// a.
func intersect(a, b *image.Alpha) *image.Alpha {
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		d := a.Pix[a.PixOffset(a.Rect.Min.X, y):][:a.Rect.Dx()]
		for i := range d {
			p := image.Point{a.Rect.Min.X + i, y}
			if !p.In(b.Rect) {
				d[i] = 0
				continue
			}
			d[i] = uint8(uint32(d[i]) * uint32(b.Pix[b.PixOffset(p.X, p.Y)]) / 255)
		}
	}
	return a
}

// rows keeps only the rows of a from y0 up to but not including y1, in
// place, and returns a.
func rows(a *image.Alpha, y0, y1 int) *image.Alpha {
	for y := a.Rect.Min.Y; y < a.Rect.Max.Y; y++ {
		if y < y0 || y >= y1 {
			clear(a.Pix[a.PixOffset(a.Rect.Min.X, y):][:a.Rect.Dx()])
		}
	}
	return a
}

// paint blends colour c, with its own alpha, onto dst through mask m.
func paint(dst *image.RGBA, m *image.Alpha, c color.NRGBA) {
	r := m.Rect.Intersect(dst.Rect)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		s := m.Pix[m.PixOffset(r.Min.X, y):][:r.Dx()]
		d := dst.Pix[dst.PixOffset(r.Min.X, y):][:4*r.Dx()]
		for i, v := range s {
			a := uint32(v) * uint32(c.A) / 255
			p := d[4*i : 4*i+4 : 4*i+4]
			switch a {
			case 0:
				continue
			case 255:
				p[0], p[1], p[2], p[3] = c.R, c.G, c.B, 255
				continue
			}
			p[0] = uint8((uint32(p[0])*(255-a) + uint32(c.R)*a + 127) / 255)
			p[1] = uint8((uint32(p[1])*(255-a) + uint32(c.G)*a + 127) / 255)
			p[2] = uint8((uint32(p[2])*(255-a) + uint32(c.B)*a + 127) / 255)
			p[3] = 255
		}
	}
}
