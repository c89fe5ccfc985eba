package screening

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EntityType says what a list entry designates.
type EntityType string

const (
	TypeUnknown    EntityType = ""           // the list does not say (most non-Treasury CSL rows)
	TypeIndividual EntityType = "individual" // a natural person
	TypeEntity     EntityType = "entity"     // an organisation
	TypeVessel     EntityType = "vessel"
	TypeAircraft   EntityType = "aircraft"
)

// Strength is how much a list trusts one of an entry's names.
type Strength string

const (
	StrengthPrimary Strength = "primary" // the name the entry is listed under
	StrengthStrong  Strength = "strong"  // OFAC a.k.a. / n.k.a.; UN "Good" quality or a.k.a.; CSL alt_names
	StrengthFormer  Strength = "former"  // f.k.a.: the same person or body under an earlier name
	StrengthWeak    Strength = "weak"    // OFAC a.k.a. in the remarks; UN "Low" quality: nicknames, noms de guerre
	StrengthScript  Strength = "script"  // the name in its original script (UN NAME_ORIGINAL_SCRIPT), transliterated for matching
)

// Name is one name of an entry as the list writes it. Family and Given are
// filled when the list gives the structure ("SURNAME, Given" in OFAC files,
// FIRST_NAME/SECOND_NAME… in the UN list); otherwise only Full is.
type Name struct {
	Full     string   `json:"full"`
	Family   string   `json:"family,omitempty"`
	Given    string   `json:"given,omitempty"`
	Strength Strength `json:"strength"`
}

// Precision says how much of a date of birth the list knows.
type Precision uint8

const (
	PrecisionNone  Precision = iota
	PrecisionYear            // "1962"
	PrecisionMonth           // "Sep 1938"
	PrecisionDay             // "10 Dec 1948"
)

func (p Precision) String() string {
	switch p {
	case PrecisionYear:
		return "year"
	case PrecisionMonth:
		return "month"
	case PrecisionDay:
		return "day"
	}
	return "none"
}

// DOB is one date of birth of an entry. A range ("1960 to 1962", UN
// BETWEEN) has To* set; Circa marks "circa"/"approximately".
type DOB struct {
	Raw       string    `json:"raw"`
	Year      int       `json:"year"`
	Month     int       `json:"month,omitempty"`
	Day       int       `json:"day,omitempty"`
	Precision Precision `json:"precision"`
	Circa     bool      `json:"circa,omitempty"`
	ToYear    int       `json:"to_year,omitempty"`
	ToMonth   int       `json:"to_month,omitempty"`
	ToDay     int       `json:"to_day,omitempty"`
}

// IsRange reports whether d is a span of dates.
func (d DOB) IsRange() bool { return d.ToYear != 0 }

// String writes d as ISO 8601 (reduced precision), with "~" for circa and
// "/" for ranges.
func (d DOB) String() string {
	s := isoDate(d.Year, d.Month, d.Day, d.Precision)
	if d.IsRange() {
		tp := PrecisionYear
		if d.ToDay != 0 {
			tp = PrecisionDay
		} else if d.ToMonth != 0 {
			tp = PrecisionMonth
		}
		s += "/" + isoDate(d.ToYear, d.ToMonth, d.ToDay, tp)
	}
	if d.Circa {
		s = "~" + s
	}
	return s
}

func isoDate(y, m, d int, p Precision) string {
	switch p {
	case PrecisionDay:
		return fmt.Sprintf("%04d-%02d-%02d", y, m, d)
	case PrecisionMonth:
		return fmt.Sprintf("%04d-%02d", y, m)
	}
	return strconv.Itoa(y)
}

// Country is a nationality or citizenship as the list writes it, with its
// ISO 3166-1 alpha-3 code when the name could be mapped.
type Country struct {
	Raw  string `json:"raw"`
	Code string `json:"code,omitempty"`
}

// Document is an identity document of an entry (passport, national ID…).
type Document struct {
	Type    string  `json:"type"`
	Number  string  `json:"number"`
	Country Country `json:"country,omitzero"`
	Note    string  `json:"note,omitempty"` // issued/expires text
}

// Address is where a list places an entry.
type Address struct {
	Street  string `json:"street,omitempty"`
	City    string `json:"city,omitempty"`
	Country string `json:"country,omitempty"`
}

// SourceRef says which list (and sub-list, for the CSL) an entry came from
// and under which identifier.
type SourceRef struct {
	List     string `json:"list"`              // ListVersion.Source
	Version  string `json:"version"`           // ListVersion.Version
	SubList  string `json:"sublist,omitempty"` // CSL "source" column, UN list type, OFAC programs
	NativeID string `json:"native_id"`         // ent_num, UN reference number, CSL _id
}

// Entity is one designated person, organisation, vessel or aircraft. Build
// merges records that carry the same ID (an OFAC entry number is shared by
// the SDN file, the non-SDN files and the Treasury rows of the CSL), so one
// Entity may come from several lists; Sources says which.
type Entity struct {
	ID            string      `json:"id"` // "OFAC:12345", "UN:QDi.001", "CSL:<_id>"
	Type          EntityType  `json:"type"`
	Names         []Name      `json:"names"` // Names[0] is the primary name
	DOBs          []DOB       `json:"dobs,omitempty"`
	Nationalities []Country   `json:"nationalities,omitempty"` // nationality and citizenship
	Gender        string      `json:"gender,omitempty"`        // "M", "F" or ""
	Documents     []Document  `json:"documents,omitempty"`
	PlacesOfBirth []string    `json:"places_of_birth,omitempty"`
	Addresses     []Address   `json:"addresses,omitempty"`
	Programs      []string    `json:"programs,omitempty"`
	Title         string      `json:"title,omitempty"`
	Sources       []SourceRef `json:"sources"`
}

// PrimaryName is the name the entry is listed under.
func (e *Entity) PrimaryName() string {
	if len(e.Names) == 0 {
		return ""
	}
	return e.Names[0].Full
}

// ListVersion identifies one loaded list file set.
type ListVersion struct {
	Source     string    `json:"source"`     // "OFAC-SDN", "OFAC-CONS", "UN", "US-CSL"
	Title      string    `json:"title"`      // human name of the list
	Path       string    `json:"path"`       // folder or file it was read from
	Date       string    `json:"date"`       // publication date: from the content, else the folder name, else the file time
	SHA256     string    `json:"sha256"`     // over every file read, in name order (name, length, bytes)
	Version    string    `json:"version"`    // Date + " sha256:" + first 12 hex digits
	Entities   int       `json:"entities"`   // records parsed
	LoadedAt   time.Time `json:"loaded_at"`  // when the files were read
	Superseded bool      `json:"superseded"` // a newer version of the same Source was built into the index instead
}

// String is "SOURCE DATE sha256:…".
func (v ListVersion) String() string {
	s := v.Source + " " + v.Version
	if v.Superseded {
		s += " (superseded)"
	}
	return s
}

// List is what a loader returns: the entries of one list file set.
type List struct {
	Version  ListVersion
	Entities []*Entity
}

// cleanField trims a field and maps the OFAC null "-0-" to "".
func cleanField(s string) string {
	s = strings.TrimSpace(s)
	if s == "-0-" {
		return ""
	}
	return s
}
