package screening

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
)

// benchQueries is a realistic query mix: most people screened are on no
// list, so two thirds are the common names of the evaluation set (with
// date of birth, nationality and sex) and one third are variants of list
// names (misspelt, transliterated, reordered…), shuffled.
func benchQueries(b *testing.B) []Query {
	vs, ns := loadEvalSet(b)
	var qs []Query
	for _, n := range ns {
		qs = append(qs, n.query())
	}
	for i, v := range vs {
		if i%2 == 0 {
			qs = append(qs, v.query())
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	rng.Shuffle(len(qs), func(i, j int) { qs[i], qs[j] = qs[j], qs[i] })
	return qs
}

// BenchmarkScreen times single queries (limit 10) over OFAC SDN 2021,
// OFAC non-SDN, UN and CSL, and reports the median and 99th percentile
// latency of one query.
func BenchmarkScreen(b *testing.B) {
	_, ix := loadShared(b)
	qs := benchQueries(b)
	for _, q := range qs[:200] { // warm the pools
		ix.Screen(q, 10)
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ix.Screen(qs[i%len(qs)], 10)
		lat = append(lat, time.Since(t0))
	}
	b.StopTimer()
	slices.Sort(lat)
	q := func(p float64) float64 { return float64(lat[int(p*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}

// BenchmarkScreenParallel runs the same mix from all cores at once (the
// index is shared, immutable).
func BenchmarkScreenParallel(b *testing.B) {
	_, ix := loadShared(b)
	qs := benchQueries(b)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := rand.IntN(len(qs))
		for pb.Next() {
			ix.Screen(qs[i%len(qs)], 10)
			i++
		}
	})
}

// BenchmarkBuild times Build over the four parsed lists and reports the
// live heap after a build (the index and the parsed lists it shares).
func BenchmarkBuild(b *testing.B) {
	lists, _ := loadShared(b)
	b.ReportAllocs()
	b.ResetTimer()
	var ix *Index
	for i := 0; i < b.N; i++ {
		ix = Build(lists...)
	}
	b.StopTimer()
	b.ReportMetric(float64(ix.Len()), "entities")
	b.ReportMetric(float64(ix.Names()), "names")
	reportHeap(b, func() { ix = Build(lists...) }, &ix)
}

// reportHeap reports the heap that the index built by build holds beyond
// what was live before (the parsed lists are live both times).
func reportHeap(b *testing.B, build func(), keep **Index) {
	*keep = nil
	sharedIndex = nil
	runtime.GC()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	build()
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "index-MiB")
	b.ReportMetric(float64(after.HeapAlloc)/(1<<20), "heap-MiB")
	runtime.KeepAlive(*keep)
	sharedIndex = *keep
}

// BenchmarkLoadDir times reading, parsing and indexing the four list
// folders from disk, as a reload does, and reports the heap it leaves.
func BenchmarkLoadDir(b *testing.B) {
	d := needWatchlists(b)
	var lists []*List
	for i := 0; i < b.N; i++ {
		lists = lists[:0]
		for _, f := range benchFolders {
			l, err := LoadLists(d + "/" + f)
			if err != nil {
				b.Fatal(err)
			}
			lists = append(lists, l...)
		}
		Build(lists...)
	}
}
