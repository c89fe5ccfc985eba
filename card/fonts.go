package card

import (
	"encoding/binary"
	"fmt"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// fontID names one of the three faces the card uses. All are the Go fonts
// (BSD licensed, shipped as the Go module golang.org/x/image), so the card
// needs nothing outside Go: the same TrueType bytes are embedded in the PDF
// and rasterised into the PNGs.
type fontID int

const (
	fontRegular fontID = iota // Go Regular: labels, notice
	fontBold                  // Go Bold: names, values, title
	fontMono                  // Go Mono: MRZ (OCR-B is not available)
	numFonts
)

// cardFont is one parsed font with the tables and metrics that the PDF
// writer and the rasteriser need. It is immutable after loadFonts and safe
// for concurrent use.
type cardFont struct {
	id         fontID
	psName     string // PostScript name, e.g. "GoRegular"
	ttf        []byte
	sf         *sfnt.Font
	unitsPerEm float64
	numGlyphs  int
	advance    []uint16 // advance width of each glyph, font units
	cmap       map[rune]uint16
	tables     map[string][]byte // raw tables, by tag

	ascent, descent, capHeight int    // font units; descent is negative
	bbox                       [4]int // xMin yMin xMax yMax, font units
}

var (
	fontsOnce sync.Once
	fontsErr  error
	fontSet   [numFonts]*cardFont
)

// fonts returns the parsed card fonts, parsing them on first use.
func fonts() ([numFonts]*cardFont, error) {
	fontsOnce.Do(func() {
		for i, b := range [numFonts][]byte{goregular.TTF, gobold.TTF, gomono.TTF} {
			f, err := parseFont(fontID(i), b)
			if err != nil {
				fontsErr = fmt.Errorf("card: font %d: %w", i, err)
				return
			}
			fontSet[i] = f
		}
	})
	return fontSet, fontsErr
}

// parseFont reads the table directory and the metrics tables of a TrueType
// font and builds a character map for the Latin ranges the card prints.
func parseFont(id fontID, ttf []byte) (*cardFont, error) {
	sf, err := sfnt.Parse(ttf)
	if err != nil {
		return nil, err
	}
	f := &cardFont{id: id, ttf: ttf, sf: sf, tables: map[string][]byte{}, cmap: map[rune]uint16{}}
	if len(ttf) < 12 {
		return nil, fmt.Errorf("truncated font")
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := 0; i < n; i++ {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			return nil, fmt.Errorf("truncated table directory")
		}
		tag := string(ttf[rec : rec+4])
		off := int(binary.BigEndian.Uint32(ttf[rec+8:]))
		length := int(binary.BigEndian.Uint32(ttf[rec+12:]))
		if off < 0 || length < 0 || off+length > len(ttf) {
			return nil, fmt.Errorf("table %q out of range", tag)
		}
		f.tables[tag] = ttf[off : off+length]
	}
	for _, tag := range []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf"} {
		if f.tables[tag] == nil {
			return nil, fmt.Errorf("missing %q table", tag)
		}
	}
	head, hhea, hmtx, maxp := f.tables["head"], f.tables["hhea"], f.tables["hmtx"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, fmt.Errorf("short head, hhea or maxp table")
	}
	f.unitsPerEm = float64(binary.BigEndian.Uint16(head[18:]))
	for i := range 4 {
		f.bbox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	f.ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	f.descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.capHeight = f.ascent * 7 / 10
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.capHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	}
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	nh := int(binary.BigEndian.Uint16(hhea[34:]))
	if nh == 0 || nh > f.numGlyphs || len(hmtx) < 4*nh+2*(f.numGlyphs-nh) {
		return nil, fmt.Errorf("bad hmtx table")
	}
	f.advance = make([]uint16, f.numGlyphs)
	for g := 0; g < f.numGlyphs; g++ {
		if g < nh {
			f.advance[g] = binary.BigEndian.Uint16(hmtx[4*g:])
		} else {
			f.advance[g] = f.advance[nh-1]
		}
	}
	var buf sfnt.Buffer
	if name, err := sf.Name(&buf, sfnt.NameIDPostScript); err == nil && name != "" {
		f.psName = name
	} else {
		f.psName = fmt.Sprintf("GoFont%d", id)
	}
	// Latin-1, Latin Extended-A and -B, spacing modifiers, general
	// punctuation and the euro sign: everything a Latin-script name,
	// place or notice needs.
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			if g, err := sf.GlyphIndex(&buf, r); err == nil && g != 0 {
				f.cmap[r] = uint16(g)
			}
		}
	}
	add(0x20, 0x7e)
	add(0xa0, 0x24f)
	add(0x2b0, 0x36f)
	add(0x2000, 0x206f)
	add(0x20ac, 0x20ac)
	return f, nil
}

// glyph returns the glyph of r and whether the font has one.
func (f *cardFont) glyph(r rune) (uint16, bool) {
	g, ok := f.cmap[r]
	return g, ok
}

// shapedGlyph is one glyph of a shaped string and the rune it stands for
// (for the PDF's ToUnicode map).
type shapedGlyph struct {
	gid uint16
	r   rune
}

// shape maps s, normalised to NFC, to glyphs. Combining marks left over
// after composition are dropped if the font has no glyph for them; any
// other rune without a glyph is printed as "?". Callers validate printed
// text with printable first, so "?" is a last resort.
func (f *cardFont) shape(s string) []shapedGlyph {
	s = norm.NFC.String(s)
	out := make([]shapedGlyph, 0, len(s))
	for _, r := range s {
		if g, ok := f.glyph(r); ok {
			out = append(out, shapedGlyph{g, r})
			continue
		}
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == '\t' || r == '\n' || r == '\r' {
			r = ' '
		} else {
			r = '?'
		}
		g, _ := f.glyph(r)
		out = append(out, shapedGlyph{g, r})
	}
	return out
}

// unprintable returns the first rune of s (after NFC) that f cannot print,
// or utf8.RuneError with ok true if every rune prints.
func (f *cardFont) unprintable(s string) (rune, bool) {
	if !utf8.ValidString(s) {
		return utf8.RuneError, false
	}
	for _, r := range norm.NFC.String(s) {
		if _, ok := f.glyph(r); !ok && !unicode.Is(unicode.Mn, r) {
			return r, false
		}
	}
	return utf8.RuneError, true
}

// width returns the advance width, in mm, of s at size pt with tracking mm
// of extra space after each glyph.
func (f *cardFont) width(s string, size, tracking float64) float64 {
	gs := f.shape(s)
	return f.glyphsWidth(gs, size, tracking)
}

// glyphsWidth is width for shaped glyphs.
func (f *cardFont) glyphsWidth(gs []shapedGlyph, size, tracking float64) float64 {
	units := 0
	for _, g := range gs {
		units += int(f.advance[g.gid])
	}
	return float64(units)/f.unitsPerEm*ptToMM(size) + tracking*float64(len(gs))
}

// capHeightMM returns the height of capital letters at size pt, in mm.
func (f *cardFont) capHeightMM(size float64) float64 {
	return float64(f.capHeight) / f.unitsPerEm * ptToMM(size)
}

// ptToMM converts points to millimetres.
func ptToMM(pt float64) float64 { return pt * 25.4 / 72 }
