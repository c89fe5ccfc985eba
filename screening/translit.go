package screening

import (
	"strings"
	"unicode"

	"github.com/mozillazg/go-unidecode"
	"golang.org/x/text/unicode/norm"
)

// Transliteration to ASCII. Arabic and Cyrillic have rules of our own
// (below); Latin letters lose their diacritics; every other script goes
// through go-unidecode. Hangul and Han characters are one syllable each and
// get a space after them, so that 김정은 gives "GIM JEONG EUN" and not one
// run-together word.

// cyrillic maps Russian letters to a BGN/PCGN-like romanisation, the one
// OFAC and the UN mostly follow.
var cyrillic = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "zh", 'з': "z", 'и': "i",
	'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r", 'с': "s", 'т': "t",
	'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "", 'ы': "y", 'ь': "",
	'э': "e", 'ю': "yu", 'я': "ya",
	// Ukrainian, Belarusian, Serbian/Macedonian, Kazakh/Uzbek Cyrillic.
	'є': "ye", 'і': "i", 'ї': "yi", 'ґ': "g", 'ў': "u", 'ј': "j", 'љ': "lj", 'њ': "nj", 'ћ': "c", 'ђ': "dj",
	'џ': "dz", 'ѓ': "gj", 'ќ': "kj", 'ѕ': "dz", 'қ': "q", 'ғ': "gh", 'ұ': "u", 'ү': "u", 'ң': "ng", 'ө': "o",
	'һ': "h", 'ә': "a", 'ҳ': "h", 'ӣ': "i", 'ӯ': "u", 'ҷ': "j",
}

func isCyrillicVowel(r rune) bool {
	return strings.ContainsRune("аеёиоуыэюяєіїАЕЁИОУЫЭЮЯЄІЇ", r)
}

// translitCyrillicWord romanises one Cyrillic word. Е is "ye" at the start
// of a word and after a vowel or soft/hard sign (Yevgeny, Andreyev); the
// Ukrainian Г is "h" and И is "y" in words with Ukrainian letters.
func translitCyrillicWord(w string) string {
	rs := []rune(strings.ToLower(w))
	ukr := strings.ContainsAny(string(rs), "єіїґ")
	var b strings.Builder
	for i, r := range rs {
		prevVowel := i == 0 || isCyrillicVowel(rs[i-1]) || rs[i-1] == 'ь' || rs[i-1] == 'ъ'
		switch {
		case r == 'е' && prevVowel:
			b.WriteString("ye")
		case ukr && r == 'г':
			b.WriteString("h")
		case ukr && r == 'и':
			b.WriteString("y")
		case r == 'й' && i > 0 && (rs[i-1] == 'и' || rs[i-1] == 'ы') && i == len(rs)-1:
			// "-ий", "-ый" endings: Dmitriy, Yuriy.
			b.WriteString("y")
		default:
			if t, ok := cyrillic[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteString(unidecode.Unidecode(string(r)))
			}
		}
	}
	return b.String()
}

// arabicLetters romanises the Arabic (and Persian/Urdu) alphabet. Short
// vowels are not written in Arabic script, so an unvowelled word comes out
// as a consonant skeleton ("mhmd"), marked so that the matcher compares it
// by consonants only; whole common names are looked up first.
var arabicLetters = map[rune]string{
	'ا': "a", 'أ': "a", 'إ': "i", 'آ': "a", 'ٱ': "a", 'ب': "b", 'ت': "t", 'ث': "th", 'ج': "j", 'ح': "h",
	'خ': "kh", 'د': "d", 'ذ': "dh", 'ر': "r", 'ز': "z", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "d", 'ط': "t",
	'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ك': "k", 'ل': "l", 'م': "m", 'ن': "n", 'ه': "h",
	'ة': "a", 'و': "w", 'ي': "y", 'ى': "a", 'ء': "", 'ؤ': "", 'ئ': "",
	'پ': "p", 'چ': "ch", 'ژ': "zh", 'گ': "g", 'ک': "k", 'ی': "y", 'ے': "e", 'ٹ': "t", 'ڈ': "d", 'ڑ': "r",
	'ں': "n", 'ھ': "h", 'ۃ': "a",
	'َ': "a", 'ِ': "i", 'ُ': "u", 'ً': "an", 'ٍ': "in", 'ٌ': "un", 'ْ': "", 'ّ': "", 'ـ': "",
}

// arabicWords are common name words written in Arabic script, with their
// usual romanisation.
var arabicWords = map[string]string{
	"محمد": "muhammad", "احمد": "ahmad", "أحمد": "ahmad", "علي": "ali", "حسن": "hasan", "حسين": "husayn",
	"عبد": "abd", "الله": "allah", "عبدالله": "abdallah", "عمر": "umar", "عثمان": "uthman", "يوسف": "yusuf",
	"ابراهيم": "ibrahim", "إبراهيم": "ibrahim", "خالد": "khalid", "محمود": "mahmud", "مصطفى": "mustafa",
	"صدام": "saddam", "بن": "bin", "ابن": "ibn", "بنت": "bint", "ابو": "abu", "أبو": "abu", "ام": "umm", "أم": "umm",
	"سعيد": "said", "سالم": "salim", "صالح": "salih", "عيسى": "isa", "موسى": "musa", "يحيى": "yahya",
	"جمال": "jamal", "جميل": "jamil", "ناصر": "nasir", "كريم": "karim", "رحمن": "rahman", "الرحمن": "al rahman",
	"حامد": "hamid", "حميد": "hamid", "ماجد": "majid", "رشيد": "rashid", "سليم": "salim", "سليمان": "sulayman",
	"عباس": "abbas", "جعفر": "jafar", "فيصل": "faysal", "حمزة": "hamza", "طالب": "talib", "وليد": "walid",
	"خليل": "khalil", "قاسم": "qasim", "هادي": "hadi", "مهدي": "mahdi", "جواد": "jawad", "حيدر": "haydar",
	"زيد": "zayd", "زينب": "zaynab", "فاطمة": "fatima", "عائشة": "aisha", "خديجة": "khadija", "مريم": "maryam",
	"اسماعيل": "ismail", "إسماعيل": "ismail", "اسامة": "usama", "أسامة": "usama", "طارق": "tariq", "عادل": "adil",
	"عزيز": "aziz", "عزت": "izzat", "نور": "nur", "الدين": "al din", "امين": "amin", "أمين": "amin", "منصور": "mansur",
	"عمار": "ammar", "ياسين": "yasin", "زكريا": "zakariya", "انور": "anwar", "أنور": "anwar", "بكر": "bakr",
	"هاشم": "hashim", "شريف": "sharif", "عوض": "awad", "محسن": "muhsin", "مختار": "mukhtar", "نبيل": "nabil",
}

// arabicArticle splits a leading "ال" off a word.
const arabicArticle = "ال"

func translitArabicWord(w string) (string, bool) {
	if t, ok := arabicWords[w]; ok {
		return t, false
	}
	if strings.HasPrefix(w, arabicArticle) && len([]rune(w)) > 3 {
		rest := strings.TrimPrefix(w, arabicArticle)
		if t, ok := arabicWords[rest]; ok {
			return "al " + t, false
		}
		s, _ := translitArabicLetters(rest)
		return "al " + s, true
	}
	return translitArabicLetters(w)
}

func translitArabicLetters(w string) (string, bool) {
	var b strings.Builder
	rs := []rune(w)
	vowelled := false
	for i, r := range rs {
		switch r {
		case 'َ', 'ِ', 'ُ':
			vowelled = true
		}
		switch {
		case r == 'و' && i > 0:
			b.WriteString("u") // a long vowel inside a word
		case r == 'ي' && i > 0:
			b.WriteString("i")
		case r == 'ی' && i > 0:
			b.WriteString("i")
		default:
			if t, ok := arabicLetters[r]; ok {
				b.WriteString(t)
			} else {
				b.WriteString(unidecode.Unidecode(string(r)))
			}
		}
	}
	return b.String(), !vowelled
}

func isArabicRune(r rune) bool   { return unicode.Is(unicode.Arabic, r) }
func isCyrillicRune(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }

// syllabic scripts: one character is one syllable.
func isSyllabic(r rune) bool {
	return unicode.Is(unicode.Hangul, r) || unicode.Is(unicode.Han, r) ||
		unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r)
}

// scriptWord is one whitespace-separated word after transliteration.
type scriptWord struct {
	text     string // ASCII
	skeleton bool   // written without vowels (Arabic script)
}

// transliterate turns s into ASCII words. Apostrophes and the Arabic ayn
// and hamza signs vanish; other punctuation is kept for the tokenizer.
func transliterate(s string) []scriptWord {
	var out []scriptWord
	for _, w := range strings.Fields(s) {
		hasArabic, hasCyr, hasSyl, hasOther := false, false, false, false
		for _, r := range w {
			switch {
			case r < 0x80:
			case isArabicRune(r):
				hasArabic = true
			case isCyrillicRune(r):
				hasCyr = true
			case isSyllabic(r):
				hasSyl = true
			default:
				hasOther = true
			}
		}
		switch {
		case hasArabic:
			t, skel := translitArabicWord(w)
			out = append(out, scriptWord{text: t, skeleton: skel})
		case hasCyr:
			out = append(out, scriptWord{text: translitCyrillicWord(w)})
		case hasSyl:
			var b strings.Builder
			for _, r := range w {
				if isSyllabic(r) {
					b.WriteString(unidecode.Unidecode(string(r)))
					b.WriteByte(' ')
				} else {
					b.WriteRune(r)
				}
			}
			out = append(out, scriptWord{text: b.String()})
		case hasOther:
			out = append(out, scriptWord{text: asciiFold(w)})
		default:
			out = append(out, scriptWord{text: w})
		}
	}
	return out
}

// asciiFold removes diacritics and transliterates to ASCII (no word
// structure; used for country names and free text).
func asciiFold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r < 0x80:
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r):
			// combining accent: drop
		case r == 'ʿ' || r == 'ʾ' || r == '’' || r == '‘' || r == 'ʼ' || r == '`' || r == '´' || r == 'ʻ':
			b.WriteByte('\'')
		case r == 'ß':
			b.WriteString("ss")
		case isCyrillicRune(r):
			b.WriteString(translitCyrillicWord(string(r)))
		case unicode.IsSpace(r):
			b.WriteByte(' ')
		default:
			b.WriteString(unidecode.Unidecode(string(r)))
		}
	}
	return b.String()
}
