package card

import (
	"encoding/binary"
	"fmt"
	"sort"
)

// subsetTables are the TrueType tables kept in a PDF FontFile2: outlines,
// metrics and the hinting programs, which a PDF that addresses glyphs by
// id (CIDToGIDMap /Identity) needs, plus the small cmap and OS/2 tables,
// which it does not but which font tools and some printers expect, and a
// post table without glyph names (format 3). name (mostly the licence
// text) is left out.
var subsetTables = []string{"OS/2", "cmap", "cvt ", "fpgm", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "post", "prep"}

// subsetTrueType returns f's TrueType program with the outlines of every
// glyph not in used (nor .notdef, nor a component of a used composite
// glyph) removed. Glyph ids do not change, so the PDF can address glyphs
// by their original ids; unused glyphs become empty. The result is
// deterministic for a given set.
func subsetTrueType(f *cardFont, used map[uint16]bool) ([]byte, error) {
	head, loca, glyf := f.tables["head"], f.tables["loca"], f.tables["glyf"]
	long := binary.BigEndian.Uint16(head[50:]) == 1
	n := f.numGlyphs
	offset := func(g int) (int, error) {
		var o int
		if long {
			if 4*g+4 > len(loca) {
				return 0, fmt.Errorf("loca too short")
			}
			o = int(binary.BigEndian.Uint32(loca[4*g:]))
		} else {
			if 2*g+2 > len(loca) {
				return 0, fmt.Errorf("loca too short")
			}
			o = 2 * int(binary.BigEndian.Uint16(loca[2*g:]))
		}
		if o > len(glyf) {
			return 0, fmt.Errorf("glyph offset out of range")
		}
		return o, nil
	}
	outline := func(g int) ([]byte, error) {
		a, err := offset(g)
		if err != nil {
			return nil, err
		}
		b, err := offset(g + 1)
		if err != nil {
			return nil, err
		}
		if b < a {
			return nil, fmt.Errorf("glyph %d: bad loca", g)
		}
		return glyf[a:b], nil
	}

	// Close the set over composite glyph components.
	keep := make([]bool, n)
	work := []int{0}
	for g := range used {
		if int(g) < n {
			work = append(work, int(g))
		}
	}
	for len(work) > 0 {
		g := work[len(work)-1]
		work = work[:len(work)-1]
		if keep[g] {
			continue
		}
		keep[g] = true
		data, err := outline(g)
		if err != nil {
			return nil, err
		}
		if len(data) < 10 || int16(binary.BigEndian.Uint16(data)) >= 0 {
			continue
		}
		for off := 10; ; {
			if off+4 > len(data) {
				return nil, fmt.Errorf("glyph %d: truncated composite", g)
			}
			flags := binary.BigEndian.Uint16(data[off:])
			comp := int(binary.BigEndian.Uint16(data[off+2:]))
			if comp < n && !keep[comp] {
				work = append(work, comp)
			}
			off += 4
			if flags&0x0001 != 0 { // ARG_1_AND_2_ARE_WORDS
				off += 4
			} else {
				off += 2
			}
			switch {
			case flags&0x0008 != 0: // WE_HAVE_A_SCALE
				off += 2
			case flags&0x0040 != 0: // WE_HAVE_AN_X_AND_Y_SCALE
				off += 4
			case flags&0x0080 != 0: // WE_HAVE_A_TWO_BY_TWO
				off += 8
			}
			if flags&0x0020 == 0 { // MORE_COMPONENTS
				break
			}
		}
	}

	// New glyf and (long) loca tables.
	var newGlyf []byte
	newLoca := make([]byte, 4*(n+1))
	for g := 0; g < n; g++ {
		binary.BigEndian.PutUint32(newLoca[4*g:], uint32(len(newGlyf)))
		if !keep[g] {
			continue
		}
		data, err := outline(g)
		if err != nil {
			return nil, err
		}
		newGlyf = append(newGlyf, data...)
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	binary.BigEndian.PutUint32(newLoca[4*n:], uint32(len(newGlyf)))

	newHead := append([]byte(nil), head...)
	binary.BigEndian.PutUint32(newHead[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(newHead[50:], 1) // indexToLocFormat: long

	tables := map[string][]byte{}
	for _, tag := range subsetTables {
		switch tag {
		case "glyf":
			tables[tag] = newGlyf
		case "loca":
			tables[tag] = newLoca
		case "head":
			tables[tag] = newHead
		case "post":
			if t := f.tables[tag]; len(t) >= 32 {
				post := append([]byte(nil), t[:32]...)
				binary.BigEndian.PutUint32(post, 0x00030000)
				tables[tag] = post
			}
		default:
			if t := f.tables[tag]; t != nil {
				tables[tag] = t
			}
		}
	}
	tags := make([]string, 0, len(tables))
	for tag := range tables {
		tags = append(tags, tag)
	}
	sort.Strings(tags)

	numTables := len(tags)
	entrySelector := 0
	for 1<<(entrySelector+1) <= numTables {
		entrySelector++
	}
	searchRange := 16 << entrySelector
	out := make([]byte, 12+16*numTables)
	binary.BigEndian.PutUint32(out[0:], 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(numTables))
	binary.BigEndian.PutUint16(out[6:], uint16(searchRange))
	binary.BigEndian.PutUint16(out[8:], uint16(entrySelector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*numTables-searchRange))
	headOffset := 0
	for i, tag := range tags {
		t := tables[tag]
		rec := 12 + 16*i
		copy(out[rec:], tag)
		binary.BigEndian.PutUint32(out[rec+4:], tableChecksum(t))
		binary.BigEndian.PutUint32(out[rec+8:], uint32(len(out)))
		binary.BigEndian.PutUint32(out[rec+12:], uint32(len(t)))
		if tag == "head" {
			headOffset = len(out)
		}
		out = append(out, t...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headOffset+8:], 0xB1B0AFBA-tableChecksum(out))
	return out, nil
}

// tableChecksum is the TrueType checksum: the sum of the big-endian
// 32-bit words of b, zero-padded.
func tableChecksum(b []byte) uint32 {
	var sum uint32
	for i := 0; i < len(b); i += 4 {
		var w [4]byte
		copy(w[:], b[i:])
		sum += binary.BigEndian.Uint32(w[:])
	}
	return sum
}
