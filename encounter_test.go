package docketcard_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/docketcard/docketcard"
)

// An encounter is stored as its verification's audit entry and read back
// from it: every field the holder sees must survive, and an entry that is
// not an encounter must be refused, not shown as one.
func TestEncounterAuditEntry(t *testing.T) {
	at := time.Date(2026, 11, 26, 9, 30, 0, 123456000, time.UTC)
	actor := func() *docketcard.AuditEntry {
		return &docketcard.AuditEntry{At: at.Add(time.Hour), ActorID: "u-7", ActorName: "clerk", ActorRoles: "relying_party",
			Purpose: "the actor's header purpose", RequestID: "req-1"}
	}
	for _, tc := range []struct {
		name        string
		enc         docketcard.Encounter
		subjectType string
		subjectID   string
	}{
		{"a genuine card, name and photo shown", docketcard.Encounter{ID: "enc-1", At: at, CardID: "card-1", CardNumber: "DC0000042",
			UserID: "u-7", Agency: "Harris County Clerk", Role: "relying_party", Purpose: "identity check", Method: "qr",
			Result: docketcard.VerifyValid, Disclosed: []string{"validity", "name", "photo"}}, "card", "card-1"},
		{"an officer by card number, case summary shown", docketcard.Encounter{ID: "enc-2", At: at, CardID: "card-2", CardNumber: "DC0000043",
			UserID: "u-7", Agency: "DHS", Role: "relying_party", Purpose: "traffic stop: \"quoted\", <b>", Method: "card_number",
			Result: docketcard.VerifySuspended, Disclosed: []string{"validity", "name", "photo", "case_summary"}}, "card", "card-2"},
		{"nothing genuine presented", docketcard.Encounter{ID: "enc-3", At: at, UserID: "u-7", Agency: "Harris County Clerk",
			Role: "relying_party", Purpose: "identity check", Method: "qr", Result: docketcard.VerifyNotGenuine,
			Disclosed: []string{"validity"}}, "encounter", "enc-3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := tc.enc.AuditEntry(actor())
			if e.Action != docketcard.ActionVerifyCard || e.SubjectType != tc.subjectType || e.SubjectID != tc.subjectID ||
				!e.At.Equal(at) || e.Purpose != tc.enc.Purpose || e.ActorID != "u-7" || e.RequestID != "req-1" {
				t.Fatalf("audit entry %+v", e)
			}
			e.Seal(41, docketcard.GenesisHash)
			got, err := docketcard.EncounterFromAudit(e)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.enc
			want.At = at.Truncate(time.Microsecond) // as sealed and stored
			if !reflect.DeepEqual(*got, want) {
				t.Fatalf("read back\n%+v\nwant\n%+v", *got, want)
			}
		})
	}

	for _, tc := range []struct {
		name   string
		edit   func(e *docketcard.AuditEntry)
		errHas string
	}{
		{"another action", func(e *docketcard.AuditEntry) { e.Action = docketcard.ActionList }, "not a verification"},
		{"free-text detail (not JSON)", func(e *docketcard.AuditEntry) { e.Detail = "verification by qr: valid" }, "not an encounter record"},
		{"no encounter ID", func(e *docketcard.AuditEntry) { e.Detail = `{"method":"qr"}` }, "not an encounter record"},
		{"trailing data", func(e *docketcard.AuditEntry) { e.Detail += `{}` }, "not an encounter record"},
	} {
		t.Run("refused: "+tc.name, func(t *testing.T) {
			enc := docketcard.Encounter{ID: "enc-1", At: at, Method: "qr", Result: docketcard.VerifyValid}
			e := enc.AuditEntry(actor())
			tc.edit(e)
			if _, err := docketcard.EncounterFromAudit(e); err == nil || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("got %v, want an error with %q", err, tc.errHas)
			}
		})
	}
}
