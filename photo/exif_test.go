package photo

import (
	"bytes"
	"encoding/binary"
	"image"
	"testing"
)

func TestExifOrientation(t *testing.T) {
	soi := []byte{0xFF, 0xD8}
	join := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	// tiff returns an Exif payload whose IFD0 holds the given entries.
	tiff := func(entries ...ifdEntry) []byte {
		out := append(bytes.Clone(exifHeader), "MM\x00\x2a\x00\x00\x00\x08"...)
		out = binary.BigEndian.AppendUint16(out, uint16(len(entries)))
		for _, e := range entries {
			out = binary.BigEndian.AppendUint16(out, e.tag)
			out = binary.BigEndian.AppendUint16(out, e.typ)
			out = binary.BigEndian.AppendUint32(out, e.count)
			out = append(out, e.value...)
		}
		return binary.BigEndian.AppendUint32(out, 0)
	}
	orientation := func(v uint16) ifdEntry {
		return ifdEntry{tagOrientation, typeShort, 1, []byte{byte(v >> 8), byte(v), 0, 0}}
	}
	valid := exifSegment(binary.BigEndian, 6)
	withIFDOffset := func(off uint32) []byte {
		p := exifPayload(binary.LittleEndian, 3)
		binary.LittleEndian.PutUint32(p[len(exifHeader)+4:], off)
		return segment(markerAPP1, p)
	}
	xmp := segment(markerAPP1, []byte("http://ns.adobe.com/xap/1.0/\x00<x/>"))

	tests := []struct {
		name string
		data []byte
		want int
	}{
		{"empty", nil, 1},
		{"not a jpeg", []byte("GIF89a"), 1},
		{"only soi", soi, 1},
		{"big-endian", join(soi, valid), 6},
		{"little-endian", join(soi, exifSegment(binary.LittleEndian, 8)), 8},
		{"every value", join(soi, exifSegment(binary.BigEndian, 5)), 5},
		{"after other segments", join(soi, segment(0xE0, []byte("JFIF\x00\x01\x02")), xmp, valid), 6},
		{"fill bytes before marker", join(soi, []byte{0xFF, 0xFF, 0xFF}, valid), 6},
		{"standalone markers are skipped", join(soi, []byte{0xFF, 0x01, 0xFF, 0xD0}, valid), 6},
		{"first exif segment wins", join(soi, exifSegment(binary.BigEndian, 3), valid), 3},
		{"exif after scan is ignored", join(soi, segment(markerSOS, []byte{0}), valid), 1},
		{"exif after eoi is ignored", join(soi, []byte{0xFF, markerEOI}, valid), 1},
		{"exif in app2 is ignored", join(soi, segment(0xE2, exifPayload(binary.BigEndian, 6))), 1},
		{"no orientation tag", join(soi, exifSegment(binary.BigEndian, 0)), 1},
		{"tag among others", join(soi, segment(markerAPP1, tiff(
			ifdEntry{0x010F, 2, 4, []byte("Cam\x00")}, orientation(7), ifdEntry{0x0110, 2, 4, []byte("X1\x00\x00")}))), 7},
		{"value 0", join(soi, segment(markerAPP1, tiff(orientation(0)))), 1},
		{"value 9", join(soi, segment(markerAPP1, tiff(orientation(9)))), 1},
		{"value 0xFFFF", join(soi, segment(markerAPP1, tiff(orientation(0xFFFF)))), 1},
		{"wrong type", join(soi, segment(markerAPP1, tiff(ifdEntry{tagOrientation, 4, 1, []byte{0, 0, 0, 6}}))), 1},
		{"zero count", join(soi, segment(markerAPP1, tiff(ifdEntry{tagOrientation, typeShort, 0, []byte{0, 6, 0, 0}}))), 1},
		{"bad byte order", join(soi, segment(markerAPP1, append(bytes.Clone(exifHeader), "XX\x00\x2a\x00\x00\x00\x08"...))), 1},
		{"bad magic", join(soi, segment(markerAPP1, append(bytes.Clone(exifHeader), "MM\x00\x2b\x00\x00\x00\x08"...))), 1},
		{"short tiff header", join(soi, segment(markerAPP1, append(bytes.Clone(exifHeader), "MM\x00"...))), 1},
		{"ifd offset past end", join(soi, withIFDOffset(1000)), 1},
		{"ifd offset at max uint32", join(soi, withIFDOffset(0xFFFFFFFF)), 1},
		{"ifd offset inside header", join(soi, withIFDOffset(2)), 1},
		{"entry count past end", join(soi, segment(markerAPP1, append(bytes.Clone(exifHeader), "MM\x00\x2a\x00\x00\x00\x08\xff\xff"...))), 1},
		{"segment length past end", join(soi, valid[:len(valid)-4]), 1},
		{"segment length too small", join(soi, []byte{0xFF, markerAPP1, 0x00, 0x01}, valid), 1},
		{"missing length", join(soi, []byte{0xFF, markerAPP1, 0x00}), 1},
		{"garbage between segments", join(soi, []byte{0x12}, valid), 1},
		{"stuffed zero", join(soi, []byte{0xFF, 0x00}, valid), 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := exifOrientation(tt.data); got != tt.want {
				t.Errorf("exifOrientation = %d, want %d", got, tt.want)
			}
		})
	}
}

// Reference transforms, composed from the three elementary ones, to check
// orient independently of its own index arithmetic.
func flipH(m *image.RGBA) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(b.Dx()-1-x, y, m.At(x, y))
		}
	}
	return out
}

func flipV(m *image.RGBA) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(b)
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(x, b.Dy()-1-y, m.At(x, y))
		}
	}
	return out
}

func transpose(m *image.RGBA) *image.RGBA {
	b := m.Bounds()
	out := image.NewRGBA(image.Rect(0, 0, b.Dy(), b.Dx()))
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			out.Set(y, x, m.At(x, y))
		}
	}
	return out
}

func TestOrient(t *testing.T) {
	// A 3×2 image whose every pixel is different.
	src := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range src.Pix {
		src.Pix[i] = byte(i)
	}
	tests := []struct {
		name        string
		orientation int
		want        *image.RGBA
	}{
		{"0 invalid", 0, src},
		{"1", 1, src},
		{"2", 2, flipH(src)},
		{"3", 3, flipV(flipH(src))},
		{"4", 4, flipV(src)},
		{"5", 5, transpose(src)},
		{"6", 6, flipH(transpose(src))},
		{"7", 7, flipV(flipH(transpose(src)))},
		{"8", 8, flipV(transpose(src))},
		{"9 invalid", 9, src},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := orient(src, tt.orientation)
			if got.Bounds() != tt.want.Bounds() || !bytes.Equal(got.Pix, tt.want.Pix) {
				t.Errorf("orient(%d) =\n%v %v\nwant\n%v %v", tt.orientation, got.Bounds(), got.Pix, tt.want.Bounds(), tt.want.Pix)
			}
		})
	}

	t.Run("sub-image", func(t *testing.T) {
		big := image.NewRGBA(image.Rect(0, 0, 5, 4))
		for i := range big.Pix {
			big.Pix[i] = byte(i)
		}
		sub := big.SubImage(image.Rect(1, 1, 4, 3)).(*image.RGBA)
		flat := image.NewRGBA(image.Rect(0, 0, 3, 2))
		for y := 0; y < 2; y++ {
			for x := 0; x < 3; x++ {
				flat.Set(x, y, sub.At(x+1, y+1))
			}
		}
		if got, want := orient(sub, 6), orient(flat, 6); !bytes.Equal(got.Pix, want.Pix) {
			t.Errorf("orient of a sub-image = %v, want %v", got.Pix, want.Pix)
		}
	})
}

// FuzzExifOrientation feeds arbitrary bytes to the Exif parser, which must
// never panic and always return a valid orientation. Seeds cover both byte
// orders and the malformed shapes from TestExifOrientation; the fuzzer
// mutates from there.
func FuzzExifOrientation(f *testing.F) {
	soi := []byte{0xFF, 0xD8}
	for _, v := range []uint16{0, 1, 3, 6, 8, 9} {
		f.Add(append(bytes.Clone(soi), exifSegment(binary.BigEndian, v)...))
		f.Add(append(bytes.Clone(soi), exifSegment(binary.LittleEndian, v)...))
	}
	f.Add([]byte{})
	f.Add(soi)
	f.Add([]byte{0xFF, 0xD8, 0xFF, 0xE1, 0x00, 0x10, 'E', 'x', 'i', 'f', 0, 0, 'M', 'M', 0, 42, 0xFF, 0xFF, 0xFF, 0xFF})
	f.Fuzz(func(t *testing.T, data []byte) {
		if o := exifOrientation(data); o < 1 || o > 8 {
			t.Fatalf("exifOrientation = %d, want 1–8", o)
		}
		// The TIFF parser on its own, reached with any payload.
		if o, ok := tiffOrientation(data); ok && (o < 1 || o > 8) {
			t.Fatalf("tiffOrientation = %d, true; want 1–8", o)
		}
	})
}
