package card

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkRenderCard renders one card: the two-page PDF and both 300 dpi
// PNGs (drawn in parallel). ms/op is wall time; cpu-ms/op is the process's
// CPU time per card (all threads, garbage collection included), which
// depends less on how busy the machine is.
func BenchmarkRenderCard(b *testing.B) {
	d, l := testData(b), DefaultLayout()
	if _, err := Render(d, l); err != nil { // parse the fonts outside the timing
		b.Fatal(err)
	}
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		if _, err := Render(d, l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/op")
	}
}

// BenchmarkRenderPDF renders one card's PDF only, which is what a batch
// does for each card.
func BenchmarkRenderPDF(b *testing.B) {
	d, l := testData(b), DefaultLayout()
	if err := RenderPDF(io.Discard, d, l); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if err := RenderPDF(io.Discard, d, l); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/op")
}

// countWriter counts the bytes of a batch written to io.Discard.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

// BenchmarkBatch10k writes a print batch of 10,000 distinct cards (card
// number and A-number vary, so every card has its own guilloche) into one
// PDF going to io.Discard, and measures the live heap after a garbage
// collection every 1,000 cards. It reports the heap before the first card
// and after the last one, the growth per 1,000 cards between the first
// and the last thousand, the time per card and the PDF's size per card.
//
// It takes about 10 minutes on one core; DOCKETCARD_BATCH_CARDS sets
// another number of cards (at least 2,000), for example
//
//	DOCKETCARD_BATCH_CARDS=2000 go test -run '^$' -bench Batch10k -benchtime 1x ./card/
func BenchmarkBatch10k(b *testing.B) {
	n := 10000
	if s := os.Getenv("DOCKETCARD_BATCH_CARDS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 2000 {
			b.Fatalf("DOCKETCARD_BATCH_CARDS=%q: want a number of at least 2000", s)
		}
		n = v
	}
	base, l := testData(b), DefaultLayout()
	heap := func() uint64 {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	for b.Loop() {
		var out countWriter
		before := heap()
		bw, err := NewBatchWriter(&out, l)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		var at1000 uint64
		for i := range n {
			d := base
			d.CardNumber = fmt.Sprintf("DC%07d", i)
			d.ANumber = fmt.Sprintf("A%03d-%03d-%03d", i/1000000%1000, i/1000%1000, i%1000)
			if err := bw.Add(d); err != nil {
				b.Fatal(err)
			}
			if (i+1)%1000 == 0 {
				h := heap()
				if i+1 == 1000 {
					at1000 = h
				}
				b.Logf("%6d cards: live heap %6.2f MB, %s per card", i+1, float64(h)/1e6, time.Since(start)/time.Duration(i+1))
			}
		}
		last := heap()
		if err := bw.Close(); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		b.ReportMetric(float64(before)/1e6, "MB-heap-before")
		b.ReportMetric(float64(last)/1e6, "MB-heap-after")
		b.ReportMetric((float64(last)-float64(at1000))/1e6/(float64(n-1000)/1000), "MB-growth/1000cards")
		b.ReportMetric(float64(elapsed.Microseconds())/1000/float64(n), "ms/card")
		b.ReportMetric(float64(out.n)/1e3/float64(n), "kB-pdf/card")
	}
}
