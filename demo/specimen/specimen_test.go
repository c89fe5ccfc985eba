package specimen

import (
	"github.com/docketcard/docketcard/internal/testenv"

	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// person returns the fields of a synthetic person for a specimen of kind k.
func person(k Kind) Fields {
	return Fields{
		Kind:        k,
		FamilyNames: "Peña Müller",
		GivenNames:  "José Ángel",
		ANumber:     "A123-456-789",
		DateOfBirth: "1988-02-29",
		Citizenship: "Côte d'Ivoire",
		Court:       "Example City Immigration Court",
		IssueDate:   "2025-03-14",
		HearingAt:   "2025-06-02 09:30",
		Address:     "1200 Sample Avenue, Apt 4B, Example City, EX 00000",
	}
}

// pdfText returns the text of a PDF as pdftotext extracts it, or skips the
// test if pdftotext is not installed.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin := testenv.NeedCommand(t, "pdftotext", "poppler-utils")
	path := filepath.Join(t.TempDir(), "specimen.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// pageObject matches a page object, and not the page tree (/Type /Pages).
var pageObject = regexp.MustCompile(`/Type /Page\b[^s]`)

func TestRender(t *testing.T) {
	tests := []struct {
		kind  Kind
		title string
		edit  func(*Fields) // changes to person(kind), if any
		want  []string      // more text the page must show
	}{
		{KindNoticeToAppear, "Notice to Appear (specimen)", nil, []string{"2025-06-02 09:30"}},
		{KindRecognizance, "Order of Release on Recognizance (specimen)", nil, nil},
		{KindSupervision, "Order of Supervision (specimen)", nil, nil},
		{KindArrival, "Arrival/Departure Record (specimen)", func(f *Fields) { f.HearingAt = "" }, nil},
		{KindHearingNotice, "Notice of Hearing in Removal Proceedings (specimen)", nil, []string{"Example City Immigration Court"}},
		{KindHearingNotice, "Notice of Hearing in Removal Proceedings (specimen)", func(f *Fields) { f.HearingAt = "" }, []string{"Not set"}},
		{KindOther, "Immigration Document (specimen)", nil, []string{"Côte d'Ivoire", "A123-456-789"}},
	}
	for _, tt := range tests {
		name := string(tt.kind)
		if tt.edit != nil {
			name += " edited"
		}
		t.Run(name, func(t *testing.T) {
			f := person(tt.kind)
			if tt.edit != nil {
				tt.edit(&f)
			}
			pdf, err := Render(f)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("output starts %q, want %%PDF-", pdf[:min(len(pdf), 8)])
			}
			again, err := Render(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(pdf, again) {
				t.Error("two renderings of the same fields differ")
			}
			if n := len(pageObject.FindAll(pdf, -1)); n != 1 {
				t.Errorf("PDF has %d pages, want 1", n)
			}
			if !bytes.Contains(pdf, []byte("D:20250314120000")) {
				t.Error("creation date is not derived from the issue date")
			}

			text := pdfText(t, pdf)
			for _, s := range append([]string{tt.title, f.FamilyNames, f.GivenNames, Banner, "SPECIMEN"}, tt.want...) {
				if !strings.Contains(text, s) {
					t.Errorf("page text lacks %q; it is:\n%s", s, text)
				}
			}
		})
	}
}

func TestRenderDiffersByInput(t *testing.T) {
	a, err := Render(person(KindNoticeToAppear))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(*Fields)
	}{
		{"name", func(f *Fields) { f.FamilyNames = "Other" }},
		{"issue date", func(f *Fields) { f.IssueDate = "2025-03-15" }},
		{"kind", func(f *Fields) { f.Kind = KindHearingNotice }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := person(KindNoticeToAppear)
			tt.edit(&f)
			b, err := Render(f)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.Equal(a, b) {
				t.Error("different fields gave identical PDFs")
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Fields)
	}{
		{"unknown kind", func(f *Fields) { f.Kind = "I-999" }},
		{"empty kind", func(f *Fields) { f.Kind = "" }},
		{"kind in lower case", func(f *Fields) { f.Kind = "i-862" }},
		{"missing issue date", func(f *Fields) { f.IssueDate = "" }},
		{"issue date not ISO", func(f *Fields) { f.IssueDate = "03/14/2025" }},
		{"issue date does not exist", func(f *Fields) { f.IssueDate = "2025-02-30" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := person(KindNoticeToAppear)
			tt.edit(&f)
			_, err := Render(f)
			if got := docketcard.ErrorCode(err); got != docketcard.EINVALID {
				t.Errorf("code = %q, want %q (err: %v)", got, docketcard.EINVALID, err)
			}
		})
	}
}

func TestRenderTextFits(t *testing.T) {
	// Long values, names outside cp1252 and empty fields all render on one
	// page without error.
	tests := []struct {
		name string
		edit func(*Fields)
		want []string
	}{
		{"long names", func(f *Fields) {
			f.FamilyNames = strings.Repeat("Wolfeschlegelsteinhausen ", 4)
			f.GivenNames = strings.Repeat("Hubert Blaine ", 5)
		}, []string{"Wolfeschlegelsteinhausen"}},
		{"long address", func(f *Fields) { f.Address = strings.Repeat("Unit 9, 1 Long Road, ", 20) }, []string{"Long Road"}},
		{"letters outside cp1252", func(f *Fields) {
			f.FamilyNames = "Nguyễn Łukasiewicz"
			f.GivenNames = "Thị Đào"
		}, []string{"Nguyen Lukasiewicz", "Thi Dào"}},
		{"empty optional fields", func(f *Fields) {
			f.FamilyNames, f.GivenNames, f.ANumber, f.DateOfBirth = "", "", "", ""
			f.Citizenship, f.Court, f.HearingAt, f.Address = "", "", "", ""
		}, []string{"Not set"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := person(KindNoticeToAppear)
			tt.edit(&f)
			pdf, err := Render(f)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if n := len(pageObject.FindAll(pdf, -1)); n != 1 {
				t.Errorf("PDF has %d pages, want 1", n)
			}
			text := pdfText(t, pdf)
			for _, s := range tt.want {
				if !strings.Contains(text, s) {
					t.Errorf("page text lacks %q; it is:\n%s", s, text)
				}
			}
		})
	}
}

func TestKindsHaveTexts(t *testing.T) {
	for _, k := range Kinds {
		t.Run(string(k), func(t *testing.T) {
			tx, ok := texts[k]
			if !ok || !strings.HasSuffix(tx.title, "(specimen)") || tx.intro == "" || len(tx.notes) == 0 {
				t.Errorf("kind %s has no complete wording: %+v", k, tx)
			}
		})
	}
	if len(Kinds) != len(texts) {
		t.Errorf("Kinds lists %d kinds, texts has %d", len(Kinds), len(texts))
	}
}
