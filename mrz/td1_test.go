package mrz

import (
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// The TD1 specimen of ICAO Doc 9303 Part 5, Appendix A (Figure A-2). UTO
// (Utopia) is the specimen code of Part 3 §5 Part G.
var specimen = [3]string{
	"I<UTOD231458907<<<<<<<<<<<<<<<",
	"7408122F1204159UTO<<<<<<<<<<<6",
	"ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
}

var specimenTD1 = TD1{
	DocumentCode:   "I",
	IssuingState:   "UTO",
	DocumentNumber: "D23145890",
	BirthDate:      "740812",
	Sex:            "F",
	ExpiryDate:     "120415",
	Nationality:    "UTO",
	PrimaryID:      "ERIKSSON",
	SecondaryID:    "ANNA MARIA",
}

// The TD1 with a long document number of ICAO Doc 9303 Part 11, Appendix D
// (D.2): D23145890734, whose last three characters and check digit 9 follow
// a filler in position 15.
var longNumberSpecimen = [3]string{
	"I<UTOD23145890<7349<<<<<<<<<<<",
	"3407127M9507122UTO<<<<<<<<<<<2",
	"STEVENSON<<PETER<JOHN<<<<<<<<<",
}

func join(lines [3]string) string { return strings.Join(lines[:], "\n") }

func TestParseSpecimens(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lines [3]string
		want  TD1
	}{
		{"Part 5 Figure A-2", specimen, specimenTD1},
		{"Part 11 D.2 long document number", longNumberSpecimen, TD1{
			DocumentCode: "I", IssuingState: "UTO", DocumentNumber: "D23145890734",
			BirthDate: "340712", Sex: "M", ExpiryDate: "950712", Nationality: "UTO",
			PrimaryID: "STEVENSON", SecondaryID: "PETER JOHN",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, form := range []struct{ name, text string }{
				{"newlines", join(tc.lines)},
				{"final newline", join(tc.lines) + "\n"},
				{"CRLF", strings.Join(tc.lines[:], "\r\n") + "\r\n"},
				{"90 characters", strings.Join(tc.lines[:], "")},
			} {
				got, err := Parse(form.text)
				if err != nil {
					t.Fatalf("%s: Parse: %v", form.name, err)
				}
				if *got != tc.want {
					t.Errorf("%s: Parse\n got %+v\nwant %+v", form.name, *got, tc.want)
				}
			}
			lines, err := Encode(tc.want)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if lines != tc.lines {
				t.Errorf("Encode\n got %q\nwant %q", lines, tc.lines)
			}
		})
	}
}

// base is a typical Secure Docket Card: a 9-digit A-number in the first
// optional data field.
func base() TD1 {
	return TD1{
		DocumentCode:   "ID",
		IssuingState:   "USA",
		DocumentNumber: "SDC123456",
		OptionalData1:  "201234567",
		BirthDate:      "900315",
		Sex:            "F",
		ExpiryDate:     "290630",
		Nationality:    "MEX",
		PrimaryID:      "Peña de la Cruz",
		SecondaryID:    "María José",
	}
}

func TestEncode(t *testing.T) {
	with := func(f func(*TD1)) TD1 {
		td := base()
		f(&td)
		return td
	}
	for _, tc := range []struct {
		name string
		td   TD1
		want [3]string
	}{
		{"docket card", base(), [3]string{
			"IDUSASDC1234562201234567<<<<<<",
			"9003152F2906302MEX<<<<<<<<<<<8",
			"PENA<DE<LA<CRUZ<<MARIA<JOSE<<<",
		}},
		{"lower case and one-letter document code", with(func(td *TD1) {
			td.DocumentCode, td.IssuingState, td.DocumentNumber, td.Nationality = "i", "usa", "sdc123456", "mex"
		}), [3]string{
			"I<USASDC1234562201234567<<<<<<",
			"9003152F2906302MEX<<<<<<<<<<<8",
			"PENA<DE<LA<CRUZ<<MARIA<JOSE<<<",
		}},
		{"sex X is written <", with(func(td *TD1) { td.Sex = "X" }), [3]string{
			"IDUSASDC1234562201234567<<<<<<",
			"9003152<2906302MEX<<<<<<<<<<<8",
			"PENA<DE<LA<CRUZ<<MARIA<JOSE<<<",
		}},
		{"only the year of birth known", with(func(td *TD1) { td.BirthDate = "90<<<<" }), [3]string{
			"IDUSASDC1234562201234567<<<<<<",
			"90<<<<3F2906302MEX<<<<<<<<<<<6",
			"PENA<DE<LA<CRUZ<<MARIA<JOSE<<<",
		}},
		{"document number of 10 characters overflows", with(func(td *TD1) { td.DocumentNumber = "SDC1234567" }), [3]string{
			"IDUSASDC123456<71<201234567<<<",
			"9003152F2906302MEX<<<<<<<<<<<6",
			"PENA<DE<LA<CRUZ<<MARIA<JOSE<<<",
		}},
		{"document number of 22 characters fills the optional data", with(func(td *TD1) {
			td.DocumentNumber, td.OptionalData1 = "SDC1234567890123456789", ""
		}), [3]string{
			"IDUSASDC123456<78901234567891<",
			"9003152F2906302MEX<<<<<<<<<<<8",
			"PENA<DE<LA<CRUZ<<MARIA<JOSE<<<",
		}},
		{"no secondary identifier", with(func(td *TD1) { td.PrimaryID, td.SecondaryID = "Arkfreith", "" }), [3]string{
			"IDUSASDC1234562201234567<<<<<<",
			"9003152F2906302MEX<<<<<<<<<<<8",
			"ARKFREITH<<<<<<<<<<<<<<<<<<<<<",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Encode(tc.td)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("line %d\n got %q\nwant %q", i+1, got[i], tc.want[i])
				}
			}
			checkLines(t, got)
		})
	}
}

// checkLines checks that every line has 30 MRZ characters and that the
// lines parse and encode back to themselves.
func checkLines(t testing.TB, lines [3]string) *TD1 {
	t.Helper()
	for i, l := range lines {
		if len(l) != LineLength || strings.Trim(l, mrzCharset) != "" {
			t.Fatalf("line %d %q is not 30 characters of A-Z, 0-9 and <", i+1, l)
		}
	}
	td, err := Parse(join(lines))
	if err != nil {
		t.Fatalf("Parse(%q): %v", lines, err)
	}
	again, err := Encode(*td)
	if err != nil {
		t.Fatalf("Encode(Parse(%q)): %v", lines, err)
	}
	if again != lines {
		t.Fatalf("Encode(Parse(lines)) = %q, want %q", again, lines)
	}
	return td
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		td   TD1
		// What Parse gives back for fields that Encode normalises.
		primary, secondary, sex string
	}{
		{"docket card", base(), "PENA DE LA CRUZ", "MARIA JOSE", "F"},
		{"specimen", specimenTD1, "ERIKSSON", "ANNA MARIA", "F"},
		{"birth year and month known", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000001", BirthDate: "8404<<", Sex: "M", ExpiryDate: "270101", Nationality: "HND", PrimaryID: "López", SecondaryID: "Juan"}, "LOPEZ", "JUAN", "M"},
		{"birth year only", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000002", BirthDate: "84<<<<", Sex: "F", ExpiryDate: "270101", Nationality: "GTM", PrimaryID: "Xol", SecondaryID: "Rosa"}, "XOL", "ROSA", "F"},
		{"birth date unknown", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000003", BirthDate: "<<<<<<", Sex: "X", ExpiryDate: "270101", Nationality: "XXA", PrimaryID: "Nameless"}, "NAMELESS", "", "<"},
		{"birth month unknown but day known", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000004", BirthDate: "00<<29", Sex: "<", ExpiryDate: "270101", Nationality: "XXB", PrimaryID: "Tesfaye", SecondaryID: "Abebe"}, "TESFAYE", "ABEBE", "<"},
		{"29 February in a leap year", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000005", BirthDate: "000229", Sex: "M", ExpiryDate: "280229", Nationality: "SLV", PrimaryID: "Leap", SecondaryID: "Day"}, "LEAP", "DAY", "M"},
		{"long names truncated", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000006", BirthDate: "750101", Sex: "F", ExpiryDate: "270101", Nationality: "MEX", PrimaryID: "Hernández de la Santísima Trinidad", SecondaryID: "María Guadalupe"}, "HERNANDEZ DE LA SANTISIMA T", "M", "F"},
		{"apostrophe and hyphen", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC000007", BirthDate: "750101", Sex: "M", ExpiryDate: "270101", Nationality: "IRL", PrimaryID: "O'Brien-Al-Sayed", SecondaryID: "Seán"}, "OBRIEN AL SAYED", "SEAN", "M"},
		{"document number of 9 characters", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "ABCDEFGHI", OptionalData1: "123456789ABCDEF", BirthDate: "750101", Sex: "M", ExpiryDate: "270101", Nationality: "USA", OptionalData2: "ABCDEFGHIJK", PrimaryID: "Max", SecondaryID: "Lengths"}, "MAX", "LENGTHS", "M"},
		{"document number of 13 characters and an A-number", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC1234567890", OptionalData1: "201234567", BirthDate: "750101", Sex: "M", ExpiryDate: "270101", Nationality: "MEX", PrimaryID: "Long", SecondaryID: "Number"}, "LONG", "NUMBER", "M"},
		{"document number of 22 characters", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "Z98765432109876543210Z", BirthDate: "750101", Sex: "F", ExpiryDate: "270101", Nationality: "MEX", PrimaryID: "Longest", SecondaryID: "Number"}, "LONGEST", "NUMBER", "F"},
		{"short document number with a space", TD1{DocumentCode: "ID", IssuingState: "D", DocumentNumber: "AB 12", BirthDate: "750101", Sex: "F", ExpiryDate: "270101", Nationality: "D", PrimaryID: "Müller", SecondaryID: "Jürgen"}, "MUELLER", "JUERGEN", "F"},
		{"optional data starting with a filler after a long number", TD1{DocumentCode: "ID", IssuingState: "USA", DocumentNumber: "SDC1234567", OptionalData1: "<<X", BirthDate: "750101", Sex: "F", ExpiryDate: "270101", Nationality: "MEX", PrimaryID: "Filler"}, "FILLER", "", "F"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			lines, err := Encode(tc.td)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got := checkLines(t, lines)
			want := tc.td
			want.DocumentCode = strings.TrimRight(strings.ToUpper(want.DocumentCode), "<")
			want.IssuingState = strings.ToUpper(want.IssuingState)
			want.Nationality = strings.ToUpper(want.Nationality)
			want.DocumentNumber = upperFiller(want.DocumentNumber)
			want.PrimaryID, want.SecondaryID, want.Sex = tc.primary, tc.secondary, tc.sex
			if *got != want {
				t.Errorf("Parse(Encode(td))\n got %+v\nwant %+v", *got, want)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	with := func(f func(*TD1)) TD1 {
		td := base()
		f(&td)
		return td
	}
	for _, tc := range []struct {
		name  string
		td    TD1
		field string
		want  string
	}{
		{"document code missing", with(func(td *TD1) { td.DocumentCode = "" }), "document_code", "required"},
		{"document code P", with(func(td *TD1) { td.DocumentCode = "P" }), "document_code", "A, C or I"},
		{"document code IV", with(func(td *TD1) { td.DocumentCode = "IV" }), "document_code", "V"},
		{"document code AI", with(func(td *TD1) { td.DocumentCode = "AI" }), "document_code", "AI"},
		{"document code too long", with(func(td *TD1) { td.DocumentCode = "IDX" }), "document_code", "1 or 2"},
		{"issuing State with a digit", with(func(td *TD1) { td.IssuingState = "US1" }), "issuing_state", "'1'"},
		{"nationality of 4 letters", with(func(td *TD1) { td.Nationality = "MEXI" }), "nationality", "three letters"},
		{"document number missing", with(func(td *TD1) { td.DocumentNumber = "" }), "document_number", "required"},
		{"document number of 23 characters", with(func(td *TD1) { td.DocumentNumber = strings.Repeat("1", 23) }), "document_number", "at most 22"},
		{"long document number with a space", with(func(td *TD1) { td.DocumentNumber = "SDC 1234567" }), "document_number", "letters and digits"},
		{"document number with a hyphen", with(func(td *TD1) { td.DocumentNumber = "SDC-1" }), "document_number", "'-'"},
		{"document number ending in a space", with(func(td *TD1) { td.DocumentNumber = "SDC1 " }), "document_number", "begin or end"},
		{"optional data 1 of 16 characters", with(func(td *TD1) { td.OptionalData1 = strings.Repeat("1", 16) }), "optional_data_1", "at most 15"},
		{"optional data 1 too long after a long number", with(func(td *TD1) { td.DocumentNumber = "SDC12345678901" }), "optional_data_1", "only 8 fit"},
		{"optional data 2 of 12 characters", with(func(td *TD1) { td.OptionalData2 = strings.Repeat("1", 12) }), "optional_data_2", "at most 11"},
		{"optional data with an accented letter", with(func(td *TD1) { td.OptionalData1 = "é1" }), "optional_data_1", "character 1 ('é')"},
		{"document number with a dotless i", with(func(td *TD1) { td.DocumentNumber = "SDCı" }), "document_number", "'ı'"},
		{"optional data with punctuation", with(func(td *TD1) { td.OptionalData2 = "A-1" }), "optional_data_2", "'-'"},
		{"birth date missing", with(func(td *TD1) { td.BirthDate = "" }), "birth_date", "6 characters"},
		{"birth date with a half-known year", with(func(td *TD1) { td.BirthDate = "8<0101" }), "birth_date", "YYMMDD"},
		{"birth month 13", with(func(td *TD1) { td.BirthDate = "901301" }), "birth_date", "month 13"},
		{"birth day 00", with(func(td *TD1) { td.BirthDate = "900100" }), "birth_date", "day 00"},
		{"birth 31 April", with(func(td *TD1) { td.BirthDate = "900431" }), "birth_date", "30 days"},
		{"birth 29 February of a common year", with(func(td *TD1) { td.BirthDate = "910229" }), "birth_date", "28 days"},
		{"birth 30 February of an unknown year", with(func(td *TD1) { td.BirthDate = "<<0230" }), "birth_date", "29 days"},
		{"expiry date with an unknown part", with(func(td *TD1) { td.ExpiryDate = "29<<<<" }), "expiry_date", "YYMMDD"},
		{"expiry date in ISO form", with(func(td *TD1) { td.ExpiryDate = "2029-06-30" }), "expiry_date", "6 characters"},
		{"sex missing", with(func(td *TD1) { td.Sex = "" }), "sex", "M, F or X"},
		{"sex U", with(func(td *TD1) { td.Sex = "U" }), "sex", "M, F or X"},
		{"primary identifier missing", with(func(td *TD1) { td.PrimaryID = " - " }), "primary_identifier", "required"},
		{"primary identifier with a digit", with(func(td *TD1) { td.PrimaryID = "Smith 2" }), "primary_identifier", "digit '2'"},
		{"secondary identifier in Arabic script", with(func(td *TD1) { td.SecondaryID = "حسن" }), "secondary_identifier", "no transliteration"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Encode(tc.td)
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			fields := docketcard.ErrorFields(err)
			if len(fields) != 1 || fields[0].Field != tc.field || !strings.Contains(fields[0].Message, tc.want) {
				t.Errorf("fields = %+v, want one for %s containing %q", fields, tc.field, tc.want)
			}
		})
	}
	t.Run("every problem reported", func(t *testing.T) {
		_, err := Encode(TD1{})
		if n := len(docketcard.ErrorFields(err)); n != 8 {
			t.Errorf("Encode(TD1{}) reported %d fields, want 8: %v", n, err)
		}
	})
}

// withChecks rewrites the check digits of standard (short document number)
// upper and middle lines, so that a test can alter the data and still pass
// the check digits.
func withChecks(l1, l2 string) (string, string) {
	l1 = l1[:14] + string(checkDigit(l1[5:14])) + l1[15:]
	l2 = l2[:6] + string(checkDigit(l2[0:6])) + l2[7:14] + string(checkDigit(l2[8:14])) + l2[15:29]
	l2 += string(checkDigit(compositeData(l1, l2+"0")))
	return l1, l2
}

func TestParseErrors(t *testing.T) {
	set := func(s string, pos int, c string) string { return s[:pos-1] + c + s[pos:] }
	valid := func(l1, l2, l3 string) string {
		l1, l2 = withChecks(l1, l2)
		return l1 + "\n" + l2 + "\n" + l3
	}
	s1, s2, s3 := specimen[0], specimen[1], specimen[2]
	for _, tc := range []struct {
		name  string
		input string
		want  []string
	}{
		{"empty", "", []string{"one line of 0 characters"}},
		{"two lines", s1 + "\n" + s2, []string{"2 lines"}},
		{"four lines", join(specimen) + "\n" + s3, []string{"4 lines"}},
		{"89 characters", strings.Join(specimen[:], "")[:89], []string{"one line of 89 characters"}},
		{"short line", s1 + "\n" + s2[:29] + "\n" + s3, []string{"line 2 has 29 characters"}},
		{"long line", s1 + "\n" + s2 + "\n" + s3 + "<", []string{"line 3 has 31 characters"}},
		{"lower-case letter", s1 + "\n" + s2 + "\n" + "ERIKSSON<<Anna<MARIA<<<<<<<<<<", []string{"line 3 position 12", "'n'", "lower-case"}},
		{"space", s1 + "\n" + set(s2, 20, " ") + "\n" + s3, []string{"line 2 position 20", "' '"}},
		{"accented letter", "I<UTOD231458907<<<<<<<<<<<<<<<\n7408122F1204159UTO<<<<<<<<<<<6\nÉRIKSSON<<ANNA<MARIA<<<<<<<<<<", []string{"line 3 position 1", "'É'"}},
		{"document number check digit", set(join(specimen), 15, "8"), []string{"document_number", "document number check digit in line 1 position 15 is 8, but the data give 7"}},
		{"birth date check digit", s1 + "\n" + set(s2, 7, "3") + "\n" + s3, []string{"birth_date", "birth date check digit in line 2 position 7 is 3, but the data give 2"}},
		{"expiry date check digit", s1 + "\n" + set(s2, 15, "0") + "\n" + s3, []string{"expiry_date", "expiry date check digit in line 2 position 15 is 0, but the data give 9"}},
		{"composite check digit", s1 + "\n" + set(s2, 30, "5") + "\n" + s3, []string{"composite", "composite check digit in line 2 position 30 is 5, but the data give 6"}},
		{"optional data changed: only the composite fails", s1 + "\n" + set(s2, 19, "1") + "\n" + s3, []string{"Invalid TD1 MRZ: composite:"}},
		{"date of birth changed: its check and the composite fail", s1 + "\n" + set(s2, 6, "3") + "\n" + s3, []string{"birth_date", "(and 1 more)"}},
		{"check digit not a digit", s1 + "\n" + set(s2, 7, "A") + "\n" + s3, []string{"birth date check digit in line 2 position 7 is 'A', not a digit"}},
		{"long number: no filler after its check digit", "I<UTOD23145890<734912345678901\n" + longNumberSpecimen[1] + "\n" + longNumberSpecimen[2], []string{"no filler follows its check digit"}},
		{"long number: nothing after position 15", "I<UTOD23145890<<<<<<<<<<<<<<<<\n" + s2 + "\n" + s3, []string{"line 1 position 16", "missing"}},
		{"long number: short principal part", "I<UTOD2314589<<734<<<<<<<<<<<<\n" + s2 + "\n" + s3, []string{"line 1 position 14", "must fill positions 6-14"}},
		{"long number: wrong check digit", "I<UTOD23145890<7348<<<<<<<<<<<\n" + longNumberSpecimen[1] + "\n" + longNumberSpecimen[2], []string{"document number check digit in line 1 position 19 is 8, but the data give 9"}},
		{"month 13 with right check digits", valid(s1, "741312"+s2[6:], s3), []string{"birth_date", "month 13"}},
		{"expiry 31 April with right check digits", valid(s1, s2[:8]+"120431"+s2[14:], s3), []string{"expiry_date", "30 days"}},
		{"sex X is not an MRZ value", valid(s1, set(s2, 8, "X"), s3), []string{"line 2 position 8 (sex)", "expected '<'"}},
		{"document code P", valid(set(s1, 1, "P"), s2, s3), []string{"document_code", "A, C or I"}},
		{"issuing State with a digit", valid(set(s1, 5, "0"), s2, s3), []string{"issuing_state"}},
		{"unknown date of birth in the expiry date", valid(s1, s2[:8]+"12<<<<"+s2[14:], s3), []string{"expiry_date"}},
		{"empty name", valid(s1, s2, strings.Repeat("<", 30)), []string{"primary_identifier", "required"}},
		{"digit in the name", valid(s1, s2, "ERIKSSON<<ANNA<MAR1A<<<<<<<<<<"), []string{"line 3 position 19", "'1'", "numerals"}},
		{"three fillers between identifiers", valid(s1, s2, "ERIKSSON<<<ANNA<MARIA<<<<<<<<<"), []string{"line 3 position 11 (name)", "expected 'A'"}},
		{"name starting with a filler", valid(s1, s2, "<ERIKSSON<<ANNA<MARIA<<<<<<<<<"), []string{"line 3 position 1 (name)"}},
		{"document number starting with a filler", valid("I<UTO<23145890<<<<<<<<<<<<<<<<", s2, s3), []string{"document_number", "begin or end"}},
		{"empty document number", valid("I<UTO<<<<<<<<<<<<<<<<<<<<<<<<<", s2, s3), []string{"document_number", "required"}},
		{"issuing State with an inner filler", valid("I<U<OD231458907<<<<<<<<<<<<<<<", s2, s3), []string{"issuing_state"}},
		{"nationality starting with a filler", valid(s1, s2[:15]+"<TO"+s2[18:], s3), []string{"nationality"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			td, err := Parse(tc.input)
			if err == nil {
				t.Fatalf("Parse(%q) = %+v, want an error", tc.input, td)
			}
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			msg := docketcard.ErrorMessage(err)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("message %q does not contain %q", msg, w)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	td := base()
	for b.Loop() {
		if _, err := Encode(td); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	lines, err := Encode(base())
	if err != nil {
		b.Fatal(err)
	}
	text := join(lines)
	for b.Loop() {
		if _, err := Parse(text); err != nil {
			b.Fatal(err)
		}
	}
}
