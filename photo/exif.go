package photo

import (
	"bytes"
	"encoding/binary"
	"image"
)

// JPEG markers that matter to exifOrientation.
const (
	markerSOI  = 0xD8 // start of image
	markerEOI  = 0xD9 // end of image
	markerSOS  = 0xDA // start of scan: entropy-coded data follows
	markerAPP1 = 0xE1 // application segment 1: Exif or XMP
	markerTEM  = 0x01 // temporary marker, has no length
	markerRST0 = 0xD0 // restart markers RST0–RST7 have no length
	markerRST7 = 0xD7
)

// exifHeader starts the payload of an APP1 segment that holds Exif data.
var exifHeader = []byte("Exif\x00\x00")

// tagOrientation is the TIFF tag of the Exif Orientation field.
const tagOrientation = 0x0112

// typeShort is the TIFF field type of an unsigned 16-bit integer.
const typeShort = 3

// exifOrientation returns the Exif Orientation (1–8) of the JPEG file jpg,
// read from IFD0 of the first Exif APP1 segment before the first scan. It
// returns 1, meaning "already upright", when the file has no such segment
// or the segment is malformed in any way. Every offset is checked against
// the bounds of jpg, so no input can make it panic or read out of range.
func exifOrientation(jpg []byte) int {
	if len(jpg) < 2 || jpg[0] != 0xFF || jpg[1] != markerSOI {
		return 1
	}
	i := 2
	for {
		// Each segment starts with 0xFF, optionally padded with more 0xFF
		// fill bytes, then the marker code.
		if i >= len(jpg) || jpg[i] != 0xFF {
			return 1
		}
		for i < len(jpg) && jpg[i] == 0xFF {
			i++
		}
		if i >= len(jpg) {
			return 1
		}
		marker := jpg[i]
		i++
		switch {
		case marker == markerSOS || marker == markerEOI || marker == 0x00:
			// Metadata comes before the first scan; 0xFF00 is byte
			// stuffing that only occurs inside scan data.
			return 1
		case marker == markerTEM || marker == markerSOI || (marker >= markerRST0 && marker <= markerRST7):
			continue // no length, no payload
		}
		if len(jpg)-i < 2 {
			return 1
		}
		// The length counts itself but not the marker.
		n := int(binary.BigEndian.Uint16(jpg[i:]))
		if n < 2 || n > len(jpg)-i {
			return 1
		}
		payload := jpg[i+2 : i+n]
		i += n
		if marker == markerAPP1 && bytes.HasPrefix(payload, exifHeader) {
			// Only the first Exif segment counts, as in other readers.
			if o, ok := tiffOrientation(payload[len(exifHeader):]); ok {
				return o
			}
			return 1
		}
	}
}

// tiffOrientation reads the Orientation tag from IFD0 of the TIFF structure
// t, which starts with its byte-order mark. It reports false if the tag is
// missing, of the wrong type or out of the range 1–8, or if t is malformed.
func tiffOrientation(t []byte) (int, bool) {
	// Header: byte order "II" or "MM", the number 42, the offset of IFD0.
	if len(t) < 8 {
		return 0, false
	}
	var bo binary.ByteOrder
	switch string(t[:2]) {
	case "II":
		bo = binary.LittleEndian
	case "MM":
		bo = binary.BigEndian
	default:
		return 0, false
	}
	if bo.Uint16(t[2:]) != 42 {
		return 0, false
	}
	// Offsets are uint32 in the file; compare them as uint64 so that no
	// value can overflow on any platform.
	size := uint64(len(t))
	off := uint64(bo.Uint32(t[4:]))
	if off < 8 || off+2 > size {
		return 0, false
	}
	// An IFD is a count of 12-byte entries: tag, type, count, value.
	count := uint64(bo.Uint16(t[off:]))
	for k := uint64(0); k < count; k++ {
		e := off + 2 + 12*k
		if e+12 > size {
			return 0, false
		}
		entry := t[e : e+12]
		if bo.Uint16(entry[0:]) != tagOrientation {
			continue
		}
		// A single SHORT is stored left-justified in the value field.
		if bo.Uint16(entry[2:]) != typeShort || bo.Uint32(entry[4:]) < 1 {
			return 0, false
		}
		v := bo.Uint16(entry[8:])
		if v < 1 || v > 8 {
			return 0, false
		}
		return int(v), true
	}
	return 0, false
}

// orient returns m transformed so that an image stored with the given Exif
// orientation is displayed upright. Orientation 1, and any value outside
// 1–8, returns m itself.
//
// The values name where the stored first row and column belong:
//
//	1 upright             5 transposed (mirrored about the main diagonal)
//	2 mirrored left–right 6 turned 90° clockwise to be upright
//	3 turned 180°         7 transversed (mirrored about the other diagonal)
//	4 mirrored top–bottom 8 turned 90° counter-clockwise to be upright
func orient(m *image.RGBA, orientation int) *image.RGBA {
	if orientation < 2 || orientation > 8 {
		return m
	}
	b := m.Bounds()
	w, h := b.Dx(), b.Dy()
	dw, dh := w, h
	if orientation >= 5 {
		dw, dh = h, w // a quarter turn or a diagonal mirror swaps the sides
	}
	dst := image.NewRGBA(image.Rect(0, 0, dw, dh))
	for sy := 0; sy < h; sy++ {
		start := m.PixOffset(b.Min.X, b.Min.Y+sy)
		row := m.Pix[start : start+4*w]
		for sx := 0; sx < w; sx++ {
			var dx, dy int
			switch orientation {
			case 2:
				dx, dy = w-1-sx, sy
			case 3:
				dx, dy = w-1-sx, h-1-sy
			case 4:
				dx, dy = sx, h-1-sy
			case 5:
				dx, dy = sy, sx
			case 6:
				dx, dy = h-1-sy, sx
			case 7:
				dx, dy = h-1-sy, w-1-sx
			case 8:
				dx, dy = sy, w-1-sx
			}
			d := dy*dst.Stride + 4*dx
			copy(dst.Pix[d:d+4], row[4*sx:4*sx+4])
		}
	}
	return dst
}
