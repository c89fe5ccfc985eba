// Package statuslist publishes the revocation status of docket cards as an
// IETF Token Status List (draft-ietf-oauth-status-list, read at -18; section
// numbers below are that draft's).
//
// A List packs one status of 1, 2, 4 or 8 bits per card into a byte array,
// index 0 in the least significant bits of byte 0 (Section 4.1, step 3, and
// Section 11.1), and compresses it with DEFLATE in the ZLIB format at the
// best compression level (Section 4.1, step 4). Sign embeds a List in a
// signed Status List Token in CWT form (Section 5.2); Parse and Verify read
// one back. A card refers to its entry with a Reference (Section 6.3), whose
// index AllocateIndex picks at random (Sections 12.4 and 12.5.1).
//
// Errors are *docketcard.Error values (EINVALID for bad input, ETOOLARGE
// for a list over a size limit, EUNSUPPORTED for a key or algorithm this
// package does not handle, ECONFLICT for a full list) that also match this
// package's Err* values with errors.Is.
package statuslist

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/docketcard/docketcard"
)

// Status is the status of one card: a Status Type value of Section 7.1.
type Status uint8

// Status Types of Section 7.1 (registered in Section 14.5.2).
const (
	Valid     Status = 0x00 // VALID: the card is valid.
	Invalid   Status = 0x01 // INVALID: the card is revoked.
	Suspended Status = 0x02 // SUSPENDED: the card is temporarily invalid.
	// ApplicationSpecific is the first value that Section 7.1 reserves for
	// applications (0x03, and 0x0C to 0x0F).
	ApplicationSpecific Status = 0x03
)

// String returns the registered name of s, or its value in hexadecimal.
func (s Status) String() string {
	switch s {
	case Valid:
		return "VALID"
	case Invalid:
		return "INVALID"
	case Suspended:
		return "SUSPENDED"
	}
	return fmt.Sprintf("0x%02X", uint8(s))
}

// Limits.
const (
	// MaxBytes is the largest packed byte array that New creates: 256 MiB,
	// over 2 billion 1-bit statuses or 268 million 8-bit ones.
	MaxBytes = 1 << 28
	// DefaultMaxBytes is the inflation limit that FromCompressed and Parse
	// use when given a limit of 0 or less: 16 MiB, room for 64 million 2-bit
	// statuses.
	DefaultMaxBytes = 16 << 20
)

// Kinds of error, for errors.Is.
var (
	ErrBits       = errors.New("statuslist: bits must be 1, 2, 4 or 8")
	ErrIndex      = errors.New("statuslist: index out of range")
	ErrStatus     = errors.New("statuslist: status does not fit in bits")
	ErrTooLarge   = errors.New("statuslist: status list too large")
	ErrCorrupt    = errors.New("statuslist: malformed compressed status list")
	ErrMalformed  = errors.New("statuslist: malformed token")
	ErrSignature  = errors.New("statuslist: signature verification failed")
	ErrKey        = errors.New("statuslist: unsupported key or algorithm")
	ErrReference  = errors.New("statuslist: malformed status reference")
	ErrListFull   = errors.New("statuslist: no free index")
	ErrBadRequest = errors.New("statuslist: invalid argument")
)

// listError is a *docketcard.Error that also unwraps to one of the Err*
// kinds above.
type listError struct {
	err  *docketcard.Error
	kind error
}

func (e *listError) Error() string   { return e.err.Error() }
func (e *listError) Unwrap() []error { return []error{e.err, e.kind} }

func fail(code string, kind error, format string, args ...any) error {
	return &listError{err: docketcard.Errorf(code, "status list: "+format, args...), kind: kind}
}

// List is a Status List (Section 4): size statuses of bits bits each,
// packed into bytes from the least significant bit up.
type List struct {
	bits int
	size int
	data []byte
}

func validBits(bits int) bool {
	return bits == 1 || bits == 2 || bits == 4 || bits == 8
}

// New returns a list of size statuses of bits bits each (1, 2, 4 or 8;
// Section 4.1, step 1), all Valid. The byte array holds
// ceil(size*bits/8) bytes (step 2); any padding bits after the last status
// stay 0. Section 13.4 recommends a size*bits that is a multiple of 8.
func New(bits, size int) (*List, error) {
	if !validBits(bits) {
		return nil, fail(docketcard.EINVALID, ErrBits, "bits is %d; it must be 1, 2, 4 or 8", bits)
	}
	if size < 1 {
		return nil, fail(docketcard.EINVALID, ErrBadRequest, "size is %d; it must be at least 1", size)
	}
	if size > MaxBytes/bits*8 {
		return nil, fail(docketcard.ETOOLARGE, ErrTooLarge,
			"%d statuses of %d bits need more than %d bytes", size, bits, MaxBytes)
	}
	n := (size*bits + 7) / 8
	return &List{bits: bits, size: size, data: make([]byte, n)}, nil
}

// Bits returns the number of bits per status.
func (l *List) Bits() int { return l.bits }

// Len returns the number of statuses in the list. For a list read with
// FromCompressed it is every status the byte array holds:
// len(bytes)*8/bits.
func (l *List) Len() int { return l.size }

// Bytes returns a copy of the packed, uncompressed byte array.
func (l *List) Bytes() []byte { return bytes.Clone(l.data) }

// locate returns the byte and the shift of index idx (Section 4.1, step 3:
// index i occupies bits [i*bits, (i+1)*bits) counting from the least
// significant bit of byte 0).
func (l *List) locate(idx int) (byteIndex int, shift uint, err error) {
	if idx < 0 || idx >= l.size {
		return 0, 0, fail(docketcard.EINVALID, ErrIndex, "index %d is out of range [0, %d)", idx, l.size)
	}
	bit := idx * l.bits
	return bit / 8, uint(bit % 8), nil
}

// Set sets the status at idx. The status must fit in the list's bits.
func (l *List) Set(idx int, s Status) error {
	if int(s) >= 1<<l.bits {
		return fail(docketcard.EINVALID, ErrStatus, "status %v does not fit in %d bits", s, l.bits)
	}
	i, shift, err := l.locate(idx)
	if err != nil {
		return err
	}
	mask := byte(1<<l.bits-1) << shift
	l.data[i] = l.data[i]&^mask | byte(s)<<shift
	return nil
}

// Fill sets every entry to s (for a list whose unassigned entries must
// not read as valid).
func (l *List) Fill(s Status) error {
	if int(s) >= 1<<l.bits {
		return fail(docketcard.EINVALID, ErrStatus, "status %v does not fit in %d bits", s, l.bits)
	}
	var b byte
	for shift := 0; shift < 8; shift += l.bits {
		b |= byte(s) << shift
	}
	for i := range l.data {
		l.data[i] = b
	}
	// Bits past the last entry stay zero, as a fresh list has them.
	if rem := (l.size * l.bits) % 8; rem != 0 {
		l.data[len(l.data)-1] &= byte(1<<rem - 1)
	}
	return nil
}

// Get returns the status at idx. Section 8.3, step 6: an index out of bounds
// is an error, never a status.
func (l *List) Get(idx int) (Status, error) {
	i, shift, err := l.locate(idx)
	if err != nil {
		return 0, err
	}
	return Status(l.data[i] >> shift & byte(1<<l.bits-1)), nil
}

// Compressed returns the byte array compressed with DEFLATE (RFC 1951) in
// the ZLIB format (RFC 1950) at the best compression level, as Section 4.1,
// step 4, recommends: the lst of Sections 4.2 and 4.3.
func (l *List) Compressed() ([]byte, error) {
	var buf bytes.Buffer
	w, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(l.data); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// FromCompressed inflates lst, a ZLIB stream (Section 8.3, step 5), into a
// list of bits-bit statuses. It never inflates more than maxBytes bytes
// (DefaultMaxBytes if maxBytes <= 0): a stream that would inflate past that,
// such as a few bytes crafted to expand to gigabytes, fails with an
// ETOOLARGE error matching ErrTooLarge after reading at most maxBytes+1
// bytes. It also rejects a stream with a bad checksum, a preset dictionary,
// bytes after its end, or an empty byte array. Len is len(bytes)*8/bits.
func FromCompressed(bits int, lst []byte, maxBytes int) (*List, error) {
	if !validBits(bits) {
		return nil, fail(docketcard.EINVALID, ErrBits, "bits is %d; it must be 1, 2, 4 or 8", bits)
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	src := bytes.NewReader(lst)
	zr, err := zlib.NewReader(src)
	if err != nil {
		return nil, fail(docketcard.EINVALID, ErrCorrupt, "lst is not a ZLIB stream: %v", err)
	}
	defer zr.Close()
	// One byte more than the limit tells "exactly maxBytes" from "over".
	limit := int64(maxBytes)
	if limit < math.MaxInt64 {
		limit++
	}
	data, err := io.ReadAll(io.LimitReader(zr, limit))
	if err != nil {
		return nil, fail(docketcard.EINVALID, ErrCorrupt, "lst does not inflate: %v", err)
	}
	if len(data) > maxBytes {
		return nil, fail(docketcard.ETOOLARGE, ErrTooLarge,
			"lst inflates to more than %d bytes", maxBytes)
	}
	// src is an io.ByteReader, so the inflater reads from it directly and
	// stops right after the Adler-32 checksum: anything left is trailing.
	if src.Len() != 0 {
		return nil, fail(docketcard.EINVALID, ErrCorrupt, "lst has %d bytes after the end of the ZLIB stream", src.Len())
	}
	if len(data) == 0 {
		return nil, fail(docketcard.EINVALID, ErrCorrupt, "lst inflates to an empty byte array")
	}
	return &List{bits: bits, size: len(data) * 8 / bits, data: data}, nil
}
