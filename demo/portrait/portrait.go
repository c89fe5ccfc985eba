// Package portrait draws clearly synthetic portraits for demo and test
// people: flat, illustrated head-and-shoulders pictures with no real face
// behind them and no machine learning, each stamped "SYNTHETIC".
//
// A portrait is a pure function of its seed (and, for the hair, of the sex
// marker), drawn with the small rasterisers in raster.go: a background
// gradient, shoulders and clothes, neck, ears, a face whose shape and skin
// tone vary, eyes, brows, nose, mouth, hair in one of several styles, and
// sometimes a beard, freckles or glasses.
package portrait

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"math"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/docketcard/docketcard"
)

// Size of every portrait: 3:4, as on an ID card.
const (
	Width  = 600
	Height = 800
)

// jpegQuality is the quality of the generated JPEG.
const jpegQuality = 90

// Generate returns a deterministic JPEG portrait (3:4, 600×800) for seed;
// sex is "M", "F" or "X" and only nudges hair style/colour.
//
// The same seed and sex give identical bytes on a given platform and Go
// version (JPEG encoders and floating-point code may differ between them).
// Any other sex is an EINVALID error.
func Generate(seed int64, sex string) ([]byte, error) {
	m, err := render(seed, sex)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: jpegQuality}); err != nil {
		return nil, fmt.Errorf("portrait: encode jpeg: %w", err)
	}
	return buf.Bytes(), nil
}

// render draws the portrait for seed and sex.
func render(seed int64, sex string) (*image.RGBA, error) {
	switch sex {
	case "M", "F", "X":
	default:
		return nil, docketcard.Errorf(docketcard.EINVALID, `sex must be "M", "F" or "X", not %q`, sex)
	}
	f := newFeatures(seed, sex)
	m := image.NewRGBA(canvasRect)
	f.drawBackground(m)
	f.drawBody(m)
	f.drawHead(m)
	f.drawHair(m)
	if f.glasses {
		f.drawGlasses(m)
	}
	stamp(m)
	return m, nil
}

// Palettes. Skin tones run from very light to very dark; the other
// palettes are ordinary colours for hair, eyes, clothes and backdrops.
var (
	skinTones = []color.NRGBA{
		{255, 226, 200, 255}, {248, 212, 182, 255}, {240, 196, 162, 255},
		{228, 178, 140, 255}, {214, 160, 118, 255}, {198, 138, 98, 255},
		{176, 116, 78, 255}, {150, 94, 60, 255}, {122, 74, 46, 255},
		{96, 58, 38, 255}, {72, 44, 30, 255},
	}
	hairColours = []color.NRGBA{
		{28, 24, 22, 255},    // black
		{58, 40, 30, 255},    // dark brown
		{98, 66, 42, 255},    // brown
		{140, 100, 62, 255},  // light brown
		{140, 62, 34, 255},   // auburn
		{186, 96, 48, 255},   // ginger
		{214, 180, 112, 255}, // blonde
		{150, 148, 146, 255}, // grey
		{220, 218, 212, 255}, // white
		{60, 120, 160, 255},  // dyed blue
		{150, 70, 150, 255},  // dyed purple
	}
	// Weights of hairColours for "M", "F" and "X".
	hairColourWeights = map[string][]float64{
		"M": {6, 6, 5, 3, 1, 1, 2, 3, 1.5, 0.1, 0.1},
		"F": {5, 6, 5, 4, 2.5, 1.5, 3.5, 1.5, 1, 0.3, 0.3},
		"X": {5, 5, 4, 3, 2, 1.5, 2.5, 2, 1, 1.5, 1.5},
	}
	eyeColours = []color.NRGBA{
		{62, 38, 24, 255}, {96, 62, 34, 255}, {120, 96, 50, 255},
		{70, 110, 60, 255}, {70, 110, 160, 255}, {110, 120, 130, 255},
	}
	eyeColourWeights = []float64{6, 5, 2, 1.5, 2, 1}
	clothColours     = []color.NRGBA{
		{32, 44, 78, 255}, {52, 54, 60, 255}, {110, 32, 44, 255},
		{36, 90, 60, 255}, {30, 110, 118, 255}, {196, 150, 46, 255},
		{130, 134, 140, 255}, {120, 160, 204, 255}, {226, 224, 216, 255},
		{26, 26, 28, 255}, {92, 60, 130, 255}, {176, 90, 60, 255},
	}
	backdrops = [][2]color.NRGBA{
		{{214, 226, 238, 255}, {160, 180, 205, 255}}, // blue-grey
		{{222, 232, 222, 255}, {170, 194, 176, 255}}, // sage
		{{240, 230, 212, 255}, {200, 184, 160, 255}}, // beige
		{{226, 226, 230, 255}, {172, 172, 182, 255}}, // grey
		{{206, 230, 234, 255}, {140, 186, 196, 255}}, // teal
		{{238, 222, 228, 255}, {200, 170, 186, 255}}, // rose
		{{230, 226, 240, 255}, {180, 172, 210, 255}}, // lavender
	}
	glassesColours = []color.NRGBA{
		{20, 20, 22, 255}, {92, 56, 32, 255}, {184, 150, 70, 255},
		{170, 172, 178, 255}, {150, 30, 40, 255}, {30, 60, 120, 255},
	}
)

// Hair styles.
const (
	hairBuzz = iota
	hairShort
	hairSidePart
	hairBob
	hairLong
	hairBun
	hairCurly
	hairBald
)

// Weights of the hair styles for "M", "F" and "X".
var hairStyleWeights = map[string][]float64{
	"M": {3, 5, 4, 0.5, 1, 0.5, 2, 2},
	"F": {0.5, 1.5, 2, 4, 5, 3, 2.5, 0.2},
	"X": {2, 3, 3, 3, 3, 2, 3, 1},
}

// Clothing styles.
const (
	clothCrew = iota
	clothVNeck
	clothCollar
	clothJacket
)

// features holds every choice that a seed makes.
type features struct {
	// Backdrop, top and bottom colours.
	bgTop, bgBottom color.NRGBA

	// Head geometry: the face is centred on (cx, cy) with radii rx, ry; jaw
	// narrows its lower half.
	cx, cy, rx, ry, jaw float64
	skin                color.NRGBA

	eyeY, eyeDX, eyeRX, eyeRY, eyeTilt     float64
	iris                                   color.NRGBA
	browGap, browThick, browArch, browTilt float64
	noseW, noseY                           float64
	mouthY, mouthW, lipH, smile            float64
	lips                                   color.NRGBA
	blush                                  bool
	freckles                               bool
	neckW                                  float64

	hair      color.NRGBA
	hairStyle int
	hairVol   float64
	hairSide  float64 // -1 or 1: the side of a parting
	beard     int     // 0 none, 1 stubble, 2 full beard, 3 moustache

	cloth, shirt color.NRGBA
	clothStyle   int
	shoulderY    float64
	shoulderW    float64

	glasses      bool
	glassesRound bool
	glassesCol   color.NRGBA
	glassesThick float64

	seed int64 // for the few details drawn from their own stream
}

// newFeatures makes the choices for seed. Each group of choices draws from
// its own stream; sex only changes the weights of the hair choices.
func newFeatures(seed int64, sex string) *features {
	f := &features{seed: seed}

	r := newRNG(seed, "backdrop")
	bg := backdrops[r.intn(len(backdrops))]
	f.bgTop, f.bgBottom = jitter(r, bg[0], 6), jitter(r, bg[1], 6)

	r = newRNG(seed, "head")
	f.cx = Width/2 + r.between(-12, 12)
	f.cy = 385 + r.between(-12, 12)
	f.rx = r.between(140, 164)
	f.ry = f.rx * r.between(1.2, 1.32)
	f.jaw = r.between(0.12, 0.32)
	f.skin = jitter(r, skinTones[r.intn(len(skinTones))], 6)
	f.neckW = f.rx * r.between(0.42, 0.52)

	r = newRNG(seed, "eyes")
	f.eyeY = f.cy - f.ry*r.between(0.04, 0.12)
	f.eyeDX = f.rx * r.between(0.36, 0.43)
	f.eyeRX = f.rx * r.between(0.155, 0.19)
	f.eyeRY = f.eyeRX * r.between(0.42, 0.54)
	f.eyeTilt = r.between(-0.08, 0.1)
	f.iris = jitter(r, eyeColours[r.pick(eyeColourWeights)], 8)
	f.browGap = r.between(12, 22)
	f.browThick = r.between(5, 11)
	f.browArch = r.between(2, 12)
	f.browTilt = r.between(-6, 6)

	r = newRNG(seed, "nose and mouth")
	f.noseW = f.rx * r.between(0.2, 0.3)
	f.noseY = f.cy + f.ry*r.between(0.24, 0.34)
	chin := f.cy + f.ry
	f.mouthY = f.noseY + (chin-f.noseY)*r.between(0.33, 0.42)
	f.mouthW = f.eyeDX * r.between(0.62, 0.85)
	f.lipH = r.between(8, 15)
	f.smile = r.between(-1, 10)
	f.lips = mix(f.skin, color.NRGBA{170, 70, 80, 255}, r.between(0.25, 0.5))
	f.lips = mix(f.lips, color.NRGBA{0, 0, 0, 255}, 0.12)
	f.blush = r.chance(0.35)
	f.freckles = r.chance(0.12)

	r = newRNG(seed, "hair")
	f.hair = jitter(r, hairColours[r.pick(hairColourWeights[sex])], 8)
	f.hairStyle = r.pick(hairStyleWeights[sex])
	f.hairVol = r.between(0.02, 0.1)
	f.hairSide = r.sign()
	switch sex {
	case "M":
		f.beard = r.pick([]float64{6.5, 1.2, 1.3, 1})
	case "X":
		f.beard = r.pick([]float64{9, 0.4, 0.3, 0.3})
	}

	r = newRNG(seed, "clothes")
	f.cloth = jitter(r, clothColours[r.intn(len(clothColours))], 8)
	f.shirt = []color.NRGBA{{246, 246, 242, 255}, {206, 224, 242, 255}, {236, 228, 214, 255}}[r.intn(3)]
	f.clothStyle = r.intn(4)
	f.shoulderY = f.cy + f.ry + r.between(35, 60)
	f.shoulderW = r.between(330, 400)

	r = newRNG(seed, "glasses")
	f.glasses = r.chance(0.3)
	f.glassesRound = r.chance(0.4)
	f.glassesCol = glassesColours[r.intn(len(glassesColours))]
	f.glassesThick = r.between(3, 6.5)
	return f
}

// jitter moves each channel of c by up to ±d.
func jitter(r *rng, c color.NRGBA, d float64) color.NRGBA {
	ch := func(v uint8) uint8 { return clamp8(float64(v) + r.between(-d, d)) }
	return color.NRGBA{ch(c.R), ch(c.G), ch(c.B), c.A}
}

// mix returns a blend of a and b, t of the way from a to b.
func mix(a, b color.NRGBA, t float64) color.NRGBA {
	ch := func(x, y uint8) uint8 { return clamp8(float64(x) + (float64(y)-float64(x))*t) }
	return color.NRGBA{ch(a.R, b.R), ch(a.G, b.G), ch(a.B, b.B), ch(a.A, b.A)}
}

// shade darkens (k < 1) or lightens (k > 1) c.
func shade(c color.NRGBA, k float64) color.NRGBA {
	if k > 1 {
		return mix(c, color.NRGBA{255, 255, 255, c.A}, k-1)
	}
	return mix(c, color.NRGBA{0, 0, 0, c.A}, 1-k)
}

// alpha returns c with opacity a.
func alpha(c color.NRGBA, a float64) color.NRGBA {
	c.A = clamp8(a * 255)
	return c
}

func clamp8(v float64) uint8 { return uint8(math.Max(0, math.Min(255, math.Round(v)))) }

// drawBackground fills m with a vertical gradient, lightened by a soft
// glow behind the head.
func (f *features) drawBackground(m *image.RGBA) {
	const glowRX, glowRY, glow = 300.0, 340.0, 40.0 / 255
	for y := 0; y < Height; y++ {
		c := mix(f.bgTop, f.bgBottom, float64(y)/Height)
		dy := (float64(y) + 0.5 - f.cy) / glowRY
		row := m.Pix[m.PixOffset(0, y):][:4*Width]
		for x := 0; x < Width; x++ {
			dx := (float64(x) + 0.5 - f.cx) / glowRX
			k := 0.0
			if d := dx*dx + dy*dy; d < 1 {
				k = glow * min(1, (1-d)*8) // fades out over the outer edge
			}
			row[4*x+0] = uint8(float64(c.R) + (255-float64(c.R))*k)
			row[4*x+1] = uint8(float64(c.G) + (255-float64(c.G))*k)
			row[4*x+2] = uint8(float64(c.B) + (255-float64(c.B))*k)
			row[4*x+3] = 255
		}
	}
}

// faceOutline returns the outline of the face: an ellipse whose lower half
// narrows towards the chin.
func (f *features) faceOutline(grow float64) []vec {
	return outline(vec{f.cx, f.cy}, 160, func(t float64) vec {
		s := math.Sin(t)
		w := 1.0
		if s > 0 {
			w = 1 - f.jaw*s*s
		}
		return vec{(f.rx + grow) * w, f.ry + grow}
	})
}

// drawBody draws the shoulders, the clothes and the neck, and for long hair
// the hair that falls behind them.
func (f *features) drawBody(m *image.RGBA) {
	// Hair that hangs behind the head is drawn first so that the neck and
	// face cover it.
	f.drawHairBack(m)

	neckTop := f.cy + f.ry*0.4
	neckBottom := f.shoulderY + 100 // hidden by the clothes, except in a V-neck
	neck := polygon([]vec{
		{f.cx - f.neckW, neckTop}, {f.cx + f.neckW, neckTop},
		{f.cx + f.neckW*1.08, neckBottom}, {f.cx - f.neckW*1.08, neckBottom},
	})
	paint(m, neck, shade(f.skin, 0.93))
	// The chin's shadow on the neck.
	paint(m, intersect(ellipse(f.cx, f.cy+f.ry*0.92, f.neckW*1.3, f.ry*0.22, 0), neck), alpha(shade(f.skin, 0.7), 0.6))

	body := f.bodyMask()
	switch f.clothStyle {
	case clothCrew:
		neckline := ellipse(f.cx, f.shoulderY-4, f.neckW*1.15, 34, 0)
		paint(m, subtract(body, neckline), f.cloth)
		// A ribbed rim around the neckline.
		rim := subtract(ellipse(f.cx, f.shoulderY-4, f.neckW*1.15+7, 41, 0), neckline)
		paint(m, intersect(rim, body), shade(f.cloth, 0.8))
	case clothVNeck:
		v := polygon([]vec{{f.cx - f.neckW*1.2, f.shoulderY - 30}, {f.cx + f.neckW*1.2, f.shoulderY - 30}, {f.cx, f.shoulderY + 85}})
		paint(m, subtract(body, v), f.cloth)
	case clothCollar, clothJacket:
		// A shirt, open at the neck, with a collar; for a jacket, the
		// jacket covers all but a V of the shirt.
		shirt := subtract(body, polygon([]vec{{f.cx - f.neckW*0.9, f.shoulderY - 30}, {f.cx + f.neckW*0.9, f.shoulderY - 30}, {f.cx, f.shoulderY + 45}}))
		shirtCol := f.shirt
		if f.clothStyle == clothCollar {
			shirtCol = f.cloth
		}
		paint(m, shirt, shirtCol)
		if f.clothStyle == clothJacket {
			jacket := subtract(f.bodyMask(),
				polygon([]vec{{f.cx - f.neckW*1.3, f.shoulderY - 30}, {f.cx + f.neckW*1.3, f.shoulderY - 30}, {f.cx, Height + 60}}))
			paint(m, jacket, f.cloth)
			// Lapels.
			for _, s := range []float64{-1, 1} {
				lapel := polygon([]vec{
					{f.cx + s*f.neckW*1.3, f.shoulderY - 10}, {f.cx + s*f.neckW*2.1, f.shoulderY + 40},
					{f.cx + s*f.neckW*1.5, f.shoulderY + 70}, {f.cx + s*f.neckW*0.55, Height},
					{f.cx + s*f.neckW*0.35, Height},
				})
				paint(m, lapel, shade(f.cloth, 0.78))
			}
		}
		// Collar points.
		for _, s := range []float64{-1, 1} {
			collar := polygon([]vec{
				{f.cx + s*f.neckW*1.05, f.shoulderY - 22}, {f.cx + s*f.neckW*0.15, f.shoulderY + 48},
				{f.cx + s*f.neckW*1.2, f.shoulderY + 30},
			})
			paint(m, collar, shade(shirtCol, 0.92))
		}
	}
}

// bodyMask returns the shoulders and chest: sloping from the base of the
// neck to rounded shoulders, then straight down off the canvas.
func (f *features) bodyMask() *image.Alpha {
	y, w, n := f.shoulderY, f.shoulderW, f.neckW
	left := quad(vec{f.cx - n*1.5, y}, vec{f.cx - w*0.85, y + 4}, vec{f.cx - w, y + 110}, 16)
	right := quad(vec{f.cx + w, y + 110}, vec{f.cx + w*0.85, y + 4}, vec{f.cx + n*1.5, y}, 16)
	pts := append(left, vec{f.cx - w - 20, Height + 10}, vec{f.cx + w + 20, Height + 10})
	return polygon(append(pts, right...))
}

// drawHead draws the ears, the face and its features.
func (f *features) drawHead(m *image.RGBA) {
	earY := f.eyeY + f.ry*0.14
	for _, s := range []float64{-1, 1} {
		ex := f.cx + s*f.rx*0.96
		paint(m, ellipse(ex, earY, f.rx*0.15, f.ry*0.21, s*0.15), shade(f.skin, 0.9))
		paint(m, ellipse(ex+s*2, earY, f.rx*0.07, f.ry*0.12, s*0.15), shade(f.skin, 0.75))
	}

	face := polygon(f.faceOutline(0))
	paint(m, face, f.skin)
	// A little shading along the jaw and a light on the forehead give the
	// flat face some shape.
	jawShade := subtract(polygon(f.faceOutline(0)), ellipse(f.cx-f.rx*0.08, f.cy-f.ry*0.1, f.rx*0.98, f.ry*1.02, 0))
	paint(m, jawShade, alpha(shade(f.skin, 0.8), 0.5))
	paint(m, ellipse(f.cx-f.rx*0.2, f.cy-f.ry*0.25, f.rx*0.4, f.ry*0.16, 0), alpha(shade(f.skin, 1.15), 0.22))

	if f.blush {
		for _, s := range []float64{-1, 1} {
			paint(m, ellipse(f.cx+s*f.eyeDX*1.05, f.noseY-4, f.rx*0.2, f.ry*0.09, 0), color.NRGBA{230, 110, 120, 34})
		}
	}
	if f.freckles {
		r := newRNG(f.seed, "freckles")
		for range 40 {
			s := r.sign()
			p := vec{f.cx + s*r.between(f.noseW*0.3, f.eyeDX*1.4), r.between(f.eyeY+f.eyeRY*2.2, f.noseY+6)}
			paint(m, circle(p, r.between(1.2, 2.4)), alpha(shade(f.skin, 0.7), 0.55))
		}
	}

	f.drawBeard(m, face)
	f.drawEyes(m)
	f.drawNose(m)
	f.drawMouth(m)
}

// drawEyes draws the eyes and the brows.
func (f *features) drawEyes(m *image.RGBA) {
	lid := shade(f.hair, 0.55)
	if f.hair.R > 120 { // light hair: keep lashes and brows dark enough to read
		lid = color.NRGBA{60, 42, 32, 255}
	}
	brow := shade(f.hair, 0.85)
	if f.hairStyle == hairBald || f.hair.R > 180 {
		brow = mix(f.hair, color.NRGBA{70, 50, 36, 255}, 0.5)
	}
	for _, s := range []float64{-1, 1} {
		ex, ey := f.cx+s*f.eyeDX, f.eyeY
		tilt := s * f.eyeTilt
		// Eye white, iris, pupil and a highlight.
		paint(m, ellipse(ex, ey, f.eyeRX, f.eyeRY, tilt), color.NRGBA{246, 243, 236, 255})
		ir := f.eyeRY * 0.96
		irisMask := intersect(circle(vec{ex, ey}, ir), ellipse(ex, ey, f.eyeRX, f.eyeRY, tilt))
		paint(m, irisMask, f.iris)
		paint(m, circle(vec{ex, ey}, ir*0.45), color.NRGBA{18, 16, 16, 255})
		paint(m, circle(vec{ex - ir*0.3, ey - ir*0.35}, ir*0.22), color.NRGBA{255, 255, 255, 230})
		// Upper lid: a band along the top of the eye, thicker at the
		// outer corner.
		var pts []vec
		for i := 0; i <= 16; i++ {
			t := math.Pi + math.Pi*float64(i)/16
			u, v := f.eyeRX*math.Cos(t)*1.04, f.eyeRY*math.Sin(t)*1.08
			pts = append(pts, vec{ex + u*math.Cos(tilt) - v*math.Sin(tilt), ey + u*math.Sin(tilt) + v*math.Cos(tilt)})
		}
		w0, w1 := 2.0, 4.5
		if s < 0 {
			w0, w1 = w1, w0
		}
		paint(m, polygon(stroke(pts, w0, w1)), lid)
		// Brow: a tapered band, thick at the inner end.
		inner := vec{f.cx + s*f.eyeDX*0.4, f.eyeY - f.eyeRY - f.browGap + f.browTilt}
		outer := vec{f.cx + s*f.eyeDX*1.5, f.eyeY - f.eyeRY - f.browGap + f.browArch*0.4 - f.browTilt*0.3}
		ctrl := vec{f.cx + s*f.eyeDX*1.0, f.eyeY - f.eyeRY - f.browGap - f.browArch}
		paint(m, polygon(stroke(quad(inner, ctrl, outer, 16), f.browThick, f.browThick*0.45)), brow)
	}
}

// drawNose draws a shadow along one side of the nose, its tip and
// nostrils.
func (f *features) drawNose(m *image.RGBA) {
	dark := shade(f.skin, 0.72)
	const side = 1 // the light comes from the left, so the shadow is on the right
	top := vec{f.cx + side*f.noseW*0.25, f.eyeY + f.eyeRY}
	bottom := vec{f.cx + side*f.noseW*0.7, f.noseY - f.noseW*0.35}
	paint(m, polygon(stroke(quad(top, vec{f.cx + side*f.noseW*0.5, (top.y + bottom.y) / 2}, bottom, 12), 1.5, 4)), alpha(dark, 0.45))
	paint(m, ellipse(f.cx, f.noseY-f.noseW*0.2, f.noseW*0.5, f.noseW*0.4, 0), alpha(shade(f.skin, 1.12), 0.5))
	base := quad(vec{f.cx - f.noseW, f.noseY - f.noseW*0.2}, vec{f.cx, f.noseY + f.noseW*0.55}, vec{f.cx + f.noseW, f.noseY - f.noseW*0.2}, 16)
	paint(m, polygon(stroke(base, 2, 2)), alpha(dark, 0.5))
	for _, s := range []float64{-1, 1} {
		paint(m, ellipse(f.cx+s*f.noseW*0.42, f.noseY, f.noseW*0.2, f.noseW*0.11, s*0.3), alpha(shade(f.skin, 0.5), 0.6))
	}
}

// drawMouth draws the lips and the line between them.
func (f *features) drawMouth(m *image.RGBA) {
	w, h := f.mouthW, f.lipH
	upper := polygon(append(
		quad(vec{f.cx - w, f.mouthY - f.smile*0.3}, vec{f.cx - w*0.5, f.mouthY - h*1.2}, vec{f.cx, f.mouthY - h*0.7}, 12),
		quad(vec{f.cx, f.mouthY - h*0.7}, vec{f.cx + w*0.5, f.mouthY - h*1.2}, vec{f.cx + w, f.mouthY - f.smile*0.3}, 12)[1:]...,
	))
	lower := polygon(append(
		quad(vec{f.cx - w, f.mouthY - f.smile*0.3}, vec{f.cx, f.mouthY + f.smile + h*1.9}, vec{f.cx + w, f.mouthY - f.smile*0.3}, 24),
		vec{f.cx, f.mouthY + f.smile}))
	paint(m, union(upper, lower), f.lips)
	paint(m, ellipse(f.cx, f.mouthY+f.smile*0.6+h*0.55, w*0.35, h*0.22, 0), alpha(shade(f.lips, 1.3), 0.4))
	line := quad(vec{f.cx - w*1.04, f.mouthY - f.smile*0.3}, vec{f.cx, f.mouthY + f.smile*1.2}, vec{f.cx + w*1.04, f.mouthY - f.smile*0.3}, 20)
	paint(m, polygon(stroke(line, 2.5, 2.5)), shade(f.lips, 0.55))
}

// drawBeard draws facial hair inside the face mask.
func (f *features) drawBeard(m *image.RGBA, face *image.Alpha) {
	if f.beard == 0 {
		return
	}
	col := shade(f.hair, 0.92)
	mouth := ellipse(f.cx, f.mouthY+f.smile*0.3, f.mouthW*1.08, f.lipH*1.5, 0)
	moustache := polygon(stroke(quad(
		vec{f.cx - f.mouthW*1.15, f.mouthY - f.lipH*0.2}, vec{f.cx, f.mouthY - f.lipH*2.6}, vec{f.cx + f.mouthW*1.15, f.mouthY - f.lipH*0.2}, 20),
		6, 6))
	moustache = union(moustache, ellipse(f.cx, f.mouthY-f.lipH*1.35, f.mouthW*0.9, f.lipH*0.75, 0))
	switch f.beard {
	case 1, 2: // stubble or a full beard: the lower face below the cheeks
		cheeks := ellipse(f.cx, f.noseY-f.ry*0.25, f.rx*1.1, f.ry*0.38, 0)
		beard := subtract(subtract(polygon(f.faceOutline(3)), cheeks), mouth)
		beard = rows(beard, int(f.noseY), Height)
		beard = union(beard, moustache)
		a := 0.35
		if f.beard == 2 {
			a = 0.92
		}
		paint(m, beard, alpha(col, a))
	case 3:
		paint(m, moustache, alpha(col, 0.9))
	}
}

// capMask returns the hair on top of the head: a dome that covers the top of
// the face down to hairline (a fraction of ry above the face centre) and
// its sides down to sideY.
func (f *features) capMask(vol, hairline, sideY, shift float64) *image.Alpha {
	dome := ellipse(f.cx, f.cy-f.ry*0.16, f.rx*(1.05+vol), f.ry*(0.98+vol*0.6), 0)
	// The sides end at sideY at the outer edge and slope up towards the
	// face, so that they taper like sideburns.
	keep := polygon([]vec{
		{f.cx - 2*f.rx, -1}, {f.cx + 2*f.rx, -1},
		{f.cx + 1.3*f.rx, sideY}, {f.cx + 0.7*f.rx, sideY - 0.3*f.ry},
		{f.cx - 0.7*f.rx, sideY - 0.3*f.ry}, {f.cx - 1.3*f.rx, sideY},
	})
	dome = intersect(dome, keep)
	faceTop := f.cy - f.ry*hairline
	inner := ellipse(f.cx+shift*f.rx, faceTop+f.ry*0.95, f.rx*0.92, f.ry*0.95, 0)
	return subtract(dome, inner)
}

// drawHairBack draws the part of long, bobbed or curly hair that is behind
// the neck and the face.
func (f *features) drawHairBack(m *image.RGBA) {
	var back *image.Alpha
	switch f.hairStyle {
	case hairLong:
		// A dome over the head whose sides drop straight down to the ends,
		// which curve inwards a little.
		bottom := f.cy + f.ry*r2(f.seed, "hair length", 1.25, 1.6)
		c := vec{f.cx, f.cy - f.ry*0.12}
		w, h := f.rx*(1.14+f.hairVol), f.ry*(1.0+f.hairVol*0.6)
		var shape []vec
		for i := 0; i <= 32; i++ { // from the left over the top to the right
			t := math.Pi + math.Pi*float64(i)/32
			shape = append(shape, vec{c.x + w*math.Cos(t), c.y + h*math.Sin(t)})
		}
		shape = append(shape, quad(vec{c.x + w*1.02, bottom - 30}, vec{c.x, bottom + 25}, vec{c.x - w*1.02, bottom - 30}, 20)...)
		back = polygon(shape)
	case hairBob:
		bottom := f.cy + f.ry*0.78
		back = rows(ellipse(f.cx, f.cy-f.ry*0.1, f.rx*(1.22+f.hairVol), f.ry*(1.1+f.hairVol*0.5), 0), 0, int(bottom))
	case hairCurly:
		r := newRNG(f.seed, "curls")
		k, phase, amp := float64(10+r.intn(6)), r.between(0, math.Pi), r.between(0.03, 0.06)
		back = polygon(outline(vec{f.cx, f.cy - f.ry*0.15}, 240, func(t float64) vec {
			b := 1 + amp*math.Abs(math.Sin(k*t+phase))
			return vec{f.rx * (1.3 + f.hairVol) * b, f.ry * (1.02 + f.hairVol*0.5) * b}
		}))
		back = rows(back, 0, int(f.cy+f.ry*0.55))
	default:
		return
	}
	paint(m, back, shade(f.hair, 0.82))
}

// r2 draws one number in [lo, hi) from its own stream.
func r2(seed int64, part string, lo, hi float64) float64 { return newRNG(seed, part).between(lo, hi) }

// drawHair draws the hair on top of the head.
func (f *features) drawHair(m *image.RGBA) {
	ear := f.eyeY + f.ry*0.05
	var hair *image.Alpha
	a := 1.0
	switch f.hairStyle {
	case hairBuzz:
		hair, a = f.capMask(0.0, 0.74, ear, 0), 0.75
	case hairShort:
		hair = f.capMask(f.hairVol, 0.7, ear, 0)
	case hairSidePart:
		hair = f.capMask(f.hairVol+0.02, 0.66, ear, f.hairSide*0.18)
		// A sweep of hair from the parting across the forehead.
		px := f.cx - f.hairSide*f.rx*0.35
		sweep := polygon(append(quad(vec{px, f.cy - f.ry*1.0}, vec{f.cx + f.hairSide*f.rx*0.1, f.cy - f.ry*0.75}, vec{f.cx + f.hairSide*f.rx*0.95, f.cy - f.ry*0.42}, 16),
			quad(vec{f.cx + f.hairSide*f.rx*0.95, f.cy - f.ry*0.6}, vec{f.cx, f.cy - f.ry*0.95}, vec{px - f.hairSide*f.rx*0.1, f.cy - f.ry*1.02}, 16)...))
		hair = union(hair, sweep)
	case hairBob:
		hair = f.capMask(f.hairVol+0.1, 0.52, f.cy+f.ry*0.72, 0)
		subtract(hair, ellipse(f.cx, f.cy+f.ry*0.45, f.rx*0.86, f.ry*0.95, 0))
	case hairLong:
		hair = f.capMask(f.hairVol+0.06, 0.66, f.cy+f.ry*0.6, f.hairSide*0.12)
		subtract(hair, ellipse(f.cx+f.hairSide*f.rx*0.05, f.cy+f.ry*0.3, f.rx*0.84, f.ry*0.9, 0))
	case hairBun:
		hair = f.capMask(0.0, 0.7, ear, 0)
		hair = union(hair, circle(vec{f.cx, f.cy - f.ry*1.08}, f.rx*r2(f.seed, "bun", 0.3, 0.42)))
	case hairCurly:
		r := newRNG(f.seed, "curls front")
		hair = f.capMask(f.hairVol+0.1, 0.66, ear, 0)
		// Curls along the hairline.
		for i := range 9 {
			t := math.Pi * (1.15 + 0.7*float64(i)/8)
			p := vec{f.cx + f.rx*0.8*math.Cos(t), f.cy - f.ry*0.42 + f.ry*0.38*math.Sin(t)}
			hair = union(hair, circle(p, f.rx*r.between(0.1, 0.15)))
		}
	case hairBald:
		// A fringe of hair around the sides only.
		hair, a = rows(f.capMask(0.0, 0.74, ear, 0), int(f.cy-f.ry*0.5), Height), 0.85
	}
	paint(m, hair, alpha(f.hair, a))
	// A soft highlight on the crown.
	shine := intersect(ellipse(f.cx-f.rx*0.3, f.cy-f.ry*0.85, f.rx*0.45, f.ry*0.16, -0.3), hair)
	paint(m, shine, alpha(shade(f.hair, 1.5), 0.14*a))
}

// drawGlasses draws a frame around each eye, a bridge and the arms.
func (f *features) drawGlasses(m *image.RGBA) {
	t := f.glassesThick
	lensW, lensH := f.eyeRX*1.7, f.eyeRY*2.6+6
	var lenses []vec
	for _, s := range []float64{-1, 1} {
		c := vec{f.cx + s*f.eyeDX, f.eyeY + 3}
		lenses = append(lenses, c)
		var outer, inner *image.Alpha
		if f.glassesRound {
			outer = ellipse(c.x, c.y, lensW, lensH, 0)
			inner = ellipse(c.x, c.y, lensW-t, lensH-t, 0)
		} else {
			outer = polygon(superellipse(c, lensW, lensH, 4))
			inner = polygon(superellipse(c, lensW-t, lensH-t, 4))
		}
		paint(m, inner, color.NRGBA{255, 255, 255, 36})
		paint(m, subtract(outer, inner), f.glassesCol)
		// The arm runs from the outer edge of the frame to the ear.
		arm := []vec{{c.x + s*lensW*0.97, c.y - lensH*0.35}, {f.cx + s*f.rx*1.0, c.y - lensH*0.2}}
		paint(m, polygon(stroke(arm, t*0.9, t*0.7)), f.glassesCol)
	}
	bridge := quad(vec{lenses[0].x + lensW*0.96, lenses[0].y - lensH*0.2}, vec{f.cx, f.eyeY - lensH*0.45}, vec{lenses[1].x - lensW*0.96, lenses[1].y - lensH*0.2}, 12)
	paint(m, polygon(stroke(bridge, t*0.8, t*0.8)), f.glassesCol)
}

// superellipse returns the outline |x/a|^n + |y/b|^n = 1 around c: a
// rectangle with rounded corners for n around 4.
func superellipse(c vec, a, b, n float64) []vec {
	pts := make([]vec, 96)
	for i := range pts {
		t := 2 * math.Pi * float64(i) / float64(len(pts))
		cos, sin := math.Cos(t), math.Sin(t)
		x := a * math.Copysign(math.Pow(math.Abs(cos), 2/n), cos)
		y := b * math.Copysign(math.Pow(math.Abs(sin), 2/n), sin)
		pts[i] = vec{c.x + x, c.y + y}
	}
	return pts
}

// stampScale enlarges the bitmap font of the stamp.
const stampScale = 4

// stamp marks the portrait as synthetic: "SYNTHETIC" in large white
// letters on red in the top-left corner and a plain line at the bottom.
func stamp(m *image.RGBA) {
	face := basicfont.Face7x13
	label := func(text string) *image.RGBA {
		w := font.MeasureString(face, text).Ceil() + 4
		img := image.NewRGBA(image.Rect(0, 0, w, face.Height+2))
		d := &font.Drawer{
			Dst:  img,
			Src:  image.NewUniform(color.White),
			Face: face,
			Dot:  fixed.P(2, face.Ascent+1),
		}
		d.DrawString(text)
		return img
	}

	big := label("SYNTHETIC")
	b := big.Bounds()
	box := image.Rect(0, 0, b.Dx()*stampScale+24, b.Dy()*stampScale+16)
	paint(m, polygon([]vec{{0, 0}, {float64(box.Max.X), 0}, {float64(box.Max.X), float64(box.Max.Y)}, {0, float64(box.Max.Y)}}),
		color.NRGBA{196, 24, 32, 235})
	draw.NearestNeighbor.Scale(m, image.Rect(12, 8, 12+b.Dx()*stampScale, 8+b.Dy()*stampScale), big, b, draw.Over, nil)

	small := label("COMPUTER-GENERATED DEMO PORTRAIT - NOT A REAL PERSON")
	sb := small.Bounds()
	y := Height - sb.Dy() - 10
	paint(m, polygon([]vec{{0, float64(y - 4)}, {Width, float64(y - 4)}, {Width, Height}, {0, Height}}), color.NRGBA{0, 0, 0, 150})
	x := (Width - sb.Dx()) / 2
	draw.Draw(m, image.Rect(x, y, x+sb.Dx(), y+sb.Dy()), small, image.Point{}, draw.Over)
}
