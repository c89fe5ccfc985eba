package claim169

import (
	"github.com/fxamacker/cbor/v2"
)

// canonical is the exact subset of Claim 169 that MarshalCBOR writes for
// docketcard's own cards. Decoding into it is one pass with no reflection
// over interfaces, which keeps offline verification close to the cost of
// the signature check. Anything outside this subset (another key, another
// type, a text date with dashes…) falls back to the tolerant reader, so
// the result is always the same as the tolerant reader's.
type canonical struct {
	ID                string         `cbor:"1,keyasint,omitempty"`
	Version           string         `cbor:"2,keyasint,omitempty"`
	Language          string         `cbor:"3,keyasint,omitempty"`
	FullName          string         `cbor:"4,keyasint,omitempty"`
	FirstName         string         `cbor:"5,keyasint,omitempty"`
	MiddleName        string         `cbor:"6,keyasint,omitempty"`
	LastName          string         `cbor:"7,keyasint,omitempty"`
	DateOfBirth       string         `cbor:"8,keyasint,omitempty"`
	Gender            int            `cbor:"9,keyasint,omitempty"`
	Nationality       string         `cbor:"13,keyasint,omitempty"`
	CountryOfIssuance string         `cbor:"23,keyasint,omitempty"`
	Face              []canonicalBio `cbor:"62,keyasint,omitempty"`
}

type canonicalBio struct {
	Data      []byte `cbor:"0,keyasint"`
	Format    int    `cbor:"1,keyasint"`
	SubFormat int    `cbor:"2,keyasint"`
}

var strictMode = func() cbor.DecMode {
	m, err := cbor.DecOptions{
		MaxNestedLevels:   MaxDepth,
		MaxArrayElements:  MaxArrayElements,
		MaxMapPairs:       MaxMapPairs,
		DupMapKey:         cbor.DupMapKeyEnforcedAPF,
		IndefLength:       cbor.IndefLengthForbidden,
		TagsMd:            cbor.TagsForbidden,
		UTF8:              cbor.UTF8RejectInvalid,
		ExtraReturnErrors: cbor.ExtraDecErrorUnknownField,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	return m
}()

// unmarshalCanonical decodes data if it is in the canonical subset and
// reports whether it did.
func (id *Identity) unmarshalCanonical(data []byte) bool {
	var c canonical
	if err := strictMode.Unmarshal(data, &c); err != nil {
		return false
	}
	if !digitsOnly(c.DateOfBirth) || (c.Gender < 0 || c.Gender > 3) {
		return false
	}
	for _, s := range []string{c.ID, c.Version, c.Language, c.FullName, c.FirstName, c.MiddleName, c.LastName,
		c.Nationality, c.CountryOfIssuance} {
		if len(s) > MaxString {
			return false
		}
	}
	out := Identity{ID: c.ID, Version: c.Version, Language: c.Language, FullName: c.FullName, FirstName: c.FirstName,
		MiddleName: c.MiddleName, LastName: c.LastName, DateOfBirth: c.DateOfBirth, Gender: c.Gender,
		Nationality: c.Nationality, CountryOfIssuance: c.CountryOfIssuance}
	if len(c.Face) > 0 {
		list := make([]Biometric, 0, len(c.Face))
		for _, b := range c.Face {
			if len(b.Data) > MaxString {
				return false
			}
			list = append(list, Biometric{Data: b.Data, Format: b.Format, SubFormat: b.SubFormat})
		}
		out.Biometrics = map[int][]Biometric{KeyFace: list}
		for _, b := range list {
			if b.Format == FormatImage && len(b.Data) > 0 {
				out.Photo = b.Data // the decoder's own copy; no need to clone
				if b.SubFormat >= 1 && b.SubFormat <= 4 {
					out.PhotoFormat = b.SubFormat
				}
				break
			}
		}
	}
	*id = out
	return true
}

// digitsOnly accepts the date forms the writer produces: "" or 4, 6 or 8
// digits.
func digitsOnly(s string) bool {
	switch len(s) {
	case 0, 4, 6, 8:
	default:
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
