package card

import (
	"github.com/boombuler/barcode/qr"

	"github.com/docketcard/docketcard"
)

// The QR code sits in a fixed square slot at the top left of the back,
// above the MRZ. Its modules are a whole number of 300 dpi pixels, so the
// PNG is exact and the PDF matches it; the largest module size that fits
// the slot is used, and it must be at least minModulePx.
const (
	qrSlotXPx   = 36  // left edge of the slot, px (3.05 mm)
	qrSlotYPx   = 30  // top edge of the slot, px (2.54 mm)
	qrSlotPx    = 384 // side of the slot, px (32.51 mm)
	qrQuiet     = 4   // quiet zone, modules (ISO/IEC 18004)
	minModulePx = 3   // smallest module, px at 300 dpi (0.254 mm)
)

// base45Alphabet is the alphabet of RFC 9285, which is also the QR
// alphanumeric mode's character set.
const base45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"

// qrCode is an encoded symbol and where it goes on the card.
type qrCode struct {
	version  int
	size     int // modules per side, without quiet zone
	bits     []bool
	modulePx int // module size, px at 300 dpi
}

func (q *qrCode) dark(x, y int) bool { return q.bits[y*q.size+x] }

// moduleMM is the module size in mm.
func (q *qrCode) moduleMM() float64 { return pxToMM(q.modulePx) }

// box returns the rectangle of the symbol with its quiet zone, centred in
// the slot on whole pixels, and the position of its first module.
func (q *qrCode) box() (box rect, x, y float64) {
	sidePx := (q.size + 2*qrQuiet) * q.modulePx
	x0 := qrSlotXPx + (qrSlotPx-sidePx)/2
	y0 := qrSlotYPx + (qrSlotPx-sidePx)/2
	box = rect{pxToMM(x0), pxToMM(y0), pxToMM(sidePx), pxToMM(sidePx)}
	return box, pxToMM(x0 + qrQuiet*q.modulePx), pxToMM(y0 + qrQuiet*q.modulePx)
}

var qrLevels = map[string]qr.ErrorCorrectionLevel{"L": qr.L, "M": qr.M, "Q": qr.Q, "H": qr.H}

// encodeQR encodes payload in alphanumeric mode at the given error
// correction level and sizes it for the card. A payload outside the base45
// alphabet is EINVALID; one too long for the slot is ETOOLARGE.
func encodeQR(payload, level string) (*qrCode, error) {
	if payload == "" {
		return nil, fieldErr("qr_payload", "is required")
	}
	for i, r := range payload {
		if !containsRune(base45Alphabet, r) {
			return nil, fieldErr("qr_payload", "character %q at offset %d is not in the base45 alphabet (0-9, A-Z, space and $%%*+-./:)", r, i)
		}
	}
	ecl, ok := qrLevels[level]
	if !ok {
		return nil, fieldErr("qr_error_correction", "must be L, M, Q or H, not %q", level)
	}
	maxModules := qrSlotPx/minModulePx - 2*qrQuiet
	maxVersion := (maxModules - 17) / 4
	code, err := qr.Encode(payload, ecl, qr.AlphaNumeric)
	if err != nil {
		return nil, &docketcard.Error{Code: docketcard.ETOOLARGE,
			Message: sprintf("QR payload of %d characters does not fit in any QR code at error correction level %s; the card holds at most version %d (%d modules)",
				len(payload), level, maxVersion, 17+4*maxVersion),
			Fields: []docketcard.FieldError{{Field: "qr_payload", Message: "too long for the card's QR code"}}}
	}
	n := code.Bounds().Dx()
	version := (n - 17) / 4
	k := qrSlotPx / (n + 2*qrQuiet)
	if k < minModulePx {
		return nil, &docketcard.Error{Code: docketcard.ETOOLARGE,
			Message: sprintf("QR payload of %d characters needs QR version %d (%d modules) at error correction level %s; "+
				"the card's %.1f mm QR area holds at most version %d (%d modules) with modules of at least %.3f mm (%d px at %d dpi)",
				len(payload), version, n, level, pxToMM(qrSlotPx), maxVersion, 17+4*maxVersion, pxToMM(minModulePx), minModulePx, dpi),
			Fields: []docketcard.FieldError{{Field: "qr_payload", Message: "too long for the card's QR code"}}}
	}
	q := &qrCode{version: version, size: n, bits: make([]bool, n*n), modulePx: k}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			r, _, _, _ := code.At(x, y).RGBA()
			q.bits[y*n+x] = r < 0x8000
		}
	}
	return q, nil
}
