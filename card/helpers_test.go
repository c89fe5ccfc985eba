package card

import (
	"crypto/sha256"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/docketcard/docketcard/demo/portrait"
)

var (
	portraitOnce sync.Once
	portraitJPEG []byte
	portraitErr  error
)

// testPortrait is a synthetic portrait (demo/portrait seed 7).
func testPortrait(tb testing.TB) []byte {
	tb.Helper()
	portraitOnce.Do(func() { portraitJPEG, portraitErr = portrait.Generate(7, "F") })
	if portraitErr != nil {
		tb.Fatal(portraitErr)
	}
	return portraitJPEG
}

// base45 encodes b as in RFC 9285.
func base45(b []byte) string {
	var s strings.Builder
	for i := 0; i+1 < len(b); i += 2 {
		n := int(b[i])*256 + int(b[i+1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45%45])
		s.WriteByte(base45Alphabet[n/2025])
	}
	if len(b)%2 == 1 {
		n := int(b[len(b)-1])
		s.WriteByte(base45Alphabet[n%45])
		s.WriteByte(base45Alphabet[n/45])
	}
	return s.String()
}

// testPayload returns the base45 encoding of nbytes deterministic
// pseudo-random bytes, which look like the compressed, signed credential
// a real card carries.
func testPayload(nbytes int) string {
	var b []byte
	block := sha256.Sum256([]byte("docketcard card test payload"))
	for len(b) < nbytes {
		b = append(b, block[:]...)
		block = sha256.Sum256(block[:])
	}
	return base45(b[:nbytes])
}

// testData is the fixed synthetic card of the golden files. Its QR payload
// is 1,001 base45 characters (667 bytes).
func testData(tb testing.TB) Data {
	return Data{
		CardNumber:    "DC1234567",
		FamilyNames:   "Peña Müller",
		GivenNames:    "María José",
		ANumber:       "A012-345-678",
		Citizenship:   "Honduras",
		DateOfBirth:   "29 FEB 1988",
		Sex:           "F",
		IssueDate:     time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC),
		ExpiryDate:    time.Date(2028, 1, 15, 0, 0, 0, 0, time.UTC),
		IssuingOffice: "Houston Field Office",
		Photo:         testPortrait(tb),
		QRPayload:     testPayload(667),
		MRZ: [3]string{
			"IXUSADC12345675A012345678<<<<<",
			"8802299F2801153HND<<<<<<<<<<<2",
			"PENA<MULLER<<MARIA<JOSE<<<<<<<",
		},
		PortalURL: "https://portal.docketcard.example",
	}
}
