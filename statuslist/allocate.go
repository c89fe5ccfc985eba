package statuslist

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"

	"github.com/docketcard/docketcard"
)

// probes is how many random indices AllocateIndex tries before it counts
// the free ones. With a fraction p of the list used, all probes miss with
// probability p^probes: 1 in 10^6 at 90% full, 3% at 97%.
const probes = 128

// AllocateIndex returns an index in [0, size) that used reports free,
// chosen uniformly at random among the free ones with crypto/rand. An
// index then says nothing about when, where or in what order a card was
// issued, unlike a counter: Sections 12.4 and 12.5.1 of the draft recommend
// "non-sequential, pseudo-random or random indices".
//
// It first tries random indices (each accepted one is uniform among the
// free ones); if every try is used, the list is nearly full and it counts
// the free indices and picks one of them at random, calling used up to
// 2*size times. A full list is an ECONFLICT error matching ErrListFull: the
// caller should open a new list. An error from used is returned as is.
//
// Allocation is not atomic: the caller must record the index so that a
// concurrent allocation of the same one fails (for example a unique
// constraint) and then allocate again; Section 13.3 says the Status Issuer
// MUST prevent unintended double allocation.
func AllocateIndex(size int, used func(int) (bool, error)) (int, error) {
	if size < 1 {
		return 0, fail(docketcard.EINVALID, ErrBadRequest, "size is %d; it must be at least 1", size)
	}
	if used == nil {
		return 0, fail(docketcard.EINVALID, ErrBadRequest, "used is nil")
	}
	for range probes {
		idx, err := uniform(size)
		if err != nil {
			return 0, err
		}
		taken, err := used(idx)
		if err != nil {
			return 0, err
		}
		if !taken {
			return idx, nil
		}
	}
	free := 0
	for i := range size {
		taken, err := used(i)
		if err != nil {
			return 0, err
		}
		if !taken {
			free++
		}
	}
	if free == 0 {
		return 0, fail(docketcard.ECONFLICT, ErrListFull, "all %d indices are used", size)
	}
	k, err := uniform(free)
	if err != nil {
		return 0, err
	}
	for i := range size {
		taken, err := used(i)
		if err != nil {
			return 0, err
		}
		if !taken {
			if k == 0 {
				return i, nil
			}
			k--
		}
	}
	// used changed its answers between the two passes.
	return 0, fail(docketcard.ECONFLICT, ErrListFull, "the free indices changed during allocation")
}

// uniform returns a uniformly random int in [0, n), n >= 1, from
// crypto/rand, by rejection sampling so that there is no modulo bias.
func uniform(n int) (int, error) {
	bound := uint64(n)
	// limit is the largest multiple of bound that fits in 64 bits, less 1.
	limit := ^uint64(0) - (^uint64(0)%bound+1)%bound
	var b [8]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return 0, fmt.Errorf("status list: random index: %w", err)
		}
		v := binary.LittleEndian.Uint64(b[:])
		if v <= limit {
			return int(v % bound), nil
		}
	}
}
