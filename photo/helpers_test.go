package photo

// Builders for the test images. Everything is made in code, byte by byte
// where the standard library has no encoder (WebP) or would refuse to write
// what a hostile client might send (headers that claim huge dimensions).

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

var (
	red    = color.RGBA{R: 220, G: 30, B: 30, A: 255}
	green  = color.RGBA{R: 30, G: 200, B: 60, A: 255}
	blue   = color.RGBA{R: 30, G: 60, B: 220, A: 255}
	yellow = color.RGBA{R: 240, G: 220, B: 40, A: 255}
	white  = color.RGBA{R: 255, G: 255, B: 255, A: 255}
)

// solid returns a w×h image of one colour.
func solid(w, h int, c color.NRGBA) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := 0; i < len(m.Pix); i += 4 {
		m.Pix[i], m.Pix[i+1], m.Pix[i+2], m.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	return m
}

// quadrants returns a w×h image whose top-left, top-right, bottom-left and
// bottom-right quarters are red, green, blue and yellow. Where each colour
// ends up shows how an image was turned or mirrored.
func quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := red
			switch {
			case x >= w/2 && y < h/2:
				c = green
			case x < w/2 && y >= h/2:
				c = blue
			case x >= w/2 && y >= h/2:
				c = yellow
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

func encodeJPEG(tb testing.TB, m image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 95}); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

func encodePNG(tb testing.TB, m image.Image) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// encodeGIF encodes an animated GIF with one solid frame per colour.
func encodeGIF(tb testing.TB, w, h int, colors ...color.Color) []byte {
	tb.Helper()
	g := &gif.GIF{}
	for _, c := range colors {
		pal := color.Palette{c, color.Black}
		g.Image = append(g.Image, image.NewPaletted(image.Rect(0, 0, w, h), pal))
		g.Delay = append(g.Delay, 10)
	}
	var buf bytes.Buffer
	if err := gif.EncodeAll(&buf, g); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// bitWriter writes the least-significant-bit-first bit stream of VP8L.
type bitWriter struct {
	buf   []byte
	acc   uint64
	nbits uint
}

func (b *bitWriter) write(v uint64, n uint) {
	b.acc |= v << b.nbits
	b.nbits += n
	for b.nbits >= 8 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc >>= 8
		b.nbits -= 8
	}
}

func (b *bitWriter) bytes() []byte {
	if b.nbits > 0 {
		b.buf = append(b.buf, byte(b.acc))
		b.acc, b.nbits = 0, 0
	}
	return b.buf
}

// solidWebP returns a lossless (VP8L) WebP file of w×h pixels of colour c.
// Each of its five prefix codes has a single symbol, so every pixel takes
// zero bits and the file is a few dozen bytes whatever its size. Sides run
// from 1 to 16384; larger values are written modulo 2^14 like any other
// hostile header.
func solidWebP(w, h int, c color.NRGBA) []byte {
	var bw bitWriter
	bw.write(0x2f, 8)         // VP8L signature
	bw.write(uint64(w-1), 14) // width - 1
	bw.write(uint64(h-1), 14) // height - 1
	bw.write(1, 1)            // alpha is used
	bw.write(0, 3)            // version 0
	bw.write(0, 1)            // no transforms
	bw.write(0, 1)            // no colour cache
	bw.write(0, 1)            // no meta prefix codes
	// The prefix codes for green, red, blue, alpha and distance.
	for _, sym := range []byte{c.G, c.R, c.B, c.A, 0} {
		bw.write(1, 1)           // simple code
		bw.write(0, 1)           // one symbol
		bw.write(1, 1)           // stored in 8 bits
		bw.write(uint64(sym), 8) // the symbol
	}
	return riffWebP("VP8L", bw.bytes())
}

// riffWebP wraps one chunk in a RIFF WEBP container.
func riffWebP(fourCC string, data []byte) []byte {
	chunk := append([]byte(fourCC), le32(uint32(len(data)))...)
	chunk = append(chunk, data...)
	if len(data)%2 == 1 {
		chunk = append(chunk, 0) // chunks are padded to even length
	}
	out := append([]byte("RIFF"), le32(uint32(4+len(chunk)))...)
	out = append(out, "WEBP"...)
	return append(out, chunk...)
}

func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

// pngChunk returns one PNG chunk with its CRC.
func pngChunk(typ string, data []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(data)))
	out = append(out, typ...)
	out = append(out, data...)
	crc := crc32.ChecksumIEEE(append([]byte(typ), data...))
	return binary.BigEndian.AppendUint32(out, crc)
}

// pngHeader returns the signature and IHDR of an 8-bit RGBA PNG that claims
// to be w×h, and nothing else: enough for DecodeConfig, and no pixels are
// allocated however large it claims to be.
func pngHeader(w, h uint32) []byte {
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 6, 0, 0, 0) // depth 8, RGBA, deflate, no filter, no interlace
	return append([]byte("\x89PNG\r\n\x1a\n"), pngChunk("IHDR", ihdr)...)
}

// insertPNGChunk inserts a chunk right after the IHDR of a PNG file.
func insertPNGChunk(p []byte, chunk []byte) []byte {
	const afterIHDR = 8 + 4 + 4 + 13 + 4
	out := append([]byte{}, p[:afterIHDR]...)
	out = append(out, chunk...)
	return append(out, p[afterIHDR:]...)
}

// jpegHeader returns SOI, a baseline SOF0 that claims a w×h three-channel
// JPEG and the header of a scan, but no tables and no scan data.
func jpegHeader(w, h uint16) []byte {
	out := []byte{0xFF, 0xD8, 0xFF, 0xC0, 0x00, 0x11, 8}
	out = binary.BigEndian.AppendUint16(out, h)
	out = binary.BigEndian.AppendUint16(out, w)
	out = append(out, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1)
	return append(out, 0xFF, 0xDA, 0x00, 0x0C, 3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 0x3F, 0)
}

// gifHeader returns the header and logical screen descriptor of a GIF that
// claims to be w×h, with no global colour table.
func gifHeader(w, h uint16) []byte {
	out := []byte("GIF89a")
	out = binary.LittleEndian.AppendUint16(out, w)
	out = binary.LittleEndian.AppendUint16(out, h)
	return append(out, 0, 0, 0)
}

// segment returns a JPEG marker segment with its length.
func segment(marker byte, payload []byte) []byte {
	out := []byte{0xFF, marker}
	out = binary.BigEndian.AppendUint16(out, uint16(len(payload)+2))
	return append(out, payload...)
}

// insertSegments inserts segments right after the SOI of a JPEG file, where
// cameras write their metadata.
func insertSegments(jpg []byte, segs ...[]byte) []byte {
	out := append([]byte{}, jpg[:2]...)
	for _, s := range segs {
		out = append(out, s...)
	}
	return append(out, jpg[2:]...)
}

// byteOrder reads and appends TIFF integers; binary.BigEndian ("MM") and
// binary.LittleEndian ("II") are the two that TIFF allows.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// ifdEntry is one TIFF directory entry; value holds the 4-byte value field,
// or the data to store elsewhere when it is longer than 4 bytes.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    []byte
}

// gpsSecret is written into the test photos' metadata. It must not survive.
const gpsSecret = "GPS-SECRET-40.7128N-74.0060W"

// exifPayload returns an APP1 Exif payload with IFD0 holding an image
// description, the orientation (left out when it is 0) and a pointer to a
// GPS IFD, in byte order bo.
func exifPayload(bo byteOrder, orientation uint16) []byte {
	short := func(v uint16) []byte { return bo.AppendUint16(bo.AppendUint16(nil, v), 0) }
	long := func(v uint32) []byte { return bo.AppendUint32(nil, v) }

	// Layout: header(8) IFD0 | GPS IFD | description.
	var ifd0 []ifdEntry
	desc := append([]byte(gpsSecret), 0)
	ifd0 = append(ifd0, ifdEntry{0x010E, 2, uint32(len(desc)), nil}) // ImageDescription, value set below
	if orientation != 0 {
		ifd0 = append(ifd0, ifdEntry{tagOrientation, typeShort, 1, short(orientation)})
	}
	ifd0 = append(ifd0, ifdEntry{0x8825, 4, 1, nil}) // GPSInfo pointer, set below
	gps := []ifdEntry{{0x0001, 2, 2, []byte{'N', 0, 0, 0}}}

	ifdSize := func(n int) uint32 { return uint32(2 + 12*n + 4) }
	gpsOff := 8 + ifdSize(len(ifd0))
	descOff := gpsOff + ifdSize(len(gps))
	for i := range ifd0 {
		switch ifd0[i].tag {
		case 0x010E:
			ifd0[i].value = long(descOff)
		case 0x8825:
			ifd0[i].value = long(gpsOff)
		}
	}

	var t []byte
	if bo == binary.BigEndian {
		t = append(t, "MM"...)
	} else {
		t = append(t, "II"...)
	}
	t = bo.AppendUint16(t, 42)
	t = bo.AppendUint32(t, 8)
	for _, ifd := range [][]ifdEntry{ifd0, gps} {
		t = bo.AppendUint16(t, uint16(len(ifd)))
		for _, e := range ifd {
			t = bo.AppendUint16(t, e.tag)
			t = bo.AppendUint16(t, e.typ)
			t = bo.AppendUint32(t, e.count)
			t = append(t, e.value...)
		}
		t = bo.AppendUint32(t, 0) // no next IFD
	}
	t = append(t, desc...)
	return append(append([]byte{}, exifHeader...), t...)
}

// exifSegment returns a complete APP1 Exif segment.
func exifSegment(bo byteOrder, orientation uint16) []byte {
	return segment(markerAPP1, exifPayload(bo, orientation))
}

// jpegWithOrientation returns a JPEG of m carrying an Exif orientation.
func jpegWithOrientation(tb testing.TB, m image.Image, bo byteOrder, orientation uint16) []byte {
	tb.Helper()
	return insertSegments(encodeJPEG(tb, m), exifSegment(bo, orientation))
}

// jpegSegments lists the markers of the segments before the first scan of
// a JPEG file.
func jpegSegments(tb testing.TB, jpg []byte) []byte {
	tb.Helper()
	var markers []byte
	i := 2
	for i+4 <= len(jpg) {
		if jpg[i] != 0xFF {
			tb.Fatalf("no marker at offset %d", i)
		}
		m := jpg[i+1]
		markers = append(markers, m)
		if m == markerSOS {
			break
		}
		i += 2 + int(binary.BigEndian.Uint16(jpg[i+2:]))
	}
	return markers
}

// near reports whether two colours differ by at most tol in each channel.
func near(a, b color.Color, tol int) bool {
	ar, ag, ab, _ := a.RGBA()
	br, bg, bb, _ := b.RGBA()
	d := func(x, y uint32) bool {
		v := int(x>>8) - int(y>>8)
		return -tol <= v && v <= tol
	}
	return d(ar, br) && d(ag, bg) && d(ab, bb)
}
