package service_test

import (
	"context"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
	"github.com/docketcard/docketcard/internal/testapp"
	"github.com/docketcard/docketcard/internal/testdb"
	"github.com/docketcard/docketcard/service"
)

const header = "a_number,family_names,given_names,aliases,date_of_birth,sex,country_of_citizenship,country_of_birth,preferred_language,street1,street2,city,state,zip,phone,email,site_code\n"

func row(anum, dob, site string) string {
	return anum + ",GARCÍA LÓPEZ,María,\"GARCIA, Maria; LOPEZ, M\"," + dob + ",F,MEX,MEX,es,1 Main St,,Houston,TX,77002,,," + site + "\n"
}

func count(t *testing.T, app *testapp.App, q string) int {
	t.Helper()
	var n int
	if err := app.DB.SQL().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportPeople(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d)
			ctx := context.Background()
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			file := header +
				row("A000000001", "1990-01-02", "HOU") + // line 2: good
				row("A00000002", "1990-02-30", "HOU") + // line 3: impossible date
				row("B000000003", "1990", "HOU") + // line 4: bad A-number
				"A000000004,ONLY,three\n" + // line 5: wrong field count
				row("A000000005", "1985-07", "ATL") + // line 6: site not served
				row("A000000006", "1985", "ZZZ") + // line 7: site does not exist
				row("A000000001", "1990-01-02", "HOU") + // line 8: repeat of line 2
				row("A12345678", "2001-12-31", "HOU") // line 9: good (8 digits)
			rep, err := app.Service.ImportPeople(ctx, officer, strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Rows != 8 || rep.Created != 2 || rep.Failed != 6 || rep.Existing != 0 {
				t.Fatalf("report %+v", rep)
			}
			want := map[int]string{3: "date_of_birth", 4: "a_number", 5: "", 6: "site_code", 7: "site_code", 8: "a_number"}
			for _, e := range rep.Errors {
				f, ok := want[e.Row]
				if !ok || f != e.Field || e.Message == "" {
					t.Errorf("unexpected error %+v", e)
				}
				delete(want, e.Row)
			}
			if len(want) != 0 {
				t.Errorf("rows not reported: %v", want)
			}
			if n := count(t, app, "SELECT COUNT(*) FROM person_aliases"); n != 4 {
				t.Errorf("aliases = %d, want 4", n)
			}
			if n := count(t, app, "SELECT COUNT(*) FROM audit_log WHERE action = 'import'"); n != 2 {
				t.Errorf("import audit entries = %d, want 2", n)
			}
			// Idempotent: the same file again creates nobody.
			rep2, err := app.Service.ImportPeople(ctx, officer, strings.NewReader(file))
			if err != nil {
				t.Fatal(err)
			}
			if rep2.Created != 0 || rep2.Existing != 2 || count(t, app, "SELECT COUNT(*) FROM people") != 2 {
				t.Fatalf("second run %+v", rep2)
			}
		})
	}
}

func TestImportRejectsBadFiles(t *testing.T) {
	app := testapp.New(t, "sqlite")
	officer := app.Actor(docketcard.RoleEnrollmentOfficer)
	tests := []struct{ name, file, errHas string }{
		{"empty", "", "empty"},
		{"unknown column", "a_number,nickname\n", `unknown column "nickname"`},
		{"missing columns", "a_number,family_names\n", "lacks required columns"},
		{"duplicate column", "a_number,a_number\n", "twice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := app.Service.ImportPeople(context.Background(), officer, strings.NewReader(tc.file))
			if docketcard.ErrorCode(err) != docketcard.EINVALID || !strings.Contains(err.Error(), tc.errHas) {
				t.Fatalf("got %v, want invalid with %q", err, tc.errHas)
			}
		})
	}
	t.Run("broken quoting stops with committed rows kept", func(t *testing.T) {
		file := header + row("A000000011", "1990", "HOU") + "A000000012,\"unterminated,x\n"
		rep, err := app.Service.ImportPeople(context.Background(), officer, strings.NewReader(file))
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 1 || rep.Failed != 1 || !strings.Contains(rep.Errors[0].Message, "malformed CSV") {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("role without import", func(t *testing.T) {
		_, err := app.Service.ImportPeople(context.Background(), app.Actor(docketcard.RoleAuditor), strings.NewReader(header))
		if docketcard.ErrorCode(err) != docketcard.EFORBIDDEN {
			t.Fatalf("got %v", err)
		}
	})
}

// TestImportInterruptedKeepsCommittedBatches cancels an import part-way:
// every committed batch stays whole (person, aliases and audit entry
// together), nothing is half-written, and re-running completes the file.
func TestImportInterruptedKeepsCommittedBatches(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(d, func(t *testing.T) {
			app := testapp.New(t, d, testapp.Options{Service: func(c *service.Config) { c.ImportBatch = 10 }})
			officer := app.Actor(docketcard.RoleEnrollmentOfficer)
			var b strings.Builder
			b.WriteString(header)
			for i := 1; i <= 95; i++ {
				b.WriteString(row("A1"+strings.Repeat("0", 8-len(itoa(i)))+itoa(i), "1990", "HOU"))
			}
			ctx, cancel := context.WithCancel(context.Background())
			r := &cancelAfter{r: strings.NewReader(b.String()), n: 40 * 80, cancel: cancel}
			_, err := app.Service.ImportPeople(ctx, officer, r)
			if err == nil {
				t.Fatal("import was not interrupted")
			}
			people := count(t, app, "SELECT COUNT(*) FROM people")
			if people == 0 || people%10 != 0 || people >= 95 {
				t.Fatalf("after interruption %d people; want whole batches of 10", people)
			}
			if a := count(t, app, "SELECT COUNT(*) FROM person_aliases"); a != 2*people {
				t.Fatalf("aliases %d for %d people: half-written", a, people)
			}
			if a := count(t, app, "SELECT COUNT(*) FROM audit_log WHERE action = 'import'"); a != people {
				t.Fatalf("audit %d for %d people", a, people)
			}
			rep, err := app.Service.ImportPeople(context.Background(), officer, strings.NewReader(b.String()))
			if err != nil {
				t.Fatal(err)
			}
			if rep.Existing != people || rep.Created != 95-people || count(t, app, "SELECT COUNT(*) FROM people") != 95 {
				t.Fatalf("re-run %+v", rep)
			}
			rep2, err := service.VerifyChain(context.Background(), app.DB)
			if err != nil || !rep2.OK {
				t.Fatalf("audit chain after interrupted import: %+v %v", rep2, err)
			}
		})
	}
}

type cancelAfter struct {
	r      *strings.Reader
	n      int
	cancel func()
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
	}
	if len(p) > 64 {
		p = p[:64]
	}
	n, err := c.r.Read(p)
	c.n -= n
	return n, err
}

func itoa(i int) string {
	s := ""
	for i > 0 {
		s = string(rune('0'+i%10)) + s
		i /= 10
	}
	return s
}

func FuzzImportPeople(f *testing.F) {
	f.Add(header + row("A000000001", "1990-01-02", "HOU"))
	f.Add(header + "A1,\"x\n")
	f.Add("a_number\n\"")
	f.Add(header + row("A000000001", "1990-02-30", "HOU") + "\xff\xfe,,\n")
	app := testapp.New(f, "sqlite")
	officer := app.Actor(docketcard.RoleEnrollmentOfficer)
	f.Fuzz(func(t *testing.T, file string) {
		rep, err := app.Service.ImportPeople(context.Background(), officer, strings.NewReader(file))
		if err != nil {
			if c := docketcard.ErrorCode(err); c != docketcard.EINVALID && c != docketcard.ETOOLARGE {
				t.Fatalf("unexpected error: %v", err)
			}
			return
		}
		if rep.Created+rep.Existing+rep.Failed != rep.Rows {
			t.Fatalf("report does not add up: %+v", rep)
		}
	})
}
