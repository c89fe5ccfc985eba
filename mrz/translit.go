package mrz

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/docketcard/docketcard"
	"golang.org/x/text/unicode/norm"
)

// latinTable is Doc 9303 Part 3 §6, Table A "Transliteration of
// Multinational Latin-based Characters", keyed by the capital letter. Where
// the "Recommended transliteration" column lists alternatives (Ä, Å, Ñ, Ö,
// Ü) the first one listed is used; see the package documentation.
var latinTable = map[rune]string{
	0x00C0: "A",  // À A grave
	0x00C1: "A",  // Á A acute
	0x00C2: "A",  // Â A circumflex
	0x00C3: "A",  // Ã A tilde
	0x00C4: "AE", // Ä A diaeresis: "AE or A"
	0x00C5: "AA", // Å A ring above: "AA or A"
	0x00C6: "AE", // Æ ligature AE
	0x00C7: "C",  // Ç C cedilla
	0x00C8: "E",  // È E grave
	0x00C9: "E",  // É E acute
	0x00CA: "E",  // Ê E circumflex
	0x00CB: "E",  // Ë E diaeresis
	0x00CC: "I",  // Ì I grave
	0x00CD: "I",  // Í I acute
	0x00CE: "I",  // Î I circumflex
	0x00CF: "I",  // Ï I diaeresis
	0x00D0: "D",  // Ð Eth
	0x00D1: "N",  // Ñ N tilde: "N or NXX"
	0x00D2: "O",  // Ò O grave
	0x00D3: "O",  // Ó O acute
	0x00D4: "O",  // Ô O circumflex
	0x00D5: "O",  // Õ O tilde
	0x00D6: "OE", // Ö O diaeresis: "OE or O"
	0x00D8: "OE", // Ø O stroke
	0x00D9: "U",  // Ù U grave
	0x00DA: "U",  // Ú U acute
	0x00DB: "U",  // Û U circumflex
	0x00DC: "UE", // Ü U diaeresis: "UE or UXX or U"
	0x00DD: "Y",  // Ý Y acute
	0x00DE: "TH", // Þ Thorn (Iceland)
	0x00DF: "SS", // ß sharp s: not in the 8th-edition table; written like ẞ (1E9E)
	0x0100: "A",  // Ā A macron
	0x0102: "A",  // Ă A breve
	0x0104: "A",  // Ą A ogonek
	0x0106: "C",  // Ć C acute
	0x0108: "C",  // Ĉ C circumflex
	0x010A: "C",  // Ċ C dot above
	0x010C: "C",  // Č C caron
	0x010E: "D",  // Ď D caron
	0x0110: "D",  // Đ D stroke
	0x0112: "E",  // Ē E macron
	0x0114: "E",  // Ĕ E breve
	0x0116: "E",  // Ė E dot above
	0x0118: "E",  // Ę E ogonek
	0x011A: "E",  // Ě E caron
	0x011C: "G",  // Ĝ G circumflex
	0x011E: "G",  // Ğ G breve
	0x0120: "G",  // Ġ G dot above
	0x0122: "G",  // Ģ G cedilla
	0x0124: "H",  // Ĥ H circumflex
	0x0126: "H",  // Ħ H stroke
	0x0128: "I",  // Ĩ I tilde
	0x012A: "I",  // Ī I macron
	0x012C: "I",  // Ĭ I breve
	0x012E: "I",  // Į I ogonek
	0x0130: "I",  // İ I dot above
	0x0131: "I",  // ı I without dot (Turkey)
	0x0132: "IJ", // Ĳ ligature IJ
	0x0134: "J",  // Ĵ J circumflex
	0x0136: "K",  // Ķ K cedilla
	0x0139: "L",  // Ĺ L acute
	0x013B: "L",  // Ļ L cedilla
	0x013D: "L",  // Ľ L caron
	0x013F: "L",  // Ŀ L middle dot
	0x0141: "L",  // Ł L stroke
	0x0143: "N",  // Ń N acute
	0x0145: "N",  // Ņ N cedilla
	0x0147: "N",  // Ň N caron
	0x014A: "N",  // Ŋ Eng
	0x014C: "O",  // Ō O macron
	0x014E: "O",  // Ŏ O breve
	0x0150: "O",  // Ő O double acute
	0x0152: "OE", // Œ ligature OE
	0x0154: "R",  // Ŕ R acute
	0x0156: "R",  // Ŗ R cedilla
	0x0158: "R",  // Ř R caron
	0x015A: "S",  // Ś S acute
	0x015C: "S",  // Ŝ S circumflex
	0x015E: "S",  // Ş S cedilla
	0x0160: "S",  // Š S caron
	0x0162: "T",  // Ţ T cedilla
	0x0164: "T",  // Ť T caron
	0x0166: "T",  // Ŧ T stroke
	0x0168: "U",  // Ũ U tilde
	0x016A: "U",  // Ū U macron
	0x016C: "U",  // Ŭ U breve
	0x016E: "U",  // Ů U ring above
	0x0170: "U",  // Ű U double acute
	0x0172: "U",  // Ų U ogonek
	0x0174: "W",  // Ŵ W circumflex
	0x0176: "Y",  // Ŷ Y circumflex
	0x0178: "Y",  // Ÿ Y diaeresis
	0x0179: "Z",  // Ź Z acute
	0x017B: "Z",  // Ż Z dot above
	0x017D: "Z",  // Ž Z caron
	0x1E9E: "SS", // ẞ double s (Germany)
}

// isApostrophe reports the apostrophe-like characters that Part 3 §4.6
// says to omit, combining the parts they join.
func isApostrophe(r rune) bool {
	switch r {
	case '\'', '`', '\u00B4', '\u02B9', '\u02BB', '\u02BC', '\u02BD', '\u2018', '\u2019', '\u201B', '\u2032':
		return true
	}
	return false
}

// isSeparator reports the characters that separate two name components and
// so become a single filler (Part 3 §4.6: hyphen and comma; and spaces):
// white space, hyphens and dashes, commas and the filler itself.
func isSeparator(r rune) bool {
	switch r {
	case '-', ',', Filler, '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '\u2015', '\u2212', '\uFE63', '\uFF0D', '\uFF0C':
		return true
	}
	return unicode.IsSpace(r)
}

// untransliterable describes the first character of a name that has no MRZ
// form.
type untransliterable struct {
	r rune
}

func (u untransliterable) message(what string) string {
	if unicode.IsDigit(u.r) {
		return fmt.Sprintf("%s contains the digit %q; numerals are not allowed in MRZ names (ICAO Doc 9303 Part 3 §4.6)", what, u.r)
	}
	return fmt.Sprintf("%s contains %q, which has no transliteration to the MRZ characters A-Z (ICAO Doc 9303 Part 3 §6)", what, u.r)
}

// transliterate writes name in MRZ characters: upper-case A–Z with single
// fillers between components and none at either end. It returns the first
// character that cannot be written, if any; such characters are left out.
func transliterate(name string) (string, *untransliterable) {
	var b strings.Builder
	b.Grow(len(name))
	var bad *untransliterable
	pendingFiller := false
	put := func(s string) {
		if pendingFiller && b.Len() > 0 {
			b.WriteByte(Filler)
		}
		pendingFiller = false
		b.WriteString(s)
	}
	// Compose first so that a letter followed by combining accents is
	// looked up as the precomposed letter of Table A (A + U+0308 → Ä → AE).
	for _, r := range norm.NFC.String(name) {
		up := unicode.ToUpper(r)
		switch {
		case up >= 'A' && up <= 'Z':
			put(string(up))
		case isSeparator(r):
			pendingFiller = true
		case isApostrophe(r):
			// Omitted; the components it joined are combined (Part 3 §4.6).
		case latinTable[up] != "":
			put(latinTable[up])
		case latinTable[r] != "":
			put(latinTable[r])
		case unicode.Is(unicode.Mn, r), unicode.Is(unicode.Me, r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Sk, r):
			// Diacritics and invisible formatting: not permitted in the MRZ
			// (Part 3 §4.3), and nothing to write.
		case unicode.IsPunct(r):
			// "All other punctuation characters shall be omitted" (§4.6).
		case unicode.Is(unicode.Latin, r) && latinBase(r) != "":
			put(latinBase(r))
		default:
			if bad == nil {
				bad = &untransliterable{r}
			}
		}
	}
	return b.String(), bad
}

// latinBase writes a Latin letter that Table A does not list as the
// letters A–Z of its compatibility decomposition, without the accents
// (Ș → S, Ệ → E, ǅ → DZ, ﬁ → FI), or "" if it has none.
func latinBase(r rune) string {
	var b strings.Builder
	for _, d := range norm.NFKD.String(string(r)) {
		d = unicode.ToUpper(d)
		switch {
		case d >= 'A' && d <= 'Z':
			b.WriteRune(d)
		case unicode.Is(unicode.Mn, d), isApostrophe(d):
		default:
			return ""
		}
	}
	return b.String()
}

// Transliterate writes a name (or one identifier of a name) in the
// characters of the MRZ, as Doc 9303 Part 3 §4.6 and §6 specify: letters
// are upper-cased, the Latin letters with diacritics of §6 Table A are
// replaced by their recommended transliteration (the first one listed where
// there are alternatives: Ä→AE, Å→AA, Ö→OE, Ü→UE, Ñ→N; ß and ẞ→SS, Æ→AE,
// Ø→OE, Þ→TH), apostrophes are removed (O'BRIEN → OBRIEN), hyphens, commas
// and spaces become a single filler (AL-SAYED → AL<SAYED) and other
// punctuation is removed. Runs of separators collapse to one filler and
// there is none at either end.
//
// Characters that cannot be written in the MRZ (digits, symbols, other
// scripts) are dropped; NameField and Encode report them as errors instead.
func Transliterate(name string) string {
	s, _ := transliterate(name)
	return s
}

// transliterateField transliterates one identifier and turns an
// untransliterable character into an EINVALID error.
func transliterateField(name, what string) (string, error) {
	s, bad := transliterate(name)
	if bad != nil {
		return "", docketcard.Errorf(docketcard.EINVALID, "%s", bad.message(what))
	}
	return s, nil
}
