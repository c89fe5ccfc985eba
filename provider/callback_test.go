package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/provider"
)

// The callback handler, over loopback, with the receiver's clock fixed:
// good deliveries are accepted once; bad signatures, stale or future
// timestamps, replays and non-final results are refused.
func TestCallbackHandler(t *testing.T) {
	clk := &fakeClock{t: t0}
	c := newClient(t, provider.Config{BaseURL: "http://127.0.0.1:1", Clock: clk.Now})
	accepted := map[string]int{}
	failNext := false
	srv := serve(t, c.CallbackHandler(secret, func(_ context.Context, r *provider.Result) error {
		if failNext {
			failNext = false
			return errors.New("database down")
		}
		accepted[r.ProviderRef]++
		return nil
	}))
	body := func(ref string, st provider.Status) []byte {
		r := provider.Result{ProviderRef: ref, CheckType: provider.CheckCriminalHistory, Status: st, Evidence: []provider.Evidence{}}
		if st.Final() {
			r.CompletedAt = t0.Add(-time.Second)
		}
		b, _ := json.Marshal(r)
		return b
	}
	wrong := []byte("not the shared secret, 32 bytes!")
	tests := []struct {
		name     string
		method   string
		body     []byte
		header   string // "" to omit
		failFn   bool
		want     int
		wantCode string
	}{
		{"valid", "POST", body("r1", provider.StatusClear), provider.Sign(secret, t0, body("r1", provider.StatusClear)), false, 204, ""},
		{"replay of the valid one", "POST", body("r1", provider.StatusClear), provider.Sign(secret, t0, body("r1", provider.StatusClear)), false, 409, docketcard.ECONFLICT},
		{"redelivery, freshly signed", "POST", body("r1", provider.StatusClear), provider.Sign(secret, t0.Add(time.Second), body("r1", provider.StatusClear)), false, 409, docketcard.ECONFLICT},
		{"wrong secret", "POST", body("r2", provider.StatusClear), provider.Sign(wrong, t0, body("r2", provider.StatusClear)), false, 401, docketcard.EUNAUTHORIZED},
		{"tampered body", "POST", body("r2", provider.StatusPossibleMatch), provider.Sign(secret, t0, body("r2", provider.StatusClear)), false, 401, docketcard.EUNAUTHORIZED},
		{"no signature", "POST", body("r2", provider.StatusClear), "", false, 401, docketcard.EUNAUTHORIZED},
		{"malformed signature", "POST", body("r2", provider.StatusClear), "sha256=deadbeef", false, 401, docketcard.EUNAUTHORIZED},
		{"stale: 5m01s old", "POST", body("r2", provider.StatusClear), provider.Sign(secret, t0.Add(-5*time.Minute-time.Second), body("r2", provider.StatusClear)), false, 401, docketcard.EUNAUTHORIZED},
		{"future: 6m ahead", "POST", body("r2", provider.StatusClear), provider.Sign(secret, t0.Add(6*time.Minute), body("r2", provider.StatusClear)), false, 401, docketcard.EUNAUTHORIZED},
		{"exactly 5m old is accepted", "POST", body("r3", provider.StatusClear), provider.Sign(secret, t0.Add(-5*time.Minute), body("r3", provider.StatusClear)), false, 204, ""},
		{"pending is not a result", "POST", body("r4", provider.StatusPending), provider.Sign(secret, t0, body("r4", provider.StatusPending)), false, 400, docketcard.EINVALID},
		{"not JSON", "POST", []byte("hello"), provider.Sign(secret, t0, []byte("hello")), false, 400, docketcard.EINVALID},
		{"GET", "GET", nil, "", false, 405, docketcard.EINVALID},
		{"recording fails", "POST", body("r5", provider.StatusPossibleMatch), provider.Sign(secret, t0, body("r5", provider.StatusPossibleMatch)), true, 500, docketcard.EINTERNAL},
		{"so the redelivery is accepted", "POST", body("r5", provider.StatusPossibleMatch), provider.Sign(secret, t0, body("r5", provider.StatusPossibleMatch)), false, 204, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			failNext = tt.failFn
			req, _ := http.NewRequest(tt.method, srv.URL+"/cb", bytes.NewReader(tt.body))
			if tt.header != "" {
				req.Header.Set(provider.SignatureHeader, tt.header)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
			if tt.wantCode == "" {
				return
			}
			var p provider.Problem
			if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.Code != tt.wantCode || p.Status != tt.want {
				t.Fatalf("problem %+v (%v), want code %s", p, err, tt.wantCode)
			}
			if strings.Contains(p.Detail, "v1") || strings.Contains(p.Detail, "match") {
				t.Fatalf("the answer says too much about why: %q", p.Detail)
			}
		})
	}
	if want := map[string]int{"r1": 1, "r3": 1, "r5": 1}; len(accepted) != len(want) || accepted["r1"] != 1 || accepted["r3"] != 1 || accepted["r5"] != 1 {
		t.Fatalf("accepted %v, want %v", accepted, want)
	}
}

// VerifyCallback's errors are the sentinels, with docketcard codes.
func TestVerifyCallbackErrors(t *testing.T) {
	clk := &fakeClock{t: t0}
	c := newClient(t, provider.Config{BaseURL: "http://127.0.0.1:1", Clock: clk.Now})
	b, _ := json.Marshal(provider.Result{ProviderRef: "r9", Status: provider.StatusClear, CompletedAt: t0})
	post := func(header string) error {
		r, _ := http.NewRequest("POST", "/cb", bytes.NewReader(b))
		r.Header.Set(provider.SignatureHeader, header)
		_, err := c.VerifyCallback(r, secret)
		return err
	}
	if err := post(provider.Sign(secret, t0, b)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(10 * time.Minute)
	tests := []struct {
		name   string
		header string
		want   error
	}{
		{"duplicate", provider.Sign(secret, t0.Add(10*time.Minute), b), provider.ErrDuplicateCallback},
		{"stale", provider.Sign(secret, t0, b), provider.ErrStaleCallback},
		{"bad", provider.Sign([]byte("x"), t0.Add(10*time.Minute), b), provider.ErrBadSignature},
	}
	for _, tt := range tests {
		err := post(tt.header)
		if !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
		if docketcard.ErrorCode(err) != tt.want.(*docketcard.Error).Code {
			t.Errorf("%s: code %s", tt.name, docketcard.ErrorCode(err))
		}
	}
}
