package mrz

import (
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

func TestNameField(t *testing.T) {
	for _, tc := range []struct {
		name               string
		primary, secondary string
		width              int
		want               string
	}{
		// Part 3 §4.6.
		{"Part 3 §4.6 comma example", "ERIKSSON", "ANNA MARIA", 30, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"},
		// Part 5 §4.2.3.1: secondary identifier truncated. Our rule gives
		// exactly example a; for b the spec shows another permitted choice,
		// ARNPOL<PE<CH.
		{"Part 5 §4.2.3.1 a components to initials", "Nilavadhanananda", "Chayapa Dejthamrong Krasuang", 30, "NILAVADHANANANDA<<CHAYAPA<DE<K"},
		{"Part 5 §4.2.3.1 b components truncated", "Nilavadhanananda", "Arnpol Petch Charonguang", 30, "NILAVADHANANANDA<<ARNPOL<PET<C"},
		// Part 5 §4.2.3.2: the primary identifier must lose characters so
		// that << and the initial of the secondary fit. The spec shows three
		// permitted choices; ours keeps the secondary at its initial.
		{"Part 5 §4.2.3.2 primary truncated", "Bennelong Wooloomooloo Warrandyte Warnambool", "Dingo Potoroo", 30, "BENNELONG<WOOLOOMOOLOO<WA<W<<D"},
		// Part 5 §4.2.3.3: fits exactly, not truncated.
		{"Part 5 §4.2.3.3 fits exactly", "Papandropoulous", "Jonathon Alec", 30, "PAPANDROPOULOUS<<JONATHON<ALEC"},
		// Part 5 §4.2.3.4.
		{"Part 5 §4.2.3.4 prefixes", "Van Der Muellen", "Martin", 30, "VAN<DER<MUELLEN<<MARTIN<<<<<<<"},
		{"Part 5 §4.2.3.4 hyphen", "Al-Basri", "Huda Muhammad Jawad", 30, "AL<BASRI<<HUDA<MUHAMMAD<JAWAD<"},
		{"Part 5 §4.2.3.4 truncated given name", "Vilarchao Fernandez", "Jose Ramon", 30, "VILARCHAO<FERNANDEZ<<JOSE<RAMO"},
		// Part 5 §4.2.3.5: no secondary identifier.
		{"Part 5 §4.2.3.5 single name", "Arkfreith", "", 30, "ARKFREITH<<<<<<<<<<<<<<<<<<<<<"},
		{"Part 5 §4.2.3.5 two components", "Satriya Sudarpa", "", 30, "SATRIYA<SUDARPA<<<<<<<<<<<<<<<"},
		// Names of people in U.S. immigration proceedings.
		{"Hispanic double surname", "Peña de la Cruz", "José", 30, "PENA<DE<LA<CRUZ<<JOSE<<<<<<<<<"},
		{"apostrophe", "O'Brien", "Seán Patrick", 30, "OBRIEN<<SEAN<PATRICK<<<<<<<<<<"},
		{"hyphen", "Al-Sayed", "Omar", 30, "AL<SAYED<<OMAR<<<<<<<<<<<<<<<<"},
		{"long Hispanic name", "Hernández de la Santísima Trinidad", "María Guadalupe", 30, "HERNANDEZ<DE<LA<SANTISIMA<T<<M"},
		{"long given names", "García López", "María de los Ángeles Guadalupe", 30, "GARCIA<LOPEZ<<MARIA<DE<LOS<A<G"},
		{"last given name shortened", "Perez", "Juan Carlos Alberto Francisco", 30, "PEREZ<<JUAN<CARLOS<ALBERTO<FRA"},
		{"one long primary only", "Wolfeschlegelsteinhausenbergerdorff", "", 30, "WOLFESCHLEGELSTEINHAUSENBERGER"},
		{"primary only, ends on a boundary", strings.Repeat("A", 29) + " Bbbb", "", 30, strings.Repeat("A", 28) + "<B"},
		{"one long primary and a secondary", strings.Repeat("X", 40), "Ana", 30, strings.Repeat("X", 27) + "<<A"},
		{"primary fills all but the separator", strings.Repeat("Y", 28), "Ana", 30, strings.Repeat("Y", 27) + "<<A"},
		{"TD3 width", "Eriksson", "Anna Maria", 39, "ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"},
		{"narrowest field", "Eriksson", "Anna", 4, "E<<A"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := NameField(tc.primary, tc.secondary, tc.width)
			if err != nil {
				t.Fatalf("NameField: %v", err)
			}
			if got != tc.want {
				t.Errorf("NameField(%q, %q, %d)\n got %q\nwant %q", tc.primary, tc.secondary, tc.width, got, tc.want)
			}
			checkNameField(t, got, tc.primary, tc.secondary, tc.width)
		})
	}
}

// checkNameField checks the rules every name field obeys: its width and
// characters; and, when the name did not fit, that the field is full, ends
// with a letter (Part 5 §4.2.2.3) and keeps << and the secondary initial.
func checkNameField(t *testing.T, field, primary, secondary string, width int) {
	t.Helper()
	if len(field) != width {
		t.Errorf("%q has %d characters, want %d", field, len(field), width)
	}
	if strings.Trim(field, letters+"<") != "" {
		t.Errorf("%q has characters other than A-Z and <", field)
	}
	p, s := Transliterate(primary), Transliterate(secondary)
	full := p
	if s != "" {
		full += "<<" + s
	}
	if len(full) <= width {
		if want := pad(full, width); field != want {
			t.Errorf("%q was truncated although %q fits", field, full)
		}
		return
	}
	if c := field[width-1]; (c < 'A' || c > 'Z') && !allInitials(p) && !allInitials(s) {
		// Only an identifier made of one-letter components may fail to
		// fill the field exactly.
		t.Errorf("%q is truncated but does not end with a letter", field)
	}
	if s != "" && !strings.Contains(field, "<<"+s[:1]) {
		t.Errorf("%q lost the separator or the secondary initial %q", field, s[:1])
	}
	if !strings.HasPrefix(field, p[:1]) {
		t.Errorf("%q lost the primary initial", field)
	}
}

func allInitials(id string) bool {
	for _, c := range strings.Split(id, "<") {
		if len(c) > 1 {
			return false
		}
	}
	return true
}

func TestNameFieldTruncationProperties(t *testing.T) {
	words := []string{"A", "BO", "CRUZ", "DE", "LA", "MARIA", "GUADALUPE", "HERNANDEZ", "WOOLOOMOOLOO", "X"}
	n := 0
	for i := range 200 {
		var p, s []string
		for j := range 1 + i%5 {
			p = append(p, words[(i*7+j*3)%len(words)])
		}
		for j := range i % 6 {
			s = append(s, words[(i*11+j*5+1)%len(words)])
		}
		for _, width := range []int{4, 5, 9, 30, 31, 39} {
			field, err := NameField(strings.Join(p, " "), strings.Join(s, " "), width)
			if err != nil {
				t.Fatalf("NameField(%q, %q, %d): %v", p, s, width, err)
			}
			checkNameField(t, field, strings.Join(p, " "), strings.Join(s, " "), width)
			n++
		}
	}
	t.Logf("%d name fields checked", n)
}

func TestNameFieldErrors(t *testing.T) {
	for _, tc := range []struct {
		name               string
		primary, secondary string
		width              int
		want               string
	}{
		{"no primary", "", "Ana", 30, "primary identifier (family name) is required"},
		{"primary of punctuation only", "'-.", "Ana", 30, "primary identifier (family name) is required"},
		{"digit in primary", "Smith 3rd", "John", 30, "primary identifier (family name) contains the digit '3'"},
		{"Cyrillic in secondary", "Ivanov", "Иван", 30, "secondary identifier (given names) contains 'И'"},
		{"too narrow", "A", "B", 3, "at least 4 characters wide"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NameField(tc.primary, tc.secondary, tc.width)
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("error = %v, want EINVALID", err)
			}
			if msg := docketcard.ErrorMessage(err); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not contain %q", msg, tc.want)
			}
		})
	}
}
