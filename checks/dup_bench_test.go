package checks_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/dedupe"
	"github.com/docketcard/docketcard/internal/perf"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/sqlstore"
)

// BenchmarkDuplicateCheck1M measures duplicate-identity detection for a
// new enrolment against N enrolled people (default 1,000,000; set
// DOCKETCARD_BENCH_PEOPLE), on PostgreSQL (and SQLite with -bench
// DuplicateCheck1M/sqlite), and reports p50/p99 per check. Every enrolled
// person has name keys and a photo hash with its four bands, as
// enrolment stores them. Target on PostgreSQL: p99 ≤ 20 ms.
func BenchmarkDuplicateCheck1M(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("DOCKETCARD_BENCH_PEOPLE")); err == nil && v > 0 {
		n = v
	}
	for _, d := range []string{sqlstore.DialectPostgres, sqlstore.DialectSQLite} {
		b.Run(d, func(b *testing.B) {
			app := testapp.New(b, d)
			ctx := context.Background()
			now := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			start := time.Now()
			for done := 0; done < n; done += 100_000 {
				file := perf.PeopleCSV(min(100_000, n-done), done+1000, []string{"HOU"}, now)
				if _, err := app.Service.ImportPeople(ctx, officer, bytes.NewReader(file)); err != nil {
					b.Fatal(err)
				}
			}
			// Photo hashes for everyone, as SetPhoto stores them.
			r := rand.New(rand.NewPCG(1, 2))
			var ids []string
			rows, err := app.DB.SQL().Query(`SELECT id FROM people`)
			if err != nil {
				b.Fatal(err)
			}
			for rows.Next() {
				var id string
				rows.Scan(&id)
				ids = append(ids, id)
			}
			rows.Close()
			for i := 0; i < len(ids); i += 5000 {
				err := app.DB.WithTx(ctx, func(tx docketcard.Tx) error {
					var pairs [][2]string
					for _, id := range ids[i:min(i+5000, len(ids))] {
						h := r.Uint64() | 1
						for _, k := range dedupe.PhotoBands(h) {
							pairs = append(pairs, [2]string{id, k})
						}
					}
					return tx.AddPersonKeys(ctx, pairs)
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%d people enrolled with keys in %s", len(ids), time.Since(start).Round(time.Second))
			dup := checks.Duplicate{Store: app.DB}
			// New enrolments drawn from the same name pools as the enrolled people,
			// so each shares blocking keys with many records.
			var probes []*docketcard.Person
			for i := 0; i < 500; i++ {
				in := perf.Person(r, 5_000_000+i, now)
				if i%2 == 0 {
					in = perf.Person(rand.New(rand.NewPCG(uint64(1000+i*7), 7)), 1000+i*7, now)
					in.ANumber = fmt.Sprintf("A08%07d", i)
				}
				in.SiteCode = "HOU"
				p, err := in.Validate(now)
				if err != nil {
					b.Fatal(err)
				}
				p.ID = fmt.Sprintf("probe-%d", i)
				probes = append(probes, p)
			}
			lat := make([]time.Duration, 0, max(b.N, len(probes)))
			b.ResetTimer()
			for i := 0; i < max(b.N, len(probes)); i++ {
				p := probes[i%len(probes)]
				t := time.Now()
				if _, err := dup.Run(ctx, p, &docketcard.Check{ID: "c", PersonID: p.ID}); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
			}
			b.StopTimer()
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
			b.ReportMetric(float64(len(ids)), "enrolled")
		})
	}
}
