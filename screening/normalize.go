package screening

import (
	"strings"
)

// Token roles: which part of a structured name a token came from.
const (
	roleUnknown uint8 = iota
	roleGiven
	roleFamily
)

// Token kinds.
const (
	kindName     uint8 = iota // an ordinary name word (or a fused ABD/ABU compound)
	kindArticle               // Arabic al-/el- (canonical "AL")
	kindParticle              // de, del, la, van…, bin/ibn
	kindTitle                 // Dr, Sheikh, Mullah, Haji…
	kindInitial               // a single letter
)

func kindString(k uint8) string {
	switch k {
	case kindArticle:
		return "article"
	case kindParticle:
		return "particle"
	case kindTitle:
		return "title"
	case kindInitial:
		return "initial"
	}
	return "name"
}

// word is one word of a name after transliteration.
type word struct {
	text   string // upper-case ASCII letters and digits
	raw    string // as written (after transliteration), for explanations
	hyphen bool   // joined to the previous word by a hyphen
	skel   bool   // written without vowels
}

// splitWords transliterates s and cuts it into words at spaces and
// punctuation. Apostrophes (and ayn/hamza signs) join: QA'IDA → QAIDA.
func splitWords(s string) []word {
	var out []word
	for _, sw := range transliterate(s) {
		t := asciiFold(sw.text)
		var cur []byte
		hyphenNext := false
		hyphen := false
		flush := func() {
			if len(cur) > 0 {
				out = append(out, word{text: string(cur), raw: string(cur), hyphen: hyphen, skel: sw.skeleton})
				cur = cur[:0]
				hyphen = false
			}
		}
		for i := 0; i < len(t); i++ {
			c := t[i]
			switch {
			case c >= 'a' && c <= 'z':
				c -= 'a' - 'A'
				fallthrough
			case c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
				if len(cur) == 0 {
					hyphen = hyphenNext
					hyphenNext = false
				}
				cur = append(cur, c)
			case c == '\'' || c == '`':
				// joins
			case c == '-':
				flush()
				hyphenNext = true
			default:
				flush()
				hyphenNext = false
			}
		}
		flush()
	}
	return out
}

// rawToken is a token before it is given weights and keys.
type rawToken struct {
	text string // canonical form
	raw  string // as written
	kind uint8
	role uint8
	skel bool
	pos  int // position within the name
}

// tokenize turns one name field into canonical tokens:
//   - Arabic articles al-/el- (and hyphenated sun-letter forms ad-, ash-…)
//     become the light token AL;
//   - ABD/ABDUL/ABDEL… fuse with the next word (skipping an article):
//     ABD AL-RAHMAN, ABDUL RAHMAN and ABDURRAHMAN all give ABDRAHMAN;
//   - ABU/ABOU and UMM fuse likewise (ABU BAKR and ABUBAKAR give ABUBAKR);
//   - BIN/IBN/BEN/BINT/OULD stay as the light token BIN;
//   - the Spanish conjunction Y between surnames is dropped;
//   - each other word is rewritten to its variant class (MOHAMED →
//     MUHAMMAD).
func tokenize(s string, role uint8) []rawToken {
	return tokenizeWords(splitWords(s), role)
}

func tokenizeWords(ws []word, role uint8) []rawToken {
	var out []rawToken
	n := len(ws)
	emit := func(text, raw string, kind uint8, skel bool) {
		out = append(out, rawToken{text: text, raw: raw, kind: kind, role: role, skel: skel, pos: len(out)})
	}
	isArticle := func(i int) bool {
		if i+1 >= n {
			return false
		}
		t := ws[i].text
		return arabicArticles[t] || (sunArticles[t] && ws[i+1].hyphen)
	}
	for i := 0; i < n; i++ {
		w := ws[i]
		t := w.text
		switch {
		case t == "Y" && i > 0 && i+1 < n:
			continue
		case isArticle(i):
			emit("AL", w.raw, kindArticle, false)
		case (abdForms[t] || abuForms[t] != "") && i+1 < n:
			j := i + 1
			if isArticle(j) {
				j++
			}
			if j >= n {
				emit(canonWord(t), w.raw, kindName, w.skel)
				continue
			}
			prefix := "ABD"
			if p := abuForms[t]; p != "" {
				prefix = p
			}
			raw := w.raw
			for k := i + 1; k <= j; k++ {
				raw += " " + ws[k].raw
			}
			emit(prefix+canonWord(ws[j].text), raw, kindName, ws[j].skel)
			i = j
		case binForms[t] && i+1 < n:
			emit("BIN", w.raw, kindParticle, false)
		case particles[t] && i+1 < n:
			emit(t, w.raw, kindParticle, false)
		case titles[t]:
			emit(t, w.raw, kindTitle, false)
		case len(t) == 1:
			emit(t, w.raw, kindInitial, false)
		default:
			emit(canonWord(t), w.raw, kindName, w.skel)
		}
	}
	return out
}

// canonWord rewrites one word to its variant class and splits glued
// ABD-/ABU- compounds.
func canonWord(t string) string {
	if c, ok := variantCanon[t]; ok {
		return c
	}
	if len(t) >= 6 && strings.HasPrefix(t, "ABD") {
		if rem := abdRemainder(t[3:]); rem != "" {
			return "ABD" + canonWord(rem)
		}
	}
	if len(t) >= 6 && (strings.HasPrefix(t, "ABU") || strings.HasPrefix(t, "ABOU")) {
		rem := strings.TrimPrefix(strings.TrimPrefix(t, "ABOU"), "ABU")
		if len(rem) >= 3 && !isVowel(rem[0]) {
			return "ABU" + canonWord(rem)
		}
	}
	return t
}

// abdRemainder strips the linking vowel or article of a glued ʿabd
// compound: UL-LAH, UR-RAHMAN, EL-AZIZ, US-SALAM, U-SALAM. It returns ""
// when what is left is too short to be a name (ABDI, ABDO).
func abdRemainder(s string) string {
	for _, art := range []string{"OUL", "UL", "EL", "AL", "OL", "IL"} {
		if strings.HasPrefix(s, art) && len(s)-len(art) >= 3 {
			return s[len(art):]
		}
	}
	if len(s) >= 4 && isVowel(s[0]) {
		r := s[1:]
		if s[0] == 'O' && r[0] == 'U' {
			r = r[1:]
		}
		// Assimilated article: ABDURRAHMAN, ABDUSSALAM.
		if len(r) >= 4 && r[0] == r[1] && !isVowel(r[0]) {
			r = r[1:]
		}
		if len(r) >= 3 {
			return r
		}
	}
	return ""
}

func isVowel(c byte) bool {
	switch c {
	case 'A', 'E', 'I', 'O', 'U':
		return true
	}
	return false
}

// fold maps romanisation differences onto one spelling, for edit-distance
// comparison and blocking: KH→H, GH→G, PH→F, TH→T, DH→D, DJ/DZH/ZH→J,
// CH→SH, Q→K, C→K (S before E/I/Y), X→KS, W→V, OU/OO→U, EE→I, Y→I,
// doubled letters single, a final H after a vowel dropped.
func fold(s string) string {
	b := make([]byte, 0, len(s)+2)
	for i := 0; i < len(s); i++ {
		c := s[i]
		var nx byte
		if i+1 < len(s) {
			nx = s[i+1]
		}
		switch c {
		case 'K':
			if nx == 'H' {
				b = append(b, 'H')
				i++
				continue
			}
		case 'G', 'P', 'T':
			if nx == 'H' {
				switch c {
				case 'G':
					b = append(b, 'G')
				case 'P':
					b = append(b, 'F')
				case 'T':
					b = append(b, 'T')
				}
				i++
				continue
			}
		case 'D':
			if nx == 'H' {
				b = append(b, 'D')
				i++
				continue
			}
			if nx == 'J' {
				b = append(b, 'J')
				i++
				continue
			}
			if nx == 'Z' && i+2 < len(s) && s[i+2] == 'H' {
				b = append(b, 'J')
				i += 2
				continue
			}
		case 'Z':
			if nx == 'H' {
				b = append(b, 'J')
				i++
				continue
			}
		case 'C':
			if nx == 'H' {
				b = append(b, 'S', 'H')
				i++
				continue
			}
			if nx == 'K' {
				b = append(b, 'K')
				i++
				continue
			}
			if nx == 'E' || nx == 'I' || nx == 'Y' {
				b = append(b, 'S')
			} else {
				b = append(b, 'K')
			}
			continue
		case 'Q':
			b = append(b, 'K')
			continue
		case 'X':
			b = append(b, 'K', 'S')
			continue
		case 'W':
			b = append(b, 'V')
			continue
		case 'O':
			if nx == 'U' || nx == 'O' {
				b = append(b, 'U')
				i++
				continue
			}
		case 'E':
			if nx == 'E' {
				b = append(b, 'I')
				i++
				continue
			}
		case 'Y':
			b = append(b, 'I')
			continue
		}
		b = append(b, c)
	}
	// Single letters for doubled ones.
	out := b[:0]
	for i := 0; i < len(b); i++ {
		if i > 0 && b[i] == b[i-1] {
			continue
		}
		out = append(out, b[i])
	}
	if n := len(out); n > 2 && out[n-1] == 'H' && isVowel(out[n-2]) {
		out = out[:n-1]
	}
	return string(out)
}

// skeleton is the first letter and the consonants of a folded token: the
// form to compare a name written without vowels (Arabic script) with.
func skeleton(f string) string {
	if f == "" {
		return ""
	}
	b := []byte{f[0]}
	for i := 1; i < len(f); i++ {
		if !isVowel(f[i]) && f[i] != b[len(b)-1] {
			b = append(b, f[i])
		}
	}
	return string(b)
}
