package portrait

import "hash/fnv"

// rng is a SplitMix64 generator. It is written out here, rather than taken
// from math/rand, so that a seed draws the same portrait whatever the Go
// version: the algorithms behind math/rand's helper methods may change.
type rng struct{ state uint64 }

// newRNG returns a generator for one part of the portrait (the face, the
// hair, ...). Each part draws from its own stream, so that changing how
// one part is drawn, or how many numbers it takes, leaves the others as
// they were for every seed.
func newRNG(seed int64, part string) *rng {
	h := fnv.New64a()
	h.Write([]byte(part))
	r := &rng{state: uint64(seed) ^ h.Sum64()}
	r.next() // mix the seed in before the first use
	return r
}

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// float returns a number in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// between returns a number in [lo, hi).
func (r *rng) between(lo, hi float64) float64 { return lo + (hi-lo)*r.float() }

// intn returns a number in [0, n).
func (r *rng) intn(n int) int { return int(r.float() * float64(n)) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// sign returns -1 or 1.
func (r *rng) sign() float64 {
	if r.chance(0.5) {
		return -1
	}
	return 1
}

// pick returns an index into weights, chosen with probability proportional
// to its weight. It always draws exactly one number.
func (r *rng) pick(weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.float() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}
