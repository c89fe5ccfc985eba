package checks_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/checks"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/provider"
)

func TestOutcome(t *testing.T) {
	tests := []struct {
		name    string
		res     provider.Result
		want    docketcard.CheckState
		score   float64
		wantErr bool
	}{
		{"pending", provider.Result{ProviderRef: "r1", Status: provider.StatusPending}, docketcard.CheckPending, 0, false},
		{"clear", provider.Result{ProviderRef: "r2", Status: provider.StatusClear}, docketcard.CheckClear, 0, false},
		{"possible match keeps the best score", provider.Result{ProviderRef: "r3", Status: provider.StatusPossibleMatch,
			Evidence: []provider.Evidence{{Score: 0.4}, {Score: 0.9}}}, docketcard.CheckPossibleMatch, 0.9, false},
		{"possible match without scores", provider.Result{ProviderRef: "r4", Status: provider.StatusPossibleMatch}, docketcard.CheckPossibleMatch, 1, false},
		{"provider error", provider.Result{ProviderRef: "r5", Status: provider.StatusError, Detail: "down"}, "", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := checks.Outcome(&tc.res)
			if tc.wantErr {
				if err == nil || !strings.Contains(err.Error(), "down") {
					t.Fatalf("got %v", err)
				}
				return
			}
			if err != nil || out.State != tc.want || out.Score != tc.score || out.ProviderRef != tc.res.ProviderRef {
				t.Fatalf("got %+v, %v", out, err)
			}
		})
	}
}

func TestDocumentAndDuplicate(t *testing.T) {
	app := testapp.New(t, "sqlite")
	ctx := context.Background()
	sys := docketcard.SystemActor("test")
	a, err := app.Service.CreatePerson(ctx, sys, testapp.SamplePerson("A000000611", "HOU"))
	if err != nil {
		t.Fatal(err)
	}
	doc := checks.Document{Store: app.DB}
	out, err := doc.Run(ctx, a, &docketcard.Check{})
	if err != nil || out.State != docketcard.CheckPossibleMatch || !strings.Contains(out.Evidence, "I-862") {
		t.Fatalf("no Notice to Appear: %+v %v", out, err)
	}
	if _, err := app.Service.AddDocument(ctx, sys, a.ID, docketcard.DocumentInput{Type: "I-862", Filename: "nta.pdf", IssuedOn: "2026-01-15"},
		[]byte("%PDF-1.4 synthetic")); err != nil {
		t.Fatal(err)
	}
	if out, err = doc.Run(ctx, a, &docketcard.Check{}); err != nil || out.State != docketcard.CheckClear {
		t.Fatalf("with a Notice to Appear: %+v %v", out, err)
	}
	dup := checks.Duplicate{Store: app.DB}
	if out, err = dup.Run(ctx, a, &docketcard.Check{}); err != nil || out.State != docketcard.CheckClear {
		t.Fatalf("alone: %+v %v", out, err)
	}
	// It counts the candidate people compared, not the blocking keys.
	if out.Evidence != `{"candidates_compared":0}` {
		t.Fatalf("alone: evidence %s, want no candidates compared", out.Evidence)
	}
	// The same person enrolled again under another A-number, name spelled
	// without accents and surnames swapped.
	in := testapp.SamplePerson("A000000612", "HOU")
	in.FamilyNames, in.GivenNames = "DE LA CRUZ PENA", "Jose Angel"
	b, err := app.Service.CreatePerson(ctx, sys, in)
	if err != nil {
		t.Fatal(err)
	}
	out, err = dup.Run(ctx, b, &docketcard.Check{})
	if err != nil || out.State != docketcard.CheckPossibleMatch || !strings.Contains(out.Evidence, a.ID) || !strings.Contains(out.Evidence, "similar_identity") {
		t.Fatalf("duplicate not found: %+v %v", out, err)
	}
}
