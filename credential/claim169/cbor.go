package claim169

import (
	"errors"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Limits on hostile input. A QR code holds at most 4,296 alphanumeric
// characters (about 2.9 KiB of binary after Base45), so every limit here is
// far above what a real card carries and far below what could hurt.
const (
	MaxQRText        = 16 << 10 // characters of Base45 text accepted by DecodeQR
	MaxInflated      = 64 << 10 // bytes after decompression
	MaxString        = 64 << 10 // bytes in one byte or text string of the identity
	MaxDepth         = 16       // nesting of arrays, maps and tags
	MaxMapPairs      = 256      // entries in one map
	MaxArrayElements = 256      // elements in one array
	maxIdentityBytes = 1 << 20  // whole encoded identity given to UnmarshalCBOR
)

var (
	// decMode reads everything this package decodes: bounded depth, map
	// and array sizes, duplicate map keys rejected (a verifier and a
	// printer must never disagree on which value counts), indefinite
	// lengths accepted (tolerant reader), integers kept as uint64/int64.
	decMode cbor.DecMode
	// encMode writes core deterministic encoding (RFC 8949 §4.2.1).
	encMode cbor.EncMode
)

func init() {
	var err error
	decMode, err = cbor.DecOptions{
		MaxNestedLevels:  MaxDepth,
		MaxArrayElements: MaxArrayElements,
		MaxMapPairs:      MaxMapPairs,
		DupMapKey:        cbor.DupMapKeyEnforcedAPF,
		IndefLength:      cbor.IndefLengthAllowed,
		TagsMd:           cbor.TagsAllowed,
		IntDec:           cbor.IntDecConvertNone,
		UTF8:             cbor.UTF8RejectInvalid,
	}.DecMode()
	if err != nil {
		panic(err)
	}
	encMode, err = cbor.CoreDetEncOptions().EncMode()
	if err != nil {
		panic(err)
	}
}

// CBOR major types.
const (
	majorUint   = 0
	majorNint   = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

func majorOf(raw []byte) byte {
	if len(raw) == 0 {
		return 0xff
	}
	return raw[0] >> 5
}

// isNull reports CBOR null or undefined, which the reader takes as "absent".
func isNull(raw []byte) bool {
	return len(raw) == 1 && (raw[0] == 0xf6 || raw[0] == 0xf7)
}

func typeName(raw []byte) string {
	switch majorOf(raw) {
	case majorUint, majorNint:
		return "an integer"
	case majorBytes:
		return "a byte string"
	case majorText:
		return "a text string"
	case majorArray:
		return "an array"
	case majorMap:
		return "a map"
	case majorTag:
		return "a tagged item"
	case majorSimple:
		switch raw[0] {
		case 0xf4, 0xf5:
			return "a boolean"
		case 0xf6:
			return "null"
		case 0xf7:
			return "undefined"
		case 0xf9, 0xfa, 0xfb:
			return "a float"
		}
		return "a simple value"
	}
	return "nothing"
}

// isLimitErr reports an error from one of decMode's size limits.
func isLimitErr(err error) bool {
	var (
		e1 *cbor.MaxNestedLevelError
		e2 *cbor.MaxMapPairsError
		e3 *cbor.MaxArrayElementsError
	)
	return errors.As(err, &e1) || errors.As(err, &e2) || errors.As(err, &e3)
}

// wrapCBOR wraps a decoding error in sentinel, or in ErrTooLarge (first, so
// that its code wins) when a size limit was hit.
func wrapCBOR(sentinel error, what string, err error) error {
	if isLimitErr(err) {
		return fmt.Errorf("claim169: %w: %w: %s: %v", ErrTooLarge, sentinel, what, err)
	}
	return wrap(sentinel, "%s: %v", what, err)
}

// intKey converts a decoded map key to an int.
func intKey(k any) (int, bool) {
	switch v := k.(type) {
	case uint64:
		if v > uint64(maxInt) {
			return 0, false
		}
		return int(v), true
	case int64:
		if v < int64(minInt) || v > int64(maxInt) {
			return 0, false
		}
		return int(v), true
	}
	return 0, false
}

const (
	maxInt = int(^uint(0) >> 1)
	minInt = -maxInt - 1
)

// checkStrings walks one well-formed CBOR item and fails if any byte or
// text string in it (an indefinite-length one counted whole) is longer than
// MaxString. It guards values kept verbatim in Identity.Unknown.
func checkStrings(key int, raw []byte) error {
	if _, err := walkItem(raw, 0, 0); err != nil {
		return keyTooBig(key, "%v", err)
	}
	return nil
}

var errLongString = errors.New("a string is longer than the limit")
var errMalformed = errors.New("malformed CBOR")

// walkItem returns the offset just past the item at off. depth guards the
// recursion even though decMode has already bounded it.
func walkItem(b []byte, off, depth int) (int, error) {
	if depth > MaxDepth+1 {
		return 0, errMalformed
	}
	major, arg, indef, off, err := readHead(b, off)
	if err != nil {
		return 0, err
	}
	switch major {
	case majorUint, majorNint, majorSimple:
		return off, nil
	case majorBytes, majorText:
		if !indef {
			if arg > MaxString {
				return 0, errLongString
			}
			if arg > uint64(len(b)-off) {
				return 0, errMalformed
			}
			return off + int(arg), nil
		}
		total := uint64(0)
		for {
			if off >= len(b) {
				return 0, errMalformed
			}
			if b[off] == 0xff {
				return off + 1, nil
			}
			_, n, ind, next, err := readHead(b, off)
			if err != nil || ind || n > uint64(len(b)-next) {
				return 0, errMalformed
			}
			total += n
			if total > MaxString {
				return 0, errLongString
			}
			off = next + int(n)
		}
	case majorArray, majorMap:
		per := 1
		if major == majorMap {
			per = 2
		}
		if indef {
			for {
				if off >= len(b) {
					return 0, errMalformed
				}
				if b[off] == 0xff {
					return off + 1, nil
				}
				for j := 0; j < per; j++ {
					if off, err = walkItem(b, off, depth+1); err != nil {
						return 0, err
					}
				}
			}
		}
		if arg > uint64(len(b)) {
			return 0, errMalformed
		}
		for i := uint64(0); i < arg*uint64(per); i++ {
			if off, err = walkItem(b, off, depth+1); err != nil {
				return 0, err
			}
		}
		return off, nil
	case majorTag:
		return walkItem(b, off, depth+1)
	}
	return 0, errMalformed
}

// readHead parses the initial byte and argument of the item at off.
func readHead(b []byte, off int) (major byte, arg uint64, indef bool, next int, err error) {
	if off >= len(b) {
		return 0, 0, false, 0, errMalformed
	}
	major, ai := b[off]>>5, b[off]&0x1f
	off++
	switch {
	case ai < 24:
		return major, uint64(ai), false, off, nil
	case ai <= 27:
		n := 1 << (ai - 24)
		if len(b)-off < n {
			return 0, 0, false, 0, errMalformed
		}
		for i := 0; i < n; i++ {
			arg = arg<<8 | uint64(b[off+i])
		}
		return major, arg, false, off + n, nil
	case ai == 31 && major >= majorBytes && major <= majorMap:
		return major, 0, true, off, nil
	case ai == 31 && major == majorSimple:
		return 0, 0, false, 0, errMalformed // a stray break
	}
	return 0, 0, false, 0, errMalformed
}
