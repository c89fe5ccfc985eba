package service_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/perf"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
)

// BenchmarkImport10k measures the bulk import of 10,000 people (CSV
// parse, validation, duplicate check, people and aliases, one audit entry
// each) beside a bare batched INSERT of the same rows into the same
// database, in the same run. Target: import at least 1/3 the bare speed.
func BenchmarkImport10k(b *testing.B) {
	const n = 10_000
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			var importNs, bareNs float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				app := testapp.New(b, d)
				file := perf.PeopleCSV(n, 1, []string{"HOU"}, now)
				officer := app.Actor(docketcard.RoleEnrollmentOfficer)
				b.StartTimer()
				start := time.Now()
				rep, err := app.Service.ImportPeople(context.Background(), officer, bytes.NewReader(file))
				importNs += float64(time.Since(start).Nanoseconds())
				if err != nil || rep.Created != n {
					b.Fatalf("import: %+v %v", rep, err)
				}
				b.StopTimer()
				bare := testapp.New(b, d)
				start = time.Now()
				if k, err := perf.BareInsert(context.Background(), bare.DB, file, now); err != nil || k != n {
					b.Fatalf("bare insert: %d %v", k, err)
				}
				bareNs += float64(time.Since(start).Nanoseconds())
			}
			b.ReportMetric(importNs/float64(b.N)/1e6, "import-ms")
			b.ReportMetric(bareNs/float64(b.N)/1e6, "bare-insert-ms")
			b.ReportMetric(n/(importNs/float64(b.N)/1e9), "import-rows/s")
			b.ReportMetric(n/(bareNs/float64(b.N)/1e9), "bare-rows/s")
			b.ReportMetric(bareNs/importNs, "import/bare-speed")
		})
	}
}

// BenchmarkGetPersonByANumber32 drives GET /api/v1/a-numbers/{a} through
// the full HTTP stack (auth, authorisation, audit write per read) with 32
// concurrent clients and reports p50 and p99 latency.
func BenchmarkGetPersonByANumber32(b *testing.B) {
	now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	for _, d := range testdb.Dialects {
		b.Run(d, func(b *testing.B) {
			app := testapp.New(b, d)
			file := perf.PeopleCSV(1000, 0, []string{"HOU"}, now)
			if _, err := app.Service.ImportPeople(context.Background(), app.Actor(docketcard.RoleEnrollmentOfficer), bytes.NewReader(file)); err != nil {
				b.Fatal(err)
			}
			urls := make([]string, 1000)
			for i := range urls {
				urls[i] = fmt.Sprintf("%s/api/v1/a-numbers/A09%07d", app.Server.URL, i+1)
			}
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64}}
			b.ResetTimer()
			lat := perf.GetLoad(context.Background(), client, urls, app.Tokens[docketcard.RoleAdjudicator], 32, max(b.N, 2000))
			b.StopTimer()
			if lat.Errors > 0 {
				b.Fatalf("%d errors", lat.Errors)
			}
			b.ReportMetric(float64(lat.P50.Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat.P99.Microseconds())/1000, "p99-ms")
			b.ReportMetric(lat.Throughput, "req/s")
		})
	}
}
