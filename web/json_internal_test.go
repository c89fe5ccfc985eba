package web

import (
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestWriteJSON(t *testing.T) {
	for _, tc := range []struct {
		name     string
		v        any
		wantBody string
	}{
		{"object", map[string]any{"result": "valid", "photo": []byte{0xff, 0xd8}}, `{"photo":"/9g=","result":"valid"}` + "\n"},
		{"HTML-significant characters stay escaped", map[string]string{"detail": "<b>&"}, `{"detail":"\u003cb\u003e\u0026"}` + "\n"},
		{"empty list", []string{}, "[]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			writeJSON(w, http.StatusCreated, tc.v)
			if w.Code != http.StatusCreated || w.Body.String() != tc.wantBody {
				t.Fatalf("got %d %q, want 201 %q", w.Code, w.Body.String(), tc.wantBody)
			}
			if cl := w.Header().Get("Content-Length"); cl != strconv.Itoa(len(tc.wantBody)) {
				t.Fatalf("Content-Length %q, want %d", cl, len(tc.wantBody))
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
	// A value that cannot be encoded sends nothing (no status, no half
	// body) and panics for withRecover to log and answer 500.
	t.Run("unencodable value", func(t *testing.T) {
		w := httptest.NewRecorder()
		func() {
			defer func() {
				if recover() == nil {
					t.Fatal("writeJSON of NaN did not panic")
				}
			}()
			writeJSON(w, http.StatusOK, map[string]float64{"x": math.NaN()})
		}()
		if w.Body.Len() != 0 || len(w.Header()) != 0 || w.Flushed {
			t.Fatalf("something was sent: %q %v", w.Body.String(), w.Header())
		}
	})
}
