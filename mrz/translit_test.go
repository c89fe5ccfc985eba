package mrz

import (
	"testing"
	"unicode"
)

func TestTransliterate(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
	}{
		// Part 3 §4.6 examples.
		{"Part 3 §4.6 apostrophe", "D'ARTAGNAN", "DARTAGNAN"},
		{"Part 3 §4.6 hyphen", "MARIE-ELISE", "MARIE<ELISE"},
		{"Part 3 §4.6 comma between components", "ANNA, MARIA", "ANNA<MARIA"},
		// Part 5 §4.2.3.4.
		{"Part 5 §4.2.3.4 hyphenated surname", "Al-Basri", "AL<BASRI"},
		{"Part 5 §4.2.3.4 prefixes", "Van Der Muellen", "VAN<DER<MUELLEN"},
		// Names of the brief.
		{"Hispanic double surname", "Peña de la Cruz", "PENA<DE<LA<CRUZ"},
		{"apostrophe", "O'Brien", "OBRIEN"},
		{"typographic apostrophe", "O’Brien", "OBRIEN"},
		{"modifier letter apostrophe", "Kaʻiulani", "KAIULANI"},
		{"hyphen", "al-Sayed", "AL<SAYED"},
		{"en dash", "García–Márquez", "GARCIA<MARQUEZ"},
		{"accent", "José", "JOSE"},
		{"decomposed accent", "Jose\u0301", "JOSE"},
		{"decomposed diaeresis is Table A's Ä", "A\u0308sa", "AESA"},
		// Part 3 §6 Table A, first listed alternative.
		{"Table A Ä first alternative", "Bäcker", "BAECKER"},
		{"Table A Å first alternative", "Ångström", "AANGSTROEM"},
		{"Table A Ñ first alternative", "Muñoz Ñúñez", "MUNOZ<NUNEZ"},
		{"Table A Ö first alternative", "Öztürk", "OEZTUERK"},
		{"Table A Ü first alternative", "Argüello", "ARGUEELLO"},
		{"Table A Æ", "Ærø", "AEROE"},
		{"Table A Ø", "Søren", "SOEREN"},
		{"Table A Þ", "Þórsdóttir", "THORSDOTTIR"},
		{"Table A Œ", "Cœur", "COEUR"},
		{"Table A Ĳ", "ĳsbrand", "IJSBRAND"},
		{"Table A Ł and Ś", "Łukasz Świątek", "LUKASZ<SWIATEK"},
		{"Table A Đ", "Đorđević", "DORDEVIC"},
		{"Table A dotless and dotted I", "Işıl İnan", "ISIL<INAN"},
		{"Table A ẞ", "STRAẞE", "STRASSE"},
		{"sharp s", "Straße", "STRASSE"},
		{"Latin letter outside Table A: comma below", "Ștefănescu", "STEFANESCU"},
		{"Latin letter outside Table A: Vietnamese", "Nguyễn Thị Hương", "NGUYEN<THI<HUONG"},
		{"Latin digraph outside Table A", "ǅemal", "DZEMAL"},
		{"Latin ligature outside Table A", "ﬁnn", "FINN"},
		{"fullwidth Latin letters", "ＡＮＡ", "ANA"},
		// Separators and other punctuation.
		{"spaces collapse", "  Mary   Ann  ", "MARY<ANN"},
		{"mixed separators collapse", "Smith -- Jones", "SMITH<JONES"},
		{"filler kept as separator", "ANNA<MARIA", "ANNA<MARIA"},
		{"no filler at the ends", "<<A<<B<<", "A<B"},
		{"period removed", "St. John", "ST<JOHN"},
		{"other punctuation removed", "(Bob) \"Jr.\"", "BOB<JR"},
		{"lower case", "mary", "MARY"},
		// Characters without an MRZ form are dropped.
		{"digits dropped", "Henry 8", "HENRY"},
		{"Cyrillic dropped", "Иван", ""},
		{"empty", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Transliterate(tc.in); got != tc.want {
				t.Errorf("Transliterate(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// Every letter of Part 3 §6 Table A, capital and small, has its table form.
func TestTransliterateTableA(t *testing.T) {
	for r, want := range latinTable {
		for _, in := range []rune{r, unicode.ToLower(r)} {
			if got := Transliterate(string(in)); got != want {
				t.Errorf("Transliterate(%q U+%04X) = %q, want %q", in, in, got, want)
			}
		}
	}
}

func TestTransliterateReportsUntransliterable(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		bad  rune
	}{
		{"digit", "Louis XIV 14", '1'},
		{"Cyrillic", "Ivan Иван", 'И'},
		{"CJK", "李", '李'},
		{"symbol", "A+B", '+'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, bad := transliterate(tc.in)
			if bad == nil || bad.r != tc.bad {
				t.Errorf("transliterate(%q) bad = %v, want %q", tc.in, bad, tc.bad)
			}
		})
	}
}
