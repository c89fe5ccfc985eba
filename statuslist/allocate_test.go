package statuslist

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/docketcard/docketcard"
)

// TestAllocateIndex checks, at several fill levels, that AllocateIndex only
// returns free indices, in range, spread over all the free ones.
func TestAllocateIndex(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name string
		size int
		free int // number of free indices
	}{
		{"empty list of 1", 1, 1},
		{"empty list", 64, 64},
		{"half full", 64, 32},
		{"nearly full: probing misses, counting finds", 1000, 3},
		{"one free index", 1000, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			used := make([]bool, tt.size)
			for i := range used {
				used[i] = true
			}
			for _, i := range rng.Perm(tt.size)[:tt.free] {
				used[i] = false
			}
			draws := 200 * tt.free
			if draws > 3000 {
				draws = 3000
			}
			seen := map[int]int{}
			for range draws {
				idx, err := AllocateIndex(tt.size, func(i int) (bool, error) {
					if i < 0 || i >= tt.size {
						t.Fatalf("used(%d) outside [0, %d)", i, tt.size)
					}
					return used[i], nil
				})
				if err != nil {
					t.Fatal(err)
				}
				if used[idx] {
					t.Fatalf("returned used index %d", idx)
				}
				seen[idx]++
			}
			if len(seen) != tt.free && tt.free <= 64 {
				t.Errorf("%d draws reached %d of %d free indices", draws, len(seen), tt.free)
			}
			// Loose uniformity: no free index gets under a third or over
			// three times its share.
			share := float64(draws) / float64(tt.free)
			for idx, n := range seen {
				if float64(n) < share/3 || float64(n) > share*3 {
					t.Errorf("index %d drawn %d times, expected about %.0f", idx, n, share)
				}
			}
		})
	}
}

// TestAllocateIndexErrors checks a full list, bad arguments and a failing
// predicate.
func TestAllocateIndexErrors(t *testing.T) {
	all := func(int) (bool, error) { return true, nil }
	_, err := AllocateIndex(100, all)
	wantErr(t, err, docketcard.ECONFLICT, ErrListFull)

	_, err = AllocateIndex(0, all)
	wantErr(t, err, docketcard.EINVALID, ErrBadRequest)
	_, err = AllocateIndex(-3, all)
	wantErr(t, err, docketcard.EINVALID, ErrBadRequest)
	_, err = AllocateIndex(10, nil)
	wantErr(t, err, docketcard.EINVALID, ErrBadRequest)

	boom := errors.New("database down")
	_, err = AllocateIndex(10, func(int) (bool, error) { return false, boom })
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want the predicate's", err)
	}
	// The error also comes through from the counting passes.
	calls := 0
	_, err = AllocateIndex(10, func(int) (bool, error) {
		calls++
		if calls > probes {
			return false, boom
		}
		return true, nil
	})
	if !errors.Is(err, boom) {
		t.Errorf("error %v, want the predicate's", err)
	}
	// A predicate that changes its mind between the passes.
	calls = 0
	_, err = AllocateIndex(10, func(int) (bool, error) {
		calls++
		return calls != probes+5, nil // free only in the counting pass
	})
	wantErr(t, err, docketcard.ECONFLICT, ErrListFull)
}

// TestUniform checks the range of uniform for awkward bounds.
func TestUniform(t *testing.T) {
	for _, n := range []int{1, 2, 3, 7, 1 << 20, 1<<62 + 1} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			for range 1000 {
				v, err := uniform(n)
				if err != nil {
					t.Fatal(err)
				}
				if v < 0 || v >= n {
					t.Fatalf("uniform(%d) = %d", n, v)
				}
			}
		})
	}
}
