package main

import (
	"strings"
	"testing"
)

// The report layout of Debian's wrk 4 with --latency.
const wrkReport = `Running 10s test @ http://127.0.0.1:40123/api/v1/verify
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     5.36ms    3.10ms  36.20ms   71.05%
    Req/Sec     3.08k   210.45     3.60k    69.00%
  Latency Distribution
     50%    4.76ms
     75%    6.81ms
     90%    8.84ms
     99%   15.05ms
  61665 requests in 10.01s, 741.57MB read
Requests/sec:   6157.42
Transfer/sec:     74.08MB
`

func TestParseWrk(t *testing.T) {
	for _, tc := range []struct {
		name                          string
		out                           string
		wantRate                      float64
		wantReqs, wantErrs, wantBytes int
		wantP50, wantP99, wantMax     float64
		wantErr                       string
	}{
		{name: "clean run", out: wrkReport, wantRate: 6157.42, wantReqs: 61665, wantBytes: 12610, wantP50: 4.76, wantP99: 15.05, wantMax: 36.2},
		{name: "errors counted",
			out:      strings.Replace(wrkReport, "Requests/sec", "  Socket errors: connect 0, read 2, write 0, timeout 3\n  Non-2xx or 3xx responses: 7\nRequests/sec", 1),
			wantRate: 6157.42, wantReqs: 61665, wantErrs: 12, wantBytes: 12610, wantP50: 4.76, wantP99: 15.05, wantMax: 36.2},
		{name: "seconds and microseconds", out: strings.NewReplacer("15.05ms", "1.20s", "4.76ms", "900.00us", "36.20ms", "2.00s").Replace(wrkReport),
			wantRate: 6157.42, wantReqs: 61665, wantBytes: 12610, wantP50: 0.9, wantP99: 1200, wantMax: 2000},
		{name: "kilobytes read", out: strings.Replace(wrkReport, "741.57MB read", "12.00KB read", 1), wantRate: 6157.42, wantReqs: 61665, wantBytes: 0, wantP50: 4.76, wantP99: 15.05, wantMax: 36.2},
		{name: "no read total: the size is left out, the rest parsed", out: strings.Replace(wrkReport, ", 741.57MB read", "", 1),
			wantRate: 6157.42, wantReqs: 61665, wantBytes: 0, wantP50: 4.76, wantP99: 15.05, wantMax: 36.2},
		{name: "not a wrk report", out: "wrk: unknown option\n", wantErr: "without Requests/sec"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var r VerifyBench
			err := parseWrk(tc.out, &r)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.ServerPerSecond != tc.wantRate || r.Requests != tc.wantReqs || r.Errors != tc.wantErrs || r.BytesPerResponse != tc.wantBytes ||
				r.P50 != tc.wantP50 || r.P99 != tc.wantP99 || r.Max != tc.wantMax {
				t.Fatalf("parsed %+v", r)
			}
		})
	}
}
