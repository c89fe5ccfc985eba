package docketcard

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// DatePrecision says how much of a PartialDate is known.
type DatePrecision int

const (
	PrecisionNone  DatePrecision = iota // no date
	PrecisionYear                       // "1984"
	PrecisionMonth                      // "1984-04"
	PrecisionDay                        // "1984-04-18"
)

// PartialDate is a calendar date of which only the year, or the year and
// month, may be known, as is common for dates of birth of people whose
// documents were lost or never issued.
type PartialDate struct {
	Year, Month, Day int
}

// MaxAge bounds dates of birth: nobody enrolled is older than this.
const MaxAge = 120

// ParsePartialDate parses "YYYY", "YYYY-MM" or "YYYY-MM-DD" and checks that
// the date exists in the calendar.
func ParsePartialDate(s string) (PartialDate, error) {
	s = strings.TrimSpace(s)
	parts := strings.Split(s, "-")
	if s == "" || len(parts) > 3 {
		return PartialDate{}, Errorf(EINVALID, "date must be YYYY, YYYY-MM or YYYY-MM-DD")
	}
	wants := []int{4, 2, 2}
	var nums [3]int
	for i, p := range parts {
		if len(p) != wants[i] {
			return PartialDate{}, Errorf(EINVALID, "date %q must be YYYY, YYYY-MM or YYYY-MM-DD", s)
		}
		n, err := strconv.Atoi(p)
		if err != nil || strings.Trim(p, "0123456789") != "" {
			return PartialDate{}, Errorf(EINVALID, "date %q must contain only digits and hyphens", s)
		}
		nums[i] = n
	}
	d := PartialDate{Year: nums[0], Month: nums[1], Day: nums[2]}
	if d.Year < 1 {
		return PartialDate{}, Errorf(EINVALID, "date %q has no year", s)
	}
	if len(parts) >= 2 && (d.Month < 1 || d.Month > 12) {
		return PartialDate{}, Errorf(EINVALID, "date %q has month %d; months run from 01 to 12", s, d.Month)
	}
	if len(parts) == 3 {
		last := time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
		if d.Day < 1 || d.Day > last {
			return PartialDate{}, Errorf(EINVALID, "date %q does not exist: %04d-%02d has %d days", s, d.Year, d.Month, last)
		}
	}
	return d, nil
}

// Precision reports how much of the date is known.
func (d PartialDate) Precision() DatePrecision {
	switch {
	case d.Year == 0:
		return PrecisionNone
	case d.Month == 0:
		return PrecisionYear
	case d.Day == 0:
		return PrecisionMonth
	default:
		return PrecisionDay
	}
}

// IsZero reports whether no date is set.
func (d PartialDate) IsZero() bool { return d.Year == 0 }

// String formats the date at its precision.
func (d PartialDate) String() string {
	switch d.Precision() {
	case PrecisionYear:
		return fmt.Sprintf("%04d", d.Year)
	case PrecisionMonth:
		return fmt.Sprintf("%04d-%02d", d.Year, d.Month)
	case PrecisionDay:
		return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
	}
	return ""
}

// Earliest returns the first day the partial date can denote.
func (d PartialDate) Earliest() time.Time {
	m, day := max(d.Month, 1), max(d.Day, 1)
	return time.Date(d.Year, time.Month(m), day, 0, 0, 0, 0, time.UTC)
}

// Latest returns the last day the partial date can denote.
func (d PartialDate) Latest() time.Time {
	switch d.Precision() {
	case PrecisionYear:
		return time.Date(d.Year, 12, 31, 0, 0, 0, 0, time.UTC)
	case PrecisionMonth:
		return time.Date(d.Year, time.Month(d.Month)+1, 0, 0, 0, 0, 0, time.UTC)
	}
	return d.Earliest()
}

// MarshalText implements encoding.TextMarshaler.
func (d PartialDate) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *PartialDate) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = PartialDate{}
		return nil
	}
	v, err := ParsePartialDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// ValidateBirthDate checks a date of birth against today's date: it may not
// be in the future (at any precision) nor more than MaxAge years ago.
func ValidateBirthDate(d PartialDate, today time.Time) error {
	if d.IsZero() {
		return Errorf(EINVALID, "date of birth is required (YYYY, YYYY-MM or YYYY-MM-DD)")
	}
	t := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if d.Earliest().After(t) {
		return Errorf(EINVALID, "date of birth %s is in the future", d)
	}
	if d.Latest().Before(t.AddDate(-MaxAge, 0, 0)) {
		return Errorf(EINVALID, "date of birth %s is more than %d years ago", d, MaxAge)
	}
	return nil
}

// Date is a full calendar date without time of day or zone, used for
// document issue dates and schedule boundaries.
type Date struct{ time.Time }

// ParseDate parses "YYYY-MM-DD".
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
	if err != nil {
		return Date{}, Errorf(EINVALID, "date %q must be a real date written YYYY-MM-DD", s)
	}
	return Date{t}, nil
}

// NewDate returns the calendar date of t in t's location.
func NewDate(t time.Time) Date {
	return Date{time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)}
}

func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.Format(time.DateOnly)
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// MarshalJSON writes "YYYY-MM-DD" (or "" for no date). Without it the
// embedded time.Time's MarshalJSON would win and write a timestamp.
func (d Date) MarshalJSON() ([]byte, error) { return []byte(`"` + d.String() + `"`), nil }

// UnmarshalJSON reads "YYYY-MM-DD" or "".
func (d *Date) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = Date{}
		return nil
	}
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return Errorf(EINVALID, "date must be a string written YYYY-MM-DD")
	}
	return d.UnmarshalText(b[1 : len(b)-1])
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
