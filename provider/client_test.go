package provider_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/provider"
)

// Every kind of answer is classified as retryable or permanent, given a
// docketcard code, and counted against the breaker only when it says the
// provider is failing. A breaker with threshold 1 shows the counting.
func TestErrorClassification(t *testing.T) {
	clk := &fakeClock{t: t0}
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		code       string
		retryable  bool
		retryAfter time.Duration
		counts     bool // opens a threshold-1 breaker
	}{
		{"500", 500, nil, `{"detail":"boom"}`, docketcard.EUNAVAILABLE, true, 0, true},
		{"502", 502, nil, "bad gateway", docketcard.EUNAVAILABLE, true, 0, true},
		{"503 with Retry-After seconds", 503, map[string]string{"Retry-After": "7"}, "", docketcard.EUNAVAILABLE, true, 7 * time.Second, true},
		{"429 with Retry-After seconds", 429, map[string]string{"Retry-After": "3"}, "", docketcard.ERATELIMITED, true, 3 * time.Second, false},
		{"429 with Retry-After date", 429, map[string]string{"Retry-After": t0.Add(10 * time.Second).Format(http.TimeFormat)}, "", docketcard.ERATELIMITED, true, 10 * time.Second, false},
		{"429 without Retry-After", 429, nil, "", docketcard.ERATELIMITED, true, 0, false},
		{"408", 408, nil, "", docketcard.EUNAVAILABLE, true, 0, true},
		{"400", 400, nil, `{"detail":"bad subject"}`, docketcard.EINVALID, false, 0, false},
		{"401", 401, nil, "", docketcard.EUNAUTHORIZED, false, 0, false},
		{"403", 403, nil, "", docketcard.EFORBIDDEN, false, 0, false},
		{"404", 404, nil, "", docketcard.ENOTFOUND, false, 0, false},
		{"409", 409, nil, "", docketcard.ECONFLICT, false, 0, false},
		{"413", 413, nil, "", docketcard.ETOOLARGE, false, 0, false},
		{"415", 415, nil, "", docketcard.EUNSUPPORTED, false, 0, false},
		{"422", 422, nil, "", docketcard.EINVALID, false, 0, false},
		{"302 is not followed", 302, map[string]string{"Location": "http://127.0.0.1:1/elsewhere"}, "", docketcard.EINTERNAL, false, 0, false},
		{"202 not JSON", 202, map[string]string{"Content-Type": "text/html"}, "<html>", docketcard.EUNAVAILABLE, true, 0, true},
		{"202 garbled JSON", 202, map[string]string{"Content-Type": "application/json"}, `{"provider_ref":`, docketcard.EUNAVAILABLE, true, 0, true},
		{"202 without provider_ref", 202, map[string]string{"Content-Type": "application/json"}, `{"status":"pending"}`, docketcard.EUNAVAILABLE, true, 0, true},
		{"200 with a non-final result", 200, map[string]string{"Content-Type": "application/json"}, `{"provider_ref":"r1","status":"pending","evidence":[]}`, docketcard.EUNAVAILABLE, true, 0, true},
		{"200 with an unknown status", 200, map[string]string{"Content-Type": "application/json"}, `{"provider_ref":"r1","status":"maybe","evidence":[],"completed_at":"2026-01-01T00:00:00Z"}`, docketcard.EUNAVAILABLE, true, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(tt.status)
				io.WriteString(w, tt.body)
			}))
			c := newClient(t, provider.Config{BaseURL: srv.URL, FailureThreshold: 1, Clock: clk.Now})
			_, err := c.Submit(context.Background(), request(provider.CheckCriminalHistory, "subj-1", ""), "k1")
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *provider.Error", err)
			}
			if pe.Code != tt.code || docketcard.ErrorCode(err) != tt.code {
				t.Errorf("code %s (ErrorCode %s), want %s", pe.Code, docketcard.ErrorCode(err), tt.code)
			}
			if provider.IsRetryable(err) != tt.retryable {
				t.Errorf("retryable = %v, want %v (%v)", !tt.retryable, tt.retryable, err)
			}
			if d, _ := provider.RetryAfter(err); d != tt.retryAfter {
				t.Errorf("RetryAfter = %v, want %v", d, tt.retryAfter)
			}
			if pe.StatusCode != tt.status {
				t.Errorf("StatusCode = %d, want %d", pe.StatusCode, tt.status)
			}
			if open := c.BreakerState() == provider.BreakerOpen; open != tt.counts {
				t.Errorf("breaker open = %v, want %v", open, tt.counts)
			}
			if docketcard.ErrorMessage(err) == "Internal error." || strings.Contains(docketcard.ErrorMessage(err), "boom") {
				t.Errorf("safe message %q", docketcard.ErrorMessage(err))
			}
		})
	}
}

// Failures with no answer at all: our timeout and a refused connection are
// retryable and count; the caller's own cancellation is neither.
func TestTransportErrors(t *testing.T) {
	release := make(chan struct{})
	slow := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer close(release)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()

	tests := []struct {
		name      string
		base      string
		ctx       context.Context
		retryable bool
		counts    bool
		is        error
		detail    string
	}{
		{"timeout", slow.URL, context.Background(), true, true, context.DeadlineExceeded, "no answer within"},
		{"connection refused", refused, context.Background(), true, true, nil, "connection refused"},
		{"caller cancelled", slow.URL, cancelled, false, false, context.Canceled, "cancelled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newClient(t, provider.Config{BaseURL: tt.base, Timeout: 100 * time.Millisecond, FailureThreshold: 1})
			start := time.Now()
			_, err := c.Poll(tt.ctx, "sim_1")
			if err == nil {
				t.Fatal("no error")
			}
			if time.Since(start) > 10*time.Second {
				t.Fatalf("took %v", time.Since(start))
			}
			if provider.IsRetryable(err) != tt.retryable || docketcard.ErrorCode(err) != docketcard.EUNAVAILABLE {
				t.Fatalf("err = %v: retryable %v, code %s", err, provider.IsRetryable(err), docketcard.ErrorCode(err))
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("err = %v, want it to wrap %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.detail) {
				t.Fatalf("err = %q, want it to say %q", err, tt.detail)
			}
			if open := c.BreakerState() == provider.BreakerOpen; open != tt.counts {
				t.Fatalf("breaker open = %v, want %v", open, tt.counts)
			}
		})
	}
}

// Bad input is refused before anything is sent, naming every field.
func TestSubmitValidatesBeforeSending(t *testing.T) {
	var hits atomic.Int64
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	c := newClient(t, provider.Config{BaseURL: srv.URL, FailureThreshold: 1})
	bad := request("Criminal History", "has space", "ftp://x")
	bad.Subject.Names = append(bad.Subject.Names, docketcard.Name{FamilyNames: "李"})
	bad.Subject.DateOfBirth = "1988-02-30"
	bad.Subject.Nationality = "mex"
	bad.Subject.Sex = "Q"
	_, err := c.Submit(context.Background(), bad, "key with spaces")
	if docketcard.ErrorCode(err) != docketcard.EINVALID || provider.IsRetryable(err) {
		t.Fatalf("err = %v, want permanent EINVALID", err)
	}
	var fields []string
	for _, f := range docketcard.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	want := "idempotency_key check_type subject.id subject.names[2].family_names subject.date_of_birth subject.nationality subject.sex callback_url"
	if got := strings.Join(fields, " "); got != want {
		t.Fatalf("fields %q,\nwant   %q", got, want)
	}
	if _, err := c.Poll(context.Background(), "../etc"); docketcard.ErrorCode(err) != docketcard.EINVALID {
		t.Fatalf("Poll with a bad ref: %v", err)
	}
	if hits.Load() != 0 || c.BreakerState() != provider.BreakerClosed {
		t.Fatalf("%d requests sent, breaker %s", hits.Load(), c.BreakerState())
	}
}

func TestNewRejectsBadBaseURL(t *testing.T) {
	for _, u := range []string{"", "127.0.0.1:8090", "ftp://x", "http://", "http://x/?q=1", "http://x/#f"} {
		if _, err := provider.New(provider.Config{BaseURL: u}); docketcard.ErrorCode(err) != docketcard.EINVALID {
			t.Errorf("New(%q) = %v, want EINVALID", u, err)
		}
	}
}

// The request carries the protocol's headers and the base URL's path.
func TestRequestShape(t *testing.T) {
	type seen struct{ method, path, auth, key, ct string }
	got := make(chan seen, 2)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- seen{r.Method, r.URL.Path, r.Header.Get("Authorization"), r.Header.Get(provider.IdempotencyKeyHeader), r.Header.Get("Content-Type")}
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
			io.WriteString(w, `{"provider_ref":"r-1","status":"pending"}`)
			return
		}
		io.WriteString(w, `{"provider_ref":"r-1","status":"pending","evidence":[]}`)
	}))
	c := newClient(t, provider.Config{BaseURL: srv.URL + "/fbi/", Token: "s3cret"})
	if _, err := c.Submit(context.Background(), request(provider.CheckBiometric, "subj-1", ""), "key-1"); err != nil {
		t.Fatal(err)
	}
	if r, err := c.Poll(context.Background(), "r-1"); err != nil || r.Status != provider.StatusPending {
		t.Fatalf("Poll = %+v, %v", r, err)
	}
	want := []seen{
		{"POST", "/fbi/v1/checks", "Bearer s3cret", "key-1", "application/json"},
		{"GET", "/fbi/v1/checks/r-1", "Bearer s3cret", "", ""},
	}
	for i, w := range want {
		if g := <-got; g != w {
			t.Fatalf("request %d = %+v, want %+v", i, g, w)
		}
	}
}
