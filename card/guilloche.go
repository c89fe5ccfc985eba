package card

import (
	"crypto/sha256"
	"encoding/binary"
	"image/color"
	"math"
)

// The guilloche is the fine, light, interlaced line pattern printed under
// the text on both sides. Its parameters (wave lengths, amplitudes,
// phases, petal counts, rosette centres) come from a SHA-256 hash of the
// card number and the A-number, so every card has its own pattern, the
// same data always gives the same pattern, and a pattern copied from one
// card does not match another card's data.

// prng is a small deterministic generator (SplitMix64) seeded from the
// hash; it only spreads the hash over many parameters.
type prng struct{ s uint64 }

func (r *prng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// uniform returns a number in [lo, hi).
func (r *prng) uniform(lo, hi float64) float64 {
	return lo + (hi-lo)*float64(r.next()>>11)/(1<<53)
}

// intn returns an integer in [lo, hi].
func (r *prng) intn(lo, hi int) int { return lo + int(r.next()%uint64(hi-lo+1)) }

// guillocheSeed hashes the card's identifying data.
func guillocheSeed(cardNumber, aNumber string) *prng {
	h := sha256.Sum256([]byte("docketcard guilloche v1\x00" + cardNumber + "\x00" + aNumber))
	return &prng{s: binary.BigEndian.Uint64(h[:8]) ^ binary.BigEndian.Uint64(h[8:16])<<1}
}

// guilloche holds the line families of both sides.
type guilloche struct {
	front, back []*family
	header      []*family // in the front's header band
}

// guillocheColors are the light tints of the pattern: they stay well above
// the text in lightness so that small print remains legible.
func guillocheColors(accent color.RGBA) (cool, warm, green color.RGBA) {
	cool = mix(accent, white, 0.80)
	warm = mix(color.RGBA{196, 140, 60, 255}, white, 0.70)
	green = mix(color.RGBA{40, 140, 120, 255}, white, 0.74)
	return
}

func newGuilloche(cardNumber, aNumber string, accent color.RGBA) *guilloche {
	r := guillocheSeed(cardNumber, aNumber)
	cool, warm, green := guillocheColors(accent)
	g := &guilloche{}

	// Front: two crossing families of waves over the whole card, a
	// rosette of interlaced petal rings and a spirograph at its centre.
	g.front = append(g.front,
		waves(r, cool, 1, 0.07, 0, cardH),
		waves(r, warm, -1, 0.07, 0, cardH))
	cx, cy := r.uniform(56, 64), r.uniform(27, 33)
	g.front = append(g.front,
		rosette(r, cx, cy, r.uniform(17, 21), r.uniform(1.6, 2.4), green, 0.07),
		rosette(r, cx, cy, r.uniform(10, 12.5), r.uniform(1.0, 1.6), cool, 0.07),
		spiro(r, cx, cy, r.uniform(6.5, 8.5), warm, 0.06))

	// Back: the same kinds of lines with their own parameters, lighter
	// where the small print is.
	g.back = append(g.back,
		waves(r, cool, 1, 0.06, 0, mrzTop),
		waves(r, green, -1, 0.06, 0, mrzTop))
	bx, by := r.uniform(60, 66), r.uniform(16, 20)
	g.back = append(g.back,
		rosette(r, bx, by, r.uniform(13, 16), r.uniform(1.2, 1.8), warm, 0.06))

	// Header band: white-ish waves on the accent colour.
	g.header = append(g.header, waves(r, mix(accent, white, 0.16), 1, 0.08, 0, headerH))
	return g
}

// waves returns parallel copies of a wave made of two sines, each copy
// moved down by the spacing and along by a phase drift, which makes the
// braided look of banknote backgrounds. dir flips the wave, so that two
// families cross. The copies cover the band from y0 to y1 (mm).
func waves(r *prng, c color.RGBA, dir, width, y0, y1 float64) *family {
	l1 := r.uniform(15, 22)   // main wave length, mm
	a1 := r.uniform(1.3, 2.1) // its amplitude
	l2 := r.uniform(4.5, 7)   // ripple wave length
	a2 := r.uniform(0.25, 0.6)
	ph := r.uniform(0, 2*math.Pi)
	spacing := r.uniform(1.55, 2.1)
	drift := r.uniform(0.12, 0.3) * l1

	x0, x1 := -l1-2.0, cardW+2.0
	f := func(t float64) point {
		x := x0 + (x1-x0)*t
		return point{x, dir * (a1*math.Sin(2*math.Pi*x/l1+ph) + a2*math.Sin(2*math.Pi*x/l2))}
	}
	n := int(math.Ceil((x1 - x0) / (l2 / 4)))
	base := curvePath(f, 0, 1, n, false)

	var xf []affine
	count := int(math.Ceil((y1-y0+2*(a1+a2)+2)/spacing)) + 1
	for i := 0; i < count; i++ {
		shift := math.Mod(float64(i)*drift, l1)
		xf = append(xf, translation(shift, y0-a1-a2-1+float64(i)*spacing))
	}
	return newFamily(base, xf, width, c)
}

// rosette returns a closed petal ring r(θ) = R + A·sin(nθ) around (cx, cy)
// and copies of it rotated by fractions of a petal, which interlace.
func rosette(r *prng, cx, cy, radius, amp float64, c color.RGBA, width float64) *family {
	n := r.intn(14, 22)
	copies := r.intn(5, 8)
	f := func(t float64) point {
		rad := radius + amp*math.Sin(float64(n)*t)
		return point{cx + rad*math.Cos(t), cy + rad*math.Sin(t)}
	}
	base := curvePath(f, 0, 2*math.Pi, 6*n, true)
	var xf []affine
	for j := 0; j < copies; j++ {
		xf = append(xf, rotation(2*math.Pi/float64(n)*float64(j)/float64(copies), cx, cy))
	}
	return newFamily(base, xf, width, c)
}

// spiro returns a hypotrochoid (the curve of a spirograph) of outer
// radius size around (cx, cy), with a ratio of circles p/q from the hash,
// and two copies rotated against each other.
func spiro(r *prng, cx, cy, size float64, c color.RGBA, width float64) *family {
	p := r.intn(9, 13)
	q := []int{2, 3, 4, 5}[r.intn(0, 3)]
	for gcd(p, q) != 1 {
		p++
	}
	bigR, smallR := float64(p), float64(q)
	d := smallR * r.uniform(0.7, 1.1)
	k := (bigR - smallR) / smallR
	scale := size / (bigR - smallR + d)
	f := func(t float64) point {
		return point{
			cx + scale*((bigR-smallR)*math.Cos(t)+d*math.Cos(k*t)),
			cy + scale*((bigR-smallR)*math.Sin(t)-d*math.Sin(k*t)),
		}
	}
	base := curvePath(f, 0, 2*math.Pi*float64(q), 10*p, true)
	return newFamily(base, []affine{rotation(0, cx, cy), rotation(math.Pi/float64(p), cx, cy)}, width, c)
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// emblem is the program's mark in the header: a ring around a small
// fixed rosette (the same on every card; it is not any agency's seal).
func emblem(c canvas, cx, cy float64, col color.RGBA) {
	c.stroke(circlePath(cx, cy, 3.25), 0.22, col)
	c.stroke(circlePath(cx, cy, 2.85), 0.08, col)
	f := func(t float64) point {
		rad := 1.75 + 0.75*math.Sin(7*t)
		return point{cx + rad*math.Cos(t), cy + rad*math.Sin(t)}
	}
	for j := 0; j < 3; j++ {
		base := curvePath(f, 0, 2*math.Pi, 42, true)
		m := rotation(2*math.Pi/7*float64(j)/3, cx, cy)
		for i := range base.pts {
			base.pts[i] = m.apply(base.pts[i])
		}
		c.stroke(base, 0.07, col)
	}
	c.fill(circlePath(cx, cy, 0.55), col)
}
