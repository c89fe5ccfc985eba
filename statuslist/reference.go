package statuslist

import (
	"fmt"
	"math"

	"github.com/docketcard/docketcard"
	"github.com/fxamacker/cbor/v2"
)

// Keys of the Status and StatusListInfo CBOR maps (Section 6.3).
const (
	keyStatusList = "status_list"
	keyIdx        = "idx"
	keyURI        = "uri"
)

// Reference is the status_list entry of the "status" claim that a card
// carries (Section 6.3): which index of which Status List Token holds its
// status.
type Reference struct {
	Index int
	URI   string
}

// Validate checks that the index is non-negative and the URI absolute.
func (r Reference) Validate() error {
	if r.Index < 0 {
		return fail(docketcard.EINVALID, ErrReference, "status reference: index %d is negative", r.Index)
	}
	if err := checkURI("status reference: uri", r.URI); err != nil {
		return fail(docketcard.EINVALID, ErrReference, "%v", err)
	}
	return nil
}

// CBORValue returns the value of the "status" claim (ClaimStatus, 65535, in a
// CWT; Section 6.3): {"status_list": {"idx": Index, "uri": URI}}. Encoded
// with any deterministic CBOR encoder (or MarshalCBOR) it gives the same
// bytes every time: the maps have text keys and no other content.
func (r Reference) CBORValue() map[string]any {
	return map[string]any{
		keyStatusList: map[string]any{
			keyIdx: r.Index,
			keyURI: r.URI,
		},
	}
}

// MarshalCBOR returns CBORValue in RFC 8949 Core Deterministic Encoding,
// after Validate.
func (r Reference) MarshalCBOR() ([]byte, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return encMode.Marshal(r.CBORValue())
}

// ParseReference reads a "status" claim value: the map that CBORValue
// returns, a map decoded by a CBOR library (map[any]any or map[string]any,
// integers of any Go integer type), or its encoded CBOR ([]byte or
// cbor.RawMessage). Other members of the status claim (other status
// mechanisms, Section 6.1) and of status_list are ignored. idx must be a
// non-negative integer and uri an absolute URI.
func ParseReference(v any) (Reference, error) {
	switch b := v.(type) {
	case cbor.RawMessage:
		v = []byte(b)
	}
	if b, ok := v.([]byte); ok {
		if major(b) != 5 {
			return Reference{}, badReference("the status claim is not a CBOR map")
		}
		var decoded any
		if err := decMode.Unmarshal(b, &decoded); err != nil {
			return Reference{}, badReference("the status claim is not valid CBOR: %v", err)
		}
		v = decoded
	}
	status, ok := asMap(v)
	if !ok {
		return Reference{}, badReference("the status claim is %T, want a map", v)
	}
	sl, ok := status[keyStatusList]
	if !ok {
		return Reference{}, badReference("the status claim has no status_list")
	}
	info, ok := asMap(sl)
	if !ok {
		return Reference{}, badReference("status_list is %T, want a map", sl)
	}
	var r Reference
	idx, ok := info[keyIdx]
	if !ok {
		return Reference{}, badReference("status_list has no idx")
	}
	if r.Index, ok = asIndex(idx); !ok {
		return Reference{}, badReference("idx %v (%T) is not a non-negative integer", idx, idx)
	}
	uri, ok := info[keyURI]
	if !ok {
		return Reference{}, badReference("status_list has no uri")
	}
	if r.URI, ok = uri.(string); !ok {
		return Reference{}, badReference("uri is %T, want a text string", uri)
	}
	if err := r.Validate(); err != nil {
		return Reference{}, err
	}
	return r, nil
}

func badReference(format string, args ...any) error {
	return fail(docketcard.EINVALID, ErrReference, "status reference: "+format, args...)
}

// asMap returns v as a map with string keys, dropping non-string keys.
func asMap(v any) (map[string]any, bool) {
	switch m := v.(type) {
	case map[string]any:
		return m, true
	case map[any]any:
		out := make(map[string]any, len(m))
		for k, val := range m {
			if s, ok := k.(string); ok {
				out[s] = val
			}
		}
		return out, true
	}
	return nil, false
}

// asIndex returns v as a non-negative int if it is an integer that fits.
func asIndex(v any) (int, bool) {
	var n int64
	switch x := v.(type) {
	case int:
		n = int64(x)
	case int8:
		n = int64(x)
	case int16:
		n = int64(x)
	case int32:
		n = int64(x)
	case int64:
		n = x
	case uint:
		if uint64(x) > math.MaxInt64 {
			return 0, false
		}
		n = int64(x)
	case uint8:
		n = int64(x)
	case uint16:
		n = int64(x)
	case uint32:
		n = int64(x)
	case uint64:
		if x > math.MaxInt64 {
			return 0, false
		}
		n = int64(x)
	default:
		return 0, false
	}
	if n < 0 || n > math.MaxInt {
		return 0, false
	}
	return int(n), true
}

// String returns the reference for logs: uri#idx.
func (r Reference) String() string { return fmt.Sprintf("%s#%d", r.URI, r.Index) }
