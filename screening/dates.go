package screening

import (
	"strconv"
	"strings"
	"time"
)

var monthAbbr = map[string]int{
	"JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
	"JUL": 7, "AUG": 8, "SEP": 9, "SEPT": 9, "OCT": 10, "NOV": 11, "DEC": 12,
	"JANUARY": 1, "FEBRUARY": 2, "MARCH": 3, "APRIL": 4, "JUNE": 6, "JULY": 7,
	"AUGUST": 8, "SEPTEMBER": 9, "OCTOBER": 10, "NOVEMBER": 11, "DECEMBER": 12,
}

// parseDOB reads one date of birth as the lists write it:
//
//	"10 Dec 1948", "Sep 1938", "1946"                 OFAC remarks
//	"circa 1951", "circa 07 Jul 1966", "circa Mar 1961"
//	"1951 to 1953", "01 Jan 1961 to 31 Dec 1962", "circa 1979-1982"
//	"1973-03-25", "1973-03", "1973"                   ISO (CSL, UN)
//
// It reports false when s holds no date it understands.
func parseDOB(s string) (DOB, bool) {
	raw := strings.TrimSpace(s)
	t := strings.TrimSuffix(strings.TrimSpace(s), ".")
	d := DOB{Raw: raw}
	low := asciiLower(t)
	for _, p := range []string{"circa ", "approximately ", "approx. ", "approx ", "about ", "c. ", "ca. "} {
		if strings.HasPrefix(low, p) {
			d.Circa = true
			t = strings.TrimSpace(t[len(p):])
			break
		}
	}
	// A range: "A to B", "A - B", or "YYYY-YYYY".
	var from, to string
	if i := strings.Index(asciiLower(t), " to "); i >= 0 {
		from, to = t[:i], t[i+4:]
	} else if i := strings.Index(t, " - "); i >= 0 {
		from, to = t[:i], t[i+3:]
	} else if len(t) == 9 && t[4] == '-' && allDigits(t[:4]) && allDigits(t[5:]) {
		from, to = t[:4], t[5:]
	} else {
		from = t
	}
	y, m, dd, p, ok := parseOneDate(from)
	if !ok {
		return DOB{}, false
	}
	d.Year, d.Month, d.Day, d.Precision = y, m, dd, p
	if to != "" {
		ty, tm, td, _, ok := parseOneDate(to)
		if !ok || ty < y {
			return DOB{}, false
		}
		d.ToYear, d.ToMonth, d.ToDay = ty, tm, td
	}
	return d, true
}

// parseOneDate reads "10 Dec 1948", "Dec 1948", "1948", "1948-12-10",
// "1948-12" or "10/12/1948" (day first, as the UN writes notes).
func parseOneDate(s string) (y, m, d int, p Precision, ok bool) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if s == "" {
		return 0, 0, 0, 0, false
	}
	if strings.Contains(s, "-") && !strings.Contains(s, " ") {
		parts := strings.Split(s, "-")
		if len(parts) > 3 || len(parts[0]) != 4 {
			return 0, 0, 0, 0, false
		}
		nums := make([]int, len(parts))
		for i, part := range parts {
			if !allDigits(part) || (i > 0 && len(part) != 2) {
				return 0, 0, 0, 0, false
			}
			nums[i], _ = strconv.Atoi(part)
		}
		y = nums[0]
		p = PrecisionYear
		if len(nums) >= 2 {
			m, p = nums[1], PrecisionMonth
		}
		if len(nums) == 3 {
			d, p = nums[2], PrecisionDay
		}
		// "1970-00-00" style placeholders mean the year only.
		if m == 0 {
			p = PrecisionYear
		} else if d == 0 && p == PrecisionDay {
			p = PrecisionMonth
		}
		return validDate(y, m, d, p)
	}
	if strings.Count(s, "/") == 2 && !strings.Contains(s, " ") {
		parts := strings.Split(s, "/")
		if len(parts[2]) != 4 || !allDigits(parts[0]) || !allDigits(parts[1]) || !allDigits(parts[2]) {
			return 0, 0, 0, 0, false
		}
		d, _ = strconv.Atoi(parts[0])
		m, _ = strconv.Atoi(parts[1])
		y, _ = strconv.Atoi(parts[2])
		return validDate(y, m, d, PrecisionDay)
	}
	f := strings.Fields(s)
	switch len(f) {
	case 1:
		if len(f[0]) != 4 || !allDigits(f[0]) {
			return 0, 0, 0, 0, false
		}
		y, _ = strconv.Atoi(f[0])
		return validDate(y, 0, 0, PrecisionYear)
	case 2:
		mm, okm := monthAbbr[strings.ToUpper(strings.TrimSuffix(f[0], "."))]
		if !okm || len(f[1]) != 4 || !allDigits(f[1]) {
			return 0, 0, 0, 0, false
		}
		y, _ = strconv.Atoi(f[1])
		return validDate(y, mm, 0, PrecisionMonth)
	case 3:
		mm, okm := monthAbbr[strings.ToUpper(strings.TrimSuffix(f[1], "."))]
		if !okm || !allDigits(f[0]) || len(f[0]) > 2 || len(f[2]) != 4 || !allDigits(f[2]) {
			return 0, 0, 0, 0, false
		}
		d, _ = strconv.Atoi(f[0])
		y, _ = strconv.Atoi(f[2])
		return validDate(y, mm, d, PrecisionDay)
	}
	return 0, 0, 0, 0, false
}

func validDate(y, m, d int, p Precision) (int, int, int, Precision, bool) {
	if y < 1800 || y > 2200 {
		return 0, 0, 0, 0, false
	}
	if p >= PrecisionMonth && (m < 1 || m > 12) {
		return 0, 0, 0, 0, false
	}
	if p == PrecisionDay {
		last := time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d < 1 || d > last {
			return 0, 0, 0, 0, false
		}
	}
	return y, m, d, p, true
}

// asciiLower lowers A-Z only, so that byte offsets stay valid (unlike
// strings.ToLower, which may change the length of non-ASCII text).
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ParseQueryDate reads a query date of birth: "YYYY", "YYYY-MM" or
// "YYYY-MM-DD". It reports false for anything else.
func ParseQueryDate(s string) (DOB, bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.Contains(s, " ") || strings.Contains(s, "/") {
		return DOB{}, false
	}
	y, m, d, p, ok := parseOneDate(s)
	if !ok {
		return DOB{}, false
	}
	return DOB{Raw: s, Year: y, Month: m, Day: d, Precision: p}, true
}
