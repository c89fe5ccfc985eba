package mrz

import (
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// FuzzParse checks that Parse never panics, that it fails only with
// EINVALID, and that whatever it accepts encodes back to the same lines.
// Seeds: the f.Add calls below and testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	f.Add(join(specimen))
	f.Add(join(longNumberSpecimen))
	f.Add(strings.Join(specimen[:], ""))
	f.Add(join(specimen) + "\n")
	f.Add(strings.Join(specimen[:], "\r\n"))
	for _, td := range []TD1{
		base(),
		{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC1234567890", OptionalData1: "201234567", BirthDate: "8404<<", Sex: "X", ExpiryDate: "270101", Nationality: "HND", PrimaryID: "Hernández de la Santísima Trinidad", SecondaryID: "María Guadalupe"},
		{DocumentCode: "I", IssuingState: "D", DocumentNumber: "Z98765432109876543210Z", BirthDate: "<<<<<<", Sex: "M", ExpiryDate: "280229", Nationality: "XXA", PrimaryID: "Arkfreith"},
	} {
		lines, err := Encode(td)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(join(lines))
	}
	// Near misses: one character changed, a check digit off, a line short.
	f.Add(strings.Replace(join(specimen), "7408122", "7408123", 1))
	f.Add(strings.Replace(join(specimen), "ANNA", "Anna", 1))
	f.Add(strings.Replace(join(specimen), "I<UTOD231458907", "I<UTOD23145890<", 1))
	f.Add(join(specimen)[:89])
	f.Add("")

	f.Fuzz(func(t *testing.T, input string) {
		parseRoundTrip(t, input)
		// Random changes rarely keep the check digits right; so that the
		// accepting path is explored too, parse the input again with its
		// check digits recomputed.
		if ls, err := splitLines(input); err == nil && ls[0][14] != Filler {
			l1, l2 := withChecks(ls[0], ls[1])
			parseRoundTrip(t, l1+"\n"+l2+"\n"+ls[2])
		}
	})
}

func parseRoundTrip(t *testing.T, input string) {
	t.Helper()
	td, err := Parse(input)
	if err != nil {
		if code := docketcard.ErrorCode(err); code != docketcard.EINVALID {
			t.Fatalf("Parse(%q) error code %s, want %s: %v", input, code, docketcard.EINVALID, err)
		}
		return
	}
	want, err := splitLines(input)
	if err != nil {
		t.Fatalf("Parse(%q) accepted input that splitLines rejects: %v", input, err)
	}
	got, err := Encode(*td)
	if err != nil {
		t.Fatalf("Parse(%q) = %+v, which Encode rejects: %v", input, *td, err)
	}
	if got != want {
		t.Fatalf("Encode(Parse(%q)) = %q, want the input lines", input, got)
	}
}

// FuzzEncode checks that Encode never panics on any names, fails only with
// EINVALID, and otherwise writes 3 lines of 30 MRZ characters that parse
// back to the same lines.
func FuzzEncode(f *testing.F) {
	f.Add("Peña de la Cruz", "María José")
	f.Add("O'Brien", "Seán")
	f.Add("Al-Sayed", "")
	f.Add("Hernández de la Santísima Trinidad", "María de los Ángeles Guadalupe")
	f.Add(strings.Repeat("A ", 40), strings.Repeat("B ", 40))
	f.Add("Müller-Lüdenscheidt Øre Þór", "Straße Æ Œ Ĳ")
	f.Add("Иван", "李")
	f.Add("Smith 3rd", "")
	f.Add("", "")
	f.Add("<<<", "---")
	f.Add("A\u0308\u0301", "\u0301")
	f.Fuzz(func(t *testing.T, primary, secondary string) {
		td := base()
		td.PrimaryID, td.SecondaryID = primary, secondary
		lines, err := Encode(td)
		if err != nil {
			if code := docketcard.ErrorCode(err); code != docketcard.EINVALID {
				t.Fatalf("Encode error code %s, want %s: %v", code, docketcard.EINVALID, err)
			}
			return
		}
		for i, l := range lines {
			if len(l) != LineLength || strings.Trim(l, mrzCharset) != "" {
				t.Fatalf("line %d %q is not 30 characters of A-Z, 0-9 and <", i+1, l)
			}
		}
		parsed, err := Parse(join(lines))
		if err != nil {
			t.Fatalf("Parse(Encode(%q, %q)) = %v", primary, secondary, err)
		}
		again, err := Encode(*parsed)
		if err != nil || again != lines {
			t.Fatalf("Encode(Parse(lines)) = %q, %v; want %q", again, err, lines)
		}
		if field, err := NameField(primary, secondary, LineLength); err != nil || field != lines[2] {
			t.Fatalf("NameField = %q, %v; Encode wrote %q", field, err, lines[2])
		}
	})
}
