// Package perf holds the measurements behind docketcard's performance
// figures, shared by the `go test -bench` benchmarks and the
// `docketcard bench` report so both measure exactly the same thing.
package perf

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/demo"
	"github.com/docketcard/docketcard/service"
	"github.com/docketcard/docketcard/sqlstore"
)

// PeopleCSV returns a CSV file of n synthetic people at the given sites,
// with A-numbers starting at first.
func PeopleCSV(n, first int, sites []string, now time.Time) []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(service.ImportColumns)
	r := rand.New(rand.NewPCG(uint64(first), 7))
	for i := 0; i < n; i++ {
		in := demo.Input(r, first+i, now)
		in.SiteCode = sites[i%len(sites)]
		aliases := ""
		for j, a := range in.Aliases {
			if j > 0 {
				aliases += "; "
			}
			aliases += a.FamilyNames + ", " + a.GivenNames
		}
		w.Write([]string{in.ANumber, in.FamilyNames, in.GivenNames, aliases, in.DateOfBirth, in.Sex,
			in.CountryOfCitizenship, in.CountryOfBirth, in.PreferredLanguage, in.MailingAddress.Street1,
			in.MailingAddress.Street2, in.MailingAddress.City, in.MailingAddress.State, in.MailingAddress.ZIP,
			in.Phone, in.Email, in.SiteCode})
	}
	w.Flush()
	return buf.Bytes()
}

// Person returns the synthetic person i of the generator (the same as
// PeopleCSV's row for index i with the same random state).
func Person(r *rand.Rand, i int, now time.Time) docketcard.PersonInput {
	return demo.Input(r, i, now)
}

// BareInsert inserts the rows of a PeopleCSV file straight into the
// people table with batched multi-row INSERTs (500 rows a transaction,
// 200 rows a statement), with no validation, no aliases and no audit: the
// floor that the real import is compared with.
func BareInsert(ctx context.Context, db *sqlstore.DB, file []byte, now time.Time) (int, error) {
	recs, err := csv.NewReader(bytes.NewReader(file)).ReadAll()
	if err != nil {
		return 0, err
	}
	recs = recs[1:]
	const cols = 21
	n := 0
	for start := 0; start < len(recs); start += 500 {
		batch := recs[start:min(start+500, len(recs))]
		tx, err := db.SQL().BeginTx(ctx, nil)
		if err != nil {
			return n, err
		}
		for s := 0; s < len(batch); s += 200 {
			chunk := batch[s:min(s+200, len(batch))]
			args := make([]any, 0, len(chunk)*cols)
			for _, r := range chunk {
				a, _ := docketcard.ParseANumber(r[0])
				args = append(args, service.NewID(), string(a), r[1], r[2], r[4], r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13],
					r[14], r[15], r[16], nil, 1, now, now)
			}
			q := `INSERT INTO people (id, a_number, family_names, given_names, date_of_birth, sex, citizenship, birth_country,
				language, street1, street2, city, state, zip, phone, email, site_code, photo_blob_id, version, created_at, updated_at) VALUES `
			for i := range chunk {
				if i > 0 {
					q += ", "
				}
				q += "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
			}
			if _, err := tx.ExecContext(ctx, db.Rebind(q), args...); err != nil {
				tx.Rollback()
				return n, err
			}
			n += len(chunk)
		}
		if err := tx.Commit(); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Latency is the result of a load run.
type Latency struct {
	Requests   int
	Errors     int
	P50, P99   time.Duration
	Throughput float64 // requests per second
}

func (l Latency) String() string {
	return fmt.Sprintf("%d requests, %d errors, p50 %s, p99 %s, %.0f req/s", l.Requests, l.Errors,
		l.P50.Round(time.Microsecond), l.P99.Round(time.Microsecond), l.Throughput)
}

// GetLoad sends GET requests for urls (round-robin) from clients
// concurrent clients with a bearer token, requests in all, and reports
// latency percentiles. Only loopback servers are meant to be targeted.
func GetLoad(ctx context.Context, client *http.Client, urls []string, token string, clients, requests int) Latency {
	lat := make([]time.Duration, requests)
	var errs int
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan int, requests)
	for i := 0; i < requests; i++ {
		next <- i
	}
	close(next)
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, urls[i%len(urls)], nil)
				req.Header.Set("Authorization", "Bearer "+token)
				t := time.Now()
				res, err := client.Do(req)
				d := time.Since(t)
				if err == nil {
					var b [4096]byte
					for {
						if _, e := res.Body.Read(b[:]); e != nil {
							break
						}
					}
					res.Body.Close()
				}
				lat[i] = d
				if err != nil || res.StatusCode != http.StatusOK {
					mu.Lock()
					errs++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	total := time.Since(start)
	slices.Sort(lat)
	return Latency{Requests: requests, Errors: errs, P50: lat[requests/2], P99: lat[requests*99/100],
		Throughput: float64(requests) / total.Seconds()}
}
