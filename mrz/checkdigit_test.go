package mrz

import (
	"strings"
	"testing"

	"github.com/docketcard/docketcard"
)

// The worked examples of ICAO Doc 9303 Part 3 Appendix A, the TD1 specimen
// of Part 5 Appendix A (Figure A-2) and the long document number of Part 11
// Appendix D.2.
func TestCheckDigit(t *testing.T) {
	const td3Lower = "HA672242<6YTO5802254M9601086<<<<<<<<<<<<<<0" // Part 3 App. A Example 3
	const td2Lower = "HA672242<6YTO5802254M9601086<<<<<<<"         // Part 3 App. A Example 5
	for _, tc := range []struct {
		name string
		data string
		want byte
	}{
		{"Part 3 App A example 1: date 27 July 1952", "520727", '3'},
		{"Part 3 App A example 2: document number AB2134", "AB2134<<<", '5'},
		{"Part 3 App A example 3: TD3 composite", td3Lower[0:10] + td3Lower[13:20] + td3Lower[21:43], '8'},
		{"Part 3 App A example 4: TD1 composite", compositeData("I<YTOD231458907<<<<<<<<<<<<<<<", "3407127M9507122YTO<<<<<<<<<<<2"), '2'},
		{"Part 3 App A example 5: TD2 composite", td2Lower[0:10] + td2Lower[13:20] + td2Lower[21:35], '8'},
		{"Part 5 specimen: document number", "D23145890", '7'},
		{"Part 5 specimen: date of birth", "740812", '2'},
		{"Part 5 specimen: date of expiry", "120415", '9'},
		{"Part 5 specimen: composite", compositeData("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6"), '6'},
		{"Part 11 App D.2: long document number without the filler", "D23145890734", '9'},
		{"fillers count as zero", "AB2134", '5'},
		{"all letters", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", checkDigitByHand("ABCDEFGHIJKLMNOPQRSTUVWXYZ")},
		{"unknown date of birth", "<<<<<<", '0'},
		{"empty", "", '0'},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := CheckDigit(tc.data)
			if err != nil {
				t.Fatalf("CheckDigit(%q): %v", tc.data, err)
			}
			if got != tc.want {
				t.Errorf("CheckDigit(%q) = %c, want %c", tc.data, got, tc.want)
			}
		})
	}
}

// checkDigitByHand spells out Part 3 §4.9 step by step, independently of
// charValue.
func checkDigitByHand(s string) byte {
	const alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	sum := 0
	for i, c := range s {
		v := strings.IndexRune(alphabet, c)
		if c == '<' {
			v = 0
		}
		sum += v * []int{7, 3, 1}[i%3]
	}
	return byte('0' + sum%10)
}

func TestCheckDigitRejects(t *testing.T) {
	for _, tc := range []struct {
		name, data, want string
	}{
		{"lower case", "ab", "character 1 ('a')"},
		{"space", "AB 12", "character 3 (' ')"},
		{"hyphen", "A-1", "character 2 ('-')"},
		{"accented letter after ASCII", "XÉ", "character 2 ('É')"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CheckDigit(tc.data)
			if docketcard.ErrorCode(err) != docketcard.EINVALID {
				t.Fatalf("CheckDigit(%q) error = %v, want EINVALID", tc.data, err)
			}
			if msg := docketcard.ErrorMessage(err); !strings.Contains(msg, tc.want) {
				t.Errorf("message %q does not contain %q", msg, tc.want)
			}
		})
	}
}
